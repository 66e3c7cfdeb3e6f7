/**
 * Validation of the X.509 certificates of security suites 1 and 2 (IEC 62056-5-3 §9.2.6, the
 * DLMS certificate profile on RFC 5280): a path from the certificate to a trusted CA, each link's
 * issuer/subject match and signature, each certificate's validity period at a given time, the key
 * usage (digitalSignature for signing, keyAgreement for key agreement, keyCertSign for issuers)
 * and the curve of the suite (P-256 for suite 1, P-384 for suite 2).
 *
 * `certifiedPeerKey` is how the rest of the security layer takes a public key from the
 * certificates held in a security context, for general-signing, HLS mechanism 7 and key
 * agreement, when no key was set in the context directly.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import {
  type BerTlv,
  bytesEqual,
  decodeBerTlv,
  decodeBerTree,
  decodeBitString,
  decodeOid,
  ErrorCode,
  isMeterkitError,
  MeterkitError,
  toHex,
} from '@meterkit/core';
import { DlmsSecurityErrorCode } from './errors.js';
import type { CertificateUse, SecurityContext } from './security-context.js';
import type { SecuritySuiteParameters } from './security-suite.js';

/** What a certificate's public key is to be used for (IEC 62056-5-3 §9.2.6, certificate_type). */
export type CertificateKeyPurpose = 'digital-signature' | 'key-agreement';

/** Options of `validateCertificateChain` (IEC 62056-5-3 §9.2.6; RFC 5280 §6.1 inputs). */
export interface CertificateChainOptions {
  /** Trusted CA certificates (roots, or intermediates trusted as such). */
  readonly trustAnchors: readonly X509Certificate[];
  /** Untrusted intermediate CA certificates that may complete the path. */
  readonly intermediates?: readonly X509Certificate[];
  /** The key usage the certificate must allow (checked when it has a KeyUsage extension). */
  readonly purpose?: CertificateKeyPurpose;
  /** The time every certificate on the path must be valid at (default: now). */
  readonly at?: Date;
  /** Longest path accepted, the certificate and its anchor included (default 5). */
  readonly maxPathLength?: number;
}

/** RFC 5280 §4.2.1.3 KeyUsage bits, numbered from the most significant bit of the first octet. */
const KEY_USAGE_BIT = { digitalSignature: 0, keyAgreement: 4, keyCertSign: 5 } as const;
const KEY_USAGE_OID = '2.5.29.15';

/** The KeyUsage bits of a certificate (RFC 5280 §4.2.1.3), or undefined without that extension. */
export function certificateKeyUsage(certificate: X509Certificate): ReadonlySet<number> | undefined {
  let tbs: readonly BerTlv[];
  try {
    const tree = decodeBerTree(new Uint8Array(certificate.raw), { maxDepth: 16 });
    tbs = tree[0]?.children?.[0]?.children ?? [];
  } catch (e) {
    throw new MeterkitError(ErrorCode.CertificateInvalid, 'certificate DER cannot be decoded', { cause: e });
  }
  const extensions = tbs.find((f) => f.tagClass === 'context' && f.tag === 3)?.children?.[0]?.children ?? [];
  for (const ext of extensions) {
    const parts = ext.children ?? [];
    const oid = parts[0];
    const value = parts[parts.length - 1];
    if (oid === undefined || oid.tag !== 6 || value === undefined || value.tag !== 4) continue;
    if (decodeOid(oid.value) !== KEY_USAGE_OID) continue;
    const bitString = decodeBerTlv(value.value, 'certificate.key-usage');
    if (bitString.tag !== 3)
      throw new MeterkitError(ErrorCode.CertificateInvalid, 'KeyUsage extension is not a BIT STRING');
    const { bytes, unusedBits } = decodeBitString(bitString.value);
    const bits = new Set<number>();
    const total = bytes.length * 8 - unusedBits;
    for (let i = 0; i < total; i++) if ((bytes[i >> 3]! & (0x80 >> (i & 7))) !== 0) bits.add(i);
    return bits;
  }
  return undefined;
}

function fail(code: number, message: string): never {
  throw new MeterkitError(code, message);
}

function describe(c: X509Certificate): string {
  return `"${c.subject.replace(/\n/g, ', ')}" (serial ${c.serialNumber})`;
}

function checkValidity(c: X509Certificate, at: Date): void {
  const from = Date.parse(c.validFrom);
  const to = Date.parse(c.validTo);
  if (Number.isNaN(from) || Number.isNaN(to))
    fail(ErrorCode.CertificateInvalid, `certificate ${describe(c)} has an unreadable validity period`);
  const t = at.getTime();
  if (t < from || t > to) {
    fail(
      DlmsSecurityErrorCode.CertificateNotValidAtTime,
      `certificate ${describe(c)} is valid from ${c.validFrom} to ${c.validTo}, not at ${at.toISOString()}`,
    );
  }
}

function checkKeyUsage(c: X509Certificate, bit: number, name: string): void {
  const usage = certificateKeyUsage(c);
  if (usage !== undefined && !usage.has(bit)) {
    fail(DlmsSecurityErrorCode.CertificateUsageInvalid, `certificate ${describe(c)} does not allow ${name}`);
  }
}

/** The curve check of the suite (IEC 62056-5-3 §9.2.3.4: P-256 for suite 1, P-384 for suite 2). */
function checkCurve(suite: SecuritySuiteParameters, c: X509Certificate): void {
  const key = c.publicKey;
  const curve = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
  if (suite.curve === undefined || curve !== suite.curve) {
    fail(
      DlmsSecurityErrorCode.CertificateCurveMismatch,
      `certificate ${describe(c)} has a ${curve ?? key.asymmetricKeyType ?? 'unknown'} key, security suite ${suite.id} needs ${suite.jwkCurve ?? 'an EC key'}`,
    );
  }
}

