/**
 * Lexical ↔ typed conversion of the IEEE 2030.5 primitive types (sep.xsd UInt8…UInt64, Int8…Int64,
 * HexBinary8…160, String6…192, TimeType, xs:boolean, xs:anyURI), with the schema's ranges and lengths.
 *
 * Parsing never throws: it returns the value and sets `valueIssue` to say whether the text was
 * invalid (no value) or out of range (value kept), so the decoder can choose between a deviation
 * and an error. Formatting throws `MeterkitError` for values the type cannot hold.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { ValueKind } from '../model/meta.js';

/** No problem with the last parsed value. */
export const VALUE_OK = 0;
/** The last parsed value is malformed; `parseValue` returned undefined. */
export const VALUE_INVALID = 1;
/** The last parsed value is outside its type's range or length; the value was kept. */
export const VALUE_OUT_OF_RANGE = 2;

/** Set by every `parseValue` call (`VALUE_OK`, `VALUE_INVALID`, `VALUE_OUT_OF_RANGE`). */
export let valueIssue = VALUE_OK;

interface Range {
  readonly min: number;
  readonly max: number;
}

/** Number ranges (sep.xsd facets; UInt40/Int48 follow the schema's maxInclusive/minInclusive values). */
const NUMBER_RANGES: Partial<Record<ValueKind, Range>> = {
  u8: { min: 0, max: 255 },
  u16: { min: 0, max: 65535 },
  u32: { min: 0, max: 4294967295 },
  u40: { min: 0, max: 281474976710655 },
  u48: { min: 0, max: 281474976710655 },
  i8: { min: -128, max: 127 },
  i16: { min: -32768, max: 32767 },
  i32: { min: -2147483648, max: 2147483647 },
  i48: { min: -140737488355328, max: 140737488355328 },
};

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** The numeric range of an integer kind held as a JS number, or undefined for other kinds. */
export function numberRange(kind: ValueKind): Range | undefined {
  return NUMBER_RANGES[kind];
}

/** The bigint range of `u64`/`i64`. */
export function bigintRange(kind: 'u64' | 'i64'): { readonly min: bigint; readonly max: bigint } {
  return kind === 'u64' ? { min: 0n, max: U64_MAX } : { min: I64_MIN, max: I64_MAX };
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Trims XML white space (xs:whiteSpace collapse for non-string types). */
function trimWs(t: string): string {
  let a = 0;
  let b = t.length;
  while (a < b && isWs(t.charCodeAt(a))) a++;
  while (b > a && isWs(t.charCodeAt(b - 1))) b--;
  return a === 0 && b === t.length ? t : t.slice(a, b);
}

function parseNumber(t: string, range: Range): number | undefined {
  let i = 0;
  const n = t.length;
  let neg = false;
  const c0 = t.charCodeAt(0);
  if (c0 === 0x2d || c0 === 0x2b) {
    neg = c0 === 0x2d;
    i = 1;
  }
  if (i >= n || n - i > 30) {
    valueIssue = VALUE_INVALID;
    return undefined;
  }
  let v = 0;
  for (; i < n; i++) {
    const d = t.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) {
      valueIssue = VALUE_INVALID;
      return undefined;
    }
    v = v * 10 + d;
  }
  if (neg) v = -v;
  if (v === 0) v = 0; // no -0
  if (v < range.min || v > range.max || !Number.isSafeInteger(v)) valueIssue = VALUE_OUT_OF_RANGE;
  return v;
}

function parseBigint(t: string, kind: 'u64' | 'i64'): bigint | undefined {
  const n = t.length;
  let i = t.charCodeAt(0) === 0x2d || t.charCodeAt(0) === 0x2b ? 1 : 0;
  if (i >= n || n > 64) {
    valueIssue = VALUE_INVALID;
    return undefined;
  }
  for (; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) {
      valueIssue = VALUE_INVALID;
      return undefined;
    }
  }
  const v = BigInt(t);
  const r = bigintRange(kind);
  if (v < r.min || v > r.max) valueIssue = VALUE_OUT_OF_RANGE;
  return v;
}

