import fc from 'fast-check';
import t from 'tap';
import { fromHex, toHex } from '../src/bytes/hex.js';
import { ErrorCode } from '../src/errors.js';
import {
  buildTcpPacket,
  buildUdpPacket,
  collectingSink,
  finishInternetChecksum,
  internetChecksum,
  internetChecksumAdd,
  LinkType,
  nanosFromMillis,
  PcapngWriter,
  parseIpv4Address,
  SERIAL_DIRECTION_DEVICE_TO_HOST,
  SERIAL_DIRECTION_HOST_TO_DEVICE,
  SerialRecorder,
  TcpFlag,
  TcpStreamRecorder,
  UDP_MAX_PAYLOAD,
  UdpRecorder,
  writableSink,
  writeIpv4Header,
} from '../src/pcapng/index.js';
import { blocks } from './pcapng-blocks.js';

/** Packet data of an EPB block (little-endian). */
function epbData(block: Uint8Array): Uint8Array {
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  return block.subarray(28, 28 + view.getUint32(20, true));
}

/** TCP checksum recomputed by the test over the RFC 9293 pseudo-header: 0 when correct. */
function tcpOrUdpChecksumResidue(packet: Uint8Array): number {
  const ihl = (packet[0]! & 0x0f) * 4;
  let sum = internetChecksumAdd(0, packet, 12, 20);
  sum += packet[9]! + (packet.length - ihl);
  return finishInternetChecksum(internetChecksumAdd(sum, packet, ihl, packet.length));
}

t.test('RFC 1071 §3 example and the classic IPv4 header', async (t) => {
  t.equal(internetChecksum(fromHex('0001f203f4f5f6f7')), 0x220d, 'RFC 1071 numerical example');
  t.equal(
    internetChecksum(fromHex('0001f203f4f5f6')),
    finishInternetChecksum(0x0001 + 0xf203 + 0xf4f5 + 0xf600),
  );
  const header = new Uint8Array(20);
  writeIpv4Header(header, 0, {
    source: parseIpv4Address('192.168.0.1'),
    destination: parseIpv4Address('192.168.0.199'),
    protocol: 17,
    identification: 0,
    totalLength: 0x73,
  });
  t.equal(toHex(header), '45000073000040004011b861c0a80001c0a800c7');
  t.equal(internetChecksum(header), 0, 'a header holding its checksum sums to 0');
});

t.test('exact block layout (draft-ietf-opsawg-pcapng §4.1–4.3)', async (t) => {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink, { userApplication: 'mk' });
  t.equal(
    toHex(c.bytes()),
    '0a0d0d0a280000004d3c2b1a01000000ffffffffffffffff040002006d6b00000000000028000000',
  );
  const id = w.addInterface({ linkType: LinkType.RAW, name: 'a' });
  t.equal(id, 0);
  w.writePacket(0, 1_000_001_000n, Uint8Array.of(1, 2, 3));
  const [, idb, epb] = blocks(c.bytes());
  t.equal(
    toHex(idb!),
    [
      '01000000',
      '28000000',
      '65000000',
      '00000000',
      '02000100',
      '61000000',
      '09000100',
      '06000000',
      '00000000',
      '28000000',
    ].join(''),
  );
  t.equal(
    toHex(epb!),
    [
      '06000000',
      '24000000',
      '00000000',
      '00000000',
      '41420f00',
      '03000000',
      '03000000',
      '01020300',
      '24000000',
    ].join(''),
  );
  t.equal(w.packetCount, 1);
  t.same(w.interfaceList, [{ id: 0, linkType: 101, snapLen: 0, timestampResolution: 'us' }]);
});

