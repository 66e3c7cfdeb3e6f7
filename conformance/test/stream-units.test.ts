import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writeDlmsCapture } from '../../bench/scale/dlms-capture.js';
import type { CapturePacket } from '../src/input/capture-packet.js';
import { CaptureReader } from '../src/input/capture-reader.js';
import { frameStream } from '../src/reassembly/frame-stream.js';
import { type TcpFlowEvent, TcpReassembler } from '../src/reassembly/tcp.js';
import { TcpControl } from '../src/reassembly/tcp-direction.js';
import { readCaptureMessages } from '../src/session/capture-messages.js';
import { RETIRE_AFTER, SessionFramer, type SessionMessage } from '../src/session/frame-session.js';
import type { SessionRecord } from '../src/session/record.js';

const { SYN, ACK, FIN, RST } = TcpControl;

/** A TCP packet between 10.0.0.1:`port` (client) and 10.0.0.2:4059. */
function packet(
  frame: number,
  port: number,
  fromClient: boolean,
  seq: number,
  flags: number,
  payload: Uint8Array = new Uint8Array(0),
  timestamp = BigInt(frame) * 1_000_000n,
): CapturePacket {
  const a = { address: '10.0.0.1', port };
  const b = { address: '10.0.0.2', port: 4059 };
  const [src, dst] = fromClient ? [a, b] : [b, a];
  return {
    frameNumber: frame,
    timestamp,
    interfaceId: 0,
    linkType: 101,
    originalLength: 40 + payload.length,
    data: payload,
    fileOffset: 0,
    comments: [],
    ip: {
      version: 4,
      source: src.address,
      destination: dst.address,
      protocol: 6,
      ttl: 64,
      headerLength: 20,
      totalLength: 40 + payload.length,
      identification: 0,
      fragment: false,
      truncated: false,
      checksumOk: true,
    },
    tcp: {
      sourcePort: src.port,
      destinationPort: dst.port,
      seq,
      ack: 0,
      flags,
      window: 65535,
      headerLength: 20,
      checksum: 0,
      checksumOk: true,
    },
    payload,
  };
}

/** SYN, SYN-ACK, one byte each way, FIN each way: a whole connection. */
function connection(frame: number, port: number, close: number = FIN): CapturePacket[] {
  const one = Uint8Array.of(1);
  return [
    packet(frame, port, true, 100, SYN),
    packet(frame + 1, port, false, 500, SYN | ACK),
    packet(frame + 2, port, true, 101, ACK, one),
    packet(frame + 3, port, false, 501, ACK, one),
    packet(frame + 4, port, true, 102, close | ACK),
    packet(frame + 5, port, false, 502, close | ACK),
  ];
}

class Collect {
  events: TcpFlowEvent[] = [];
  finished: string[] = [];
  event(e: TcpFlowEvent): void {
    this.events.push(e);
  }
  finishedFlow(channel: string): void {
    this.finished.push(channel);
  }
  sink() {
    return { event: (e: TcpFlowEvent) => this.event(e), finished: (c: string) => this.finishedFlow(c) };
  }
}

const channelOf = (port: number) => `tcp 10.0.0.1:${port} > 10.0.0.2:4059`;

t.test('closed flows are dropped once more than closedFlowsKept are held', async (t) => {
  const r = new TcpReassembler({ closedFlowsKept: 1 });
  const c = new Collect();
  const sink = c.sink();
  for (const [i, port] of [50001, 50002, 50003].entries())
    for (const p of connection(1 + 6 * i, port)) r.pushInto(p, sink);
  t.same(c.finished, [channelOf(50001), channelOf(50002)]);
  t.equal(r.flowCount, 1);
  t.equal(c.events.filter((e) => e.event.type === 'data').length, 6);
  // the capture ends: the last flow is flushed, not reported finished
  r.endInto(99, undefined, sink);
  t.same(c.finished, [channelOf(50001), channelOf(50002)]);
  t.equal(r.flowCount, 0);
  t.equal(r.summaries().length, 3);
});

t.test('a reset flow is dropped at once; the finished ring keeps the last maxFlows summaries', async (t) => {
  const r = new TcpReassembler({ maxFlows: 2 });
  const c = new Collect();
  for (const [i, port] of [50001, 50002, 50003].entries())
    for (const p of connection(1 + 6 * i, port, RST)) r.pushInto(p, c.sink());
  t.same(c.finished, [channelOf(50001), channelOf(50002), channelOf(50003)]);
  t.equal(r.flowCount, 0);
  t.same(
    r.summaries().map((s) => s.channel),
    [channelOf(50002), channelOf(50003)],
  );
});

t.test('flows idle longer than idleTimeoutNs in capture time are flushed and dropped', async (t) => {
  const r = new TcpReassembler({ idleTimeoutNs: 1_000_000_000n });
  const c = new Collect();
  const sink = c.sink();
  // a flow with a hole that never fills, then a busy flow for long enough to sweep
  r.pushInto(packet(1, 50001, true, 100, SYN), sink);
  r.pushInto(packet(2, 50001, true, 105, ACK, Uint8Array.of(9)), sink);
  r.pushInto(packet(3, 50002, true, 100, SYN), sink);
  for (let i = 0; i < 1100; i++)
    r.pushInto(
      packet(4 + i, 50002, true, 101 + i, ACK, Uint8Array.of(i & 255), 2_000_000_000n + BigInt(i)),
      sink,
    );
  t.same(c.finished, [channelOf(50001)]);
  const idle = c.events.filter((e) => e.channel === channelOf(50001));
  t.same(
    idle.map((e) => e.event.type),
    ['gap', 'data'],
    'the hole is reported as a gap and the held byte delivered',
  );
  t.equal(idle[0]!.event.type === 'gap' && idle[0]!.event.gap.reason, 'flow-evicted');
  // a new packet on the idle flow's ports starts a new flow
  r.pushInto(packet(2000, 50001, true, 106, ACK, Uint8Array.of(7), 2_000_002_000n), sink);
  t.equal(r.flowCount, 2);
});