function parseHex(t: string, maxLength: number | undefined): string | undefined {
  const n = t.length;
  let lower = true;
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)) continue;
    if (c >= 0x41 && c <= 0x46) {
      lower = false;
      continue;
    }
    valueIssue = VALUE_INVALID;
    return undefined;
  }
  let v = lower ? t : t.toLowerCase();
  if ((n & 1) === 1) {
    // xs:hexBinary needs whole octets; real servers write "0" or "9": keep it as one octet.
    valueIssue = VALUE_INVALID;
    v = `0${v}`;
  }
  if (maxLength !== undefined && v.length > maxLength * 2) valueIssue = VALUE_OUT_OF_RANGE;
  return v;
}

/** Counts code points (xs:string length is in characters). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i++;
    n++;
  }
  return n;
}

/**
 * Parses the text of a simple value of kind `kind` (maxLength: octets for hex, characters for
 * strings). Sets `valueIssue`; returns undefined only when the text is invalid. An odd-length hex
 * string is returned left-padded with '0' and flagged invalid.
 */
export function parseValue(kind: ValueKind, text: string, maxLength?: number): unknown {
  valueIssue = VALUE_OK;
  switch (kind) {
    case 'string':
      if (maxLength !== undefined && text.length > maxLength && codePointLength(text) > maxLength) {
        valueIssue = VALUE_OUT_OF_RANGE;
      }
      return text;
    case 'uri':
      return trimWs(text);
    case 'boolean': {
      const t = trimWs(text);
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      valueIssue = VALUE_INVALID;
      return undefined;
    }
    case 'hex':
      return parseHex(trimWs(text), maxLength);
    case 'u64':
    case 'i64':
      return parseBigint(trimWs(text), kind);
    case 'complex':
      valueIssue = VALUE_INVALID;
      return undefined;
    default:
      return parseNumber(trimWs(text), NUMBER_RANGES[kind] as Range);
  }
}

/** Escapes character data for element content. */
export function escapeText(s: string): string {
  if (!/[&<>\r]/.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Escapes an attribute value (double-quoted), keeping white-space characters through references. */
export function escapeAttribute(s: string): string {
  if (!/[&<>"\t\n\r]/.test(s)) return s;
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function bad(path: string, message: string, code: number = ErrorCode.ValueOutOfRange): never {
  throw new MeterkitError(code, message, { path });
}

/** Whether every character of `s` may appear in an XML 1.0 document. */
function allXmlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0xd800) continue;
    if (c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return false;
    }
    if (c >= 0xe000 && c <= 0xfffd) continue;
    return false;
  }
  return true;
}

/**
 * Formats a typed value as the lexical form of `kind` (escaping is the caller's job). Integers are
 * range-checked, hex strings written uppercase (the XML Schema canonical form of xs:hexBinary).
 */
export function formatValue(kind: ValueKind, value: unknown, path: string, maxLength?: number): string {
  switch (kind) {
    case 'string':
    case 'uri':
      if (typeof value !== 'string') bad(path, `expected a string`, ErrorCode.EncodeFailed);
      if (!allXmlChars(value)) bad(path, 'string holds a character XML cannot carry', ErrorCode.ValueInvalid);
      if (kind === 'string' && maxLength !== undefined && codePointLength(value) > maxLength) {
        bad(path, `string longer than ${maxLength} characters`);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') bad(path, 'expected a boolean', ErrorCode.EncodeFailed);
      return value ? 'true' : 'false';
    case 'hex': {
      if (typeof value !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(value)) {
        bad(path, 'expected an even-length hex string', ErrorCode.EncodeFailed);
      }
      if (maxLength !== undefined && value.length > maxLength * 2)
        bad(path, `hex value longer than ${maxLength} octets`);
      return value.toUpperCase();
    }
    case 'u64':
    case 'i64': {
      if (typeof value !== 'bigint') bad(path, 'expected a bigint', ErrorCode.EncodeFailed);
      const r = bigintRange(kind);
      if (value < r.min || value > r.max) bad(path, `${value} outside ${r.min}..${r.max}`);
      return value.toString();
    }
    case 'complex':
      return bad(path, 'complex value where a simple one is needed', ErrorCode.EncodeFailed);
    default: {
      const r = NUMBER_RANGES[kind] as Range;
      if (typeof value !== 'number' || !Number.isInteger(value))
        bad(path, 'expected an integer number', ErrorCode.EncodeFailed);
      if (value < r.min || value > r.max) bad(path, `${value} outside ${r.min}..${r.max}`);
      return String(value);
    }
  }
}
