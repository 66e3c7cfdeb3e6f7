import {
  type BerBitString,
  type BerNode,
  type BerTlv,
  decodeBerTlv,
  decodeBitString,
  decodeOid,
  ErrorCode,
  encodeBitString,
  encodeOid,
  MeterkitError,
  Reader,
  readBerTlv,
  type Writer,
  writeBerNode,
  writeBerTlv,
} from '@meterkit/core';

/**
 * Authentication-value CHOICE of the AARQ/AARE (IEC 62056-5-3 §8.2 ACSE, ISO/IEC 8650-1):
 * charstring [0] IMPLICIT GraphicString (the LLS password or the HLS challenge, as octets),
 * bitstring [1] IMPLICIT BIT STRING, external [2] IMPLICIT EXTERNAL (kept as its content octets),
 * other [3] IMPLICIT SEQUENCE { other-mechanism-name OBJECT IDENTIFIER, other-mechanism-value ANY }.
 * Values are secrets: never log them.
 */
export type AuthenticationValue =
  | { readonly type: 'charstring'; readonly value: Uint8Array }
  | { readonly type: 'bitstring'; readonly value: BerBitString }
  | { readonly type: 'external'; readonly value: Uint8Array }
  | {
      readonly type: 'other';
      /** other-mechanism-name (dotted OID). */
      readonly mechanismName: string;
      /** other-mechanism-value: one whole BER TLV. */
      readonly value: Uint8Array;
    };

/** Decodes the single TLV inside the explicit authentication-value tag (IEC 62056-5-3 §8.2). */
export function decodeAuthenticationValue(inner: BerTlv, path: string): AuthenticationValue {
  const contentAt = inner.offset + inner.headerLength;
  if (inner.tagClass === 'context') {
    if (inner.tag === 0 && !inner.constructed) return { type: 'charstring', value: inner.value };
    if (inner.tag === 1 && !inner.constructed) {
      return { type: 'bitstring', value: decodeBitString(inner.value, contentAt, path) };
    }
    if (inner.tag === 2 && inner.constructed) return { type: 'external', value: inner.value };
    if (inner.tag === 3 && inner.constructed) {
      const r = new Reader(inner.value, 0, inner.value.length, contentAt);
      const name = readBerTlv(r, `${path}.other-mechanism-name`);
      if (name.tagClass !== 'universal' || name.tag !== 6 || name.constructed) {
        throw new MeterkitError(ErrorCode.UnexpectedTag, 'other-mechanism-name is not an OBJECT IDENTIFIER', {
          offset: name.offset,
          path: `${path}.other-mechanism-name`,
        });
      }
      const mechanismName = decodeOid(
        name.value,
        name.offset + name.headerLength,
        `${path}.other-mechanism-name`,
      );
      const value = readBerTlv(r, `${path}.other-mechanism-value`);
      r.expectEnd(`${path}.other`);
      return { type: 'other', mechanismName, value: value.raw };
    }
  }
  throw new MeterkitError(
    ErrorCode.UnexpectedTag,
    'authentication-value is not charstring, bitstring, external or other',
    {
      offset: inner.offset,
      path,
    },
  );
}

/** The BER node of an authentication value: the element inside the explicit tag (IEC 62056-5-3 §8.2). */
export function authenticationValueNode(v: AuthenticationValue): BerNode {
  switch (v.type) {
    case 'charstring':
      return { tagClass: 'context', constructed: false, tag: 0, value: v.value };
    case 'bitstring':
      return { tagClass: 'context', constructed: false, tag: 1, value: encodeBitString(v.value) };
    case 'external':
      return { tagClass: 'context', constructed: true, tag: 2, value: v.value };
    case 'other': {
      const t = decodeBerTlv(v.value, 'authentication-value.other-mechanism-value');
      return {
        tagClass: 'context',
        constructed: true,
        tag: 3,
        children: [
          { tagClass: 'universal', constructed: false, tag: 6, value: encodeOid(v.mechanismName) },
          { tagClass: t.tagClass, constructed: t.constructed, tag: t.tag, value: t.value },
        ],
      };
    }
  }
}

/**
 * Writes an Authentication-value CHOICE (IEC 62056-5-3 §8.2 ACSE, ISO/IEC 8650-1) into `w`: the
 * same octets as `encodeBerNode(authenticationValueNode(v))`, without the node tree for the
 * common charstring and bitstring forms.
 */
export function writeAuthenticationValue(w: Writer, v: AuthenticationValue): void {
  if (v.type === 'charstring') writeBerTlv(w, 'context', false, 0, v.value);
  else if (v.type === 'bitstring') writeBerTlv(w, 'context', false, 1, encodeBitString(v.value));
  else writeBerNode(w, authenticationValueNode(v));
}
