/**
 * AES-CMAC (NIST SP 800-38B, RFC 4493) on `node:crypto`, built from a reusable CBC-MAC core so that
 * ANSI C12.22's EAX' (which uses its own subkey doubling and a tweak IV) can share it.
 *
 * The CBC-MAC runs as one `aes-*-cbc` call over the whole (masked) message and keeps the last block,
 * so long messages cost one native call, not one per block.
 */
import { createCipheriv } from 'node:crypto';
import { ErrorCode, MeterkitError } from './errors.js';

const ZERO_BLOCK = new Uint8Array(16);

function cipherName(key: Uint8Array, mode: 'ecb' | 'cbc'): string {
  switch (key.length) {
    case 16:
      return `aes-128-${mode}`;
    case 24:
      return `aes-192-${mode}`;
    case 32:
      return `aes-256-${mode}`;
    default:
      throw new MeterkitError(ErrorCode.KeyInvalid, `AES key must be 16, 24 or 32 bytes, not ${key.length}`);
  }
}

/** AES block encryption of one 16-byte block (ECB, no padding). */
export function aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  if (block.length !== 16)
    throw new MeterkitError(ErrorCode.InvalidArgument, `AES block must be 16 bytes, not ${block.length}`);
  const c = createCipheriv(cipherName(key, 'ecb'), key, null);
  c.setAutoPadding(false);
  return new Uint8Array(c.update(block));
}

/**
 * Standard GF(2^128) doubling (SP 800-38B §6.1): shift the block left by one bit as a big-endian
 * number; if the top bit fell out, XOR 0x87 into the last byte.
 */
export function dblBigEndian(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 15; i++) out[i] = ((block[i]! << 1) | (block[i + 1]! >>> 7)) & 0xff;
  out[15] = (block[15]! << 1) & 0xff;
  if (block[0]! & 0x80) out[15]! ^= 0x87;
  return out;
}

/** The two CMAC subkeys: `complete` masks a full last block, `incomplete` a padded one. */
export interface CmacSubkeys {
  readonly complete: Uint8Array;
  readonly incomplete: Uint8Array;
}

/** RFC 4493 §2.3 subkeys K1 = dbl(L), K2 = dbl(K1), with L = AES_K(0^128). */
export function cmacSubkeys(key: Uint8Array, dbl: (b: Uint8Array) => Uint8Array = dblBigEndian): CmacSubkeys {
  const l = aesEncryptBlock(key, ZERO_BLOCK);
  const k1 = dbl(l);
  return { complete: k1, incomplete: dbl(k1) };
}

/**
 * The CMAC core: CBC-MAC of `message` with initial value `iv` (all zeros for plain CMAC, the tweak
 * for EAX' CMAC'), where a complete last block is XORed with `subkeys.complete` and an incomplete
 * (or empty) one is padded with 0x80 00… and XORed with `subkeys.incomplete`. Returns the 16-byte tag.
 */
export function cmacWithSubkeys(
  key: Uint8Array,
  message: Uint8Array,
  subkeys: CmacSubkeys,
  iv: Uint8Array = ZERO_BLOCK,
): Uint8Array {
  const n = message.length;
  const complete = n > 0 && n % 16 === 0;
  const padded = complete ? n : (Math.floor(n / 16) + 1) * 16;
  const m = new Uint8Array(padded);
  m.set(message);
  if (!complete) m[n] = 0x80;
  const mask = complete ? subkeys.complete : subkeys.incomplete;
  const last = padded - 16;
  for (let i = 0; i < 16; i++) m[last + i]! ^= mask[i]!;
  const c = createCipheriv(cipherName(key, 'cbc'), key, iv);
  c.setAutoPadding(false);
  const out = c.update(m);
  return new Uint8Array(out.buffer, out.byteOffset + out.length - 16, 16).slice();
}

/** AES-CMAC (RFC 4493): the full 16-byte tag of `message` under `key`. */
export function aesCmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  return cmacWithSubkeys(key, message, cmacSubkeys(key));
}

/**
 * A CMAC context that derives the subkeys once and reuses them, for callers that MAC many messages
 * under one key.
 */
export class AesCmac {
  private readonly key: Uint8Array;
  private readonly subkeys: CmacSubkeys;

  constructor(key: Uint8Array) {
    this.key = Uint8Array.from(key);
    this.subkeys = cmacSubkeys(this.key);
  }

  /** The 16-byte tag of `message`. */
  mac(message: Uint8Array): Uint8Array {
    return cmacWithSubkeys(this.key, message, this.subkeys);
  }

  /** Keys never print. */
  toJSON(): string {
    return '[AesCmac]';
  }
}

/** Constant-time comparison of two MACs/tags; false on a length mismatch. */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
