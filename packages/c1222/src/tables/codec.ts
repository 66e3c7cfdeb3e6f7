/**
 * The ANSI C12.19-2008 §7 data types read and written under a `TableContext`: unsigned and signed
 * integers in DATA_ORDER and INT_FORMAT, NI_FMAT1/NI_FMAT2 non-integer values (§7.3, NI_FORMAT
 * codes), CHAR fields per CHAR_FORMAT, BCD, SET bitmaps, bit fields, and the STIME_DATE,
 * LTIME_DATE, HTIME_DATE, TIME, DATE and RDATE types per TM_FORMAT.
 */
import { ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';
import type { TableContext } from './context.js';

/** A decoded NI value: a number, a bigint (INT64) or the exact characters (FLOAT_CHAR*). */
export type NiValue = number | bigint | string;

/** NI_FORMAT codes (C12.19 §7.3 FORMAT_CONTROL_3) with their names and sizes in bytes. */
export const NI_FORMATS: readonly { readonly name: string; readonly size: number }[] = [
  { name: 'FLOAT64', size: 8 },
  { name: 'FLOAT32', size: 4 },
  { name: 'FLOAT_CHAR12', size: 12 },
  { name: 'FLOAT_CHAR6', size: 6 },
  { name: 'INT32_FIXED4', size: 4 },
  { name: 'FIXED_BCD6', size: 6 },
  { name: 'FIXED_BCD4', size: 4 },
  { name: 'INT24', size: 3 },
  { name: 'INT32', size: 4 },
  { name: 'INT40', size: 5 },
  { name: 'INT48', size: 6 },
  { name: 'INT64', size: 8 },
  { name: 'FIXED_BCD8', size: 8 },
  { name: 'FLOAT_CHAR21', size: 21 },
];

/** Size in bytes of NI_FORMAT `code` (throws `Unsupported` for reserved codes 14–15). */
export function niSize(code: number, path?: string): number {
  const f = NI_FORMATS[code];
  if (f === undefined)
    throw new MeterkitError(ErrorCode.Unsupported, `NI_FORMAT ${code} is reserved`, { path });
  return f.size;
}

/** Calendar fields of a C12.19 date/time (full year; seconds/hundredths only where the type has them). */
export interface TimeDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second?: number;
  readonly hundredths?: number;
}

/** TIME (time of day). */
export interface TimeOfDay {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** DATE (calendar date). */
export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** RDATE_BFLD: a recurring date (C12.19 §7.4.2). */
export interface RecurringDate {
  readonly month: number;
  readonly offset: number;
  readonly weekday: number;
  readonly day: number;
}

/** TIME_DATE_QUAL_BFLD (C12.19 ST52). */
export interface TimeDateQual {
  readonly dayOfWeek: number;
  readonly dstFlag: boolean;
  readonly gmtFlag: boolean;
  readonly tmZnAppliedFlag: boolean;
  readonly dstAppliedFlag: boolean;
  readonly dstSupportedFlag: boolean;
}

/** A bit-field layout: `[name, first bit, width]`; width 1 fields are booleans. */
export type BitSpec = readonly (readonly [string, number, number])[];
/** The record a `BitSpec` decodes to. */
export type BitRecord<S extends BitSpec> = {
  readonly [K in S[number] as K[0]]: K[2] extends 1 ? boolean : number;
};

/** Decodes a bit field value by its layout. */
export function unpackBits<S extends BitSpec>(v: number, spec: S): BitRecord<S> {
  const out: Record<string, number | boolean> = {};
  for (const [name, lo, w] of spec) {
    const x = Math.floor(v / 2 ** lo) % 2 ** w;
    out[name] = w === 1 ? x === 1 : x;
  }
  return out as BitRecord<S>;
}

/** Encodes a bit-field record by its layout (fields out of range throw `ValueOutOfRange`). */
export function packBits<S extends BitSpec>(rec: BitRecord<S>, spec: S, path: string): number {
  const r = (rec ?? {}) as unknown as Record<string, number | boolean | undefined>;
  let v = 0;
  for (const [name, lo, w] of spec) {
    const x = r[name];
    const n = typeof x === 'boolean' ? (x ? 1 : 0) : (x ?? 0);
    if (!Number.isInteger(n) || n < 0 || n >= 2 ** w)
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `${name} = ${String(x)} does not fit ${w} bits`, {
        path: `${path}.${name}`,
      });
    v += n * 2 ** lo;
  }
  return v;
}

