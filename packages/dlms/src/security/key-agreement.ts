/**
 * Key agreement schemes of security suites 1 and 2 (IEC 62056-5-3 §9.2.3.4.6, NIST SP 800-56A
 * §6.1.2.2 C(2e,0s), §6.2.1.2 C(1e,1s), §6.3.2 C(0e,2s)) with ECC CDH and the concatenation KDF.
 *
 * - Ephemeral Unified Model C(2e,0s, ECC CDH): Security setup `key_agreement`; both ephemeral
 *   public keys travel signed.
 * - One-Pass Diffie-Hellman C(1e,1s, ECC CDH): general-ciphering `agreed-key` 0x01; the
 *   originator's ephemeral key against the recipient's static key-agreement key.
 * - Static Unified Model C(0e,2s, ECC CDH): general-ciphering `agreed-key` 0x02; both static keys,
 *   the transaction-id keeps each derived key fresh.
 */
import type { KeyObject } from 'node:crypto';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';
import {
  type EcKeyPair,
  ecdhSharedSecret,
  ecdsaSign,
  ecdsaVerify,
  exportEcPublicKey,
  generateEcKeyPair,
  importEcPublicKey,
} from './ecc.js';
import { concatKdf, encodeKdfOtherInfo } from './kdf.js';
import { requireEccSuite, type SecuritySuiteParameters } from './security-suite.js';

/** Key agreement schemes (IEC 62056-5-3 §9.2.3.4.6; the key-parameters value of general-ciphering for 1 and 2). */
export const KeyAgreementScheme = {
  /** C(2e,0s): Security setup key_agreement. */
  EphemeralUnifiedModel: 0,
  /** C(1e,1s): general-ciphering agreed-key, key-parameters 0x01. */
  OnePassDiffieHellman: 1,
  /** C(0e,2s): general-ciphering agreed-key, key-parameters 0x02. */
  StaticUnifiedModel: 2,
} as const;

/**
 * Derives the agreed symmetric key from Z (IEC 62056-5-3 §9.2.3.4.6.5): KDF(Z, OtherInfo) with
 * OtherInfo = AlgorithmID ‖ PartyUInfo ‖ PartyVInfo, where PartyUInfo is party U's system title
 * and PartyVInfo party V's. For C(0e,2s) the transaction-id, with its A-XDR length octet, comes
 * after PartyUInfo. The key has the suite's length (16 or 32 octets).
 */
export function deriveAgreedKey(
  suite: SecuritySuiteParameters,
  z: Uint8Array,
  partyUSystemTitle: Uint8Array,
  partyVSystemTitle: Uint8Array,
  transactionId?: Uint8Array,
): Uint8Array {
  requireEccSuite(suite, 'key agreement');
  let partyU = partyUSystemTitle;
  if (transactionId !== undefined) {
    if (transactionId.length > 127) {
      throw new MeterkitError(
        ErrorCode.ValueOutOfRange,
        `transaction-id of ${transactionId.length} octets is too long`,
      );
    }
    partyU = new Uint8Array(partyUSystemTitle.length + 1 + transactionId.length);
    partyU.set(partyUSystemTitle, 0);
    partyU[partyUSystemTitle.length] = transactionId.length;
    partyU.set(transactionId, partyUSystemTitle.length + 1);
  }
  const otherInfo = encodeKdfOtherInfo({
    algorithmId: suite.kdfAlgorithmId,
    partyUInfo: partyU,
    partyVInfo: partyVSystemTitle,
  });
  return concatKdf(suite.hash, z, otherInfo, suite.keyLength);
}

/** What the originator of a C(1e,1s) general-ciphering APDU sends and keeps. */
export interface OnePassDiffieHellmanResult {
  /** The derived symmetric key. */
  readonly key: Uint8Array;
  /** key-ciphered-data: the ephemeral public key X ‖ Y, followed by its ECDSA signature when a signing key was given. */
  readonly keyCipheredData: Uint8Array;
}

