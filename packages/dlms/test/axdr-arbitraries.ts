import fc from 'fast-check';
import type { DlmsData, SimpleDataTypeName, TypeDescription } from '../src/axdr/data.js';
import type { CosemDate, CosemDateTime, CosemTime } from '../src/axdr/date-time.js';

/** fast-check arbitraries for A-XDR data (IEC 62056-6-2 §4.1.5), shared by the property tests. */

const opt8 = (max: number) => fc.option(fc.integer({ min: 0, max }), { nil: null });

export const cosemDate: fc.Arbitrary<CosemDate> = fc.record({
  year: fc.option(fc.integer({ min: 0, max: 0xfffe }), { nil: null }),
  month: fc.oneof(
    opt8(12),
    fc.constantFrom('daylight-savings-end' as const, 'daylight-savings-begin' as const),
  ),
  dayOfMonth: fc.oneof(opt8(31), fc.constantFrom('second-last-day' as const, 'last-day' as const)),
  dayOfWeek: opt8(7),
});

export const cosemTime: fc.Arbitrary<CosemTime> = fc.record({
  hour: opt8(23),
  minute: opt8(59),
  second: opt8(59),
  hundredths: opt8(99),
});

export const cosemDateTime: fc.Arbitrary<CosemDateTime> = fc
  .record({
    date: cosemDate,
    time: cosemTime,
    deviation: fc.option(fc.integer({ min: -720, max: 720 }), { nil: null }),
    clockStatus: opt8(0xfe),
  })
  .map(({ date, time, deviation, clockStatus }) => ({ ...date, ...time, deviation, clockStatus }));

const latin1 = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  maxLength: 20,
});
const bits = fc.array(fc.constantFrom('0', '1'), { maxLength: 40 }).map((a) => a.join(''));
const f32 = fc.float({ noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x));
const f64 = fc.double({ noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x));

/** A value of a simple type. */
export function scalarOf(type: SimpleDataTypeName): fc.Arbitrary<DlmsData> {
  const v = <T>(a: fc.Arbitrary<T>) => a.map((value) => ({ type, value }) as DlmsData);
  switch (type) {
    case 'null-data':
    case 'dont-care':
      return fc.constant({ type, value: null } as DlmsData);
    case 'boolean':
      return v(fc.boolean());
    case 'bit-string':
      return v(bits);
    case 'double-long':
    case 'delta-double-long':
      return v(fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    case 'double-long-unsigned':
    case 'delta-double-long-unsigned':
      return v(fc.integer({ min: 0, max: 0xffffffff }));
    case 'octet-string':
      return v(fc.uint8Array({ maxLength: 20 }));
    case 'visible-string':
      return v(latin1);
    case 'utf8-string':
      return v(fc.string({ unit: 'grapheme', maxLength: 10 }));
    case 'bcd':
    case 'unsigned':
    case 'enum':
    case 'delta-unsigned':
      return v(fc.integer({ min: 0, max: 255 }));
    case 'integer':
    case 'delta-integer':
      return v(fc.integer({ min: -128, max: 127 }));
    case 'long':
    case 'delta-long':
      return v(fc.integer({ min: -32768, max: 32767 }));
    case 'long-unsigned':
    case 'delta-long-unsigned':
      return v(fc.integer({ min: 0, max: 0xffff }));
    case 'long64':
      return v(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
    case 'long64-unsigned':
      return v(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
    case 'float32':
      return v(f32);
    case 'float64':
      return v(f64);
    case 'date-time':
      return v(cosemDateTime);
    case 'date':
      return v(cosemDate);
    case 'time':
      return v(cosemTime);
  }
}

export const SIMPLE_TYPES: readonly SimpleDataTypeName[] = [
  'null-data',
  'boolean',
  'bit-string',
  'double-long',
  'double-long-unsigned',
  'octet-string',
  'visible-string',
  'utf8-string',
  'bcd',
  'integer',
  'long',
  'unsigned',
  'long-unsigned',
  'long64',
  'long64-unsigned',
  'enum',
  'float32',
  'float64',
  'date-time',
  'date',
  'time',
  'delta-integer',
  'delta-long',
  'delta-double-long',
  'delta-unsigned',
  'delta-long-unsigned',
  'delta-double-long-unsigned',
  'dont-care',
];

const sizedTypes = SIMPLE_TYPES.filter((x) => x !== 'null-data' && x !== 'dont-care');

/** A type description whose elements take at least one octet. */
export const typeDescription: fc.Arbitrary<TypeDescription> = fc.letrec<{ d: TypeDescription }>((tie) => ({
  d: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...sizedTypes).map((type) => ({ type }) as TypeDescription),
    fc.record({
      type: fc.constant('array' as const),
      count: fc.integer({ min: 1, max: 3 }),
      element: tie('d'),
    }),
    fc.record({
      type: fc.constant('structure' as const),
      elements: fc.array(tie('d'), { minLength: 1, maxLength: 3 }),
    }),
  ),
})).d;

/** A value that matches a type description. */
export function valueMatching(d: TypeDescription): fc.Arbitrary<DlmsData> {
  if (d.type === 'array')
    return fc
      .array(valueMatching(d.element), { minLength: d.count, maxLength: d.count })
      .map((value) => ({ type: 'array', value }));
  if (d.type === 'structure')
    return fc.tuple(...d.elements.map(valueMatching)).map((value) => ({ type: 'structure', value }));
  return scalarOf(d.type);
}

export const compactArray: fc.Arbitrary<DlmsData> = typeDescription.chain((description) =>
  fc
    .array(valueMatching(description), { maxLength: 4 })
    .map((elements) => ({ type: 'compact-array', value: { description, elements } }) as DlmsData),
);

/** Any A-XDR data value, nested a little. */
export const dlmsData: fc.Arbitrary<DlmsData> = fc.letrec<{ d: DlmsData }>((tie) => ({
  d: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...SIMPLE_TYPES).chain(scalarOf),
    fc.array(tie('d'), { maxLength: 4 }).map((value) => ({ type: 'array', value }) as DlmsData),
    fc.array(tie('d'), { maxLength: 4 }).map((value) => ({ type: 'structure', value }) as DlmsData),
    compactArray,
  ),
})).d;
