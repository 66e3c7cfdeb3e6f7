/**
 * AES-GCM as DLMS/COSEM uses it (IEC 62056-5-3 §9.2.3.3, NIST SP 800-38D): a 96-bit IV made of the
 * sender's system title and invocation counter, 12-octet authentication tags, and the
 * counter-mode core for decrypting without a tag check.
 *
 * Keys are `KeyObject`s imported once; AAD is given in up to three parts so callers never
 * concatenate (GCM accepts AAD in pieces before the data).
 */
import {
  type CipherGCM,
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  type DecipherGCM,
  type KeyObject,
} from 'node:crypto';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';

/** Length of the DLMS GCM authentication tag in octets (IEC 62056-5-3 §9.2.3.3.2). */
export const GCM_TAG_LENGTH = 12;

/** A symmetric key ready for AES-GCM / AES-CTR: imported once, reused for every message. */
export interface GcmKey {
  readonly gcmCipher: 'aes-128-gcm' | 'aes-256-gcm';
  readonly ctrCipher: 'aes-128-ctr' | 'aes-256-ctr';
  readonly key: KeyObject;
}

const OPTIONS = { authTagLength: GCM_TAG_LENGTH } as const;

/** Imports an AES-128 or AES-256 key for GCM use. Throws `KeyInvalid` (303) on any other length. */
export function importGcmKey(key: Uint8Array): GcmKey {
  if (key.length === 16)
    return { gcmCipher: 'aes-128-gcm', ctrCipher: 'aes-128-ctr', key: createSecretKey(key) };
  if (key.length === 32)
    return { gcmCipher: 'aes-256-gcm', ctrCipher: 'aes-256-ctr', key: createSecretKey(key) };
  throw new MeterkitError(ErrorCode.KeyInvalid, `AES-GCM key must be 16 or 32 octets, not ${key.length}`);
}

/**
 * The GCM initialization vector IV = system title (8 octets) ‖ invocation counter (4 octets,
 * big-endian) (IEC 62056-5-3 §9.2.3.3.3). Writes into `out` when given (it is copied by
 * node:crypto, so one scratch buffer can serve every message).
 */
export function initializationVector(
  systemTitle: Uint8Array,
  invocationCounter: number,
  out: Uint8Array = new Uint8Array(12),
): Uint8Array {
  if (systemTitle.length !== 8) {
    throw new MeterkitError(
      DlmsErrorCode.SystemTitleInvalid,
      `system title must be 8 octets, not ${systemTitle.length}`,
    );
  }
  if (!(Number.isInteger(invocationCounter) && invocationCounter >= 0 && invocationCounter <= 0xffffffff)) {
    throw new MeterkitError(
      ErrorCode.ValueOutOfRange,
      `invocation counter ${invocationCounter} is not a 32-bit unsigned value`,
    );
  }
  // eight octets copied by hand: TypedArray#set costs more than the copy at this size
  for (let i = 0; i < 8; i++) out[i] = systemTitle[i]!;
  out[8] = invocationCounter >>> 24;
  out[9] = (invocationCounter >>> 16) & 0xff;
  out[10] = (invocationCounter >>> 8) & 0xff;
  out[11] = invocationCounter & 0xff;
  return out;
}

function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function addAad(
  c: CipherGCM | DecipherGCM,
  a: Uint8Array | undefined,
  b: Uint8Array | undefined,
  d: Uint8Array | undefined,
): void {
  if (a !== undefined && a.length > 0) c.setAAD(a);
  if (b !== undefined && b.length > 0) c.setAAD(b);
  if (d !== undefined && d.length > 0) c.setAAD(d);
}

/**
 * AES-GCM encryption with a 12-octet tag (NIST SP 800-38D §7.1). `plaintext` may be empty (GMAC:
 * only the AAD is authenticated). Returns the ciphertext and the tag.
 */
