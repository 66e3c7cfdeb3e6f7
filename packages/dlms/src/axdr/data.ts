import { ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';
import {
  type CosemDate,
  type CosemDateTime,
  type CosemTime,
  readCosemDate,
  readCosemDateTime,
  readCosemTime,
  writeCosemDate,
  writeCosemDateTime,
  writeCosemTime,
} from './date-time.js';

/**
 * COSEM data in A-XDR (IEC 62056-6-2 §4.1.5 "Data" CHOICE, encoded per IEC 61334-6 A-XDR).
 *
 * A decoded value is `{ type, value }` with `type` the standard's name of the CHOICE alternative
 * (`'double-long-unsigned'`, `'octet-string'`, ...). Every value has the same two keys so the
 * decoder allocates one small object per value and nothing else.
 */

/** Names of the integer-valued types (value is a JS number). IEC 62056-6-2 §4.1.5. */
export type IntegerDataType =
  | 'double-long'
  | 'double-long-unsigned'
  | 'bcd'
  | 'integer'
  | 'long'
  | 'unsigned'
  | 'long-unsigned'
  | 'enum'
  | 'delta-integer'
  | 'delta-long'
  | 'delta-double-long'
  | 'delta-unsigned'
  | 'delta-long-unsigned'
  | 'delta-double-long-unsigned';

/** One COSEM data value (IEC 62056-6-2 §4.1.5). */
export type DlmsData =
  | { readonly type: 'null-data'; readonly value: null }
  | { readonly type: 'array'; readonly value: readonly DlmsData[] }
  | { readonly type: 'structure'; readonly value: readonly DlmsData[] }
  | { readonly type: 'boolean'; readonly value: boolean }
  /** Bits as a string of `'0'`/`'1'`, first bit first. */
  | { readonly type: 'bit-string'; readonly value: string }
  | { readonly type: IntegerDataType; readonly value: number }
  | { readonly type: 'long64' | 'long64-unsigned'; readonly value: bigint }
  | { readonly type: 'octet-string'; readonly value: Uint8Array }
  /** visible-string keeps each octet as one character (U+0000–U+00FF), so any bytes round-trip. */
  | { readonly type: 'visible-string' | 'utf8-string'; readonly value: string }
  | { readonly type: 'float32' | 'float64'; readonly value: number }
  | { readonly type: 'compact-array'; readonly value: CompactArray }
  | { readonly type: 'date-time'; readonly value: CosemDateTime }
  | { readonly type: 'date'; readonly value: CosemDate }
  | { readonly type: 'time'; readonly value: CosemTime }
  | { readonly type: 'dont-care'; readonly value: null };

/** Any data type name. IEC 62056-6-2 §4.1.5. */
export type DataTypeName = DlmsData['type'];

/** Data type names that are not containers (may appear as a leaf of a type description). IEC 62056-6-2 §4.1.5. */
export type SimpleDataTypeName = Exclude<DataTypeName, 'array' | 'structure' | 'compact-array'>;

/**
 * A type description (IEC 62056-6-2 §4.1.5, TypeDescription): the shape of each element of a
 * compact-array.
 */
export type TypeDescription =
  | { readonly type: SimpleDataTypeName }
  | { readonly type: 'array'; readonly count: number; readonly element: TypeDescription }
  | { readonly type: 'structure'; readonly elements: readonly TypeDescription[] };

/** The value of a compact-array: its contents-description and the decoded elements. IEC 62056-6-2 §4.1.5. */
export interface CompactArray {
  readonly description: TypeDescription;
  readonly elements: readonly DlmsData[];
}

/** A-XDR data tags (IEC 62056-6-2 §4.1.5). */
export const DataTag = {
  'null-data': 0,
  array: 1,
  structure: 2,
  boolean: 3,
  'bit-string': 4,
  'double-long': 5,
  'double-long-unsigned': 6,
  'octet-string': 9,
  'visible-string': 10,
  'utf8-string': 12,
  bcd: 13,
  integer: 15,
  long: 16,
  unsigned: 17,
  'long-unsigned': 18,
  'compact-array': 19,
  long64: 20,
  'long64-unsigned': 21,
  enum: 22,
  float32: 23,
  float64: 24,
  'date-time': 25,
  date: 26,
  time: 27,
  'delta-integer': 28,
  'delta-long': 29,
  'delta-double-long': 30,
  'delta-unsigned': 31,
  'delta-long-unsigned': 32,
  'delta-double-long-unsigned': 33,
  'dont-care': 255,
} as const satisfies Record<DataTypeName, number>;

/**
 * Tag by type name for the encoder: a `Map` (a hashed look-up) rather than `DataTag[type]`, a
 * keyed property load that went megamorphic and cost ~4 % of a conformance run.
 */
const TAG_OF: ReadonlyMap<string, number> = new Map(Object.entries(DataTag));

const TAG_NAME: (DataTypeName | undefined)[] = new Array(256).fill(undefined);
for (const [name, tag] of Object.entries(DataTag)) TAG_NAME[tag] = name as DataTypeName;

/** The data type name of an A-XDR tag, or `undefined` when the tag is not defined. IEC 62056-6-2 §4.1.5. */
export function dataTypeName(tag: number): DataTypeName | undefined {
  return TAG_NAME[tag];
}

/** Deepest nesting of arrays/structures the decoder accepts. IEC 62056-6-2 §4.1.5. */
export const MAX_DATA_DEPTH = 32;

const PATH = 'data';
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** One reusable array of char codes per short string length (index = length, up to 32). */
const CHAR_CODES: number[][] = [];
for (let n = 0; n <= 32; n++) CHAR_CODES.push(new Array<number>(n).fill(0));

/** Octets `start..end` of `b` as one character each (U+0000–U+00FF). */
function latin1(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 32) {
    // One String.fromCharCode over a reused array: a flat string, no per-character concatenation.
    const codes = CHAR_CODES[n]!;
    for (let i = 0; i < n; i++) codes[i] = b[start + i]!;
    return String.fromCharCode.apply(null, codes);
  }
  let s = '';
  for (let i = start; i < end; i += 1024) {
    s += String.fromCharCode.apply(null, b.subarray(i, Math.min(end, i + 1024)) as unknown as number[]);
  }
  return s;
}

