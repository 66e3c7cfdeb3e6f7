/**
 * The calling-authentication-value element (`AC`) of the C12.22 ACSE, IEEE 1703-2012 §5.3.4.8:
 *
 * ```
 * AC len  A2 len  [02 01 <indirect-reference>]  ( A0 len <single-asn1> | 81 len <octet-aligned> )
 *   single-asn1 = A1 len <c1222: 80 01 key-id, 81 04 iv, further security elements…>
 *               | A0 len <c1221: 80 identification | 81 request | 82 response>
 * ```
 */
import {
  decodeBerInteger,
  ErrorCode,
  encodeBerInteger,
  MeterkitError,
  Reader,
  Writer,
  writeBerTlv,
} from '@meterkit/core';
import { readTlv } from './tlv.js';

/** One further element of the C12.22 authentication value, kept as its context tag and content. */
export interface SecurityElement {
  /** Context tag number (the wire byte is 0x80 | tag for primitive elements). */
  readonly tag: number;
  readonly constructed: boolean;
  readonly value: Uint8Array;
}

/** Which C12.21 authentication message the value carries (IEEE 1703 §5.3.4.8.2). */
export type C1221AuthenticationKind = 'identification' | 'request' | 'response';

/** The decoded calling-authentication-value (IEEE 1703 §5.3.4.8). */
export type CallingAuthenticationValue =
  | {
      /** `<calling-authentication-value-c1222>` (§5.3.4.8.1): key id and IV of the EAX' security. */
      readonly type: 'c1222';
      readonly indirectReference?: number | bigint;
      /** `<key-id-element>` 0–255; absent means key 0. */
      readonly keyId?: number;
      /** `<iv-element>` (4 bytes in C12.22 security). */
      readonly iv?: Uint8Array;
      /** Further elements after the IV, in wire order. */
      readonly elements?: readonly SecurityElement[];
    }
  | {
      /** `<calling-authentication-value-c1221>` (§5.3.4.8.2). */
      readonly type: 'c1221';
      readonly indirectReference?: number | bigint;
      readonly kind: C1221AuthenticationKind;
      readonly value: Uint8Array;
    }
  | {
      /** `<calling-authentication-value-octet-aligned>`. */
      readonly type: 'octet-aligned';
      readonly indirectReference?: number | bigint;
      readonly value: Uint8Array;
    };

const C1221_KINDS: readonly C1221AuthenticationKind[] = ['identification', 'request', 'response'];

