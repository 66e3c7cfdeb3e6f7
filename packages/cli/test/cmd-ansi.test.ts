import { AnsiMeter, serveC1218, serveC1222Listener, serveC1222Udp } from '@meterkit/c1222';
import { bindUdp, listenTcp, SerialTransport } from '@meterkit/core/transport';
import t from 'tap';
import { tableId } from '../src/commands/ansi.js';
import { ExitCode } from '../src/exit-codes.js';
import { runCli } from '../src/index.js';
import { startPtyPair } from './connection-helpers.js';
import { captureIo } from './helpers.js';

const KEY = '00112233445566778899aabbccddeeff';
const meter = new AnsiMeter({
  name: 'test meter',
  passwords: [{ password: 'writer', access: 'write' }],
  keys: { '1': KEY },
});
const listener = await listenTcp({ host: '127.0.0.1', port: 0 });
serveC1222Listener(listener, meter);
const udp = await bindUdp({ host: '127.0.0.1', port: 0 });
serveC1222Udp(udp, meter);
const TCP = `127.0.0.1:${listener.address().port}`;
t.teardown(async () => {
  await listener.close();
  await udp.close();
});

async function run(args: string[], env: Record<string, string> = {}) {
  const io = captureIo({ env });
  const code = await runCli(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

t.test('c1222 ident and read (decoded with ST0, raw, partial, JSON) over TCP and UDP', async (t) => {
  const ident = await run(['c1222', 'ident', '--tcp', TCP]);
  t.equal(ident.code, 0, ident.err);
  t.match(ident.out, /std: 3/);
  t.match(ident.out, /manufacturer: MKIT/);
  const st23 = await run(['c1222', 'read', '--tcp', TCP, 'ST23']);
  t.equal(st23.code, 0, st23.err);
  t.match(st23.out, /^ST23\n {2}type: CURRENT_REG_DATA_TBL/);
  const raw = await run(['c1222', 'read', '--udp', `127.0.0.1:${udp.address().port}`, '--raw', '1']);
  t.match(raw.out, /^ST1 32 octets\n000000 {2}4d 4b 49 54/);
  const part = await run(['c1222', 'read', '--tcp', TCP, '--offset', '0', '--count', '4', '--json', 'st1']);
  t.same(JSON.parse(part.out), { bytes: '4d4b4954', table: 'ST1' });
  const json = await run(['c1222', 'read', '--tcp', TCP, '--json', 'ST0']);
  t.equal((JSON.parse(json.out) as { decoded: { type: string } }).decoded.type, 'GEN_CONFIG_TBL');
});

t.test('c1222 write and procedures need the write password; security modes need keys', async (t) => {
  const refused = await run(['c1222', 'proc', '--tcp', TCP, '9', '--params', '01']);
  t.equal(refused.code, ExitCode.Security);
  t.match(refused.err, /insufficient security clearance: log on with a password/);
  const ok = await run(['c1222', 'proc', '--tcp', TCP, '9', '--params', '01', '--json'], {
    METERKIT_PASSWORD: 'writer',
  });
  t.equal(ok.code, 0, ok.err);
  t.equal((JSON.parse(ok.out) as { procedure: number }).procedure, 9);
  const write = await run(['c1222', 'write', '--tcp', TCP, 'ST6', '--offset', '0', '4d4b'], {
    METERKIT_PASSWORD: 'writer',
  });
  t.equal(write.code, ExitCode.ProtocolError, 'the simulator keeps ST6 read-only');
  t.match(write.err, /answered onp \(the operation is not possible/);
  const secured = await run([
    'c1222',
    'ident',
    '--tcp',
    TCP,
    '--security-mode',
    '2',
    '--key-id',
    '1',
    '-k',
    `c1222:1=${KEY}`,
  ]);
  t.equal(secured.code, 0, secured.err);
  const noKey = await run(['c1222', 'ident', '--tcp', TCP, '--security-mode', '1', '--key-id', '1']);
  t.equal(noKey.code, ExitCode.Security);
  t.match(noKey.err, /needs key c1222:1: pass --key c1222:1=HEX or set METERKIT_KEY_C1222_1/);
  const wrongKey = await run([
    'c1222',
    'ident',
    '--tcp',
    TCP,
    '--security-mode',
    '1',
    '--key-id',
    '1',
    '--timeout',
    '500',
    '--retries',
    '0',
    '-k',
    'c1222:1=ffeeddccbbaa99887766554433221100',
  ]);
  t.not(wrongKey.code, 0);
  t.notMatch(wrongKey.err, /ffeeddcc/);
  const badTitle = await run([
    'c1222',
    'ident',
    '--tcp',
    TCP,
    '--called-ap-title',
    '1.2.3',
    '--timeout',
    '500',
    '--retries',
    '0',
  ]);
  t.not(badTitle.code, 0);
  t.match(badTitle.err, /called-ap-title/);
  t.match(
    (await run(['c1222', 'ident', '--tcp', TCP, '--called-ap-title', 'x'])).err,
    /must be a dotted OID/,
  );
  t.match((await run(['c1222', 'read', '--tcp', TCP, 'XY1'])).err, /is not a table/);
  t.match(
    (await run(['c1222', 'read', '--tcp', TCP, '--offset', '1', 'ST1'])).err,
    /--offset and --count go together/,
  );
  const dead = await run(['c1222', 'ident', '--tcp', '127.0.0.1:1', '--retries', '0']);
  t.equal(dead.code, ExitCode.Transport);
});

t.test('c1218 over a socat pty', async (t) => {
  const pty = await startPtyPair();
  t.teardown(() => pty.cleanup());
  const port = new SerialTransport({ path: pty.b, baudRate: 9600, lock: false });
  await port.open();
  const server = serveC1218(port, new AnsiMeter());
  t.teardown(async () => {
    server.stop();
    await port.close();
  });
  const ident = await run(['c1218', 'ident', '--serial', pty.a, '--optical']);
  t.equal(ident.code, 0, ident.err);
  t.match(ident.out, /std: 0/);
  const st1 = await run(['c1218', 'read', '--serial', pty.a, 'ST1', '--json']);
  t.equal(st1.code, 0, st1.err);
  t.match(st1.out, /GENERAL_MFG_ID_TBL/);
});

t.test('table names', (t) => {
  t.equal(tableId('ST5'), 5);
  t.equal(tableId('mt3'), 2051);
  t.equal(tableId('23'), 23);
  t.throws(() => tableId('ST99999'), { message: /not a table number/ });
  t.end();
});

t.test('simulate ansi in-process', async (t) => {
  const r = await run(['simulate', 'ansi', '--tcp', '127.0.0.1:0', '--duration', '0.05']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /AP title 2\.16\.124\.113620\.1\.22\.0\.42\) on tcp:\/\/127\.0\.0\.1:\d+ \(C12\.22\)/);
  t.match((await run(['simulate', 'ansi'])).err, /say where to listen/);
  t.match(
    (await run(['simulate', 'ansi', '--tcp', '127.0.0.1:0', '--profile', '/nonexistent.json'])).err,
    /cannot read it: ENOENT/,
  );
});