t.test('section options, ns resolution, snap length, comments, direction', async (t) => {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink, { hardware: 'hw', os: 'os', comment: 'c', userApplication: 'app' });
  const ns = w.addInterface({ linkType: 1, timestampResolution: 'ns', snapLen: 4, description: 'd' });
  w.writePacket(ns, 0x1_0000_0005n, Uint8Array.of(9, 8, 7, 6, 5, 4), { comment: 'hé', direction: 'inbound' });
  w.writePacket(ns, 7n, Uint8Array.of(1), { direction: 'outbound', originalLength: 60 });
  const [shb, idb, epb1, epb2] = blocks(c.bytes());
  t.match(toHex(shb!), /0100010063000000/, 'opt_comment "c"');
  t.match(toHex(shb!), /020002006877/, 'shb_hardware');
  t.match(toHex(shb!), /030002006f73/, 'shb_os');
  t.match(toHex(idb!), /0900010009000000/, 'if_tsresol 9');
  t.match(toHex(idb!), /0300010064000000/, 'if_description');
  const v1 = new DataView(epb1!.buffer, epb1!.byteOffset);
  t.equal(v1.getUint32(12, true), 1, 'timestamp high word');
  t.equal(v1.getUint32(16, true), 5, 'timestamp low word');
  t.equal(v1.getUint32(20, true), 4, 'captured length cut to snap length');
  t.equal(v1.getUint32(24, true), 6, 'original length kept');
  t.equal(toHex(epbData(epb1!)), '09080706');
  t.match(toHex(epb1!), /0100030068c3a900/, 'UTF-8 comment');
  t.match(toHex(epb1!), /0200040001000000/, 'epb_flags inbound');
  t.match(toHex(epb2!), /0200040002000000/, 'epb_flags outbound');
  t.equal(new DataView(epb2!.buffer, epb2!.byteOffset).getUint32(24, true), 60);
  t.equal(c.length, c.bytes().length);
});

t.test('writer argument errors', async (t) => {
  const w = new PcapngWriter(collectingSink().sink);
  t.throws(() => w.addInterface({ linkType: 70000 }), { code: ErrorCode.InvalidArgument }, 'link type');
  t.throws(
    () => w.addInterface({ linkType: 1, snapLen: -1 }),
    { code: ErrorCode.InvalidArgument },
    'snap length',
  );
  t.throws(
    () => w.writePacket(0, 0n, new Uint8Array(1)),
    { code: ErrorCode.InvalidArgument },
    'no interface',
  );
  w.addInterface({ linkType: 1 });
  t.throws(
    () => w.writePacket(0, -1n, new Uint8Array(1)),
    { code: ErrorCode.InvalidArgument },
    'negative time',
  );
  t.throws(
    () => w.writePacket(0, 1n << 80n, new Uint8Array(1)),
    { code: ErrorCode.InvalidArgument },
    'time > 64 bits',
  );
  t.throws(
    () => w.writePacket(0, 0n, new Uint8Array(4), { originalLength: 3 }),
    { code: ErrorCode.InvalidArgument },
    'original below captured',
  );
  t.throws(
    () => w.writePacket(0, 0n, new Uint8Array(4), { comment: 'x'.repeat(70000) }),
    { code: ErrorCode.InvalidArgument },
    'comment too long',
  );
  t.throws(() => nanosFromMillis(-1), { code: ErrorCode.InvalidArgument }, 'negative ms');
  t.throws(() => nanosFromMillis(Number.NaN), { code: ErrorCode.InvalidArgument }, 'NaN ms');
  t.equal(nanosFromMillis(1_700_000_000_123.5), 1_700_000_000_123_500_000n);
});

t.test('addresses and ports', async (t) => {
  t.same([...parseIpv4Address('10.0.255.1')], [10, 0, 255, 1]);
  for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.1.1.1', 'a.b.c.d', '']) {
    t.throws(() => parseIpv4Address(bad), { code: ErrorCode.InvalidArgument }, `address "${bad}"`);
  }
  const w = new PcapngWriter(collectingSink().sink);
  t.throws(
    () => new TcpStreamRecorder(w, { client: { address: '127.0.0.1', port: 70000 } }),
    { code: ErrorCode.InvalidArgument },
    'port',
  );
  t.throws(
    () => new TcpStreamRecorder(w, { clientIsn: 2 ** 32 }),
    { code: ErrorCode.InvalidArgument },
    'ISN',
  );
  t.throws(() => new TcpStreamRecorder(w, { maxSegmentSize: 0 }), { code: ErrorCode.InvalidArgument }, 'MSS');
  const serial = w.addInterface({ linkType: LinkType.USER0 });
  t.throws(
    () => new TcpStreamRecorder(w, { interfaceId: serial }),
    { code: ErrorCode.InvalidArgument },
    'tcp on USER0',
  );
  t.throws(
    () => new UdpRecorder(w, { interfaceId: serial }),
    { code: ErrorCode.InvalidArgument },
    'udp on USER0',
  );
  t.throws(
    () => new SerialRecorder(w, { interfaceId: 7 }),
    { code: ErrorCode.InvalidArgument },
    'serial on none',
  );
});

