/**
 * DLMS-SECURITY-HLS for every HLS mechanism (IEC 62056-5-3 §9.2.2.2, Table 29): responses computed
 * with the dlms package's HLS functions verify; a changed octet fails; a missing secret or public
 * key is INCONCLUSIVE. Keys come from a keyring document, as a lab would write it.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { fromHex, toHex } from '@meterkit/core';
import {
  clientHlsResponse,
  encodeReplyToHlsAuthenticationRequest,
  encodeReplyToHlsAuthenticationResponse,
  exportEcPublicKey,
  type HlsExchange,
  type HlsMechanism,
  SecurityContext,
  securitySuiteParameters,
  serverHlsResponse,
} from '@meterkit/dlms';
import { createCa } from '@meterkit/ieee2030-5';
import t from 'tap';
import { Keyring } from '../src/keyring.js';
import { dlmsHlsRule, MessageAnalyser, type RuleOutcome } from '../src/rules/index.js';
import { dlmsMessage } from './helpers/dlms-message.js';

// Green Book HLS association (mechanism 5): AARQ with CtoS and client title, AARE with StoC and server title
const AARQ5 =
  '603ea109060760857405080101a60a04084d4d4d00000000018b0760857405080205ac0a80084b35366956616759be10040e01000000065f1f0400007e1f04b0';
const AARE5 =
  '614aa109060760857405080101a203020100a305a103020100a40a04084d4d4d0000bc614e890760857405080205aa0a8008503677524a323146be10040e0800065f1f040000501f01f40007';
const CLIENT_TITLE = fromHex('4d4d4d0000000001');
const SERVER_TITLE = fromHex('4d4d4d0000bc614e');
const CTOS = fromHex('4b35366956616759');
const STOC = fromHex('503677524a323146');
const SECRET = fromHex('000102030405060708090a0b0c0d0e0f');

const withMechanism = (hex: string, m: number) =>
  hex.replace('0760857405080205', `07608574050802${m.toString(16).padStart(2, '0')}`);

function run(keys: Keyring, list: readonly (readonly ['c' | 's', Uint8Array | string])[]): RuleOutcome[] {
  const analyser = new MessageAnalyser(keys);
  const state = dlmsHlsRule.createState!();
  const out: RuleOutcome[] = [];
  list.forEach(([d, b], i) => {
    const m = dlmsMessage(i, d, typeof b === 'string' ? fromHex(b) : b);
    const o = dlmsHlsRule.check({ analysed: analyser.analyse(m), state, keys });
    if (o !== undefined) out.push(o);
  });
  return out;
}

const exchange = (mechanism: HlsMechanism): HlsExchange => ({
  mechanism,
  clientToServerChallenge: CTOS,
  serverToClientChallenge: STOC,
  clientSystemTitle: CLIENT_TITLE,
  serverSystemTitle: SERVER_TITLE,
});

function flip(b: Uint8Array): Uint8Array {
  const c = b.slice();
  c[c.length - 1]! ^= 0x01;
  return c;
}

for (const m of [2, 3, 4, 6] as const) {
  t.test(`HLS mechanism ${m} with the keyring's HLS secret`, async (t) => {
    const keys = Keyring.parse(
      JSON.stringify({ dlms: [{ systemTitle: toHex(SERVER_TITLE), hlsSecret: toHex(SECRET) }] }),
    );
    const fStoC = clientHlsResponse(exchange(m), { secret: SECRET });
    const fCtoS = serverHlsResponse(exchange(m), { secret: SECRET });
    const flow = (req: Uint8Array, res: Uint8Array) =>
      run(keys, [
        ['c', withMechanism(AARQ5, m)],
        ['s', withMechanism(AARE5, m)],
        ['c', encodeReplyToHlsAuthenticationRequest(0xc1, req)],
        ['s', encodeReplyToHlsAuthenticationResponse(0xc1, res)],
      ]).map((o) => o.verdict);
    t.same(flow(fStoC, fCtoS), ['PASS', 'PASS'], 'correct responses pass');
    t.same(flow(flip(fStoC), fCtoS), ['FAIL', 'PASS'], "a wrong client's f(StoC) fails");
    t.same(flow(fStoC, flip(fCtoS)), ['PASS', 'FAIL'], "a wrong server's f(CtoS) fails");
    const none = run(Keyring.empty(), [
      ['c', withMechanism(AARQ5, m)],
      ['s', withMechanism(AARE5, m)],
      ['c', encodeReplyToHlsAuthenticationRequest(0xc1, fStoC)],
    ]);
    t.equal(none[0]!.verdict, 'INCONCLUSIVE');
    t.match(none[0]!.message, /needs a secret/);
  });
}

t.test('HLS mechanism 7 (ECDSA) with public keys and certificates from the keyring', async (t) => {
  const suite = securitySuiteParameters(1);
  const client = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const server = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const fStoC = clientHlsResponse(exchange(7), {
    context: new SecurityContext({ suite: 1, signingKey: client.privateKey }),
  });
  const fCtoS = serverHlsResponse(exchange(7), {
    context: new SecurityContext({ suite: 1, signingKey: server.privateKey }),
  });
  const keys = Keyring.parse(
    JSON.stringify({
      dlms: [
        { systemTitle: toHex(CLIENT_TITLE), publicKey: toHex(exportEcPublicKey(suite, client.publicKey)) },
        {
          systemTitle: toHex(SERVER_TITLE),
          publicKey: `04${toHex(exportEcPublicKey(suite, server.publicKey))}`,
        },
      ],
    }),
  );
  t.notMatch(JSON.stringify(keys), /BEGIN|[0-9a-f]{64}/, 'no key material in toJSON');
  const flow = (k: Keyring, req: Uint8Array, res: Uint8Array) =>
    run(k, [
      ['c', withMechanism(AARQ5, 7)],
      ['s', withMechanism(AARE5, 7)],
      ['c', encodeReplyToHlsAuthenticationRequest(0xc1, req)],
      ['s', encodeReplyToHlsAuthenticationResponse(0xc1, res)],
    ]);
  t.same(
    flow(keys, fStoC, fCtoS).map((o) => o.verdict),
    ['PASS', 'PASS'],
  );
  t.same(
    flow(keys, fCtoS, fStoC).map((o) => o.verdict),
    ['FAIL', 'FAIL'],
    'signatures by the wrong party fail',
  );
  const onlyServer = Keyring.parse(
    JSON.stringify({
      dlms: [
        { systemTitle: toHex(SERVER_TITLE), publicKey: toHex(exportEcPublicKey(suite, server.publicKey)) },
      ],
    }),
  );
  const partial = flow(onlyServer, fStoC, fCtoS);
  t.same(
    partial.map((o) => o.verdict),
    ['INCONCLUSIVE', 'PASS'],
  );
  t.match(partial[0]!.message, /client's public key/);
});

t.test('HLS mechanism 7 with X.509 certificates (PEM and hex DER) in the keyring', async (t) => {
  const clientCert = await createCa('CN=DLMS client');
  const serverCert = await createCa('CN=DLMS server');
  const fStoC = clientHlsResponse(exchange(7), {
    context: new SecurityContext({ suite: 1, signingKey: createPrivateKey(clientCert.privateKeyPem) }),
  });
  const fCtoS = serverHlsResponse(exchange(7), {
    context: new SecurityContext({ suite: 1, signingKey: createPrivateKey(serverCert.privateKeyPem) }),
  });
  const keys = Keyring.parse(
    JSON.stringify({
      dlms: [
        { systemTitle: toHex(CLIENT_TITLE), certificate: clientCert.certificatePem },
        { systemTitle: toHex(SERVER_TITLE), certificate: toHex(serverCert.der) },
      ],
    }),
  );
  const out = run(keys, [
    ['c', withMechanism(AARQ5, 7)],
    ['s', withMechanism(AARE5, 7)],
    ['c', encodeReplyToHlsAuthenticationRequest(0xc1, fStoC)],
    ['s', encodeReplyToHlsAuthenticationResponse(0xc1, flip(fCtoS))],
  ]);
  t.same(
    out.map((o) => o.verdict),
    ['PASS', 'FAIL'],
  );
});

t.test('keyring: HLS secrets are redacted and checked', async (t) => {
  const k = Keyring.parse(
    JSON.stringify({ dlms: [{ systemTitle: toHex(SERVER_TITLE), hlsSecret: '00112233' }] }),
  );
  t.equal(k.dlmsKeys(SERVER_TITLE)?.hlsSecret?.length, 4);
  t.notMatch(JSON.stringify(k.toJSON()), /00112233/);
  t.match(JSON.stringify(k.toJSON()), /redacted/);
  t.throws(() => Keyring.parse('{"dlms":[{"systemTitle":"4d4d4d0000bc614e","hlsSecret":""}]}'), {
    code: 600,
  });
  t.throws(() => Keyring.parse('{"dlms":[{"systemTitle":"4d4d4d0000bc614e","publicKey":"0011"}]}'), {
    code: 600,
  });
  t.throws(
    () => Keyring.parse('{"dlms":[{"systemTitle":"4d4d4d0000bc614e","publicKey":"00","certificate":"x"}]}'),
    { code: 600 },
  );
  t.throws(() => Keyring.parse('{"dlms":[{"systemTitle":"4d4d4d0000bc614e","certificate":"zz"}]}'), {
    code: 600,
  });
});
