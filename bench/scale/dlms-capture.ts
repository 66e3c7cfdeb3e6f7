/**
 * Writes a pcapng of DLMS wrapper traffic (IEC 62056-47) of a requested size, for the conformance
 * scale check: a few associations are played against the meter simulator (AARQ, GETs of the
 * registers, the clock and a load-profile range of 12 to 96 entries, in blocks when longer than the
 * negotiated PDU, release) and the simulator's answers recorded;
 * those exchanges are then repeated over many TCP connections (one port each, SYN to FIN) until the
 * file has the size asked for. The file streams to disk; nothing grows with its size.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { fromHex, LinkType, PcapngWriter, TcpStreamRecorder } from '@meterkit/core';
import { DEFAULT_SIMULATOR_PROFILE, encodeWrapperPdu, MeterSimulator } from '@meterkit/dlms';

/** One recorded exchange: wrapper PDUs in capture order, each with its direction. */
export type Exchange = readonly (readonly [bytes: Uint8Array, toServer: boolean])[];

const CLIENT_SAP = 16;
const LOGICAL_DEVICE = 1;

function wrap(apdu: Uint8Array, toServer: boolean): Uint8Array {
  return encodeWrapperPdu({
    sourceWPort: toServer ? CLIENT_SAP : LOGICAL_DEVICE,
    destinationWPort: toServer ? LOGICAL_DEVICE : CLIENT_SAP,
    payload: apdu,
  });
}

/** A GET-Request-Normal (IEC 62056-5-3 §9.3.3) of one attribute, optionally with entry-range selective access. */
function getRequest(
  invokeId: number,
  classId: number,
  obis: string,
  attribute: number,
  range?: number,
): string {
  const iid = (0xc0 | (invokeId & 0x0f)).toString(16);
  const cls = classId.toString(16).padStart(4, '0');
  const access =
    range === undefined ? '00' : `01020204060000000106${range.toString(16).padStart(8, '0')}120001120000`;
  return `c001${iid}${cls}${obis}${attribute.toString(16).padStart(2, '0')}${access}`;
}

/**
 * Plays `variants` associations against a fresh simulator and returns what went over the wire.
 * Each variant reads the four energy registers, the clock and a load-profile range of a different
 * length (12, 24, 48, 96 quarter-hours), so the messages vary in size like a head-end's daily polling.
 */
export function recordSimulatorExchanges(variants = 4): Exchange[] {
  const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
  const out: Exchange[] = [];
  for (let v = 0; v < variants; v++) {
    const session = sim.createSession(CLIENT_SAP, LOGICAL_DEVICE);
    if (session === undefined) throw new Error('the simulator has no public association');
    const requests = [
      '601da109060760857405080101be10040e01000000065f1f0400007e1f04b0',
      getRequest(1, 3, '0100010800ff', 2),
      getRequest(2, 3, '0100020800ff', 2),
      getRequest(3, 3, '0100030800ff', 2),
      getRequest(4, 3, '0100040800ff', 2),
      getRequest(5, 8, '0000010000ff', 2),
      getRequest(6, 7, '0100630100ff', 2, 12 << v),
      getRequest(7, 3, '0100010800ff', 3),
      '6200',
    ];
    const exchange: [Uint8Array, boolean][] = [];
    for (const hex of requests) {
      let request = fromHex(hex);
      for (;;) {
        exchange.push([wrap(request, true), true]);
        const answers = session.handle(request);
        for (const answer of answers) exchange.push([wrap(answer, false), false]);
        // a long answer comes in blocks (GET-Response-With-Datablock, §9.3.3): ask for the next one
        const last = answers[answers.length - 1];
        if (last === undefined || last[0] !== 0xc4 || last[1] !== 0x02 || last[3] !== 0x00) break;
        const block = Buffer.from(last.subarray(4, 8)).toString('hex');
        request = fromHex(`c002${last[2]!.toString(16).padStart(2, '0')}${block}`);
      }
    }
    out.push(exchange);
  }
  sim.close();
  return out;
}

/** Options of `writeDlmsCapture`. */
export interface DlmsCaptureOptions {
  /** The exchanges to repeat (default: four recorded from the simulator). */
  readonly exchanges?: readonly Exchange[];
  /**
   * Keep this many connections open for the whole capture, the exchanges interleaved over them,
   * instead of one connection per exchange (default): many messages per channel, few channels.
   */
  readonly connections?: number;
}

/**
 * Writes at least `targetBytes` of capture to `path` (SYN, data with ACKs, FIN per connection;
 * 1 ms between messages) and returns the number of bytes written.
 */
export function writeDlmsCapture(
  path: string,
  targetBytes: number,
  options: DlmsCaptureOptions = {},
): number {
  const exchanges = options.exchanges ?? recordSimulatorExchanges();
  const fd = openSync(path, 'w');
  let written = 0;
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = (): void => {
    if (pendingBytes === 0) return;
    const all = new Uint8Array(pendingBytes);
    let at = 0;
    for (const b of pending) {
      all.set(b, at);
      at += b.length;
    }
    writeSync(fd, all);
    pending.length = 0;
    pendingBytes = 0;
  };
  const writer = new PcapngWriter((b) => {
    pending.push(b.slice());
    pendingBytes += b.length;
    written += b.length;
    if (pendingBytes >= 1 << 20) flush();
  });
  // one interface for every connection (a recorder would otherwise add its own each time)
  const interfaceId = writer.addInterface({ linkType: LinkType.RAW, name: 'dlms-scale' });
  let t = 1_795_424_400_000_000_000n;
  let n = 0;
  const open = (i: number): TcpStreamRecorder => {
    const port = 1024 + (i % 60_000);
    const host = 1 + Math.floor(i / 60_000);
    return new TcpStreamRecorder(writer, {
      client: { address: `10.${(host >> 8) & 255}.${host & 255}.1`, port },
      server: { address: '10.255.0.2', port: 4059 },
      interfaceId,
    });
  };
  const lasting = Array.from({ length: options.connections ?? 0 }, (_, i) => open(i));
  try {
    while (written < targetBytes) {
      const tcp = lasting.length > 0 ? lasting[n % lasting.length]! : open(n);
      for (const [bytes, toServer] of exchanges[n % exchanges.length]!) {
        t += 1_000_000n;
        tcp.record(toServer ? 'client-to-server' : 'server-to-client', bytes, t);
      }
      if (lasting.length === 0) tcp.close(t);
      n++;
    }
    for (const tcp of lasting) tcp.close(t);
    flush();
  } finally {
    closeSync(fd);
  }
  return written;
}
