import {
  type BerBitString,
  type BerTlv,
  beginBerContent,
  decodeBerInteger,
  decodeBerTlv,
  decodeBitString,
  decodeOid,
  ErrorCode,
  encodeBerInteger,
  encodeBitString,
  encodeOid,
  endBerContent,
  MeterkitError,
  Reader,
  readBerTlv,
  Writer,
  writeBerTag,
  writeBerTlv,
} from '@meterkit/core';
import {
  type AuthenticationValue,
  decodeAuthenticationValue,
  writeAuthenticationValue,
} from './authentication-value.js';
import {
  type AcseUserInformationInput,
  decodeAcseUserInformation,
  encodeAcseUserInformation,
} from './user-information.js';

/**
 * How one ACSE field is encoded (IEC 62056-5-3 §8.2 ACSE ASN.1, ISO/IEC 8650-1), by its
 * context tag:
 * - `bits`: [n] IMPLICIT BIT STRING (protocol-version, ACSE requirements)
 * - `oid`: [n] EXPLICIT OBJECT IDENTIFIER (application-context-name)
 * - `oid-implicit`: [n] IMPLICIT OBJECT IDENTIFIER (mechanism-name)
 * - `octets`: [n] EXPLICIT OCTET STRING (AP-title, AE-qualifier in their DLMS form)
 * - `int`: [n] EXPLICIT INTEGER (invocation identifiers, result)
 * - `int-implicit`: [n] IMPLICIT INTEGER (release reasons)
 * - `auth`: [n] EXPLICIT Authentication-value
 * - `graphic`: [n] IMPLICIT GraphicString (implementation-information), as Latin-1 text
 * - `user-info`: [n] EXPLICIT Association-information (OCTET STRING holding an xDLMS APDU)
 * - `diagnostic`: [n] EXPLICIT Associate-source-diagnostic CHOICE
 */
export type AcseFieldKind =
  | 'bits'
  | 'oid'
  | 'oid-implicit'
  | 'octets'
  | 'int'
  | 'int-implicit'
  | 'auth'
  | 'graphic'
  | 'user-info'
  | 'diagnostic';

/** One field of an ACSE APDU: context tag, property name, ASN.1 name, encoding, mandatory or not. */
export interface AcseFieldSpec {
  readonly tag: number;
  readonly key: string;
  readonly name: string;
  readonly kind: AcseFieldKind;
  readonly mandatory?: boolean;
}

/** Associate-source-diagnostic (IEC 62056-5-3 §8.2): which ACSE side gave the diagnostic, and its value. */
export interface AcseDiagnostic {
  /** acse-service-user [1] or acse-service-provider [2]. */
  readonly type: 'acse-service-user' | 'acse-service-provider';
  /** The diagnostic value (see `acseDiagnosticName`). */
  readonly value: number;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function fromLatin1(text: string, path: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) {
      throw new MeterkitError(
        ErrorCode.EncodeFailed,
        `character U+${c.toString(16)} does not fit a GraphicString octet`,
        {
          path,
        },
      );
    }
    out[i] = c;
  }
  return out;
}

function innerTlv(outer: BerTlv, path: string): BerTlv {
  if (!outer.constructed) {
    throw new MeterkitError(ErrorCode.ValueInvalid, 'explicitly tagged field is not constructed', {
      offset: outer.offset,
      path,
    });
  }
  return decodeBerTlv(outer.value, path, outer.offset + outer.headerLength);
}

function expectUniversal(t: BerTlv, tag: number, what: string, path: string): void {
  if (t.tagClass !== 'universal' || t.tag !== tag || t.constructed) {
    throw new MeterkitError(ErrorCode.UnexpectedTag, `expected ${what}`, { offset: t.offset, path });
  }
}

function expectPrimitive(t: BerTlv, path: string): void {
  if (t.constructed) {
    throw new MeterkitError(ErrorCode.ValueInvalid, 'implicitly tagged field must be primitive', {
      offset: t.offset,
      path,
    });
  }
}