/**
 * Originator side of One-Pass Diffie-Hellman C(1e,1s) (IEC 62056-5-3 §9.2.3.4.6.3): a fresh
 * ephemeral key pair against the recipient's static key-agreement public key. When `signingKey`
 * is given, the ephemeral public key is signed (raw r ‖ s appended) so the recipient can
 * authenticate it.
 */
export function onePassDiffieHellmanOriginator(
  suite: SecuritySuiteParameters,
  recipientKeyAgreementKey: KeyObject,
  originatorSystemTitle: Uint8Array,
  recipientSystemTitle: Uint8Array,
  signingKey?: KeyObject,
  ephemeral: EcKeyPair = generateEcKeyPair(suite),
): OnePassDiffieHellmanResult {
  const z = ecdhSharedSecret(suite, ephemeral.privateKey, recipientKeyAgreementKey);
  const key = deriveAgreedKey(suite, z, originatorSystemTitle, recipientSystemTitle);
  const pub = exportEcPublicKey(suite, ephemeral.publicKey);
  if (signingKey === undefined) return { key, keyCipheredData: pub };
  const sig = ecdsaSign(suite, signingKey, pub);
  const data = new Uint8Array(pub.length + sig.length);
  data.set(pub, 0);
  data.set(sig, pub.length);
  return { key, keyCipheredData: data };
}

/**
 * Recipient side of C(1e,1s): checks the signature of the ephemeral key when present (with
 * `originatorSigningKey`; `requireSignature` makes an unsigned key an error) and derives the key.
 * Throws `KeyAgreementFailed` (325) on a malformed key-ciphered-data, `SignatureInvalid` (305)
 * when the signature does not verify.
 */
export function onePassDiffieHellmanRecipient(
  suite: SecuritySuiteParameters,
  recipientKeyAgreementKey: KeyObject,
  keyCipheredData: Uint8Array,
  originatorSystemTitle: Uint8Array,
  recipientSystemTitle: Uint8Array,
  originatorSigningKey?: KeyObject,
  requireSignature = false,
): Uint8Array {
  requireEccSuite(suite, 'key agreement');
  const n = 2 * suite.coordinateLength;
  if (keyCipheredData.length !== n && keyCipheredData.length !== n + suite.signatureLength) {
    throw new MeterkitError(
      DlmsErrorCode.KeyAgreementFailed,
      `key-ciphered-data of ${keyCipheredData.length} octets is neither a public key (${n}) nor a signed one (${n + suite.signatureLength})`,
    );
  }
  const pubRaw = keyCipheredData.subarray(0, n);
  if (keyCipheredData.length > n) {
    if (
      originatorSigningKey !== undefined &&
      !ecdsaVerify(suite, originatorSigningKey, pubRaw, keyCipheredData.subarray(n))
    ) {
      throw new MeterkitError(
        ErrorCode.SignatureInvalid,
        'signature of the ephemeral public key does not verify',
      );
    }
    if (originatorSigningKey === undefined && requireSignature) {
      throw new MeterkitError(
        ErrorCode.KeyMissing,
        "the originator's signing public key is needed to check the ephemeral key",
      );
    }
  } else if (requireSignature) {
    throw new MeterkitError(DlmsErrorCode.KeyAgreementFailed, 'the ephemeral public key is not signed');
  }
  const z = ecdhSharedSecret(suite, recipientKeyAgreementKey, importEcPublicKey(suite, pubRaw));
  return deriveAgreedKey(suite, z, originatorSystemTitle, recipientSystemTitle);
}

/**
 * Static Unified Model C(0e,2s) (IEC 62056-5-3 §9.2.3.4.6.4): Z from one party's static private key
 * and the other's static public key; the transaction-id enters OtherInfo. Both sides call this with
 * the same originator/recipient system titles.
 */
