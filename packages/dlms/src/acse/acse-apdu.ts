import { ErrorCode, MeterkitError, Reader, readBerTlv, type Writer } from '@meterkit/core';
import { AARE_FIELDS, type Aare, type AareInput, decodeAareContent, encodeAare } from './aare.js';
import { AARQ_FIELDS, type Aarq, type AarqInput, decodeAarqContent, encodeAarq } from './aarq.js';
import { writeAcseFields } from './fields.js';
import {
  decodeRlreContent,
  decodeRlrqContent,
  encodeRlre,
  encodeRlrq,
  RELEASE_FIELDS,
  type Rlre,
  type RlreInput,
  type Rlrq,
  type RlrqInput,
} from './release.js';

/** Any ACSE APDU of DLMS/COSEM (IEC 62056-5-3 §8.2): AARQ, AARE, RLRQ, RLRE. */
export type AcseApdu = Aarq | Aare | Rlrq | Rlre;

/** An ACSE APDU to encode. */
export type AcseApduInput =
  | (AarqInput & { readonly type: 'aarq' })
  | (AareInput & { readonly type: 'aare' })
  | (RlrqInput & { readonly type: 'rlrq' })
  | (RlreInput & { readonly type: 'rlre' });

/** BER identifier octets of the ACSE APDUs: [APPLICATION 0..3] constructed. */
export const AcseApduTag = { Aarq: 0x60, Aare: 0x61, Rlrq: 0x62, Rlre: 0x63 } as const;

/** Options of `decodeAcseApdu`. */
export interface AcseDecodeOptions {
  /** Absolute offset of `bytes[0]` in the caller's input, for error offsets (default 0). */
  readonly base?: number;
  /** Accept octets after the APDU (default false: `TrailingBytes`, 208). */
  readonly allowTrailing?: boolean;
}

/**
 * Decodes an ACSE APDU (IEC 62056-5-3 §8.2, BER, X.690): AARQ (0x60), AARE (0x61), RLRQ (0x62) or
 * RLRE (0x63), including the xDLMS APDU in user-information. Errors are `MeterkitError`: BER
 * length/tag errors from core (`Truncated`, `LengthOverrun`, `UnexpectedTag`, ...), `ValueInvalid`
 * for missing mandatory fields, `TrailingBytes` after the APDU.
 */
export function decodeAcseApdu(bytes: Uint8Array, options: AcseDecodeOptions = {}): AcseApdu {
  const base = options.base ?? 0;
  const r = new Reader(bytes, 0, bytes.length, base);
  const outer = readBerTlv(r, 'acse');
  if (!options.allowTrailing) r.expectEnd('acse');
  if (outer.tagClass !== 'application' || !outer.constructed || outer.tag > 3) {
    throw new MeterkitError(
      ErrorCode.UnexpectedTag,
      `identifier 0x${bytes[0]!.toString(16)} is not an ACSE APDU (60..63)`,
      {
        offset: base,
        path: 'acse',
      },
    );
  }
  const contentAt = base + outer.headerLength;
  switch (outer.tag) {
    case 0:
      return decodeAarqContent(outer.value, contentAt, outer.raw);
    case 1:
      return decodeAareContent(outer.value, contentAt, outer.raw);
    case 2:
      return decodeRlrqContent(outer.value, contentAt, outer.raw);
    default:
      return decodeRlreContent(outer.value, contentAt, outer.raw);
  }
}

/** Encodes an ACSE APDU (IEC 62056-5-3 §8.2) in BER with definite, shortest lengths. */
export function encodeAcseApdu(apdu: AcseApduInput): Uint8Array {
  switch (apdu.type) {
    case 'aarq':
      return encodeAarq(apdu);
    case 'aare':
      return encodeAare(apdu);
    case 'rlrq':
      return encodeRlrq(apdu);
    case 'rlre':
      return encodeRlre(apdu);
  }
}

/**
 * Writes an ACSE APDU (IEC 62056-5-3 §8.2) into `w`, in BER with definite, shortest lengths: the
 * octets `encodeAcseApdu` returns, without an intermediate buffer.
 */
export function writeAcseApdu(w: Writer, apdu: AcseApduInput): void {
  switch (apdu.type) {
    case 'aarq':
      writeAcseFields(w, 0, apdu, AARQ_FIELDS, 'aarq');
      return;
    case 'aare':
      writeAcseFields(w, 1, apdu, AARE_FIELDS, 'aare');
      return;
    case 'rlrq':
      writeAcseFields(w, 2, apdu, RELEASE_FIELDS, 'rlrq');
      return;
    case 'rlre':
      writeAcseFields(w, 3, apdu, RELEASE_FIELDS, 'rlre');
      return;
  }
}
