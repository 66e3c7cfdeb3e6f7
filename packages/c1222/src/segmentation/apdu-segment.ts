/**
 * C12.22 APDU segments for datagram transports (the C12.22 segmenting sub-layer): an ACSE APDU
 * longer than the datagram size is cut into byte ranges, and each range travels in an ACSE APDU of
 * its own that repeats the routing elements of the full APDU.
 *
 * Layout, as the only public implementation of the segmenter (Itron's C12.22 node stack, 2008
 * draft of ANSI C12.22) writes it:
 *
 * ```
 * 60 L
 *   [A1 aSO-context]  [A2 called-AP-title]            copied from the full APDU
 *   A3 L 02 n <apdu-size>                             size of the whole encoded APDU (60 L … included)
 *   [A6 calling-AP-title]  [A7 calling-AE-qualifier]  copied
 *   A8 calling-AP-invocation-id                       copied (identifies the APDU being reassembled)
 *   BE L 28 L 02 n <segment-byte-offset> 81 L <segment octets>
 * ```
 *
 * The segment octets are bytes `[offset, offset + length)` of the full encoded APDU, so segment 0
 * starts with `60`. The two segment fields sit in element slots of the IEEE 1703-2012 ACSE
 * (§5.3.4): the called-AE-qualifier (A3) carries the APDU size and the
 * user-information-indirect-reference (`02` inside the EXTERNAL, §5.3.4.11) the segment byte
 * offset. The Itron stack reads A3 as the "2008 called-AE-qualifier" holding the full APDU
 * length. The 2012 text itself could not be reached, so a message is taken as a segment only when
 * it has both fields and its octets are shorter than the APDU size it announces. An unsegmented
 * APDU that uses either element for its ordinary meaning is then still read as an APDU.
 */
import { ErrorCode, encodeBerInteger, MeterkitError, Writer } from '@meterkit/core';
import { AcseTag, C1222_ACSE_TAG, decodeC1222AcseElements } from '../acse/apdu.js';
import { berLengthSize } from '../acse/user-information.js';
import { C1222ErrorCode } from '../errors.js';

/** One decoded APDU segment. */
export interface C1222ApduSegment {
  readonly type: 'apdu-segment';
  /** Size in bytes of the whole encoded APDU the segment belongs to. */
  readonly apduSize: number;
  /** Byte offset of `octets` in that APDU. */
  readonly offset: number;
  readonly octets: Uint8Array;
  /** calling-AP-invocation-id of the APDU (with the calling AP title, the reassembly key). */
  readonly callingApInvocationId: number | bigint;
  /** calling-AP-title element content as received (undefined when absent). */
  readonly callingApTitle?: Uint8Array;
  /** The segment APDU as received. */
  readonly raw: Uint8Array;
}

/** The smallest datagram the segmenter accepts: room for the header plus a few octets. */
export const MIN_SEGMENT_DATAGRAM_SIZE = 32;

/** The routing elements a segment repeats from the full APDU (C12.22 segmenting sub-layer). */
const COPIED_BEFORE_SIZE = [AcseTag.applicationContext, AcseTag.calledApTitle] as const;
const COPIED_AFTER_SIZE = [
  AcseTag.callingApTitle,
  AcseTag.callingAeQualifier,
  AcseTag.callingApInvocationId,
] as const;

function tlvLength(contentLength: number): number {
  return 1 + berLengthSize(contentLength) + contentLength;
}

function writeTlv(w: Writer, tag: number, content: Uint8Array): void {
  w.u8(tag).berLength(content.length).bytes(content);
}

function integerContent(v: number): Uint8Array {
  return encodeBerInteger(v);
}

/**
 * Cuts an encoded ACSE APDU into segment APDUs of at most `datagramSize` bytes each. An APDU that
 * fits is returned unchanged as the only element. The APDU must carry a calling-AP-invocation-id
 * (A8): it names the APDU for the receiver.
 */