const QUAL: BitSpec = [
  ['dayOfWeek', 0, 3],
  ['dstFlag', 3, 1],
  ['gmtFlag', 4, 1],
  ['tmZnAppliedFlag', 5, 1],
  ['dstAppliedFlag', 6, 1],
  ['dstSupportedFlag', 7, 1],
] as const;
/**
 * The flags byte that opens the self-read and log list statuses (ST26, ANSI C12.19 §9.3.7; ST74 and
 * ST76, §9.8.5 and §9.8.7): ORDER_FLAG, OVERFLOW_FLAG, LIST_TYPE_FLAG and INHIBIT_OVERFLOW_FLAG,
 * bits 0–3.
 */
export const LIST_FLAGS = [
  ['orderFlag', 0, 1],
  ['overflowFlag', 1, 1],
  ['listTypeFlag', 2, 1],
  ['inhibitOverflowFlag', 3, 1],
] as const;

const RDATE = [
  ['month', 0, 4],
  ['offset', 4, 3],
  ['weekday', 7, 3],
  ['day', 10, 5],
] as const;

function fullYear(yy: number): number {
  return yy < 90 ? 2000 + yy : yy < 100 ? 1900 + yy : 2000 + yy;
}

function wireYear(y: number, path: string): number {
  if (y >= 1990 && y <= 1999) return y - 1900;
  if ((y >= 2000 && y <= 2089) || (y >= 2100 && y <= 2255)) return y - 2000;
  throw new MeterkitError(ErrorCode.ValueOutOfRange, `year ${y} has no two-digit form`, { path });
}

let utf8: InstanceType<typeof TextDecoder> | undefined;

/** Reads C12.19 data types from one table's bytes under a `TableContext`. */
export class TableReader {
  readonly r: Reader;
  readonly ctx: TableContext;
  /** Table name used as the root of error paths, e.g. `st23`. */
  readonly name: string;

  constructor(bytes: Uint8Array, ctx: TableContext, name: string, offset = 0) {
    this.r = new Reader(bytes, 0, bytes.length, offset);
    this.ctx = ctx;
    this.name = name;
  }

  private p(f: string): string {
    return `${this.name}.${f}`;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.r.remaining;
  }

  /** Throws `TrailingBytes` unless every byte was read. */
  end(): void {
    this.r.expectEnd(this.name);
  }

  /** Throws `LengthOverrun` (before any allocation) when `count` records of `size` bytes cannot fit. */
  need(count: number, size: number, field: string): void {
    if (count * size > this.r.remaining)
      throw new MeterkitError(
        ErrorCode.LengthOverrun,
        `${count} × ${size} bytes claimed, ${this.r.remaining} left`,
        { offset: this.r.offset, path: this.p(field) },
      );
  }

  /** Throws `Truncated` unless `n` bytes are left (the path string is only built on failure). */
  private chk(n: number, f: string): void {
    if (this.r.end - this.r.pos < n) this.r.need(n, this.p(f));
  }

  u8(f: string): number {
    this.chk(1, f);
    return this.r.buf[this.r.pos++]!;
  }

