/**
 * The security of a simulator association in its JSON form (IEC 62056-5-3 §9.2): the security
 * suite (0–2), the symmetric keys as hex, the server's ECDSA signing key (PEM, or generated) and
 * the client's public signing key (PEM public key, PEM certificate, or X ‖ Y as hex) for HLS
 * mechanism 7 (IEC 62056-5-3 §9.2.2.2) and suites 1 and 2, and the static key-agreement keys for
 * general-ciphering with agreed keys (§9.2.3.4.6). Secrets never appear in errors.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ErrorCode, fromHex, MeterkitError } from '@meterkit/core';
import { certificatePublicKey, generateEcKeyPair, importEcPublicKey } from '../security/ecc.js';
import { SecurityContext } from '../security/security-context.js';
import {
  type SecuritySuiteId,
  type SecuritySuiteParameters,
  securitySuiteParameters,
} from '../security/security-suite.js';

/** Security of an association in a profile (keys as hex; test keys only!). IEC 62056-5-3 §9.2. */
export interface SecurityProfileJson {
  /** Security suite 0 (AES-GCM-128), 1 (AES-GCM-128, ECDSA P-256) or 2 (AES-GCM-256, ECDSA P-384). */
  readonly suite?: SecuritySuiteId;
  readonly globalUnicastEncryptionKey?: string;
  readonly globalBroadcastEncryptionKey?: string;
  readonly authenticationKey?: string;
  readonly masterKey?: string;
  /** First invocation counter the server sends. */
  readonly invocationCounter?: number;
  /** Check client invocation counters across associations (see `AssociationConfig.sharedReplayProtection`). */
  readonly sharedReplayProtection?: boolean;
  /**
   * The server's ECDSA private key (suites 1 and 2): a PEM private key (PKCS#8 or SEC 1), or
   * `"generate"` for a fresh key pair on the suite's curve (its public half is then
   * `MeterSimulator.signingPublicKey(clientSap)`).
   */
  readonly signingKey?: string;
  /** The client's ECDSA public key: a PEM public key, a PEM certificate, or X ‖ Y as hex. */
  readonly clientSigningKey?: string;
  /**
   * The server's static ECDH key-agreement private key (suites 1 and 2) for general-ciphering
   * requests with an agreed key (IEC 62056-5-3 §9.2.3.4.6): a PEM private key, or `"generate"`
   * (its public half is then `MeterSimulator.keyAgreementPublicKey(clientSap)`).
   */
  readonly keyAgreementKey?: string;
  /** The client's static ECDH public key (static unified model): PEM, PEM certificate, or X ‖ Y as hex. */
  readonly clientKeyAgreementKey?: string;
}

function invalid(path: string, message: string): never {
  throw new MeterkitError(ErrorCode.ValueInvalid, message, { path });
}

function hexKey(v: string | undefined, path: string): Uint8Array | undefined {
  if (v === undefined) return undefined;
  try {
    return fromHex(v);
  } catch {
    return invalid(path, 'a key must be hex');
  }
}

function curveOf(key: KeyObject): string | undefined {
  return key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
}

function checkCurve(suite: SecuritySuiteParameters, key: KeyObject, path: string): KeyObject {
  if (curveOf(key) !== suite.curve)
    invalid(path, `the key is not on the curve of security suite ${suite.id} (${suite.jwkCurve})`);
  return key;
}

function signingKeyFrom(
  v: string,
  suite: SecuritySuiteParameters,
  path: string,
  name = 'signingKey',
): KeyObject {
  if (suite.curve === undefined) invalid(path, `security suite ${suite.id} has no ECDSA keys (use 1 or 2)`);
  if (v === 'generate') return generateEcKeyPair(suite).privateKey;
  let key: KeyObject;
  try {
    key = createPrivateKey(v);
  } catch {
    return invalid(path, `${name} must be a PEM private key or "generate"`);
  }
  return checkCurve(suite, key, path);
}

function publicKeyFrom(
  v: string,
  suite: SecuritySuiteParameters,
  path: string,
  name = 'clientSigningKey',
): KeyObject {
  if (suite.curve === undefined) invalid(path, `security suite ${suite.id} has no ECDSA keys (use 1 or 2)`);
  let key: KeyObject;
  try {
    if (v.includes('BEGIN CERTIFICATE')) key = certificatePublicKey(v);
    else if (v.includes('-----BEGIN')) key = createPublicKey(v);
    else key = importEcPublicKey(suite, fromHex(v));
  } catch {
    return invalid(path, `${name} must be a PEM public key, a PEM certificate or X ‖ Y as hex`);
  }
  return checkCurve(suite, key, path);
}

/**
 * The server's security context of one association from its JSON form. Throws `ValueInvalid`
 * (207) with the JSON path; key bytes are never part of the message. IEC 62056-5-3 §9.2.
 */
export function securityFromJson(
  s: SecurityProfileJson,
  systemTitle: Uint8Array,
  path: string,
): SecurityContext {
  const suiteId = s.suite ?? 0;
  if (suiteId !== 0 && suiteId !== 1 && suiteId !== 2) invalid(`${path}.suite`, 'suite must be 0, 1 or 2');
  const suite = securitySuiteParameters(suiteId);
  try {
    return new SecurityContext({
      suite: suiteId,
      systemTitle,
      globalUnicastEncryptionKey: hexKey(s.globalUnicastEncryptionKey, `${path}.globalUnicastEncryptionKey`),
      globalBroadcastEncryptionKey: hexKey(
        s.globalBroadcastEncryptionKey,
        `${path}.globalBroadcastEncryptionKey`,
      ),
      authenticationKey: hexKey(s.authenticationKey, `${path}.authenticationKey`),
      masterKey: hexKey(s.masterKey, `${path}.masterKey`),
      invocationCounters: { 'global-unicast-encryption-key': s.invocationCounter ?? 1 },
      signingKey:
        s.signingKey === undefined ? undefined : signingKeyFrom(s.signingKey, suite, `${path}.signingKey`),
      peerSigningKey:
        s.clientSigningKey === undefined
          ? undefined
          : publicKeyFrom(s.clientSigningKey, suite, `${path}.clientSigningKey`),
      keyAgreementKey:
        s.keyAgreementKey === undefined
          ? undefined
          : signingKeyFrom(s.keyAgreementKey, suite, `${path}.keyAgreementKey`, 'keyAgreementKey'),
      peerKeyAgreementKey:
        s.clientKeyAgreementKey === undefined
          ? undefined
          : publicKeyFrom(
              s.clientKeyAgreementKey,
              suite,
              `${path}.clientKeyAgreementKey`,
              'clientKeyAgreementKey',
            ),
    });
  } catch (e) {
    if (e instanceof MeterkitError && e.code !== ErrorCode.ValueInvalid)
      return invalid(path, `the security context is invalid: ${e.message}`);
    throw e;
  }
}
