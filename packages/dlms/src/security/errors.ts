import { registerErrorCodes } from '@meterkit/core';

/**
 * Security error codes that only the DLMS security layer (IEC 62056-5-3 §9.2) needs, in the dlms
 * security sub-range 320–339 after the ones `src/errors.ts` already defines (320–325).
 *
 * Generic failures use the core codes: `AuthenticationFailed` (300) for a GCM tag, GMAC, key
 * unwrap or HLS response that does not check, `KeyMissing` (302), `KeyInvalid` (303), `Replay`
 * (304) and `SignatureInvalid` (305).
 */
export const DlmsSecurityErrorCode = {
  /** A received APDU carries less protection than the security policy requires (IEC 62056-6-2 §5.4.x, Security setup attribute 2). */
  SecurityPolicyViolation: 326,
  /** An HLS challenge is not 8–64 octets long (IEC 62056-5-3 §9.2.2.2). */
  ChallengeInvalid: 327,
  /** The LLS password (authentication-mechanism 1, IEC 62056-5-3 §9.2.2.2) does not match. */
  LlsAuthenticationFailed: 328,
  /**
   * A general-ciphering APDU's recipient-system-title is not this context's own system title
   * (IEC 62056-5-3 §9.2.7.2.4.3): it was meant for another party.
   */
  RecipientSystemTitleMismatch: 329,
  /** No path of verifying signatures leads from a certificate to a trusted CA (IEC 62056-5-3 §9.2.6, RFC 5280 §6). */
  CertificateChainInvalid: 330,
  /** A certificate on the path is not yet valid or has expired at the validation time (RFC 5280 §4.1.2.5). */
  CertificateNotValidAtTime: 331,
  /** A certificate's key usage does not allow the use (RFC 5280 §4.2.1.3), or an issuer is not a CA (§4.2.1.9). */
  CertificateUsageInvalid: 332,
  /** A certificate's key is not on the security suite's curve (IEC 62056-5-3 §9.2.3.4: P-256 suite 1, P-384 suite 2). */
  CertificateCurveMismatch: 333,
} as const;

registerErrorCodes(DlmsSecurityErrorCode);
