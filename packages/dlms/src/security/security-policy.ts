import { ErrorCode, MeterkitError } from '@meterkit/core';
import { DlmsSecurityErrorCode } from './errors.js';
import type { SecurityControl } from './security-control.js';

/**
 * The security policy of Security setup version 1 (IEC 62056-6-2 §4.4.7, attribute 2): which
 * protection requests and responses must carry. Bits 2–7 of the enum value.
 */
export interface SecurityPolicy {
  readonly authenticatedRequest: boolean;
  readonly encryptedRequest: boolean;
  readonly digitallySignedRequest: boolean;
  readonly authenticatedResponse: boolean;
  readonly encryptedResponse: boolean;
  readonly digitallySignedResponse: boolean;
}

/** No protection required. */
export const NO_SECURITY_POLICY: SecurityPolicy = {
  authenticatedRequest: false,
  encryptedRequest: false,
  digitallySignedRequest: false,
  authenticatedResponse: false,
  encryptedResponse: false,
  digitallySignedResponse: false,
};

/** Decodes the version 1 security_policy value (IEC 62056-6-2 §4.4.7): bits 2–7. Bits 0–1 must be 0. */
export function decodeSecurityPolicy(value: number): SecurityPolicy {
  if (!(Number.isInteger(value) && value >= 0 && value <= 0xff) || (value & 0x03) !== 0) {
    throw new MeterkitError(ErrorCode.ValueInvalid, `security_policy ${value} uses reserved bits`);
  }
  return {
    authenticatedRequest: (value & 0x04) !== 0,
    encryptedRequest: (value & 0x08) !== 0,
    digitallySignedRequest: (value & 0x10) !== 0,
    authenticatedResponse: (value & 0x20) !== 0,
    encryptedResponse: (value & 0x40) !== 0,
    digitallySignedResponse: (value & 0x80) !== 0,
  };
}

/** Encodes a security policy as the version 1 enum value (IEC 62056-6-2 §4.4.7). */
export function encodeSecurityPolicy(p: SecurityPolicy): number {
  return (
    (p.authenticatedRequest ? 0x04 : 0) |
    (p.encryptedRequest ? 0x08 : 0) |
    (p.digitallySignedRequest ? 0x10 : 0) |
    (p.authenticatedResponse ? 0x20 : 0) |
    (p.encryptedResponse ? 0x40 : 0) |
    (p.digitallySignedResponse ? 0x80 : 0)
  );
}

/**
 * Maps the version 0 security_policy enum (IEC 62056-6-2 §4.4.7, Security setup version 0:
 * 0 nothing, 1 all messages authenticated, 2 all encrypted, 3 all authenticated and encrypted)
 * to the version 1 form.
 */
export function securityPolicyFromVersion0(value: number): SecurityPolicy {
  if (!(value === 0 || value === 1 || value === 2 || value === 3)) {
    throw new MeterkitError(ErrorCode.ValueInvalid, `version 0 security_policy ${value} is not 0..3`);
  }
  const a = value === 1 || value === 3;
  const e = value === 2 || value === 3;
  return {
    ...NO_SECURITY_POLICY,
    authenticatedRequest: a,
    authenticatedResponse: a,
    encryptedRequest: e,
    encryptedResponse: e,
  };
}

/**
 * Checks a received APDU's protection against the policy (IEC 62056-5-3 §9.2.7.1): `direction`
 * is whether the APDU is a request or a response. `sc` is undefined for an unciphered APDU.
 * Throws `SecurityPolicyViolation` (326).
 */
export function checkSecurityPolicy(
  policy: SecurityPolicy,
  direction: 'request' | 'response',
  sc: SecurityControl | undefined,
  signed = false,
): void {
  const req = direction === 'request';
  const needA = req ? policy.authenticatedRequest : policy.authenticatedResponse;
  const needE = req ? policy.encryptedRequest : policy.encryptedResponse;
  const needS = req ? policy.digitallySignedRequest : policy.digitallySignedResponse;
  const missing: string[] = [];
  if (needA && !(sc?.authentication ?? false)) missing.push('authentication');
  if (needE && !(sc?.encryption ?? false)) missing.push('encryption');
  if (needS && !signed) missing.push('digital signature');
  if (missing.length > 0) {
    throw new MeterkitError(
      DlmsSecurityErrorCode.SecurityPolicyViolation,
      `${direction} lacks ${missing.join(', ')} required by the security policy`,
    );
  }
}
