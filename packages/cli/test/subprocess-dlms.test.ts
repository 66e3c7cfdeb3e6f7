// The real `meterkit` command as a subprocess against a `meterkit simulate dlms` subprocess on
// loopback (TCP and UDP): every DLMS command with its human, --json and --csv output, stderr hints
// and exit codes; decode, replay of a `--capture out.jsonl` session, completion; a meter that stops
// answering mid-profile; unreadable key files.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { hasStack, meterkit, portOf, startSimulator } from './subprocess-helpers.js';

const EK = '000102030405060708090a0b0c0d0e0f';
const AK = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
/** The management client of the built-in profile: HLS-GMAC with the published test keys. */
const MANAGEMENT = ['--client-sap', '1', '--auth', 'hls-gmac'];
const KEYS = { METERKIT_KEY_EK: EK, METERKIT_KEY_AK: AK };

// Many Node subprocesses: allow for a loaded machine (each start compiles the sources through tsx).
t.setTimeout(600_000);

const dir = mkdtempSync(join(tmpdir(), 'meterkit-subprocess-dlms-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const sim = await startSimulator(
  ['simulate', 'dlms', '--tcp', '127.0.0.1:0', '--udp', '127.0.0.1:0'],
  /SAP 16/,
);
const TCP = `127.0.0.1:${portOf(sim.stdout(), 'tcp')}`;
const UDP = `127.0.0.1:${portOf(sim.stdout(), 'udp')}`;
let stopped = false;
t.teardown(async () => {
  if (!stopped) await sim.stop();
});

t.test('simulate dlms: the listening line names the addresses and the associations', async (t) => {
  t.match(
    sim.stdout(),
    /meterkit default meter listening on tcp:\/\/127\.0\.0\.1:\d+ \(wrapper\), udp:\/\/127\.0\.0\.1:\d+ \(wrapper\)/,
  );
  t.match(sim.stdout(), /associations: SAP 16 public, SAP 1 management, SAP 32 reader/);
});

t.test('dlms info: table, JSON, CSV', async (t) => {
  const [human, json, csv] = await Promise.all([
    meterkit(['dlms', 'info', '--tcp', TCP]),
    meterkit(['dlms', 'info', '--tcp', TCP, '--json']),
    meterkit(['dlms', 'info', '--udp', UDP, '--csv']),
  ]);
  t.equal(human.status, 0, human.stderr);
  t.match(human.stdout, /^dlms version: 6\nmax PDU size: 1024\n/);
  t.match(human.stdout, /1-0:99\.1\.0\.255 +7 Profile generic +Load profile 1 +1:r 2:r/);
  t.equal(human.stderr, '');
  t.equal(json.status, 0, json.stderr);
  const info = JSON.parse(json.stdout) as {
    association: { dlmsVersion: number; conformance: string[] };
    objects: { logicalName: string; classId: number }[];
  };
  t.equal(info.association.dlmsVersion, 6);
  t.ok(info.association.conformance.includes('selective-access'));
  t.match(
    info.objects.find((o) => o.logicalName === '1-0:1.8.0.255'),
    { logicalName: '1-0:1.8.0.255', classId: 3, className: 'Register' },
    'the energy register is a Register',
  );
  t.equal(csv.status, 0, csv.stderr);
  const rows = csv.stdout.split('\r\n');
  t.equal(rows[0], 'obis,class,version,class_name,name,attributes');
  t.ok(
    rows.includes('1-0:1.8.0.255,3,0,Register,"Active energy+ (QI+QIV), time integral 1, total",1:r 2:r 3:r'),
  );
  t.equal(rows.at(-1), '', 'CRLF after the last record');
});

t.test('dlms get: scaled with unit in a table, JSON lines, CSV; over TCP and UDP', async (t) => {
  const [human, json, csv, udp] = await Promise.all([
    meterkit(['dlms', 'get', '--tcp', TCP, '1-0:1.8.0.255']),
    meterkit(['dlms', 'get', '--tcp', TCP, '--json', '1-0:1.8.0.255', '0-0:42.0.0.255']),
    meterkit(['dlms', 'get', '--tcp', TCP, '--csv', '1-0:1.8.0.255', '0-0:1.0.0.255']),
    meterkit(['dlms', 'get', '--udp', UDP, '--json', '1-0:2.8.0.255']),
  ]);
  t.equal(human.status, 0, human.stderr);
  t.match(
    human.stdout,
    /1-0:1\.8\.0\.255 +Active energy\+ \(QI\+QIV\), time integral 1, total +2 value +\d+ +Wh/,
  );
  t.equal(json.status, 0, json.stderr);
  const lines = json.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.equal(lines.length, 2, 'one JSON line per OBIS');
  t.match(lines[0], { obis: '1-0:1.8.0.255', unit: 'Wh', attribute: 2, classId: 3 });
  t.type(lines[0]?.['scaled'], 'number');
  t.match(lines[1], { obis: '0-0:42.0.0.255', classId: 1, data: { type: 'octet-string' } });
  t.equal(csv.status, 0, csv.stderr);
  const records = csv.stdout.split('\r\n');
  t.equal(records[0], 'obis,class,attribute,value,unit');
  t.match(records[1], /^1-0:1\.8\.0\.255,3,2,\d+,Wh$/);
  t.match(records[2], /^0-0:1\.0\.0\.255,8,2,\d{4}-\d\d-\d\dT[\d:.]+[+-]\d\d:\d\d,$/);
  t.equal(udp.status, 0, udp.stderr);
  t.match(JSON.parse(udp.stdout), { obis: '1-0:2.8.0.255', unit: 'Wh' });
});

t.test('dlms get failures: unknown OBIS 1, malformed OBIS 2, dead port 3, wrong key 4', async (t) => {
  const [unknown, malformed, dead, wrongKey] = await Promise.all([
    meterkit(['dlms', 'get', '--tcp', TCP, '1-0:9.9.9.255']),
    meterkit(['dlms', 'get', '--tcp', TCP, '1-0:1.8']),
    meterkit(['dlms', 'get', '--tcp', '127.0.0.1:1', '--retries', '0', '1-0:1.8.0.255']),
    meterkit([
      'dlms',
      'get',
      '--tcp',
      TCP,
      ...MANAGEMENT,
      '--key',
      `ek=${EK}`,
      '--key',
      `ak=${EK}`,
      '1-0:1.8.0.255',
    ]),
  ]);
  t.equal(unknown.status, 1, unknown.stderr);
  t.equal(malformed.status, 2, malformed.stderr);
  t.equal(dead.status, 3, dead.stderr);
  t.match(dead.stderr, /nothing is listening at tcp:\/\/127\.0\.0\.1:1/);
  t.equal(wrongKey.status, 4, wrongKey.stderr);
  t.notMatch(wrongKey.stderr, new RegExp(EK), 'keys are never echoed');
  for (const r of [unknown, malformed, dead, wrongKey]) {
    t.equal(r.stdout, '');
    t.match(r.stderr, /^meterkit: .+\n(Try 'meterkit --help'\.\n)?$/, 'one line (plus the usage pointer)');
    t.notOk(hasStack(r.stderr), 'no stack trace');
  }
});

t.test('dlms set and action (management client), and a refused set', async (t) => {
  const denied = await meterkit(['dlms', 'set', '--tcp', TCP, '0-0:96.10.1.255', '--type', 'unsigned', '3']);
  t.equal(denied.status, 1);
  t.match(denied.stderr, /read-write-denied/);
  const set = await meterkit(
    ['dlms', 'set', '--tcp', TCP, ...MANAGEMENT, '0-0:96.10.1.255', '--type', 'unsigned', '7'],
    {
      env: KEYS,
    },
  );
  t.equal(set.status, 0, set.stderr);
  t.match(set.stderr, /0-0:96\.10\.1\.255 attribute 2 set/);
  const read = await meterkit(['dlms', 'get', '--tcp', TCP, '--json', '0-0:96.10.1.255']);
  t.match(JSON.parse(read.stdout), { data: { type: 'unsigned', value: 7 } });
  const json = await meterkit(
    ['dlms', 'set', '--tcp', TCP, ...MANAGEMENT, '0-0:96.10.1.255', '{"unsigned": 0}'],
    {
      env: KEYS,
    },
  );
  t.equal(json.status, 0, json.stderr);
  const action = await meterkit(
    [
      'dlms',
      'action',
      '--tcp',
      TCP,
      ...MANAGEMENT,
      '0-0:96.3.10.255',
      '2',
      '--param',
      '0',
      '--type',
      'integer',
    ],
    { env: KEYS },
  );
  t.equal(action.status, 0, action.stderr);
  t.match(action.stdout, /method 2: ok/);
});

t.test('dlms profile: table, CSV, JSON lines; clock; disconnect', async (t) => {
  const [table, csv, json, clock, clockJson, disc, discJson] = await Promise.all([
    meterkit(['dlms', 'profile', '--tcp', TCP, '--entries', '4', '--chart', '1-0:99.1.0.255']),
    meterkit(['dlms', 'profile', '--tcp', TCP, '--entries', '5', '--chunk', '2', '--csv', '1-0:99.1.0.255']),
    meterkit(['dlms', 'profile', '--tcp', TCP, '--entries', '3', '--json', '1-0:99.1.0.255']),
    meterkit(['dlms', 'clock', '--tcp', TCP]),
    meterkit(['dlms', 'clock', '--tcp', TCP, '--json']),
    meterkit(['dlms', 'disconnect', '--tcp', TCP]),
    meterkit(['dlms', 'disconnect', '--tcp', TCP, '--json']),
  ]);
  t.equal(table.status, 0, table.stderr);
  t.match(
    table.stdout,
    /0-0:1\.0\.0\.255 +0-0:96\.10\.1\.255 +1-0:1\.8\.0\.255 \[Wh\] +1-0:2\.8\.0\.255 \[Wh\]/,
  );
  t.match(table.stdout, /4 entries of 1-0:99\.1\.0\.255 \(Load profile 1\)/);
  t.match(table.stdout, /┤/, 'the chart');
  t.equal(table.stderr, '', 'no progress bar off a terminal');
  t.equal(csv.status, 0, csv.stderr);
  const records = csv.stdout.split('\r\n');
  t.equal(records.length, 7, 'header, five rows, and the final CRLF');
  t.equal(records[0], '0-0:1.0.0.255,0-0:96.10.1.255,1-0:1.8.0.255 [Wh],1-0:2.8.0.255 [Wh]');
  for (const r of records.slice(1, 6)) t.match(r, /^\d{4}-\d\d-\d\dT[\d:.+-]+,\d+,\d+,\d+$/);
  t.equal(json.status, 0, json.stderr);
  const rows = json.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { values: { obis: string }[] });
  t.equal(rows.length, 3);
  t.same(
    rows[0]?.values.map((v) => v.obis),
    ['0-0:1.0.0.255', '0-0:96.10.1.255', '1-0:1.8.0.255', '1-0:2.8.0.255'],
  );
  t.equal(clock.status, 0, clock.stderr);
  t.match(clock.stdout, /^time: +\d{4}-\d\d-\d\dT.*\ndrift: +[-\d.]+ s .*\nstatus: ok\n$/);
  const c = JSON.parse(clockJson.stdout) as { obis: string; driftMs: number };
  t.equal(c.obis, '0-0:1.0.0.255');
  t.ok(Math.abs(c.driftMs) < 10_000, 'the simulator runs on this clock');
  t.equal(disc.status, 0, disc.stderr);
  t.equal(discJson.status, 0, discJson.stderr);
  t.equal(clockJson.status, 0, clockJson.stderr);
  t.match(disc.stdout, /^output: +connected \(supply on\)\ncontrol: connected\n$/);
  t.same(JSON.parse(discJson.stdout), {
    controlState: { name: 'connected', value: 1 },
    obis: '0-0:96.3.10.255',
    outputState: true,
  });
});