  /** An unsigned integer of `n` (≤ 6) bytes in DATA_ORDER. */
  uint(n: number, f: string): number {
    const r = this.r;
    const le = this.ctx.dataOrder === 0;
    this.chk(n, f);
    if (n === 2) return le ? r.u16le() : r.u16();
    if (n === 4) return le ? r.u32le() : r.u32();
    const b = r.buf;
    const p = r.pos;
    let v = 0;
    if (le) for (let i = n - 1; i >= 0; i--) v = v * 256 + b[p + i]!;
    else for (let i = 0; i < n; i++) v = v * 256 + b[p + i]!;
    r.pos = p + n;
    return v;
  }

  u16(f: string): number {
    return this.uint(2, f);
  }

  u32(f: string): number {
    return this.uint(4, f);
  }

  /** An unsigned 64-bit integer in DATA_ORDER. */
  u64(f: string): bigint {
    this.chk(8, f);
    return this.ctx.dataOrder === 0 ? this.r.u64le() : this.r.u64();
  }

  /** A signed integer of `n` (≤ 6) bytes per DATA_ORDER and INT_FORMAT. */
  int(n: number, f: string): number {
    const u = this.uint(n, f);
    const full = 2 ** (8 * n);
    if (u < full / 2) return u;
    switch (this.ctx.intFormat) {
      case 1:
        return -(full - 1 - u);
      case 2:
        return -(u - full / 2);
      default:
        return u - full;
    }
  }

  /** A signed 64-bit integer per DATA_ORDER and INT_FORMAT. */
  i64(f: string): bigint {
    const u = this.u64(f);
    if (u < 1n << 63n) return u;
    if (this.ctx.intFormat === 1) return -((1n << 64n) - 1n - u);
    if (this.ctx.intFormat === 2) return -(u - (1n << 63n));
    return u - (1n << 64n);
  }

  /** A BINARY(n) field (a view). */
  bytes(n: number, f: string): Uint8Array {
    return this.r.bytes(n, this.p(f));
  }

  /** All bytes left (a view). */
  rest(): Uint8Array {
    return this.r.rest();
  }

