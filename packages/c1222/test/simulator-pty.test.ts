import { execFileSync } from 'node:child_process';
import { SerialTransport } from '@meterkit/core/transport';
import t from 'tap';
import { C1218Client } from '../src/client/c1218-client.js';
import { AnsiMeter } from '../src/server/ansi-meter.js';
import { serveC1218 } from '../src/server/c1218-server.js';
import { readAnsiMeterProfile } from '../src/server/profile.js';
import { haveSocat, ptyPair, serialportInstalled } from './helpers/pty.js';

/** Polls `check` until it holds or `ms` pass (CI machines can be slow). */
async function eventually(check: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

function stty(path: string): string {
  return execFileSync('stty', ['-F', path, '-a'], { encoding: 'utf8' });
}

if (!haveSocat()) {
  t.comment('socat not installed: the C12.18 pty test is skipped (apt-get install socat)');
  t.pass('skipped: no socat');
} else if (!(await serialportInstalled())) {
  t.comment('the serialport package is not installed: the C12.18 pty test is skipped');
  t.pass('skipped: no serialport');
} else {
  t.test('C12.18 client and simulated meter over a socat pty, with a negotiated baud change', async (t) => {
    const pty = await ptyPair('meterkit-c1218-', 'probe', 'meter');
    t.teardown(() => pty.cleanup());
    const profile = await readAnsiMeterProfile(
      new URL('../profiles/ansi-meter.json', import.meta.url).pathname,
    );
    const meter = new AnsiMeter(profile);
    const meterPort = new SerialTransport({ path: pty.b, baudRate: 9600 });
    const probePort = new SerialTransport({ path: pty.a, baudRate: 9600 });
    await meterPort.open();
    const server = serveC1218(meterPort, meter, { baseBaudRate: 9600 });
    const client = new C1218Client({ port: probePort, timeouts: { responseTimeoutMs: 1000 } });
    await client.open();
    t.match(stty(pty.a), /speed 9600 baud/);
    await client.start({
      negotiate: { packetSize: 512, numberOfPackets: 4, baudRates: [10, 8] },
      logon: { userId: 1, user: 'pty', password: 'meterkit-write' },
    });
    t.equal(probePort.baudRate, 57600, 'the probe switched to the negotiated rate');
    t.match(stty(pty.a), /speed 57600 baud/, 'the kernel has the new rate');
    t.ok(await eventually(() => meterPort.baudRate === 57600), 'the meter switched after the ACK');
    t.same(await client.readTable(1), meter.tables.read(1));
    t.same(await client.readTable(64), meter.tables.read(64), 'multi-packet over the pty');
    const res = await client.runProcedure({
      type: 'remote-reset',
      actionFlag: { demandResetFlag: true, selfReadFlag: false, seasonChangeFlag: false, newSeason: 0 },
    });
    t.equal(res.resultCode, 0);
    t.equal(meter.demandResets, 1);
    await client.end();
    t.ok(
      await eventually(() => meterPort.baudRate === 9600),
      'terminate put the meter back to its base rate',
    );
    server.stop();
    await probePort.close();
    await meterPort.close();
  });
}
