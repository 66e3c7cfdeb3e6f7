import { MeterkitError, type Writer } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';

/**
 * OBIS codes (IEC 62056-6-1 §4, "OBIS code structure"): six value groups A–F, each 0–255.
 *
 * The canonical text form is the IEC 62056-61 display form with all six groups, `A-B:C.D.E.F`
 * (e.g. `1-0:1.8.0.255`). Parsing also accepts the dotted form `A.B.C.D.E.F`, and the six-octet
 * form used on the wire (a logical name).
 */

/** An OBIS code in canonical text form, `A-B:C.D.E.F`. IEC 62056-6-1 §4. */
export type ObisCode = string;

/** Encoded size of a logical name (OBIS code) on the wire. IEC 62056-6-1 §4. */
export const OBIS_LENGTH = 6;

function invalid(message: string): never {
  throw new MeterkitError(DlmsErrorCode.ObisInvalid, message, { path: 'obis' });
}

/** Texts of the OBIS codes formatted so far, by their 48-bit value: a capture names a few objects often. */
const FORMATTED = new Map<number, ObisCode>();
const FORMATTED_MAX = 4096;

/** Formats six octets (at `start`) as `A-B:C.D.E.F`. IEC 62056-6-1 §4. */
export function formatObis(bytes: Uint8Array, start = 0): ObisCode {
  if (start < 0 || bytes.length - start < OBIS_LENGTH) invalid(`OBIS code needs 6 octets`);
  const a = bytes[start]!;
  const b = bytes[start + 1]!;
  const c = bytes[start + 2]!;
  const d = bytes[start + 3]!;
  const e = bytes[start + 4]!;
  const f = bytes[start + 5]!;
  // the six octets as one exact number (48 bits)
  const key = ((a << 8) | b) * 0x1_0000_0000 + (((c << 24) | (d << 16) | (e << 8) | f) >>> 0);
  let text = FORMATTED.get(key);
  if (text === undefined) {
    text = `${a}-${b}:${c}.${d}.${e}.${f}`;
    if (FORMATTED.size >= FORMATTED_MAX) FORMATTED.clear();
    FORMATTED.set(key, text);
  }
  return text;
}

const TEXT_RE = /^\s*(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})[.*&](\d{1,3})\s*$/;
const DOTTED_RE = /^\s*(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\s*$/;

/**
 * Parses an OBIS code into its six octets. Accepts `A-B:C.D.E.F` (F may also follow `*` or `&`,
 * as in IEC 62056-61 displays), `A.B.C.D.E.F`, or a `Uint8Array` of exactly six octets (copied).
 * Anything else raises `ObisInvalid` (223). IEC 62056-6-1 §4.
 */
export function parseObis(input: string | Uint8Array): Uint8Array {
  if (input instanceof Uint8Array) {
    if (input.length !== OBIS_LENGTH) invalid(`OBIS code must be 6 octets, got ${input.length}`);
    return input.slice();
  }
  if (parseCanonical(input)) return SCRATCH.slice();
  const m = TEXT_RE.exec(input) ?? DOTTED_RE.exec(input);
  if (m === null) invalid(`not an OBIS code: ${JSON.stringify(input)}`);
  const out = new Uint8Array(OBIS_LENGTH);
  for (let i = 0; i < OBIS_LENGTH; i++) {
    const v = Number(m[i + 1]);
    if (v > 255) invalid(`OBIS value group ${'ABCDEF'[i]} = ${v} is above 255`);
    out[i] = v;
  }
  return out;
}

/** Octets of the last `parseCanonical` that succeeded. */
const SCRATCH = new Uint8Array(OBIS_LENGTH);
/** The separators after groups A–E of the canonical form: `-`, `:`, `.`, `.`, `.`. */
const SEPARATORS = [0x2d, 0x3a, 0x2e, 0x2e, 0x2e] as const;

/**
 * Reads the canonical form `A-B:C.D.E.F` (what `formatObis` writes, 1–3 digits a group, each at
 * most 255) into `SCRATCH`; false for anything else, which the regular expressions then judge.
 */
function parseCanonical(text: string): boolean {
  if (typeof text !== 'string') return false;
  const n = text.length;
  let i = 0;
  for (let g = 0; g < OBIS_LENGTH; g++) {
    let v = 0;
    const first = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
      i++;
    }
    if (i === first || i - first > 3 || v > 255) return false;
    SCRATCH[g] = v;
    if (g < OBIS_LENGTH - 1) {
      if (text.charCodeAt(i) !== SEPARATORS[g]) return false;
      i++;
    }
  }
  return i === n;
}

/**
 * Writes an OBIS code's six octets into `w`: the octets `parseObis` returns (same forms, same
 * `ObisInvalid` errors), without a copy for the canonical text form. IEC 62056-6-1 §4.
 */
export function writeObis(w: Writer, input: string | Uint8Array): void {
  if (typeof input === 'string' && parseCanonical(input)) w.bytes(SCRATCH);
  else w.bytes(parseObis(input));
}

/** Normalises any accepted OBIS form to the canonical `A-B:C.D.E.F`. IEC 62056-6-1 §4. */
export function normalizeObis(input: string | Uint8Array): ObisCode {
  return formatObis(parseObis(input));
}

/** True when `input` is an accepted OBIS form. IEC 62056-6-1 §4. */
export function isObis(input: string | Uint8Array): boolean {
  if (input instanceof Uint8Array) return input.length === OBIS_LENGTH;
  const m = TEXT_RE.exec(input) ?? DOTTED_RE.exec(input);
  if (m === null) return false;
  for (let i = 1; i <= OBIS_LENGTH; i++) if (Number(m[i]) > 255) return false;
  return true;
}
