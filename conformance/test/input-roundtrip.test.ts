import {
  collectingSink,
  LinkType,
  PcapngWriter,
  SerialRecorder,
  TcpStreamRecorder,
  toHex,
  UdpRecorder,
} from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { type CapturePacket, CaptureReader, PcapngReader, readCapture } from '../src/input/index.js';

/** Reads a whole capture by pushing it in chunks cut at `cuts` (to exercise the streaming framer). */
function readChunked(file: Uint8Array, cuts: readonly number[] = []): CapturePacket[] {
  const reader = new CaptureReader();
  const points = [...new Set(cuts.map((c) => c % (file.length + 1)))].sort((a, b) => a - b);
  const out: CapturePacket[] = [];
  let last = 0;
  for (const p of [...points, file.length]) {
    out.push(...reader.push(file.subarray(last, p)));
    last = p;
  }
  out.push(...reader.end());
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

t.test('every field of a written packet reads back', async (t) => {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink, { hardware: 'hw', os: 'linux', userApplication: 'meterkit test' });
  const us = w.addInterface({ linkType: LinkType.ETHERNET, name: 'eth0', description: 'wired' });
  const ns = w.addInterface({ linkType: LinkType.USER0, name: 'tty', timestampResolution: 'ns', snapLen: 3 });
  const offsetA = c.length;
  w.writePacket(us, 1_700_000_000_123_456_789n, Uint8Array.of(1, 2, 3, 4, 5), {
    comment: 'first',
    direction: 'inbound',
  });
  w.writePacket(ns, 1_700_000_000_123_456_789n, Uint8Array.of(1, 0xaa, 0xbb, 0xcc), {
    direction: 'outbound',
  });
  w.writePacket(us, 5n, new Uint8Array(0), { originalLength: 64 });
  const reader = new PcapngReader();
  const packets = reader.push(c.bytes());
  packets.push(...reader.end());
  t.same(reader.section, {
    index: 0,
    littleEndian: true,
    majorVersion: 1,
    minorVersion: 0,
    hardware: 'hw',
    os: 'linux',
    userApplication: 'meterkit test',
  });
  t.match(reader.interfaces, [
    {
      id: 0,
      linkType: 1,
      snapLen: 0,
      name: 'eth0',
      description: 'wired',
      timestampResolution: { base: 10, exponent: 6 },
    },
    { id: 1, linkType: 147, snapLen: 3, name: 'tty', timestampResolution: { base: 10, exponent: 9 } },
  ]);
  t.equal(packets.length, 3);
  const [a, b, z] = packets;
  t.match(a, {
    frameNumber: 1,
    timestamp: 1_700_000_000_123_456_000n, // µs resolution truncates
    interfaceId: 0,
    linkType: 1,
    originalLength: 5,
    comments: ['first'],
    direction: 'inbound',
    fileOffset: offsetA,
  });
  t.equal(toHex(a!.data), '0102030405');
  t.ok(a!.linkError, 'five bytes are no Ethernet header');
  t.match(b, {
    frameNumber: 2,
    timestamp: 1_700_000_000_123_456_789n,
    interfaceId: 1,
    linkType: 147,
    originalLength: 4,
    direction: 'outbound',
    comments: [],
    serial: { direction: 'server-to-client' },
  });
  t.equal(toHex(b!.data), '01aabb', 'cut to the snap length');
  t.equal(toHex(b!.payload!), 'aabb');
  t.match(z, { frameNumber: 3, originalLength: 64 });
  t.equal(z!.timestamp, 0n, '5 ns at µs resolution is 0');
  t.equal(z!.data.length, 0);
});

t.test('TCP session reassembles both directions from the reader', async (t) => {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink);
  const tcp = new TcpStreamRecorder(w, { maxSegmentSize: 7 });
  const session: Array<['client-to-server' | 'server-to-client', Uint8Array]> = [
    ['client-to-server', Uint8Array.from({ length: 20 }, (_, i) => i)],
    ['server-to-client', Uint8Array.of(0xaa, 0xbb)],
    ['client-to-server', Uint8Array.of(0xcc)],
    ['server-to-client', Uint8Array.from({ length: 15 }, (_, i) => 0xf0 - i)],
  ];
  session.forEach(([d, bytes], i) => {
    tcp.record(d, bytes, BigInt(i) * 1_000_000n, { comment: `write ${i}` });
  });
  tcp.close(10_000_000n);
  const packets = readChunked(c.bytes(), [1, 13, 50, 51, 52, 200]);
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  let expectSeq = { c: -1, s: -1 };
  for (const p of packets) {
    t.equal(p.linkError, undefined);
    t.equal(p.ip?.checksumOk, true);
    t.equal(p.tcp?.checksumOk, true);
    t.equal(p.ip?.source, '127.0.0.1');
    const fromClient = p.tcp!.sourcePort === 50000;
    t.equal(p.tcp!.destinationPort, fromClient ? 4059 : 50000);
    if (p.payload!.length > 0) {
      const key = fromClient ? 'c' : 's';
      if (expectSeq[key] !== -1) t.equal(p.tcp!.seq, expectSeq[key], 'segments are contiguous');
      expectSeq = { ...expectSeq, [key]: (p.tcp!.seq + p.payload!.length) >>> 0 };
      (fromClient ? toServer : toClient).push(p.payload!);
    }
  }
  t.equal(
    toHex(concat(toServer)),
    toHex(concat(session.filter(([d]) => d === 'client-to-server').map(([, b]) => b))),
  );
  t.equal(
    toHex(concat(toClient)),
    toHex(concat(session.filter(([d]) => d === 'server-to-client').map(([, b]) => b))),
  );
  t.same(
    packets.filter((p) => p.comments.length > 0).map((p) => p.comments[0]),
    ['write 0', 'write 1', 'write 2', 'write 3'],
  );
  t.equal(packets[0]!.tcp!.flags, 0x02, 'SYN first');
  t.equal(packets.at(-1)!.tcp!.flags, 0x10, 'final ACK last');
});