function decodeField(t: BerTlv, spec: AcseFieldSpec, path: string): unknown {
  const contentAt = t.offset + t.headerLength;
  switch (spec.kind) {
    case 'bits':
      expectPrimitive(t, path);
      return decodeBitString(t.value, contentAt, path);
    case 'oid-implicit':
      expectPrimitive(t, path);
      return decodeOid(t.value, contentAt, path);
    case 'int-implicit':
      expectPrimitive(t, path);
      return decodeBerInteger(t.value, contentAt, path);
    case 'graphic':
      expectPrimitive(t, path);
      return latin1(t.value);
    case 'oid': {
      const inner = innerTlv(t, path);
      expectUniversal(inner, 6, 'OBJECT IDENTIFIER', path);
      return decodeOid(inner.value, inner.offset + inner.headerLength, path);
    }
    case 'octets': {
      const inner = innerTlv(t, path);
      expectUniversal(inner, 4, 'OCTET STRING', path);
      return inner.value;
    }
    case 'int': {
      const inner = innerTlv(t, path);
      expectUniversal(inner, 2, 'INTEGER', path);
      return decodeBerInteger(inner.value, inner.offset + inner.headerLength, path);
    }
    case 'auth':
      return decodeAuthenticationValue(innerTlv(t, path), path);
    case 'user-info': {
      const inner = innerTlv(t, path);
      expectUniversal(inner, 4, 'OCTET STRING', path);
      return decodeAcseUserInformation(inner.value, inner.offset + inner.headerLength, path);
    }
    case 'diagnostic': {
      const choice = innerTlv(t, path);
      if (choice.tagClass !== 'context' || (choice.tag !== 1 && choice.tag !== 2)) {
        throw new MeterkitError(
          ErrorCode.UnexpectedTag,
          'diagnostic is neither acse-service-user [1] nor acse-service-provider [2]',
          {
            offset: choice.offset,
            path,
          },
        );
      }
      const inner = innerTlv(choice, path);
      expectUniversal(inner, 2, 'INTEGER', path);
      const value = decodeBerInteger(inner.value, inner.offset + inner.headerLength, path);
      if (typeof value !== 'number' || value < 0) {
        throw new MeterkitError(ErrorCode.ValueOutOfRange, `diagnostic value ${value} is out of range`, {
          offset: inner.offset,
          path,
        });
      }
      const diagnostic: AcseDiagnostic = {
        type: choice.tag === 1 ? 'acse-service-user' : 'acse-service-provider',
        value,
      };
      return diagnostic;
    }
  }
}

/**
 * Decodes the elements of an ACSE APDU's SEQUENCE (`content` = the outer TLV's content octets,
 * starting at absolute offset `base`) against `specs`. Fields must appear in tag order, at most
 * once; unknown tags throw `UnexpectedTag` (204), a missing mandatory field `ValueInvalid` (207).
 * Every spec key is set on the result (undefined when absent).
 */
export function decodeAcseFields(
  content: Uint8Array,
  base: number,
  specs: readonly AcseFieldSpec[],
  apdu: string,
): Record<string, unknown> {
  const values = decodeAcseFieldValues(content, base, specs, apdu);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < specs.length; i++) out[specs[i]!.key] = values[i];
  return out;
}

/**
 * `decodeAcseFields` as an array of values in the order of `specs` (undefined when absent), for
 * the APDU decoders to build their objects from in one literal.
 */
export function decodeAcseFieldValues(
  content: Uint8Array,
  base: number,
  specs: readonly AcseFieldSpec[],
  apdu: string,
): unknown[] {
  const values = new Array<unknown>(specs.length).fill(undefined);
  if (decodeFieldsInPlace(content, base, specs, apdu, values)) return values;
  // something unusual (long-form lengths, an error): the general decoder judges it from the start
  return decodeFieldsGeneral(content, base, specs, apdu);
}

/**
 * The general decoder of `decodeAcseFieldValues` (IEC 62056-5-3 §8.2): one `readBerTlv` per
 * element, any length form; what the in-place decoder falls back to, and what it must agree with.
 */
