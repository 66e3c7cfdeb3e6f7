/**
 * TLS options for IEEE 2030.5 (IEEE 2030.5-2018 §6.11 / CSIP COMM-003): TLS 1.2 only, the single
 * cipher suite TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 on P-256, mutual authentication with certificate
 * chains validated to the configured SERCA, and peer identity established by LFDI (2030.5
 * certificates have an empty subject and no host name), never by disabling verification.
 *
 * `@SECLEVEL=0` is needed for CCM-8 under OpenSSL 3.5 (Node 22+); the curve, signature algorithm
 * and version are pinned so it relaxes nothing else that matters.
 */
import type { ConnectionOptions, PeerCertificate, TLSSocket, TlsOptions } from 'node:tls';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { Ieee20305ErrorCode } from './errors.js';
import { parseLfdi } from './ids.js';
import { checkSepCertificate, parseSepCertificate, type SepCertificate } from './pki/certificate.js';

/** The only cipher suite of IEEE 2030.5 (OpenSSL name), with the security level CCM-8 needs. */
export const SEP_TLS_CIPHERS = 'ECDHE-ECDSA-AES128-CCM8:@SECLEVEL=0';
/** The only curve (secp256r1). */
export const SEP_TLS_CURVE = 'prime256v1';
/** The only signature algorithm (ECDSA P-256 with SHA-256). */
export const SEP_TLS_SIGALGS = 'ecdsa_secp256r1_sha256';

/** Own credentials and trust anchors of a 2030.5 TLS endpoint. Key material never appears in errors. */
export interface SepTlsCredentials {
  /** Own private key (PEM). */
  readonly key: string | Uint8Array;
  /** Own certificate (PEM). */
  readonly certificate: string;
  /** Intermediate certificates sent after it (PEM: MICA, then MCA), if any. */
  readonly chain?: string;
  /** Trusted SERCA certificate(s) (PEM). */
  readonly serca: string | readonly string[];
}

/** Identity requirements checked on the peer's certificate. */
export interface SepPeerPolicy {
  /** Accept only these LFDIs (40 hex digits, any case/grouping). Default: any LFDI. */
  readonly allowedLfdis?: readonly string[];
  /** Check the peer certificate against the 2030.5 device profile (default true). */
  readonly checkProfile?: boolean;
}

function common(creds: SepTlsCredentials) {
  return {
    minVersion: 'TLSv1.2' as const,
    maxVersion: 'TLSv1.2' as const,
    ciphers: SEP_TLS_CIPHERS,
    ecdhCurve: SEP_TLS_CURVE,
    sigalgs: SEP_TLS_SIGALGS,
    key: typeof creds.key === 'string' ? creds.key : Buffer.from(creds.key),
    cert: creds.chain === undefined ? creds.certificate : `${creds.certificate.trimEnd()}\n${creds.chain}`,
    ca: typeof creds.serca === 'string' ? [creds.serca] : [...creds.serca],
    rejectUnauthorized: true,
  };
}

/**
 * Checks a peer certificate (DER) against `policy`: 2030.5 device profile and allowed LFDIs.
 * Returns the parsed certificate; throws `MeterkitError` (CertificateInvalid 306 for an LFDI not
 * allowed, CertificateProfileInvalid 360 for a profile violation).
 */
export function checkPeerCertificate(der: Uint8Array, policy: SepPeerPolicy = {}): SepCertificate {
  const cert = parseSepCertificate(der);
  if (policy.checkProfile !== false) {
    const problems = checkSepCertificate(cert, 'device');
    if (problems.length > 0) {
      throw new MeterkitError(
        Ieee20305ErrorCode.CertificateProfileInvalid,
        `peer certificate: ${problems.join('; ')}`,
      );
    }
  }
  if (policy.allowedLfdis !== undefined && !policy.allowedLfdis.map(parseLfdi).includes(cert.lfdi)) {
    throw new MeterkitError(ErrorCode.CertificateInvalid, `peer LFDI ${cert.lfdi} is not allowed`);
  }
  return cert;
}

function rawOf(cert: PeerCertificate): Uint8Array {
  return new Uint8Array(cert.raw.buffer, cert.raw.byteOffset, cert.raw.byteLength);
}