/** Decodes the content of the AC element. `r` spans exactly that content. */
export function readCallingAuthenticationValue(r: Reader, path: string): CallingAuthenticationValue {
  const ext = readTlv(r, path);
  if (ext.tagByte !== 0xa2)
    r.fail(ErrorCode.UnexpectedTag, 'calling-authentication-value must hold an A2 element', path, ext.start);
  r.expectEnd(path);
  const er = new Reader(r.buf, ext.contentStart, ext.contentStart + ext.value.length, r.base);
  let indirectReference: number | bigint | undefined;
  if (er.peekU8(path) === 0x02) {
    const ir = readTlv(er, `${path}.indirect-reference`);
    indirectReference = decodeBerInteger(ir.value, er.base + ir.contentStart, `${path}.indirect-reference`);
  }
  const enc = readTlv(er, `${path}.encoding`);
  er.expectEnd(path);
  if (enc.tagByte === 0x81) {
    const v: { -readonly [K in keyof OctetAligned]: OctetAligned[K] } = {
      type: 'octet-aligned',
      value: enc.value,
    };
    if (indirectReference !== undefined) v.indirectReference = indirectReference;
    return v;
  }
  if (enc.tagByte !== 0xa0)
    er.fail(
      ErrorCode.UnexpectedTag,
      'authentication value encoding must be A0 or 81',
      `${path}.encoding`,
      enc.start,
    );
  const sr = new Reader(er.buf, enc.contentStart, enc.contentStart + enc.value.length, er.base);
  const choice = readTlv(sr, `${path}.single-asn1`);
  sr.expectEnd(path);
  const cr = new Reader(sr.buf, choice.contentStart, choice.contentStart + choice.value.length, sr.base);
  if (choice.tagByte === 0xa1) {
    const p = `${path}.c1222`;
    const v: { -readonly [K in keyof C1222Value]: C1222Value[K] } = { type: 'c1222' };
    if (indirectReference !== undefined) v.indirectReference = indirectReference;
    const elements: SecurityElement[] = [];
    while (!cr.atEnd) {
      const e = readTlv(cr, p);
      const h = e.header;
      if (h.tagClass !== 'context')
        cr.fail(ErrorCode.UnexpectedTag, 'C12.22 security elements are context-tagged', p, e.start);
      if (e.tagByte === 0x80 && v.keyId === undefined && v.iv === undefined && elements.length === 0) {
        if (e.value.length !== 1)
          cr.fail(ErrorCode.ValueInvalid, 'key-id-element must be one byte', `${p}.key-id`, e.start);
        v.keyId = e.value[0]!;
      } else if (e.tagByte === 0x81 && v.iv === undefined && elements.length === 0) {
        v.iv = e.value;
      } else {
        elements.push({ tag: h.tag, constructed: h.constructed, value: e.value });
      }
    }
    if (elements.length > 0) v.elements = elements;
    return v;
  }
  if (choice.tagByte === 0xa0) {
    const e = readTlv(cr, `${path}.c1221`);
    cr.expectEnd(`${path}.c1221`);
    const kind = e.tagByte >= 0x80 && e.tagByte <= 0x82 ? C1221_KINDS[e.tagByte - 0x80] : undefined;
    if (kind === undefined)
      return cr.fail(
        ErrorCode.UnexpectedTag,
        'C12.21 authentication value must be 80, 81 or 82',
        `${path}.c1221`,
        e.start,
      );
    const v: { -readonly [K in keyof C1221Value]: C1221Value[K] } = { type: 'c1221', kind, value: e.value };
    if (indirectReference !== undefined) v.indirectReference = indirectReference;
    return v;
  }
  return sr.fail(
    ErrorCode.UnexpectedTag,
    'single-asn1 authentication value must be A1 (C12.22) or A0 (C12.21)',
    path,
    choice.start,
  );
}

type C1222Value = Extract<CallingAuthenticationValue, { type: 'c1222' }>;
type C1221Value = Extract<CallingAuthenticationValue, { type: 'c1221' }>;
type OctetAligned = Extract<CallingAuthenticationValue, { type: 'octet-aligned' }>;

/** Encodes the content of the AC element for `value`. */
export function encodeCallingAuthenticationValue(value: CallingAuthenticationValue): Uint8Array {
  const a = scratchA.reset();
  const b = scratchB.reset();
  if (value.type !== 'octet-aligned') {
    if (value.type === 'c1222') {
      if (value.keyId !== undefined) {
        if (!Number.isInteger(value.keyId) || value.keyId < 0 || value.keyId > 255)
          throw new MeterkitError(ErrorCode.EncodeFailed, `key id ${value.keyId} outside 0..255`, {
            path: 'calling-authentication-value.key-id',
          });
        a.u8(0x80).u8(1).u8(value.keyId);
      }
      if (value.iv !== undefined) writeBerTlv(a, 'context', false, 1, value.iv);
      for (const e of value.elements ?? []) writeBerTlv(a, 'context', e.constructed, e.tag, e.value);
    } else {
      writeBerTlv(a, 'context', false, C1221_KINDS.indexOf(value.kind), value.value);
    }
    writeBerTlv(b, 'context', true, value.type === 'c1222' ? 1 : 0, a.written());
    a.reset();
  }
  if (value.indirectReference !== undefined)
    writeBerTlv(a, 'universal', false, 2, encodeBerInteger(value.indirectReference));
  if (value.type === 'octet-aligned') writeBerTlv(a, 'context', false, 1, value.value);
  else writeBerTlv(a, 'context', true, 0, b.written());
  b.reset();
  writeBerTlv(b, 'context', true, 2, a.written());
  return b.finish();
}

const scratchA = new Writer(64);
const scratchB = new Writer(64);
