import { createHmac } from 'node:crypto';

const SHA256_LENGTH = 32;

/** Longest PRF output (RFC 5246 §5) asked for here: a key block (§6.3) is at most a few hundred bytes. */
export const MAX_PRF_OUTPUT = 1024;

/**
 * P_SHA256(secret, seed) of RFC 5246 §5: A(0) = seed, A(i) = HMAC(secret, A(i-1)), output the
 * concatenation of HMAC(secret, A(i) + seed) cut to `length` bytes.
 */
export function pSha256(secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > MAX_PRF_OUTPUT) {
    throw new RangeError(`P_SHA256 output length ${length} is outside 0..${MAX_PRF_OUTPUT}`);
  }
  const out = new Uint8Array(length);
  let a: Uint8Array = seed;
  for (let at = 0; at < length; at += SHA256_LENGTH) {
    a = createHmac('sha256', secret).update(a).digest();
    const block = createHmac('sha256', secret).update(a).update(seed).digest();
    out.set(block.subarray(0, Math.min(SHA256_LENGTH, length - at)), at);
  }
  return out;
}

/**
 * The TLS 1.2 pseudorandom function with SHA-256 (RFC 5246 §5):
 * PRF(secret, label, seed) = P_SHA256(secret, label + seed), `label` ASCII without a length byte.
 */
export function tls12Prf(secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const labelBytes = new TextEncoder().encode(label);
  const full = new Uint8Array(labelBytes.length + seed.length);
  full.set(labelBytes);
  full.set(seed, labelBytes.length);
  return pSha256(secret, full, length);
}

/** The write keys and implicit nonces of both directions (RFC 5246 §6.3, AEAD suites: no MAC keys). */
export interface TlsKeyBlock {
  readonly clientWriteKey: Uint8Array;
  readonly serverWriteKey: Uint8Array;
  /** Implicit part of the nonce ("salt", RFC 5288 §3, RFC 6655 §3). */
  readonly clientWriteIv: Uint8Array;
  readonly serverWriteIv: Uint8Array;
}

/**
 * Key expansion of RFC 5246 §6.3 for an AEAD suite (mac_key_length 0):
 * key_block = PRF(master_secret, "key expansion", server_random + client_random), cut into
 * client_write_key, server_write_key, client_write_IV, server_write_IV. The result is secret.
 */
export function tls12KeyBlock(
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  keyLength: number,
  fixedIvLength: number,
): TlsKeyBlock {
  const seed = new Uint8Array(serverRandom.length + clientRandom.length);
  seed.set(serverRandom);
  seed.set(clientRandom, serverRandom.length);
  const block = tls12Prf(masterSecret, 'key expansion', seed, 2 * keyLength + 2 * fixedIvLength);
  let at = 0;
  const take = (n: number): Uint8Array => {
    const v = block.slice(at, at + n);
    at += n;
    return v;
  };
  return {
    clientWriteKey: take(keyLength),
    serverWriteKey: take(keyLength),
    clientWriteIv: take(fixedIvLength),
    serverWriteIv: take(fixedIvLength),
  };
}
