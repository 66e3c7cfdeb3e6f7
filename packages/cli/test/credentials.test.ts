import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ErrorCode, isMeterkitError } from '@meterkit/core';
import t from 'tap';
import { keyringPath, loadKeyring, meterProfile, parseKeyring } from '../src/credentials/keyring.js';
import { loadCredentials } from '../src/credentials/options.js';
import {
  envNameForKey,
  keyNameFromEnv,
  parseKeyArgument,
  resolveCredentials,
} from '../src/credentials/resolve.js';
import { Secret } from '../src/credentials/secret.js';
import { parseToml } from '../src/credentials/toml.js';
import { captureIo } from './helpers.js';

const EK = '000102030405060708090a0b0c0d0e0f';
const AK = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';

t.test('TOML subset', (t) => {
  const doc = parseToml(
    [
      '# meters',
      '[meter.kitchen-a1800]',
      'tcp = "10.0.0.5:4059"   # the gateway',
      'client-sap = 1',
      'server-address = 0x10',
      'big = 1_000',
      'tls = false',
      "description = 'C:\\path'",
      'list = ["a", 2, true]',
      'esc = "a\\"b\\n"',
      '',
      '[meter.kitchen-a1800.keys]',
      `ek = "${EK}"`,
      '[meter."with space"]',
      'a.b = "dotted"',
    ].join('\n'),
  );
  t.same(doc, {
    meter: {
      'kitchen-a1800': {
        tcp: '10.0.0.5:4059',
        'client-sap': 1,
        'server-address': 16,
        big: 1000,
        tls: false,
        description: 'C:\\path',
        list: ['a', 2, true],
        esc: 'a"b\n',
        keys: { ek: EK },
      },
      'with space': { a: { b: 'dotted' } },
    },
  });
  const bad: [string, RegExp][] = [
    ['x = 1.5', /line 1: expected a string/],
    ['x = "unterminated', /line 1: unterminated string/],
    ['[[array]]', /arrays of tables/],
    ['[a]\n[a]', /line 2: table \[a\] is defined twice/],
    ['x = 1\nx = 2', /line 2: key 'x' is defined twice/],
    ['just words', /expected 'key = value'/],
    ['x = 1 trailing', /unexpected text/],
    ['x = [1 2]', /expected ',' or '\]'/],
    ['x = 99999999999999999999', /not a safe integer/],
    ['x = 1\n[x]', /already a value/],
    ['bad! = 1', /not a valid key/],
    ['x = "\\q"', /unsupported escape/],
    ["x = 'open", /unterminated string/],
    ['[a', /malformed table header/],
    ['["a]', /unterminated quoted key/],
    ['[a b]', /unexpected 'b'/],
  ];
  for (const [text, re] of bad) {
    t.throws(() => parseToml(text, 'k.toml'), { code: ErrorCode.InvalidArgument, message: re }, text);
  }
  t.end();
});

