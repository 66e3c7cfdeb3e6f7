/**
 * HLS mechanisms 2–7, challenges, LLS passwords and the Security setup method data.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { decodeData, encodeData } from '../src/axdr/data.js';
import {
  applyGlobalKeyTransfer,
  checkChallenge,
  cipherApdu,
  clientHlsResponse,
  decipherApdu,
  generateChallenge,
  generateEcKeyPair,
  type HlsExchange,
  type HlsMechanism,
  LlsPassword,
  SecurityContext,
  type SecuritySetupMethodInvocation,
  securitySetupMethodFromData,
  securitySetupMethodId,
  securitySetupMethodToData,
  securitySuiteParameters,
  serverHlsResponse,
  verifyClientHlsResponse,
  verifyServerHlsResponse,
  wrapGlobalKeys,
} from '../src/security/index.js';

const ST_C = fromHex('4D4D4D0000000001');
const ST_S = fromHex('4D4D4D0000BC614E');
const secret = new TextEncoder().encode('0123456789ABCDEF');

const h = (alg: string, ...parts: Uint8Array[]): string => {
  const x = createHash(alg);
  for (const p of parts) x.update(p);
  return x.digest('hex');
};

/** Independent expectations for the secret-based mechanisms (IEC 62056-5-3 §9.2.2.2). */
function expected(
  mech: 2 | 3 | 4 | 6,
  side: 'client' | 'server',
  ctoS: Uint8Array,
  stoC: Uint8Array,
): string {
  const ch = side === 'client' ? stoC : ctoS;
  switch (mech) {
    case 2: {
      const padded = Buffer.alloc(Math.ceil(ch.length / 16) * 16);
      padded.set(ch);
      const c = createCipheriv('aes-128-ecb', secret, null);
      c.setAutoPadding(false);
      return c.update(padded).toString('hex');
    }
    case 3:
      return h('md5', ch, secret);
    case 4:
      return h('sha1', ch, secret);
    case 6:
      return side === 'client'
        ? h('sha256', secret, ST_C, ST_S, stoC, ctoS)
        : h('sha256', secret, ST_S, ST_C, ctoS, stoC);
  }
}

const challengeArb = fc.uint8Array({ minLength: 8, maxLength: 64 });

t.test('HLS mechanisms 2, 3, 4 and 6 compute and verify both passes', async () => {
  fc.assert(
    fc.property(
      fc.constantFrom<2 | 3 | 4 | 6>(2, 3, 4, 6),
      challengeArb,
      challengeArb,
      (mech, ctoS, stoC) => {
        const ex: HlsExchange = {
          mechanism: mech,
          clientToServerChallenge: ctoS,
          serverToClientChallenge: stoC,
          clientSystemTitle: ST_C,
          serverSystemTitle: ST_S,
        };
        const fStoC = clientHlsResponse(ex, { secret });
        const fCtoS = serverHlsResponse(ex, { secret });
        if (toHex(fStoC) !== expected(mech, 'client', ctoS, stoC)) return false;
        if (toHex(fCtoS) !== expected(mech, 'server', ctoS, stoC)) return false;
        verifyClientHlsResponse(ex, { secret }, fStoC);
        verifyServerHlsResponse(ex, { secret }, fCtoS);
        const bad = Uint8Array.from(fStoC);
        bad[0]! ^= 0x80;
        try {
          verifyClientHlsResponse(ex, { secret }, bad);
          return false;
        } catch (e) {
          if (!isMeterkitError(e, 324)) return false;
        }
        try {
          verifyServerHlsResponse(ex, { secret }, fCtoS.subarray(1));
          return false;
        } catch (e) {
          return isMeterkitError(e, 324);
        }
      },
    ),
    { numRuns: 200 },
  );
});

t.test('HLS mechanism 6 takes system titles from the contexts', async (t) => {
  const ctoS = generateChallenge(16);
  const stoC = generateChallenge(32);
  const client = new SecurityContext({ systemTitle: ST_C, peerSystemTitle: ST_S });
  const server = new SecurityContext({ systemTitle: ST_S, peerSystemTitle: ST_C });
  const ex: HlsExchange = { mechanism: 6, clientToServerChallenge: ctoS, serverToClientChallenge: stoC };
  const f = clientHlsResponse(ex, { secret, context: client });
  t.equal(toHex(f), expected(6, 'client', ctoS, stoC));
  verifyClientHlsResponse(ex, { secret, context: server }, f);
  verifyServerHlsResponse(
    ex,
    { secret, context: client },
    serverHlsResponse(ex, { secret, context: server }),
  );
  t.throws(() => clientHlsResponse(ex, { secret }), { code: 322 });
  t.throws(() => clientHlsResponse(ex, { context: client }), { code: ErrorCode.KeyMissing });
});

