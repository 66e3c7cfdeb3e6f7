import { readFileSync } from 'node:fs';
import { fromHex, isMeterkitError, type MeterkitError, Reader, toHex, Writer } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  type CosemDateTime,
  cosemDateTimeFromDate,
  cosemDateTimeFromIso,
  cosemDateTimeToDate,
  cosemDateTimeToIso,
  DataTag,
  type DlmsData,
  dataTypeName,
  decodeClockStatus,
  decodeCosemDateTime,
  decodeData,
  encodeClockStatus,
  encodeCosemDateTime,
  encodeData,
  readTypeDescription,
  writeData,
  writeTypeDescription,
} from '../src/axdr/index.js';
import { DlmsErrorCode } from '../src/errors.js';
import { fromJsonForm, jsonForm } from './apdu-helpers.js';
import { cosemDateTime, dlmsData, typeDescription } from './axdr-arbitraries.js';

interface Good {
  id: string;
  hex: string;
  expected: unknown;
}
interface Bad {
  id: string;
  hex: string;
  code: number;
  offset: number;
}
const file = JSON.parse(
  readFileSync(new URL('./vectors/apdu/axdr-values.json', import.meta.url), 'utf8'),
) as {
  entries: Good[];
  malformed: Bad[];
};

function thrown(fn: () => unknown): MeterkitError {
  try {
    fn();
  } catch (e) {
    if (isMeterkitError(e)) return e;
    throw e;
  }
  throw new Error('expected a MeterkitError');
}

t.test('A-XDR values: parse, generate, mirror', async (t) => {
  const covered = new Set<string>();
  for (const v of file.entries) {
    const bytes = fromHex(v.hex);
    const d = decodeData(bytes);
    covered.add(d.type);
    t.same(jsonForm(d), v.expected, `${v.id}: parse`);
    t.equal(toHex(encodeData(d)), toHex(bytes), `${v.id}: mirror`);
    t.equal(toHex(encodeData(fromJsonForm(v.expected) as DlmsData)), toHex(bytes), `${v.id}: generate`);
    for (let cut = 0; cut < bytes.length; cut++) {
      const e = thrown(() => decodeData(bytes.subarray(0, cut)));
      if (![200, 201].includes(e.code) || e.offset === undefined || e.offset > cut) {
        t.fail(`${v.id} cut at ${cut}: ${e.code} at ${e.offset}`);
      }
    }
  }
  for (const name of Object.keys(DataTag)) t.ok(covered.has(name), `vector for ${name}`);
});

t.test('malformed A-XDR raises the exact code and offset', async (t) => {
  for (const v of file.malformed) {
    const e = thrown(() => decodeData(fromHex(v.hex), 100));
    t.equal(e.code, v.code, `${v.id}: code (${e.message})`);
    t.equal(e.offset, v.offset + 100, `${v.id}: absolute offset`);
  }
});

t.test('data type names', async (t) => {
  t.equal(dataTypeName(6), 'double-long-unsigned');
  t.equal(dataTypeName(0xff), 'dont-care');
  t.equal(dataTypeName(7), undefined);
});

t.test('encoder refuses values it cannot represent', async (t) => {
  const bad: [unknown, number][] = [
    [{ type: 'unsigned', value: 256 }, 206],
    [{ type: 'integer', value: 1.5 }, 206],
    [{ type: 'long64', value: 2n ** 63n }, 206],
    [{ type: 'visible-string', value: '\u20ac' }, 211],
    [{ type: 'bit-string', value: '012' }, 211],
    [{ type: 'octet-string', value: 'aa' }, 211],
    [{ type: 'long', value: '1' }, 211],
    [{ type: 'no-such-type', value: 1 }, 211],
    [{ type: 'date-time', value: { year: 0xffff } }, 206],
    [
      {
        type: 'date',
        value: { year: 2020, month: 0xfd, dayOfMonth: 1, dayOfWeek: null },
      },
      206,
    ],
    [
      {
        type: 'date',
        value: { year: 2020, month: 1, dayOfMonth: 0xfe, dayOfWeek: null },
      },
      206,
    ],
    [{ type: 'time', value: { hour: 255, minute: 0, second: 0, hundredths: 0 } }, 206],
    [
      {
        type: 'compact-array',
        value: { description: { type: 'unsigned' }, elements: [{ type: 'long', value: 1 }] },
      },
      DlmsErrorCode.CompactArrayMismatch,
    ],
    [
      {
        type: 'compact-array',
        value: {
          description: { type: 'array', count: 2, element: { type: 'unsigned' } },
          elements: [{ type: 'array', value: [{ type: 'unsigned', value: 1 }] }],
        },
      },
      DlmsErrorCode.CompactArrayMismatch,
    ],
    [
      {
        type: 'compact-array',
        value: { description: { type: 'null-data' }, elements: [{ type: 'null-data', value: null }] },
      },
      DlmsErrorCode.CompactArrayMismatch,
    ],
    [{ type: 'compact-array', value: { description: { type: 'compact-array' }, elements: [] } }, 211],
  ];
  for (const [d, code] of bad)
    t.equal(
      thrown(() => encodeData(d as DlmsData)).code,
      code,
      JSON.stringify(d, (_, x) => (typeof x === 'bigint' ? String(x) : x)),
    );
  let deep: DlmsData = { type: 'null-data', value: null };
  for (let i = 0; i < 40; i++) deep = { type: 'array', value: [deep] };
  t.equal(thrown(() => encodeData(deep)).code, 209);
  let deepDesc: import('../src/axdr/data.js').TypeDescription = { type: 'unsigned' };
  for (let i = 0; i < 40; i++) deepDesc = { type: 'structure', elements: [deepDesc] };
  t.equal(thrown(() => writeTypeDescription(new Writer(), deepDesc)).code, 209);
});

