import { readFileSync } from 'node:fs';
import { fromHex, isMeterkitError } from '@meterkit/core';
import { bindUdp, UdpTransport } from '@meterkit/core/transport';
import fc from 'fast-check';
import t from 'tap';
import { decodeC1222Acse } from '../src/acse/apdu.js';
import { C1222Client, type C1222ClientTrace } from '../src/client/c1222-client.js';
import { C1222ErrorCode } from '../src/errors.js';
import { absoluteApTitle, C1222KeyStore, encodeC1222Acse } from '../src/index.js';
import {
  decodeC1222ApduSegment,
  MIN_SEGMENT_DATAGRAM_SIZE,
  segmentC1222Apdu,
} from '../src/segmentation/apdu-segment.js';
import { C1222Reassembler } from '../src/segmentation/reassembler.js';
import { AnsiMeter } from '../src/server/ansi-meter.js';
import { serveC1222Udp } from '../src/server/c1222-server.js';
import { parseAnsiMeterProfile } from '../src/server/profile.js';

function apduWith(epsemLength: number, invocationId = 7): Uint8Array {
  const epsem = new Uint8Array(epsemLength);
  for (let i = 0; i < epsemLength; i++) epsem[i] = (i * 31 + 7) & 0xff;
  return encodeC1222Acse({
    type: 'c1222-acse',
    applicationContext: '2.16.124.113620.1.22',
    calledApTitle: absoluteApTitle('2.16.124.113620.1.22.0.42'),
    callingApTitle: absoluteApTitle('2.16.124.113620.1.22.0.7'),
    callingApInvocationId: invocationId,
    userInformation: { epsem },
  });
}

t.test('segment layout: header elements copied, A3 apdu-size, BE 28 02 offset 81 octets', (t) => {
  const apdu = apduWith(300);
  const segs = segmentC1222Apdu(apdu, 100);
  t.ok(segs.length > 3);
  let offset = 0;
  for (const s of segs) {
    t.ok(s.length <= 100, `segment of ${s.length} bytes fits`);
    const acse = decodeC1222Acse(s);
    t.equal(acse.calledAeQualifier, apdu.length, 'A3 carries the APDU size');
    t.equal(acse.callingApInvocationId, 7, 'A8 copied');
    t.same(acse.calledApTitle, absoluteApTitle('2.16.124.113620.1.22.0.42'), 'A2 copied');
    t.equal(acse.userInformation?.indirectReference, offset, 'the indirect reference is the byte offset');
    const seg = decodeC1222ApduSegment(s)!;
    t.equal(seg.offset, offset);
    t.same(seg.octets, apdu.subarray(offset, offset + seg.octets.length));
    offset += seg.octets.length;
  }
  t.equal(offset, apdu.length);
  t.equal(decodeC1222ApduSegment(segs[0]!)!.octets[0], 0x60, 'segment 0 starts with the APDU tag');
  t.same(segmentC1222Apdu(apdu, apdu.length), [apdu], 'an APDU that fits goes out unchanged');
  t.equal(decodeC1222ApduSegment(apdu), undefined, 'an ordinary APDU is not a segment');
  t.end();
});

t.test('segmenter refusals', (t) => {
  t.throws(() => segmentC1222Apdu(apduWith(300), MIN_SEGMENT_DATAGRAM_SIZE - 1), { code: 600 });
  t.throws(() => segmentC1222Apdu(apduWith(300), 40), { code: 600 }, 'no room after the header');
  const noA8 = encodeC1222Acse({
    type: 'c1222-acse',
    calledApTitle: absoluteApTitle('2.16.124.113620.1.22.0.42'),
    userInformation: { epsem: new Uint8Array(200) },
  });
  t.throws(() => segmentC1222Apdu(noA8, 64), { code: 211 });
  t.end();
});

