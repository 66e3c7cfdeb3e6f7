import { ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';

/**
 * COSEM date, time and date-time values (IEC 62056-6-2 §4.1.6.1, "Date and time formats").
 *
 * Every field the wire carries is kept: a field whose wire value is "not specified" (0xFF, 0xFFFF
 * for the year, 0x8000 for the deviation) is `null`, and the named special values of month and
 * day-of-month are kept as names. Nothing is squashed into a JS `Date` unless the caller asks for
 * it through `cosemDateTimeToDate`, which says what it needs instead of guessing.
 */

/** Month: 1–12, `'daylight-savings-end'` (0xFD), `'daylight-savings-begin'` (0xFE) or `null` (0xFF). IEC 62056-6-2 §4.1.6.1. */
export type CosemMonth = number | 'daylight-savings-end' | 'daylight-savings-begin' | null;

/** Day of month: 1–31, `'second-last-day'` (0xFD), `'last-day'` (0xFE) or `null` (0xFF). IEC 62056-6-2 §4.1.6.1. */
export type CosemDayOfMonth = number | 'second-last-day' | 'last-day' | null;

/** A COSEM date (IEC 62056-6-2 §4.1.6.1): five octets year(2), month, day-of-month, day-of-week. */
export interface CosemDate {
  /** Year, 0–0xFFFE; `null` when not specified (0xFFFF). */
  readonly year: number | null;
  /** Month with its special values. */
  readonly month: CosemMonth;
  /** Day of month with its special values. */
  readonly dayOfMonth: CosemDayOfMonth;
  /** Day of week, 1 = Monday … 7 = Sunday; `null` when not specified (0xFF). */
  readonly dayOfWeek: number | null;
}

/** A COSEM time (IEC 62056-6-2 §4.1.6.1): four octets hour, minute, second, hundredths. */
export interface CosemTime {
  /** Hour 0–23, `null` when not specified. */
  readonly hour: number | null;
  /** Minute 0–59, `null` when not specified. */
  readonly minute: number | null;
  /** Second 0–59, `null` when not specified. */
  readonly second: number | null;
  /** Hundredths of a second 0–99, `null` when not specified. */
  readonly hundredths: number | null;
}

/**
 * A COSEM date-time (IEC 62056-6-2 §4.1.6.1): date, time, deviation (2 octets) and clock status
 * (1 octet), twelve octets in all.
 */
export interface CosemDateTime extends CosemDate, CosemTime {
  /**
   * Deviation in minutes, UTC minus local time (−720…720; e.g. −60 for UTC+01:00); `null` when not
   * specified (0x8000).
   */
  readonly deviation: number | null;
  /** Clock status bits (see `decodeClockStatus`), `null` when not specified (0xFF). */
  readonly clockStatus: number | null;
}

/** Encoded size of a COSEM date. IEC 62056-6-2 §4.1.6.1. */
export const COSEM_DATE_LENGTH = 5;
/** Encoded size of a COSEM time. IEC 62056-6-2 §4.1.6.1. */
export const COSEM_TIME_LENGTH = 4;
/** Encoded size of a COSEM date-time. IEC 62056-6-2 §4.1.6.1. */
export const COSEM_DATE_TIME_LENGTH = 12;

function month(v: number): CosemMonth {
  if (v === 0xff) return null;
  if (v === 0xfd) return 'daylight-savings-end';
  if (v === 0xfe) return 'daylight-savings-begin';
  return v;
}

function dayOfMonth(v: number): CosemDayOfMonth {
  if (v === 0xff) return null;
  if (v === 0xfd) return 'second-last-day';
  if (v === 0xfe) return 'last-day';
  return v;
}

function opt8(v: number): number | null {
  return v === 0xff ? null : v;
}

/** Reads a COSEM date (5 octets) at the reader's position. IEC 62056-6-2 §4.1.6.1. */
export function readCosemDate(r: Reader, path = 'date'): CosemDate {
  r.need(COSEM_DATE_LENGTH, path);
  const b = r.buf;
  const p = r.pos;
  r.pos = p + COSEM_DATE_LENGTH;
  const y = (b[p]! << 8) | b[p + 1]!;
  return {
    year: y === 0xffff ? null : y,
    month: month(b[p + 2]!),
    dayOfMonth: dayOfMonth(b[p + 3]!),
    dayOfWeek: opt8(b[p + 4]!),
  };
}

/** Reads a COSEM time (4 octets) at the reader's position. IEC 62056-6-2 §4.1.6.1. */
export function readCosemTime(r: Reader, path = 'time'): CosemTime {
  r.need(COSEM_TIME_LENGTH, path);
  const b = r.buf;
  const p = r.pos;
  r.pos = p + COSEM_TIME_LENGTH;
  return {
    hour: opt8(b[p]!),
    minute: opt8(b[p + 1]!),
    second: opt8(b[p + 2]!),
    hundredths: opt8(b[p + 3]!),
  };
}

/** Reads a COSEM date-time (12 octets) at the reader's position. IEC 62056-6-2 §4.1.6.1. */
export function readCosemDateTime(r: Reader, path = 'date-time'): CosemDateTime {
  r.need(COSEM_DATE_TIME_LENGTH, path);
  const b = r.buf;
  const p = r.pos;
  r.pos = p + COSEM_DATE_TIME_LENGTH;
  const y = (b[p]! << 8) | b[p + 1]!;
  const dev = (b[p + 9]! << 8) | b[p + 10]!;
  return {
    year: y === 0xffff ? null : y,
    month: month(b[p + 2]!),
    dayOfMonth: dayOfMonth(b[p + 3]!),
    dayOfWeek: opt8(b[p + 4]!),
    hour: opt8(b[p + 5]!),
    minute: opt8(b[p + 6]!),
    second: opt8(b[p + 7]!),
    hundredths: opt8(b[p + 8]!),
    deviation: dev === 0x8000 ? null : (dev << 16) >> 16,
    clockStatus: opt8(b[p + 11]!),
  };
}

function field8(w: Writer, v: number | null, name: string): void {
  if (v === null) {
    w.u8(0xff);
    return;
  }
  if (!Number.isInteger(v) || v < 0 || v > 0xfe) {
    throw new MeterkitError(ErrorCode.ValueOutOfRange, `${name} ${v} is outside 0..254 (255 is null)`, {
      path: name,
    });
  }
  w.u8(v);
}

function monthByte(v: CosemMonth): number | null {
  if (v === 'daylight-savings-end') return 0xfd;
  if (v === 'daylight-savings-begin') return 0xfe;
  if (v === 0xfd || v === 0xfe) {
    throw new MeterkitError(ErrorCode.ValueOutOfRange, `month ${v}: use the named special value`, {
      path: 'month',
    });
  }
  return v;
}

function dayByte(v: CosemDayOfMonth): number | null {
  if (v === 'second-last-day') return 0xfd;
  if (v === 'last-day') return 0xfe;
  if (v === 0xfd || v === 0xfe) {
    throw new MeterkitError(ErrorCode.ValueOutOfRange, `day-of-month ${v}: use the named special value`, {
      path: 'day-of-month',
    });
  }
  return v;
}

/** Writes a COSEM date (5 octets). IEC 62056-6-2 §4.1.6.1. */
export function writeCosemDate(w: Writer, d: CosemDate): void {
  if (d.year === null) w.u16(0xffff);
  else {
    if (!Number.isInteger(d.year) || d.year < 0 || d.year > 0xfffe) {
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `year ${d.year} is outside 0..65534`, {
        path: 'year',
      });
    }
    w.u16(d.year);
  }
  field8(w, monthByte(d.month), 'month');
  field8(w, dayByte(d.dayOfMonth), 'day-of-month');
  field8(w, d.dayOfWeek, 'day-of-week');
}

