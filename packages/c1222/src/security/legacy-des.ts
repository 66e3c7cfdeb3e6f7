/**
 * The DES-CBC / 3DES-EDE-CBC cipher of the March 2006 C12.22 draft (pre-EAX' security, still met
 * in 2006-format devices): CBC over whole 8-byte blocks, no padding, an 8-byte IV. Single DES is
 * run as 3DES-EDE with three equal keys (identical result), since OpenSSL 3 no longer offers DES
 * by default. Only the cipher is provided: the 2006 message framing is not decoded.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ErrorCode, MeterkitError } from '@meterkit/core';

function edeKey(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(24);
  if (key.length === 8) {
    out.set(key, 0);
    out.set(key, 8);
    out.set(key, 16);
  } else if (key.length === 16) {
    out.set(key, 0);
    out.set(key.subarray(0, 8), 16);
  } else if (key.length === 24) {
    out.set(key);
  } else {
    throw new MeterkitError(ErrorCode.KeyInvalid, `DES key must be 8, 16 or 24 bytes, not ${key.length}`);
  }
  return out;
}

function check(iv: Uint8Array, data: Uint8Array): void {
  if (iv.length !== 8)
    throw new MeterkitError(ErrorCode.InvalidArgument, `DES IV must be 8 bytes, not ${iv.length}`);
  if (data.length % 8 !== 0)
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `DES-CBC data must be whole 8-byte blocks, not ${data.length} bytes`,
    );
}

/** Encrypts whole blocks with DES-CBC (8-byte key) or 3DES-EDE-CBC (16- or 24-byte key). */
export function legacyDesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  check(iv, plaintext);
  const c = createCipheriv('des-ede3-cbc', edeKey(key), iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(plaintext), c.final()]));
}

/** Decrypts whole blocks with DES-CBC (8-byte key) or 3DES-EDE-CBC (16- or 24-byte key). */
export function legacyDesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  check(iv, ciphertext);
  const d = createDecipheriv('des-ede3-cbc', edeKey(key), iv);
  d.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([d.update(ciphertext), d.final()]));
}
