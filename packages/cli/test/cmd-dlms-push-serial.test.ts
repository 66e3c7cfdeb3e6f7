import { SerialTransport } from '@meterkit/core/transport';
import { encodeHdlcFrame } from '@meterkit/dlms';
import t from 'tap';
import { DEFAULT_SIMULATOR_PROFILE, MeterSimulator } from '../src/commands/dlms-api.js';
import { ExitCode } from '../src/exit-codes.js';
import { runCli } from '../src/index.js';
import { socatMissing, startPtyPair } from './connection-helpers.js';
import { captureIo } from './helpers.js';

const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
t.teardown(() => sim.close());

/** A data-notification as the meter pushes it on a serial line: an HDLC UI frame (IEC 62056-46 §6.4.3.4). */
function uiFrame(apdu: Uint8Array): Uint8Array {
  return encodeHdlcFrame({
    type: 'ui',
    segmented: false,
    destination: { upper: 0x66, size: 1 },
    source: { upper: 1, lower: 0x11, size: 2 },
    pollFinal: false,
    llc: 'response',
    information: apdu,
  });
}

t.test(
  'push listen --serial over a socat pty: HDLC UI frames, JSON lines and text',
  { skip: socatMissing() },
  async (t) => {
    const pty = await startPtyPair();
    t.teardown(() => pty.cleanup());
    const frame = uiFrame(sim.push().apdu);
    const io = captureIo();
    const done = runCli(['dlms', 'push', 'listen', '--serial', pty.a, '--count', '2', '--json'], io);
    while (!/waiting for data-notifications on/.test(io.stderr()))
      await new Promise((r) => setTimeout(r, 10));
    const meter = new SerialTransport({ path: pty.b, baudRate: 9600, lock: false });
    await meter.open();
    t.teardown(() => meter.close());
    await meter.write(frame.subarray(0, 7));
    await new Promise((r) => setTimeout(r, 50));
    await meter.write(Buffer.concat([frame.subarray(7), Uint8Array.of(0x7e, 0x00, 0x7e), frame]));
    t.equal(await done, ExitCode.Ok, io.stderr());
    const lines = io
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { from: string; layers: { layer: string; value: { type?: string } }[] });
    t.equal(lines.length, 2, 'a frame split over writes, then line noise, then a whole frame');
    for (const l of lines) {
      t.ok(
        l.layers.some((x) => x.value.type === 'data-notification'),
        'each decodes down to the data-notification',
      );
      t.ok(
        l.layers.some((x) => /hdlc/i.test(x.layer)),
        'with its HDLC layer',
      );
    }
    t.match(io.stderr(), /2 received, stopped \(count\)/);

    const text = captureIo();
    const textDone = runCli(['dlms', 'push', 'listen', '--serial', pty.a, '--count', '1'], text);
    while (!/waiting for data-notifications on/.test(text.stderr()))
      await new Promise((r) => setTimeout(r, 10));
    await meter.write(frame);
    t.equal(await textDone, ExitCode.Ok, text.stderr());
    t.match(text.stdout(), /from .*, \d+ bytes\n/);
    t.match(text.stdout(), /data-notification/);
  },
);

t.test('push listen --serial on a missing port', async (t) => {
  const io = captureIo();
  const code = await runCli(
    ['dlms', 'push', 'listen', '--serial', '/dev/meterkit-no-such-port', '--count', '1'],
    io,
  );
  t.equal(code, ExitCode.Transport);
  t.match(io.stderr(), /^meterkit: E5\d\d .*\n$/);
});
