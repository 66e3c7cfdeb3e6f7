/**
 * AES key wrap (RFC 3394, NIST SP 800-38F KW) as used by Security setup `global_key_transfer` and
 * general-ciphering `wrapped-key` (IEC 62056-5-3 §9.2.3.5; IEC 62056-6-2 §4.4.7).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ErrorCode, MeterkitError } from '@meterkit/core';

/** The RFC 3394 §2.2.3.1 default initial value A6A6A6A6A6A6A6A6. */
const DEFAULT_IV = new Uint8Array(8).fill(0xa6);

function wrapCipher(kek: Uint8Array): 'id-aes128-wrap' | 'id-aes192-wrap' | 'id-aes256-wrap' {
  switch (kek.length) {
    case 16:
      return 'id-aes128-wrap';
    case 24:
      return 'id-aes192-wrap';
    case 32:
      return 'id-aes256-wrap';
    default:
      throw new MeterkitError(
        ErrorCode.KeyInvalid,
        `key encryption key must be 16, 24 or 32 octets, not ${kek.length}`,
      );
  }
}

/** Wraps `keyData` (a multiple of 8 octets, at least 16) under `kek` (RFC 3394 §2.2.1). */
export function wrapKey(kek: Uint8Array, keyData: Uint8Array): Uint8Array {
  const alg = wrapCipher(kek);
  if (keyData.length < 16 || keyData.length % 8 !== 0) {
    throw new MeterkitError(
      ErrorCode.KeyInvalid,
      `key data to wrap must be a multiple of 8 octets (≥ 16), not ${keyData.length}`,
    );
  }
  const c = createCipheriv(alg, kek, DEFAULT_IV);
  const a = c.update(keyData);
  const b = c.final();
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Unwraps (RFC 3394 §2.2.2) and checks the integrity value. Throws `AuthenticationFailed` (300)
 * when the check fails (wrong KEK or altered data); the message never holds key material.
 */
export function unwrapKey(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  const alg = wrapCipher(kek);
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) {
    throw new MeterkitError(
      ErrorCode.KeyInvalid,
      `wrapped key must be a multiple of 8 octets (≥ 24), not ${wrapped.length}`,
    );
  }
  try {
    const d = createDecipheriv(alg, kek, DEFAULT_IV);
    const a = d.update(wrapped);
    const b = d.final();
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  } catch {
    throw new MeterkitError(ErrorCode.AuthenticationFailed, 'key unwrap integrity check failed');
  }
}