/** Node's names of the OpenSSL verification results (X509_V_ERR_*) that refuse a peer's certificate chain. */
const VERIFY_REFUSALS: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/** TLS alerts (RFC 5246 §7.2, RFC 8446 §6.2) by which a peer refuses our certificate, by number. */
const ALERT_REFUSALS: ReadonlyMap<number, string> = new Map([
  [42, 'bad_certificate'],
  [43, 'unsupported_certificate'],
  [44, 'certificate_revoked'],
  [45, 'certificate_expired'],
  [46, 'certificate_unknown'],
  [48, 'unknown_ca'],
  [49, 'access_denied'],
  [116, 'certificate_required'],
]);
/** The same alerts as node names them in `error.code` when they end a handshake. */
const ALERT_CODE = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/;
/** OpenSSL's text for an alert received later (node then reports `EPROTO`). */
const ALERT_NUMBER = /SSL alert number (\d+)/;

/** The name of the certificate-refusing alert `error` reports, if any. */
function refusingAlert(code: string, message: string): string | undefined {
  const named = ALERT_CODE.exec(code)?.[1]?.toLowerCase();
  if (named !== undefined) return [...ALERT_REFUSALS.values()].includes(named) ? named : undefined;
  const n = ALERT_NUMBER.exec(message)?.[1];
  return n === undefined ? undefined : ALERT_REFUSALS.get(Number(n));
}

/**
 * Classifies an error of a TLS connection (IEEE 2030.5-2018 §6.11): when it is a certificate
 * refusal, either ours of the peer's chain (OpenSSL verification result, e.g.
 * `DEPTH_ZERO_SELF_SIGNED_CERT`, `CERT_HAS_EXPIRED`) or the peer's of ours (a TLS alert such as
 * `unknown_ca`, `certificate_expired`, `bad_certificate`), returns a `MeterkitError`
 * CertificateInvalid (306) naming it, with the original error as `cause`; otherwise undefined.
 * A `MeterkitError` (the LFDI/profile check of `sepTlsClientOptions`) is returned as it is.
 */
export function certificateRefusal(error: unknown, context = 'TLS'): MeterkitError | undefined {
  if (error instanceof MeterkitError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (VERIFY_REFUSALS.has(code))
    return new MeterkitError(ErrorCode.CertificateInvalid, `${context}: peer certificate refused (${code})`, {
      cause: error,
    });
  const message = (error as { message?: unknown }).message;
  const alert = refusingAlert(code, typeof message === 'string' ? message : '');
  if (alert !== undefined)
    return new MeterkitError(
      ErrorCode.CertificateInvalid,
      `${context}: the peer refused our certificate (${alert} alert)`,
      {
        cause: error,
      },
    );
  return undefined;
}

/**
 * Client options (`tls.connect` / `https.request`): TLS 1.2, CCM-8, P-256, own certificate chain,
 * SERCA as the only trust anchor, and `checkServerIdentity` replaced by the LFDI/profile check of
 * `policy` (chain validation itself stays on: `rejectUnauthorized` is true).
 */
export function sepTlsClientOptions(creds: SepTlsCredentials, policy: SepPeerPolicy = {}): ConnectionOptions {
  return {
    ...common(creds),
    checkServerIdentity: (_host: string, cert: PeerCertificate): Error | undefined => {
      try {
        checkPeerCertificate(rawOf(cert), policy);
        return undefined;
      } catch (e) {
        return e as Error;
      }
    },
  };
}

/**
 * Server options (`tls.createServer` / `https.createServer`): TLS 1.2, CCM-8, P-256, client
 * certificates required and validated to the SERCA. Check the client's identity after the
 * handshake with `authorizeTlsPeer`.
 */
export function sepTlsServerOptions(creds: SepTlsCredentials): TlsOptions {
  return { ...common(creds), requestCert: true };
}

/**
 * After the handshake: the peer's verified certificate, checked against `policy` (IEEE 2030.5
 * §6.11 profile, allowed LFDIs). Throws `MeterkitError` when the socket is not authorized.
 */
export function authorizeTlsPeer(socket: TLSSocket, policy: SepPeerPolicy = {}): SepCertificate {
  if (!socket.authorized) {
    throw new MeterkitError(
      ErrorCode.CertificateInvalid,
      `peer not authorized: ${String(socket.authorizationError)}`,
    );
  }
  const cert = socket.getPeerCertificate(true);
  if (cert === null || cert.raw === undefined)
    throw new MeterkitError(ErrorCode.CertificateInvalid, 'peer sent no certificate');
  return checkPeerCertificate(rawOf(cert), policy);
}

/** The LFDI of the peer of an established TLS socket (IEEE 2030.5 §6.3.4), without further checks. */
export function peerLfdi(socket: TLSSocket): string {
  const cert = socket.getPeerCertificate(false);
  if (cert === null || cert.raw === undefined)
    throw new MeterkitError(ErrorCode.CertificateInvalid, 'peer sent no certificate');
  return parseSepCertificate(rawOf(cert)).lfdi;
}