/**
 * The input whose backing store `viewOf` last looked up, with that store and offset: decoding one
 * APDU cuts many octet-strings out of the same bytes, and reading `buffer`/`byteOffset` again for
 * each costs more than the view itself.
 */
let viewSource: Uint8Array | undefined;
let viewBuffer: ArrayBufferLike = new ArrayBuffer(0);
let viewOffset = 0;
let viewPlain = false;

/** A view of `b[start..end)` sharing its memory, as `b.subarray(start, end)` (bounds checked by the caller). */
function viewOf(b: Uint8Array, start: number, end: number): Uint8Array {
  if (b !== viewSource) {
    viewSource = b;
    viewBuffer = b.buffer;
    viewOffset = b.byteOffset;
    // Subclasses (Buffer) keep their own species through `subarray`.
    viewPlain = b.constructor === Uint8Array;
  }
  return viewPlain ? new Uint8Array(viewBuffer, viewOffset + start, end - start) : b.subarray(start, end);
}

function tooDeep(r: Reader, at: number): never {
  r.fail(ErrorCode.NestingTooDeep, `data nested deeper than ${MAX_DATA_DEPTH}`, PATH, at);
}

/**
 * Reads a value of the simple type `tag` without its tag (the body of a tagged value, or an
 * element of a compact-array). Returns `undefined` for container and unknown tags.
 */
