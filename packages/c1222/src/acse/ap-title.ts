/**
 * AP titles of ANSI C12.22 / IEEE 1703-2012 §5.2.3 (`<universal-id-element>` /
 * `<relative-id-element>`): an absolute OBJECT IDENTIFIER (tag 06) or a RELATIVE-OID to be appended to
 * the node's ApTitle base (context tag 80 in C12.22 ACSE, universal tag 0D also accepted).
 *
 * JSON form (meterkit DESIGN): dotted absolute OID; a relative title is shown as `.123.4` and, when
 * a base OID is known, also expanded (`oid`).
 */
import {
  decodeOid,
  decodeRelativeOid,
  ErrorCode,
  encodeOid,
  encodeRelativeOid,
  MeterkitError,
  type Reader,
  type Writer,
  writeBerTlv,
} from '@meterkit/core';
import { C1222ErrorCode } from '../errors.js';
import { oidContent, relativeOidContent } from './oid-cache.js';
import { readTlv } from './tlv.js';

/** Wire tag of an absolute AP title (universal OBJECT IDENTIFIER). */
export const AP_TITLE_ABSOLUTE_TAG = 0x06;
/** Wire tag of a relative AP title in the C12.22 ACSE (`[0] IMPLICIT RELATIVE-OID`). */
export const AP_TITLE_RELATIVE_TAG = 0x80;
/** Wire tag of a universal RELATIVE-OID (also accepted for relative AP titles). */
export const AP_TITLE_RELATIVE_UNIVERSAL_TAG = 0x0d;

/** An absolute or relative ApTitle (IEEE 1703 §5.2.3). */
export type ApTitle =
  | {
      readonly form: 'absolute';
      /** Dotted OID, e.g. `1.3.6.1.4.1.33507`. */
      readonly oid: string;
    }
  | {
      readonly form: 'relative';
      /** Dotted relative arcs with a leading dot, e.g. `.123.4`. */
      readonly relative: string;
      /** The absolute OID (base + relative arcs), when a base OID was known. */
      readonly oid?: string;
      /** True when the wire used the universal RELATIVE-OID tag 0D instead of context tag 80. */
      readonly universalTag?: boolean;
    };

/** An absolute ApTitle from a dotted OID. */
export function absoluteApTitle(oid: string): ApTitle {
  encodeOid(oid);
  return { form: 'absolute', oid };
}

/** A relative ApTitle from dotted arcs (`.123.4` or `123.4`), expanded when `baseOid` is given. */
export function relativeApTitle(relative: string, baseOid?: string): ApTitle {
  const rel = relative.startsWith('.') ? relative : `.${relative}`;
  encodeRelativeOid(rel);
  return baseOid === undefined
    ? { form: 'relative', relative: rel }
    : { form: 'relative', relative: rel, oid: `${baseOid}${rel}` };
}

/** The dotted form used in JSON and CLI output: the absolute OID when known, else `.123.4`. */
export function apTitleToString(title: ApTitle): string {
  return title.oid ?? (title.form === 'relative' ? title.relative : '');
}

/**
 * The absolute OID of `title`, expanding a relative one with `baseOid` (or the expansion it already
 * carries). Throws `ApTitleBaseMissing` (640) when a relative title cannot be expanded.
 */
export function apTitleAbsoluteOid(title: ApTitle, baseOid?: string, path?: string): string {
  if (title.form === 'absolute') return title.oid;
  if (baseOid !== undefined) return `${baseOid}${title.relative}`;
  if (title.oid !== undefined) return title.oid;
  throw new MeterkitError(
    C1222ErrorCode.ApTitleBaseMissing,
    `relative AP title ${title.relative} needs a base OID`,
    { path },
  );
}

/** Size of the cache of recently decoded absolute AP titles (a node talks to few peers). */
const OID_CACHE_SIZE = 8;
const cachedOidBytes: Uint8Array[] = [];
const cachedOids: string[] = [];
let nextOidSlot = 0;

/**
 * `decodeOid` with a small cache keyed on the content octets: the same AP titles arrive in every
 * message, and returning the same string instance also makes the later OID → content look-up of
 * the EAX' cleartext cheap. Only octets that decoded without error are cached, so results and
 * errors are those of `decodeOid`.
 */
function decodeAbsoluteOid(value: Uint8Array, offset: number, path: string): string {
  const n = value.length;
  for (let k = 0; k < cachedOidBytes.length; k++) {
    const c = cachedOidBytes[k]!;
    if (c.length !== n) continue;
    let i = 0;
    while (i < n && c[i] === value[i]) i++;
    if (i === n) return cachedOids[k]!;
  }
  const oid = decodeOid(value, offset, path);
  cachedOidBytes[nextOidSlot] = Uint8Array.from(value);
  cachedOids[nextOidSlot] = oid;
  nextOidSlot = (nextOidSlot + 1) % OID_CACHE_SIZE;
  return oid;
}

/** Reads one AP title TLV (06, 80 or 0D) from `r` (IEEE 1703 §5.2.3). */
export function readApTitle(r: Reader, baseOid: string | undefined, path: string): ApTitle {
  const at = r.pos;
  const tlv = readTlv(r, path);
  const first = tlv.tagByte;
  const contentOffset = r.base + tlv.contentStart;
  if (first === AP_TITLE_ABSOLUTE_TAG) {
    return { form: 'absolute', oid: decodeAbsoluteOid(tlv.value, contentOffset, path) };
  }
  if (first === AP_TITLE_RELATIVE_TAG || first === AP_TITLE_RELATIVE_UNIVERSAL_TAG) {
    const relative = `.${decodeRelativeOid(tlv.value, contentOffset, path)}`;
    const title: { form: 'relative'; relative: string; oid?: string; universalTag?: boolean } = {
      form: 'relative',
      relative,
    };
    if (baseOid !== undefined) title.oid = `${baseOid}${relative}`;
    if (first === AP_TITLE_RELATIVE_UNIVERSAL_TAG) title.universalTag = true;
    return title;
  }
  return r.fail(
    ErrorCode.UnexpectedTag,
    `AP title tag 0x${first.toString(16)} is not 06, 80 or 0D`,
    path,
    at,
  );
}

/** Writes `title` as its TLV, in the form it has (absolute 06, relative 80 or 0D). */
export function writeApTitle(w: Writer, title: ApTitle): void {
  if (title.form === 'absolute') {
    writeBerTlv(w, 'universal', false, 6, oidContent(title.oid));
  } else if (title.universalTag === true) {
    writeBerTlv(w, 'universal', false, 13, relativeOidContent(title.relative));
  } else {
    writeBerTlv(w, 'context', false, 0, relativeOidContent(title.relative));
  }
}

/** Writes the TLV of `title` in absolute form (06), as the EAX' cleartext requires. */
export function writeApTitleAbsolute(
  w: Writer,
  title: ApTitle,
  baseOid: string | undefined,
  path: string,
): void {
  writeBerTlv(w, 'universal', false, 6, oidContent(apTitleAbsoluteOid(title, baseOid, path)));
}
