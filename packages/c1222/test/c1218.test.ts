import { crc16x25, ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  C1218_ACK,
  C1218_NAK,
  C1218Deframer,
  type C1218DeframerItem,
  type C1222Request,
  decodeC1218Control,
  decodeC1218Packet,
  decodeC1218Request,
  decodeC1218Response,
  decodeRequest,
  encodeC1218Control,
  encodeC1218Packet,
  encodeC1218Request,
  encodeC1218Response,
  segmentC1218,
  tableChecksum,
} from '../src/index.js';
import { requestArb } from './helpers/arbitraries.js';
import vectors from './vectors/c1218.json' with { type: 'json' };

interface Vector {
  id: string;
  source: string;
  kind: string;
  hex: string;
  expected: Record<string, unknown>;
}
const all = vectors as Vector[];

/** The request each response vector answers. */
const ANSWERS: Record<string, C1222Request> = {
  'c1218-ident-resp': { type: 'identify' },
  'c1218-read-st1-resp': { type: 'full-read', tableId: 1 },
};

t.test('vector file', async (t) => {
  t.equal(all.length, 17);
  for (const v of all) t.ok(v.id && v.source, v.id);
});

for (const v of all.filter((x) => x.kind === 'c1218-packet')) {
  t.test(v.id, async (t) => {
    const bytes = fromHex(v.hex);
    const p = decodeC1218Packet(bytes);
    const e = v.expected;
    t.equal(p.identity, e['identity']);
    t.equal(encodeC1218Control(p.control), Number.parseInt(String(e['ctrl']), 16), 'ctrl');
    t.equal(p.sequenceNumber, e['seq_nbr']);
    t.equal(p.data.length, e['length']);
    t.equal(p.crc, Number.parseInt(String(e['crc16_x25']), 16), 'CRC value');
    t.equal(
      toHex(bytes.subarray(-2)),
      toHex(Uint8Array.of(p.crc! & 0xff, p.crc! >> 8)),
      'CRC low byte first',
    );
    t.equal(
      toHex(encodeC1218Packet({ ...p, crc: undefined, raw: undefined } as typeof p)),
      v.hex,
      're-encodes byte-exact',
    );
    const isResponse = p.data[0]! < 0x20;
    if (isResponse) {
      const resp = decodeC1218Response(p.data, ANSWERS[v.id]);
      t.equal(
        toHex(encodeC1218Response(resp, { toggle: p.control.toggle })[0]!),
        v.hex,
        'response round trip',
      );
      if (v.id === 'c1218-ident-resp')
        t.match(resp, { type: 'identify-response', std: 0, ver: 1, rev: 0, features: [] });
      if (v.id === 'c1218-read-st1-resp' && resp.type === 'read-response') {
        t.equal(resp.tableData.checksum, 0x21);
        t.equal(resp.tableData.checksumValid, true);
        const st1 = resp.tableData.data;
        t.equal(new TextDecoder().decode(st1.subarray(0, 4)), 'EE  ', 'MANUFACTURER');
        t.equal(new TextDecoder().decode(st1.subarray(4, 12)), 'A3R     ', 'ED_MODEL');
        t.equal(new TextDecoder().decode(st1.subarray(16)), '        12345678', 'MFG_SERIAL_NUMBER');
      }
      if (v.id === 'c1218-isc-resp') t.match(resp, { type: 'error-response', code: 3, name: 'isc' });
    } else if (v.id === 'c1218-security-req') {
      // This constructed vector carries 22 password bytes (length 0x17) where C12.18 §5.3.2.4.6
      // has exactly 20: a strict C12.18 decoder must flag it; the C12.22 reading sees a user id.
      t.equal(p.data.length, 23);
      t.throws(() => decodeC1218Request(p.data), { code: ErrorCode.Unsupported });
      t.match(decodeRequest(p.data), { type: 'security', userId: 0x3030 });
    } else {
      const req = decodeC1218Request(p.data);
      t.equal(toHex(encodeC1218Request(req, { toggle: p.control.toggle })[0]!), v.hex, 'request round trip');
      const svc = String(e['service']);
      t.ok(svc.startsWith(`0x${p.data[0]!.toString(16)}`), `service ${svc}`);
      if (v.id === 'c1218-write-st7-sp9' && req.type === 'full-write') {
        t.equal(req.tableData.checksum, 0xf5);
        t.equal(req.tableData.checksumValid, true);
        t.equal(tableChecksum(req.tableData.data), 0xf5);
      }
      if (v.id === 'c1218-negotiate-req')
        t.match(req, { type: 'negotiate', packetSize: 256, numberOfPackets: 1, baudRates: [6] });
      if (v.id === 'c1218-logon-req') t.match(req, { type: 'logon', userId: 1 });
      if (v.id === 'c1218-partial-read-req')
        t.match(req, { type: 'partial-read-offset', tableId: 1, offset: 16, octetCount: 16 });
      if (v.id === 'c1218-wait-req') t.match(req, { type: 'wait', seconds: 5 });
    }
  });
}