export function decodeFieldsGeneral(
  content: Uint8Array,
  base: number,
  specs: readonly AcseFieldSpec[],
  apdu: string,
): unknown[] {
  const values = new Array<unknown>(specs.length).fill(undefined);
  const r = new Reader(content, 0, content.length, base);
  let next = 0;
  while (!r.atEnd) {
    const t = readBerTlv(r, apdu);
    let i = next;
    while (i < specs.length && !(t.tagClass === 'context' && specs[i]!.tag === t.tag)) i++;
    if (i >= specs.length) {
      const known = t.tagClass === 'context' && specs.some((s) => s.tag === t.tag);
      throw new MeterkitError(
        ErrorCode.UnexpectedTag,
        known
          ? `[${t.tag}] out of order or repeated`
          : `${t.tagClass} tag ${t.tag} is not a field of ${apdu.toUpperCase()}`,
        { offset: t.offset, path: apdu },
      );
    }
    const spec = specs[i]!;
    values[i] = decodeField(t, spec, `${apdu}.${spec.name}`);
    next = i + 1;
  }
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i]!;
    if (s.mandatory && values[i] === undefined) {
      throw new MeterkitError(ErrorCode.ValueInvalid, `mandatory field ${s.name} is missing`, {
        offset: base,
        path: `${apdu}.${s.name}`,
      });
    }
  }
  return values;
}

/** A field the in-place decoder leaves to the general one. */
const GENERAL: unique symbol = Symbol('general');

/**
 * Decodes the fields of a well-formed ACSE APDU straight from the octets, without a TLV object
 * per element: low tag numbers and short-form lengths only. Returns false, having thrown
 * nothing, at the first thing it does not take (a long-form length, a bad tag, a missing
 * mandatory field), and the general decoder then decodes the whole APDU. Errors of the nested
 * decoders it calls are thrown with the arguments the general decoder gives them, and only after
 * every earlier field decoded the same in both.
 */
function decodeFieldsInPlace(
  b: Uint8Array,
  base: number,
  specs: readonly AcseFieldSpec[],
  apdu: string,
  values: unknown[],
): boolean {
  const n = b.length;
  let p = 0;
  let next = 0;
  while (p < n) {
    if (n - p < 2) return false;
    const id = b[p]!;
    const len = b[p + 1]!;
    if ((id & 0xc0) !== 0x80 || (id & 0x1f) === 0x1f || len >= 0x80 || len > n - p - 2) return false;
    const tag = id & 0x1f;
    let i = next;
    while (i < specs.length && specs[i]!.tag !== tag) i++;
    if (i >= specs.length) return false;
    const vs = p + 2;
    const ve = vs + len;
    const v = fieldInPlace(b, p, vs, ve, (id & 0x20) !== 0, base, specs[i]!, apdu);
    if (v === GENERAL) return false;
    values[i] = v;
    next = i + 1;
    p = ve;
  }
  for (let i = 0; i < specs.length; i++) if (specs[i]!.mandatory && values[i] === undefined) return false;
  return true;
}

/** Index of the content of the one primitive TLV `id len ...` that fills `b[s..e)`, or -1. */
function innerContent(b: Uint8Array, s: number, e: number, id: number): number {
  if (e - s < 2 || b[s] !== id) return -1;
  const len = b[s + 1]!;
  return len < 0x80 && len === e - s - 2 ? s + 2 : -1;
}

/** INTEGER content of 1–6 octets (X.690 §8.3), as `decodeBerInteger` gives it. */
function smallInteger(b: Uint8Array, s: number, e: number): number {
  let u = 0;
  for (let i = s; i < e; i++) u = u * 256 + b[i]!;
  return b[s]! & 0x80 ? u - 2 ** (8 * (e - s)) : u;
}

/** The last OBJECT IDENTIFIERs met here (contents and dotted form): an association repeats a few. */
const OIDS: { readonly content: Uint8Array; readonly text: string }[] = [];
const OIDS_MAX = 8;