export function segmentC1222Apdu(apdu: Uint8Array, datagramSize: number): Uint8Array[] {
  if (!Number.isInteger(datagramSize) || datagramSize < MIN_SEGMENT_DATAGRAM_SIZE)
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `datagram size must be an integer of at least ${MIN_SEGMENT_DATAGRAM_SIZE}`,
      { path: 'segment.datagram-size' },
    );
  if (apdu.length <= datagramSize) return [apdu];
  const { contents } = decodeC1222AcseElements(apdu);
  if (!contents.has(AcseTag.callingApInvocationId))
    throw new MeterkitError(
      ErrorCode.EncodeFailed,
      'an APDU needs a calling-AP-invocation-id (A8) to be segmented',
      { path: 'acse.calling-ap-invocation-id' },
    );
  // fixed part: the copied elements and A3 <apdu-size>
  const size = integerContent(apdu.length);
  const a3 = new Writer(8);
  writeTlv(a3, 0x02, size);
  const a3Content = a3.finish();
  let fixed = tlvLength(a3Content.length);
  for (const tag of [...COPIED_BEFORE_SIZE, ...COPIED_AFTER_SIZE]) {
    const c = contents.get(tag);
    if (c !== undefined) fixed += tlvLength(c.length);
  }
  // worst-case BE overhead for any offset below apdu.length
  const offsetWorst = integerContent(apdu.length).length;
  const userInfoFor = (octets: number, offsetLen: number): number => {
    const ext = tlvLength(offsetLen) + tlvLength(octets);
    return tlvLength(tlvLength(ext));
  };
  let payload = datagramSize - fixed;
  // shrink the payload until the whole segment fits (lengths grow with the payload)
  while (payload > 0 && tlvLength(fixed + userInfoFor(payload, offsetWorst)) > datagramSize) payload--;
  if (payload < 8)
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `datagram size ${datagramSize} leaves no room for segment data after the ${fixed}-byte header`,
      { path: 'segment.datagram-size' },
    );
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < apdu.length; offset += payload) {
    const octets = apdu.subarray(offset, Math.min(apdu.length, offset + payload));
    const off = integerContent(offset);
    const extContent = tlvLength(off.length) + tlvLength(octets.length);
    const beContent = tlvLength(extContent);
    const body = fixed + tlvLength(beContent);
    const w = new Writer(tlvLength(body));
    w.u8(C1222_ACSE_TAG).berLength(body);
    for (const tag of COPIED_BEFORE_SIZE) {
      const c = contents.get(tag);
      if (c !== undefined) writeTlv(w, tag, c);
    }
    writeTlv(w, AcseTag.calledAeQualifier, a3Content);
    for (const tag of COPIED_AFTER_SIZE) {
      const c = contents.get(tag);
      if (c !== undefined) writeTlv(w, tag, c);
    }
    w.u8(AcseTag.userInformation).berLength(beContent);
    w.u8(0x28).berLength(extContent);
    writeTlv(w, 0x02, off);
    writeTlv(w, 0x81, octets);
    out.push(w.finish());
  }
  return out;
}

function toSize(v: number | bigint, path: string, limit: number, at: number): number {
  if (typeof v === 'bigint' || v < 0 || v > limit)
    throw new MeterkitError(C1222ErrorCode.SegmentInvalid, `${path} ${v} is out of range (0–${limit})`, {
      path,
      offset: at,
    });
  return v;
}

/**
 * Reads a datagram as an APDU segment. Returns `undefined` for an ordinary (unsegmented) APDU;
 * throws `MeterkitError` for bytes that are not an ACSE APDU, and `SegmentInvalid` (140) for a
 * segment whose offset and length run past the APDU size it announces.
 */
export function decodeC1222ApduSegment(
  bytes: Uint8Array,
  options: { readonly maxApduSize?: number; readonly offset?: number } = {},
): C1222ApduSegment | undefined {
  const { acse, contents } = decodeC1222AcseElements(bytes, { offset: options.offset });
  const ui = acse.userInformation;
  if (acse.calledAeQualifier === undefined || ui?.indirectReference === undefined) return undefined;
  const base = options.offset ?? 0;
  const limit = options.maxApduSize ?? 0xffff;
  const apduSize = toSize(acse.calledAeQualifier, 'segment.apdu-size', limit, base);
  if (ui.epsem.length >= apduSize) return undefined;
  const offset = toSize(ui.indirectReference, 'segment.byte-offset', limit, base);
  if (acse.callingApInvocationId === undefined)
    throw new MeterkitError(C1222ErrorCode.SegmentInvalid, 'a segment needs a calling-AP-invocation-id', {
      path: 'acse.calling-ap-invocation-id',
      offset: base,
    });
  if (ui.epsem.length === 0 || offset + ui.epsem.length > apduSize)
    throw new MeterkitError(
      C1222ErrorCode.SegmentInvalid,
      `segment [${offset}, ${offset + ui.epsem.length}) does not fit the ${apduSize}-byte APDU`,
      { path: 'segment.byte-offset', offset: base },
    );
  const title = contents.get(AcseTag.callingApTitle);
  return {
    type: 'apdu-segment',
    apduSize,
    offset,
    octets: ui.epsem,
    callingApInvocationId: acse.callingApInvocationId,
    ...(title === undefined ? {} : { callingApTitle: title }),
    raw: bytes,
  };
}
