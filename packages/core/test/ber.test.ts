import * as asn1js from 'asn1js';
import fc from 'fast-check';
import t from 'tap';
import {
  type BerNode,
  type BerTlv,
  bytesEqual,
  decodeBerInteger,
  decodeBerTlv,
  decodeBerTree,
  decodeBitString,
  decodeOid,
  decodeRelativeOid,
  ErrorCode,
  encodeBerInteger,
  encodeBerNode,
  encodeBitString,
  encodeOid,
  encodeRelativeOid,
  fromHex,
  MeterkitError,
  Reader,
  readBerHeader,
  toHex,
  Writer,
  writeBerTag,
} from '../src/index.js';

// The DLMS AARQ with LN referencing and LLS from the research note (Green Book style), 56 bytes.
const AARQ_LLS =
  '6036a1090607608574050801018a0207808b0760857405080201ac0a80083132333435363738be10040e01000000065f1f0400001e1dffff';

t.test('decodes a real DLMS AARQ as a BER tree', (t) => {
  const [aarq] = decodeBerTree(fromHex(AARQ_LLS));
  t.ok(aarq);
  const a = aarq!;
  t.equal(a.tagClass, 'application');
  t.equal(a.tag, 0);
  t.ok(a.constructed);
  t.same(
    a.children!.map((c) => `${c.tagClass}:${c.tag}`),
    ['context:1', 'context:10', 'context:11', 'context:12', 'context:30'],
  );
  const ctx = a.children![0]!.children![0]!;
  t.equal(ctx.tag, 6);
  t.equal(decodeOid(ctx.value), '2.16.756.5.8.1.1');
  const mech = a.children![2]!;
  t.equal(decodeOid(mech.value), '2.16.756.5.8.2.1');
  const bits = decodeBitString(a.children![1]!.value);
  t.same(bits, { unusedBits: 7, bytes: Uint8Array.from([0x80]) });
  t.equal(toHex(encodeBitString(bits)), '0780');
  t.equal(new TextDecoder().decode(a.children![3]!.children![0]!.value), '12345678');
  t.equal(a.children![4]!.offset, 38);
  t.ok(bytesEqual(encodeBerNode(toNode(a)), fromHex(AARQ_LLS)), 'byte-exact re-encoding');
  t.end();
});

function toNode(tlv: BerTlv): BerNode {
  return tlv.children
    ? { tagClass: tlv.tagClass, constructed: true, tag: tlv.tag, children: tlv.children.map(toNode) }
    : { tagClass: tlv.tagClass, constructed: tlv.constructed, tag: tlv.tag, value: tlv.value };
}

t.test('high tag numbers', (t) => {
  const cases: [number, string][] = [
    [30, '9e'],
    [31, '9f1f'],
    [127, '9f7f'],
    [128, '9f8100'],
    [16383, '9fff7f'],
    [16384, '9f818000'],
    [0x0fffffff, '9fffffff7f'],
  ];
  for (const [tag, hex] of cases) {
    const w = new Writer();
    writeBerTag(w, 'context', false, tag);
    t.equal(toHex(w.finish()), hex, `tag ${tag}`);
    const h = readBerHeader(new Reader(fromHex(`${hex}00`)));
    t.equal(h.tag, tag);
    t.equal(h.headerLength, hex.length / 2 + 1);
  }
  t.throws(() => writeBerTag(new Writer(), 'context', false, 0x10000000), { code: ErrorCode.TagTooLarge });
  t.end();
});

const malformed: [string, string, number, number][] = [
  ['empty', '', ErrorCode.Truncated, 0],
  ['no length', '04', ErrorCode.Truncated, 1],
  ['lying length', '0405010203', ErrorCode.LengthOverrun, 1],
  ['lying long length', '0484ffffffff00', ErrorCode.LengthOverrun, 1],
  ['indefinite length', '3080040100000', ErrorCode.IndefiniteLength, 1],
  ['length of 5 octets', '04850000000001', ErrorCode.LengthInvalid, 1],
  ['oversize tag', '9f8181818101', ErrorCode.TagTooLarge, 0],
  ['tag leading zero octet', '9f800100', ErrorCode.ValueInvalid, 1],
  ['low tag in high form', '9f0500', ErrorCode.ValueInvalid, 0],
  ['unterminated tag', '9f81', ErrorCode.Truncated, 2],
  ['trailing bytes', '040100ff', ErrorCode.TrailingBytes, 3],
];

t.test('malformed TLVs raise the exact code and offset', (t) => {
  for (const [name, hex, code, offset] of malformed) {
    const bytes = hex.length % 2 ? fromHex(`${hex}0`) : fromHex(hex);
    t.throws(() => decodeBerTlv(bytes), { code, offset }, name);
  }
  t.throws(() => decodeBerTree(fromHex('300430023000'), { maxDepth: 3 }), { code: ErrorCode.NestingTooDeep });
  t.equal(decodeBerTree(fromHex('300430023000'), { maxDepth: 4 }).length, 1);
  t.end();
});