function sameCertificate(a: X509Certificate, b: X509Certificate): boolean {
  return a.fingerprint256 === b.fingerprint256;
}

/**
 * One link: `child` names `issuer` as its issuer and `issuer`'s key verifies its signature
 * (RFC 5280 §6.1.3 (a)(1), (a)(4)). Whether the issuer may issue (CA, keyCertSign) is checked by
 * the caller, so that such a failure gets its own code rather than "no path".
 */
function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  if (child.issuer !== issuer.subject) return false;
  try {
    return child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Validates `certificate` for `suite` (IEC 62056-5-3 §9.2.6, RFC 5280 §6 basic path validation
 * without policies or name constraints) and returns the path, the certificate first and the
 * trust anchor last. A certificate that is itself a trust anchor is its own path.
 *
 * Errors: `CertificateChainInvalid` (330) when no path of verifying signatures leads to a trust
 * anchor, `CertificateNotValidAtTime` (331), `CertificateUsageInvalid` (332) for a missing key
 * usage or an issuer that is not a CA, `CertificateCurveMismatch` (333) when the certificate's key
 * is not on the suite's curve, `CertificateInvalid` (306) for a certificate that cannot be read.
 */
export function validateCertificateChain(
  suite: SecuritySuiteParameters,
  certificate: X509Certificate,
  options: CertificateChainOptions,
): readonly X509Certificate[] {
  const at = options.at ?? new Date();
  const maxPath = options.maxPathLength ?? 5;
  checkCurve(suite, certificate);
  if (options.purpose === 'digital-signature')
    checkKeyUsage(certificate, KEY_USAGE_BIT.digitalSignature, 'digitalSignature');
  else if (options.purpose === 'key-agreement')
    checkKeyUsage(certificate, KEY_USAGE_BIT.keyAgreement, 'keyAgreement');
  checkValidity(certificate, at);
  const anchors = options.trustAnchors;
  const candidates = [...anchors, ...(options.intermediates ?? [])];
  const path: X509Certificate[] = [certificate];
  // the first problem met on a link that otherwise fits, reported when no path is found
  let firstProblem: MeterkitError | undefined;
  const extend = (current: X509Certificate): boolean => {
    if (anchors.some((a) => sameCertificate(a, current))) return true;
    if (path.length >= maxPath) return false;
    for (const issuer of candidates) {
      if (path.some((p) => sameCertificate(p, issuer)) || !issuedBy(current, issuer)) continue;
      try {
        if (!issuer.ca)
          fail(DlmsSecurityErrorCode.CertificateUsageInvalid, `issuer ${describe(issuer)} is not a CA`);
        checkKeyUsage(issuer, KEY_USAGE_BIT.keyCertSign, 'keyCertSign');
        checkValidity(issuer, at);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        firstProblem ??= e;
        continue;
      }
      path.push(issuer);
      if (extend(issuer)) return true;
      path.pop();
    }
    return false;
  };
  if (!extend(certificate)) {
    throw (
      firstProblem ??
      new MeterkitError(
        DlmsSecurityErrorCode.CertificateChainInvalid,
        `no chain of valid signatures leads from certificate ${describe(certificate)} to a trusted CA`,
      )
    );
  }
  return path;
}

const USE_FOR: Record<CertificateKeyPurpose, CertificateUse> = {
  'digital-signature': 'digital-signature',
  'key-agreement': 'key-agreement',
};

/**
 * The public key for `purpose` of the party with system title `subject`, taken from the
 * certificates held in `ctx` (IEC 62056-5-3 §9.2.6) and validated with `validateCertificateChain`
 * against the context's `certification-authority` entries, at `ctx.certificateValidationTime`
 * (default now). Candidates are the entries of that use whose system title is `subject` (or not
 * recorded), other than our own. Returns undefined when there is no candidate; throws the
 * validation error when there are candidates but none validates.
 */
export function certifiedPeerKey(
  ctx: SecurityContext,
  purpose: CertificateKeyPurpose,
  subject: Uint8Array | undefined,
): KeyObject | undefined {
  const own = ctx.systemTitle;
  const anchors: X509Certificate[] = [];
  for (const e of ctx.certificates) if (e.entity === 'certification-authority') anchors.push(e.certificate);
  let problem: unknown;
  for (const entry of ctx.certificates) {
    if (entry.entity === 'certification-authority' || entry.use !== USE_FOR[purpose]) continue;
    const st = entry.systemTitle;
    if (
      st !== undefined &&
      ((subject !== undefined && !bytesEqual(st, subject)) || (own !== undefined && bytesEqual(st, own)))
    )
      continue;
    try {
      validateCertificateChain(ctx.suite, entry.certificate, {
        trustAnchors: anchors,
        purpose,
        at: ctx.certificateValidationTime,
      });
      return entry.certificate.publicKey;
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      problem ??= e;
    }
  }
  if (problem !== undefined) throw problem;
  return undefined;
}

/**
 * `certifiedPeerKey` (IEC 62056-5-3 §9.2.6), or `KeyMissing` (302) naming what is missing when the context has neither
 * the key nor a certificate for it.
 */
export function requireCertifiedPeerKey(
  ctx: SecurityContext,
  purpose: CertificateKeyPurpose,
  subject: Uint8Array | undefined,
  what: string,
): KeyObject {
  const key = certifiedPeerKey(ctx, purpose, subject);
  if (key === undefined) {
    throw new MeterkitError(
      ErrorCode.KeyMissing,
      `${what} is not set in the security context and no ${purpose} certificate${subject === undefined ? '' : ` for system title ${toHex(subject)}`} is held`,
    );
  }
  return key;
}
