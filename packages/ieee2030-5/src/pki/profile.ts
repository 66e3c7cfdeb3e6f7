/**
 * Object identifiers and constants of the IEEE 2030.5 certificate profile (IEEE 2030.5-2018 §6.11:
 * ECDSA P-256 with SHA-256, certificate policies under 1.3.6.1.4.1.40732, HardwareModuleName
 * subjectAltName, indefinite notAfter) and the X.509 (RFC 5280) identifiers it uses.
 */

/** IEEE 2030.5 certificate policy OIDs (§6.11.8.3), arc 1.3.6.1.4.1.40732 (IEEE 2030.5 PEN). */
export const SepCertificatePolicy = {
  /** Generic device certificate (id-pe-2030.5-device-generic). */
  deviceGeneric: '1.3.6.1.4.1.40732.1.1',
  /** Mobile device. */
  mobile: '1.3.6.1.4.1.40732.1.2',
  /** Certificate issued after manufacture. */
  postManufacture: '1.3.6.1.4.1.40732.1.3',
  /** Test certificate (not for production). */
  test: '1.3.6.1.4.1.40732.2.1',
  /** Self-signed certificate. */
  selfSigned: '1.3.6.1.4.1.40732.2.2',
  /** Service provider certificate. */
  serviceProvider: '1.3.6.1.4.1.40732.2.3',
  /** Bulk-issued certificate. */
  bulk: '1.3.6.1.4.1.40732.2.4',
} as const;

/** X.509 / PKIX object identifiers used by the 2030.5 profile. */
export const X509Oid = {
  /** id-on-hardwareModuleName (RFC 4108 §5). */
  hardwareModuleName: '1.3.6.1.5.5.7.8.4',
  /** ecdsa-with-SHA256 (RFC 5758 §3.2). */
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  /** id-ecPublicKey (RFC 5480). */
  ecPublicKey: '1.2.840.10045.2.1',
  /** secp256r1 / prime256v1 / P-256 (RFC 5480). */
  prime256v1: '1.2.840.10045.3.1.7',
  /** Key usage extension. */
  keyUsage: '2.5.29.15',
  /** Subject alternative name extension. */
  subjectAltName: '2.5.29.17',
  /** Basic constraints extension. */
  basicConstraints: '2.5.29.19',
  /** Certificate policies extension. */
  certificatePolicies: '2.5.29.32',
  /** Subject key identifier extension. */
  subjectKeyIdentifier: '2.5.29.14',
  /** Authority key identifier extension. */
  authorityKeyIdentifier: '2.5.29.35',
} as const;

/** notAfter of 2030.5 device certificates: "no well-defined expiration" (RFC 5280 §4.1.2.5). */
export const NOT_AFTER_INDEFINITE = '99991231235959Z';

/** The 2030.5 policy arc: device policies start with `1.3.6.1.4.1.40732.1.`. */
export const SEP_POLICY_ARC = '1.3.6.1.4.1.40732.';