function readScalar(r: Reader, tag: number, at: number): DlmsData {
  switch (tag) {
    case 0:
      return { type: 'null-data', value: null };
    case 3: {
      const v = r.u8(PATH);
      return { type: 'boolean', value: v !== 0 };
    }
    case 4:
      return { type: 'bit-string', value: readBits(r) };
    case 5:
      return { type: 'double-long', value: r.i32(PATH) };
    case 6:
      return { type: 'double-long-unsigned', value: r.u32(PATH) };
    case 9: {
      const n = r.berLengthBounded(PATH);
      return { type: 'octet-string', value: r.bytes(n, PATH) };
    }
    case 10: {
      const n = r.berLengthBounded(PATH);
      const start = r.pos;
      r.pos = start + n;
      return { type: 'visible-string', value: latin1(r.buf, start, start + n) };
    }
    case 12: {
      const n = r.berLengthBounded(PATH);
      const start = r.pos;
      const b = r.bytes(n, PATH);
      let s: string;
      try {
        s = utf8.decode(b);
      } catch {
        r.fail(ErrorCode.ValueInvalid, 'utf8-string is not valid UTF-8', PATH, start);
      }
      return { type: 'utf8-string', value: s };
    }
    case 13:
      return { type: 'bcd', value: r.u8(PATH) };
    case 15:
      return { type: 'integer', value: r.i8(PATH) };
    case 16:
      return { type: 'long', value: r.i16(PATH) };
    case 17:
      return { type: 'unsigned', value: r.u8(PATH) };
    case 18:
      return { type: 'long-unsigned', value: r.u16(PATH) };
    case 20:
      return { type: 'long64', value: r.i64(PATH) };
    case 21:
      return { type: 'long64-unsigned', value: r.u64(PATH) };
    case 22:
      return { type: 'enum', value: r.u8(PATH) };
    case 23:
      return { type: 'float32', value: r.f32(PATH) };
    case 24:
      return { type: 'float64', value: r.f64(PATH) };
    case 25:
      return { type: 'date-time', value: readCosemDateTime(r, PATH) };
    case 26:
      return { type: 'date', value: readCosemDate(r, PATH) };
    case 27:
      return { type: 'time', value: readCosemTime(r, PATH) };
    case 28:
      return { type: 'delta-integer', value: r.i8(PATH) };
    case 29:
      return { type: 'delta-long', value: r.i16(PATH) };
    case 30:
      return { type: 'delta-double-long', value: r.i32(PATH) };
    case 31:
      return { type: 'delta-unsigned', value: r.u8(PATH) };
    case 32:
      return { type: 'delta-long-unsigned', value: r.u16(PATH) };
    case 33:
      return { type: 'delta-double-long-unsigned', value: r.u32(PATH) };
    case 255:
      return { type: 'dont-care', value: null };
    default:
      return r.fail(DlmsErrorCode.DataTypeUnknown, `data type tag ${tag} is not defined`, PATH, at);
  }
}

function readBits(r: Reader): string {
  const at = r.pos;
  const bits = r.berLength(PATH);
  if (Math.ceil(bits / 8) > r.remaining) {
    r.fail(
      ErrorCode.LengthOverrun,
      `bit-string of ${bits} bits exceeds the ${r.remaining} bytes left`,
      PATH,
      at,
    );
  }
  const start = r.pos;
  const b = r.bytes(Math.ceil(bits / 8), PATH);
  let s = '';
  for (let i = 0; i < bits; i++) s += (b[i >>> 3]! >>> (7 - (i & 7))) & 1 ? '1' : '0';
  if (bits & 7 && (b[b.length - 1]! & (0xff >>> (bits & 7))) !== 0) {
    r.fail(ErrorCode.ValueInvalid, 'bit-string has non-zero unused bits', PATH, start + b.length - 1);
  }
  return s;
}

/** Index after the value `readLeaf` last returned. */
let leafEnd = 0;

/**
 * Fast path for the simple types real pushes and profiles are made of, read straight from the
 * buffer: the tagged value at `buf[at]` (`at < end`), or `undefined` when its type is not one of
 * them or it does not fit (the general readers then decode it, or report the error with the same
 * offsets). Sets `leafEnd` to the index after the value.
 */
