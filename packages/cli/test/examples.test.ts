// Runs every DLMS example (packages/dlms/examples) the way its header says, against `meterkit
// simulate dlms` subprocesses (TCP, and a socat pty for the optical probe), so the examples cannot
// rot: each must exit 0 and print what it promises; a dead meter gives one line and exit 3.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { socatMissing, startPtyPair } from './connection-helpers.js';
import { ROOT } from './helpers.js';
import { hasStack, type MeterkitRun, portOf, startSimulator } from './subprocess-helpers.js';

// Several Node subprocesses: allow for a loaded machine (each start compiles the sources through tsx).
t.setTimeout(600_000);

const EXAMPLES = join(ROOT, 'packages/dlms/examples');
/** tsx by file URL, so an example runs from any working directory. */
const TSX = import.meta.resolve('tsx');

const dir = mkdtempSync(join(tmpdir(), 'meterkit-examples-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `node --import tsx packages/dlms/examples/<name> <args>` in a scratch directory. */
function example(name: string, args: readonly string[] = []): Promise<MeterkitRun> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=meterkit-source', '--import', TSX, join(EXAMPLES, name), ...args],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const sim = await startSimulator(['simulate', 'dlms', '--tcp', '127.0.0.1:0'], /SAP 16/);
const PORT = String(portOf(sim.stdout(), 'tcp'));
t.teardown(() => sim.stop());

t.test('hls-gmac.ts: the management client reads name, energy and clock', async (t) => {
  const [ok, dead, usage] = await Promise.all([
    example('hls-gmac.ts', ['127.0.0.1', PORT]),
    example('hls-gmac.ts', ['127.0.0.1', '1']),
    example('hls-gmac.ts'),
  ]);
  t.equal(ok.status, 0, ok.stderr);
  t.match(ok.stdout, /"global-unicast-encryption-key":"set"/, 'the context says which keys are set');
  t.notMatch(
    ok.stdout,
    /000102030405060708090a0b0c0d0e0f|d0d1d2d3d4d5d6d7d8d9dadbdcdddedf/,
    'never their values',
  );
  t.match(ok.stdout, /\nlogical device name MKT0000000001\n/);
  t.match(ok.stdout, /1-0:1\.8\.0\.255 value \{ type: 'double-long-unsigned', value: \d+ \} scaler_unit/);
  t.match(ok.stdout, /\nclock \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d[+-]\d\d:\d\d\n$/);
  t.equal(ok.stderr, '');
  t.equal(dead.status, 3);
  t.match(dead.stderr, /^hls-gmac: E502 [^\n]*ECONNREFUSED[^\n]*\n$/, 'one line');
  t.notOk(hasStack(dead.stderr), 'no stack trace');
  t.equal(usage.status, 2);
  t.match(usage.stderr, /^usage: hls-gmac\.ts <host> \[port\]/);
});

t.test('read-meter.ts: register, clock, load profile, and session.pcapng', async (t) => {
  const r = await example('read-meter.ts', ['127.0.0.1', PORT]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^negotiated .*selective-access/);
  t.match(r.stdout, /\n1-0:1\.8\.0\.255 = \{ type: 'double-long-unsigned', value: \d+ \}\n/);
  t.match(r.stdout, /\nclock \d{4}-\d\d-\d\dT/);
  const rows = r.stdout.split('\n').filter((l) => / Wh +\d+ Wh$/.test(l));
  t.equal(rows.length, 4, 'the last four profile entries with units');
  const capture = join(dir, 'session.pcapng');
  t.ok(existsSync(capture));
  t.same([...readFileSync(capture).subarray(0, 4)], [0x0a, 0x0d, 0x0d, 0x0a], 'a pcapng section header');
});

t.test('simulator-secure.ts: HLS-ECDSA, attribute 0 and a deciphered push', async (t) => {
  const r = await example('simulator-secure.ts');
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^energy \{ type: 'double-long-unsigned', value: \d+ \}\n/);
  t.match(r.stdout, /\nclock, all attributes \{\n {2}type: 'structure'/);
  t.match(r.stdout, /\npush \{\n {2}type: 'data-notification'/);
});

t.test(
  'optical-probe.ts --no-rts over a socat pty: sign-on, HDLC, object list',
  { skip: socatMissing() },
  async (t) => {
    const pty = await startPtyPair();
    t.teardown(() => pty.cleanup());
    const meter = await startSimulator(['simulate', 'dlms', '--serial', pty.b, '--optical'], /SAP 16/);
    t.teardown(() => meter.stop());
    const r = await example('optical-probe.ts', [pty.a, '--no-rts']);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^identification \{\n {2}manufacturer: 'MKT',/);
    t.match(r.stdout, /identification: 'meterkit-sim'/);
    t.match(r.stdout, /\n11 objects\n$/);
    const withRts = await example('optical-probe.ts', [pty.a]);
    t.equal(withRts.status, 3, 'a pty has no RTS line to raise');
    t.match(withRts.stderr, /^optical-probe: E502 [^\n]*RTS[^\n]*\n$/);
    t.notOk(hasStack(withRts.stderr), 'no stack trace');
  },
);