/** Reads the IPv4+TCP fields of a synthetic packet at fixed offsets. */
function tcpFields(p: Uint8Array) {
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return {
    src: `${p[12]}.${p[13]}.${p[14]}.${p[15]}:${v.getUint16(20)}`,
    dst: `${p[16]}.${p[17]}.${p[18]}.${p[19]}:${v.getUint16(22)}`,
    seq: v.getUint32(24),
    ack: v.getUint32(28),
    flags: p[33]!,
    ipId: v.getUint16(4),
    payload: p.subarray(40),
  };
}

t.test('TCP session: handshake, segments, sequence numbers, FIN', async (t) => {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink);
  const tcp = new TcpStreamRecorder(w, { maxSegmentSize: 4, clientIsn: 0xffff_fffe, serverIsn: 100 });
  tcp.record('client-to-server', Uint8Array.of(1, 2, 3, 4, 5, 6), 10_000n, { comment: 'req' });
  tcp.record('server-to-client', new Uint8Array(0), 11_000n);
  tcp.record('server-to-client', Uint8Array.of(7), 12_000n);
  t.same(tcp.nextSeq, { client: 5, server: 102 });
  tcp.close(13_000n, 'server-to-client');
  t.throws(
    () => tcp.record('client-to-server', Uint8Array.of(1), 14_000n),
    { code: ErrorCode.InvalidState },
    'after close',
  );
  t.throws(() => tcp.close(14_000n), { code: ErrorCode.InvalidState }, 'close twice');
  t.throws(() => tcp.open(14_000n), { code: ErrorCode.InvalidState }, 'open after close');
  const packets = blocks(c.bytes()).slice(2).map(epbData);
  const f = packets.map(tcpFields);
  const C = '127.0.0.1:50000';
  const S = '127.0.0.1:4059';
  const A = TcpFlag.ACK;
  t.same(
    f.map((x) => [x.src, x.dst, x.seq, x.ack, x.flags, x.payload.length]),
    [
      [C, S, 0xffff_fffe, 0, TcpFlag.SYN, 0],
      [S, C, 100, 0xffff_ffff, TcpFlag.SYN | A, 0],
      [C, S, 0xffff_ffff, 101, A, 0],
      [C, S, 0xffff_ffff, 101, A, 4],
      [C, S, 3, 101, TcpFlag.PSH | A, 2],
      [S, C, 101, 5, TcpFlag.PSH | A, 1],
      [S, C, 102, 5, TcpFlag.FIN | A, 0],
      [C, S, 5, 103, TcpFlag.FIN | A, 0],
      [S, C, 103, 6, A, 0],
    ],
  );
  t.same(
    f.map((x) => x.ipId),
    [1, 1, 2, 3, 4, 2, 3, 5, 4],
    'IP identification counts per direction',
  );
  for (const p of packets) {
    t.equal(internetChecksum(p, 0, 20), 0, 'IPv4 header checksum');
    t.equal(tcpOrUdpChecksumResidue(p), 0, 'TCP checksum');
  }
  t.match(toHex(blocks(c.bytes())[5]!), /0100030072657100/, 'comment on the first segment only');
  t.notMatch(toHex(blocks(c.bytes())[6]!), /72657100/);
});

t.test('TCP without handshake, close before any data, shared interface', async (t) => {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink);
  const raw = w.addInterface({ linkType: LinkType.RAW });
  const tcp = new TcpStreamRecorder(w, { handshake: false, interfaceId: raw, clientIsn: 1, serverIsn: 2 });
  tcp.close(5n);
  const f = blocks(c.bytes()).slice(2).map(epbData).map(tcpFields);
  t.same(
    f.map((x) => [x.seq, x.ack, x.flags]),
    [
      [1, 2, TcpFlag.FIN | TcpFlag.ACK],
      [2, 2, TcpFlag.FIN | TcpFlag.ACK],
      [2, 3, TcpFlag.ACK],
    ],
  );
  const tcp2 = new TcpStreamRecorder(w, { interfaceId: raw });
  tcp2.open(1n);
  t.throws(() => tcp2.open(1n), { code: ErrorCode.InvalidState }, 'open twice');
});

