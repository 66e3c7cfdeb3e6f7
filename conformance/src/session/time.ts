import { ErrorCode, MeterkitError } from '@meterkit/core';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const SECONDS = /^(\d{1,12})(?:\.(\d{1,9}))?$/;

function fractionNanos(digits: string | undefined): bigint {
  return digits === undefined ? 0n : BigInt(digits.padEnd(9, '0'));
}

/**
 * Parses an ISO 8601 date-time (ISO 8601-1 §5.4, RFC 3339 §5.6; `T` or a space, fractions down to
 * nanoseconds, `Z` or ±hh[:mm]; no zone means UTC) into nanoseconds since the Unix epoch, or
 * returns undefined when `text` is not one.
 */
export function parseIsoNanos(text: string): bigint | undefined {
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return undefined;
  }
  const ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s));
  let offsetMinutes = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
  }
  return BigInt(ms - offsetMinutes * 60_000) * 1_000_000n + fractionNanos(frac);
}

/** Parses decimal seconds (`1700000000.123456`, up to nanoseconds) into nanoseconds, or undefined. */
export function parseSecondsNanos(text: string): bigint | undefined {
  const m = SECONDS.exec(text);
  if (m === null) return undefined;
  return BigInt(m[1]!) * 1_000_000_000n + fractionNanos(m[2]);
}

/**
 * Formats nanoseconds since the Unix epoch as RFC 3339 UTC with all nine fraction digits
 * (`2026-11-23T01:02:03.000000001Z`), so `parseIsoNanos` gives the same value back.
 */
export function formatIsoNanos(ns: bigint): string {
  if (ns < 0n) throw new MeterkitError(ErrorCode.InvalidArgument, 'time before 1970 cannot be written');
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString(); // yyyy-mm-ddThh:mm:ss.mmmZ
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}
