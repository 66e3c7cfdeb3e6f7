/**
 * Error codes owned by `@meterkit/c1222`, inside its sub-ranges of the meterkit bands
 * (240–259 decoding, 640–659 usage). Everything else uses the generic codes of `@meterkit/core`.
 */
import { registerErrorCodes } from '@meterkit/core';

/** Stable error codes of the ANSI C12 codecs. */
export const C1222ErrorCode = {
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