  /** A CHAR(n) field per CHAR_FORMAT. */
  chars(n: number, f: string): string {
    const at = this.r.pos;
    const b = this.r.bytes(n, this.p(f));
    const cf = this.ctx.charFormat;
    if (cf === 3) {
      utf8 ??= new TextDecoder('utf-8', { fatal: true });
      try {
        return utf8.decode(b);
      } catch {
        this.r.fail(ErrorCode.ValueInvalid, 'malformed UTF-8', this.p(f), at);
      }
    }
    if (cf !== 1 && cf !== 2) this.r.fail(ErrorCode.Unsupported, `CHAR_FORMAT ${cf}`, this.p(f), at);
    let s = '';
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (cf === 1 && c > 0x7f)
        this.r.fail(ErrorCode.ValueInvalid, 'not an ISO 7-bit character', this.p(f), at + i);
      s += String.fromCharCode(c);
    }
    return s;
  }

  /** An identification field: CHAR(chars) when ID_FORM = 0, BCD(bcd) bytes when ID_FORM = 1. */
  ident(chars: number, bcd: number, f: string): string | Uint8Array {
    return this.ctx.idForm === 1 ? this.bytes(bcd, f) : this.chars(chars, f);
  }

  /** One BCD byte (two digits). */
  bcd(f: string): number {
    const at = this.r.pos;
    const b = this.r.u8(this.p(f));
    if ((b & 0x0f) > 9 || b >> 4 > 9)
      this.r.fail(ErrorCode.ValueInvalid, `0x${b.toString(16)} is not BCD`, this.p(f), at);
    return (b >> 4) * 10 + (b & 0x0f);
  }

  /** A SET(n) bitmap: the members, bit i of byte j standing for 8j + i. */
  set(n: number, f: string): number[] {
    const b = this.r.bytes(n, this.p(f));
    const out: number[] = [];
    for (let j = 0; j < b.length; j++) {
      const x = b[j]!;
      if (x !== 0) for (let i = 0; i < 8; i++) if (x & (1 << i)) out.push(8 * j + i);
    }
    return out;
  }

  /** A bit field of `n` bytes (in DATA_ORDER) decoded by its layout. */
  bits<S extends BitSpec>(n: number, spec: S, f: string): BitRecord<S> {
    return unpackBits(this.uint(n, f), spec);
  }

  /** An NI value in NI_FORMAT `code`. */
  ni(code: number, f: string): NiValue {
    switch (code) {
      case 0:
        this.chk(8, f);
        return this.ctx.dataOrder === 0 ? this.r.f64le() : this.r.f64();
      case 1:
        this.chk(4, f);
        return this.ctx.dataOrder === 0 ? this.r.f32le() : this.r.f32();
      case 2:
        return this.chars(12, f);
      case 3:
        return this.chars(6, f);
      case 4:
        // INT32_FIXED4: the decimal point is implied four digits from the right (1 = 0.0001)
        return this.int(4, f) / 10000;
      case 5:
      case 6:
      case 12: {
        const n = code === 5 ? 6 : code === 6 ? 4 : 8;
        let v = 0;
        for (let i = 0; i < n; i++) v = v * 100 + this.bcd(f);
        return v;
      }
      case 7:
        return this.int(3, f);
      case 8:
        return this.int(4, f);
      case 9:
        return this.int(5, f);
      case 10:
        return this.int(6, f);
      case 11:
        return this.i64(f);
      case 13:
        return this.chars(21, f);
      default:
        throw new MeterkitError(ErrorCode.Unsupported, `NI_FORMAT ${code} is reserved`, {
          offset: this.r.offset,
          path: this.p(f),
        });
    }
  }

  /** An NI_FMAT1 value. */
  ni1(f: string): NiValue {
    return this.ni(this.ctx.niFormat1, f);
  }

  /** An NI_FMAT2 value. */
  ni2(f: string): NiValue {
    return this.ni(this.ctx.niFormat2, f);
  }

  private field(f: string): number {
    return this.ctx.tmFormat === 1 ? this.bcd(f) : this.u8(f);
  }

  /**
   * TM_FORMAT 3 and 4 (C12.19-2008 §7.4): a UINT32 count of minutes (3) or seconds (4) since
   * 1970-01-01 00:00 UTC; the discrete fraction fields follow it.
   */
  private counter(unit: number, f: string): TimeDate {
    const d = new Date(this.u32(f) * unit);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      ...(unit === 1000 ? { second: d.getUTCSeconds() } : {}),
    };
  }

  private timeDate(kind: 's' | 'l' | 'h', f: string): TimeDate | undefined {
    const tm = this.ctx.tmFormat;
    if (tm === 0) return undefined;
    if (tm === 1 || tm === 2) {
      const year = fullYear(this.field(`${f}.year`));
      const month = this.field(`${f}.month`);
      const day = this.field(`${f}.day`);
      const hour = this.field(`${f}.hour`);
      const minute = this.field(`${f}.minute`);
      if (kind === 's') return { year, month, day, hour, minute };
      const second = this.field(`${f}.second`);
      if (kind === 'l') return { year, month, day, hour, minute, second };
      return { year, month, day, hour, minute, second, hundredths: this.field(`${f}.hundredths`) };
    }
    if (tm === 3) {
      const t = this.counter(60000, `${f}.u-time`);
      if (kind === 's') return t;
      const second = this.u8(`${f}.second`);
      return kind === 'l' ? { ...t, second } : { ...t, second, hundredths: this.u8(`${f}.hundredths`) };
    }
    if (tm === 4) {
      const t = this.counter(1000, `${f}.u-time-sec`);
      return kind === 'h' ? { ...t, hundredths: this.u8(`${f}.hundredths`) } : t;
    }
    throw new MeterkitError(ErrorCode.Unsupported, `TM_FORMAT ${tm} is reserved`, { path: this.p(f) });
  }

  /** STIME_DATE (minutes resolution); undefined when TM_FORMAT = 0. */
  stime(f: string): TimeDate | undefined {
    return this.timeDate('s', f);
  }

  /** LTIME_DATE (seconds resolution); undefined when TM_FORMAT = 0. */
  ltime(f: string): TimeDate | undefined {
    return this.timeDate('l', f);
  }

  /** HTIME_DATE (hundredths resolution); undefined when TM_FORMAT = 0. */
  htime(f: string): TimeDate | undefined {
    return this.timeDate('h', f);
  }

  /**
   * TIME (C12.19-2008 §7.4): HOUR MINUTE SECOND (TM_FORMAT 1, 2) or a UINT32 count of seconds
   * since midnight (3, 4; e.g. 7200 = 02:00:00).
   */
  time(f: string): TimeOfDay | undefined {
    const tm = this.ctx.tmFormat;
    if (tm === 0) return undefined;
    if (tm === 1 || tm === 2)
      return {
        hour: this.field(`${f}.hour`),
        minute: this.field(`${f}.minute`),
        second: this.field(`${f}.second`),
      };
    const s = this.u32(`${f}.seconds`);
    return { hour: Math.floor(s / 3600), minute: Math.floor(s / 60) % 60, second: s % 60 };
  }

  /** DATE: YEAR MONTH DAY (TM_FORMAT 1, 2). */
  date(f: string): CalendarDate | undefined {
    const tm = this.ctx.tmFormat;
    if (tm === 0) return undefined;
    if (tm !== 1 && tm !== 2)
      throw new MeterkitError(ErrorCode.Unsupported, `DATE in TM_FORMAT ${tm}`, {
        offset: this.r.offset,
        path: this.p(f),
      });
    return {
      year: fullYear(this.field(`${f}.year`)),
      month: this.field(`${f}.month`),
      day: this.field(`${f}.day`),
    };
  }

  /** RDATE (UINT16 bit field). */
  rdate(f: string): RecurringDate {
    return this.bits(2, RDATE, f);
  }

  /** TIME_DATE_QUAL_BFLD (UINT8). */
  qual(f: string): TimeDateQual {
    return unpackBits(this.u8(f), QUAL) as unknown as TimeDateQual;
  }

  /** Fails with `code` at the current offset. */
  fail(code: number, message: string, f: string): never {
    this.r.fail(code, message, this.p(f));
  }
}

