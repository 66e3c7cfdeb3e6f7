/**
 * Green Book and real-meter vectors for the DLMS security layer, byte-exact in both directions.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  cipherApdu,
  clientHlsResponse,
  decipherApdu,
  decodeCipheredApdu,
  decodeGeneralSigning,
  decodeReplyToHlsAuthenticationRequest,
  decodeReplyToHlsAuthenticationResponse,
  encodeCipheredApdu,
  encodeReplyToHlsAuthenticationRequest,
  encodeReplyToHlsAuthenticationResponse,
  protectionMode,
  SecurityContext,
  serverHlsResponse,
  unwrapKey,
  verifyClientHlsResponse,
  verifyServerHlsResponse,
  wrapKey,
} from '../src/security/index.js';

interface Vector {
  readonly id: string;
  readonly source: string;
  readonly kind: string;
  readonly hex: string;
  readonly keys: Record<string, string> | null;
  readonly expected: Record<string, unknown>;
}

const load = (name: string): Vector[] =>
  (
    JSON.parse(readFileSync(new URL(`vectors/security/${name}`, import.meta.url), 'utf8')) as {
      entries: Vector[];
    }
  ).entries;

const greenbook = load('greenbook.json');
const realFrames = load('real-frames-keyed.json');
const byId = (id: string): Vector => {
  const v = greenbook.find((e) => e.id === id);
  if (v === undefined) throw new Error(`vector ${id} missing`);
  return v;
};
/** First hex token of a key field ("4D59… (ASCII …)" → bytes). */
const key = (s: string | undefined): Uint8Array => fromHex((s ?? '').split(' ')[0]!);

t.test('Green Book ciphered APDUs decipher and re-cipher byte-exactly', async (t) => {
  const ciphered = greenbook.filter((v) => v.kind === 'ciphered-apdu' && v.keys !== null);
  t.equal(ciphered.length, 4);
  for (const v of ciphered) {
    const k = v.keys!;
    const ctx = new SecurityContext({
      systemTitle: key(k.system_title),
      peerSystemTitle: key(k.system_title),
      globalUnicastEncryptionKey: key(k.encryption_key_EK),
      authenticationKey: key(k.authentication_key_AK),
    });
    const bytes = fromHex(v.hex);
    const d = decipherApdu(ctx, bytes);
    t.equal(toHex(d.plaintext), (v.expected.plaintext_hex as string).toLowerCase(), `${v.id} plaintext`);
    t.equal(d.invocationCounter, Number.parseInt(k.invocation_counter!, 16), `${v.id} IC`);
    const sc = d.envelope.securityControl;
    t.equal(d.tagVerified, sc.authentication, `${v.id} tag verified iff present`);
    if (typeof v.expected.ciphertext === 'string')
      t.equal(toHex(d.envelope.ciphertext), v.expected.ciphertext.toLowerCase());
    if (typeof v.expected.auth_tag_12 === 'string')
      t.equal(toHex(d.envelope.authenticationTag!), v.expected.auth_tag_12.toLowerCase());
    const mode = protectionMode(sc);
    t.not(mode, 'none');
    const again = cipherApdu(ctx, d.plaintext, {
      form: 'glo',
      protection: mode === 'none' ? 'authenticated-encrypted' : mode,
      invocationCounter: d.invocationCounter,
    });
    t.equal(toHex(again), v.hex.toLowerCase(), `${v.id} re-ciphered`);
    t.equal(toHex(encodeCipheredApdu(d.envelope)), v.hex.toLowerCase(), `${v.id} envelope re-encodes`);
  }
});

t.test('general-glo-ciphering with an empty system title keeps its envelope', async (t) => {
  const v = byId('dlmscosem-gen-glo-no-system-title');
  const env = decodeCipheredApdu(fromHex(v.hex));
  t.equal(env.type, 'general-glo-ciphering');
  if (env.type !== 'general-glo-ciphering') return;
  t.equal(env.systemTitle.length, 0);
  t.equal(env.invocationCounter, v.expected.invocation_counter);
  t.equal(env.securityControl.authentication && env.securityControl.encryption, true);
  t.equal(toHex(encodeCipheredApdu(env)), v.hex.toLowerCase());
  // without the peer's system title it cannot be deciphered, and says so
  const ctx = new SecurityContext({
    globalUnicastEncryptionKey: new Uint8Array(16),
    authenticationKey: new Uint8Array(16),
  });
  t.throws(() => decipherApdu(ctx, fromHex(v.hex)), { code: 322 });
});

