/**
 * The user-information element (`BE`) of the C12.22 ACSE, IEEE 1703-2012 §5.3.4.11: an EXTERNAL
 * (`28`) holding an optional indirect-reference (`02`) and the octet-aligned EPSEM (`81`), with the
 * 4-byte MAC appended inside the octet string in security modes 1 and 2.
 */
import { decodeBerInteger, ErrorCode, encodeBerInteger, Reader, Writer, writeBerTlv } from '@meterkit/core';
import { readTlv } from './tlv.js';

/** The decoded user-information element. */
export interface UserInformation {
  /** `<user-information-indirect-reference>` when present. */
  readonly indirectReference?: number | bigint;
  /** The octet-aligned content: EPSEM (cleartext or ciphertext) followed by the MAC in modes 1/2. */
  readonly epsem: Uint8Array;
}

/** Decodes the content of the BE element; `r` spans exactly that content. */
export function readUserInformation(r: Reader, path: string): UserInformation {
  const at = r.pos;
  const ext = readTlv(r, path);
  r.expectEnd(path);
  if (ext.tagByte !== 0x28)
    r.fail(ErrorCode.UnexpectedTag, 'user-information must hold an EXTERNAL (28)', path, at);
  const er = new Reader(r.buf, ext.contentStart, ext.contentStart + ext.value.length, r.base);
  let indirectReference: number | bigint | undefined;
  if (er.peekU8(path) === 0x02) {
    const ir = readTlv(er, `${path}.indirect-reference`);
    indirectReference = decodeBerInteger(ir.value, er.base + ir.contentStart, `${path}.indirect-reference`);
  }
  const octAt = er.pos;
  const oct = readTlv(er, `${path}.octet-aligned`);
  if (oct.tagByte !== 0x81)
    er.fail(
      ErrorCode.UnexpectedTag,
      'user-information EXTERNAL must hold an octet-aligned (81) EPSEM',
      `${path}.octet-aligned`,
      octAt,
    );
  er.expectEnd(path);
  return indirectReference === undefined ? { epsem: oct.value } : { indirectReference, epsem: oct.value };
}

/** Length of the `81 L3` octet-aligned TLV for an EPSEM (+MAC) of `n` bytes. */
function octetTlvLength(n: number): number {
  return 1 + berLengthSize(n) + n;
}

/** Bytes taken by a BER definite length of `n`. */
export function berLengthSize(n: number): number {
  return n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffffff ? 4 : 5;
}

/** Bytes of the whole BE element (tag, length, EXTERNAL, octet string) for an EPSEM (+MAC) of `epsemLength`. */
export function userInformationElementLength(
  epsemLength: number,
  indirectReference?: number | bigint,
): number {
  const ir = indirectReference === undefined ? 0 : encodeBerInteger(indirectReference).length;
  const irLen = indirectReference === undefined ? 0 : 1 + berLengthSize(ir) + ir;
  const extContent = irLen + octetTlvLength(epsemLength);
  const beContent = 1 + berLengthSize(extContent) + extContent;
  return 1 + berLengthSize(beContent) + beContent;
}

/**
 * Writes the BE/28/[02]/81 headers for an octet string of `epsemLength` bytes, stopping right
 * before the EPSEM content. Used both for the APDU and for the truncated BE header of the EAX'
 * cleartext (IEEE 1703 Annex EAX' / §5.3.4.11), which then appends only the EPSEM control byte.
 */
export function writeUserInformationHeader(
  w: Writer,
  epsemLength: number,
  indirectReference?: number | bigint,
): void {
  const ir = indirectReference === undefined ? undefined : encodeBerInteger(indirectReference);
  const irLen = ir === undefined ? 0 : 1 + berLengthSize(ir.length) + ir.length;
  const extContent = irLen + octetTlvLength(epsemLength);
  const beContent = 1 + berLengthSize(extContent) + extContent;
  w.u8(0xbe).berLength(beContent);
  w.u8(0x28).berLength(extContent);
  if (ir !== undefined) writeBerTlv(w, 'universal', false, 2, ir);
  w.u8(0x81).berLength(epsemLength);
}

/** Encodes the content of the BE element (the 28 EXTERNAL). */
export function encodeUserInformation(ui: UserInformation): Uint8Array {
  const w = new Writer(ui.epsem.length + 16);
  writeUserInformationHeader(w, ui.epsem.length, ui.indirectReference);
  w.bytes(ui.epsem);
  // drop our own BE header: the caller wraps the content
  const all = w.written();
  const r = new Reader(all);
  r.u8();
  r.berLength();
  return all.slice(r.pos);
}