t.test('HLS mechanism 5 (GMAC) between two contexts, suites 0 and 1', async (t) => {
  for (const suite of [0, 1] as const) {
    const keys = {
      globalUnicastEncryptionKey: new Uint8Array(16).fill(1),
      authenticationKey: new Uint8Array(16).fill(2),
    };
    const client = new SecurityContext({
      suite,
      systemTitle: ST_C,
      peerSystemTitle: ST_S,
      ...keys,
      invocationCounters: { 'global-unicast-encryption-key': 7 },
    });
    const server = new SecurityContext({ suite, systemTitle: ST_S, peerSystemTitle: ST_C, ...keys });
    const ex: HlsExchange = {
      mechanism: 5,
      clientToServerChallenge: generateChallenge(8),
      serverToClientChallenge: generateChallenge(64),
    };
    const f = clientHlsResponse(ex, { context: client });
    t.equal(f[0], 0x10 | suite);
    t.equal(toHex(f.subarray(1, 5)), '00000007');
    verifyClientHlsResponse(ex, { context: server }, f);
    const g = serverHlsResponse(ex, { context: server, invocationCounter: 99 });
    t.equal(toHex(g.subarray(1, 5)), '00000063');
    verifyServerHlsResponse(ex, { context: client }, g);
    const noA = Uint8Array.from(g);
    noA[0] = 0x20;
    t.throws(() => verifyServerHlsResponse(ex, { context: client }, noA), { code: 324 });
    t.throws(() => verifyServerHlsResponse(ex, { context: client }, g.subarray(0, 16)), { code: 324 });
    t.throws(() => verifyServerHlsResponse(ex, { context: server }, g), { code: 324 }, 'wrong system title');
  }
  t.throws(
    () =>
      clientHlsResponse(
        {
          mechanism: 5,
          clientToServerChallenge: generateChallenge(),
          serverToClientChallenge: generateChallenge(),
        },
        {},
      ),
    { code: ErrorCode.KeyMissing },
  );
  t.throws(
    () =>
      clientHlsResponse(
        {
          mechanism: 5,
          clientToServerChallenge: generateChallenge(),
          serverToClientChallenge: generateChallenge(),
        },
        { context: new SecurityContext() },
      ),
    { code: 322 },
  );
});

t.test('HLS mechanism 7 (ECDSA), suites 1 and 2', async (t) => {
  for (const suite of [1, 2] as const) {
    const p = securitySuiteParameters(suite);
    const c = generateEcKeyPair(p);
    const s = generateEcKeyPair(p);
    const client = new SecurityContext({
      suite,
      systemTitle: ST_C,
      peerSystemTitle: ST_S,
      signingKey: c.privateKey,
      peerSigningKey: s.publicKey,
    });
    const server = new SecurityContext({
      suite,
      systemTitle: ST_S,
      peerSystemTitle: ST_C,
      signingKey: s.privateKey,
      peerSigningKey: c.publicKey,
    });
    const ex: HlsExchange = {
      mechanism: 7,
      clientToServerChallenge: generateChallenge(32),
      serverToClientChallenge: generateChallenge(32),
    };
    const f = clientHlsResponse(ex, { context: client });
    t.equal(f.length, p.signatureLength);
    verifyClientHlsResponse(ex, { context: server }, f);
    const g = serverHlsResponse(ex, { context: server });
    verifyServerHlsResponse(ex, { context: client }, g);
    t.throws(
      () => verifyClientHlsResponse(ex, { context: server }, g),
      { code: 324 },
      "the server's signature is not the client's",
    );
    t.throws(
      () =>
        clientHlsResponse(ex, {
          context: new SecurityContext({ suite, systemTitle: ST_C, peerSystemTitle: ST_S }),
        }),
      { code: ErrorCode.KeyMissing },
    );
    t.throws(
      () =>
        verifyClientHlsResponse(
          ex,
          { context: new SecurityContext({ suite, systemTitle: ST_S, peerSystemTitle: ST_C }) },
          f,
        ),
      { code: ErrorCode.KeyMissing },
    );
  }
});

