/**
 * The canonified cleartext N that feeds EAX' in C12.22 security modes 1 and 2 (IEEE 1703-2012
 * Annex EAX' / §5.3.4.13 as implemented by the published EAX' vectors and Wireshark's C12.22
 * dissector). Every element is tag + BER length + content, in this order:
 *
 * `A1? A2 A3? A4? A5? A7? A8 A9? 8B? AC?` then the user-information header truncated after the
 * EPSEM control byte (`BE L1 28 L2 [02 …] 81 L3 <epsem-control>`, with the real lengths of the
 * whole element), then `A6?` (calling AP title, moved after BE), then the key id byte (00 when
 * absent) and the IV.
 *
 * AP titles always appear in absolute form (06); relative ones are expanded with the base OID.
 * A3, A5 and A9 are placed at their tag position (the vectors and Wireshark do not cover them).
 */
import { Writer } from '@meterkit/core';
import { type ApTitle, apTitleAbsoluteOid } from './ap-title.js';
import { oidContent } from './oid-cache.js';
import { berLengthSize, writeUserInformationHeader } from './user-information.js';

/** Everything the cleartext is built from. */
export interface CleartextInput {
  /** Element content octets by wire tag (A1…AC; A2/A6 are taken from the titles below). */
  readonly contents: ReadonlyMap<number, Uint8Array>;
  readonly calledApTitle?: ApTitle;
  readonly callingApTitle?: ApTitle;
  readonly baseOid?: string;
  /** Length of the octet-aligned EPSEM including the MAC (the L3 of `81 L3`). */
  readonly epsemLength: number;
  readonly userInformationIndirectReference?: number | bigint;
  readonly epsemControl: number;
  readonly keyId: number;
  readonly iv: Uint8Array;
}

const BEFORE_BE: readonly number[] = [0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa7, 0xa8, 0xa9, 0x8b, 0xac];

const CALLED_AP_TITLE = 0xa2;
const CALLING_AP_TITLE = 0xa6;
const out = new Writer(256);

/** Element `tag` holding the absolute form `06 L <oid>` of an AP title, written in one pass. */
function writeAbsoluteTitleElement(
  w: Writer,
  tag: number,
  title: ApTitle,
  baseOid: string | undefined,
  path: string,
): void {
  const c = oidContent(apTitleAbsoluteOid(title, baseOid, path));
  w.u8(tag)
    .berLength(1 + berLengthSize(c.length) + c.length)
    .u8(0x06)
    .berLength(c.length)
    .bytes(c);
}

/** Builds the canonified cleartext N. */
export function canonifiedCleartext(input: CleartextInput): Uint8Array {
  const w = out.reset();
  for (const tag of BEFORE_BE) {
    if (tag === CALLED_AP_TITLE) {
      if (input.calledApTitle !== undefined)
        writeAbsoluteTitleElement(w, tag, input.calledApTitle, input.baseOid, 'acse.called-ap-title');
      continue;
    }
    const c = input.contents.get(tag);
    if (c !== undefined) w.u8(tag).berLength(c.length).bytes(c);
  }
  writeUserInformationHeader(w, input.epsemLength, input.userInformationIndirectReference);
  w.u8(input.epsemControl);
  if (input.callingApTitle !== undefined)
    writeAbsoluteTitleElement(
      w,
      CALLING_AP_TITLE,
      input.callingApTitle,
      input.baseOid,
      'acse.calling-ap-title',
    );
  w.u8(input.keyId);
  w.bytes(input.iv);
  return w.finish();
}
