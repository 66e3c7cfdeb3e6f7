import { readFileSync } from 'node:fs';
import { concatBytes, ErrorCode, fromHex, isMeterkitError, MeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { DlmsErrorCode } from '../src/errors.js';
import {
  decodeWrapperPdu,
  encodeWrapperPdu,
  WrapperDeframer,
  type WrapperDeframerItem,
} from '../src/wrapper/index.js';

interface Vector {
  id: string;
  kind: string;
  hex: string;
  expected: { wrapper: { version: number; source_wport: number; destination_wport: number; length: number } };
}
const vectors = (
  JSON.parse(readFileSync(new URL('./vectors/framing/real-frames.json', import.meta.url), 'utf8')) as {
    entries: Vector[];
  }
).entries.filter((v) => v.kind.startsWith('udp-wrapper'));

function code(fn: () => unknown): number | string {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return isMeterkitError(e) ? e.code : `foreign ${String(e)}`;
  }
}

const pdusOf = (items: readonly WrapperDeframerItem[]): string[] =>
  items.flatMap((i) => (i.type === 'pdu' ? [toHex(i.pdu.raw!)] : []));

t.test('UDP datagrams from real devices: header fields and exact re-encoding', async (t) => {
  t.ok(vectors.length >= 5);
  for (const v of vectors) {
    const bytes = fromHex(v.hex);
    const pdu = decodeWrapperPdu(bytes);
    const w = v.expected.wrapper;
    t.equal(pdu.version, w.version, `${v.id} version`);
    t.equal(pdu.sourceWPort, w.source_wport, `${v.id} source wPort`);
    t.equal(pdu.destinationWPort, w.destination_wport, `${v.id} destination wPort`);
    t.equal(pdu.payload.length, w.length, `${v.id} length`);
    t.equal(pdu.payload[0], 0xdb, `${v.id} carries general-glo-ciphering`);
    t.equal(pdu.raw!.buffer, bytes.buffer, 'raw is a view');
    t.equal(toHex(encodeWrapperPdu(pdu)), toHex(bytes), `${v.id} encode(decode(x))`);
  }
});

t.test('malformed and truncated datagrams', async (t) => {
  const bytes = fromHex(vectors[0]!.hex);
  for (let n = 0; n < bytes.length; n++) {
    const want = n < 8 ? ErrorCode.FrameTooShort : ErrorCode.FrameLengthMismatch;
    if (code(() => decodeWrapperPdu(bytes.subarray(0, n))) !== want) t.fail(`cut at ${n}`);
  }
  const v2 = bytes.slice();
  v2[1] = 2;
  t.equal(
    code(() => decodeWrapperPdu(v2)),
    DlmsErrorCode.WrapperVersionInvalid,
  );
  t.equal(
    code(() => decodeWrapperPdu(concatBytes(bytes, Uint8Array.of(0)))),
    ErrorCode.FrameLengthMismatch,
    'extra octet',
  );
  t.equal(
    code(() => encodeWrapperPdu({ sourceWPort: 0x10000, destinationWPort: 1, payload: new Uint8Array(1) })),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() => encodeWrapperPdu({ sourceWPort: 1, destinationWPort: 1, payload: new Uint8Array(0x10000) })),
    ErrorCode.FrameTooLong,
  );
  t.equal(
    toHex(encodeWrapperPdu({ sourceWPort: 0x10, destinationWPort: 1, payload: fromHex('c001') })),
    '0001001000010002c001',
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      try {
        decodeWrapperPdu(b);
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
      }
    }),
  );
});

const pduArb = fc
  .record({
    sourceWPort: fc.integer({ min: 0, max: 0xffff }),
    destinationWPort: fc.integer({ min: 0, max: 0xffff }),
    payload: fc.uint8Array({ maxLength: 200 }),
  })
  .map((p) => encodeWrapperPdu(p));

function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  out.push(bytes.slice(prev));
  return out;
}

function run(d: WrapperDeframer, chunks: readonly Uint8Array[]): WrapperDeframerItem[] {
  const out: WrapperDeframerItem[] = [];
  for (const c of chunks) out.push(...d.push(c));
  out.push(...d.flush());
  return out;
}