t.test('UDP general-glo-ciphering pushes decrypt to data-notifications', async (t) => {
  t.equal(realFrames.length, 5);
  const ctx = new SecurityContext({
    globalUnicastEncryptionKey: key(realFrames[0]!.keys!.encryption_key_EK),
    authenticationKey: key(realFrames[0]!.keys!.authentication_key_AK),
  });
  let last = -1;
  for (const v of realFrames) {
    const frame = fromHex(v.hex);
    // wrapper header: version(2) source(2) destination(2) length(2)
    const length = (frame[6]! << 8) | frame[7]!;
    t.equal(length, frame.length - 8, `${v.id} wrapper length`);
    const d = decipherApdu(ctx, frame.subarray(8));
    const exp = (v.expected.decoded_by_this_research as { plaintext_hex: string }).plaintext_hex;
    t.equal(d.plaintext[0], 0x0f, `${v.id} is a data-notification`);
    t.equal(toHex(d.plaintext), exp.toLowerCase(), `${v.id} plaintext`);
    t.equal(toHex(d.senderSystemTitle), v.keys!.system_title!.toLowerCase());
    t.equal(d.invocationCounter, Number.parseInt(v.keys!.invocation_counter!, 16));
    t.ok(d.invocationCounter > last, 'counters increase');
    last = d.invocationCounter;
    t.equal(d.tagVerified, true);
  }
  // the replay guard now refuses the first frame again
  t.throws(() => decipherApdu(ctx, fromHex(realFrames[0]!.hex).subarray(8)), { code: ErrorCode.Replay });
});

t.test('an encryption key alone decrypts the pushes, marked tag not verified', async (t) => {
  const ctx = new SecurityContext({
    globalUnicastEncryptionKey: key(realFrames[0]!.keys!.encryption_key_EK),
  });
  const bytes = fromHex(realFrames[2]!.hex).subarray(8);
  t.throws(() => decipherApdu(ctx, bytes), { code: ErrorCode.KeyMissing });
  const d = decipherApdu(ctx, bytes, { allowUnverifiedTag: true });
  t.equal(d.tagVerified, false);
  t.equal(
    toHex(d.plaintext),
    (
      realFrames[2]!.expected.decoded_by_this_research as { plaintext_hex: string }
    ).plaintext_hex.toLowerCase(),
  );
});

t.test('HLS-GMAC f(StoC) and f(CtoS) of the Green Book', async (t) => {
  const c = byId('gb-hls5-gmac-client-fStoC');
  const s = byId('gb-hls5-gmac-server-fCtoS');
  const ck = c.keys!;
  const ctoS = key(ck.CtoS);
  const stoC = key(ck.StoC);
  const client = new SecurityContext({
    systemTitle: key(ck.client_system_title),
    peerSystemTitle: key(ck.server_system_title),
    globalUnicastEncryptionKey: key(ck.encryption_key_EK),
    authenticationKey: key(ck.authentication_key_AK),
    invocationCounters: {
      'global-unicast-encryption-key': Number.parseInt(ck.client_invocation_counter!, 16),
    },
  });
  const server = new SecurityContext({
    systemTitle: key(ck.server_system_title),
    peerSystemTitle: key(ck.client_system_title),
    globalUnicastEncryptionKey: key(ck.encryption_key_EK),
    authenticationKey: key(ck.authentication_key_AK),
    invocationCounters: {
      'global-unicast-encryption-key': Number.parseInt(ck.server_invocation_counter!, 16),
    },
  });
  const ex = { mechanism: 5 as const, clientToServerChallenge: ctoS, serverToClientChallenge: stoC };
  const fStoC = clientHlsResponse(ex, { context: client });
  t.equal(toHex(fStoC), c.hex.toLowerCase());
  t.equal(client.invocationCounter('global-unicast-encryption-key'), 2, 'IC advanced');
  verifyClientHlsResponse(ex, { context: server }, fStoC);
  const fCtoS = serverHlsResponse(ex, { context: server });
  t.equal(toHex(fCtoS), s.hex.toLowerCase());
  verifyServerHlsResponse(ex, { context: client }, fCtoS);
  const bad = Uint8Array.from(fCtoS);
  bad[16]! ^= 1;
  t.throws(() => verifyServerHlsResponse(ex, { context: client }, bad), { code: 324 });
});

