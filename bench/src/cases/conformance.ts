import {
  CaptureReader,
  CaptureSessionizer,
  RuleRunner,
  type RuleRunner as RuleRunnerType,
  SessionFramer,
  type SessionMessage,
} from '@meterkit/conformance';
import { fromHex, PcapngWriter, TcpStreamRecorder } from '@meterkit/core';
import { encodeWrapperPdu } from '@meterkit/dlms';
import type { BenchCase } from '../case.js';

const w = (hex: string, toServer: boolean): Uint8Array =>
  encodeWrapperPdu({
    sourceWPort: toServer ? 16 : 1,
    destinationWPort: toServer ? 1 : 16,
    payload: fromHex(hex),
  });

/** One association of the DLMS wrapper session the scale check uses: AARQ, AARE, 20 GETs with long answers, release. */
function association(channel: string): SessionMessage[] {
  const values = Array.from({ length: 60 }, (_, i) => `06${(i * 7919).toString(16).padStart(8, '0')}`).join(
    '',
  );
  const list: [string, boolean][] = [
    ['601DA109060760857405080101BE10040E01000000065F1F0400007E1F04B0', true],
    ['6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F040000501F01F40007', false],
  ];
  for (let i = 0; i < 20; i++)
    list.push(['C001C100070100630100FF0200', true], [`C401C100013c${values}`, false]);
  list.push(['6200', true], ['6300', false]);
  return list.map(([hex, toServer], i) => ({
    type: 'message',
    frame: i + 1,
    channel,
    direction: toServer ? 'client-to-server' : 'server-to-client',
    timestamp: undefined,
    protocol: 'dlms',
    bytes: w(hex, toServer),
    offset: 0,
  }));
}

const messages = [0, 1, 2, 3].flatMap((i) => association(`tcp 10.0.0.1:${50000 + i} > 10.0.0.2:4059`));
const bytes = messages.reduce((n, m) => n + m.bytes.length, 0);

/** The same four associations as a pcapng capture: one TCP connection each (SYN, data and ACKs, FIN). */
function capture(): Uint8Array {
  const parts: Uint8Array[] = [];
  const writer = new PcapngWriter((b) => parts.push(b.slice()));
  let t = 1_795_424_400_000_000_000n;
  for (let i = 0; i < 4; i++) {
    const tcp = new TcpStreamRecorder(writer, {
      client: { address: '10.0.0.1', port: 50000 + i },
      server: { address: '10.0.0.2', port: 4059 },
    });
    for (const m of association('x')) {
      t += 1_000_000n;
      tcp.record(m.direction === 'client-to-server' ? 'client-to-server' : 'server-to-client', m.bytes, t);
    }
    tcp.close(t);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const pcapng = capture();

/** Reads the capture into framed messages (pcapng blocks, IP/TCP headers, reassembly, framing). */
function frameCapture(): number {
  let n = 0;
  const framer = new SessionFramer({ message: () => n++, finished: () => undefined });
  const sessionizer = new CaptureSessionizer({
    record: (r) => framer.push(r),
    finished: (c) => framer.finished(c),
  });
  const reader = new CaptureReader();
  for (const packet of reader.push(pcapng)) sessionizer.push(packet);
  for (const packet of reader.end()) sessionizer.push(packet);
  sessionizer.end();
  framer.end();
  return n;
}

function check(runner: RuleRunnerType): number {
  for (const m of messages) runner.check(m);
  runner.finish();
  return runner.passCounts.size;
}

/**
 * Conformance rule throughput: every rule over framed DLMS wrapper messages (decode once, framing,
 * decoding, canonical re-encoding, session and security rules), PASS verdicts counted.
 */
export const cases: readonly BenchCase[] = [
  {
    name: 'conformance: pcapng to framed messages (read, TCP reassembly, framing)',
    bytesPerOp: pcapng.length,
    run: frameCapture,
  },
  {
    name: 'conformance: all rules over DLMS wrapper messages',
    bytesPerOp: bytes,
    run: () => check(new RuleRunner({ passFindings: false, onFinding: () => undefined })),
  },
  {
    name: 'conformance: all rules, PASS findings listed',
    bytesPerOp: bytes,
    baseline: 'conformance: all rules over DLMS wrapper messages',
    run: () => {
      let n = 0;
      return check(new RuleRunner({ onFinding: () => n++ })) + n;
    },
  },
];