t.test('TCP deframer: any split yields the same PDUs', async (t) => {
  fc.assert(
    fc.property(
      fc.array(pduArb, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (pdus, cuts) => {
        const items = run(new WrapperDeframer(), splitAt(concatBytes(...pdus), cuts));
        t.same(
          pdusOf(items),
          pdus.map((p) => toHex(p)),
        );
        t.equal(items.length, pdus.length);
      },
    ),
    { numRuns: 300 },
  );
});

t.test('TCP deframer: garbage without 00 octets is dropped, PDUs kept', async (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.uint8Array({ maxLength: 20 }).map((g) => g.map((b) => b || 1)),
          pduArb,
        ),
        { minLength: 1, maxLength: 5 },
      ),
      fc.array(fc.nat(), { maxLength: 8 }),
      (pairs, cuts) => {
        const stream = concatBytes(...pairs.flat());
        const items = run(new WrapperDeframer(), splitAt(stream, cuts));
        t.same(
          pdusOf(items),
          pairs.map(([, p]) => toHex(p)),
        );
        const garbage = items.filter((i) => i.type === 'discarded');
        t.equal(
          garbage.reduce((n, i) => n + (i.type === 'discarded' ? i.bytes.length : 0), 0),
          pairs.reduce((n, [g]) => n + g.length, 0),
        );
        for (const i of items) {
          const b = i.type === 'pdu' ? i.pdu.raw! : i.bytes;
          if (toHex(stream.subarray(i.offset, i.offset + b.length)) !== toHex(b)) t.fail('offset');
        }
      },
    ),
    { numRuns: 300 },
  );
});

t.test('TCP deframer: lying length, incomplete tail, arbitrary bytes', async (t) => {
  const good = fromHex(vectors[1]!.hex);
  const liar = fromHex('000111112222ffff');
  const d = new WrapperDeframer({ maxPayloadLength: 1024 });
  const items = run(d, [liar, good]);
  t.match(items[0], { type: 'discarded', reason: 'length-invalid', code: ErrorCode.FrameTooLong, offset: 0 });
  t.same(pdusOf(items), [toHex(good)]);
  const tail = new WrapperDeframer();
  t.same(tail.push(good.subarray(0, 20)), []);
  t.equal(tail.buffered, 20);
  t.match(tail.flush(), [{ type: 'discarded', reason: 'incomplete', code: ErrorCode.FrameLengthMismatch }]);
  const head = new WrapperDeframer();
  head.push(good.subarray(0, 5));
  t.match(head.flush(), [{ type: 'discarded', reason: 'incomplete', code: ErrorCode.FrameTooShort }]);
  const r = new WrapperDeframer();
  r.push(good.subarray(0, 5));
  r.reset();
  t.equal(r.buffered, 0);
  t.same(r.push(new Uint8Array(0)), []);
  t.match(run(new WrapperDeframer(), [fromHex('00020001')]), [
    { type: 'discarded', reason: 'garbage' },
    { type: 'discarded', reason: 'incomplete' },
  ]);
  t.throws(() => new WrapperDeframer({ maxPayloadLength: -1 }), MeterkitError);
  // a large PDU fed one octet at a time is assembled in linear time
  const big = encodeWrapperPdu({
    sourceWPort: 1,
    destinationWPort: 1,
    payload: new Uint8Array(20000).fill(7),
  });
  const slow = new WrapperDeframer();
  const got: WrapperDeframerItem[] = [];
  for (let i = 0; i < big.length; i++) got.push(...slow.push(big.subarray(i, i + 1)));
  t.same(pdusOf(got), [toHex(big)]);
  // a header split across reads that turns out bad is rescanned with what follows
  const split = new WrapperDeframer({ maxPayloadLength: 100 });
  const parts = [...split.push(fromHex('00')), ...split.push(fromHex('02')), ...split.push(good)];
  t.match(parts, [{ type: 'discarded', reason: 'garbage' }, { type: 'pdu' }]);
  const split2 = new WrapperDeframer({ maxPayloadLength: 100 });
  const parts2 = [
    ...split2.push(fromHex('0001aaaa')),
    ...split2.push(fromHex('bbbb00ff')),
    ...split2.push(good.subarray(0, 8)),
  ];
  t.match(parts2, [
    { type: 'discarded', reason: 'length-invalid' },
    { type: 'discarded', reason: 'garbage' },
  ]);
  t.equal(split2.buffered, 8);
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 8 }),
      fc.integer({ min: 0, max: 64 }),
      (chunks, max) => {
        const w = new WrapperDeframer({ maxPayloadLength: max });
        for (const c of chunks) {
          w.push(c);
          if (w.buffered > 8 + max + 30) t.fail('unbounded');
        }
        w.flush();
        t.equal(w.buffered, 0);
      },
    ),
    { numRuns: 300 },
  );
});