t.test('RFC 3394 key wrap vector both ways', async (t) => {
  const v = byId('aes-key-wrap-rfc3394');
  const wrapped = wrapKey(key(v.keys!.kek), key(v.keys!.key_data));
  t.equal(toHex(wrapped), v.hex.toLowerCase());
  t.equal(toHex(unwrapKey(key(v.keys!.kek), fromHex(v.hex))), v.keys!.key_data!.toLowerCase());
  const bad = fromHex(v.hex);
  bad[3]! ^= 0x10;
  t.throws(() => unwrapKey(key(v.keys!.kek), bad), { code: ErrorCode.AuthenticationFailed });
});

t.test('Kaifa reply_to_HLS_authentication action pair', async (t) => {
  const req = byId('jdlms-kaifa-hls-action-request');
  const res = byId('jdlms-kaifa-hls-action-response');
  const r = decodeReplyToHlsAuthenticationRequest(fromHex(req.hex));
  t.equal(r.invokeIdAndPriority, 0xc1);
  t.equal(toHex(r.instance), '0000280000ff');
  t.equal(toHex(r.response), '10012345677d52391c407e3a45210f000e');
  t.equal(
    toHex(encodeReplyToHlsAuthenticationRequest(r.invokeIdAndPriority, r.response)),
    req.hex.toLowerCase(),
  );
  const p = decodeReplyToHlsAuthenticationResponse(fromHex(res.hex));
  t.equal(p.result, 0);
  t.equal(toHex(p.response!), '101a9190bc0a587217bcd2bcd4fddb7143');
  t.equal(
    toHex(encodeReplyToHlsAuthenticationResponse(p.invokeIdAndPriority, p.response)),
    res.hex.toLowerCase(),
  );
  const failed = encodeReplyToHlsAuthenticationResponse(0xc1, undefined, 3);
  t.same(decodeReplyToHlsAuthenticationResponse(failed).response, undefined);
  t.equal(decodeReplyToHlsAuthenticationResponse(failed).result, 3);
  for (const bad of [
    'C401C1',
    'C301C1000F0000280000FF0201',
    'C301C1000F0000280000FF01010A0100',
    'C701C10001010B',
    'C701C10002',
    'C301C1000F0000280000FF0101091110',
  ]) {
    t.ok(
      (() => {
        try {
          if (bad.startsWith('C7')) decodeReplyToHlsAuthenticationResponse(fromHex(bad));
          else decodeReplyToHlsAuthenticationRequest(fromHex(bad));
          return false;
        } catch (e) {
          return isMeterkitError(e);
        }
      })(),
      `${bad} is rejected with a MeterkitError`,
    );
  }
  t.throws(() => encodeReplyToHlsAuthenticationRequest(0xc1, new Uint8Array(17), new Uint8Array(5)), {
    code: ErrorCode.EncodeFailed,
  });
});

t.test('arbitrary bytes into the action and signing decoders only raise MeterkitError', async () => {
  const prefixes = [
    Uint8Array.of(0xc3, 0x01, 0xc1, 0x00, 0x0f, 0, 0, 40, 0, 0, 255, 1),
    Uint8Array.of(0xc7, 0x01),
    Uint8Array.of(0xdf),
  ];
  fc.assert(
    fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 60 }), (prefix, rest) => {
      const bytes = Uint8Array.from([...prefix, ...rest]);
      for (const f of [
        decodeReplyToHlsAuthenticationRequest,
        decodeReplyToHlsAuthenticationResponse,
        decodeGeneralSigning,
      ]) {
        try {
          f(bytes);
        } catch (e) {
          if (!isMeterkitError(e)) return false;
        }
      }
      return true;
    }),
    { numRuns: 500 },
  );
});
