/**
 * Elliptic-curve primitives of security suites 1 and 2 (IEC 62056-5-3 §9.2.3.4, NIST FIPS 186-4
 * ECDSA and NIST SP 800-56A ECC CDH on P-256 / P-384), on node:crypto. Public keys travel as the
 * raw X ‖ Y coordinates DLMS uses (64 or 96 octets); signatures as raw r ‖ s.
 */
import {
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { requireEccSuite, type SecuritySuiteParameters } from './security-suite.js';

/** An EC key pair of a suite's curve. */
export interface EcKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');
}

function fromB64url(s: string | undefined, n: number): Uint8Array {
  const b = Buffer.from(s ?? '', 'base64url');
  if (b.length === n) return new Uint8Array(b.buffer, b.byteOffset, b.length);
  // JWK coordinates are fixed length, but be safe: left-pad
  const out = new Uint8Array(n);
  out.set(b.subarray(Math.max(0, b.length - n)), Math.max(0, n - b.length));
  return out;
}

/** Generates a key pair on the suite's curve (IEC 62056-5-3 §9.2.3.4.2). */
export function generateEcKeyPair(suite: SecuritySuiteParameters): EcKeyPair {
  requireEccSuite(suite, 'EC key generation');
  return generateKeyPairSync('ec', { namedCurve: suite.curve! });
}

/**
 * Imports a public key from its DLMS form, X ‖ Y (2 × 32 or 2 × 48 octets), or the SEC 1
 * uncompressed form 04 ‖ X ‖ Y. Throws `KeyInvalid` (303) on a wrong length or a point not on the
 * curve.
 */
export function importEcPublicKey(suite: SecuritySuiteParameters, raw: Uint8Array): KeyObject {
  requireEccSuite(suite, 'EC public key import');
  const n = suite.coordinateLength;
  let xy = raw;
  if (raw.length === 2 * n + 1 && raw[0] === 0x04) xy = raw.subarray(1);
  if (xy.length !== 2 * n) {
    throw new MeterkitError(
      ErrorCode.KeyInvalid,
      `EC public key must be ${2 * n} octets (X ‖ Y), not ${raw.length}`,
    );
  }
  try {
    return createPublicKey({
      key: { kty: 'EC', crv: suite.jwkCurve!, x: b64url(xy.subarray(0, n)), y: b64url(xy.subarray(n)) },
      format: 'jwk',
    });
  } catch (e) {
    throw new MeterkitError(ErrorCode.KeyInvalid, 'EC public key is not a point on the curve', { cause: e });
  }
}

/** The DLMS form (X ‖ Y) of an EC public key (or of the public half of a private key). */
export function exportEcPublicKey(suite: SecuritySuiteParameters, key: KeyObject): Uint8Array {
  requireEccSuite(suite, 'EC public key export');
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  if (jwk.crv !== suite.jwkCurve) {
    throw new MeterkitError(
      ErrorCode.KeyInvalid,
      `key is on ${String(jwk.crv)}, suite ${suite.id} needs ${suite.jwkCurve}`,
    );
  }
  const n = suite.coordinateLength;
  const out = new Uint8Array(2 * n);
  out.set(fromB64url(jwk.x, n), 0);
  out.set(fromB64url(jwk.y, n), n);
  return out;
}

function checkCurve(suite: SecuritySuiteParameters, key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== suite.curve) {
    throw new MeterkitError(ErrorCode.KeyInvalid, `${what} is not a key on ${suite.jwkCurve}`);
  }
}

/**
 * ECDSA signature (FIPS 186-4 §6.4) with the suite's hash (SHA-256 / SHA-384), in the raw r ‖ s
 * form DLMS transmits (IEC 62056-5-3 §9.2.3.4.3): 64 or 96 octets.
 */
export function ecdsaSign(
  suite: SecuritySuiteParameters,
  privateKey: KeyObject,
  data: Uint8Array,
): Uint8Array {
  requireEccSuite(suite, 'ECDSA');
  checkCurve(suite, privateKey, 'signing key');
  const s = sign(suite.hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return new Uint8Array(s.buffer, s.byteOffset, s.length);
}

/** Verifies a raw r ‖ s ECDSA signature (IEC 62056-5-3 §9.2.3.4.3). Returns false when it does not verify. */
export function ecdsaVerify(
  suite: SecuritySuiteParameters,
  publicKey: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  requireEccSuite(suite, 'ECDSA');
  checkCurve(suite, publicKey, 'verification key');
  if (signature.length !== suite.signatureLength) return false;
  try {
    return verify(suite.hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/**
 * The ECC CDH shared secret Z (NIST SP 800-56A §5.7.1.2): the X coordinate of d·Q, 32 or 48
 * octets.
 */
export function ecdhSharedSecret(
  suite: SecuritySuiteParameters,
  privateKey: KeyObject,
  publicKey: KeyObject,
): Uint8Array {
  requireEccSuite(suite, 'ECDH');
  checkCurve(suite, privateKey, 'key agreement private key');
  checkCurve(suite, publicKey, 'key agreement public key');
  const z = diffieHellman({ privateKey, publicKey });
  return new Uint8Array(z.buffer, z.byteOffset, z.length);
}

/**
 * The public key of an X.509 certificate (DER or PEM) as used by DLMS suites 1 and 2
 * (IEC 62056-5-3 §9.2.6). Throws `CertificateInvalid` (306) if it cannot be parsed.
 */
export function certificatePublicKey(certificate: Uint8Array | string | X509Certificate): KeyObject {
  try {
    const c =
      certificate instanceof X509Certificate
        ? certificate
        : new X509Certificate(typeof certificate === 'string' ? certificate : Buffer.from(certificate));
    return c.publicKey;
  } catch (e) {
    throw new MeterkitError(ErrorCode.CertificateInvalid, 'certificate cannot be parsed', { cause: e });
  }
}