t.test('ACK/NAK control bytes and the CRC check vector', async (t) => {
  const d = new C1218Deframer();
  t.same(d.push(fromHex(all.find((v) => v.id === 'c1218-ack')!.hex)), [{ type: 'ack' }]);
  t.same(d.push(fromHex(all.find((v) => v.id === 'c1218-nak')!.hex)), [{ type: 'nak' }]);
  t.equal(C1218_ACK, 0x06);
  t.equal(C1218_NAK, 0x15);
  const c = all.find((v) => v.id === 'crc16-x25-check')!;
  t.equal(crc16x25(fromHex(c.hex)), 0x906e);
});

t.test('malformed packets', async (t) => {
  const good = fromHex('ee0000000001201310');
  t.throws(() => decodeC1218Packet(fromHex('ef0000000001201310')), { code: ErrorCode.FrameFormatInvalid });
  t.throws(() => decodeC1218Packet(fromHex('ee0000000001201311')), { code: ErrorCode.FrameCheckFailed });
  t.throws(() => decodeC1218Packet(good.subarray(0, 8)), { code: ErrorCode.Truncated });
  t.throws(() => decodeC1218Packet(fromHex('ee00000000')), { code: ErrorCode.Truncated });
  t.throws(() => decodeC1218Packet(fromHex('ee000000000120131000')), { code: ErrorCode.TrailingBytes });
  t.throws(
    () =>
      encodeC1218Packet({
        type: 'c1218-packet',
        identity: 0,
        control: decodeC1218Control(0),
        sequenceNumber: 0,
        data: new Uint8Array(0x10000),
      }),
    {
      code: ErrorCode.FrameTooLong,
    },
  );
  t.throws(
    () => decodeC1218Request(fromHex('2720c04545202080010506032b0601040a000001015180')),
    { code: ErrorCode.Unsupported },
    'registration is C12.22 only',
  );
  t.throws(() => encodeC1218Request({ type: 'disconnect' }), { code: ErrorCode.Unsupported });
  t.throws(
    () => encodeC1218Request({ type: 'logon', userId: 1, user: new Uint8Array(10), sessionIdleTimeout: 1 }),
    {
      code: ErrorCode.Unsupported,
    },
  );
  t.throws(() => encodeC1218Request({ type: 'security', password: new Uint8Array(20), userId: 1 }), {
    code: ErrorCode.Unsupported,
  });
  t.throws(() => segmentC1218(new Uint8Array(1), { packetSize: 8 }), { code: ErrorCode.InvalidArgument });
  t.throws(() => segmentC1218(new Uint8Array(257), { packetSize: 9 }), { code: ErrorCode.FrameTooLong });
  t.same(decodeC1218Control(0xff), { multiPacket: true, firstPacket: true, toggle: true, low: 0x1f });
  t.equal(encodeC1218Control(decodeC1218Control(0xab)), 0xab);
});

t.test('deframer: garbage, ACKs, CRC errors, resync', async (t) => {
  const d = new C1218Deframer();
  const ident = fromHex('ee0000000001201310');
  const bad = fromHex('ee0000000001201311');
  const items = d.push(fromHex(`0102${toHex(bad)}06${toHex(ident)}15ff`));
  t.same(
    items.map((i) => i.type + (i.type === 'discarded' ? `:${i.reason}` : '')),
    ['discarded:garbage', 'discarded:crc', 'ack', 'packet', 'apdu', 'nak', 'discarded:garbage'],
  );
  const over = d.push(fromHex('eeaaaaaa2001'));
  t.same(
    over.map((i) => (i.type === 'discarded' ? i.reason : i.type)),
    ['length'],
    'length over the maximum',
  );
  t.same(d.push(fromHex('ee0000')), [], 'waits for the rest');
  t.equal(d.pending, 3);
  t.same(
    d.flush().map((i) => (i.type === 'discarded' ? i.reason : i.type)),
    ['flushed'],
  );
  t.equal(d.pending, 0);
  t.match(String(d), /C1218Deframer/);
});

t.test('deframer: byte-by-byte feeding gives the same result', async (t) => {
  const stream = fromHex(
    '06ee0020000003300001d66e06ee000000002400002045452020413352202020202002000306202020202020202031323334353637382152c9',
  );
  const whole = new C1218Deframer().push(stream);
  const d = new C1218Deframer();
  const pieces: C1218DeframerItem[] = [];
  for (const b of stream) pieces.push(...d.push(Uint8Array.of(b)));
  t.same(
    pieces.map((i) => i.type),
    whole.map((i) => i.type),
  );
  t.same(
    whole.map((i) => i.type),
    ['ack', 'packet', 'apdu', 'ack', 'packet', 'apdu'],
  );
});