t.test('property: generated values round-trip exactly', async (t) => {
  fc.assert(
    fc.property(dlmsData, (d) => {
      const bytes = encodeData(d);
      const back = decodeData(bytes);
      t.same(back, d);
      return toHex(encodeData(back)) === toHex(bytes);
    }),
    { numRuns: 500 },
  );
});

t.test('property: type descriptions round-trip', async (t) => {
  fc.assert(
    fc.property(typeDescription, (d) => {
      const w = new Writer();
      writeTypeDescription(w, d);
      const r = new Reader(w.finish());
      t.same(readTypeDescription(r), d);
      return r.atEnd;
    }),
    { numRuns: 200 },
  );
});

t.test('property: arbitrary bytes raise only MeterkitError', async () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      try {
        decodeData(b);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
      }
    }),
    { numRuns: 1000 },
  );
  // Tags first, so the arbitrary bytes hit every type's decoder.
  fc.assert(
    fc.property(
      fc.constantFrom(...Object.values(DataTag), 7, 8, 11, 14),
      fc.uint8Array({ maxLength: 40 }),
      (tag, rest) => {
        const b = new Uint8Array(rest.length + 1);
        b[0] = tag;
        b.set(rest, 1);
        try {
          decodeData(b);
        } catch (e) {
          if (!isMeterkitError(e)) throw e;
        }
      },
    ),
    { numRuns: 1000 },
  );
});

