import { bytesEqual, crc16x25, ErrorCode, isMeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { type DlmsData, decodeData, encodeData } from '../src/axdr/data.js';
import { decodeHdlcFrame, encodeHdlcFrame, hdlcAddress } from '../src/hdlc/index.js';
import { dlmsData } from './axdr-arbitraries.js';

/**
 * The speed paths of the HDLC frame decoder (slicing-by-8 HCS/FCS, views built from the backing
 * store) and of the A-XDR decoder (in-place leaves, cached backing store, short latin1 strings):
 * they must give exactly what the straightforward code gives, for any input placement.
 */

/** A Uint8Array subclass: `subarray` keeps it (species), so decoded views must keep it too. */
class TaggedBytes extends Uint8Array {}

/** `bytes` placed at a non-zero offset of a larger buffer, surrounded by noise. */
function placed(bytes: Uint8Array, pad: number): Uint8Array {
  const big = new Uint8Array(bytes.length + 2 * pad).fill(0xa5);
  big.set(bytes, pad);
  return big.subarray(pad, pad + bytes.length);
}

t.test('HDLC: HCS and FCS agree with the table-driven CRC-16/X-25 for every information length', (t) => {
  for (let n = 0; n <= 70; n++) {
    const information = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
    const frame = encodeHdlcFrame({
      type: 'ui',
      destination: hdlcAddress(0x7f),
      source: hdlcAddress(1, 0x11),
      information,
    });
    const end = frame.length - 1;
    t.equal(frame[end - 2]! | (frame[end - 1]! << 8), crc16x25(frame, 1, end - 2), `FCS, ${n} octets`);
    if (n > 0) t.equal(frame[7]! | (frame[8]! << 8), crc16x25(frame, 1, 7), `HCS, ${n} octets`);
    for (const input of [frame, placed(frame, 3), TaggedBytes.from(frame)]) {
      const d = decodeHdlcFrame(input, { llc: false });
      t.ok(bytesEqual(d.information, information), `information, ${n} octets`);
      t.ok(bytesEqual(d.raw!, frame));
      t.equal(d.raw!.constructor, input.constructor, 'raw keeps the input species');
      if (n > 0) {
        t.equal(d.information.constructor, input.constructor, 'information keeps the input species');
        t.equal(d.information.buffer, input.buffer, 'information is a view, not a copy');
      }
    }
  }
  t.end();
});

t.test('property: any single flipped bit of a frame is detected (HCS/FCS or a header error)', (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 90 }),
      fc.nat(),
      fc.integer({ min: 0, max: 7 }),
      (information, at, bit) => {
        const frame = encodeHdlcFrame({
          type: 'i',
          destination: hdlcAddress(1, 0x2a),
          source: hdlcAddress(0x10),
          sendSequence: 3,
          receiveSequence: 5,
          information,
        });
        const i = 1 + (at % (frame.length - 2)); // between the flags
        const bad = frame.slice();
        bad[i]! ^= 1 << bit;
        try {
          decodeHdlcFrame(bad);
          return false;
        } catch (e) {
          return isMeterkitError(e);
        }
      },
    ),
    { numRuns: 400 },
  );
  t.end();
});

t.test('HDLC: LLC detection and view placement with an LLC header', (t) => {
  const apdu = Uint8Array.of(0x0f, 0, 0, 0, 1, 0, 0x09, 2, 0xab, 0xcd);
  const frame = encodeHdlcFrame({
    type: 'i',
    destination: hdlcAddress(0x10),
    source: hdlcAddress(1, 0x11),
    sendSequence: 0,
    receiveSequence: 0,
    llc: 'response',
    information: apdu,
  });
  for (const input of [frame, placed(frame, 5)]) {
    const d = decodeHdlcFrame(input);
    t.equal(d.type === 'i' ? d.llc : undefined, 'response');
    t.ok(bytesEqual(d.information, apdu));
    t.equal(d.information.byteOffset, input.byteOffset + frame.length - 3 - apdu.length);
  }
  t.end();
});