/** Writes C12.19 data types under a `TableContext` (the mirror of `TableReader`). */
export class TableWriter {
  readonly w: Writer;
  readonly ctx: TableContext;
  readonly name: string;

  constructor(ctx: TableContext, name: string, capacity = 64) {
    this.w = new Writer(capacity);
    this.ctx = ctx;
    this.name = name;
  }

  private p(f: string): string {
    return `${this.name}.${f}`;
  }

  /** The encoded table (a copy). */
  finish(): Uint8Array {
    return this.w.finish();
  }

  private range(v: number | bigint, min: number | bigint, max: number | bigint, f: string): void {
    if (typeof v !== 'number' && typeof v !== 'bigint')
      throw new MeterkitError(ErrorCode.EncodeFailed, `missing or not a number: ${String(v)}`, {
        path: this.p(f),
      });
    if (typeof v === 'number' && !Number.isInteger(v))
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `${v} is not an integer`, { path: this.p(f) });
    if (v < min || v > max)
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `${v} outside ${min}..${max}`, { path: this.p(f) });
  }

  u8(v: number, f: string): this {
    this.range(v, 0, 255, f);
    this.w.u8(v);
    return this;
  }

  uint(v: number, n: number, f: string): this {
    this.range(v, 0, 2 ** (8 * n) - 1, f);
    if (this.ctx.dataOrder === 1) {
      this.w.uint(v, n);
      return this;
    }
    let x = v;
    for (let i = 0; i < n; i++) {
      this.w.u8(x % 256);
      x = Math.floor(x / 256);
    }
    return this;
  }

  u16(v: number, f: string): this {
    return this.uint(v, 2, f);
  }

  u32(v: number, f: string): this {
    return this.uint(v, 4, f);
  }

  u64(v: bigint, f: string): this {
    this.range(v, 0n, (1n << 64n) - 1n, f);
    if (this.ctx.dataOrder === 0) this.w.u64le(v);
    else this.w.u64(v);
    return this;
  }

  int(v: number, n: number, f: string): this {
    const full = 2 ** (8 * n);
    const neg = v < 0 || Object.is(v, -0);
    if (this.ctx.intFormat === 0) {
      this.range(v, -full / 2, full / 2 - 1, f);
      return this.uint(v < 0 ? v + full : v, n, f);
    }
    this.range(v, -(full / 2 - 1), full / 2 - 1, f);
    if (!neg) return this.uint(v, n, f);
    return this.uint(this.ctx.intFormat === 1 ? full - 1 + v : full / 2 - v, n, f);
  }

  i64(v: bigint, f: string): this {
    const half = 1n << 63n;
    if (this.ctx.intFormat === 0) {
      this.range(v, -half, half - 1n, f);
      return this.u64(v < 0n ? v + (1n << 64n) : v, f);
    }
    this.range(v, -(half - 1n), half - 1n, f);
    if (v >= 0n) return this.u64(v, f);
    return this.u64(this.ctx.intFormat === 1 ? (1n << 64n) - 1n + v : half - v, f);
  }

  bytes(b: Uint8Array, n: number, f: string): this {
    if (b.length !== n)
      throw new MeterkitError(ErrorCode.EncodeFailed, `must be ${n} bytes, got ${b.length}`, {
        path: this.p(f),
      });
    this.w.bytes(b);
    return this;
  }

  raw(b: Uint8Array): this {
    this.w.bytes(b);
    return this;
  }

  /** A CHAR(n) field per CHAR_FORMAT, padded with spaces. */
  chars(s: string, n: number, f: string): this {
    const cf = this.ctx.charFormat;
    let b: Uint8Array;
    if (cf === 3) b = new TextEncoder().encode(s);
    else if (cf === 1 || cf === 2) {
      b = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > (cf === 1 ? 0x7f : 0xff))
          throw new MeterkitError(ErrorCode.EncodeFailed, `character ${c} not in CHAR_FORMAT ${cf}`, {
            path: this.p(f),
          });
        b[i] = c;
      }
    } else throw new MeterkitError(ErrorCode.Unsupported, `CHAR_FORMAT ${cf}`, { path: this.p(f) });
    if (b.length > n)
      throw new MeterkitError(ErrorCode.EncodeFailed, `${b.length} bytes do not fit CHAR(${n})`, {
        path: this.p(f),
      });
    this.w.bytes(b);
    this.w.fill(n - b.length, 0x20);
    return this;
  }

  ident(v: string | Uint8Array, chars: number, bcd: number, f: string): this {
    if (this.ctx.idForm === 1) {
      if (typeof v === 'string')
        throw new MeterkitError(ErrorCode.EncodeFailed, 'ID_FORM 1 needs BCD bytes', { path: this.p(f) });
      return this.bytes(v, bcd, f);
    }
    if (typeof v !== 'string')
      throw new MeterkitError(ErrorCode.EncodeFailed, 'ID_FORM 0 needs characters', { path: this.p(f) });
    return this.chars(v, chars, f);
  }

  bcd(v: number, f: string): this {
    this.range(v, 0, 99, f);
    this.w.u8(((v / 10) << 4) | (v % 10));
    return this;
  }

  set(members: readonly number[], n: number, f: string): this {
    const b = new Uint8Array(n);
    for (const m of members) {
      this.range(m, 0, n * 8 - 1, f);
      b[m >> 3]! |= 1 << (m & 7);
    }
    this.w.bytes(b);
    return this;
  }

  bits<S extends BitSpec>(rec: BitRecord<S>, n: number, spec: S, f: string): this {
    return this.uint(packBits(rec, spec, this.p(f)), n, f);
  }

  ni(v: NiValue, code: number, f: string): this {
    switch (code) {
      case 0:
        if (this.ctx.dataOrder === 0) this.w.f64le(this.niNumber(v, code, f));
        else this.w.f64(this.niNumber(v, code, f));
        return this;
      case 1:
        if (this.ctx.dataOrder === 0) this.w.f32le(this.niNumber(v, code, f));
        else this.w.f32(this.niNumber(v, code, f));
        return this;
      case 2:
      case 3:
      case 13:
        if (typeof v !== 'string')
          throw new MeterkitError(ErrorCode.EncodeFailed, `NI_FORMAT ${code} needs characters`, {
            path: this.p(f),
          });
        return this.chars(v, code === 2 ? 12 : code === 3 ? 6 : 21, f);
      case 4:
        return this.int(Math.round(this.niNumber(v, code, f) * 10000), 4, f);
      case 5:
      case 6:
      case 12: {
        const n = code === 5 ? 6 : code === 6 ? 4 : 8;
        const x = this.niNumber(v, code, f);
        this.range(x, 0, 10 ** (2 * n) - 1, f);
        for (let i = n - 1; i >= 0; i--) this.bcd(Math.floor(x / 100 ** i) % 100, f);
        return this;
      }
      case 7:
        return this.int(this.niNumber(v, code, f), 3, f);
      case 8:
        return this.int(this.niNumber(v, code, f), 4, f);
      case 9:
        return this.int(this.niNumber(v, code, f), 5, f);
      case 10:
        return this.int(this.niNumber(v, code, f), 6, f);
      case 11:
        if (typeof v !== 'bigint')
          throw new MeterkitError(ErrorCode.EncodeFailed, 'INT64 needs a bigint', { path: this.p(f) });
        return this.i64(v, f);
      default:
        throw new MeterkitError(ErrorCode.Unsupported, `NI_FORMAT ${code} is reserved`, { path: this.p(f) });
    }
  }

  private niNumber(v: NiValue, code: number, f: string): number {
    if (typeof v !== 'number')
      throw new MeterkitError(ErrorCode.EncodeFailed, `NI_FORMAT ${code} needs a number`, {
        path: this.p(f),
      });
    return v;
  }

  ni1(v: NiValue, f: string): this {
    return this.ni(v, this.ctx.niFormat1, f);
  }

  ni2(v: NiValue, f: string): this {
    return this.ni(v, this.ctx.niFormat2, f);
  }

  private field(v: number | undefined, f: string): void {
    if (v === undefined)
      throw new MeterkitError(ErrorCode.EncodeFailed, 'missing field', { path: this.p(f) });
    if (this.ctx.tmFormat === 1) this.bcd(v, f);
    else this.u8(v, f);
  }

  private counter(t: TimeDate, unit: number, f: string): void {
    const ms = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, unit === 1000 ? (t.second ?? 0) : 0);
    const d = new Date(ms);
    if (
      Number.isNaN(ms) ||
      d.getUTCFullYear() !== t.year ||
      d.getUTCMonth() + 1 !== t.month ||
      d.getUTCDate() !== t.day ||
      d.getUTCHours() !== t.hour ||
      d.getUTCMinutes() !== t.minute
    )
      throw new MeterkitError(ErrorCode.ValueInvalid, 'not a valid calendar date/time', { path: this.p(f) });
    this.u32(ms / unit, f);
  }

  private timeDate(t: TimeDate | undefined, kind: 's' | 'l' | 'h', f: string): this {
    const tm = this.ctx.tmFormat;
    if (tm === 0) return this;
    if (t === undefined)
      throw new MeterkitError(ErrorCode.EncodeFailed, 'missing date/time', { path: this.p(f) });
    if (tm === 1 || tm === 2) {
      this.field(wireYear(t.year, this.p(`${f}.year`)), `${f}.year`);
      this.field(t.month, `${f}.month`);
      this.field(t.day, `${f}.day`);
      this.field(t.hour, `${f}.hour`);
      this.field(t.minute, `${f}.minute`);
      if (kind !== 's') this.field(t.second, `${f}.second`);
      if (kind === 'h') this.field(t.hundredths, `${f}.hundredths`);
      return this;
    }
    if (tm === 3) {
      this.counter(t, 60000, `${f}.u-time`);
      if (kind !== 's') this.u8(t.second ?? 0, `${f}.second`);
      if (kind === 'h') this.u8(t.hundredths ?? 0, `${f}.hundredths`);
      return this;
    }
    if (tm === 4) {
      this.counter(t, 1000, `${f}.u-time-sec`);
      if (kind === 'h') this.u8(t.hundredths ?? 0, `${f}.hundredths`);
      return this;
    }
    throw new MeterkitError(ErrorCode.Unsupported, `TM_FORMAT ${tm} is reserved`, { path: this.p(f) });
  }

  stime(t: TimeDate | undefined, f: string): this {
    return this.timeDate(t, 's', f);
  }

  ltime(t: TimeDate | undefined, f: string): this {
    return this.timeDate(t, 'l', f);
  }

  htime(t: TimeDate | undefined, f: string): this {
    return this.timeDate(t, 'h', f);
  }

  time(t: TimeOfDay | undefined, f: string): this {
    const tm = this.ctx.tmFormat;
    if (tm === 0) return this;
    if (t === undefined) throw new MeterkitError(ErrorCode.EncodeFailed, 'missing time', { path: this.p(f) });
    if (tm === 1 || tm === 2) {
      this.field(t.hour, `${f}.hour`);
      this.field(t.minute, `${f}.minute`);
      this.field(t.second, `${f}.second`);
      return this;
    }
    this.range(t.minute, 0, 59, `${f}.minute`);
    this.range(t.second, 0, 59, `${f}.second`);
    return this.u32(t.hour * 3600 + t.minute * 60 + t.second, `${f}.seconds`);
  }

  date(d: CalendarDate | undefined, f: string): this {
    const tm = this.ctx.tmFormat;
    if (tm === 0) return this;
    if (d === undefined) throw new MeterkitError(ErrorCode.EncodeFailed, 'missing date', { path: this.p(f) });
    if (tm !== 1 && tm !== 2)
      throw new MeterkitError(ErrorCode.Unsupported, `DATE in TM_FORMAT ${tm}`, { path: this.p(f) });
    this.field(wireYear(d.year, this.p(`${f}.year`)), `${f}.year`);
    this.field(d.month, `${f}.month`);
    this.field(d.day, `${f}.day`);
    return this;
  }

  rdate(d: RecurringDate, f: string): this {
    return this.bits(d, 2, RDATE, f);
  }

  qual(q: TimeDateQual, f: string): this {
    return this.u8(packBits(q as unknown as BitRecord<typeof QUAL>, QUAL, this.p(f)), f);
  }
}

/** Sizes in bytes of the time types under `ctx` (C12.19 §7.4). */
export function timeSizes(ctx: TableContext): { stime: number; ltime: number; htime: number; time: number } {
  switch (ctx.tmFormat) {
    case 0:
      return { stime: 0, ltime: 0, htime: 0, time: 0 };
    case 1:
    case 2:
      return { stime: 5, ltime: 6, htime: 7, time: 3 };
    case 3:
      return { stime: 4, ltime: 5, htime: 6, time: 4 };
    default:
      return { stime: 4, ltime: 4, htime: 5, time: 4 };
  }
}