/** Writes a COSEM time (4 octets). IEC 62056-6-2 §4.1.6.1. */
export function writeCosemTime(w: Writer, t: CosemTime): void {
  field8(w, t.hour, 'hour');
  field8(w, t.minute, 'minute');
  field8(w, t.second, 'second');
  field8(w, t.hundredths, 'hundredths');
}

/** Writes a COSEM date-time (12 octets). IEC 62056-6-2 §4.1.6.1. */
export function writeCosemDateTime(w: Writer, dt: CosemDateTime): void {
  writeCosemDate(w, dt);
  writeCosemTime(w, dt);
  if (dt.deviation === null) w.u16(0x8000);
  else {
    if (!Number.isInteger(dt.deviation) || dt.deviation < -0x7fff || dt.deviation > 0x7fff) {
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `deviation ${dt.deviation} does not fit`, {
        path: 'deviation',
      });
    }
    w.i16(dt.deviation);
  }
  field8(w, dt.clockStatus, 'clock-status');
}

/**
 * Decodes the twelve octets of a date-time carried as an octet-string (the common real-world form,
 * IEC 62056-6-2 §4.1.6.1 note: "date-time as octet-string (SIZE(12))"). Other lengths raise
 * `DateTimeInvalid`.
 */
export function decodeCosemDateTime(bytes: Uint8Array, base = 0): CosemDateTime {
  if (bytes.length !== COSEM_DATE_TIME_LENGTH) {
    throw new MeterkitError(DlmsErrorCode.DateTimeInvalid, `date-time needs 12 octets, got ${bytes.length}`, {
      offset: base,
      path: 'date-time',
    });
  }
  return readCosemDateTime(new Reader(bytes, 0, bytes.length, base));
}