t.test('challenges', async (t) => {
  t.equal(generateChallenge().length, 16);
  t.equal(generateChallenge(8).length, 8);
  t.equal(generateChallenge(64).length, 64);
  t.throws(() => generateChallenge(7), { code: 327 });
  t.throws(() => generateChallenge(65), { code: 327 });
  t.throws(() => generateChallenge(8.5), { code: ErrorCode.InvalidArgument });
  t.throws(() => checkChallenge(new Uint8Array(3)), { code: 327 });
  const seen = new Set<string>();
  for (let i = 0; i < 500; i++) seen.add(toHex(generateChallenge(8)));
  t.equal(seen.size, 500, 'no repeats');
  const ex: HlsExchange = {
    mechanism: 3,
    clientToServerChallenge: new Uint8Array(8),
    serverToClientChallenge: new Uint8Array(7),
  };
  t.throws(() => clientHlsResponse(ex, { secret }), { code: 327 });
  t.throws(
    () =>
      clientHlsResponse(
        { ...ex, mechanism: 9 as HlsMechanism, serverToClientChallenge: new Uint8Array(8) },
        { secret },
      ),
    { code: ErrorCode.InvalidArgument },
  );
  t.throws(
    () =>
      clientHlsResponse(
        { ...ex, mechanism: 2, serverToClientChallenge: new Uint8Array(8) },
        { secret: new Uint8Array(5) },
      ),
    { code: ErrorCode.KeyInvalid },
  );
  const long = clientHlsResponse(
    { ...ex, mechanism: 2, serverToClientChallenge: new Uint8Array(20) },
    { secret: new Uint8Array(32) },
  );
  t.equal(long.length, 32, 'AES-256 secret, two blocks');
});

t.test('LLS password', async (t) => {
  const p = LlsPassword.fromText('00000001');
  t.equal(p.length, 8);
  t.ok(p.matches(new TextEncoder().encode('00000001')));
  t.notOk(p.matches(new TextEncoder().encode('00000002')));
  t.notOk(p.matches(new TextEncoder().encode('0000000')));
  p.verify(new TextEncoder().encode('00000001'));
  t.throws(() => p.verify(new Uint8Array(0)), { code: 328 });
  const b = p.bytes();
  b[0] = 0x41;
  t.ok(p.matches(new TextEncoder().encode('00000001')), 'bytes() is a copy');
  for (const s of [JSON.stringify({ p }), String(p), inspect(p), inspect({ p }, { showHidden: true })])
    t.notOk(s.includes('00000001'));
  t.equal(JSON.stringify({ p }), '{"p":"[redacted]"}');
  t.throws(() => new LlsPassword(new Uint8Array(0)), { code: ErrorCode.KeyInvalid });
});

const entity = { type: 'by-entity' as const, certificateEntity: 0, certificateType: 1, systemTitle: ST_S };
const serial = {
  type: 'by-serial' as const,
  serialNumber: Uint8Array.of(1, 2, 3),
  issuer: fromHex('300D310B300906035504061302464901'),
};
const invocations: SecuritySetupMethodInvocation[] = [
  { type: 'security-activate', securityPolicy: 0x6c },
  {
    type: 'global-key-transfer',
    keys: [
      { keyId: 0, keyWrapped: new Uint8Array(24).fill(1) },
      { keyId: 2, keyWrapped: new Uint8Array(24).fill(2) },
    ],
  },
  { type: 'key-agreement', keys: [{ keyId: 1, keyData: new Uint8Array(128).fill(3) }] },
  { type: 'generate-key-pair', keyPair: 1 },
  { type: 'generate-certificate-request', keyPair: 0 },
  { type: 'import-certificate', certificate: new Uint8Array(300).fill(4) },
  { type: 'export-certificate', identification: entity },
  { type: 'remove-certificate', identification: serial },
];

