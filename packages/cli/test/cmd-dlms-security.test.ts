import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  DEFAULT_SIMULATOR_PROFILE,
  MeterSimulator,
  type SimulatorProfile,
  serveWrapperTcp,
} from '../src/commands/dlms-api.js';
import { attributeShortName, baseNameArgument } from '../src/commands/dlms-objects.js';
import { ExitCode } from '../src/exit-codes.js';
import { runCli } from '../src/index.js';
import { captureIo, ROOT } from './helpers.js';

/** Runs `meterkit` from source as a subprocess without blocking this process (it hosts the simulator). */
function meterkit(
  args: readonly string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=meterkit-source', '--import', 'tsx', 'packages/cli/src/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const EK1 = '101112131415161718191a1b1c1d1e1f';
const AK1 = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
const EK2 = '202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f';
const AK2 = 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';

const dir = mkdtempSync(join(tmpdir(), 'meterkit-dlms-sec-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function ecKeys(curve: string, name: string): { key: string; pub: string } {
  const pair = generateKeyPairSync('ec', { namedCurve: curve });
  const key = join(dir, `${name}.key`);
  const pub = join(dir, `${name}.pub`);
  writeFileSync(key, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  return { key, pub };
}

const meterP256 = ecKeys('prime256v1', 'meter-p256');
const clientP256 = ecKeys('prime256v1', 'client-p256');
const meterP384 = ecKeys('secp384r1', 'meter-p384');
const clientP384 = ecKeys('secp384r1', 'client-p384');
const stranger = ecKeys('prime256v1', 'stranger');

const pem = (path: string): string => readFileSync(path, 'utf8');

/** The default meter plus a short-name client (48), HLS-ECDSA suites 1 (2) and 2 (4), HLS-GMAC suite 2 (3). */
const profile: SimulatorProfile = {
  ...DEFAULT_SIMULATOR_PROFILE,
  associations: [
    ...DEFAULT_SIMULATOR_PROFILE.associations,
    {
      clientSap: 48,
      name: 'short names',
      mechanism: 0,
      referencing: 'short-name' as const,
      conformance: [
        'read',
        'write',
        'block-transfer-with-get-or-read',
        'multiple-references',
        'parameterized-access',
      ],
      maxPduSize: 1024,
      defaultAccess: 'read-and-write' as const,
    },
    {
      clientSap: 2,
      name: 'ecdsa suite 1',
      mechanism: 7,
      ciphering: true,
      maxPduSize: 1024,
      security: {
        suite: 1 as const,
        globalUnicastEncryptionKey: EK1,
        authenticationKey: AK1,
        signingKey: pem(meterP256.key),
        clientSigningKey: pem(clientP256.pub),
      },
    },
    {
      clientSap: 4,
      name: 'ecdsa suite 2',
      mechanism: 7,
      ciphering: true,
      maxPduSize: 1024,
      security: {
        suite: 2 as const,
        globalUnicastEncryptionKey: EK2,
        authenticationKey: AK2,
        signingKey: pem(meterP384.key),
        clientSigningKey: pem(clientP384.pub),
      },
    },
    {
      clientSap: 3,
      name: 'gmac suite 2',
      mechanism: 5,
      ciphering: true,
      maxPduSize: 1024,
      security: { suite: 2 as const, globalUnicastEncryptionKey: EK2, authenticationKey: AK2 },
    },
  ],
};

const sim = new MeterSimulator(profile);
const server = await serveWrapperTcp(sim, { port: 0 });
const TCP = `127.0.0.1:${server.port}`;
t.teardown(async () => {
  await server.close();
  sim.close();
});

async function run(args: string[], env: Record<string, string> = {}) {
  const io = captureIo({ env });
  const code = await runCli(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const ecdsa1 = [
  '--client-sap',
  '2',
  '--auth',
  'hls-ecdsa',
  '--sign-key',
  clientP256.key,
  '--server-cert',
  meterP256.pub,
  '-k',
  `ek=${EK1}`,
  '-k',
  `ak=${AK1}`,
];

t.test('HLS-ECDSA (mechanism 7), suite 1: the association and a ciphered read', async (t) => {
  const r = await run(['dlms', 'get', '--tcp', TCP, ...ecdsa1, '--json', '1-0:1.8.0.255']);
  t.equal(r.code, 0, r.err);
  t.match(JSON.parse(r.out), { obis: '1-0:1.8.0.255', classId: 3, unit: 'Wh' });
  const vv = await run(['dlms', 'get', '--tcp', TCP, ...ecdsa1, '-vv', '1-0:1.8.0.255']);
  t.equal(vv.code, 0, vv.err);
  t.match(vv.err, /^ {4}mechanismName: 2\.16\.756\.5\.8\.2\.7$/m, 'the AARQ names mechanism 7 (HLS-ECDSA)');
  t.match(vv.err, /^ {4}applicationContextName: 2\.16\.756\.5\.8\.1\.3$/m, 'in a ciphered LN context');
  for (const secret of [EK1, AK1, pem(clientP256.key).split('\n')[1]!])
    t.notOk(vv.err.includes(secret) || vv.out.includes(secret), 'no key material printed');
});

t.test('HLS-ECDSA with suite 2 (P-384, 32-octet keys) as a subprocess', async (t) => {
  const r = await meterkit([
    'dlms',
    'get',
    '--tcp',
    TCP,
    '--client-sap',
    '4',
    '--auth',
    'hls-ecdsa',
    '--suite',
    '2',
    '--sign-key',
    clientP384.key,
    '--server-cert',
    meterP384.pub,
    '-k',
    `ek=${EK2}`,
    '-k',
    `ak=${AK2}`,
    '--csv',
    '1-0:1.8.0.255',
  ]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^obis,class,attribute,value,unit\r\n1-0:1\.8\.0\.255,3,2,\d+(\.\d+)?,Wh\r\n$/);
});

t.test('HLS-GMAC with suite 2 ciphering', async (t) => {
  const r = await run([
    'dlms',
    'get',
    '--tcp',
    TCP,
    '--client-sap',
    '3',
    '--auth',
    'hls-gmac',
    '--suite',
    '2',
    '-k',
    `ek=${EK2}`,
    '-k',
    `ak=${AK2}`,
    '0-0:1.0.0.255',
  ]);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /0-0:1\.0\.0\.255 +Clock +2 time/);
  const short = await run([
    'dlms',
    'get',
    '--tcp',
    TCP,
    '--client-sap',
    '3',
    '--auth',
    'hls-gmac',
    '--suite',
    '2',
    '-k',
    `ek=${EK1}`,
    '-k',
    `ak=${AK2}`,
    '0-0:1.0.0.255',
  ]);
  t.equal(short.code, ExitCode.Security, '16-octet ek with suite 2');
  t.match(short.err, /the ek key has 16 octets; security suite 2 needs 32/);
  t.notOk(short.err.includes(EK1), 'the key itself is not in the message');
});

t.test('HLS-ECDSA failures: exit codes and hints', async (t) => {
  const wrongKey = await run([
    'dlms',
    'get',
    '--tcp',
    TCP,
    ...ecdsa1.map((a) => (a === clientP256.key ? stranger.key : a)),
    '1-0:1.8.0.255',
  ]);
  t.equal(wrongKey.code, ExitCode.Security, 'a signature the meter does not accept');
  t.match(wrongKey.err, /^meterkit: E3\d\d .*\n$/);
  const wrongServer = await run([
    'dlms',
    'get',
    '--tcp',
    TCP,
    ...ecdsa1.map((a) => (a === meterP256.pub ? stranger.pub : a)),
    '1-0:1.8.0.255',
  ]);
  t.equal(wrongServer.code, ExitCode.Security, "the meter's signature does not verify");
  const noCert = await run([
    'dlms',
    'get',
    '--tcp',
    TCP,
    '--client-sap',
    '2',
    '--auth',
    'hls-ecdsa',
    '--sign-key',
    clientP256.key,
    '1-0:1.8.0.255',
  ]);
  t.equal(noCert.code, ExitCode.Usage);
  t.match(noCert.err, /--auth hls-ecdsa needs --sign-key .* and --server-cert/);
  const suite0 = await run(['dlms', 'get', '--tcp', TCP, ...ecdsa1, '--suite', '0', '1-0:1.8.0.255']);
  t.equal(suite0.code, ExitCode.Usage);
  t.match(suite0.err, /use --suite 1 \(P-256\) or --suite 2 \(P-384\)/);
  const curve = await run([
    'dlms',
    'get',
    '--tcp',
    TCP,
    ...ecdsa1.map((a) => (a === clientP256.key ? clientP384.key : a)),
    '1-0:1.8.0.255',
  ]);
  t.equal(curve.code, ExitCode.Security);
  t.match(curve.err, /--sign-key .* is on P-384; security suite 1 signs with ECDSA P-256/);
  const notPem = join(dir, 'not.pem');
  writeFileSync(notPem, 'hello');
  const garbage = await run([
    'dlms',
    'get',
    '--tcp',
    TCP,
    ...ecdsa1.map((a) => (a === clientP256.key ? notPem : a)),
    '1-0:1.8.0.255',
  ]);
  t.equal(garbage.code, ExitCode.Security);
  t.match(garbage.err, /is not a PEM private key \(make one: openssl ecparam -name prime256v1/);
  const badCert = await run([
    'dlms',
    'get',
    '--tcp',
    TCP,
    ...ecdsa1.map((a) => (a === meterP256.pub ? notPem : a)),
    '1-0:1.8.0.255',
  ]);
  t.equal(badCert.code, ExitCode.Security);
  t.match(badCert.err, /--server-cert .* is neither a PEM certificate nor a PEM public key/);
  const missing = await run([
    'dlms',
    'get',
    '--tcp',
    TCP,
    ...ecdsa1.map((a) => (a === clientP256.key ? join(dir, 'nope.key') : a)),
    '1-0:1.8.0.255',
  ]);
  t.equal(missing.code, ExitCode.Usage);
  t.match(missing.err, /--sign-key .*nope\.key: cannot read it: ENOENT/);
  const stray = await run(['dlms', 'get', '--tcp', TCP, '--sign-key', clientP256.key, '1-0:1.8.0.255']);
  t.equal(stray.code, ExitCode.Usage);
  t.match(stray.err, /--sign-key and --server-cert are for --auth hls-ecdsa/);
  const suiteAlone = await run(['dlms', 'get', '--tcp', TCP, '--suite', '1', '1-0:1.8.0.255']);
  t.equal(suiteAlone.code, ExitCode.Usage);
  t.match(suiteAlone.err, /--suite 1 selects the ciphering of a secured association/);
  for (const r of [wrongKey, wrongServer, curve, garbage]) t.notMatch(r.err, /\n\s+at /, 'no stack trace');
});

t.test('a keyring profile holds suite, key files and referencing', async (t) => {
  const keyring = join(dir, 'keyring.toml');
  writeFileSync(
    keyring,
    [
      '[meter.ecdsa]',
      `tcp = "${TCP}"`,
      'client-sap = 2',
      'auth = "hls-ecdsa"',
      'suite = 1',
      `sign-key = "${clientP256.key}"`,
      `server-cert = "${meterP256.pub}"`,
      '[meter.ecdsa.keys]',
      `ek = "${EK1}"`,
      `ak = "${AK1}"`,
      '[meter.sn]',
      `tcp = "${TCP}"`,
      'client-sap = 48',
      'referencing = "sn"',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const ecdsa = await run(['dlms', 'get', '--meter', 'ecdsa', '--keyring', keyring, '1-0:2.8.0.255']);
  t.equal(ecdsa.code, 0, ecdsa.err);
  t.match(ecdsa.out, /1-0:2\.8\.0\.255 .* Wh/);
  const sn = await run(['dlms', 'get', '--meter', 'sn', '--keyring', keyring, '--json', '1-0:1.8.0.255']);
  t.equal(sn.code, 0, sn.err);
  t.match(JSON.parse(sn.out), { obis: '1-0:1.8.0.255', baseName: Number, classId: 3, unit: 'Wh' });
  const lnOnly = await run(['dlms', 'profile', '--meter', 'sn', '--keyring', keyring, '1-0:99.1.0.255']);
  t.equal(lnOnly.code, ExitCode.Usage, 'short names from the keyring are checked before connecting');
  t.match(lnOnly.err, /dlms profile uses logical-name services; with short names/);
});

t.test('short-name referencing: info, get by OBIS and base name, set', async (t) => {
  const sn = ['--tcp', TCP, '--client-sap', '48', '--referencing', 'sn'];
  const info = await run(['dlms', 'info', ...sn]);
  t.equal(info.code, 0, info.err);
  t.match(info.out, /^referencing: +short names \(SN\)$/m);
  t.match(info.out, /^0xFA00 +0-0:40\.0\.0\.255 +12 Association SN/m);
  t.match(info.out, /^0x\w{4} +1-0:1\.8\.0\.255 +3 Register/m);
  const json = await run(['dlms', 'info', ...sn, '--json']);
  const doc = JSON.parse(json.out) as {
    referencing: string;
    objects: { baseName: number; logicalName: string }[];
  };
  t.equal(doc.referencing, 'short-name');
  const energy = doc.objects.find((o) => o.logicalName === '1-0:1.8.0.255');
  t.ok(energy, 'the SN object list names the register');
  const csv = await run(['dlms', 'info', ...sn, '--csv']);
  t.match(csv.out, /^base_name,obis,class,version,class_name,name\r\n0xFA00,0-0:40\.0\.0\.255,12,/);

  const byObis = await run(['dlms', 'get', ...sn, '--json', '1-0:1.8.0.255', '0-0:1.0.0.255']);
  t.equal(byObis.code, 0, byObis.err);
  const [reg, clock] = byObis.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.match(reg, { obis: '1-0:1.8.0.255', baseName: energy?.baseName, classId: 3, attribute: 2, unit: 'Wh' });
  t.equal(typeof reg?.['scaled'], 'number', 'scaled with the scaler_unit READ at base + 16');
  t.match(clock, { obis: '0-0:1.0.0.255', classId: 8 });
  const hex = `0x${(energy?.baseName ?? 0).toString(16)}`;
  const byBase = await run(['dlms', 'get', ...sn, hex]);
  t.equal(byBase.code, 0, byBase.err);
  t.match(byBase.out, /1-0:1\.8\.0\.255 0x\w{4} +Active energy/);
  const unlisted = await run(['dlms', 'get', ...sn, '--class', '3', '--attr', '1', hex]);
  t.equal(unlisted.code, 0, unlisted.err);
  t.match(unlisted.out, /0x\w{4} .* 1 logical_name/);

  const idName = doc.objects.find((o) => o.logicalName === '0-0:96.1.0.255');
  const set = await run(['dlms', 'set', ...sn, '0-0:96.1.0.255', '--type', 'visible-string', 'MKT0001']);
  t.equal(set.code, 0, set.err);
  const back = await run(['dlms', 'get', ...sn, '--json', `0x${(idName?.baseName ?? 0).toString(16)}`]);
  t.match(JSON.parse(back.out), { data: { type: 'visible-string', value: 'MKT0001' } });

  const unknown = await run(['dlms', 'get', ...sn, '1-0:9.9.9.255']);
  t.equal(unknown.code, ExitCode.ProtocolError);
  t.match(unknown.err, /not in the meter's short-name object list \(meterkit dlms info --referencing sn/);
  const badBase = await run(['dlms', 'get', ...sn, '0x0401']);
  t.equal(badBase.code, ExitCode.Usage);
  t.match(badBase.err, /0x0401 is not a base name \(a multiple of 8/);
  const lnOnly = await run(['dlms', 'get', '--tcp', TCP, '0x0400']);
  t.equal(lnOnly.code, ExitCode.Usage, 'base names need --referencing sn');
  for (const cmd of [
    ['action', '0-0:96.3.10.255', '1'],
    ['profile', '1-0:99.1.0.255'],
    ['clock'],
    ['disconnect'],
  ]) {
    const r = await run(['dlms', ...cmd, ...sn]);
    t.equal(r.code, ExitCode.Usage, `dlms ${cmd[0]} --referencing sn`);
    t.match(r.err, /short name/);
  }
});

t.test('short-name helpers', async (t) => {
  t.equal(baseNameArgument('0xFA00'), 0xfa00);
  t.equal(baseNameArgument('1024'), 1024);
  t.equal(baseNameArgument('1-0:1.8.0.255'), undefined);
  t.throws(() => baseNameArgument('12'), { code: 600 });
  t.equal(attributeShortName(0x400, 1), 0x400);
  t.equal(attributeShortName(0x400, 3), 0x410);
  t.throws(() => attributeShortName(0xfff8, 2), { code: 600 });
  t.throws(() => attributeShortName(0x400, 0), { code: 600 });
});
