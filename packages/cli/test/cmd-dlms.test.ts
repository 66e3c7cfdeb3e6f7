import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  DEFAULT_SIMULATOR_PROFILE,
  MeterSimulator,
  serveHdlcSerial,
  serveWrapperTcp,
  serveWrapperUdp,
} from '../src/commands/dlms-api.js';
import { typedValue } from '../src/commands/dlms-objects.js';
import { defaultInvocationCounter } from '../src/commands/dlms-session.js';
import { ExitCode } from '../src/exit-codes.js';
import { runCli } from '../src/index.js';
import { capturePackets, startPtyPair } from './connection-helpers.js';
import { captureIo, ROOT } from './helpers.js';

const EK = '000102030405060708090a0b0c0d0e0f';
const AK = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';

const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
const server = await serveWrapperTcp(sim, { port: 0 });
const udp = await serveWrapperUdp(sim, { port: 0 });
const TCP = `127.0.0.1:${server.port}`;
t.teardown(async () => {
  await server.close();
  await udp.close();
  sim.close();
});

async function run(args: string[], env: Record<string, string> = {}) {
  const io = captureIo({ env });
  const code = await runCli(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

t.test('info: association and object list (table, JSON, CSV)', async (t) => {
  const human = await run(['dlms', 'info', '--tcp', TCP]);
  t.equal(human.code, 0, human.err);
  t.match(human.out, /conformance: .*get/);
  t.match(human.out, /1-0:99\.1\.0\.255 +7 Profile generic +Load profile 1/);
  const json = await run(['dlms', 'info', '--tcp', TCP, '--json']);
  const doc = JSON.parse(json.out) as {
    association: { dlmsVersion: number };
    objects: { logicalName: string }[];
  };
  t.equal(doc.association.dlmsVersion, 6);
  t.ok(doc.objects.some((o) => o.logicalName === '1-0:1.8.0.255'));
  const csv = await run(['dlms', 'info', '--udp', `127.0.0.1:${udp.port}`, '--csv']);
  t.equal(csv.code, 0, csv.err);
  t.match(csv.out, /^obis,class,version,class_name,name,attributes\r\n/);
  t.match(csv.out, /\r\n1-0:1\.8\.0\.255,3,0,Register,/);
});

t.test('get: class from the object list, scaled with unit; --class/--attr override', async (t) => {
  const r = await run(['dlms', 'get', '--tcp', TCP, '1-0:1.8.0.255', '0-0:1.0.0.255']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /1-0:1\.8\.0\.255 .* 2 value +\d+ +Wh/);
  t.match(r.out, /0-0:1\.0\.0\.255 +Clock +2 time +\d{4}-\d\d-\d\dT/);
  const j = await run(['dlms', 'get', '--tcp', TCP, '--json', '1.0.1.8.0.255']);
  const v = JSON.parse(j.out) as { obis: string; classId: number; unit: string; data: { type: string } };
  t.equal(v.obis, '1-0:1.8.0.255');
  t.equal(v.classId, 3);
  t.equal(v.unit, 'Wh');
  t.equal(v.data.type, 'double-long-unsigned');
  const su = await run([
    'dlms',
    'get',
    '--tcp',
    TCP,
    '--class',
    '3',
    '--attr',
    '3',
    '--csv',
    '1-0:1.8.0.255',
  ]);
  t.match(su.out, /^obis,class,attribute,value,unit\r\n1-0:1\.8\.0\.255,3,3,"\{0, 30\}",\r\n$/);
});

t.test('bad input: exit codes and one-line hints, no stack traces', async (t) => {
  const unknown = await run(['dlms', 'get', '--tcp', TCP, '1-0:77.8.0.255']);
  t.equal(unknown.code, ExitCode.ProtocolError);
  t.match(
    unknown.err,
    /^meterkit: E403 rejected: 1-0:77\.8\.0\.255 is not in the meter's object list .*meterkit dlms info/,
  );
  const malformed = await run(['dlms', 'get', '--tcp', TCP, '1-0:1.8']);
  t.equal(malformed.code, ExitCode.Usage);
  t.match(malformed.err, /is not an OBIS code \(expected A-B:C\.D\.E\.F/);
  const nowhere = await run(['dlms', 'get', '1-0:1.8.0.255']);
  t.equal(nowhere.code, ExitCode.Usage);
  t.match(nowhere.err, /say where the meter is: --serial, --tcp, --udp/);
  const dead = await run(['dlms', 'get', '--tcp', '127.0.0.1:1', '--retries', '0', '1-0:1.8.0.255']);
  t.equal(dead.code, ExitCode.Transport);
  t.match(dead.err, /nothing is listening/);
  const noAnswer = await run([
    'dlms',
    'get',
    '--tcp',
    TCP,
    '--server-address',
    '9',
    '--timeout',
    '300',
    '--retries',
    '0',
    '1-0:1.8.0.255',
  ]);
  t.equal(noAnswer.code, ExitCode.Transport);
  t.match(noAnswer.err, /check --server-address/);
  const wrongKey = await run([
    'dlms',
    'clock',
    '--tcp',
    TCP,
    '--client-sap',
    '1',
    '--auth',
    'hls-gmac',
    '-k',
    `ek=${EK}`,
    '-k',
    'ak=00112233445566778899aabbccddeeff',
  ]);
  t.equal(wrongKey.code, ExitCode.Security);
  t.match(wrongKey.err, /check the (password or the )?ek\/ak keys/);
  t.notMatch(wrongKey.err, /00112233|000102/, 'keys never echoed');
  const missingKey = await run([
    'dlms',
    'clock',
    '--tcp',
    TCP,
    '--client-sap',
    '1',
    '--auth',
    'hls-gmac',
    '-k',
    `ek=${EK}`,
  ]);
  t.equal(missingKey.code, ExitCode.Security);
  t.match(missingKey.err, /needs the ak key: pass --key ak=HEX, set METERKIT_KEY_AK/);
  const badPassword = await run(
    ['dlms', 'get', '--tcp', TCP, '--client-sap', '32', '--auth', 'low', '1-0:1.8.0.255'],
    { METERKIT_PASSWORD: 'wrong' },
  );
  t.equal(badPassword.code, ExitCode.Security);
  t.match(badPassword.err, /authentication-failure/);
  const noPassword = await run([
    'dlms',
    'get',
    '--tcp',
    TCP,
    '--client-sap',
    '32',
    '--auth',
    'low',
    '1-0:1.8.0.255',
  ]);
  t.match(noPassword.err, /needs a password: set METERKIT_PASSWORD/);
  const denied = await run(['dlms', 'set', '--tcp', TCP, '0-0:96.1.0.255', '--type', 'visible-string', 'X']);
  t.equal(denied.code, ExitCode.ProtocolError);
  t.match(denied.err, /read-write-denied/);
  const untyped = await run(['dlms', 'set', '--tcp', TCP, '0-0:96.1.0.255', '12']);
  t.equal(untyped.code, ExitCode.Usage);
  t.match(untyped.err, /give the value's type: --type/);
  for (const r of [unknown, malformed, dead, wrongKey, denied])
    t.notMatch(r.err, /\n\s+at /, 'no stack trace');
});

t.test('credentials from a keyring profile and the environment', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-dlms-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const keyring = join(dir, 'keyring.toml');
  writeFileSync(
    keyring,
    `[meter.lab]\ntcp = "${TCP}"\nclient-sap = 1\nauth = "hls-gmac"\n[meter.lab.keys]\nek = "${EK}"\n`,
    { mode: 0o600 },
  );
  const r = await run(['dlms', 'disconnect', '--meter', 'lab', '--keyring', keyring, '--json'], {
    METERKIT_KEY_AK: AK,
  });
  t.equal(r.code, 0, r.err);
  t.same(JSON.parse(r.out), {
    controlState: { name: 'connected', value: 1 },
    obis: '0-0:96.3.10.255',
    outputState: true,
  });
  const off = await run(['dlms', 'disconnect', 'disconnect', '--meter', 'lab', '--keyring', keyring], {
    METERKIT_KEY_AK: AK,
  });
  t.match(off.out, /output: +disconnected \(supply off\)/);
  const on = await run(
    [
      'dlms',
      'action',
      '--meter',
      'lab',
      '--keyring',
      keyring,
      '0-0:96.3.10.255',
      '2',
      '--param',
      '0',
      '--type',
      'integer',
    ],
    { METERKIT_KEY_AK: AK },
  );
  t.equal(on.code, 0, on.err);
  t.match(on.out, /method 2: ok/);
  const sync = await run(['dlms', 'clock', '--sync', '--meter', 'lab', '--keyring', keyring, '--json'], {
    METERKIT_KEY_AK: AK,
  });
  const clock = JSON.parse(sync.out) as { driftMs: number; previous: string };
  t.ok(Math.abs(clock.driftMs) < 5000);
  t.type(clock.previous, 'string');
  const missing = await run(['dlms', 'info', '--meter', 'nope', '--keyring', keyring]);
  t.equal(missing.code, ExitCode.Usage);
  t.match(missing.err, /no meter 'nope' in .*keyring\.toml \(it has: lab\)/);
});

t.test('profile: last entries and time range; table, CSV, JSON lines, chart; capture', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-dlms-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const capture = join(dir, 'profile.pcapng');
  const table = await run([
    'dlms',
    'profile',
    '--tcp',
    TCP,
    '--entries',
    '5',
    '--chunk',
    '2',
    '--chart',
    '--capture',
    capture,
    '1-0:99.1.0.255',
  ]);
  t.equal(table.code, 0, table.err);
  t.match(
    table.out,
    /0-0:1\.0\.0\.255 +0-0:96\.10\.1\.255 +1-0:1\.8\.0\.255 \[Wh\] +1-0:2\.8\.0\.255 \[Wh\]/,
  );
  t.match(table.out, /5 entries of 1-0:99\.1\.0\.255 \(Load profile 1\)/);
  t.match(table.out, /┤/);
  t.equal(table.err, '', 'no progress bar off a terminal');
  const packets = await capturePackets(capture);
  t.ok(packets.filter((p) => (p.payload?.length ?? 0) > 0).length >= 6, 'the session is in the capture');
  const csv = await run(['dlms', 'profile', '--tcp', TCP, '--entries', '3', '--csv', '1-0:99.1.0.255']);
  const lines = csv.out.trimEnd().split('\r\n');
  t.equal(lines.length, 4);
  t.equal(lines[0], '0-0:1.0.0.255,0-0:96.10.1.255,1-0:1.8.0.255 [Wh],1-0:2.8.0.255 [Wh]');
  const to = new Date();
  const from = new Date(to.getTime() - 3 * 3600_000);
  const json = await run([
    'dlms',
    'profile',
    '--tcp',
    TCP,
    '--from',
    from.toISOString(),
    '--to',
    to.toISOString(),
    '--json',
    '1-0:99.1.0.255',
  ]);
  t.equal(json.code, 0, json.err);
  const rows = json.out
    .trimEnd()
    .split('\n')
    .map(
      (l) => JSON.parse(l) as { values: { obis: string; unit?: string; value?: number; time?: string }[] },
    );
  t.ok(rows.length >= 10 && rows.length <= 13, `3 hours of 15-minute entries (${rows.length})`);
  t.equal(rows[0]?.values[2]?.unit, 'Wh');
  t.type(rows[0]?.values[0]?.time, 'string');
  const bad = await run(['dlms', 'profile', '--tcp', TCP, '--from', 'yesterday', '1-0:99.1.0.255']);
  t.equal(bad.code, ExitCode.Usage);
  t.match(bad.err, /is not a date\/time/);
  const both = await run([
    'dlms',
    'profile',
    '--tcp',
    TCP,
    '--entries',
    '2',
    '--from',
    from.toISOString(),
    '1-0:99.1.0.255',
  ]);
  t.match(both.err, /give --entries or --from/);
  const tty = captureIo({ tty: true, env: { NO_COLOR: '1' } });
  t.equal(
    await runCli(['dlms', 'profile', '--tcp', TCP, '--entries', '4', '--chunk', '2', '1-0:99.1.0.255'], tty),
    0,
  );
  t.match(tty.stderr(), /1-0:99\.1\.0\.255 █/, 'progress bar on a terminal');
  t.notMatch(tty.stdout(), /█/);
});

t.test('-v prints frames on stderr; keys from --key never appear, nor in the capture', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-v-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const capture = join(dir, 'hls.pcapng');
  const secured = await run([
    'dlms',
    'get',
    '--capture',
    capture,
    '--tcp',
    TCP,
    '--client-sap',
    '1',
    '--auth',
    'hls-gmac',
    '-k',
    `ek=${EK}`,
    '-k',
    `ak=${AK}`,
    '1-0:1.8.0.255',
  ]);
  t.equal(secured.code, 0, secured.err);
  const file = readFileSync(capture);
  t.notOk(
    file.includes(Buffer.from(EK, 'hex')) || file.includes(Buffer.from(AK, 'hex')),
    'no key bytes in the capture',
  );
  t.notOk(file.includes(Buffer.from(EK)) || file.includes(Buffer.from(AK)), 'no key hex in the capture');
  const r = await run([
    'dlms',
    'get',
    '-v',
    '--tcp',
    TCP,
    '--client-sap',
    '1',
    '--auth',
    'hls-gmac',
    '-k',
    `ek=${EK}`,
    '-k',
    `ak=${AK}`,
    '1-0:1.8.0.255',
  ]);
  t.equal(r.code, 0, r.err);
  t.match(r.err, /^> \d+ bytes\n {2}00 01 00 01 00 01/m);
  t.match(r.err, /^< \d+ bytes/m);
  t.notMatch(r.err + r.out, /000102030405060708090a0b0c0d0e0f|d0d1d2d3/);
});

t.test('typed values', (t) => {
  t.same(typedValue('{"long-unsigned": 5}', undefined), { type: 'long-unsigned', value: 5 });
  t.same(typedValue('5', 'unsigned'), { type: 'unsigned', value: 5 });
  t.same(typedValue('true', 'boolean'), { type: 'boolean', value: true });
  t.same(typedValue('1.5', 'float32'), { type: 'float32', value: 1.5 });
  t.same(typedValue('abc', 'visible-string'), { type: 'visible-string', value: 'abc' });
  t.same(typedValue('9007199254740993', 'long64-unsigned'), {
    type: 'long64-unsigned',
    value: 9007199254740993n,
  });
  t.throws(() => typedValue('300', 'unsigned'), { code: 600, message: /does not fit/ });
  const a = defaultInvocationCounter(Date.UTC(2030, 0, 1));
  t.equal(
    a,
    Math.floor((Date.UTC(2030, 0, 1) - Date.UTC(2025, 0, 1)) / 100),
    'tenths of a second since 2025',
  );
  t.equal(defaultInvocationCounter(Date.UTC(2030, 0, 1)), a + 1, 'counts up within one process');
  t.equal(defaultInvocationCounter(0), a + 2);
  t.end();
});

t.test('simulate dlms in-process: --duration, bad arguments', async (t) => {
  const r = await run([
    'simulate',
    'dlms',
    '--tcp',
    '127.0.0.1:0',
    '--udp',
    '127.0.0.1:0',
    '--duration',
    '0.1',
  ]);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /listening on tcp:\/\/127\.0\.0\.1:\d+ \(wrapper\), udp:\/\/127\.0\.0\.1:\d+ \(wrapper\)/);
  t.match(r.out, /SAP 16 public/);
  t.match(r.err, /stopped \(duration\)/);
  const bad = await run(['simulate', 'dlms']);
  t.equal(bad.code, ExitCode.Usage);
  t.match(bad.err, /say where to listen/);
  const optical = await run(['simulate', 'dlms', '--tcp', '127.0.0.1:0', '--optical']);
  t.match(optical.err, /--optical needs --serial/);
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-sim-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'p.json'), '{ nope');
  const badProfile = await run([
    'simulate',
    'dlms',
    '--tcp',
    '127.0.0.1:0',
    '--profile',
    join(dir, 'p.json'),
  ]);
  t.equal(badProfile.code, ExitCode.Usage);
  t.match(badProfile.err, /is not valid JSON/);
  const missing = await run([
    'simulate',
    'dlms',
    '--tcp',
    '127.0.0.1:0',
    '--profile',
    join(dir, 'none.json'),
  ]);
  t.equal(missing.code, ExitCode.Usage);
  t.match(missing.err, /cannot read it: ENOENT/);
  const inUse = await run(['simulate', 'dlms', '--tcp', TCP, '--duration', '0.1']);
  t.equal(inUse.code, ExitCode.Transport);
  t.match(inUse.err, /is the port in use\?/);
  writeFileSync(join(dir, 'hdlc.json'), JSON.stringify({ ...DEFAULT_SIMULATOR_PROFILE, name: 'hdlc meter' }));
  const hdlc = await run([
    'simulate',
    'dlms',
    '--tcp',
    '127.0.0.1:0',
    '--hdlc',
    '--profile',
    join(dir, 'hdlc.json'),
    '--duration',
    '0.05',
  ]);
  t.match(hdlc.out, /hdlc meter listening on tcp:\/\/127\.0\.0\.1:\d+ \(HDLC\)/);
});