/** Decodes `bytes` at several placements and checks every result equals the first. */
function decodeEverywhere(bytes: Uint8Array): DlmsData[] {
  return [
    decodeData(bytes),
    decodeData(placed(bytes, 1)),
    decodeData(placed(bytes, 13)),
    decodeData(TaggedBytes.from(bytes)),
  ];
}

t.test('property: A-XDR decode is the same at any placement, and re-encodes to the input', (t) => {
  fc.assert(
    fc.property(dlmsData, (d) => {
      const bytes = encodeData(d);
      const [first, ...others] = decodeEverywhere(bytes);
      t.same(first, d);
      for (const o of others) t.same(o, first);
      return bytesEqual(encodeData(first!), bytes);
    }),
    { numRuns: 300 },
  );
  t.end();
});

t.test('A-XDR: octet-strings are views of the input (offset, length, species)', (t) => {
  // structure { octet-string(6), octet-string(0), double-long-unsigned, long, octet-string(3) }
  const bytes = Uint8Array.of(
    0x02,
    0x05,
    0x09,
    0x06,
    1,
    0,
    1,
    8,
    0,
    0xff,
    0x09,
    0x00,
    0x06,
    0xff,
    0xff,
    0xff,
    0xff,
    0x10,
    0x80,
    0x00,
    0x09,
    0x03,
    7,
    8,
    9,
  );
  for (const input of [bytes, placed(bytes, 9), TaggedBytes.from(bytes)]) {
    const d = decodeData(input);
    if (d.type !== 'structure') {
      t.fail('structure expected');
      continue;
    }
    const [obis, empty, dlu, long, tail] = d.value;
    t.same(dlu, { type: 'double-long-unsigned', value: 0xffffffff });
    t.same(long, { type: 'long', value: -32768 });
    for (const [v, at, n] of [
      [obis, 4, 6],
      [empty, 12, 0],
      [tail, 22, 3],
    ] as const) {
      if (v?.type !== 'octet-string') {
        t.fail('octet-string expected');
        continue;
      }
      t.equal(v.value.constructor, input.constructor, 'species kept');
      t.equal(v.value.buffer, input.buffer, 'a view, not a copy');
      t.equal(v.value.byteOffset, input.byteOffset + at);
      t.equal(v.value.length, n);
    }
  }
  // Alternating inputs never mix up their backing stores.
  const a = Uint8Array.of(0x09, 0x02, 0xaa, 0xbb);
  const b = placed(Uint8Array.of(0x09, 0x02, 0xcc, 0xdd), 4);
  for (let k = 0; k < 3; k++) {
    t.same(decodeData(a), { type: 'octet-string', value: Uint8Array.of(0xaa, 0xbb) });
    t.same(decodeData(b), { type: 'octet-string', value: Uint8Array.of(0xcc, 0xdd) });
  }
  t.end();
});

t.test('A-XDR: visible-strings of every short and long length keep one character per octet', (t) => {
  for (let n = 0; n <= 70; n++) {
    const value = String.fromCharCode(...Array.from({ length: n }, (_, i) => (i * 53 + n) & 0xff));
    const d: DlmsData = { type: 'visible-string', value };
    t.same(decodeData(encodeData(d)), d, `${n} characters`);
  }
  t.end();
});

t.test('A-XDR: truncated fast-path values still fail with the exact code and offset', (t) => {
  const cases: [string, number[], number, number][] = [
    ['double-long-unsigned in a structure', [0x02, 0x01, 0x06, 1, 2, 3], ErrorCode.Truncated, 3],
    ['octet-string overrunning', [0x02, 0x01, 0x09, 0x05, 1, 2], ErrorCode.LengthOverrun, 3],
    ['long cut short', [0x01, 0x01, 0x10, 0x01], ErrorCode.Truncated, 3],
    ['structure count beyond the bytes', [0x02, 0x03, 0x11, 0x01], ErrorCode.LengthOverrun, 1],
  ];
  for (const [name, bytes, code, offset] of cases) {
    t.throws(() => decodeData(Uint8Array.from(bytes)), { code, offset }, name);
    t.throws(() => decodeData(Uint8Array.from(bytes), 100), { code, offset: offset + 100 }, `${name}, base`);
  }
  t.end();
});