t.test('Security setup method data ↔ COSEM data ↔ A-XDR bytes', async (t) => {
  for (const m of invocations) {
    const d = securitySetupMethodToData(m);
    const bytes = encodeData(d);
    t.same(securitySetupMethodFromData(securitySetupMethodId(m), decodeData(bytes)), m, m.type);
  }
  t.equal(toHex(encodeData(securitySetupMethodToData(invocations[0]!))), '166c');
  t.equal(
    toHex(
      encodeData(
        securitySetupMethodToData({
          type: 'global-key-transfer',
          keys: [{ keyId: 0, keyWrapped: fromHex('1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5') }],
        }),
      ),
    ),
    '0101020216000918' + '1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5',
  );
  t.equal(
    toHex(encodeData(securitySetupMethodToData(invocations[6]!))),
    `0202160002031600160109084d4d4d0000bc614e`,
  );
  const bad: [number, string][] = [
    [1, '0900'],
    [2, '0200'],
    [2, '010102011600'],
    [3, '0101020216001600'],
    [6, '1600'],
    [7, '020216020200'],
    [7, '02021605020209000900'],
    [8, '02011600'],
  ];
  for (const [m, hex] of bad) {
    t.throws(
      () => securitySetupMethodFromData(m, decodeData(fromHex(hex))),
      { code: 228 },
      `method ${m} ${hex}`,
    );
  }
  t.throws(() => securitySetupMethodFromData(9, decodeData(fromHex('1600'))), {
    code: ErrorCode.ValueInvalid,
  });
});

t.test('global_key_transfer wraps, unwraps and installs keys', async (t) => {
  const kek = fromHex('000102030405060708090A0B0C0D0E0F');
  const newEk = fromHex('00112233445566778899AABBCCDDEEFF');
  const newAk = fromHex('FFEEDDCCBBAA99887766554433221100');
  const entries = wrapGlobalKeys(kek, [
    { keyId: 0, key: newEk },
    { keyId: 2, key: newAk },
  ]);
  t.equal(toHex(entries[0]!.keyWrapped), '1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5', 'RFC 3394 §4.1');
  const server = new SecurityContext({
    systemTitle: ST_S,
    peerSystemTitle: ST_C,
    masterKey: kek,
    globalUnicastEncryptionKey: new Uint8Array(16),
    authenticationKey: new Uint8Array(16),
  });
  const client = new SecurityContext({
    systemTitle: ST_C,
    peerSystemTitle: ST_S,
    globalUnicastEncryptionKey: newEk,
    authenticationKey: newAk,
  });
  const apdu = cipherApdu(client, Uint8Array.of(0xc0, 1, 2), { form: 'glo' });
  t.throws(() => decipherApdu(server, apdu), { code: ErrorCode.AuthenticationFailed });
  const broken = [
    entries[0]!,
    { keyId: 2, keyWrapped: Uint8Array.from(entries[1]!.keyWrapped, (b, i) => (i === 9 ? b ^ 1 : b)) },
  ];
  t.throws(() => applyGlobalKeyTransfer(server, broken), { code: ErrorCode.AuthenticationFailed });
  t.throws(() => decipherApdu(server, apdu), { code: ErrorCode.AuthenticationFailed }, 'nothing installed');
  applyGlobalKeyTransfer(server, entries);
  t.same(decipherApdu(server, apdu).plaintext, Uint8Array.of(0xc0, 1, 2));
  t.throws(() => wrapGlobalKeys(kek, [{ keyId: 4, key: newEk }]), { code: ErrorCode.ValueInvalid });
  t.throws(() => applyGlobalKeyTransfer(new SecurityContext(), entries), { code: ErrorCode.KeyMissing });
});

t.test('arbitrary input to the HLS and Security setup decoders only raises MeterkitError', async () => {
  const onlyMeterkit = (f: () => unknown): boolean => {
    try {
      f();
      return true;
    } catch (e) {
      return isMeterkitError(e);
    }
  };
  const keys = { globalUnicastEncryptionKey: new Uint8Array(16), authenticationKey: new Uint8Array(16) };
  const ctx = new SecurityContext({ systemTitle: ST_C, peerSystemTitle: ST_S, ...keys });
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 80 }),
      fc.constantFrom<HlsMechanism>(2, 3, 4, 5, 6),
      (bytes, mechanism) =>
        onlyMeterkit(() =>
          verifyServerHlsResponse(
            {
              mechanism,
              clientToServerChallenge: new Uint8Array(16),
              serverToClientChallenge: new Uint8Array(16),
            },
            { secret, context: ctx },
            bytes,
          ),
        ),
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 60 }), (method, bytes) =>
      onlyMeterkit(() =>
        securitySetupMethodFromData(method, decodeData(Uint8Array.of(method % 3, ...bytes))),
      ),
    ),
    { numRuns: 500 },
  );
});