t.test('simulate dlms as a subprocess runs until SIGTERM', async (t) => {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [
      '--conditions=meterkit-source',
      '--import',
      'tsx',
      'packages/cli/src/main.ts',
      'simulate',
      'dlms',
      '--tcp',
      '127.0.0.1:0',
    ],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (!/SAP 16/.test(out) && Date.now() < deadline && child.exitCode === null)
    await new Promise((r) => setTimeout(r, 50));
  const port = /127\.0\.0\.1:(\d+)/.exec(out)?.[1];
  t.ok(port, out + err);
  const r = await run(['dlms', 'get', '--tcp', `127.0.0.1:${port}`, '--json', '1-0:1.8.0.255']);
  t.equal(r.code, 0, r.err);
  child.kill('SIGTERM');
  t.equal(await exited, 0);
  t.match(err, /stopped \(SIGTERM\)/);
});

t.test('over an optical probe: a socat pty, IEC 62056-21 sign-on, then HDLC', async (t) => {
  const pty = await startPtyPair();
  t.teardown(() => pty.cleanup());
  const meter = await serveHdlcSerial(sim, { path: pty.b, optical: true });
  t.teardown(() => meter.close());
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-optical-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const capture = join(dir, 'optical.pcapng');
  const r = await run([
    'dlms',
    'get',
    '--serial',
    pty.a,
    '--optical',
    '--capture',
    capture,
    '--json',
    '1-0:1.8.0.255',
  ]);
  t.equal(r.code, 0, r.err);
  t.equal((JSON.parse(r.out) as { unit: string }).unit, 'Wh');
  const packets = await capturePackets(capture);
  const first = packets[0]?.payload;
  t.equal(
    first === undefined ? '' : Buffer.from(first).toString('latin1'),
    '/?!\r\n',
    'the sign-on request opens the capture',
  );
  t.ok(
    packets.some((p) => p.payload?.[0] === 0x7e),
    'HDLC frames follow',
  );
});

