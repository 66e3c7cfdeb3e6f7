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
} as const;

registerErrorCodes(DlmsSecurityErrorCode);
