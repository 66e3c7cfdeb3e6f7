/**
 * Session error codes of `@meterkit/c1222` (session / protocol band, c1222 sub-range 440–459):
 * the C12.18 link layer (ANSI C12.18-2006 §6, retries and timeouts) and the PSEM service
 * sessions of C12.18 and C12.22 (IEEE 1703-2012 §5.3.2). Everything else uses the generic codes.
 */
import { registerErrorCodes } from '@meterkit/core';

/** Stable error codes of the C12.18 / C12.22 sessions. */
export const C1222SessionErrorCode = {
  /**
   * A C12.18 packet was not acknowledged: NAKs or response timeouts exceeded the retry count
   * (ANSI C12.18-2006 §6.3 "retry attempts").
   */
  LinkRetriesExhausted: 440,
  /** No response APDU arrived within the response time allowed (C12.18 channel traffic timeout, C12.22 response timeout). */
  ResponseTimeout: 441,
  /** The peer answered a service with a response code other than `ok` (C12.18 §5.3.1 / IEEE 1703 §5.3.2.3). */
  ServiceError: 442,
  /** The security service (password) was refused (C12.18 §5.3.2.4.6). */
  PasswordRejected: 443,
  /** The C12.22 peer reported a security mechanism error (`sme`, IEEE 1703 §5.3.2.3): wrong or unknown key. */
  SecurityMechanismError: 444,
  /** A C12.22 stream carried bytes that are not an ACSE APDU (`60 <length>`), so the stream cannot be resynchronised. */
  StreamFramingError: 445,
  /** A procedure (C12.19 ST7/ST8) completed with a result code other than 0 (C12.19 §9.1.8). */
  ProcedureFailed: 446,
} as const;

registerErrorCodes(C1222SessionErrorCode);