t.test('push listen: data-notifications over TCP and UDP, as JSON lines and text', async (t) => {
  const { encodeWrapperPdu } = await import('@meterkit/dlms');
  const { TcpTransport, UdpTransport } = await import('@meterkit/core/transport');
  const apdu = sim.push().apdu;
  const pdu = encodeWrapperPdu({ sourceWPort: 1, destinationWPort: 102, payload: apdu });
  const start = (args: string[]) => {
    const io = captureIo();
    const done = runCli(['dlms', 'push', 'listen', ...args], io);
    return { io, done };
  };
  const waitFor = async (io: ReturnType<typeof captureIo>): Promise<{ host: string; port: number }> => {
    for (;;) {
      const m = /on (tcp|udp):\/\/([\d.]+):(\d+)/.exec(io.stderr());
      if (m !== null) return { host: m[2] as string, port: Number(m[3]) };
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const tcp = start(['--tcp', '127.0.0.1:0', '--count', '2', '--json']);
  const tcpAt = await waitFor(tcp.io);
  const sender = new TcpTransport(tcpAt);
  await sender.open();
  await sender.write(pdu.subarray(0, 5));
  await sender.write(Buffer.concat([pdu.subarray(5), pdu]));
  t.equal(await tcp.done, 0);
  await sender.close();
  const lines = tcp.io
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { layers: { layer: string; value: { type?: string } }[] });
  t.equal(lines.length, 2, 'a PDU split over writes and two in one write');
  t.ok(
    lines[0]?.layers.some((l) => l.value.type === 'data-notification'),
    JSON.stringify(lines[0]),
  );
  t.match(tcp.io.stderr(), /2 received, stopped \(count\)/);
  const udp = start(['--udp', '127.0.0.1:0', '--count', '1']);
  const udpAt = await waitFor(udp.io);
  const u = new UdpTransport(udpAt);
  await u.open();
  await u.write(pdu);
  t.equal(await udp.done, 0);
  await u.close();
  t.match(udp.io.stdout(), /data-notification/);
  const garbage = start(['--udp', '127.0.0.1:0', '--count', '1']);
  const gAt = await waitFor(garbage.io);
  const g = new UdpTransport(gAt);
  await g.open();
  await g.write(Uint8Array.from([0x55, 0xaa]));
  t.equal(await garbage.done, 0);
  await g.close();
  t.match(garbage.io.stdout(), /2 bytes not decoded: E\d+ /);
  const none = await run(['dlms', 'push', 'listen']);
  t.equal(none.code, ExitCode.Usage);
  const timed = await run(['dlms', 'push', 'listen', '--udp', '127.0.0.1:0', '--duration', '0.05']);
  t.match(timed.err, /0 received, stopped \(duration\)/);
});
