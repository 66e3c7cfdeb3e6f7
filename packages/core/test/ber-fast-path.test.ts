import fc from 'fast-check';
import t from 'tap';
import {
  type BerTagClass,
  decodeBerTlv,
  decodeBerTree,
  ErrorCode,
  encodeBerNode,
  Reader,
  readBerTlv,
} from '../src/index.js';

/**
 * `readBerTlv` reads a low tag number with a short-form length straight from the buffer; every
 * other header goes through `readBerHeader`. Both must describe the same TLV the same way.
 */

const CLASSES: readonly BerTagClass[] = ['universal', 'application', 'context', 'private'];

t.test('property: short-form and long-form headers decode to the same TLV', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 3 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 30 }),
      fc.uint8Array({ maxLength: 127 }),
      fc.integer({ min: 0, max: 5 }),
      (cls, constructed, tag, value, pad) => {
        const lead = (cls << 6) | (constructed ? 0x20 : 0) | tag;
        const short = Uint8Array.of(lead, value.length, ...value);
        const long = Uint8Array.of(lead, 0x81, value.length, ...value);
        const buf = new Uint8Array(pad + short.length);
        buf.set(short, pad);
        const r = new Reader(buf, pad, buf.length, 1000);
        const a = readBerTlv(r);
        const b = decodeBerTlv(long, undefined, 1000 + pad);
        t.equal(r.pos, buf.length);
        t.same(Object.keys(a), Object.keys(b), 'same keys in the same order');
        t.same(
          { ...a, raw: undefined, headerLength: undefined },
          { ...b, raw: undefined, headerLength: undefined },
        );
        t.equal(a.tagClass, CLASSES[cls]);
        t.equal(a.headerLength, 2);
        t.equal(b.headerLength, 3);
        t.equal(a.offset, 1000 + pad);
        t.equal(a.value.buffer, buf.buffer, 'value is a view');
        const c = decodeBerTlv(short, undefined, 1000 + pad);
        t.same(Object.keys(c), Object.keys(a));
        t.same({ ...c, value: undefined, raw: undefined }, { ...a, value: undefined, raw: undefined });
        t.ok(c.raw !== short && c.raw.length === short.length && c.raw.buffer === short.buffer);
        t.same(c.value, value);
        t.throws(() => decodeBerTlv(Uint8Array.of(...short, 0)), { code: ErrorCode.TrailingBytes });
        return true;
      },
    ),
    { numRuns: 300 },
  );
  t.end();
});

t.test('a short length that overruns still fails with LengthOverrun at the length octet', (t) => {
  const r = new Reader(Uint8Array.of(0x04, 0x05, 1, 2), 0, 4, 10);
  t.throws(() => readBerTlv(r), { code: ErrorCode.LengthOverrun, offset: 11 });
  t.end();
});

t.test('decodeBerTree keeps every field of a constructed TLV next to its children', (t) => {
  const bytes = encodeBerNode({
    tagClass: 'application',
    constructed: true,
    tag: 0,
    children: [{ tagClass: 'context', constructed: false, tag: 1, value: Uint8Array.of(9) }],
  });
  const [root] = decodeBerTree(bytes);
  t.same(Object.keys(root!), [
    'tagClass',
    'constructed',
    'tag',
    'length',
    'headerLength',
    'value',
    'raw',
    'offset',
    'children',
  ]);
  t.equal(root!.children!.length, 1);
  t.equal(root!.children![0]!.offset, 2);
  t.end();
});