t.test('property: shuffled, duplicated segments reassemble to the APDU', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1500 }),
      fc.integer({ min: 80, max: 400 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (len, size, order, dups) => {
        const apdu = apduWith(len, len);
        const segs = segmentC1222Apdu(apdu, size);
        const shuffled = [...segs];
        for (let i = 0; i < shuffled.length; i++) {
          const j = (order[i] ?? 0) % shuffled.length;
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        for (const d of dups) shuffled.splice(d % (shuffled.length + 1), 0, shuffled[d % shuffled.length]!);
        const r = new C1222Reassembler();
        let got: Uint8Array | undefined;
        for (const s of shuffled) {
          const ev = r.push(s, 0, 'peer');
          if (ev.type === 'error') return false;
          if (ev.type === 'apdu') {
            // a repeat of every segment after completion reassembles the same APDU again
            if (got !== undefined && !Buffer.from(got).equals(Buffer.from(ev.apdu))) return false;
            got = ev.apdu;
          }
        }
        return got !== undefined && Buffer.from(got).equals(Buffer.from(apdu));
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 runs');
  t.end();
});

t.test('reassembler: duplicates, conflicts, timeouts, capacity', (t) => {
  const apdu = apduWith(400);
  const segs = segmentC1222Apdu(apdu, 120);
  const r = new C1222Reassembler({ timeoutMs: 1000, maxInProgress: 1 });
  t.match(r.push(segs[1]!, 0, 'a'), { type: 'pending' });
  t.same(r.push(segs[1]!, 10, 'a'), { type: 'duplicate' });
  t.equal(r.deadline(), 1000);
  // another APDU while one is collected: capacity
  const other = segmentC1222Apdu(apduWith(400, 8), 120);
  const cap = r.push(other[0]!, 20, 'a');
  t.ok(cap.type === 'error' && cap.error.code === C1222ErrorCode.SegmentCapacityExceeded);
  // timeout
  const expired = r.expire(1000);
  t.equal(expired.length, 1);
  t.equal(expired[0]!.code, C1222ErrorCode.SegmentReassemblyTimeout);
  t.equal(r.pending, 0);
  t.equal(r.deadline(), undefined);
  // conflicting bytes at the same offset
  t.match(r.push(segs[0]!, 2000, 'a'), { type: 'pending' });
  const forged = Uint8Array.from(segs[0]!);
  forged[forged.length - 1]! ^= 0xff;
  const c = r.push(forged, 2001, 'a');
  t.ok(c.type === 'error' && c.error.code === C1222ErrorCode.SegmentConflict);
  // another APDU size under the same key
  t.match(r.push(segs[0]!, 3000, 'a'), { type: 'pending' });
  const bigger = segmentC1222Apdu(apduWith(500), 120);
  const d = r.push(bigger[1]!, 3001, 'a');
  t.ok(d.type === 'error' && d.error.code === C1222ErrorCode.SegmentConflict);
  // a late segment after its timeout starts over
  const r2 = new C1222Reassembler({ timeoutMs: 10 });
  r2.push(segs[0]!, 0);
  const late = r2.push(segs[1]!, 50);
  t.ok(late.type === 'pending' && late.received < 120, 'only the late segment is held');
  r2.clear();
  t.equal(r2.pending, 0);
  // too many disjoint ranges
  const small = segmentC1222Apdu(apduWith(1500), 80);
  const r3 = new C1222Reassembler({ maxRanges: 2 });
  r3.push(small[0]!, 0);
  r3.push(small[2]!, 0);
  const e3 = r3.push(small[4]!, 0);
  t.ok(e3.type === 'error' && e3.error.code === C1222ErrorCode.SegmentCapacityExceeded);
  t.end();
});

t.test('invalid segments: past the APDU size, over the limit, not one APDU when whole', (t) => {
  const apdu = apduWith(300);
  const seg = segmentC1222Apdu(apdu, 100)[1]!;
  t.throws(() => decodeC1222ApduSegment(seg, { maxApduSize: 100 }), { code: C1222ErrorCode.SegmentInvalid });
  // offset pushed past the end: rebuild a segment by hand with offset = apdu size - 1
  const bad = encodeC1222Acse({
    type: 'c1222-acse',
    calledAeQualifier: 100,
    callingApInvocationId: 1,
    userInformation: { indirectReference: 99, epsem: new Uint8Array(10) },
  });
  t.throws(() => decodeC1222ApduSegment(bad), { code: C1222ErrorCode.SegmentInvalid });
  const noId = encodeC1222Acse({
    type: 'c1222-acse',
    calledAeQualifier: 100,
    userInformation: { indirectReference: 0, epsem: new Uint8Array(10) },
  });
  t.throws(() => decodeC1222ApduSegment(noId), { code: C1222ErrorCode.SegmentInvalid });
  // a whole range that is not an ACSE APDU
  const fake = encodeC1222Acse({
    type: 'c1222-acse',
    calledAeQualifier: 20,
    callingApInvocationId: 1,
    userInformation: { indirectReference: 0, epsem: new Uint8Array(19) },
  });
  const rest = encodeC1222Acse({
    type: 'c1222-acse',
    calledAeQualifier: 20,
    callingApInvocationId: 1,
    userInformation: { indirectReference: 19, epsem: new Uint8Array(1) },
  });
  const r = new C1222Reassembler();
  r.push(fake, 0);
  const ev = r.push(rest, 0);
  t.ok(ev.type === 'error' && ev.error.code === C1222ErrorCode.SegmentInvalid);
  t.end();
});

t.test('property: arbitrary datagrams never throw from the reassembler', (t) => {
  const r = new C1222Reassembler({ maxInProgress: 4 });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const ev = r.push(bytes, 0);
      return ev.type !== 'error' || isMeterkitError(ev.error);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 255 }), (at, v) => {
      const seg = Uint8Array.from(segmentC1222Apdu(apduWith(300), 100)[1]!);
      seg[Math.min(at, seg.length - 1)] = v;
      try {
        decodeC1222ApduSegment(seg);
        return true;
      } catch (e) {
        return isMeterkitError(e);
      }
    }),
    { numRuns: 300 },
  );
  t.pass('only MeterkitError');
  t.end();
});