/** Encodes a date-time as its twelve octets (the octet-string form). IEC 62056-6-2 §4.1.6.1. */
export function encodeCosemDateTime(dt: CosemDateTime): Uint8Array {
  const w = new Writer(COSEM_DATE_TIME_LENGTH);
  writeCosemDateTime(w, dt);
  return w.finish();
}

/** Clock status bits of a date-time (IEC 62056-6-2 §4.1.6.1, "clock_status"). */
export interface ClockStatusFlags {
  /** Bit 0: invalid value. */
  readonly invalidValue: boolean;
  /** Bit 1: doubtful value. */
  readonly doubtfulValue: boolean;
  /** Bit 2: different clock base. */
  readonly differentClockBase: boolean;
  /** Bit 3: invalid clock status. */
  readonly invalidClockStatus: boolean;
  /** Bit 7: daylight saving active. */
  readonly daylightSavingActive: boolean;
  /** Bits 4–6, reserved; kept so nothing is lost. */
  readonly reserved: number;
}

/** Splits a clock status byte into its named bits. IEC 62056-6-2 §4.1.6.1. */
export function decodeClockStatus(status: number): ClockStatusFlags {
  return {
    invalidValue: (status & 0x01) !== 0,
    doubtfulValue: (status & 0x02) !== 0,
    differentClockBase: (status & 0x04) !== 0,
    invalidClockStatus: (status & 0x08) !== 0,
    daylightSavingActive: (status & 0x80) !== 0,
    reserved: (status >> 4) & 0x07,
  };
}

/** Builds a clock status byte from its named bits. IEC 62056-6-2 §4.1.6.1. */
export function encodeClockStatus(flags: Partial<ClockStatusFlags>): number {
  return (
    (flags.invalidValue ? 0x01 : 0) |
    (flags.doubtfulValue ? 0x02 : 0) |
    (flags.differentClockBase ? 0x04 : 0) |
    (flags.invalidClockStatus ? 0x08 : 0) |
    (flags.daylightSavingActive ? 0x80 : 0) |
    (((flags.reserved ?? 0) & 0x07) << 4)
  );
}