function readLeaf(buf: Uint8Array, at: number, end: number): DlmsData | undefined {
  const p = at + 1;
  const left = end - p;
  switch (buf[at]!) {
    case 6:
      if (left < 4) return undefined;
      leafEnd = p + 4;
      return {
        type: 'double-long-unsigned',
        value: ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0,
      };
    case 9: {
      if (left < 1) return undefined;
      const n = buf[p]!;
      if (n >= 0x80 || n >= left) return undefined;
      leafEnd = p + 1 + n;
      return { type: 'octet-string', value: viewOf(buf, p + 1, p + 1 + n) };
    }
    case 18:
      if (left < 2) return undefined;
      leafEnd = p + 2;
      return { type: 'long-unsigned', value: (buf[p]! << 8) | buf[p + 1]! };
    case 16:
      if (left < 2) return undefined;
      leafEnd = p + 2;
      return { type: 'long', value: (((buf[p]! << 8) | buf[p + 1]!) << 16) >> 16 };
    case 15:
      if (left < 1) return undefined;
      leafEnd = p + 1;
      return { type: 'integer', value: (buf[p]! << 24) >> 24 };
    case 17:
      if (left < 1) return undefined;
      leafEnd = p + 1;
      return { type: 'unsigned', value: buf[p]! };
    case 22:
      if (left < 1) return undefined;
      leafEnd = p + 1;
      return { type: 'enum', value: buf[p]! };
    case 5:
      if (left < 4) return undefined;
      leafEnd = p + 4;
      return {
        type: 'double-long',
        value: (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!,
      };
    default:
      return undefined;
  }
}

/**
 * Reads one tagged A-XDR data value at the reader's position (IEC 62056-6-2 §4.1.5). Element counts
 * are checked against the bytes left, nesting is limited to `MAX_DATA_DEPTH`, and every failure is a
 * `MeterkitError` with the absolute offset.
 */
export function readData(r: Reader, depth = 0): DlmsData {
  // Fast paths for the types real pushes and profiles are made of; everything else (and every
  // error) goes through the general readers, which report the same offsets.
  const buf = r.buf;
  const end = r.end;
  const at = r.pos;
  if (at >= end) return r.fail(ErrorCode.Truncated, 'need 1 byte, 0 left', PATH, at);
  const tag = buf[at]!;
  const p = at + 1;
  if (tag === 1 || tag === 2) {
    if (depth >= MAX_DATA_DEPTH) tooDeep(r, at);
    let n: number;
    let q: number;
    if (p < end && buf[p]! < 0x80 && buf[p]! < end - p) {
      n = buf[p]!;
      q = p + 1;
    } else {
      r.pos = p;
      n = r.berLengthBounded(PATH, 1);
      q = r.pos;
    }
    const items: DlmsData[] = new Array(n);
    // Simple elements are read in place; containers and anything unusual recurse.
    for (let i = 0; i < n; i++) {
      const leaf = q < end ? readLeaf(buf, q, end) : undefined;
      if (leaf !== undefined) {
        items[i] = leaf;
        q = leafEnd;
      } else {
        r.pos = q;
        items[i] = readData(r, depth + 1);
        q = r.pos;
      }
    }
    r.pos = q;
    return tag === 1 ? { type: 'array', value: items } : { type: 'structure', value: items };
  }
  const leaf = readLeaf(buf, at, end);
  if (leaf !== undefined) {
    r.pos = leafEnd;
    return leaf;
  }
  r.pos = p;
  if (tag === 19) {
    if (depth >= MAX_DATA_DEPTH) tooDeep(r, at);
    return { type: 'compact-array', value: readCompactArray(r, depth + 1) };
  }
  return readScalar(r, tag, at);
}

/** Decodes exactly one A-XDR data value from `bytes` (trailing bytes raise `TrailingBytes`). IEC 62056-6-2 §4.1.5. */
export function decodeData(bytes: Uint8Array, base = 0): DlmsData {
  const r = new Reader(bytes, 0, bytes.length, base);
  const d = readData(r);
  r.expectEnd(PATH);
  return d;
}

// ---------------------------------------------------------------------------------------------
// Type descriptions and compact-array (IEC 62056-6-2 §4.1.5)

const FIXED_SIZE: Partial<Record<SimpleDataTypeName, number>> = {
  'null-data': 0,
  boolean: 1,
  'bit-string': 1,
  'double-long': 4,
  'double-long-unsigned': 4,
  'octet-string': 1,
  'visible-string': 1,
  'utf8-string': 1,
  bcd: 1,
  integer: 1,
  long: 2,
  unsigned: 1,
  'long-unsigned': 2,
  long64: 8,
  'long64-unsigned': 8,
  enum: 1,
  float32: 4,
  float64: 8,
  'date-time': 12,
  date: 5,
  time: 4,
  'delta-integer': 1,
  'delta-long': 2,
  'delta-double-long': 4,
  'delta-unsigned': 1,
  'delta-long-unsigned': 2,
  'delta-double-long-unsigned': 4,
  'dont-care': 0,
};

/** Smallest encoded size of one element of this description (untagged, compact-array form). */
function minSize(d: TypeDescription): number {
  if (d.type === 'array') return d.count * minSize(d.element);
  if (d.type === 'structure') {
    let s = 0;
    for (const e of d.elements) s += minSize(e);
    return s;
  }
  return FIXED_SIZE[d.type] ?? 0;
}

/** Number of values one element of this description decodes into. */
function weight(d: TypeDescription): number {
  if (d.type === 'array') return 1 + d.count * weight(d.element);
  if (d.type === 'structure') {
    let s = 1;
    for (const e of d.elements) s += weight(e);
    return s;
  }
  return 1;
}

/** Reads a type description (IEC 62056-6-2 §4.1.5 TypeDescription). */
export function readTypeDescription(r: Reader, depth = 0): TypeDescription {
  const at = r.pos;
  if (depth >= MAX_DATA_DEPTH) tooDeep(r, at);
  const tag = r.u8('type-description');
  if (tag === 1) {
    const count = r.u16('type-description.number-of-elements');
    return { type: 'array', count, element: readTypeDescription(r, depth + 1) };
  }
  if (tag === 2) {
    const n = r.berLengthBounded('type-description', 1);
    const elements: TypeDescription[] = [];
    for (let i = 0; i < n; i++) elements.push(readTypeDescription(r, depth + 1));
    return { type: 'structure', elements };
  }
  const name = TAG_NAME[tag];
  if (name === undefined || tag === 19) {
    r.fail(
      DlmsErrorCode.DataTypeUnknown,
      `type-description tag ${tag} is not allowed`,
      'type-description',
      at,
    );
  }
  return { type: name as SimpleDataTypeName };
}

/** Writes a type description (IEC 62056-6-2 §4.1.5). */
export function writeTypeDescription(w: Writer, d: TypeDescription, depth = 0): void {
  if (depth >= MAX_DATA_DEPTH) {
    throw new MeterkitError(ErrorCode.NestingTooDeep, `type description deeper than ${MAX_DATA_DEPTH}`);
  }
  if (d.type === 'array') {
    w.u8(1).u16(d.count);
    writeTypeDescription(w, d.element, depth + 1);
    return;
  }
  if (d.type === 'structure') {
    w.u8(2).berLength(d.elements.length);
    for (const e of d.elements) writeTypeDescription(w, e, depth + 1);
    return;
  }
  const tag = (DataTag as Record<string, number>)[d.type];
  if (tag === undefined || tag === DataTag['compact-array']) {
    throw new MeterkitError(ErrorCode.EncodeFailed, `type-description type ${String(d.type)} is not allowed`);
  }
  w.u8(tag);
}

function readDescribed(r: Reader, d: TypeDescription, depth: number): DlmsData {
  if (d.type === 'array' || d.type === 'structure') {
    if (depth >= MAX_DATA_DEPTH) tooDeep(r, r.pos);
    const items: DlmsData[] = [];
    if (d.type === 'array') {
      for (let i = 0; i < d.count; i++) items.push(readDescribed(r, d.element, depth + 1));
      return { type: 'array', value: items };
    }
    for (const e of d.elements) items.push(readDescribed(r, e, depth + 1));
    return { type: 'structure', value: items };
  }
  return readScalar(r, DataTag[d.type], r.pos);
}

function readCompactArray(r: Reader, depth: number): CompactArray {
  const description = readTypeDescription(r, depth);
  const lengthAt = r.pos;
  const len = r.berLengthBounded('compact-array.array-contents', 1);
  const min = minSize(description);
  const w = weight(description);
  if (w > 4 * min + 64) {
    r.fail(
      DlmsErrorCode.CompactArrayMismatch,
      'compact-array type description describes too many values per byte',
      'compact-array.contents-description',
      lengthAt,
    );
  }
  const end = r.pos + len;
  const sub = new Reader(r.buf, r.pos, end, r.base);
  r.pos = end;
  const elements: DlmsData[] = [];
  if (len > 0 && min === 0) {
    r.fail(
      DlmsErrorCode.CompactArrayMismatch,
      'compact-array contents present for a zero-size type description',
      'compact-array.array-contents',
      lengthAt,
    );
  }
  while (sub.pos < sub.end) elements.push(readDescribed(sub, description, depth));
  return { description, elements };
}

// ---------------------------------------------------------------------------------------------
// Encoding

function encodeFail(message: string, path: string): never {
  throw new MeterkitError(ErrorCode.EncodeFailed, message, { path });
}

function writeLatin1(w: Writer, s: string, path: string): void {
  w.berLength(s.length);
  w.ensure(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) encodeFail(`visible-string character U+${c.toString(16)} is not one octet`, path);
    w.u8(c);
  }
}

