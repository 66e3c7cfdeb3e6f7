import { MeterkitError } from '@meterkit/core';
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

/** Formats six octets (at `start`) as `A-B:C.D.E.F`. IEC 62056-6-1 §4. */
export function formatObis(bytes: Uint8Array, start = 0): ObisCode {
  if (start < 0 || bytes.length - start < OBIS_LENGTH) invalid(`OBIS code needs 6 octets`);
  return `${bytes[start]}-${bytes[start + 1]}:${bytes[start + 2]}.${bytes[start + 3]}.${bytes[start + 4]}.${bytes[start + 5]}`;
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