/** OBJECT IDENTIFIER content at `b[s..e)` in dotted form, or `GENERAL` when it is malformed. */
function oidInPlace(b: Uint8Array, s: number, e: number): string | typeof GENERAL {
  if (e === s || (b[e - 1]! & 0x80) !== 0) return GENERAL;
  for (let i = s, arcStart = true; i < e; i++) {
    if (arcStart && b[i] === 0x80) return GENERAL;
    arcStart = (b[i]! & 0x80) === 0;
  }
  const n = e - s;
  for (let k = 0; k < OIDS.length; k++) {
    const c = OIDS[k]!;
    if (c.content.length !== n) continue;
    let i = 0;
    while (i < n && c.content[i] === b[s + i]) i++;
    if (i === n) return c.text;
  }
  const content = b.slice(s, e);
  const text = decodeOid(content);
  if (OIDS.length >= OIDS_MAX) OIDS.shift();
  OIDS.push({ content, text });
  return text;
}

function fieldInPlace(
  b: Uint8Array,
  p: number,
  vs: number,
  ve: number,
  constructed: boolean,
  base: number,
  spec: AcseFieldSpec,
  apdu: string,
): unknown {
  switch (spec.kind) {
    case 'bits': {
      const n = ve - vs;
      if (constructed || n === 0) return GENERAL;
      const unusedBits = b[vs]!;
      if (unusedBits > 7 || (n === 1 && unusedBits !== 0)) return GENERAL;
      const bits: BerBitString = { unusedBits, bytes: b.subarray(vs + 1, ve) };
      return bits;
    }
    case 'oid-implicit':
      return constructed ? GENERAL : oidInPlace(b, vs, ve);
    case 'oid': {
      const i = constructed ? innerContent(b, vs, ve, 0x06) : -1;
      return i < 0 ? GENERAL : oidInPlace(b, i, ve);
    }
    case 'octets': {
      const i = constructed ? innerContent(b, vs, ve, 0x04) : -1;
      return i < 0 ? GENERAL : b.subarray(i, ve);
    }
    case 'int': {
      const i = constructed ? innerContent(b, vs, ve, 0x02) : -1;
      return i < 0 || ve - i > 6 || ve === i ? GENERAL : smallInteger(b, i, ve);
    }
    case 'int-implicit':
      return constructed || ve - vs > 6 || ve === vs ? GENERAL : smallInteger(b, vs, ve);
    case 'diagnostic': {
      if (!constructed || ve - vs < 2) return GENERAL;
      const choice = b[vs]!;
      const len = b[vs + 1]!;
      if ((choice !== 0xa1 && choice !== 0xa2) || len >= 0x80 || len !== ve - vs - 2) return GENERAL;
      const i = innerContent(b, vs + 2, ve, 0x02);
      if (i < 0 || ve - i > 6 || ve === i) return GENERAL;
      const value = smallInteger(b, i, ve);
      if (value < 0) return GENERAL;
      const diagnostic: AcseDiagnostic = {
        type: choice === 0xa1 ? 'acse-service-user' : 'acse-service-provider',
        value,
      };
      return diagnostic;
    }
    case 'user-info': {
      const i = constructed ? innerContent(b, vs, ve, 0x04) : -1;
      if (i < 0) return GENERAL;
      return decodeAcseUserInformation(b.subarray(i, ve), base + i, `${apdu}.${spec.name}`);
    }
    default: {
      // authentication-value and implementation-information: the general field decoder, given
      // the TLV `readBerTlv` would have read
      const t: BerTlv = {
        tagClass: 'context',
        constructed,
        tag: spec.tag,
        length: ve - vs,
        headerLength: 2,
        value: b.subarray(vs, ve),
        raw: b.subarray(p, ve),
        offset: base + p,
      };
      return decodeField(t, spec, `${apdu}.${spec.name}`);
    }
  }
}

function integerOf(v: unknown, spec: AcseFieldSpec, apdu: string): Uint8Array {
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return encodeBerInteger(v);
  throw new MeterkitError(ErrorCode.EncodeFailed, `${String(v)} is not an integer`, {
    path: `${apdu}.${spec.name}`,
  });
}

