import { ErrorCode, Reader } from '@meterkit/core';
import { type DlmsData, type IntegerDataType, MAX_DATA_DEPTH, readData } from './data.js';

/**
 * Allocation-light reading of COSEM data in A-XDR (IEC 62056-6-2 §4.1.5): the values of one
 * tagged data value reported to a visitor in document order, without building the `DlmsData`
 * tree. Octet-strings are reported as index ranges into the input (no view is made) and the
 * integer types as plain numbers; the rarer types are decoded exactly as `readData` does and
 * handed over as `DlmsData`. The same checks apply as in `decodeData` (lengths against the bytes
 * left, nesting depth, trailing bytes), with the same error codes and offsets.
 */
export interface DataVisitor {
  /** An array or structure starts; `count` elements follow, then the matching `end`. */
  begin(type: 'array' | 'structure', count: number): void;
  /** The array or structure that started last is complete. */
  end(type: 'array' | 'structure'): void;
  /** A value of an integer type (IEC 62056-6-2 §4.1.5), as `decodeData` would give it. */
  integer(type: IntegerDataType, value: number): void;
  /**
   * An octet-string: its contents are `buf[start..end)`. The range is only valid during the call
   * unless the caller keeps the input unchanged; make a view or copy to keep it.
   */
  octets(buf: Uint8Array, start: number, end: number): void;
  /** Any other value (null-data, boolean, strings, floats, 64-bit integers, dates, compact-array, ...). */
  other(value: DlmsData): void;
}

const PATH = 'data';

/**
 * Reads one tagged A-XDR data value at the reader's position into `visitor` (IEC 62056-6-2 §4.1.5).
 * What `readData` would return is reported as visitor calls instead; errors are identical.
 */
export function scanDataValue(r: Reader, visitor: DataVisitor, depth = 0): void {
  const buf = r.buf;
  const end = r.end;
  const at = r.pos;
  if (at >= end) r.fail(ErrorCode.Truncated, 'need 1 byte, 0 left', PATH, at);
  const tag = buf[at]!;
  const p = at + 1;
  const left = end - p;
  switch (tag) {
    case 1:
    case 2: {
      if (depth >= MAX_DATA_DEPTH) {
        r.fail(ErrorCode.NestingTooDeep, `data nested deeper than ${MAX_DATA_DEPTH}`, PATH, at);
      }
      r.pos = p;
      const n = r.berLengthBounded(PATH, 1);
      const type = tag === 1 ? 'array' : 'structure';
      visitor.begin(type, n);
      for (let i = 0; i < n; i++) scanDataValue(r, visitor, depth + 1);
      visitor.end(type);
      return;
    }
    case 6:
      if (left >= 4) {
        r.pos = p + 4;
        visitor.integer(
          'double-long-unsigned',
          ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0,
        );
        return;
      }
      break;
    case 9: {
      r.pos = p;
      const n = r.berLengthBounded(PATH);
      const start = r.pos;
      r.pos = start + n;
      visitor.octets(buf, start, start + n);
      return;
    }
    case 18:
      if (left >= 2) {
        r.pos = p + 2;
        visitor.integer('long-unsigned', (buf[p]! << 8) | buf[p + 1]!);
        return;
      }
      break;
    case 16:
      if (left >= 2) {
        r.pos = p + 2;
        visitor.integer('long', (((buf[p]! << 8) | buf[p + 1]!) << 16) >> 16);
        return;
      }
      break;
    case 15:
      if (left >= 1) {
        r.pos = p + 1;
        visitor.integer('integer', (buf[p]! << 24) >> 24);
        return;
      }
      break;
    case 17:
      if (left >= 1) {
        r.pos = p + 1;
        visitor.integer('unsigned', buf[p]!);
        return;
      }
      break;
    case 22:
      if (left >= 1) {
        r.pos = p + 1;
        visitor.integer('enum', buf[p]!);
        return;
      }
      break;
    case 5:
      if (left >= 4) {
        r.pos = p + 4;
        visitor.integer(
          'double-long',
          (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!,
        );
        return;
      }
      break;
  }
  // Every other type, and every short read above, decodes (or fails) exactly as in readData.
  const value = readData(r, depth);
  switch (value.type) {
    case 'bcd':
    case 'delta-integer':
    case 'delta-long':
    case 'delta-double-long':
    case 'delta-unsigned':
    case 'delta-long-unsigned':
    case 'delta-double-long-unsigned':
      visitor.integer(value.type, value.value);
      return;
    default:
      visitor.other(value);
  }
}

/**
 * Reads exactly one A-XDR data value from `bytes` into `visitor` (IEC 62056-6-2 §4.1.5); trailing
 * bytes raise `TrailingBytes`, as in `decodeData`. `base` is the absolute offset of `bytes[0]`.
 */
export function scanData(bytes: Uint8Array, visitor: DataVisitor, base = 0): void {
  const r = new Reader(bytes, 0, bytes.length, base);
  scanDataValue(r, visitor);
  r.expectEnd(PATH);
}