/** Values to use for fields a date-time leaves not specified (each must be given explicitly). IEC 62056-6-2 §4.1.6.1. */
export interface NotSpecifiedFill {
  /** Deviation (UTC − local, minutes) to assume when the value's deviation is not specified. */
  readonly deviation?: number;
  /** Hundredths to assume when not specified. */
  readonly hundredths?: number;
  /** Second to assume when not specified. */
  readonly second?: number;
}

/** Options of `cosemDateTimeToDate` / `cosemDateTimeToIso`. IEC 62056-6-2 §4.1.6.1. */
export interface CosemDateTimeConversionOptions {
  /**
   * Fills for not-specified fields. Without a fill, a not-specified field raises
   * `DateTimeNotSpecified` (620) rather than being guessed.
   */
  readonly notSpecified?: NotSpecifiedFill;
}

function notSpecified(name: string): never {
  throw new MeterkitError(
    DlmsErrorCode.DateTimeNotSpecified,
    `date-time field ${name} is not specified; pass options.notSpecified to choose a value`,
    { path: name },
  );
}

function invalid(name: string, v: unknown): never {
  throw new MeterkitError(
    DlmsErrorCode.DateTimeInvalid,
    `date-time field ${name} = ${String(v)} is invalid`,
    {
      path: name,
    },
  );
}

function need(v: number | string | null, name: string, min: number, max: number): number {
  if (v === null) notSpecified(name);
  if (typeof v !== 'number') notSpecified(`${name} (${v})`);
  if (v < min || v > max) invalid(name, v);
  return v;
}

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}

interface CalendarFields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  hs: number | null;
}

function calendar(dt: CosemDate & CosemTime, fill: NotSpecifiedFill | undefined): CalendarFields {
  const y = need(dt.year, 'year', 0, 9999);
  const mo = need(dt.month, 'month', 1, 12);
  const d = need(dt.dayOfMonth, 'day-of-month', 1, 31);
  if (d > daysInMonth(y, mo)) invalid('day-of-month', d);
  const h = need(dt.hour, 'hour', 0, 23);
  const mi = need(dt.minute, 'minute', 0, 59);
  const s = need(dt.second ?? fill?.second ?? null, 'second', 0, 59);
  const hsRaw = dt.hundredths ?? fill?.hundredths ?? null;
  const hs = hsRaw === null ? null : need(hsRaw, 'hundredths', 0, 99);
  return { y, mo, d, h, mi, s, hs };
}

/**
 * Converts a date-time to a JS `Date` (an instant), using the deviation to reach UTC
 * (UTC = local + deviation, IEC 62056-6-2 §4.1.6.1). Fields that are not specified raise
 * `DateTimeNotSpecified` unless `options.notSpecified` supplies them; out-of-range fields raise
 * `DateTimeInvalid`.
 */