const profileText = readFileSync(new URL('../profiles/ansi-meter.json', import.meta.url), 'utf8');
const profile = parseAnsiMeterProfile(profileText);

t.test('UDP loopback: a large table read and write go out as segments both ways', async (t) => {
  const meter = new AnsiMeter({ ...profile, writableTables: [52, 64] });
  const endpoint = await bindUdp({ port: 0 });
  const rejects: string[] = [];
  const stop = serveC1222Udp(endpoint, meter, { datagramSize: 128, onReject: (r) => rejects.push(r) });
  t.teardown(async () => {
    stop();
    await endpoint.close();
  });
  const trace: C1222ClientTrace[] = [];
  const sent: number[] = [];
  const transport = new UdpTransport({ host: '127.0.0.1', port: endpoint.address().port });
  const write = transport.write.bind(transport);
  transport.write = (b: Uint8Array) => {
    sent.push(b.length);
    return write(b);
  };
  const received: number[] = [];
  transport.onData((b) => received.push(b.length));
  const client = new C1222Client({
    transport,
    callingApTitle: absoluteApTitle('2.16.124.113620.1.22.0.7'),
    calledApTitle: absoluteApTitle(profile.apTitle!),
    securityMode: 2,
    keys: new C1222KeyStore([[0, fromHex(profile.keys!['0']!)]]),
    datagramSize: 128,
    trace: (e) => trace.push(e),
  });
  await client.open();
  const st64 = meter.tables.read(64)!;
  t.ok(st64.length > 400, `ST64 is ${st64.length} bytes`);
  t.same(await client.readTable(64), st64, 'the whole load profile came back');
  t.ok(received.length > 3, `${received.length} datagrams received`);
  t.ok(
    received.every((n) => n <= 128),
    'every response datagram within the size',
  );
  const next = Uint8Array.from(st64);
  next[10]! ^= 0x55;
  await client.writeTable(64, next);
  t.same(meter.tables.read(64), next, 'a segmented write request was reassembled by the meter');
  t.ok(
    sent.filter((n) => n > 0).length > 5 && sent.every((n) => n <= 128),
    'request datagrams within the size',
  );
  t.same(rejects, []);
  await client.close();
});

t.test('UDP client: an APDU that cannot be segmented fails the request, not the client', async (t) => {
  const endpoint = await bindUdp({ port: 0 });
  t.teardown(() => endpoint.close());
  const client = new C1222Client({
    transport: new UdpTransport({ host: '127.0.0.1', port: endpoint.address().port }),
    callingApTitle: absoluteApTitle('2.16.124.113620.1.22.0.7'),
    calledApTitle: absoluteApTitle(profile.apTitle!),
    datagramSize: 40,
    responseTimeoutMs: 200,
    retries: 0,
  });
  await client.open();
  await t.rejects(client.writeTable(64, new Uint8Array(300)), { code: 600 }, 'no room after the header');
  await client.close();
});
