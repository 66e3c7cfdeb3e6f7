import fc from 'fast-check';
import t from 'tap';
import {
  type BerNode,
  beginBerContent,
  decodeBerInteger,
  decodeOid,
  encodeBerInteger,
  encodeBerNode,
  encodeOid,
  endBerContent,
  readBerTlv,
  writeBerNode,
  writeBerTlv,
} from '../src/ber.js';
import { Reader } from '../src/bytes/reader.js';
import { Writer } from '../src/bytes/writer.js';

/** The straightforward encoding: each constructed node's content in a writer of its own. */
function reference(w: Writer, node: BerNode): void {
  if (node.children !== undefined) {
    const inner = new Writer();
    for (const c of node.children) reference(inner, c);
    writeBerTlv(w, node.tagClass, node.constructed, node.tag, inner.written());
  } else writeBerTlv(w, node.tagClass, node.constructed, node.tag, node.value ?? new Uint8Array(0));
}

const tagClass = fc.constantFrom('universal', 'application', 'context', 'private' as const);
const node: fc.Memo<BerNode> = fc.memo(
  (depth): fc.Arbitrary<BerNode> =>
    depth <= 1
      ? fc.record<BerNode>({
          tagClass,
          constructed: fc.constant(false),
          tag: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 31, max: 0x0fff_ffff })),
          value: fc.uint8Array({ maxLength: 300 }),
        })
      : fc.record<BerNode>({
          tagClass,
          constructed: fc.constant(true),
          tag: fc.integer({ min: 0, max: 5000 }),
          children: fc.array(node(depth - 1), { maxLength: 4 }),
        }),
);

t.test('encodeBerNode writes a tree in one writer, the octets of the nested encoding', (t) => {
  fc.assert(
    fc.property(node(4), (n) => {
      const w = new Writer(16);
      reference(w, n);
      t.same([...encodeBerNode(n)], [...w.written()]);
      const into = new Writer(16);
      into.u8(0x55);
      writeBerNode(into, n);
      t.same([...into.written().subarray(1)], [...w.written()]);
    }),
    { numRuns: 300 },
  );
  // an invalid tag of a child is reported before its parent's
  t.throws(
    () =>
      encodeBerNode({
        tagClass: 'context',
        constructed: true,
        tag: -1,
        children: [{ tagClass: 'context', constructed: false, tag: 2 ** 40, value: new Uint8Array(1) }],
      }),
    { message: /1099511627776/ },
  );
  t.throws(() => encodeBerNode({ tagClass: 'context', constructed: true, tag: -1, children: [] }), {
    code: 205,
  });
  t.end();
});

t.test('beginBerContent / endBerContent give the shortest length form', (t) => {
  for (const n of [0, 1, 127, 128, 255, 256, 65535, 65536, 70000]) {
    const w = new Writer(4);
    w.u8(0x30);
    const at = beginBerContent(w);
    w.fill(n, 0xab);
    endBerContent(w, at);
    const r = new Reader(w.finish());
    const tlv = readBerTlv(r);
    t.equal(tlv.length, n);
    t.equal(tlv.headerLength, 1 + (n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : 4));
    t.ok(r.atEnd);
    t.ok(tlv.value.every((b) => b === 0xab));
  }
  t.end();
});

t.test('Writer.mismatch compares in place', (t) => {
  const w = new Writer(2);
  w.u8(1).u8(2).u8(3);
  t.equal(w.mismatch(Uint8Array.of(1, 2, 3)), -1);
  t.equal(w.mismatch(Uint8Array.of(1, 9, 3)), 1);
  t.equal(w.mismatch(Uint8Array.of(1, 2)), 2);
  t.equal(w.mismatch(Uint8Array.of(1, 2, 3, 4)), 3);
  t.equal(new Writer().mismatch(new Uint8Array(0)), -1);
  t.end();
});

t.test('Writer: 32-bit writes without a DataView match DataView', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), fc.nat(0xffff_ffff), (i, u) => {
      const w = new Writer(16);
      w.i32(i).u32(u).i32le(i).u32le(u).f32(1.5);
      const dv = new DataView(new ArrayBuffer(20));
      dv.setInt32(0, i);
      dv.setUint32(4, u);
      dv.setInt32(8, i, true);
      dv.setUint32(12, u, true);
      dv.setFloat32(16, 1.5);
      t.same([...w.written()], [...new Uint8Array(dv.buffer)]);
    }),
    { numRuns: 300 },
  );
  t.end();
});

t.test('encodeBerInteger fast path = minimal two’s complement; OID caches return fresh copies', (t) => {
  const slow = (v: bigint) => {
    const out: number[] = [];
    for (;;) {
      const byte = Number(v & 0xffn);
      out.unshift(byte);
      v >>= 8n;
      if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
    }
    return out;
  };
  fc.assert(
    fc.property(fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), (v) => {
      t.same([...encodeBerInteger(v)], slow(BigInt(v)));
      t.equal(decodeBerInteger(encodeBerInteger(v)), v);
    }),
    { numRuns: 500 },
  );
  for (const v of [0, -0, 127, 128, -128, -129, 0x7fff_ffff, -0x8000_0000, 2 ** 31, -(2 ** 31) - 1])
    t.same([...encodeBerInteger(v)], slow(BigInt(v)), String(v));
  t.throws(() => encodeBerInteger(1.5));
  const a = encodeOid('2.16.756.5.8.1.1');
  a[0] = 0;
  t.same([...encodeOid('2.16.756.5.8.1.1')], [0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01]);
  const content = Uint8Array.of(0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01);
  t.equal(decodeOid(content), '2.16.756.5.8.1.1');
  content[6] = 2;
  t.equal(decodeOid(content), '2.16.756.5.8.1.2', 'the cache compares contents, not identity');
  t.throws(() => decodeOid(Uint8Array.of(0x60, 0x85)), { code: 200 });
  t.end();
});