function writeBits(w: Writer, bits: string, path: string): void {
  w.berLength(bits.length);
  let acc = 0;
  for (let i = 0; i < bits.length; i++) {
    const c = bits.charCodeAt(i);
    if (c !== 0x30 && c !== 0x31) encodeFail('bit-string value must contain only 0 and 1', path);
    acc = (acc << 1) | (c - 0x30);
    if ((i & 7) === 7) {
      w.u8(acc);
      acc = 0;
    }
  }
  const rem = bits.length & 7;
  if (rem !== 0) w.u8((acc << (8 - rem)) & 0xff);
}

function expectNumber(v: unknown, path: string): number {
  if (typeof v !== 'number') encodeFail(`value must be a number`, path);
  return v;
}

function writeScalar(w: Writer, d: DlmsData, path: string): void {
  switch (d.type) {
    case 'null-data':
    case 'dont-care':
      return;
    case 'boolean':
      w.u8(d.value ? 1 : 0);
      return;
    case 'bit-string':
      writeBits(w, d.value, path);
      return;
    case 'double-long':
    case 'delta-double-long':
      w.i32(expectNumber(d.value, path));
      return;
    case 'double-long-unsigned':
    case 'delta-double-long-unsigned':
      w.u32(expectNumber(d.value, path));
      return;
    case 'octet-string':
      if (!(d.value instanceof Uint8Array)) encodeFail('octet-string value must be a Uint8Array', path);
      w.berLength(d.value.length).bytes(d.value);
      return;
    case 'visible-string':
      writeLatin1(w, d.value, path);
      return;
    case 'utf8-string': {
      const b = utf8Encoder.encode(d.value);
      w.berLength(b.length).bytes(b);
      return;
    }
    case 'bcd':
    case 'unsigned':
    case 'enum':
    case 'delta-unsigned':
      w.u8(expectNumber(d.value, path));
      return;
    case 'integer':
    case 'delta-integer':
      w.i8(expectNumber(d.value, path));
      return;
    case 'long':
    case 'delta-long':
      w.i16(expectNumber(d.value, path));
      return;
    case 'long-unsigned':
    case 'delta-long-unsigned':
      w.u16(expectNumber(d.value, path));
      return;
    case 'long64':
      w.i64(d.value);
      return;
    case 'long64-unsigned':
      w.u64(d.value);
      return;
    case 'float32':
      w.f32(d.value);
      return;
    case 'float64':
      w.f64(d.value);
      return;
    case 'date-time':
      writeCosemDateTime(w, d.value);
      return;
    case 'date':
      writeCosemDate(w, d.value);
      return;
    case 'time':
      writeCosemTime(w, d.value);
      return;
    default:
      encodeFail(`unknown data type ${String((d as { type: unknown }).type)}`, path);
  }
}

