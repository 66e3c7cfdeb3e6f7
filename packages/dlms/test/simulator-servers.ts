/**
 * Test plumbing for client tests against the meter simulator: the simulator served on loopback
 * over the TCP wrapper (IEC 62056-4-7) and over HDLC on TCP (IEC 62056-46), and the HDLC connection
 * the client opens to it.
 */
import type { Test } from 'tap';
import type { DlmsConnection } from '../src/client/dlms-client.js';
import { serveHdlcTcp, serveWrapperTcp } from '../src/server/serve.js';
import type { MeterSimulator } from '../src/server/simulator.js';

/** The two loopback servers of one simulator. */
export interface SimulatorServers {
  readonly tcp: Awaited<ReturnType<typeof serveWrapperTcp>>;
  readonly hdlc: Awaited<ReturnType<typeof serveHdlcTcp>>;
}

/** Serves `sim` on ephemeral loopback ports over the wrapper and HDLC; both close when `t` ends. */
export async function serveSimulator(t: Test, sim: MeterSimulator): Promise<SimulatorServers> {
  const tcp = await serveWrapperTcp(sim, { port: 0 });
  const hdlc = await serveHdlcTcp(sim, { port: 0 });
  t.teardown(async () => {
    await tcp.close();
    await hdlc.close();
  });
  return { tcp, hdlc };
}

/** The HDLC-on-TCP connection to the simulator's physical address 17 from client address 1. */
export function hdlcToSimulator(port: number, logicalAddress?: number): DlmsConnection {
  return {
    type: 'hdlc-tcp',
    host: '127.0.0.1',
    port,
    clientAddress: 1,
    ...(logicalAddress === undefined ? {} : { logicalAddress }),
    physicalAddress: 17,
  };
}