/** Octets of a definite length in its shortest form. */
function lengthSize(n: number): number {
  return n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffffff ? 4 : 5;
}

/** [tag] EXPLICIT around a universal primitive TLV with content `value`. */
function writeExplicit(w: Writer, tag: number, universalTag: number, value: Uint8Array): void {
  writeBerTag(w, 'context', true, tag);
  w.berLength(1 + lengthSize(value.length) + value.length);
  writeBerTlv(w, 'universal', false, universalTag, value);
}

function writeField(w: Writer, spec: AcseFieldSpec, v: unknown, apdu: string): void {
  switch (spec.kind) {
    case 'bits':
      writeBerTlv(w, 'context', false, spec.tag, encodeBitString(v as BerBitString));
      return;
    case 'oid-implicit':
      writeBerTlv(w, 'context', false, spec.tag, encodeOid(v as string));
      return;
    case 'int-implicit':
      writeBerTlv(w, 'context', false, spec.tag, integerOf(v, spec, apdu));
      return;
    case 'graphic':
      writeBerTlv(w, 'context', false, spec.tag, fromLatin1(v as string, `${apdu}.${spec.name}`));
      return;
    case 'oid':
      writeExplicit(w, spec.tag, 6, encodeOid(v as string));
      return;
    case 'octets':
      writeExplicit(w, spec.tag, 4, v as Uint8Array);
      return;
    case 'int':
      writeExplicit(w, spec.tag, 2, integerOf(v, spec, apdu));
      return;
    case 'auth': {
      writeBerTag(w, 'context', true, spec.tag);
      const at = beginBerContent(w);
      writeAuthenticationValue(w, v as AuthenticationValue);
      endBerContent(w, at);
      return;
    }
    case 'user-info':
      writeExplicit(w, spec.tag, 4, encodeAcseUserInformation(v as AcseUserInformationInput));
      return;
    case 'diagnostic': {
      const d = v as AcseDiagnostic;
      if (d.type !== 'acse-service-user' && d.type !== 'acse-service-provider') {
        throw new MeterkitError(ErrorCode.EncodeFailed, `diagnostic source '${String(d.type)}' unknown`, {
          path: `${apdu}.${spec.name}`,
        });
      }
      const value = integerOf(d.value, spec, apdu);
      const inner = 1 + lengthSize(value.length) + value.length;
      writeBerTag(w, 'context', true, spec.tag);
      w.berLength(1 + lengthSize(inner) + inner);
      writeExplicit(w, d.type === 'acse-service-user' ? 1 : 2, 2, value);
      return;
    }
  }
}

/**
 * Writes an ACSE APDU into `w`: [APPLICATION `appTag`] IMPLICIT SEQUENCE of the fields of `value`
 * that are present, in tag order (IEC 62056-5-3 §8.2). A missing mandatory field throws
 * `EncodeFailed` (211).
 */
export function writeAcseFields(
  w: Writer,
  appTag: number,
  value: Readonly<Record<string, unknown>>,
  specs: readonly AcseFieldSpec[],
  apdu: string,
): void {
  writeBerTag(w, 'application', true, appTag);
  const at = beginBerContent(w);
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i]!;
    const v = value[s.key];
    if (v === undefined) {
      if (s.mandatory) {
        throw new MeterkitError(ErrorCode.EncodeFailed, `mandatory field ${s.name} is missing`, {
          path: `${apdu}.${s.name}`,
        });
      }
      continue;
    }
    writeField(w, s, v, apdu);
  }
  endBerContent(w, at);
}

/**
 * Encodes an ACSE APDU: [APPLICATION `appTag`] IMPLICIT SEQUENCE of the fields of `value` that are
 * present, in tag order (IEC 62056-5-3 §8.2). A missing mandatory field throws `EncodeFailed` (211).
 */
export function encodeAcseFields(
  appTag: number,
  value: Readonly<Record<string, unknown>>,
  specs: readonly AcseFieldSpec[],
  apdu: string,
): Uint8Array {
  const w = new Writer(128);
  writeAcseFields(w, appTag, value, specs, apdu);
  return w.finish();
}
