import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { simulatorTlsSettings } from '../src/commands/simulate-tls.js';
import { ExitCode } from '../src/exit-codes.js';
import { runCli } from '../src/index.js';
import { captureIo } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'meterkit-tls-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const f = (name: string): string => join(dir, name);

/** A test CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makePki(): boolean {
  const openssl = (args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.error !== undefined) throw r.error;
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  try {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/CN=meterkit test CA',
      '-days',
      '2',
      '-out',
      'ca.pem',
    ]);
    for (const [name, ext] of [
      ['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'],
      ['client', 'extendedKeyUsage=clientAuth'],
    ] as const) {
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
      openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=meterkit ${name}`, '-out', `${name}.csr`]);
      writeFileSync(f(`${name}.ext`), `${ext}\n`);
      openssl([
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.pem`,
      ]);
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

const havePki = makePki();

async function run(args: string[], env: Record<string, string> = {}) {
  const io = captureIo({ env });
  const code = await runCli(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** Starts `simulate dlms|ansi ... --tls` in-process; resolves with its address once it listens. */
async function simulate(args: string[]): Promise<{ address: string; done: Promise<number> }> {
  const io = captureIo();
  const done = runCli(['simulate', ...args], io);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const m = /tls:\/\/(127\.0\.0\.1:\d+)/.exec(io.stdout());
    if (m !== null) return { address: m[1] as string, done };
    if (Date.now() > deadline) throw new Error(`simulator did not start: ${io.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const serverTls = () => [
  '--tls',
  '--cert',
  f('server.pem'),
  '--key-file',
  f('server.key'),
  '--ca',
  f('ca.pem'),
];
const clientTls = () => [
  '--tls',
  '--ca',
  f('ca.pem'),
  '--cert',
  f('client.pem'),
  '--key-file',
  f('client.key'),
];

t.test(
  'DLMS over mutual TLS: simulate dlms --tls and dlms info/get/profile --tls',
  { skip: !havePki && 'openssl is not installed here (CI has it): no test certificates' },
  async (t) => {
    const sim = await simulate(['dlms', '--tcp', '127.0.0.1:0', ...serverTls(), '--duration', '20']);
    const info = await run(['dlms', 'info', '--tcp', sim.address, ...clientTls()]);
    t.equal(info.code, 0, info.err);
    t.match(info.out, /1-0:1\.8\.0\.255 +3 Register/);
    const get = await run(['dlms', 'get', '--tcp', sim.address, ...clientTls(), '--json', '1-0:1.8.0.255']);
    t.equal(get.code, 0, get.err);
    t.match(JSON.parse(get.out), { obis: '1-0:1.8.0.255', unit: 'Wh' });
    const gmac = await run(
      [
        'dlms',
        'get',
        '--tcp',
        sim.address,
        ...clientTls(),
        '--client-sap',
        '1',
        '--auth',
        'hls-gmac',
        '--csv',
        '0-0:1.0.0.255',
      ],
      {
        METERKIT_KEY_EK: '000102030405060708090a0b0c0d0e0f',
        METERKIT_KEY_AK: 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf',
      },
    );
    t.equal(gmac.code, 0, gmac.err);
    t.match(gmac.out, /^obis,class,attribute,value,unit\r\n0-0:1\.0\.0\.255,8,2,/);
    const profile = await run([
      'dlms',
      'profile',
      '--tcp',
      sim.address,
      ...clientTls(),
      '--entries',
      '4',
      '--json',
      '1-0:99.1.0.255',
    ]);
    t.equal(profile.code, 0, profile.err);
    t.equal(profile.out.trim().split('\n').length, 4, 'four profile rows over TLS, one JSON line each');

    const noClientCert = await run([
      'dlms',
      'info',
      '--tcp',
      sim.address,
      '--tls',
      '--ca',
      f('ca.pem'),
      '--retries',
      '0',
    ]);
    t.equal(noClientCert.code, ExitCode.Transport, 'mutual TLS refuses a client without a certificate');
    t.notMatch(noClientCert.err, /\n\s+at /);
    const untrusted = await run([
      'dlms',
      'info',
      '--tcp',
      sim.address,
      '--tls',
      '--cert',
      f('client.pem'),
      '--key-file',
      f('client.key'),
      '--retries',
      '0',
    ]);
    t.equal(untrusted.code, ExitCode.Transport);
    t.match(untrusted.err, /check --ca/);
    const plain = await run(['dlms', 'info', '--tcp', sim.address, '--timeout', '500', '--retries', '0']);
    t.equal(plain.code, ExitCode.Transport, 'a client without --tls gets no DLMS answer');
    process.emit('SIGTERM', 'SIGTERM');
    t.equal(await sim.done, 0);
  },
);

t.test('HDLC framing inside TLS', { skip: !havePki && 'openssl is not installed here' }, async (t) => {
  const sim = await simulate([
    'dlms',
    '--tcp',
    '127.0.0.1:0',
    '--hdlc',
    '--tls',
    '--cert',
    f('server.pem'),
    '--key-file',
    f('server.key'),
    '--duration',
    '10',
  ]);
  const get = await run([
    'dlms',
    'get',
    '--tcp',
    sim.address,
    '--tls',
    '--ca',
    f('ca.pem'),
    '--framing',
    'hdlc',
    '1-0:2.8.0.255',
  ]);
  t.equal(get.code, 0, get.err);
  t.match(get.out, /1-0:2\.8\.0\.255 .* Wh/);
  process.emit('SIGTERM', 'SIGTERM');
  t.equal(await sim.done, 0);
});

t.test(
  'C12.22 over mutual TLS: simulate ansi --tls and c1222 ident/read --tls',
  { skip: !havePki && 'openssl is not installed here' },
  async (t) => {
    const sim = await simulate(['ansi', '--tcp', '127.0.0.1:0', ...serverTls(), '--duration', '20']);
    const ident = await run(['c1222', 'ident', '--tcp', sim.address, ...clientTls()]);
    t.equal(ident.code, 0, ident.err);
    t.match(ident.out, /manufacturer: MKIT/);
    const st23 = await run(['c1222', 'read', '--tcp', sim.address, ...clientTls(), 'ST23']);
    t.equal(st23.code, 0, st23.err);
    t.match(st23.out, /^ST23\n {2}type: CURRENT_REG_DATA_TBL/);
    const raw = await run([
      'c1222',
      'read',
      '--tcp',
      sim.address,
      ...clientTls(),
      '--json',
      '--offset',
      '0',
      '--count',
      '4',
      'ST1',
    ]);
    t.same(JSON.parse(raw.out), { bytes: '4d4b4954', table: 'ST1' });
    const noCert = await run([
      'c1222',
      'ident',
      '--tcp',
      sim.address,
      '--tls',
      '--ca',
      f('ca.pem'),
      '--retries',
      '0',
    ]);
    t.equal(noCert.code, ExitCode.Transport);
    process.emit('SIGTERM', 'SIGTERM');
    t.equal(await sim.done, 0);
  },
);

t.test('simulator TLS options', async (t) => {
  t.equal(simulatorTlsSettings({}, '127.0.0.1:0'), undefined);
  t.throws(() => simulatorTlsSettings({ cert: 'x.pem' }, '127.0.0.1:0'), { message: /need --tls/ });
  t.throws(() => simulatorTlsSettings({ tls: true }, undefined), { message: /add --tcp/ });
  t.throws(() => simulatorTlsSettings({ tls: true, cert: 'x.pem' }, 'h:1'), {
    message: /needs --cert server\.pem and --key-file/,
  });
  t.throws(
    () =>
      simulatorTlsSettings({ tls: true, cert: '/nonexistent.pem', 'key-file': '/nonexistent.key' }, 'h:1'),
    {
      code: 602,
      message: /--cert \/nonexistent\.pem: cannot read it: ENOENT/,
    },
  );
  if (havePki) {
    const s = simulatorTlsSettings(
      { tls: true, cert: f('server.pem'), 'key-file': f('server.key'), ca: f('ca.pem') },
      'h:1',
    );
    t.match(s, { requestCert: true, rejectUnauthorized: true });
    t.equal(s?.cert, readFileSync(f('server.pem'), 'utf8'));
  }
  const dlms = await run([
    'simulate',
    'dlms',
    '--udp',
    '127.0.0.1:0',
    '--tls',
    '--cert',
    'a',
    '--key-file',
    'b',
  ]);
  t.equal(dlms.code, ExitCode.Usage);
  t.match(dlms.err, /--tls serves the --tcp listener/);
  const ansi = await run(['simulate', 'ansi', '--tcp', '127.0.0.1:0', '--tls']);
  t.equal(ansi.code, ExitCode.Usage);
  t.match(ansi.err, /--tls needs --cert/);
});