t.test('OIDs and relative OIDs', (t) => {
  const oids: [string, string][] = [
    ['2.16.756.5.8.1.1', '608574050801 01'.replace(' ', '')],
    ['1.2.840.10045.4.3.2', '2a8648ce3d040302'],
    ['0.39', '27'],
    ['2.999.3', '883703'],
    ['1.3.6.1.4.1.12345678901234567890', '2b0601040181abaaaab1ced8fc9552'],
  ];
  for (const [oid, hex] of oids) {
    t.equal(toHex(encodeOid(oid)), hex, oid);
    t.equal(decodeOid(fromHex(hex)), oid, hex);
  }
  t.equal(toHex(encodeRelativeOid('.123.4')), '7b04');
  t.equal(decodeRelativeOid(fromHex('7b04')), '123.4');
  t.throws(() => decodeOid(new Uint8Array(0)), { code: ErrorCode.ValueInvalid });
  t.throws(() => decodeOid(fromHex('2a86')), { code: ErrorCode.Truncated });
  t.throws(() => decodeOid(fromHex('2a8001')), { code: ErrorCode.ValueInvalid, offset: 1 });
  t.throws(() => encodeOid('1'), { code: ErrorCode.InvalidArgument });
  t.throws(() => encodeOid('3.1'), { code: ErrorCode.InvalidArgument });
  t.throws(() => encodeOid('1.40'), { code: ErrorCode.InvalidArgument });
  t.throws(() => encodeOid('1.a'), { code: ErrorCode.InvalidArgument });
  t.end();
});

t.test('INTEGER and BIT STRING contents', (t) => {
  const ints: [number | bigint, string][] = [
    [0, '00'],
    [127, '7f'],
    [128, '0080'],
    [-1, 'ff'],
    [-128, '80'],
    [-129, 'ff7f'],
    [0x7fffffffffff, '7fffffffffff'],
    [12345678901234567890n, '00ab54a98ceb1f0ad2'],
    [-(2n ** 63n), '8000000000000000'],
  ];
  for (const [v, hex] of ints) {
    t.equal(toHex(encodeBerInteger(v)), hex, String(v));
    t.equal(decodeBerInteger(fromHex(hex)), v, hex);
  }
  t.throws(() => decodeBerInteger(new Uint8Array(0)), { code: ErrorCode.ValueInvalid });
  t.throws(() => decodeBitString(new Uint8Array(0)), { code: ErrorCode.Truncated });
  t.throws(() => decodeBitString(fromHex('08ff')), { code: ErrorCode.ValueInvalid });
  t.throws(() => decodeBitString(fromHex('01')), { code: ErrorCode.ValueInvalid });
  t.end();
});

const tagClass = fc.constantFrom('application' as const, 'context' as const, 'private' as const);
const tagNumber = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 31, max: 0x1fffff }));
const berNode: fc.Arbitrary<BerNode> = fc.letrec<{ node: BerNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      tagClass,
      constructed: fc.constant(false),
      tag: tagNumber,
      value: fc.uint8Array({ maxLength: 300 }),
    }),
    fc.record({
      tagClass: fc.constant('universal' as const),
      constructed: fc.constant(false),
      tag: fc.constant(4),
      value: fc.uint8Array({ maxLength: 40 }),
    }),
    fc.record({
      tagClass,
      constructed: fc.constant(true),
      tag: tagNumber,
      children: fc.array(tie('node'), { maxLength: 4 }),
    }),
  ),
})).node;

t.test('property: our encoding equals asn1js re-encoding, and decodes back to the same tree', (t) => {
  fc.assert(
    fc.property(berNode, (node) => {
      const ours = encodeBerNode(node);
      const parsed = asn1js.fromBER(ours);
      if (parsed.offset === -1) throw new Error(`asn1js rejected our encoding: ${parsed.result.error}`);
      const theirs = new Uint8Array(parsed.result.toBER());
      if (!bytesEqual(ours, theirs)) throw new Error(`mismatch ${toHex(ours)} vs ${toHex(theirs)}`);
      const [tlv] = decodeBerTree(ours);
      return bytesEqual(encodeBerNode(toNode(tlv!)), ours);
    }),
    { numRuns: 300 },
  );
  t.end();
});

t.test('property: OIDs round-trip and asn1js agrees on their dotted form', (t) => {
  const oid = fc
    .tuple(
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 39 }),
      fc.array(fc.bigInt({ min: 0n, max: 2n ** 70n }), { maxLength: 8 }),
    )
    .map(([a, b, rest]) => [a, b, ...rest].join('.'));
  fc.assert(
    fc.property(oid, (s) => {
      const content = encodeOid(s);
      if (decodeOid(content) !== s) return false;
      const w = new Writer();
      writeBerTag(w, 'universal', false, 6);
      w.berLength(content.length).bytes(content);
      // asn1js keeps arcs as JS numbers, so it is an oracle only below 2^53
      if (s.split('.').some((arc) => BigInt(arc) >= 2n ** 53n)) return true;
      const parsed = asn1js.fromBER(w.finish());
      return (parsed.result as asn1js.ObjectIdentifier).valueBlock.toString() === s;
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), (v) => {
      const d = decodeBerInteger(encodeBerInteger(v));
      return BigInt(d) === v;
    }),
    { numRuns: 300 },
  );
  t.end();
});

t.test('property: arbitrary bytes only raise MeterkitError from the BER decoders', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      for (const f of [
        () => decodeBerTree(b),
        () => decodeBerTlv(b),
        () => decodeOid(b),
        () => decodeRelativeOid(b),
      ]) {
        try {
          f();
        } catch (e) {
          if (!(e instanceof MeterkitError)) throw e;
        }
      }
    }),
    { numRuns: 2000 },
  );
  t.end();
});