t.test('deframer: duplicates by toggle bit, multi-packet reassembly', async (t) => {
  const data = Uint8Array.from({ length: 150 }, (_, i) => i);
  const packets = segmentC1218(data, { packetSize: 64, toggle: true });
  t.equal(packets.length, 3);
  t.same(
    packets.map((p) => [p.control.multiPacket, p.control.firstPacket, p.control.toggle, p.sequenceNumber]),
    [
      [true, true, true, 2],
      [true, false, false, 1],
      [true, false, true, 0],
    ],
  );
  const wire = packets.map(encodeC1218Packet);
  const d = new C1218Deframer();
  const got: C1218DeframerItem[] = [];
  got.push(...d.push(wire[0]!));
  got.push(...d.push(wire[0]!)); // retransmission
  got.push(...d.push(wire[1]!));
  got.push(...d.push(wire[2]!));
  const dup = got.filter((i) => i.type === 'packet').map((i) => (i.type === 'packet' ? i.duplicate : null));
  t.same(dup, [false, true, false, false]);
  const apdus = got.filter((i) => i.type === 'apdu');
  t.equal(apdus.length, 1);
  if (apdus[0]?.type === 'apdu') {
    t.equal(toHex(apdus[0].data), toHex(data), 'reassembled');
    t.equal(apdus[0].packets, 3);
  }
  // a gap: first then last
  const d2 = new C1218Deframer();
  const gap = [...d2.push(wire[0]!), ...d2.push(wire[2]!)];
  t.same(
    gap.filter((i) => i.type === 'discarded').map((i) => (i.type === 'discarded' ? i.reason : '')),
    ['sequence', 'sequence'],
  );
  // a new first packet drops a partial APDU
  const d3 = new C1218Deframer();
  const again = [
    ...d3.push(wire[0]!),
    ...d3.push(encodeC1218Packet({ ...packets[0]!, control: { ...packets[0]!.control, toggle: false } })),
  ];
  t.same(
    again.filter((i) => i.type === 'discarded').map((i) => (i.type === 'discarded' ? i.reason : '')),
    ['sequence'],
  );
  // too long
  const d4 = new C1218Deframer({ maxApduLength: 100 });
  const long = wire.flatMap((w) => d4.push(w));
  t.ok(long.some((i) => i.type === 'discarded' && i.reason === 'too-long'));
  // flush drops the partial APDU
  const d5 = new C1218Deframer();
  d5.push(wire[0]!);
  t.same(
    d5.flush().map((i) => (i.type === 'discarded' ? i.reason : i.type)),
    ['flushed'],
  );
  d5.reset();
  t.equal(d5.pending, 0);
});

t.test('property: segment → encode → deframe reassembles any APDU, in any chunking', async (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 600 }),
      fc.integer({ min: 9, max: 300 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
      (data, packetSize, cuts) => {
        const wire = segmentC1218(data, { packetSize }).map(encodeC1218Packet);
        const stream = new Uint8Array(wire.reduce((n, w) => n + w.length, 0));
        let o = 0;
        for (const w of wire) {
          stream.set(w, o);
          o += w.length;
        }
        const d = new C1218Deframer();
        const items: C1218DeframerItem[] = [];
        let p = 0;
        let k = 0;
        while (p < stream.length) {
          const n = cuts[k++ % cuts.length]!;
          items.push(...d.push(stream.subarray(p, p + n)));
          p += n;
        }
        const apdus = items.filter((i) => i.type === 'apdu');
        return (
          apdus.length === 1 &&
          apdus[0]?.type === 'apdu' &&
          toHex(apdus[0].data) === toHex(data) &&
          d.pending === 0
        );
      },
    ),
    { numRuns: 300 },
  );
  t.pass('ok');
});

t.test('property: the deframer never throws on arbitrary bytes', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (chunks) => {
      const d = new C1218Deframer({ maxDataLength: 64 });
      for (const c of chunks) d.push(c);
      d.flush();
      return d.pending === 0;
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      try {
        decodeC1218Packet(b);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass('ok');
});

t.test('property: C12.18 requests round trip through packets', async (t) => {
  fc.assert(
    fc.property(requestArb, (req) => {
      let wire: Uint8Array[];
      try {
        wire = encodeC1218Request(req, { packetSize: 1024 });
      } catch (e) {
        return isMeterkitError(e, ErrorCode.Unsupported);
      }
      const d = new C1218Deframer();
      const apdu = wire.flatMap((w) => d.push(w)).find((i) => i.type === 'apdu');
      return apdu?.type === 'apdu' && decodeC1218Request(apdu.data).type === req.type;
    }),
    { numRuns: 500 },
  );
  t.pass('ok');
});
