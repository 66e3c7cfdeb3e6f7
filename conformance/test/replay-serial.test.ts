/**
 * Live replay against a serial device (`--against serial:///dev/tty…`, IEC 62056-46 HDLC over a
 * serial line): the DLMS simulator serves HDLC on one end of a socat pty pair and the replay opens
 * the other end through `connectTarget`, as `meterkit replay --against serial://…` does.
 */
import { join } from 'node:path';
import { ErrorCode } from '@meterkit/core';
import { MeterSimulator, serveHdlcSerial } from '@meterkit/dlms';
import t from 'tap';
import { haveCommand, startPtyPair } from '../../packages/core/test/helpers/transport-socat.js';
import { RECORDING_PROFILE } from '../src/corpus/record-dlms.js';
import { Keyring } from '../src/keyring.js';
import { ReplayAdapter } from '../src/replay/adapt.js';
import { connectTarget, replayCommandMain } from '../src/replay/command.js';
import { DEFAULT_REPLAY_MASKS } from '../src/replay/compare.js';
import { replaySession } from '../src/replay/replay.js';
import { buildReplayScript } from '../src/replay/script.js';
import { frameSession } from '../src/session/frame-session.js';
import { readSession } from '../src/session/read-session.js';

const capture = join(import.meta.dirname, '..', 'corpus', 'dlms', 'sim-hdlc-public', 'capture.pcapng');
/** The simulator clock when the recording read the clock object: 2026-11-23 09:00:00.30 UTC. */
const RECORDED_CLOCK = Date.UTC(2026, 10, 23, 9, 0, 0, 300);

t.test(
  'replay of an HDLC session against the simulator on a serial line (socat pty)',
  {
    skip: haveCommand('socat')
      ? false
      : 'socat is not installed: the serial replay test needs it (apt-get install socat)',
  },
  async (t) => {
    const pty = await startPtyPair();
    t.teardown(() => pty.cleanup());
    let clock = RECORDED_CLOCK;
    const sim = new MeterSimulator(RECORDING_PROFILE, { now: () => clock });
    const served = await serveHdlcSerial(sim, { path: pty.a, baudRate: 9600 });
    t.teardown(() => served.close());
    const keys = Keyring.empty();
    const steps = await buildReplayScript(frameSession(readSession(capture)));
    t.ok(steps.length >= 5, 'SNRM, AARQ, reads, release, DISC');

    const transport = await connectTarget(`serial://${pty.b}?baud=9600`);
    let result: Awaited<ReturnType<typeof replaySession>>;
    try {
      result = await replaySession(steps, {
        transport,
        keys,
        adapter: new ReplayAdapter({ keys }),
        masks: DEFAULT_REPLAY_MASKS,
        timeoutMs: 3000,
      });
    } finally {
      await transport.close();
    }
    t.equal(
      result.verdict,
      'PASS',
      result.steps
        .filter((s) => s.verdict !== 'PASS')
        .map((s) => `${s.frame}: ${s.message ?? ''} ${s.differences.join('; ')}`)
        .join('\n'),
    );
    t.equal(result.steps.length, steps.length, 'every client frame was answered');

    // the same through the command, as `meterkit replay <capture> --against serial://…` runs it
    const command = async () => {
      let out = '';
      let err = '';
      const code = await replayCommandMain(
        { captures: [capture], against: `serial://${pty.b}?baud=9600`, timeoutMs: 3000 },
        { stdout: (s) => (out += s), stderr: (s) => (err += s) },
      );
      return { code, out, err };
    };
    const ok = await command();
    t.equal(ok.code, 0, ok.err);
    t.match(ok.out, /replay against serial:\/\/.*: PASS/);
    // a device whose clock answers another time: the clock read differs from the capture
    clock += 3_600_000;
    const bad = await command();
    t.equal(bad.code, 1);
    t.match(bad.out, /replay against serial:\/\/.*: FAIL/);
    t.match(bad.out, /frame 12: FAIL/);
  },
);

t.test('a serial URL without a path is a usage error', async (t) => {
  await t.rejects(connectTarget('serial://'), { code: ErrorCode.InvalidArgument });
  await t.rejects(connectTarget('serial:///no/such/tty?baud=9600'));
});