t.test('keyrings in JSON and TOML give the same profiles; secrets stay redacted', (t) => {
  const json = parseKeyring(
    JSON.stringify({
      meters: {
        a1800: {
          tcp: '127.0.0.1:4059',
          'client-sap': 1,
          auth: 'hls-gmac',
          password: 'secret!',
          keys: { ek: EK, ak: AK },
        },
      },
    }),
    'k.json',
  );
  const toml = parseKeyring(
    `[meter.a1800]\ntcp = "127.0.0.1:4059"\nclient-sap = 1\nauth = "hls-gmac"\npassword = "secret!"\n[meter.a1800.keys]\nek = "${EK}"\nak = "${AK}"\n`,
    'k.toml',
  );
  for (const k of [json, toml]) {
    const p = meterProfile(k, 'a1800');
    t.same(p.options, { tcp: '127.0.0.1:4059', 'client-sap': 1, auth: 'hls-gmac' });
    t.same([...p.secrets.keys()].sort(), ['ak', 'ek', 'password']);
    t.equal(Buffer.from(p.secrets.get('ek')?.reveal() ?? []).toString('hex'), EK);
    t.equal(new TextDecoder().decode(p.secrets.get('password')?.reveal()), 'secret!');
    const shown = `${JSON.stringify(p)} ${String(p.secrets.get('ek'))} ${inspect(p, { depth: 5 })}`;
    t.notMatch(shown, /0001020304|secret!|d0d1d2/, 'no secret in any printed form');
  }
  t.throws(() => meterProfile(json, 'nope'), { message: /no meter 'nope' in k.json \(it has: a1800\)/ });
  t.throws(() => meterProfile(parseKeyring('{"meters":{}}', 'e.json'), 'x'), { message: /it has none/ });
  const badOnes: [string, string, RegExp][] = [
    ['{"meters":{"m":{"tpc":"x"}}}', 'k.json', /unknown setting 'tpc'/],
    ['{"meters":{"m":{"keys":{"ek":"zz-secret-zz"}}}}', 'k.json', /key ek is not valid hex/],
    ['{"meters":{"m":{"keys":{"ek":5}}}}', 'k.json', /must be a hex string/],
    ['{"meters":{"m":{"keys":"x"}}}', 'k.json', /keys must be a table/],
    ['{"meters":{"m":{"password":5}}}', 'k.json', /password must be a string/],
    ['{"meters":{"m":{"tcp":[1]}}}', 'k.json', /must be a string, a number or a boolean/],
    ['{"meters":{"m":5}}', 'k.json', /is not a table/],
    ['{"meters":5}', 'k.json', /table of named meters/],
    ['{"other":{}}', 'k.json', /unknown top-level entry/],
    ['[1]', 'k.json', /a keyring is an object/],
    ['{"meters": {"m": {"password": "hunter2"', 'k.json', /not valid JSON/],
  ];
  for (const [text, path, re] of badOnes) {
    try {
      parseKeyring(text, path);
      t.fail(`accepted ${text}`);
    } catch (e) {
      t.ok(isMeterkitError(e, ErrorCode.InvalidArgument), text);
      t.match((e as Error).message, re);
      t.notMatch((e as Error).message, /zz-secret-zz|hunter2/, 'values never appear in errors');
    }
  }
  t.end();
});

t.test('keyring files: location, permissions warning, unreadable', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-keyring-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'keyring.toml');
  writeFileSync(file, `[meter.m]\ntcp = "h:1"\n[meter.m.keys]\nek = "${EK}"\n`);
  chmodSync(file, 0o644);
  const warnings: string[] = [];
  const k = loadKeyring(file, (m) => warnings.push(m));
  t.equal(k.meters.size, 1);
  t.match(warnings[0], /readable by other users; run: chmod 600/);
  chmodSync(file, 0o600);
  const quiet: string[] = [];
  loadKeyring(file, (m) => quiet.push(m));
  t.same(quiet, []);
  t.throws(() => loadKeyring(join(dir, 'missing.toml')), {
    code: ErrorCode.InputUnreadable,
    message: /ENOENT.*--keyring/,
  });
  t.equal(keyringPath('x.toml', {}), 'x.toml');
  t.equal(keyringPath(undefined, { METERKIT_KEYRING: 'env.toml' }), 'env.toml');
  const xdg = mkdtempSync(join(tmpdir(), 'meterkit-xdg-'));
  t.teardown(() => rmSync(xdg, { recursive: true, force: true }));
  t.equal(keyringPath(undefined, { XDG_CONFIG_HOME: xdg }), undefined);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(xdg, 'meterkit'));
  writeFileSync(join(xdg, 'meterkit', 'keyring.json'), '{"meters":{}}');
  t.equal(keyringPath(undefined, { XDG_CONFIG_HOME: xdg }), join(xdg, 'meterkit', 'keyring.json'));

  // through the option loader
  const io = captureIo({ env: { METERKIT_KEYRING: file, METERKIT_KEY_AK: AK } });
  const { profile, credentials } = loadCredentials({ meter: 'm' }, io);
  t.equal(profile?.name, 'm');
  t.equal(credentials.get('ek')?.origin, 'keyring meter m');
  t.equal(credentials.get('ak')?.origin, 'METERKIT_KEY_AK');
  t.throws(() => loadCredentials({ meter: 'm' }, captureIo({ env: { XDG_CONFIG_HOME: dir } })), {
    code: ErrorCode.InvalidArgument,
    message: /no keyring found; pass --keyring FILE/,
  });
  const none = loadCredentials({}, captureIo());
  t.equal(none.profile, undefined);
  t.equal(none.credentials.size, 0);
});