export function gcmEncrypt(
  key: GcmKey,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad1?: Uint8Array,
  aad2?: Uint8Array,
  aad3?: Uint8Array,
): { readonly ciphertext: Uint8Array; readonly tag: Uint8Array } {
  const c = createCipheriv(key.gcmCipher, key.key, iv, OPTIONS);
  addAad(c, aad1, aad2, aad3);
  const ciphertext = plaintext.length > 0 ? view(c.update(plaintext)) : new Uint8Array(0);
  c.final();
  return { ciphertext, tag: view(c.getAuthTag()) };
}

/**
 * AES-GCM encryption with a 12-octet tag (NIST SP 800-38D §7.1) straight into `out`: the
 * ciphertext (as long as `plaintext`) at `at`, the tag right after it. Returns the index after the
 * tag. With an empty `plaintext` only the tag is written (GMAC over the AAD). This is the form the
 * ciphering hot path uses: no intermediate result object or views.
 */
export function gcmEncryptInto(
  key: GcmKey,
  iv: Uint8Array,
  plaintext: Uint8Array,
  out: Uint8Array,
  at: number,
  aad1?: Uint8Array,
  aad2?: Uint8Array,
  aad3?: Uint8Array,
): number {
  const c = createCipheriv(key.gcmCipher, key.key, iv, OPTIONS);
  addAad(c, aad1, aad2, aad3);
  if (plaintext.length > 0) {
    const ct = c.update(plaintext);
    out.set(ct, at);
    at += ct.length;
  }
  c.final();
  out.set(c.getAuthTag(), at);
  return at + GCM_TAG_LENGTH;
}

/**
 * AES-GCM authenticated decryption with a 12-octet tag (NIST SP 800-38D §7.2). The tag check is
 * constant-time inside OpenSSL. Throws `AuthenticationFailed` (300) when it fails; the message
 * never says where.
 */
export function gcmDecrypt(
  key: GcmKey,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad1?: Uint8Array,
  aad2?: Uint8Array,
  aad3?: Uint8Array,
): Uint8Array {
  if (tag.length !== GCM_TAG_LENGTH) {
    throw new MeterkitError(ErrorCode.AuthenticationFailed, 'authentication tag has the wrong length');
  }
  const d = createDecipheriv(key.gcmCipher, key.key, iv, OPTIONS);
  addAad(d, aad1, aad2, aad3);
  d.setAuthTag(tag);
  const out = ciphertext.length > 0 ? d.update(ciphertext) : undefined;
  try {
    d.final();
  } catch {
    throw new MeterkitError(ErrorCode.AuthenticationFailed, 'authentication tag does not verify');
  }
  return out === undefined ? new Uint8Array(0) : view(out);
}

/**
 * GCM's keystream without the tag: AES-CTR from counter block J0 + 1 = IV ‖ 00000002 (NIST SP
 * 800-38D §7.1 step 3), which is how GCM encrypts. Used for encryption-only APDUs and for
 * decrypting when the authentication key is unknown. Encrypts and decrypts alike.
 */
export function gcmKeystreamXor(key: GcmKey, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv(key.ctrCipher, key.key, counterBlock(iv));
  const out = data.length > 0 ? view(c.update(data)) : new Uint8Array(0);
  c.final();
  return out;
}

/** `gcmKeystreamXor` (NIST SP 800-38D §7.1 step 3) writing its output into `out` at `at`; returns the index after it. */
export function gcmKeystreamXorInto(
  key: GcmKey,
  iv: Uint8Array,
  data: Uint8Array,
  out: Uint8Array,
  at: number,
): number {
  const c = createCipheriv(key.ctrCipher, key.key, counterBlock(iv));
  if (data.length > 0) out.set(c.update(data), at);
  c.final();
  return at + data.length;
}

/** Scratch counter block (node:crypto copies the IV, so one buffer serves every message). */
const COUNTER = new Uint8Array(16);

/** J0 + 1 = IV ‖ 00000002 in the shared scratch block. */
function counterBlock(iv: Uint8Array): Uint8Array {
  for (let i = 0; i < 12; i++) COUNTER[i] = iv[i]!;
  COUNTER[15] = 2;
  return COUNTER;
}