t.test('--capture out.jsonl writes a JSONL session that replay reads back', async (t) => {
  const file = join(dir, 'session.jsonl');
  const get = await meterkit(['dlms', 'get', '--tcp', TCP, '--capture', file, '1-0:1.8.0.255']);
  t.equal(get.status, 0, get.stderr);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  t.same(JSON.parse(lines[0] ?? ''), { meterkit: 'session', version: 1, role: 'client' });
  const records = lines.slice(1).map((l) => JSON.parse(l) as Record<string, string>);
  t.ok(records.length >= 4, 'association, get and release, both ways');
  t.match(records[0], { dir: 'tx', channel: `tcp://${TCP}`, protocol: 'dlms', hex: /^00010010000100/ });
  t.match(records[1], { dir: 'rx', hex: /^000100010010/ });
  t.match(records[0]?.['t'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  const replay = await meterkit(['replay', file]);
  t.equal(replay.status, 0, replay.stdout + replay.stderr);
  t.match(replay.stdout, /PASS: \d+ pass, 0 fail/);
  const pcapng = join(dir, 'session.pcapng');
  const other = await meterkit(['dlms', 'get', '--udp', UDP, '--capture', pcapng, '1-0:1.8.0.255']);
  t.equal(other.status, 0, other.stderr);
  t.same([...readFileSync(pcapng).subarray(0, 4)], [0x0a, 0x0d, 0x0d, 0x0a], 'other names stay pcapng');
});

t.test('decode, completion', async (t) => {
  const [human, json, bad, completion] = await Promise.all([
    meterkit(['decode', '7ea0070321930f017e']),
    meterkit(['decode', '--json', '-'], { input: '0001000100010046db08' }),
    meterkit(['decode', '7e a0 zz']),
    meterkit(['completion']),
  ]);
  t.equal(human.status, 0, human.stderr);
  t.match(human.stdout, /^dlms\n {2}hdlc/);
  t.equal(json.status, 1, 'a truncated wrapper PDU');
  t.equal(bad.status, 1);
  t.equal(bad.stderr, "meterkit: E210 hex-invalid at offset 6: 'z' is not a hex digit\n");
  t.equal(completion.status, 0, completion.stderr);
  t.match(completion.stdout, /###-begin-meterkit-completions-###/);
  t.match(completion.stdout, /meterkit --get-yargs-completions/);
});

/**
 * A TCP proxy to the simulator that, on the `after`-th load profile read (a get-request with
 * selective access to attribute 2 of 1-0:99.1.0.255), stops forwarding (`stall`: the meter goes
 * quiet) or drops both connections (`kill`: the meter goes away).
 */
async function flakyProxy(after: number, mode: 'stall' | 'kill'): Promise<{ server: Server; port: number }> {
  const pattern = Buffer.from('00070100630100ff0201', 'hex');
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const meter = connect(Number(TCP.split(':')[1]), '127.0.0.1');
    sockets.push(client, meter);
    let reads = 0;
    let dead = false;
    client.on('data', (d: Buffer) => {
      if (dead) return;
      if (d.includes(pattern) && ++reads >= after) {
        dead = true;
        if (mode === 'kill') {
          client.destroy();
          meter.destroy();
        }
        return;
      }
      meter.write(d);
    });
    meter.on('data', (d: Buffer) => {
      if (!dead) client.write(d);
    });
    client.on('error', () => meter.destroy());
    meter.on('error', () => client.destroy());
    client.on('close', () => meter.destroy());
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

t.test('a meter that stops answering mid-profile: exit 3, one hint, the rows read so far', async (t) => {
  const stall = await flakyProxy(4, 'stall');
  const kill = await flakyProxy(3, 'kill');
  t.teardown(() => {
    stall.server.close();
    kill.server.close();
  });
  const profile = (port: number, format: string) =>
    meterkit([
      'dlms',
      'profile',
      '--tcp',
      `127.0.0.1:${port}`,
      '--entries',
      '40',
      '--chunk',
      '5',
      '--timeout',
      '3000',
      '--retries',
      '0',
      format,
      '1-0:99.1.0.255',
    ]);
  const [csv, json, killed] = await Promise.all([
    profile(stall.port, '--csv'),
    profile(stall.port, '--json'),
    profile(kill.port, '--csv'),
  ]);
  t.equal(csv.status, 3, csv.stderr);
  t.match(
    csv.stderr,
    /^meterkit: E500 [^\n]*\(the meter stopped answering mid-session: [^\n]*--timeout[^\n]*\)\n$/,
  );
  const records = csv.stdout.split('\r\n');
  t.equal(records.at(-1), '', 'the last row is complete (CRLF)');
  t.equal(records.length, 1 + 15 + 1, 'the header and the three chunks answered');
  t.equal(records[0], '0-0:1.0.0.255,0-0:96.10.1.255,1-0:1.8.0.255 [Wh],1-0:2.8.0.255 [Wh]');
  for (const r of records.slice(1, -1)) t.match(r, /^\d{4}-\d\d-\d\dT[\d:.+-]+,\d+,\d+,\d+$/);
  t.equal(json.status, 3, json.stderr);
  t.ok(json.stdout.endsWith('\n'));
  const rows = json.stdout.trimEnd().split('\n');
  t.equal(rows.length, 15);
  for (const r of rows) t.match(JSON.parse(r), { values: [{ obis: '0-0:1.0.0.255' }] });
  t.equal(killed.status, 3, killed.stderr);
  t.match(killed.stderr, /^meterkit: E50\d [^\n]*stopped answering[^\n]*\n$/);
  t.equal(
    killed.stdout.split('\r\n').length,
    1 + 10 + 1,
    'two chunks were answered before the meter went away',
  );
  for (const r of [csv, json, killed]) t.notOk(hasStack(r.stderr), 'no stack trace');
});

t.test('unreadable key files: exit 2 with a hint, no stack trace, no key', async (t) => {
  const keyDir = join(dir, 'keys');
  mkdirSync(keyDir);
  const locked = join(dir, 'locked.toml');
  writeFileSync(locked, `[meter.lab]\ntcp = "${TCP}"\n[meter.lab.keys]\nek = "${EK}"\n`, { mode: 0o600 });
  chmodSync(locked, 0o000);
  const runs = await Promise.all([
    meterkit([
      'dlms',
      'get',
      '--tcp',
      TCP,
      ...MANAGEMENT,
      '--key',
      'ek=@/nonexistent',
      '--key',
      `ak=${AK}`,
      '1-0:1.8.0.255',
    ]),
    meterkit([
      'dlms',
      'get',
      '--tcp',
      TCP,
      ...MANAGEMENT,
      '--key',
      `ek=@${keyDir}`,
      '--key',
      `ak=${AK}`,
      '1-0:1.8.0.255',
    ]),
    meterkit(['dlms', 'info', '--keyring', keyDir, '--meter', 'lab']),
    meterkit(['dlms', 'info', '--keyring', locked, '--meter', 'lab']),
  ]);
  const [missing, directory, keyringDir, lockedRun] = runs;
  t.match(
    missing?.stderr,
    /^meterkit: E602 input-unreadable: --key ek: cannot read \/nonexistent: ENOENT \(check the path and its permissions; the file holds the key as hex\)\n$/,
  );
  t.match(directory?.stderr, /--key ek: cannot read .*keys: EISDIR \(check the path/);
  t.match(
    keyringDir?.stderr,
    /^meterkit: E602 input-unreadable: cannot read keyring .*keys: EISDIR \(check the path and its permissions, or pass --keyring FILE\)\n$/,
  );
  for (const r of [missing, directory, keyringDir]) {
    t.equal(r?.status, 2, r?.stderr);
    t.equal(r?.stdout, '');
    t.notOk(hasStack(r?.stderr ?? ''));
  }
  if (process.getuid?.() === 0) {
    // root reads a mode-000 file anyway (so EACCES cannot be provoked here): the keyring loads
    t.equal(lockedRun?.status, 0, lockedRun?.stderr);
    t.match(lockedRun?.stdout, /^dlms version: 6/, 'the profile gave the address');
  } else {
    t.equal(lockedRun?.status, 2, lockedRun?.stderr);
    t.match(
      lockedRun?.stderr,
      /cannot read keyring .*locked\.toml: EACCES \(check the path and its permissions/,
    );
  }
  for (const r of runs) t.notMatch(r.stderr, new RegExp(EK), 'the key is never printed');
});

t.test('simulate dlms stops on SIGTERM with exit 0', async (t) => {
  stopped = true;
  const end = await sim.stop();
  t.equal(end.code, 0, end.stderr);
  t.match(end.stderr, /meterkit simulate dlms: stopped \(SIGTERM\)/);
  const gone = await meterkit(['dlms', 'get', '--tcp', TCP, '--retries', '0', '1-0:1.8.0.255']);
  t.equal(gone.status, 3, 'nothing listens any more');
});
