// `meterkit decode --base-oid` (C12.22 relative AP titles) and `--key st=HEX` (the DLMS sender's
// system title, which service-specific glo- APDUs do not carry).
import { createCipheriv } from 'node:crypto';
import {
  absoluteApTitle,
  C1222KeyStore,
  type CallingAuthenticationValue,
  encodeC1222Message,
  relativeApTitle,
} from '@meterkit/c1222';
import { fromHex, toHex } from '@meterkit/core';
import t from 'tap';
import { ExitCode } from '../src/exit-codes.js';
import { runCli } from '../src/index.js';
import { captureIo } from './helpers.js';
import { meterkit } from './subprocess-helpers.js';

async function decode(args: string[]) {
  const io = captureIo();
  const code = await runCli(['decode', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const BASE = '2.16.124.113620.1.22';
const C1222_KEY = '000102030405060708090a0b0c0d0e0f';

/** A C12.22 full-read of ST1 from the relative calling AP title `.5.7`, in security mode `mode`. */
function c1222Request(mode: 0 | 1): Uint8Array {
  const auth: CallingAuthenticationValue = { type: 'c1222', keyId: 0, iv: fromHex('01020304') };
  return encodeC1222Message(
    {
      acse: {
        type: 'c1222-acse',
        calledApTitle: absoluteApTitle(`${BASE}.0.42`),
        callingApTitle: relativeApTitle('.5.7'),
        callingApInvocationId: 1,
        ...(mode === 1 ? { callingAuthenticationValue: auth } : {}),
      },
      epsem: {
        type: 'epsem',
        control: { recoverySession: false, proxyServiceUsed: false, securityMode: mode, responseControl: 0 },
        services: [{ type: 'full-read', tableId: 1 }],
      },
    },
    { baseOid: BASE, keys: new C1222KeyStore([[0, fromHex(C1222_KEY)]]) },
  );
}

t.test('--base-oid expands relative C12.22 AP titles', async (t) => {
  const hex = toHex(c1222Request(0));
  const bare = await decode(['--json', hex]);
  t.equal(bare.code, 0, bare.err);
  const title = (out: string) =>
    (JSON.parse(out) as { layers: { layer: string; value: { callingApTitle?: unknown } }[] }).layers.find(
      (l) => l.layer === 'acse',
    )?.value.callingApTitle;
  t.same(title(bare.out), { form: 'relative', relative: '.5.7' }, 'relative, no base known');
  const based = await decode(['--json', '--base-oid', BASE, hex]);
  t.equal(based.code, 0, based.err);
  t.same(title(based.out), { form: 'relative', relative: '.5.7', oid: `${BASE}.5.7` });
  const human = await decode(['--base-oid', BASE, hex]);
  t.match(
    human.out,
    /callingApTitle:\n {6}form: relative\n {6}oid: 2\.16\.124\.113620\.1\.22\.5\.7\n {6}relative: \.5\.7\n/,
  );
});

t.test('--base-oid is what lets an authenticated message with a relative title verify', async (t) => {
  const hex = toHex(c1222Request(1));
  const key = ['--key', `c1222:0=${C1222_KEY}`];
  const verified = await decode(['--json', '--base-oid', BASE, ...key, hex]);
  t.equal(verified.code, 0, verified.err);
  const security = (JSON.parse(verified.out) as { layers: { layer: string; value: unknown }[] }).layers.find(
    (l) => l.layer === 'security',
  )?.value;
  t.match(security, { mode: 1, status: 'authenticated', keyId: 0 });
  t.match(verified.out, /"type": "full-read"/);
  const without = await decode([...key, hex]);
  t.not(without.code, ExitCode.Ok, 'the canonified cleartext needs the absolute titles');
  t.match(without.err, /^meterkit: E\d+ .*\n$/);
  t.notMatch(without.err + verified.out, new RegExp(C1222_KEY), 'the key is never printed');
  const wrongBase = await decode([...key, '--base-oid', '2.16.124.113620.1.23', hex]);
  t.equal(wrongBase.code, ExitCode.Security, 'another base gives other titles: the MAC fails');
});

const EK = '000102030405060708090a0b0c0d0e0f';
const AK = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
const CLIENT_TITLE = '4d4b54434c490001';
const PLAIN = 'c001c100030100010800ff0200'; // get-request-normal: 1-0:1.8.0.255 class 3 attribute 2

/**
 * A glo-get-request (IEC 62056-5-3 §9.2.7.2.4.1, security suite 0): security control 0x30
 * (authenticated and encrypted), invocation counter 1, AES-GCM with IV = system title ‖ counter,
 * AAD = security control ‖ AK, a 12-octet tag. Made here with node:crypto, independently of the
 * codec under test.
 */
function gloGetRequest(): string {
  const ic = fromHex('00000001');
  const cipher = createCipheriv('aes-128-gcm', fromHex(EK), Buffer.concat([fromHex(CLIENT_TITLE), ic]), {
    authTagLength: 12,
  });
  cipher.setAAD(Buffer.concat([Uint8Array.of(0x30), fromHex(AK)]));
  const ciphertext = Buffer.concat([cipher.update(fromHex(PLAIN)), cipher.final()]);
  const body = Buffer.concat([Uint8Array.of(0x30), ic, ciphertext, cipher.getAuthTag()]);
  return toHex(Buffer.concat([Uint8Array.of(0xc8, body.length), body]));
}

t.test('--key st gives the sender system title a glo- APDU needs', async (t) => {
  const hex = gloGetRequest();
  const keys = ['--key', `ek=${EK}`, '--key', `ak=${AK}`];
  const noTitle = await decode([...keys, hex]);
  t.equal(noTitle.code, 0, noTitle.err);
  t.match(
    noTitle.out,
    /note: could not decrypt: E322 system-title-invalid: the sender's system title is unknown/,
  );
  t.notMatch(noTitle.out, /get-request-normal/);
  const withTitle = await decode(['--json', ...keys, '--key', `st=${CLIENT_TITLE}`, hex]);
  t.equal(withTitle.code, 0, withTitle.err);
  const layers = (
    JSON.parse(withTitle.out) as { layers: { layer: string; value: Record<string, unknown> }[] }
  ).layers;
  t.same(
    layers.map((l) => [l.layer, l.value['type']]),
    [
      ['apdu', 'glo-get-request'],
      ['security', 'deciphered'],
      ['apdu', 'get-request-normal'],
    ],
  );
  t.match(layers[1]?.value, { systemTitle: CLIENT_TITLE, tagVerified: true, invocationCounter: 1 });
  t.match(layers[2]?.value, {
    raw: PLAIN,
    cosemAttributeDescriptor: { classId: 3, instanceId: '1-0:1.8.0.255', attributeId: 2 },
  });
  const otherTitle = await decode([...keys, '--key', 'st=4d4b54434c490002', hex]);
  t.match(otherTitle.out, /note: could not decrypt: E300 authentication-failed/);
  for (const r of [noTitle, withTitle, otherTitle]) t.notMatch(r.out + r.err, new RegExp(`${EK}|${AK}`));
  const badTitle = await decode([...keys, '--key', 'st=4d4b54zz', hex]);
  t.equal(badTitle.code, ExitCode.Usage);
  t.equal(badTitle.err, 'meterkit: E600 invalid-argument: --key st: the value is not valid hex\n');
});

t.test('the same through the real command', async (t) => {
  const r = await meterkit([
    'decode',
    '--key',
    `ek=${EK}`,
    '--key',
    `ak=${AK}`,
    '--key',
    `st=${CLIENT_TITLE}`,
    gloGetRequest(),
  ]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /\n {2}apdu\n {4}type: get-request-normal\n/);
  const c = await meterkit(['decode', '--base-oid', BASE, toHex(c1222Request(0))]);
  t.equal(c.status, 0, c.stderr);
  t.match(c.stdout, /oid: 2\.16\.124\.113620\.1\.22\.5\.7/);
});
