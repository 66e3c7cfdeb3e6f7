/**
 * DLMS session scale (the DLMS sessions issue's speed section), run by hand, not in CI:
 *
 *   node --import tsx --conditions=meterkit-source bench/scale/dlms-sessions.ts [--associations 1000] [--entries 10000]
 *
 * 1. Reads a load profile of `--entries` entries from the simulator over the TCP wrapper on
 *    loopback with `DlmsClient.readProfile` and prints entries/s, splitting the time between the
 *    codec (decoding the same buffer offline) and everything else (transport, block transfer, server).
 * 2. Opens `--associations` concurrent client associations to one simulator on loopback, each
 *    reading 10 registers, and prints the wall time and the process's peak RSS (the target is under
 *    10 s and 300 MB on a 2-core machine).
 */
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_SIMULATOR_PROFILE,
  DlmsClient,
  decodeApdu,
  encodeApdu,
  entryDescriptorToData,
  MeterSimulator,
  type SimulatorProfile,
  serveWrapperTcp,
} from '@meterkit/dlms';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const ENTRIES = arg('entries', 10_000);
const ASSOCIATIONS = arg('associations', 1000);
const REGISTERS = ['1-0:1.8.0.255', '1-0:2.8.0.255', '1-0:3.8.0.255', '1-0:4.8.0.255'];

let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const profile: SimulatorProfile = DEFAULT_SIMULATOR_PROFILE;
const sim = new MeterSimulator(profile);
const server = await serveWrapperTcp(sim, { host: '127.0.0.1', port: 0 });

// 1. load profile
{
  const client = await DlmsClient.connect({
    connection: { type: 'tcp', host: '127.0.0.1', port: server.port, clientAddress: 16, logicalAddress: 1 },
    timeoutMs: 60_000,
  });
  const t0 = performance.now();
  const { rows } = await client.readProfile('1-0:99.1.0.255', { fromEntry: 1, toEntry: ENTRIES });
  const total = performance.now() - t0;
  // codec share: encode the same rows' buffer once as a get-response and time decoding it
  const buffer = await client.get('1-0:99.1.0.255', {
    classId: 7,
    attribute: 2,
    access: {
      accessSelector: 2,
      accessParameters: entryDescriptorToData({
        fromEntry: 1,
        toEntry: ENTRIES,
        fromSelectedValue: 1,
        toSelectedValue: 0,
      }),
    },
  });
  const apdu = encodeApdu({
    type: 'get-response-normal',
    invokeIdAndPriority: { invokeId: 1, serviceClass: 'confirmed', priority: 'normal' },
    result: { type: 'data', data: buffer },
  } as Parameters<typeof encodeApdu>[0]);
  const d0 = performance.now();
  decodeApdu(apdu);
  const codec = performance.now() - d0;
  process.stdout.write(
    `profile: ${rows.length} entries (${apdu.length} B) in ${total.toFixed(0)} ms = ${Math.round(
      (rows.length * 1000) / total,
    )} entries/s; codec ${codec.toFixed(1)} ms (${((codec / total) * 100).toFixed(0)} %), transport+server ${(
      total - codec
    ).toFixed(0)} ms\n`,
  );
  await client.release();
  await client.close();
}

// 2. concurrent associations
{
  const t0 = performance.now();
  let failures = 0;
  await Promise.all(
    Array.from({ length: ASSOCIATIONS }, async () => {
      try {
        const client = await DlmsClient.connect({
          connection: {
            type: 'tcp',
            host: '127.0.0.1',
            port: server.port,
            clientAddress: 16,
            logicalAddress: 1,
          },
          timeoutMs: 60_000,
        });
        for (let i = 0; i < 10; i++) await client.get(REGISTERS[i % REGISTERS.length]!, { classId: 3 });
        await client.release();
        await client.close();
      } catch (e) {
        failures++;
        if (failures === 1) process.stderr.write(`first failure: ${(e as Error).message}\n`);
      }
    }),
  );
  const wall = performance.now() - t0;
  process.stdout.write(
    `associations: ${ASSOCIATIONS} concurrent × 10 registers in ${(wall / 1000).toFixed(2)} s, ${failures} failed, peak RSS ${(
      peakRss / 1e6
    ).toFixed(0)} MB\n`,
  );
}

clearInterval(rssTimer);
await server.close();
