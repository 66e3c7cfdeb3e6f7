import { registerErrorCodes } from '@meterkit/core';

/**
 * Error codes of the DLMS client session (IEC 62056-5-3 §9.3 service procedures, §9.4 application
 * association), in the dlms session sub-range 426–439. The generic conditions use `DlmsErrorCode`
 * (420–425: confirmed-service-error, exception-response, data-access-result, action-result,
 * association rejected, block transfer failed) and the core codes (timeouts, cancellation).
 */
export const DlmsClientErrorCode = {
  /** A response carried another invoke-id than the pending request (IEC 62056-5-3 §8, Invoke-Id-And-Priority). */
  InvokeIdMismatch: 426,
  /** The server answered a request with an APDU of another service or variant (IEC 62056-5-3 §9.3). */
  UnexpectedResponse: 427,
  /** A block-transfer or GBT answer grew beyond the client's limit (`maxResponseSize`). */
  ResponseTooLarge: 428,
  /** A service was asked for before the association was established (IEC 62056-5-3 §9.4). */
  NotAssociated: 429,
  /** The negotiated conformance block lacks the bit a service needs (IEC 62056-5-3 §8.2 Conformance). */
  ConformanceMissing: 430,
  /** The server refused the release (RLRE reason other than normal) (IEC 62056-5-3 §9.4.4). */
  ReleaseRefused: 431,
  /**
   * General-block-transfer blocks stayed lost after the retry limit of requests to send them again
   * (IEC 62056-5-3 §9.3.10, the lost-block recovery of the GBT procedure).
   */
  BlockRecoveryFailed: 432,
} as const;

/** Any DLMS client error code. IEC 62056-5-3 §9.3–9.4. */
export type DlmsClientErrorCodeValue = (typeof DlmsClientErrorCode)[keyof typeof DlmsClientErrorCode];

registerErrorCodes(DlmsClientErrorCode);