export function cosemDateTimeToDate(dt: CosemDateTime, options: CosemDateTimeConversionOptions = {}): Date {
  const fill = options.notSpecified;
  const c = calendar(dt, fill);
  if (c.hs === null) notSpecified('hundredths');
  const dev = need(dt.deviation ?? fill?.deviation ?? null, 'deviation', -720, 720);
  const local = new Date(0);
  local.setUTCFullYear(c.y, c.mo - 1, c.d);
  local.setUTCHours(c.h, c.mi, c.s, c.hs * 10);
  return new Date(local.getTime() + dev * 60_000);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Formats a date-time as ISO 8601 local time: `YYYY-MM-DDTHH:MM:SS[.hh][±HH:MM]`. Not-specified
 * hundredths omit the fraction and a not-specified deviation omits the offset (an ISO local time),
 * so nothing is invented; not-specified date or time fields raise `DateTimeNotSpecified` unless
 * filled through `options.notSpecified`. IEC 62056-6-2 §4.1.6.1.
 */
export function cosemDateTimeToIso(dt: CosemDateTime, options: CosemDateTimeConversionOptions = {}): string {
  const fill = options.notSpecified;
  const c = calendar(dt, fill);
  let text = `${pad(c.y, 4)}-${pad(c.mo, 2)}-${pad(c.d, 2)}T${pad(c.h, 2)}:${pad(c.mi, 2)}:${pad(c.s, 2)}`;
  if (c.hs !== null) text += `.${pad(c.hs, 2)}`;
  const devRaw = dt.deviation ?? fill?.deviation ?? null;
  if (devRaw !== null) {
    const dev = need(devRaw, 'deviation', -720, 720);
    const offset = -dev;
    const abs = Math.abs(offset);
    text += `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
  }
  return text;
}

/** Options of `cosemDateTimeFromDate`. IEC 62056-6-2 §4.1.6.1. */
export interface CosemDateTimeFromDateOptions {
  /** Deviation (UTC − local, minutes) of the local time to produce; default 0 (UTC). */
  readonly deviation?: number;
  /** Clock status to record; default `null` (not specified). */
  readonly clockStatus?: number | null;
}

function weekday(y: number, mo: number, d: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  const wd = date.getUTCDay();
  return wd === 0 ? 7 : wd;
}

/** Builds a fully specified date-time from a JS `Date` at the given deviation. IEC 62056-6-2 §4.1.6.1. */
export function cosemDateTimeFromDate(date: Date, options: CosemDateTimeFromDateOptions = {}): CosemDateTime {
  const t = date.getTime();
  if (!Number.isFinite(t)) {
    throw new MeterkitError(ErrorCode.InvalidArgument, 'invalid Date');
  }
  const deviation = options.deviation ?? 0;
  if (!Number.isInteger(deviation) || deviation < -720 || deviation > 720) invalid('deviation', deviation);
  const local = new Date(t - deviation * 60_000);
  const y = local.getUTCFullYear();
  if (y < 0 || y > 0xfffe) invalid('year', y);
  const mo = local.getUTCMonth() + 1;
  const d = local.getUTCDate();
  return {
    year: y,
    month: mo,
    dayOfMonth: d,
    dayOfWeek: weekday(y, mo, d),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    hundredths: Math.floor(local.getUTCMilliseconds() / 10),
    deviation,
    clockStatus: options.clockStatus === undefined ? null : options.clockStatus,
  };
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Parses an ISO 8601 date-time (`YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]`) into a date-time.
 * What the text leaves out stays not specified: no fraction → hundredths `null`, no offset →
 * deviation `null`; clock status is `null`. A fraction finer than hundredths must be zero past the
 * second digit. IEC 62056-6-2 §4.1.6.1.
 */
export function cosemDateTimeFromIso(text: string): CosemDateTime {
  const m = ISO_RE.exec(text);
  if (m === null) {
    throw new MeterkitError(ErrorCode.ValueInvalid, `not an ISO 8601 date-time: ${JSON.stringify(text)}`);
  }
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  let hundredths: number | null = null;
  if (m[7] !== undefined) {
    const frac = m[7];
    if (/[1-9]/.test(frac.slice(2))) invalid('hundredths', frac);
    hundredths = Number(frac.slice(0, 2).padEnd(2, '0'));
  }
  let deviation: number | null = null;
  if (m[8] !== undefined) {
    if (m[8] === 'Z') deviation = 0;
    else {
      const sign = m[8][0] === '-' ? -1 : 1;
      const offset = sign * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6)));
      deviation = offset === 0 ? 0 : -offset;
    }
  }
  const dt: CosemDateTime = {
    year: y,
    month: mo,
    dayOfMonth: d,
    dayOfWeek: null,
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
    hundredths,
    deviation,
    clockStatus: null,
  };
  calendar(dt, { hundredths: 0 });
  if (deviation !== null && (deviation < -720 || deviation > 720)) invalid('deviation', deviation);
  return { ...dt, dayOfWeek: weekday(y, mo, d) };
}