t.test('property: truncating an encoded value gives a typed error within the input', async () => {
  fc.assert(
    fc.property(
      dlmsData.filter((d) => encodeData(d).length > 1),
      fc.nat(),
      (d, n) => {
        const bytes = encodeData(d);
        const cut = n % bytes.length;
        try {
          decodeData(bytes.subarray(0, cut));
          return false;
        } catch (e) {
          return (
            isMeterkitError(e) &&
            (e.code === 200 || e.code === 201) &&
            e.offset !== undefined &&
            e.offset <= cut
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});

t.test('lying lengths do not allocate', async (t) => {
  const lying = fromHex('0184FFFFFFFF00');
  const e = thrown(() => decodeData(lying));
  t.equal(e.code, 201);
  const w = new Writer();
  writeData(w, { type: 'octet-string', value: new Uint8Array(300) });
  t.equal(toHex(w.written().subarray(0, 4)), '0982012c');
});

t.test('date-time octet-string form and conversions', async (t) => {
  const iskra = decodeCosemDateTime(fromHex('07e90c03030f351e00ffc400'));
  t.same(iskra, {
    year: 2025,
    month: 12,
    dayOfMonth: 3,
    dayOfWeek: 3,
    hour: 15,
    minute: 53,
    second: 30,
    hundredths: 0,
    deviation: -60,
    clockStatus: 0,
  });
  t.equal(cosemDateTimeToIso(iskra), '2025-12-03T15:53:30.00+01:00');
  t.equal(cosemDateTimeToDate(iskra).toISOString(), '2025-12-03T14:53:30.000Z');
  t.same(decodeClockStatus(0x80), {
    invalidValue: false,
    doubtfulValue: false,
    differentClockBase: false,
    invalidClockStatus: false,
    daylightSavingActive: true,
    reserved: 0,
  });
  t.equal(encodeClockStatus({ daylightSavingActive: true, invalidValue: true, reserved: 1 }), 0x91);
  t.equal(encodeClockStatus(decodeClockStatus(0x8f)), 0x8f);

  const kaifa = decodeCosemDateTime(fromHex('07e60102070e2512ff800000'));
  t.equal(cosemDateTimeToIso(kaifa), '2022-01-02T14:37:18', 'local time without offset or fraction');
  t.equal(thrown(() => cosemDateTimeToDate(kaifa)).code, DlmsErrorCode.DateTimeNotSpecified);
  t.equal(
    cosemDateTimeToDate(kaifa, { notSpecified: { deviation: -60, hundredths: 0 } }).toISOString(),
    '2022-01-02T13:37:18.000Z',
  );
  t.equal(thrown(() => decodeCosemDateTime(new Uint8Array(11))).code, DlmsErrorCode.DateTimeInvalid);

  const unspecified = decodeCosemDateTime(fromHex('ffffffffffffffffff8000ff'));
  t.equal(thrown(() => cosemDateTimeToIso(unspecified)).code, DlmsErrorCode.DateTimeNotSpecified);
  const special: CosemDateTime = { ...iskra, month: 'daylight-savings-end' };
  t.equal(thrown(() => cosemDateTimeToIso(special)).code, DlmsErrorCode.DateTimeNotSpecified);
  t.equal(
    thrown(() => cosemDateTimeToIso({ ...iskra, dayOfMonth: 31, month: 11 })).code,
    DlmsErrorCode.DateTimeInvalid,
  );
  t.equal(thrown(() => cosemDateTimeToIso({ ...iskra, hour: 24 })).code, DlmsErrorCode.DateTimeInvalid);
  t.equal(cosemDateTimeToIso({ ...iskra, month: 2, dayOfMonth: 29, year: 2024 }).slice(0, 10), '2024-02-29');
  t.equal(
    thrown(() => cosemDateTimeToIso({ ...iskra, month: 2, dayOfMonth: 29, year: 2100 })).code,
    DlmsErrorCode.DateTimeInvalid,
  );
  t.equal(
    cosemDateTimeToIso({ ...iskra, second: null }, { notSpecified: { second: 0 } }).slice(11, 19),
    '15:53:00',
  );
  t.equal(cosemDateTimeToDate({ ...iskra, year: 50 }).getUTCFullYear(), 50);

  const fromIso = cosemDateTimeFromIso('2025-12-03T15:53:30.00+01:00');
  t.same(fromIso, { ...iskra, clockStatus: null });
  t.same(cosemDateTimeFromIso('2025-12-03T15:53:30Z'), {
    ...iskra,
    hundredths: null,
    deviation: 0,
    clockStatus: null,
  });
  t.equal(cosemDateTimeFromIso('2025-12-03T15:53:30.5-02:30').deviation, 150);
  t.equal(cosemDateTimeFromIso('2025-12-03T15:53:30.5').hundredths, 50);
  t.equal(cosemDateTimeFromIso('2025-12-03T15:53:30.120000').hundredths, 12);
  t.equal(thrown(() => cosemDateTimeFromIso('2025-12-03T15:53:30.123')).code, DlmsErrorCode.DateTimeInvalid);
  t.equal(thrown(() => cosemDateTimeFromIso('yesterday')).code, 207);
  t.equal(thrown(() => cosemDateTimeFromIso('2025-13-03T15:53:30')).code, DlmsErrorCode.DateTimeInvalid);
  t.equal(
    thrown(() => cosemDateTimeFromIso('2025-12-03T15:53:30+13:00')).code,
    DlmsErrorCode.DateTimeInvalid,
  );

  const fromDate = cosemDateTimeFromDate(new Date('2025-12-03T14:53:30.000Z'), {
    deviation: -60,
    clockStatus: 0,
  });
  t.same(fromDate, iskra);
  t.equal(cosemDateTimeFromDate(new Date(0)).deviation, 0);
  t.equal(thrown(() => cosemDateTimeFromDate(new Date(Number.NaN))).code, 600);
  t.equal(
    thrown(() => cosemDateTimeFromDate(new Date(0), { deviation: 800 })).code,
    DlmsErrorCode.DateTimeInvalid,
  );
  t.equal(thrown(() => encodeCosemDateTime({ ...iskra, deviation: -32768 })).code, 206);
});

t.test('property: date-time round-trips through octets', async (t) => {
  fc.assert(
    fc.property(cosemDateTime, (dt) => {
      const b = encodeCosemDateTime(dt);
      t.same(decodeCosemDateTime(b), dt);
      return b.length === 12;
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(
      fc.date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
      fc.integer({ min: -720, max: 720 }),
      (d, dev) => {
        const dt = cosemDateTimeFromDate(d, { deviation: dev });
        const back = cosemDateTimeToDate(dt);
        const iso = cosemDateTimeToIso(dt);
        const again = cosemDateTimeFromIso(iso);
        return (
          back.getTime() === Math.floor(d.getTime() / 10) * 10 &&
          again.deviation === dev &&
          again.hundredths === dt.hundredths &&
          again.dayOfWeek === dt.dayOfWeek
        );
      },
    ),
    { numRuns: 300 },
  );
});
