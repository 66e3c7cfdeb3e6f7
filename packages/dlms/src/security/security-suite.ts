import { MeterkitError } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';

/**
 * The DLMS/COSEM security suites (IEC 62056-5-3 §9.2.3.7, Table 22): the suite id carried in the low
 * nibble of the security control byte and in Security setup attribute 3.
 */
export const SecuritySuite = {
  /** Suite 0: AES-GCM-128 authenticated encryption, AES-128 key wrap. */
  AesGcm128: 0,
  /** Suite 1: ECDH/ECDSA on P-256, AES-GCM-128, SHA-256, AES-128 key wrap. */
  EcdhEcdsaAesGcm128Sha256: 1,
  /** Suite 2: ECDH/ECDSA on P-384, AES-GCM-256, SHA-384, AES-256 key wrap. */
  EcdhEcdsaAesGcm256Sha384: 2,
} as const;

/** A security suite id (0, 1 or 2). */
export type SecuritySuiteId = (typeof SecuritySuite)[keyof typeof SecuritySuite];

/** The algorithms and sizes one security suite fixes (IEC 62056-5-3 §9.2.3.7). */
export interface SecuritySuiteParameters {
  readonly id: SecuritySuiteId;
  /** Name as in the standard's table. */
  readonly name: string;
  /** Symmetric key length in octets (16 for AES-128, 32 for AES-256). */
  readonly keyLength: 16 | 32;
  /** node:crypto name of the GCM cipher. */
  readonly gcmCipher: 'aes-128-gcm' | 'aes-256-gcm';
  /** node:crypto name of the CTR cipher of the same key size (decrypt without tag check). */
  readonly ctrCipher: 'aes-128-ctr' | 'aes-256-ctr';
  /** node:crypto name of the RFC 3394 key wrap. */
  readonly keyWrapCipher: 'id-aes128-wrap' | 'id-aes256-wrap';
  /** node:crypto (OpenSSL) curve name; undefined for suite 0. */
  readonly curve: 'prime256v1' | 'secp384r1' | undefined;
  /** JWK curve name; undefined for suite 0. */
  readonly jwkCurve: 'P-256' | 'P-384' | undefined;
  /** Hash of the suite (ECDSA, KDF, HLS); SHA-256 for suite 0's HLS mechanism 6. */
  readonly hash: 'sha256' | 'sha384';
  /** Octets of one field element (32 for P-256, 48 for P-384); 0 for suite 0. */
  readonly coordinateLength: 0 | 32 | 48;
  /** Octets of a raw r‖s ECDSA signature (64 or 96); 0 for suite 0. */
  readonly signatureLength: 0 | 64 | 96;
  /**
   * AlgorithmID of the NIST SP 800-56A concatenation KDF as DLMS uses it (IEC 62056-5-3 §9.2.3.4.6.5):
   * the encoded OID of the AES-GCM variant (2.16.756.5.8.3.0 for AES-GCM-128, .1 for AES-GCM-256).
   */
  readonly kdfAlgorithmId: Uint8Array;
}

const SUITES: readonly SecuritySuiteParameters[] = [
  {
    id: 0,
    name: 'AES-GCM-128',
    keyLength: 16,
    gcmCipher: 'aes-128-gcm',
    ctrCipher: 'aes-128-ctr',
    keyWrapCipher: 'id-aes128-wrap',
    curve: undefined,
    jwkCurve: undefined,
    hash: 'sha256',
    coordinateLength: 0,
    signatureLength: 0,
    kdfAlgorithmId: Uint8Array.of(0x60, 0x85, 0x74, 0x05, 0x08, 0x03, 0x00),
  },
  {
    id: 1,
    name: 'ECDH-ECDSA-AES-GCM-128-SHA-256',
    keyLength: 16,
    gcmCipher: 'aes-128-gcm',
    ctrCipher: 'aes-128-ctr',
    keyWrapCipher: 'id-aes128-wrap',
    curve: 'prime256v1',
    jwkCurve: 'P-256',
    hash: 'sha256',
    coordinateLength: 32,
    signatureLength: 64,
    kdfAlgorithmId: Uint8Array.of(0x60, 0x85, 0x74, 0x05, 0x08, 0x03, 0x00),
  },
  {
    id: 2,
    name: 'ECDH-ECDSA-AES-GCM-256-SHA-384',
    keyLength: 32,
    gcmCipher: 'aes-256-gcm',
    ctrCipher: 'aes-256-ctr',
    keyWrapCipher: 'id-aes256-wrap',
    curve: 'secp384r1',
    jwkCurve: 'P-384',
    hash: 'sha384',
    coordinateLength: 48,
    signatureLength: 96,
    kdfAlgorithmId: Uint8Array.of(0x60, 0x85, 0x74, 0x05, 0x08, 0x03, 0x01),
  },
];

/**
 * The parameters of security suite `id` (IEC 62056-5-3 §9.2.3.7). Throws
 * `SecuritySuiteUnsupported` (321) for reserved suite ids (3–15).
 */
export function securitySuiteParameters(id: number): SecuritySuiteParameters {
  const p = SUITES[id];
  if (p === undefined) {
    throw new MeterkitError(DlmsErrorCode.SecuritySuiteUnsupported, `security suite ${id} is not defined`);
  }
  return p;
}

/** Throws `SecuritySuiteUnsupported` unless the suite has public-key algorithms (suites 1 and 2). */
export function requireEccSuite(p: SecuritySuiteParameters, what: string): void {
  if (p.curve === undefined) {
    throw new MeterkitError(
      DlmsErrorCode.SecuritySuiteUnsupported,
      `${what} needs security suite 1 or 2, not suite ${p.id}`,
    );
  }
}
