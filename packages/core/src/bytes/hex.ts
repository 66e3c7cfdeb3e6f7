import { ErrorCode, MeterkitError } from '../errors.js';

const HEX = '0123456789abcdef';
const BYTE_TO_HEX: string[] = [];
for (let i = 0; i < 256; i++) BYTE_TO_HEX.push(HEX[i >> 4]! + HEX[i & 15]!);

/** Nibble value of an ASCII code, or -1. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[0x41 + i] = 10 + i;
  NIBBLE[0x61 + i] = 10 + i;
}

/**
 * Formats bytes as lowercase hex. `separator` goes between bytes (e.g. `' '` or `':'`).
 */
export function toHex(bytes: Uint8Array, separator = ''): string {
  if (bytes.length === 0) return '';
  if (separator === '') {
    let s = '';
    for (let i = 0; i < bytes.length; i++) s += BYTE_TO_HEX[bytes[i]!];
    return s;
  }
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = BYTE_TO_HEX[bytes[i]!]!;
  return parts.join(separator);
}

/**
 * Parses hex as people paste it: upper or lower case, with spaces, tabs, newlines, colons, dashes
 * or underscores between digits, and `0x` prefixes (once at the start or before each byte).
 * Throws `HexInvalid` (210) with the character offset on a non-hex character or an odd digit count.
 */
export function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length >> 1);
  let n = 0;
  let high = -1;
  let highAt = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (
      c === 0x20 ||
      c === 0x09 ||
      c === 0x0a ||
      c === 0x0d ||
      c === 0x3a ||
      c === 0x2d ||
      c === 0x5f ||
      c === 0x2c
    ) {
      continue;
    }
    if (c === 0x30 && high === -1 && (text.charCodeAt(i + 1) | 0x20) === 0x78) {
      // "0x" prefix: only allowed at a byte boundary
      i++;
      continue;
    }
    const v = c < 128 ? NIBBLE[c]! : -1;
    if (v < 0) {
      throw new MeterkitError(ErrorCode.HexInvalid, `'${text[i]}' is not a hex digit`, { offset: i });
    }
    if (high < 0) {
      high = v;
      highAt = i;
    } else {
      out[n++] = (high << 4) | v;
      high = -1;
    }
  }
  if (high >= 0) {
    throw new MeterkitError(ErrorCode.HexInvalid, 'odd number of hex digits', { offset: highAt });
  }
  return out.slice(0, n);
}

/** True when `text` parses as hex under `fromHex`'s rules and holds at least one byte. */
export function isHex(text: string): boolean {
  try {
    return fromHex(text).length > 0;
  } catch {
    return false;
  }
}

/**
 * A classic hex dump: offset, 16 bytes in hex, and an ASCII column. For people and debug logs.
 */
export function hexDump(bytes: Uint8Array, width = 16): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += width) {
    const row = bytes.subarray(off, off + width);
    let ascii = '';
    for (const b of row) ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    lines.push(`${off.toString(16).padStart(6, '0')}  ${toHex(row, ' ').padEnd(width * 3 - 1)}  ${ascii}`);
  }
  return lines.join('\n');
}

/** True when two byte arrays hold the same bytes (not constant-time: use `timingSafeEqual` for secrets). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Concatenates byte arrays into a new one. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
