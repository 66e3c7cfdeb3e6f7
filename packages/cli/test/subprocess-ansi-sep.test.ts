// The real `meterkit` command as a subprocess against `meterkit simulate ansi` (C12.22 on TCP and
// UDP, C12.18 on one end of a socat pty) and `meterkit simulate sep` subprocesses: ident, read,
// write and proc over each link, sep walk/get, with their human and --json output, stderr and
// exit codes; the simulators stop on SIGTERM.
import t from 'tap';
import { socatMissing, startPtyPair } from './connection-helpers.js';
import { hasStack, meterkit, portOf, type SimulatorProcess, startSimulator } from './subprocess-helpers.js';

// Many Node subprocesses: allow for a loaded machine (each start compiles the sources through tsx).
t.setTimeout(600_000);

/** The built-in ANSI meter has no passwords, so any logon password gets write access. */
const WRITER = { METERKIT_PASSWORD: 'any' };

const [ansi, sep] = await Promise.all([
  startSimulator(['simulate', 'ansi', '--tcp', '127.0.0.1:0', '--udp', '127.0.0.1:0'], /\(C12\.22\)\n/),
  startSimulator(['simulate', 'sep', '--tcp', '127.0.0.1:0'], /test server at http/),
]);
const TCP = `127.0.0.1:${portOf(ansi.stdout(), 'tcp')}`;
const UDP = `127.0.0.1:${portOf(ansi.stdout(), 'udp')}`;
const SEP = `http://127.0.0.1:${portOf(sep.stdout(), 'http')}`;
const running: SimulatorProcess[] = [ansi, sep];
t.teardown(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

t.test('simulate ansi --tcp --udp: one meter on both', async (t) => {
  t.match(
    ansi.stdout(),
    /^meterkit simulate ansi: meter \(AP title 2\.16\.124\.113620\.1\.22\.0\.42\) on tcp:\/\/127\.0\.0\.1:\d+ \(C12\.22\), udp:\/\/127\.0\.0\.1:\d+ \(C12\.22\)\n$/,
  );
});

t.test('c1222 ident and read over TCP and UDP: human, JSON, raw', async (t) => {
  const [ident, identUdp, st23, st1, raw, unknown] = await Promise.all([
    meterkit(['c1222', 'ident', '--tcp', TCP]),
    meterkit(['c1222', 'ident', '--udp', UDP, '--json']),
    meterkit(['c1222', 'read', '--tcp', TCP, 'ST23']),
    meterkit(['c1222', 'read', '--udp', UDP, '--json', 'ST1']),
    meterkit(['c1222', 'read', '--tcp', TCP, '--raw', '1']),
    meterkit(['c1222', 'read', '--tcp', TCP, 'ST99']),
  ]);
  t.equal(ident.status, 0, ident.stderr);
  t.match(ident.stdout, /^identification: identify-response\n {2}features: \[\]\n {2}rev: 0\n {2}std: 3\n/);
  t.match(ident.stdout, /ST1: GENERAL_MFG_ID_TBL\n(.*\n)* {2}manufacturer: MKIT\n/);
  t.equal(identUdp.status, 0, identUdp.stderr);
  t.match(JSON.parse(identUdp.stdout), {
    identification: { type: 'identify-response', std: 3 },
    st1: { type: 'GENERAL_MFG_ID_TBL', manufacturer: 'MKIT', mfgSerialNumber: '0000000000012345' },
  });
  t.equal(st23.status, 0, st23.stderr);
  t.match(st23.stdout, /^ST23\n {2}type: CURRENT_REG_DATA_TBL\n/);
  t.equal(st1.status, 0, st1.stderr);
  t.match(JSON.parse(st1.stdout), { table: 'ST1', decoded: { type: 'GENERAL_MFG_ID_TBL' } });
  t.equal(raw.status, 0, raw.stderr);
  t.match(raw.stdout, /^ST1 32 octets\n000000 {2}4d 4b 49 54/);
  t.equal(unknown.status, 1);
  t.match(unknown.stderr, /^meterkit: E403 rejected: full-read answered iar \(.*check the table number/);
  t.notOk(hasStack(unknown.stderr));
});

t.test('c1222 write on a writable table (ST52), a read-only one, and proc', async (t) => {
  const write = await meterkit(['c1222', 'write', '--tcp', TCP, 'ST52', '--offset', '4', '1e'], {
    env: WRITER,
  });
  t.equal(write.status, 0, write.stderr);
  t.equal(write.stderr, 'meterkit: ST52: 1 octets written\n');
  const [back, readOnly, noPassword, proc, procJson] = await Promise.all([
    meterkit(['c1222', 'read', '--udp', UDP, '--raw', 'ST52']),
    meterkit(['c1222', 'write', '--tcp', TCP, 'ST6', '--offset', '0', '4d4b'], { env: WRITER }),
    meterkit(['c1222', 'write', '--tcp', TCP, 'ST52', '--offset', '4', '1f']),
    meterkit(['c1222', 'proc', '--tcp', TCP, '9', '--params', '01'], { env: WRITER }),
    meterkit(['c1222', 'proc', '--udp', UDP, '9', '--params', '01', '--json'], { env: WRITER }),
  ]);
  t.equal(back.status, 0, back.stderr);
  t.match(
    back.stdout,
    /^ST52 7 octets\n000000 {2}[0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} 1e /,
    'the minute was written',
  );
  t.equal(readOnly.status, 1, readOnly.stderr);
  t.match(readOnly.stderr, /answered onp \(the operation is not possible/);
  t.equal(noPassword.status, 4, noPassword.stderr);
  t.match(
    noPassword.stderr,
    /insufficient security clearance: log on with a password that has write access \(METERKIT_PASSWORD, --user\)/,
  );
  t.equal(proc.status, 0, proc.stderr);
  t.match(proc.stdout, /^procedure: SP9\nresult: +0 procedure-completed\n/);
  t.equal(procJson.status, 0, procJson.stderr);
  t.match(JSON.parse(procJson.stdout), { procedure: 9, resultCode: 0, resultName: 'procedure-completed' });
});

t.test('c1222 failures: bad AP title (2), dead port (3), missing key (4)', async (t) => {
  const [badTitle, dead, noKey] = await Promise.all([
    meterkit(['c1222', 'ident', '--tcp', TCP, '--called-ap-title', 'x']),
    meterkit(['c1222', 'ident', '--tcp', '127.0.0.1:1', '--retries', '0']),
    meterkit(['c1222', 'ident', '--tcp', TCP, '--security-mode', '1', '--key-id', '1']),
  ]);
  t.equal(badTitle.status, 2, badTitle.stderr);
  t.equal(dead.status, 3, dead.stderr);
  t.match(dead.stderr, /nothing is listening at tcp:\/\/127\.0\.0\.1:1/);
  t.equal(noKey.status, 4, noKey.stderr);
  for (const r of [badTitle, dead, noKey]) {
    t.equal(r.stdout, '');
    t.notOk(hasStack(r.stderr), 'no stack trace');
  }
});

t.test(
  'c1218 ident, read, write and proc over a socat pty (simulate ansi --serial)',
  { skip: socatMissing() },
  async (t) => {
    const pty = await startPtyPair();
    t.teardown(() => pty.cleanup());
    const meter = await startSimulator(['simulate', 'ansi', '--serial', pty.b], /\(C12\.18\)\n/);
    running.push(meter);
    t.match(meter.stdout(), new RegExp(`on serial://${pty.b} \\(C12\\.18\\)`));
    // one client at a time on the line
    const ident = await meterkit(['c1218', 'ident', '--serial', pty.a, '--optical']);
    t.equal(ident.status, 0, ident.stderr);
    t.match(ident.stdout, /^identification: identify-response\n(.*\n)* {2}std: 0\n/);
    t.match(ident.stdout, /manufacturer: MKIT/);
    const st1 = await meterkit(['c1218', 'read', '--serial', pty.a, '--json', 'ST1']);
    t.equal(st1.status, 0, st1.stderr);
    t.match(JSON.parse(st1.stdout), {
      table: 'ST1',
      decoded: { type: 'GENERAL_MFG_ID_TBL', manufacturer: 'MKIT' },
    });
    const write = await meterkit(['c1218', 'write', '--serial', pty.a, 'ST52', '--offset', '4', '1f'], {
      env: WRITER,
    });
    t.equal(write.status, 0, write.stderr);
    t.equal(write.stderr, 'meterkit: ST52: 1 octets written\n');
    const back = await meterkit(['c1218', 'read', '--serial', pty.a, '--raw', 'ST52']);
    t.match(back.stdout, /^ST52 7 octets\n000000 {2}([0-9a-f]{2} ){4}1f /);
    const proc = await meterkit(['c1218', 'proc', '--serial', pty.a, '9', '--params', '01', '--json'], {
      env: WRITER,
    });
    t.equal(proc.status, 0, proc.stderr);
    t.match(JSON.parse(proc.stdout), { procedure: 9, resultName: 'procedure-completed' });
    const end = await meter.stop();
    t.equal(end.code, 0, end.stderr);
    t.match(end.stderr, /meterkit simulate ansi: stopped \(SIGTERM\)/);
  },
);

t.test('sep walk and get: tree, JSON lines, a 404', async (t) => {
  const [walk, walkJson, get, missing] = await Promise.all([
    meterkit(['sep', 'walk', `${SEP}/dcap`]),
    meterkit(['sep', 'walk', '--json', `${SEP}/dcap`]),
    meterkit(['sep', 'get', '--json', `${SEP}/tm`]),
    meterkit(['sep', 'get', `${SEP}/nope`]),
  ]);
  t.equal(walk.status, 0, walk.stderr);
  t.match(walk.stdout, /^RESOURCE +TYPE +STATUS\n/);
  t.match(walk.stdout, /\n\/dcap +DeviceCapability +200\n/);
  t.match(walk.stdout, /\n {2}\/tm +Time +200\n/);
  t.equal(walkJson.status, 0, walkJson.stderr);
  const nodes = walkJson.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.same(nodes[0], { type: 'DeviceCapability', depth: 0, href: '/dcap', status: 200 });
  t.ok(nodes.some((n) => n['href'] === '/tm' && n['parent'] === '/dcap'));
  t.equal(get.status, 0, get.stderr);
  t.match(JSON.parse(get.stdout), { type: 'Time', status: 200, resource: { href: '/tm' } });
  t.equal(missing.status, 1);
  t.equal(
    missing.stderr,
    'meterkit: E403 rejected: GET /nope: HTTP 404 (meterkit sep walk lists the resources)\n',
  );
});

t.test('simulate ansi and sep stop on SIGTERM with exit 0', async (t) => {
  const [a, s] = await Promise.all([ansi.stop(), sep.stop()]);
  t.equal(a.code, 0, a.stderr);
  t.match(a.stderr, /meterkit simulate ansi: stopped \(SIGTERM\)/);
  t.equal(s.code, 0, s.stderr);
  t.match(s.stderr, /stopped \(SIGTERM\)/);
});
