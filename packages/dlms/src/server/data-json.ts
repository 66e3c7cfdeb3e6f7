/**
 * The JSON form of COSEM data (IEC 62056-6-2 §4.1.5 "Data" CHOICE) used by simulator profiles:
 * `{ "type": "double-long-unsigned", "value": 4027 }`, the same shape `stringifyJson` gives a
 * decoded value. Octet-strings are hex text, 64-bit integers decimal strings (or safe numbers),
 * bit-strings `'0'`/`'1'` text, non-finite floats `"NaN"`/`"Infinity"`/`"-Infinity"` text, date-times either an ISO 8601 string or the `CosemDateTime` fields,
 * arrays and structures lists of the same form. The short form `{ "double-long-unsigned": 4027 }`
 * is accepted on input too, and an octet-string may be given as an OBIS code with `{ "obis": … }`.
 */
import { ErrorCode, fromHex, MeterkitError, toHex } from '@meterkit/core';
import { DataTag, type DataTypeName, type DlmsData } from '../axdr/data.js';
import {
  type CosemDate,
  type CosemDateTime,
  type CosemTime,
  cosemDateTimeFromIso,
} from '../axdr/date-time.js';
import { parseObis } from '../obis/obis.js';

/** The non-finite floating-point values, as the JSON form (`toJsonValue`) writes them. */
const NON_FINITE: ReadonlyMap<string, number> = new Map([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
]);

/** Deepest nesting the JSON reader accepts (the A-XDR decoder's limit). IEC 62056-6-2 §4.1.5. */
const MAX_DEPTH = 32;

/** A JSON value as `JSON.parse` returns it. IEC 62056-6-2 §4.1.5. */
export type JsonInput =
  | null
  | boolean
  | number
  | string
  | readonly JsonInput[]
  | { readonly [k: string]: JsonInput };

const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  'double-long': [-0x80000000, 0x7fffffff],
  'double-long-unsigned': [0, 0xffffffff],
  bcd: [0, 0xff],
  integer: [-128, 127],
  long: [-32768, 32767],
  unsigned: [0, 255],
  'long-unsigned': [0, 0xffff],
  enum: [0, 255],
  'delta-integer': [-128, 127],
  'delta-long': [-32768, 32767],
  'delta-double-long': [-0x80000000, 0x7fffffff],
  'delta-unsigned': [0, 255],
  'delta-long-unsigned': [0, 0xffff],
  'delta-double-long-unsigned': [0, 0xffffffff],
};

function bad(path: string, message: string): never {
  throw new MeterkitError(ErrorCode.ValueInvalid, message, { path });
}

function isRecord(v: unknown): v is Readonly<Record<string, JsonInput>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(o: Readonly<Record<string, JsonInput>>, k: string): number | null | undefined {
  const v = o[k];
  if (v === undefined || v === null) return v === null ? null : undefined;
  return typeof v === 'number' ? v : undefined;
}

function dateFields(v: JsonInput, path: string): CosemDate {
  if (!isRecord(v)) bad(path, 'a date must be an object of its fields');
  const month = v.month;
  const day = v.dayOfMonth;
  return {
    year: field(v, 'year') ?? null,
    month: typeof month === 'string' ? (month as CosemDate['month']) : (field(v, 'month') ?? null),
    dayOfMonth: typeof day === 'string' ? (day as CosemDate['dayOfMonth']) : (field(v, 'dayOfMonth') ?? null),
    dayOfWeek: field(v, 'dayOfWeek') ?? null,
  };
}

function timeFields(v: JsonInput, path: string): CosemTime {
  if (!isRecord(v)) bad(path, 'a time must be an object of its fields');
  return {
    hour: field(v, 'hour') ?? null,
    minute: field(v, 'minute') ?? null,
    second: field(v, 'second') ?? null,
    hundredths: field(v, 'hundredths') ?? null,
  };
}

function dateTimeOf(v: JsonInput, path: string): CosemDateTime {
  if (typeof v === 'string') return cosemDateTimeFromIso(v);
  if (!isRecord(v)) bad(path, 'a date-time must be an ISO 8601 string or an object of its fields');
  return {
    ...dateFields(v, path),
    ...timeFields(v, path),
    deviation: field(v, 'deviation') ?? null,
    clockStatus: field(v, 'clockStatus') ?? null,
  };
}

function bigintOf(v: JsonInput, type: string, path: string): bigint {
  let n: bigint;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else return bad(path, `${type} needs an integer (number or decimal string)`);
  const unsigned = type === 'long64-unsigned';
  const min = unsigned ? 0n : -(1n << 63n);
  const max = unsigned ? (1n << 64n) - 1n : (1n << 63n) - 1n;
  if (n < min || n > max) bad(path, `${type} ${n} is out of range`);
  return n;
}