t.test('credential sources and precedence: --key, environment, profile', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-keyfile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ek.hex'), `${EK}\n`);
  const profile = meterProfile(
    parseKeyring(
      `{"meters":{"m":{"password":"from-profile","keys":{"ek":"ff","ak":"ee","kek":"dd"}}}}`,
      'k.json',
    ),
    'm',
  );
  const creds = resolveCredentials({
    keyArgs: [`ek=@${join(dir, 'ek.hex')}`],
    env: {
      METERKIT_KEY_AK: AK,
      METERKIT_PASSWORD: 'from-env',
      METERKIT_KEY_C1222_0: '01',
      UNRELATED: 'x',
      METERKIT_KEY_EMPTY: '',
    },
    profile,
  });
  t.equal(Buffer.from(creds.get('ek')?.reveal() ?? []).toString('hex'), EK, '--key wins');
  t.equal(creds.get('ek')?.origin, '--key');
  t.equal(creds.get('ak')?.origin, 'METERKIT_KEY_AK', 'environment beats the profile');
  t.equal(new TextDecoder().decode(creds.get('password')?.reveal()), 'from-env');
  t.equal(creds.get('kek')?.origin, 'keyring meter m', 'the profile fills the rest');
  t.ok(creds.has('c1222:0'));
  t.notOk(creds.has('empty'));
  t.equal(keyNameFromEnv('METERKIT_KEY_EK'), 'ek');
  t.equal(keyNameFromEnv('METERKIT_KEY_C1222_3'), 'c1222:3');
  t.equal(keyNameFromEnv('METERKIT_KEY_HLS_SECRET'), 'hls-secret');
  t.equal(keyNameFromEnv('METERKIT_KEYRING'), undefined);
  t.equal(envNameForKey('c1222:3'), 'METERKIT_KEY_C1222_3');
  t.throws(() => parseKeyArgument('=00'), { code: ErrorCode.InvalidArgument });
  t.throws(() => parseKeyArgument('ek=nothex-secret'), { message: /^--key ek: the value is not valid hex$/ });
  t.throws(() => parseKeyArgument(`ek=@${join(dir, 'missing')}`), {
    code: ErrorCode.InputUnreadable,
    message: /ENOENT/,
  });
  t.throws(() => resolveCredentials({ keyArgs: [], env: { METERKIT_KEY_EK: 'zz-secret' } }), {
    message: /^METERKIT_KEY_EK: the value is not valid hex$/,
  });
  t.end();
});

t.test('Secret never shows its value', (t) => {
  const s = new Secret(new Uint8Array([0xde, 0xad, 0xbe, 0xef]), '--key');
  t.equal(String(s), '[redacted]');
  t.equal(`${s}`, '[redacted]');
  t.equal(JSON.stringify({ s }), '{"s":"[redacted]"}');
  t.equal(inspect(s), 'Secret([redacted], 4 bytes from --key)');
  t.equal(s.length, 4);
  const bytes = s.reveal();
  bytes[0] = 0;
  t.equal(s.reveal()[0], 0xde, 'reveal returns a copy');
  t.end();
});
