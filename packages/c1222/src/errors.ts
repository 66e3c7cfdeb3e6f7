/**
 * Error codes owned by `@meterkit/c1222`, inside its sub-ranges of the meterkit bands
 * (140–159 framing, 240–259 decoding, 640–659 usage). Everything else uses the generic codes of `@meterkit/core`.
 */
import { registerErrorCodes } from '@meterkit/core';

/** Stable error codes of the ANSI C12 codecs. */
export const C1222ErrorCode = {
  /**
   * A C12.22 APDU segment is inconsistent: its byte offset and length run past the APDU size it
   * announces, the APDU size is over the reassembly limit, or the reassembled bytes are not one
   * ACSE APDU of that size (C12.22 segmenting sub-layer, see `segmentation/apdu-segment.ts`).
   */
  SegmentInvalid: 140,
  /**
   * A segment contradicts segments already received for the same APDU: a different APDU size, or
   * overlapping bytes that differ.
   */
  SegmentConflict: 141,
  /** An APDU was still incomplete when its reassembly timeout ran out; its segments were dropped. */
  SegmentReassemblyTimeout: 142,
  /** The reassembler's memory bounds (APDUs in progress, disjoint byte ranges) were reached. */
  SegmentCapacityExceeded: 143,
  /**
   * A C12.19 table-data checksum (two's complement of the 8-bit sum of the data, ANSI C12.18
   * §5.3.2 / IEEE 1703 §5.3.2.4.2 `<cksum>`) does not match the data.
   */
  TableChecksumFailed: 240,
  /**
   * A relative AP title (IEEE 1703 §5.2.3) had to be made absolute, e.g. for the EAX' cleartext,
   * but no base OID was configured.
   */
  ApTitleBaseMissing: 640,
} as const;

registerErrorCodes(C1222ErrorCode);