t.test('UDP and serial recorders read back', async (t) => {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink);
  const udp = new UdpRecorder(w, {
    client: { address: '192.168.7.2', port: 40000 },
    server: { address: '192.168.7.9', port: 1153 },
  });
  const serial = new SerialRecorder(w);
  udp.record('client-to-server', Uint8Array.of(0x60, 0x01, 0x00), 1_000n);
  serial.record('client-to-server', Uint8Array.of(0x7e, 0x7e), 2_000n);
  udp.record('server-to-client', Uint8Array.of(0x61), 3_000n);
  const packets: CapturePacket[] = [];
  async function* source() {
    const file = c.bytes();
    for (let i = 0; i < file.length; i += 5) yield file.subarray(i, i + 5);
  }
  for await (const p of readCapture(source())) packets.push(p);
  t.match(packets, [
    {
      ip: { source: '192.168.7.2', destination: '192.168.7.9', protocol: 17, checksumOk: true },
      udp: { sourcePort: 40000, destinationPort: 1153, length: 11, checksumOk: true },
    },
    { serial: { direction: 'client-to-server' }, linkType: 147 },
    {
      ip: { source: '192.168.7.9', destination: '192.168.7.2' },
      udp: { sourcePort: 1153, destinationPort: 40000 },
    },
  ]);
  t.same(
    packets.map((p) => toHex(p.payload!)),
    ['600100', '7e7e', '61'],
  );
  t.same(
    packets.map((p) => p.timestamp),
    [1_000n, 2_000n, 3_000n],
  );
});

const packetArb = fc.record({
  iface: fc.nat({ max: 2 }),
  time: fc.bigInt({ min: 0n, max: (1n << 60n) - 1n }),
  data: fc.uint8Array({ maxLength: 70 }),
  extra: fc.nat({ max: 100 }),
  comment: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
  direction: fc.option(fc.constantFrom('inbound' as const, 'outbound' as const), { nil: undefined }),
});

t.test('property: arbitrary packet lists round-trip, whatever the chunking', async (t) => {
  fc.assert(
    fc.property(
      fc.array(packetArb, { maxLength: 25 }),
      fc.array(fc.nat({ max: 5000 }), { maxLength: 12 }),
      fc.constantFrom<'us' | 'ns'>('us', 'ns'),
      (list, cuts, resolution) => {
        const c = collectingSink();
        const w = new PcapngWriter(c.sink);
        const linkTypes = [LinkType.USER0, 200, LinkType.RAW];
        for (const linkType of linkTypes) w.addInterface({ linkType, timestampResolution: resolution });
        for (const p of list) {
          w.writePacket(p.iface, p.time, p.data, {
            originalLength: p.data.length + p.extra,
            ...(p.comment === undefined ? {} : { comment: p.comment }),
            ...(p.direction === undefined ? {} : { direction: p.direction }),
          });
        }
        const read = readChunked(c.bytes(), cuts);
        if (read.length !== list.length) return false;
        return list.every((p, i) => {
          const r = read[i]!;
          const time = resolution === 'ns' ? p.time : p.time - (p.time % 1000n);
          return (
            r.frameNumber === i + 1 &&
            r.interfaceId === p.iface &&
            r.linkType === linkTypes[p.iface] &&
            r.timestamp === time &&
            toHex(r.data) === toHex(p.data) &&
            r.originalLength === p.data.length + p.extra &&
            r.direction === p.direction &&
            JSON.stringify(r.comments) === JSON.stringify(p.comment === undefined ? [] : [p.comment])
          );
        });
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 random captures round-tripped');
});

t.test('property: arbitrary TCP sessions reassemble', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 300 })), { maxLength: 12 }),
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 0, max: 0xffff_ffff }),
      (writes, mss, isn) => {
        const c = collectingSink();
        const w = new PcapngWriter(c.sink);
        const tcp = new TcpStreamRecorder(w, {
          maxSegmentSize: mss,
          clientIsn: isn,
          serverIsn: (isn ^ 0x5555) >>> 0,
        });
        writes.forEach(([toServer, bytes], i) => {
          tcp.record(toServer ? 'client-to-server' : 'server-to-client', bytes, BigInt(i));
        });
        tcp.close(99n);
        const read = readChunked(c.bytes());
        const up = concat(read.filter((p) => p.tcp!.sourcePort === 50000).map((p) => p.payload!));
        const down = concat(read.filter((p) => p.tcp!.sourcePort === 4059).map((p) => p.payload!));
        return (
          read.every((p) => p.tcp!.checksumOk === true && p.ip!.checksumOk) &&
          toHex(up) === toHex(concat(writes.filter(([s]) => s).map(([, b]) => b))) &&
          toHex(down) === toHex(concat(writes.filter(([s]) => !s).map(([, b]) => b)))
        );
      },
    ),
    { numRuns: 200 },
  );
  t.pass('200 random sessions reassembled');
});