/**
 * Reads COSEM data from its JSON form (IEC 62056-6-2 §4.1.5). Throws `ValueInvalid` (207) with the
 * JSON path of whatever does not fit. compact-array is not part of the JSON form.
 */
export function dataFromJson(json: JsonInput, path = 'data', depth = 0): DlmsData {
  if (depth > MAX_DEPTH)
    throw new MeterkitError(ErrorCode.NestingTooDeep, 'data nested too deeply', { path });
  if (!isRecord(json)) return bad(path, 'data must be an object { "type": …, "value": … }');
  let type: string;
  let value: JsonInput | undefined;
  if (typeof json.type === 'string') {
    type = json.type;
    value = json.value;
    if (json.obis !== undefined) value = json.obis;
  } else {
    const keys = Object.keys(json);
    if (keys.length !== 1) return bad(path, 'data must be { "type": …, "value": … } or { "<type>": value }');
    type = keys[0]!;
    value = json[type];
  }
  if (!(type in DataTag) || type === 'compact-array')
    return bad(path, `unknown data type ${JSON.stringify(type)}`);
  const t = type as DataTypeName;
  const range = INTEGER_RANGES[t];
  if (range !== undefined) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) {
      return bad(path, `${t} needs an integer in ${range[0]}..${range[1]}`);
    }
    return { type: t, value } as DlmsData;
  }
  switch (t) {
    case 'null-data':
    case 'dont-care':
      return { type: t, value: null };
    case 'array':
    case 'structure': {
      if (!Array.isArray(value)) return bad(path, `${t} needs a list`);
      const list = value as readonly JsonInput[];
      return { type: t, value: list.map((x, i) => dataFromJson(x, `${path}[${i}]`, depth + 1)) };
    }
    case 'boolean':
      if (typeof value !== 'boolean') return bad(path, 'boolean needs true or false');
      return { type: t, value };
    case 'bit-string':
      if (typeof value !== 'string' || !/^[01]*$/.test(value))
        return bad(path, "bit-string needs '0'/'1' text");
      return { type: t, value };
    case 'long64':
    case 'long64-unsigned':
      return { type: t, value: bigintOf(value ?? null, t, path) };
    case 'octet-string': {
      if (typeof value !== 'string') return bad(path, 'octet-string needs hex text or an OBIS code');
      if (json.obis !== undefined || /[-:]/.test(value)) return { type: t, value: parseObis(value) };
      return { type: t, value: fromHex(value) };
    }
    case 'visible-string':
    case 'utf8-string':
      if (typeof value !== 'string') return bad(path, `${t} needs a string`);
      return { type: t, value };
    case 'float32':
    case 'float64': {
      // the JSON form writes the non-finite values as text (JSON has no number for them)
      const v = typeof value === 'string' ? NON_FINITE.get(value) : value;
      if (typeof v !== 'number')
        return bad(path, `${t} needs a number ("NaN", "Infinity", "-Infinity" as text)`);
      return { type: t, value: v };
    }
    case 'date-time':
      return { type: t, value: dateTimeOf(value ?? null, path) };
    case 'date':
      return { type: t, value: dateFields(value ?? null, path) };
    case 'time':
      return { type: t, value: timeFields(value ?? null, path) };
    default:
      return bad(path, `unknown data type ${JSON.stringify(type)}`);
  }
}

/** A JSON value as `dataToJson` produces it. IEC 62056-6-2 §4.1.5. */
export type JsonOutput = null | boolean | number | string | JsonOutput[] | { [k: string]: JsonOutput };

/**
 * Writes COSEM data in its JSON form (IEC 62056-6-2 §4.1.5), the inverse of `dataFromJson`:
 * octet-strings as hex, 64-bit integers as decimal strings, date-times as their fields.
 */
export function dataToJson(d: DlmsData): JsonOutput {
  switch (d.type) {
    case 'array':
    case 'structure':
      return { type: d.type, value: d.value.map(dataToJson) };
    case 'octet-string':
      return { type: d.type, value: toHex(d.value) };
    case 'long64':
    case 'long64-unsigned':
      return { type: d.type, value: d.value.toString() };
    case 'compact-array':
      return { type: 'array', value: d.value.elements.map(dataToJson) };
    case 'date-time':
    case 'date':
    case 'time':
      return { type: d.type, value: { ...d.value } as { [k: string]: JsonOutput } };
    case 'float32':
    case 'float64':
      // JSON has no number for NaN and ±Infinity: text, as `toJsonValue` writes them
      return { type: d.type, value: Number.isFinite(d.value) ? d.value : String(d.value) };
    default:
      return { type: d.type, value: d.value } as JsonOutput;
  }
}