/** Writes one tagged A-XDR data value (IEC 62056-6-2 §4.1.5). */
export function writeData(w: Writer, d: DlmsData, depth = 0, path = PATH): void {
  if (depth >= MAX_DATA_DEPTH) {
    throw new MeterkitError(ErrorCode.NestingTooDeep, `data nested deeper than ${MAX_DATA_DEPTH}`, { path });
  }
  const tag = TAG_OF.get(d.type);
  if (tag === undefined) encodeFail(`unknown data type ${String(d.type)}`, path);
  w.u8(tag);
  if (d.type === 'array' || d.type === 'structure') {
    w.berLength(d.value.length);
    for (let i = 0; i < d.value.length; i++) writeData(w, d.value[i]!, depth + 1, path);
    return;
  }
  if (d.type === 'compact-array') {
    writeCompactArray(w, d.value, depth + 1, path);
    return;
  }
  writeScalar(w, d, path);
}

function writeDescribed(w: Writer, d: DlmsData, desc: TypeDescription, depth: number, path: string): void {
  if (d.type !== desc.type) {
    throw new MeterkitError(
      DlmsErrorCode.CompactArrayMismatch,
      `compact-array element is ${d.type}, description says ${desc.type}`,
      { path },
    );
  }
  if (depth >= MAX_DATA_DEPTH) {
    throw new MeterkitError(ErrorCode.NestingTooDeep, `data nested deeper than ${MAX_DATA_DEPTH}`, { path });
  }
  if (desc.type === 'array' || desc.type === 'structure') {
    const items = d.value as readonly DlmsData[];
    const descs = desc.type === 'array' ? undefined : desc.elements;
    const n = desc.type === 'array' ? desc.count : desc.elements.length;
    if (items.length !== n) {
      throw new MeterkitError(
        DlmsErrorCode.CompactArrayMismatch,
        `compact-array element has ${items.length} values, description says ${n}`,
        { path },
      );
    }
    for (let i = 0; i < n; i++) {
      writeDescribed(
        w,
        items[i]!,
        descs === undefined ? (desc as { element: TypeDescription }).element : descs[i]!,
        depth + 1,
        path,
      );
    }
    return;
  }
  writeScalar(w, d, path);
}

function writeCompactArray(w: Writer, c: CompactArray, depth: number, path: string): void {
  writeTypeDescription(w, c.description);
  const body = new Writer(64);
  for (const e of c.elements) writeDescribed(body, e, c.description, depth, path);
  if (c.elements.length > 0 && minSize(c.description) === 0) {
    throw new MeterkitError(
      DlmsErrorCode.CompactArrayMismatch,
      'compact-array elements of a zero-size description cannot be encoded',
      { path },
    );
  }
  w.berLength(body.pos).bytes(body.written());
}

/** Encodes one A-XDR data value to bytes (IEC 62056-6-2 §4.1.5). */
export function encodeData(d: DlmsData): Uint8Array {
  const w = new Writer(64);
  writeData(w, d);
  return w.finish();
}
