import {
  buildTcpPacket,
  buildUdpPacket,
  ErrorCode,
  finishInternetChecksum,
  fromHex,
  internetChecksumAdd,
  isMeterkitError,
  toHex,
} from '@meterkit/core';
import t from 'tap';
import { CaptureLinkType, decodeLinkLayer, formatIpv6, PcapReader } from '../src/input/index.js';

const v4tcp = buildTcpPacket(
  {
    source: Uint8Array.of(10, 0, 0, 1),
    destination: Uint8Array.of(10, 0, 0, 2),
    sourcePort: 1234,
    destinationPort: 4059,
    seq: 1000,
    ack: 2000,
    flags: 0x18,
    identification: 5,
  },
  Uint8Array.of(0x00, 0x01, 0x00, 0x10),
);
const v4udp = buildUdpPacket(
  {
    source: Uint8Array.of(10, 0, 0, 1),
    destination: Uint8Array.of(10, 0, 0, 2),
    sourcePort: 5000,
    destinationPort: 1153,
    identification: 6,
  },
  Uint8Array.of(0x60, 0x00),
);

/** IPv6 packet (RFC 8200) with optional extension headers before a UDP datagram (checksum over the RFC 8200 §8.1 pseudo-header). */
function v6udp(payload: Uint8Array, extensions: Uint8Array = new Uint8Array(0), firstNext = 17): Uint8Array {
  const udpLength = 8 + payload.length;
  const p = new Uint8Array(40 + extensions.length + udpLength);
  const v = new DataView(p.buffer);
  p[0] = 0x60;
  v.setUint16(4, extensions.length + udpLength);
  p[6] = firstNext;
  p[7] = 64;
  p[23] = 1; // source ::1
  p.set(fromHex('20010db8000000000001000000000001'), 24);
  p.set(extensions, 40);
  const u = 40 + extensions.length;
  v.setUint16(u, 7000);
  v.setUint16(u + 2, 1153);
  v.setUint16(u + 4, udpLength);
  p.set(payload, u + 8);
  let sum = internetChecksumAdd(0, p, 8, 40);
  sum += 17 + udpLength;
  sum = internetChecksumAdd(sum, p, u, p.length);
  v.setUint16(u + 6, finishInternetChecksum(sum));
  return p;
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

const MACS = fromHex('020000000001020000000002');

t.test('RFC 5952 IPv6 text', async (t) => {
  const cases: Array<[string, string]> = [
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['20010db8aaaabbbbccccddddeeeeffff', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'],
  ];
  for (const [hex, text] of cases) t.equal(formatIpv6(fromHex(hex), 0), text);
});

t.test('Ethernet, VLAN, cooked, loopback and raw link layers', async (t) => {
  const eth = cat(fromHex('020000000001020000000002'), fromHex('0800'), v4tcp);
  const r1 = decodeLinkLayer(CaptureLinkType.ETHERNET, cat(eth, new Uint8Array(6)), false);
  t.match(r1, {
    ip: {
      version: 4,
      source: '10.0.0.1',
      destination: '10.0.0.2',
      protocol: 6,
      ttl: 64,
      identification: 5,
      checksumOk: true,
    },
    tcp: {
      sourcePort: 1234,
      destinationPort: 4059,
      seq: 1000,
      ack: 2000,
      flags: 0x18,
      window: 0xffff,
      headerLength: 20,
      checksumOk: true,
    },
  });
  t.equal(toHex(r1.payload!), '00010010', 'Ethernet padding is not payload');

  const vlan = cat(
    fromHex('020000000001020000000002'),
    fromHex('8100 0064 88a8 0065 86dd'.replace(/ /g, '')),
    v6udp(Uint8Array.of(9)),
  );
  t.match(decodeLinkLayer(CaptureLinkType.ETHERNET, vlan, false), {
    ip: {
      version: 6,
      source: '::1',
      destination: '2001:db8::1:0:0:1',
      protocol: 17,
      ttl: 64,
      checksumOk: true,
    },
    udp: { sourcePort: 7000, destinationPort: 1153, length: 9, checksumOk: true },
  });
  t.same(
    decodeLinkLayer(
      CaptureLinkType.ETHERNET,
      cat(MACS.subarray(0, 12), fromHex('0806'), new Uint8Array(28)),
      false,
    ),
    {},
    'ARP: nothing',
  );

  const sll = cat(fromHex('0000000100060200000000010000'), fromHex('0800'), v4udp);
  t.match(decodeLinkLayer(CaptureLinkType.LINUX_SLL, sll, false), {
    udp: { destinationPort: 1153, checksumOk: true },
  });
  const sll2 = cat(
    fromHex('86dd0000000000020001000602000000000100 00'.replace(/ /g, '')),
    v6udp(Uint8Array.of(1, 2)),
  );
  t.match(decodeLinkLayer(CaptureLinkType.LINUX_SLL2, sll2, false), {
    ip: { version: 6 },
    udp: { length: 10 },
  });

  t.match(
    decodeLinkLayer(CaptureLinkType.NULL, cat(fromHex('02000000'), v4udp), false),
    { ip: { version: 4 } },
    'NULL, LE',
  );
  t.match(
    decodeLinkLayer(CaptureLinkType.NULL, cat(fromHex('00000002'), v4udp), false),
    { ip: { version: 4 } },
    'NULL, BE',
  );
  t.match(decodeLinkLayer(CaptureLinkType.NULL, cat(fromHex('1e000000'), v6udp(new Uint8Array(0))), false), {
    ip: { version: 6 },
  });
  t.match(decodeLinkLayer(CaptureLinkType.LOOP, cat(fromHex('00000018'), v6udp(new Uint8Array(0))), false), {
    ip: { version: 6 },
  });
  t.same(decodeLinkLayer(CaptureLinkType.LOOP, cat(fromHex('00000007'), v4udp), false), {}, 'unknown family');

  for (const lt of [
    CaptureLinkType.RAW,
    CaptureLinkType.RAW_DLT12,
    CaptureLinkType.RAW_DLT14,
    CaptureLinkType.IPV4,
  ]) {
    t.match(decodeLinkLayer(lt, v4tcp, false), { tcp: { destinationPort: 4059 } }, `raw ${lt}`);
  }
  t.match(decodeLinkLayer(CaptureLinkType.RAW, v6udp(Uint8Array.of(5)), false), {
    udp: { destinationPort: 1153 },
  });
  t.match(decodeLinkLayer(CaptureLinkType.IPV6, v6udp(Uint8Array.of(5)), false), {
    udp: { destinationPort: 1153 },
  });
  t.same(decodeLinkLayer(9999, v4tcp, false), {}, 'unknown link type');
  t.match(decodeLinkLayer(CaptureLinkType.USER0, Uint8Array.of(0, 1, 2), false), {
    serial: { direction: 'client-to-server' },
  });
});

t.test('IPv6 extension headers, fragments, other protocols, snapped packets', async (t) => {
  // hop-by-hop (8 bytes) then destination options (8 bytes) then UDP
  const ext = fromHex('3c00010400000000' + '1100010400000000');
  const r = decodeLinkLayer(CaptureLinkType.RAW, v6udp(Uint8Array.of(7, 7), ext, 0), false);
  t.match(r, { ip: { protocol: 17, headerLength: 56, fragment: false }, udp: { checksumOk: true } });
  t.equal(toHex(r.payload!), '0707');
  // routing header then AH (length (1+2)*4 = 12 bytes) then UDP
  const withAh = v6udp(Uint8Array.of(1), fromHex('3300000000000000' + '110100000000000000000000'), 43);
  t.match(decodeLinkLayer(CaptureLinkType.RAW, withAh, false), {
    ip: { protocol: 17, headerLength: 60 },
    udp: { checksumOk: true },
  });
  // fragment header with M flag: fragment, no transport
  const frag = decodeLinkLayer(
    CaptureLinkType.RAW,
    v6udp(Uint8Array.of(1), fromHex('1100000100000001'), 44),
    false,
  );
  t.match(frag, { ip: { fragment: true, protocol: 17 } });
  t.equal(frag.udp, undefined);
  // atomic fragment (offset 0, M clear): transport decoded
  t.match(
    decodeLinkLayer(CaptureLinkType.RAW, v6udp(Uint8Array.of(1), fromHex('1100000000000001'), 44), false),
    { udp: {} },
  );
  // IPv4 fragment
  const f4 = v4udp.slice();
  f4[6] = 0x20; // MF
  t.match(decodeLinkLayer(CaptureLinkType.RAW, f4, false), { ip: { fragment: true, checksumOk: false } });
  // ICMP: IP only
  const icmp = v4udp.slice();
  icmp[9] = 1;
  t.same(Object.keys(decodeLinkLayer(CaptureLinkType.RAW, icmp, false)), ['ip']);
  // snapped: header says more than captured
  const cut = decodeLinkLayer(CaptureLinkType.RAW, v4tcp.subarray(0, 42), true);
  t.match(cut, { ip: { truncated: true }, tcp: { checksumOk: undefined } });
  t.equal(cut.payload!.length, 2);
  const cutUdp = decodeLinkLayer(CaptureLinkType.RAW, v4udp.subarray(0, 29), true);
  t.match(cutUdp, { udp: { checksumOk: undefined, length: 10 } });
  const cut6 = decodeLinkLayer(CaptureLinkType.RAW, v6udp(new Uint8Array(10)).subarray(0, 50), true);
  t.match(cut6, { ip: { truncated: true } });
  // UDP without checksum over IPv4
  const noSum = v4udp.slice();
  noSum[26] = 0;
  noSum[27] = 0;
  t.match(decodeLinkLayer(CaptureLinkType.RAW, noSum, false), {
    udp: { checksum: 0, checksumOk: undefined },
  });
  // a bad TCP checksum is reported, not thrown
  const bad = v4tcp.slice();
  bad[bad.length - 1] = 0xff - v4tcp[v4tcp.length - 1]!;
  t.match(decodeLinkLayer(CaptureLinkType.RAW, bad, false), { tcp: { checksumOk: false } });
});

t.test('malformed headers throw with exact codes and absolute offsets', async (t) => {
  const cases: Array<[string, number, Uint8Array, number, number?]> = [
    ['short Ethernet', CaptureLinkType.ETHERNET, new Uint8Array(13), ErrorCode.Truncated],
    [
      'short VLAN',
      CaptureLinkType.ETHERNET,
      cat(MACS.subarray(0, 12), fromHex('81000001')),
      ErrorCode.Truncated,
    ],
    [
      'VLAN nest',
      CaptureLinkType.ETHERNET,
      cat(MACS.subarray(0, 12), fromHex('8100000181000001810000018100000181000001'), new Uint8Array(20)),
      ErrorCode.NestingTooDeep,
    ],
    ['empty raw', CaptureLinkType.RAW, new Uint8Array(0), ErrorCode.Truncated],
    ['raw version 5', CaptureLinkType.RAW, fromHex('50'), ErrorCode.ValueInvalid, 0],
    ['IPv4 linktype, version 6', CaptureLinkType.IPV4, v6udp(new Uint8Array(0)), ErrorCode.ValueInvalid],
    [
      'IPv6 linktype, version 4',
      CaptureLinkType.IPV6,
      cat(v4udp, new Uint8Array(20)),
      ErrorCode.ValueInvalid,
    ],
    ['short IPv4', CaptureLinkType.RAW, v4tcp.subarray(0, 19), ErrorCode.Truncated],
    [
      'IHL 4',
      CaptureLinkType.RAW,
      Uint8Array.from(v4tcp, (b, i) => (i === 0 ? 0x44 : b)),
      ErrorCode.LengthInvalid,
    ],
    [
      'IHL 15 > bytes',
      CaptureLinkType.RAW,
      v4tcp.subarray(0, 40).map((b, i) => (i === 0 ? 0x4f : b)),
      ErrorCode.Truncated,
    ],
    [
      'total < IHL',
      CaptureLinkType.RAW,
      v4tcp.map((b, i) => (i === 2 ? 0 : i === 3 ? 10 : b)),
      ErrorCode.LengthInvalid,
      2,
    ],
    ['lying total length', CaptureLinkType.RAW, v4tcp.subarray(0, 43), ErrorCode.LengthOverrun, 2],
    ['short IPv6', CaptureLinkType.RAW, v6udp(new Uint8Array(0)).subarray(0, 39), ErrorCode.Truncated],
    [
      'lying IPv6 payload length',
      CaptureLinkType.RAW,
      v6udp(new Uint8Array(4)).subarray(0, 50),
      ErrorCode.LengthOverrun,
      4,
    ],
    [
      'IPv6 extension overrun',
      CaptureLinkType.RAW,
      v6udp(new Uint8Array(0), fromHex('11ff000000000000'), 0),
      ErrorCode.LengthOverrun,
    ],
    [
      'IPv6 extension cut',
      CaptureLinkType.RAW,
      v6udp(new Uint8Array(0), new Uint8Array(0), 0)
        .slice(0, 44)
        .map((b, i) => (i === 5 ? 4 : b)),
      ErrorCode.Truncated,
      40,
    ],
    [
      'IPv6 extension loop',
      CaptureLinkType.RAW,
      v6udp(new Uint8Array(0), new Uint8Array(8 * 17), 0),
      ErrorCode.NestingTooDeep,
    ],
    [
      'short TCP',
      CaptureLinkType.RAW,
      Uint8Array.from(v4tcp.subarray(0, 39), (b, i) => (i === 3 ? 39 : b)),
      ErrorCode.Truncated,
    ],
    [
      'TCP offset 4',
      CaptureLinkType.RAW,
      v4tcp.map((b, i) => (i === 32 ? 0x40 : b)),
      ErrorCode.LengthInvalid,
      32,
    ],
    [
      'TCP offset 15',
      CaptureLinkType.RAW,
      v4tcp.map((b, i) => (i === 32 ? 0xf0 : b)),
      ErrorCode.Truncated,
      32,
    ],
    [
      'short UDP',
      CaptureLinkType.RAW,
      Uint8Array.from(v4udp.subarray(0, 27), (b, i) => (i === 3 ? 27 : b)),
      ErrorCode.Truncated,
    ],
    [
      'UDP length 7',
      CaptureLinkType.RAW,
      v4udp.map((b, i) => (i === 25 ? 7 : b)),
      ErrorCode.LengthInvalid,
      24,
    ],
    [
      'lying UDP length',
      CaptureLinkType.RAW,
      v4udp.map((b, i) => (i === 25 ? 11 : b)),
      ErrorCode.LengthOverrun,
      24,
    ],
    ['short SLL', CaptureLinkType.LINUX_SLL, new Uint8Array(15), ErrorCode.Truncated],
    ['short SLL2', CaptureLinkType.LINUX_SLL2, new Uint8Array(19), ErrorCode.Truncated],
    ['short NULL', CaptureLinkType.NULL, new Uint8Array(3), ErrorCode.Truncated],
    ['empty serial', CaptureLinkType.USER0, new Uint8Array(0), ErrorCode.Truncated],
    ['serial direction 2', CaptureLinkType.USER0, Uint8Array.of(2, 0), ErrorCode.ValueInvalid, 0],
  ];
  for (const [name, linkType, data, code, offset] of cases) {
    try {
      decodeLinkLayer(linkType, data, false, 100);
      t.fail(`${name}: no error`);
    } catch (e) {
      t.ok(isMeterkitError(e, code), `${name}: code ${code}`);
      if (offset !== undefined && isMeterkitError(e)) t.equal(e.offset, 100 + offset, `${name}: offset`);
    }
  }
});

t.test('a malformed packet becomes linkError; the capture goes on', async (t) => {
  const header = fromHex('a1b2c3d4000200040000000000000000000000ff00000065');
  const rec = (data: Uint8Array) => {
    const h = new Uint8Array(16);
    new DataView(h.buffer).setUint32(8, data.length);
    new DataView(h.buffer).setUint32(12, data.length);
    return cat(h, data);
  };
  const r = new PcapReader();
  const packets = r.push(cat(header, rec(Uint8Array.of(0x45, 0)), rec(v4tcp)));
  packets.push(...r.end());
  t.equal(packets.length, 2);
  t.ok(isMeterkitError(packets[0]!.linkError, ErrorCode.Truncated));
  t.equal(packets[0]!.linkError!.offset, 24 + 16, 'offset into the file');
  t.equal(packets[1]!.linkError, undefined);
  t.equal(packets[1]!.tcp!.destinationPort, 4059);
});
