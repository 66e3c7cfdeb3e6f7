/**
 * Reads a meter over TCP (IEC 62056-47 wrapper): the energy register, the clock and the last day
 * of the load profile, then releases the association. Writes the session to session.pcapng.
 *
 *   node --conditions=meterkit-source --import tsx packages/dlms/examples/read-meter.ts <host> [port] [client-sap]
 *
 * Without a host it starts the built-in meter simulator on a loopback port and reads that.
 */
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { writableSink } from '@meterkit/core';
import { cosemDateTimeToIso, DEFAULT_SIMULATOR_PROFILE, DlmsClient } from '@meterkit/dlms';
import { MeterSimulator } from '../src/server/simulator.js';
import { WrapperServerPort } from '../src/server/wrapper-server-port.js';

async function simulator(): Promise<{ port: number; stop: () => void }> {
  const meter = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
  const server = createServer((socket) => {
    const port = new WrapperServerPort(meter);
    socket.on('data', (d) => {
      for (const out of port.receive(new Uint8Array(d.buffer, d.byteOffset, d.length))) socket.write(out);
    });
    socket.on('error', () => port.close());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, stop: () => server.close() };
}

const [host, portText, sapText] = process.argv.slice(2);
const sim = host === undefined ? await simulator() : undefined;
const capture = createWriteStream('session.pcapng');

const client = await DlmsClient.connect({
  connection: {
    type: 'tcp',
    host: host ?? '127.0.0.1',
    port: sim?.port ?? Number(portText ?? 4059),
    clientAddress: Number(sapText ?? 16),
  },
  capture: writableSink(capture),
  timeoutMs: 5000,
});
try {
  console.log('negotiated', client.negotiated?.conformance.join(', '));
  console.log('1-0:1.8.0.255 =', await client.get('1-0:1.8.0.255', { classId: 3 }));
  console.log('clock', cosemDateTimeToIso(await client.readClock()));
  const now = Date.now();
  const profile = await client.readProfile('1-0:99.1.0.255', {
    from: new Date(now - 86_400_000),
    to: new Date(now),
  });
  for (const row of profile.rows.slice(-4))
    console.log(
      row.cells
        .map((c) => c.time ?? (c.scaled !== undefined ? `${c.scaled} ${c.unit ?? ''}` : String(c.data.value)))
        .join('  '),
    );
  await client.release();
} finally {
  await client.close();
  capture.end();
  sim?.stop();
}