t.test('UDP and serial recorders', async (t) => {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink);
  const udp = new UdpRecorder(w, { server: { address: '10.1.2.3', port: 1153 } });
  udp.record('client-to-server', Uint8Array.of(0x60, 0x03), 1n, { comment: 'x' });
  udp.record('server-to-client', Uint8Array.of(0xa2), 2n);
  udp.record('client-to-server', new Uint8Array(0), 3n);
  t.throws(
    () => udp.record('client-to-server', new Uint8Array(UDP_MAX_PAYLOAD + 1), 4n),
    { code: ErrorCode.InvalidArgument },
    'UDP too large',
  );
  const serial = new SerialRecorder(w, { name: '/dev/ttyUSB0' });
  serial.record('client-to-server', Uint8Array.of(0x2f, 0x3f), 5n, { comment: 'sign-on' });
  serial.record('server-to-client', Uint8Array.of(0x06), 6n);
  const all = blocks(c.bytes());
  const [u1, u2, u3] = all.slice(2, 5).map(epbData);
  const v = new DataView(u1!.buffer, u1!.byteOffset);
  t.equal(v.getUint16(20), 50000);
  t.equal(v.getUint16(22), 1153);
  t.equal(v.getUint16(24), 10, 'UDP length');
  t.same([...u1!.subarray(28)], [0x60, 0x03]);
  t.same([...u2!.subarray(16, 20)], [127, 0, 0, 1], 'reply goes back to the client');
  t.equal(u3!.length, 28, 'empty datagram');
  for (const p of [u1!, u2!, u3!]) {
    t.equal(internetChecksum(p, 0, 20), 0);
    t.equal(tcpOrUdpChecksumResidue(p), 0, 'UDP checksum');
  }
  const s1 = epbData(all[6]!);
  const s2 = epbData(all[7]!);
  t.same([...s1], [SERIAL_DIRECTION_HOST_TO_DEVICE, 0x2f, 0x3f]);
  t.same([...s2], [SERIAL_DIRECTION_DEVICE_TO_HOST, 0x06]);
  t.match(toHex(all[5]!), /0900010009/, 'serial interface has ns resolution');
  t.match(toHex(all[5]!), /2f6465762f7474795553423/, 'if_name');
});

t.test('writableSink writes each block', async (t) => {
  const chunks: Uint8Array[] = [];
  const w = new PcapngWriter(writableSink({ write: (b) => chunks.push(b) }));
  w.addInterface({ linkType: 1 });
  t.equal(chunks.length, 2);
  t.equal(chunks[0]![0], 0x0a);
});

t.test('property: synthetic packets have valid checksums and carry the payload', async (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 600 }),
      fc.integer({ min: 0, max: 0xffff_ffff }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xff }),
      (payload, seq, port, flags) => {
        const src = Uint8Array.of(10, 0, 0, 1);
        const dst = Uint8Array.of(192, 168, 1, 200);
        const tcp = buildTcpPacket(
          {
            source: src,
            destination: dst,
            sourcePort: port,
            destinationPort: 4059,
            seq,
            ack: seq,
            flags,
            identification: 7,
          },
          payload,
        );
        const udp = buildUdpPacket(
          { source: src, destination: dst, sourcePort: port, destinationPort: 1153, identification: 9 },
          payload,
        );
        return (
          internetChecksum(tcp, 0, 20) === 0 &&
          tcpOrUdpChecksumResidue(tcp) === 0 &&
          toHex(tcp.subarray(40)) === toHex(payload) &&
          internetChecksum(udp, 0, 20) === 0 &&
          tcpOrUdpChecksumResidue(udp) === 0 &&
          toHex(udp.subarray(28)) === toHex(payload)
        );
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 random segments checked');
});

t.test('property: any packet list gives well-formed blocks', async (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          data: fc.uint8Array({ maxLength: 80 }),
          time: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
          comment: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        }),
        { maxLength: 20 },
      ),
      (packets) => {
        const c = collectingSink();
        const w = new PcapngWriter(c.sink);
        w.addInterface({ linkType: 147, timestampResolution: 'ns' });
        for (const p of packets) {
          w.writePacket(0, p.time, p.data, p.comment === undefined ? {} : { comment: p.comment });
        }
        const bs = blocks(c.bytes());
        if (bs.length !== packets.length + 2) return false;
        return packets.every((p, i) => {
          const b = bs[i + 2]!;
          const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
          const ticks = (BigInt(v.getUint32(12, true)) << 32n) | BigInt(v.getUint32(16, true));
          return (
            b.length % 4 === 0 &&
            v.getUint32(b.length - 4, true) === b.length &&
            ticks === p.time &&
            toHex(epbData(b)) === toHex(p.data)
          );
        });
      },
    ),
    { numRuns: 200 },
  );
  t.pass('200 random packet lists checked');
});