export function staticUnifiedModel(
  suite: SecuritySuiteParameters,
  ownKeyAgreementKey: KeyObject,
  peerKeyAgreementKey: KeyObject,
  originatorSystemTitle: Uint8Array,
  recipientSystemTitle: Uint8Array,
  transactionId: Uint8Array,
): Uint8Array {
  const z = ecdhSharedSecret(suite, ownKeyAgreementKey, peerKeyAgreementKey);
  return deriveAgreedKey(suite, z, originatorSystemTitle, recipientSystemTitle, transactionId);
}

/**
 * The data signed for one key of Security setup `key_agreement` (IEC 62056-6-2 §4.4.7, method 3):
 * key_id (one octet) ‖ ephemeral public key (X ‖ Y).
 */
function keyAgreementSignedData(keyId: number, publicKey: Uint8Array): Uint8Array {
  const d = new Uint8Array(1 + publicKey.length);
  d[0] = keyId;
  d.set(publicKey, 1);
  return d;
}

/**
 * Builds the key_data of one Security setup `key_agreement` entry (C(2e,0s)): a fresh ephemeral
 * public key and the ECDSA signature over key_id ‖ public key (IEC 62056-6-2 §4.4.7). Keep
 * `ephemeral.privateKey` to derive the key once the peer answers.
 */
export function createKeyAgreementData(
  suite: SecuritySuiteParameters,
  keyId: number,
  signingKey: KeyObject,
  ephemeral: EcKeyPair = generateEcKeyPair(suite),
): { readonly ephemeral: EcKeyPair; readonly keyData: Uint8Array } {
  if (!(Number.isInteger(keyId) && keyId >= 0 && keyId <= 2)) {
    throw new MeterkitError(ErrorCode.ValueInvalid, `key_agreement key_id ${keyId} is not 0..2`);
  }
  const pub = exportEcPublicKey(suite, ephemeral.publicKey);
  const sig = ecdsaSign(suite, signingKey, keyAgreementSignedData(keyId, pub));
  const keyData = new Uint8Array(pub.length + sig.length);
  keyData.set(pub, 0);
  keyData.set(sig, pub.length);
  return { ephemeral, keyData };
}

/**
 * Checks the peer's key_data of a `key_agreement` entry and returns its ephemeral public key.
 * Throws `KeyAgreementFailed` (325) on a wrong length and `SignatureInvalid` (305) on a bad
 * signature.
 */
export function verifyKeyAgreementData(
  suite: SecuritySuiteParameters,
  keyId: number,
  keyData: Uint8Array,
  peerSigningKey: KeyObject,
): KeyObject {
  requireEccSuite(suite, 'key agreement');
  const n = 2 * suite.coordinateLength;
  if (keyData.length !== n + suite.signatureLength) {
    throw new MeterkitError(
      DlmsErrorCode.KeyAgreementFailed,
      `key_data must be ${n + suite.signatureLength} octets, not ${keyData.length}`,
    );
  }
  const pub = keyData.subarray(0, n);
  if (!ecdsaVerify(suite, peerSigningKey, keyAgreementSignedData(keyId, pub), keyData.subarray(n))) {
    throw new MeterkitError(
      ErrorCode.SignatureInvalid,
      'signature of the key_agreement ephemeral key does not verify',
    );
  }
  return importEcPublicKey(suite, pub);
}

/**
 * Ephemeral Unified Model C(2e,0s) key (IEC 62056-5-3 §9.2.3.4.6.2): Z from our ephemeral private
 * key and the peer's ephemeral public key; PartyU is the client, PartyV the server.
 */
export function ephemeralUnifiedModel(
  suite: SecuritySuiteParameters,
  ownEphemeralPrivateKey: KeyObject,
  peerEphemeralPublicKey: KeyObject,
  clientSystemTitle: Uint8Array,
  serverSystemTitle: Uint8Array,
): Uint8Array {
  const z = ecdhSharedSecret(suite, ownEphemeralPrivateKey, peerEphemeralPublicKey);
  return deriveAgreedKey(suite, z, clientSystemTitle, serverSystemTitle);
}