const wrapper = (n: number): Uint8Array => {
  const b = new Uint8Array(8 + n).fill(0xc4);
  b.set([0, 1, 0, 1, 0, 16, n >> 8, n & 255]);
  return b;
};

t.test('the framer cuts in place, buffers only a cut message, and lets a large buffer go', async (t) => {
  const f = frameStream('dlms-wrapper');
  const two = new Uint8Array(40);
  two.set(wrapper(12), 0);
  two.set(wrapper(12), 20);
  const frames = f.push(two);
  t.same(
    frames.map((x) => [x.type, x.offset, x.bytes.length]),
    [
      ['frame', 0, 20],
      ['frame', 20, 20],
    ],
  );
  two.fill(0);
  t.equal(frames[0]!.bytes[0], 0, 'frames are copies of the pushed bytes');
  t.equal(frames[0]!.bytes[1], 1);
  // a C12.22 APDU of 100 000 octets (BER length in 3 octets), cut by segment boundaries
  const acse = frameStream('c1222');
  const big = new Uint8Array(100_005).fill(0x42);
  big.set([0x60, 0x83, 0x01, 0x86, 0xa0]);
  t.same(acse.push(big.subarray(0, 30_000)), []);
  t.equal(acse.buffered, 30_000);
  t.same(acse.push(big.subarray(30_000, 70_000)), []);
  const rest = acse.push(big.subarray(70_000));
  t.same(
    rest.map((x) => [x.type, x.offset, x.bytes.length]),
    [['frame', 0, 100_005]],
  );
  t.equal(acse.buffered, 0);
  // a cut message is reported when the stream ends
  t.same(acse.push(big.subarray(0, 10)), []);
  t.same(
    acse.end().map((x) => [x.type, x.offset, x.bytes.length]),
    [['discarded', 100_005, 10]],
  );
  t.same(f.end(), []);
});

t.test('finished channels are retired after RETIRE_AFTER more, leftovers first', async (t) => {
  const messages: SessionMessage[] = [];
  const ended: string[] = [];
  const framer = new SessionFramer({ message: (m) => messages.push(m), finished: (c) => ended.push(c) });
  const record = (channel: string, frame: number, bytes: Uint8Array): SessionRecord => ({
    frame,
    channel,
    direction: 'client-to-server',
    timestamp: undefined,
    protocol: 'dlms',
    bytes,
  });
  framer.push(record('tcp a', 1, wrapper(4).subarray(0, 6)));
  framer.finished('tcp a');
  // a channel that finished and came back is not retired
  framer.push(record('tcp b', 2, wrapper(4)));
  framer.finished('tcp b');
  framer.push(record('tcp b', 3, wrapper(4)));
  for (let i = 0; i < RETIRE_AFTER; i++) framer.finished(`tcp idle ${i}`);
  t.same(ended, ['tcp a', 'tcp idle 0'].slice(0, ended.length));
  t.equal(ended[0], 'tcp a');
  t.notOk(ended.includes('tcp b'));
  const leftover = messages.find((m) => m.type === 'discarded');
  t.equal(leftover?.channel, 'tcp a');
  t.equal(leftover?.frame, 1);
  t.equal(leftover?.reason, 'stream ended inside a message');
  framer.end();
  t.equal(messages.filter((m) => m.type === 'message').length, 2);
});

t.test('classic pcap and pcapng give the same messages, packet by packet', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'meterkit-pcap-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const ng = join(dir, 'a.pcapng');
  writeDlmsCapture(ng, 60_000);
  const packets = new CaptureReader().push(await readFile(ng));
  // the same packets as a classic pcap (LINKTYPE_RAW, microseconds, little-endian)
  const parts: Uint8Array[] = [];
  const head = new DataView(new ArrayBuffer(24));
  head.setUint32(0, 0xa1b2c3d4, true);
  head.setUint16(4, 2, true);
  head.setUint16(6, 4, true);
  head.setUint32(16, 65535, true);
  head.setUint32(20, packets[0]!.linkType, true);
  parts.push(new Uint8Array(head.buffer));
  for (const p of packets) {
    const r = new DataView(new ArrayBuffer(16));
    const us = p.timestamp / 1000n;
    r.setUint32(0, Number(us / 1_000_000n), true);
    r.setUint32(4, Number(us % 1_000_000n), true);
    r.setUint32(8, p.data.length, true);
    r.setUint32(12, p.data.length, true);
    parts.push(new Uint8Array(r.buffer), p.data);
  }
  const classic = join(dir, 'a.pcap');
  await writeFile(classic, Buffer.concat(parts));
  const read = async (path: string) => {
    const out: string[] = [];
    await readCaptureMessages(path, {
      message: (m) => out.push(`${m.frame} ${m.type} ${m.channel} ${m.direction} ${m.bytes.join(',')}`),
      finished: (c) => out.push(`end ${c}`),
    });
    return out;
  };
  const a = await read(ng);
  t.ok(a.length > 50);
  t.same(await read(classic), a);
  // a file that cannot be read
  await t.rejects(read(join(dir, 'missing.pcapng')), { code: 602 });
});
