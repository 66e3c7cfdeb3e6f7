import { MeterkitError } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';

/**
 * The security control byte (SC) of the security header (IEC 62056-5-3 §9.2.7.2.3, Table 37):
 * bits 0–3 security suite id, bit 4 authentication (A), bit 5 encryption (E), bit 6 broadcast key
 * (BK, key_set: 0 unicast, 1 broadcast), bit 7 compression (C).
 */
export interface SecurityControl {
  /** Security suite id (bits 0–3). Values 3–15 are reserved but still decode. */
  readonly suite: number;
  /** Bit 4: the APDU carries an authentication tag (A). */
  readonly authentication: boolean;
  /** Bit 5: the APDU is encrypted (E). */
  readonly encryption: boolean;
  /** Bit 6: the global broadcast encryption key is used instead of the unicast one (BK). */
  readonly broadcastKey: boolean;
  /** Bit 7: the plaintext is compressed (ITU-T V.44) before protection (C). */
  readonly compression: boolean;
}

/** Bit masks of the security control byte (IEC 62056-5-3 §9.2.7.2.3). */
export const SecurityControlBit = {
  Authentication: 0x10,
  Encryption: 0x20,
  BroadcastKey: 0x40,
  Compression: 0x80,
  SuiteMask: 0x0f,
} as const;

/** Decodes a security control byte (IEC 62056-5-3 §9.2.7.2.3). Every byte value decodes. */
export function decodeSecurityControl(byte: number): SecurityControl {
  const sc = DECODED[byte & 0xff];
  return sc !== undefined && byte === (byte & 0xff) ? sc : buildSecurityControl(byte);
}

function buildSecurityControl(byte: number): SecurityControl {
  return {
    suite: byte & 0x0f,
    authentication: (byte & 0x10) !== 0,
    encryption: (byte & 0x20) !== 0,
    broadcastKey: (byte & 0x40) !== 0,
    compression: (byte & 0x80) !== 0,
  };
}

/** The 256 decoded values, built once and frozen (decoding is then a table look-up per APDU). */
const DECODED: readonly SecurityControl[] = Array.from({ length: 256 }, (_, b) =>
  Object.freeze(buildSecurityControl(b)),
);

/**
 * Encodes a security control byte (IEC 62056-5-3 §9.2.7.2.3). Throws `SecurityControlInvalid`
 * (320) when the suite id does not fit four bits.
 */
export function encodeSecurityControl(sc: SecurityControl): number {
  if (!Number.isInteger(sc.suite) || sc.suite < 0 || sc.suite > 15) {
    throw new MeterkitError(
      DlmsErrorCode.SecurityControlInvalid,
      `security suite id ${sc.suite} does not fit 4 bits`,
    );
  }
  return (
    sc.suite |
    (sc.authentication ? 0x10 : 0) |
    (sc.encryption ? 0x20 : 0) |
    (sc.broadcastKey ? 0x40 : 0) |
    (sc.compression ? 0x80 : 0)
  );
}

/** The protection a ciphered APDU applies (IEC 62056-5-3 §9.2.7.2.3): which of A and E are set. */
export type ProtectionMode = 'none' | 'authenticated' | 'encrypted' | 'authenticated-encrypted';

/** The protection mode of a security control value. */
export function protectionMode(sc: SecurityControl): ProtectionMode {
  if (sc.authentication) return sc.encryption ? 'authenticated-encrypted' : 'authenticated';
  return sc.encryption ? 'encrypted' : 'none';
}
