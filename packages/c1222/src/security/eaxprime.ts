/**
 * EAX' (EAX prime) authenticated encryption as used by ANSI C12.22 / IEEE 1703-2012 Annex
 * "EAX' cipher mode" (Moise, Beroset, Phinney, Burns, NIST submission, May 2011).
 *
 * - L = AES_K(0^128), D = dbl'(L), Q = dbl'(D), where dbl' is the C12.22 byte-order doubling
 *   (`dblPrime`), *not* the SP 800-38B doubling.
 * - CMAC'_T(X): CBC-MAC starting from the chaining value T; a complete last block is XORed with
 *   D, an incomplete (or empty) one is padded with 0x80 00… and XORed with Q.
 * - N' = CMAC'_D(N), N being the canonified cleartext of the APDU.
 * - Mode 2 (cipher + authentication): counter = N' with bytes 12 and 14 ANDed with 0x7F,
 *   C = AES-CTR(P), C' = CMAC'_Q(C), tag = last 4 bytes of N' XOR C' (of N' alone when P is empty).
 * - Mode 1 (cleartext + authentication): tag = last 4 bytes of CMAC'_D(N ‖ P).
 *
 * The empty-message case of mode 2 is the one Minematsu, Lucks, Morita and Iwata (2012) attacked:
 * the tag then depends on the cleartext only. `EAXPRIME_EMPTY_MESSAGE_WEAKNESS` names it so that
 * callers and the conformance harness can flag it.
 */
import { type Cipher, createCipheriv } from 'node:crypto';
import { aesEncryptBlock, ErrorCode, MeterkitError, timingSafeEqualBytes } from '@meterkit/core';

/** Length of the C12.22 EAX' MAC in bytes (IEEE 1703 §5.3.4.11 `<mac>`). */
export const EAXPRIME_MAC_LENGTH = 4;

/**
 * Name of the known weakness of EAX' with an empty message (Minematsu et al., 2012): in mode 2 the
 * tag then covers the cleartext alone. Reported in decode results and by the conformance harness.
 */
export const EAXPRIME_EMPTY_MESSAGE_WEAKNESS = 'eaxprime-empty-message';

const ZERO_BLOCK = new Uint8Array(16);
const ctrScratch = new Uint8Array(16);

/**
 * The C12.22 EAX' doubling dbl' (IEEE 1703 Annex, EAX' §"CMAC'"): every byte is shifted left by
 * one bit, the top bit of byte i is carried into byte i+1, and when the top bit of byte 15 falls
 * out, 0x87 is XORed into byte 0. This is the byte order the published EAX' vectors require.
 */
export function dblPrime(block: Uint8Array): Uint8Array {
  if (block.length !== 16)
    throw new MeterkitError(ErrorCode.InvalidArgument, `dbl' needs a 16-byte block, not ${block.length}`);
  const out = new Uint8Array(16);
  let carry = 0;
  for (let i = 0; i < 16; i++) {
    const b = block[i]!;
    out[i] = ((b << 1) | carry) & 0xff;
    carry = b >>> 7;
  }
  if (carry) out[0]! ^= 0x87;
  return out;
}

/** The EAX' key-derived blocks L = AES_K(0), D = dbl'(L), Q = dbl'(D) (EAX' §"Key schedule"). */
export interface EaxPrimeSubkeys {
  readonly l: Uint8Array;
  readonly d: Uint8Array;
  readonly q: Uint8Array;
}

/** Derives L, D and Q for `key` (AES-128 in C12.22). */
export function eaxPrimeSubkeys(key: Uint8Array): EaxPrimeSubkeys {
  if (key.length !== 16)
    throw new MeterkitError(ErrorCode.KeyInvalid, `C12.22 EAX' key must be 16 bytes, not ${key.length}`);
  const l = aesEncryptBlock(key, ZERO_BLOCK);
  const d = dblPrime(l);
  return { l, d, q: dblPrime(d) };
}

/** Ciphertext and tag produced by EAX' mode 2. */
export interface EaxPrimeSealed {
  readonly ciphertext: Uint8Array;
  readonly mac: Uint8Array;
}

/** Padding scratch shared by every context (grown on demand; contents never outlive a call). */
let macScratch = new Uint8Array(256);

function scratchFor(n: number): Uint8Array {
  if (macScratch.length < n) macScratch = new Uint8Array(Math.max(n, 2 * macScratch.length));
  return macScratch;
}

/**
 * Turns the first `n` bytes of `buf` into CMAC' input blocks in place: padded with 0x80 00… when
 * the message is empty or ends in an incomplete block, and the last block XORed with `complete`
 * (D) or `incomplete` (Q). `buf` must have room for the padding. Returns the padded length.
 */
function maskInPlace(buf: Uint8Array, n: number, complete: Uint8Array, incomplete: Uint8Array): number {
  const full = n > 0 && n % 16 === 0;
  const padded = full ? n : (Math.floor(n / 16) + 1) * 16;
  if (!full) {
    buf[n] = 0x80;
    buf.fill(0, n + 1, padded);
  }
  const mask = full ? complete : incomplete;
  const last = padded - 16;
  for (let i = 0; i < 16; i++) buf[last + i]! ^= mask[i]!;
  return padded;
}

/**
 * An EAX' context for one AES-128 key (IEEE 1703 Annex EAX'). Derives D and Q once. Keys never
 * appear in `toJSON()`, `toString()` or errors.
 *
 * Mode 2 runs both CMAC' computations (N' over the cleartext, C' over the ciphertext) through one
 * AES-CBC cipher: the second chain starts from the last CBC output N', so its first block is fed
 * XORed with N' ⊕ Q, which makes the CBC state exactly that of a fresh chain with IV Q. Together
 * with the AES-CTR pass that is two cipher set-ups per message instead of three.
 */
export class EaxPrime {
  readonly #key: Uint8Array;
  readonly #d: Uint8Array;
  readonly #q: Uint8Array;

  constructor(key: Uint8Array) {
    const { d, q } = eaxPrimeSubkeys(key);
    this.#key = Uint8Array.from(key);
    this.#d = d;
    this.#q = q;
  }

  /** N' = CMAC'_D(N) for the canonified cleartext N. */
  cleartextTag(cleartext: Uint8Array): Uint8Array {
    return this.#cleartextChain(cleartext).nPrime;
  }

  /** A CBC cipher with IV D that has absorbed the cleartext; returns it and N' (a fresh array). */
  #cleartextChain(cleartext: Uint8Array): { cbc: Cipher; nPrime: Uint8Array } {
    const cbc = createCipheriv('aes-128-cbc', this.#key, this.#d);
    cbc.setAutoPadding(false);
    const buf = scratchFor(cleartext.length + 16);
    buf.set(cleartext, 0);
    const len = maskInPlace(buf, cleartext.length, this.#d, this.#q);
    const out = cbc.update(buf.subarray(0, len));
    const nPrime = new Uint8Array(16);
    for (let i = 0; i < 16; i++) nPrime[i] = out[len - 16 + i]!;
    return { cbc, nPrime };
  }

  /**
   * The 4-byte mode-2 tag: last 4 bytes of N' XOR CMAC'_Q(C), the latter computed on `cbc` (whose
   * CBC state is N') by starting the chain with N' ⊕ Q.
   */
  #tag2(cbc: Cipher, nPrime: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    const mac = nPrime.slice(16 - EAXPRIME_MAC_LENGTH);
    if (ciphertext.length === 0) return mac;
    const buf = scratchFor(ciphertext.length + 16);
    buf.set(ciphertext, 0);
    const len = maskInPlace(buf, ciphertext.length, this.#d, this.#q);
    const q = this.#q;
    for (let i = 0; i < 16; i++) buf[i]! ^= q[i]! ^ nPrime[i]!;
    const out = cbc.update(buf.subarray(0, len));
    for (let i = 0; i < EAXPRIME_MAC_LENGTH; i++) mac[i]! ^= out[len - EAXPRIME_MAC_LENGTH + i]!;
    return mac;
  }

  #ctr(nPrime: Uint8Array, input: Uint8Array): Uint8Array {
    const counter = ctrScratch;
    for (let i = 0; i < 16; i++) counter[i] = nPrime[i]!;
    counter[12]! &= 0x7f;
    counter[14]! &= 0x7f;
    // node:crypto copies the IV, so the scratch counter block may be reused at once
    const c = createCipheriv('aes-128-ctr', this.#key, counter);
    const out = c.update(input);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }

  /** Mode 2: encrypts `plaintext` and returns the ciphertext and the 4-byte tag. */
  encrypt(cleartext: Uint8Array, plaintext: Uint8Array): EaxPrimeSealed {
    const { cbc, nPrime } = this.#cleartextChain(cleartext);
    const ciphertext = plaintext.length === 0 ? new Uint8Array(0) : this.#ctr(nPrime, plaintext);
    return { ciphertext, mac: this.#tag2(cbc, nPrime, ciphertext) };
  }

  /**
   * Mode 2: checks the tag in constant time and returns the plaintext. A wrong tag throws
   * `AuthenticationFailed` (300) without saying which byte differed; nothing is decrypted then.
   */
  decrypt(cleartext: Uint8Array, ciphertext: Uint8Array, mac: Uint8Array): Uint8Array {
    const { cbc, nPrime } = this.#cleartextChain(cleartext);
    if (!timingSafeEqualBytes(this.#tag2(cbc, nPrime, ciphertext), mac)) {
      throw new MeterkitError(ErrorCode.AuthenticationFailed, "EAX' tag does not verify");
    }
    return ciphertext.length === 0 ? new Uint8Array(0) : this.#ctr(nPrime, ciphertext);
  }

  /** Mode 1: the 4-byte tag over the cleartext and the (unencrypted) `plaintext`. */
  authenticate(cleartext: Uint8Array, plaintext: Uint8Array): Uint8Array {
    // CMAC'_D(N ‖ P), with N ‖ P assembled in the scratch buffer rather than a fresh array
    const n = cleartext.length + plaintext.length;
    const buf = scratchFor(n + 16);
    buf.set(cleartext, 0);
    buf.set(plaintext, cleartext.length);
    const len = maskInPlace(buf, n, this.#d, this.#q);
    const cbc = createCipheriv('aes-128-cbc', this.#key, this.#d);
    cbc.setAutoPadding(false);
    const out = cbc.update(buf.subarray(0, len));
    const mac = new Uint8Array(EAXPRIME_MAC_LENGTH);
    for (let i = 0; i < EAXPRIME_MAC_LENGTH; i++) mac[i] = out[len - EAXPRIME_MAC_LENGTH + i]!;
    return mac;
  }

  /** Mode 1: checks the tag in constant time; a wrong tag throws `AuthenticationFailed` (300). */
  verify(cleartext: Uint8Array, plaintext: Uint8Array, mac: Uint8Array): void {
    if (!timingSafeEqualBytes(this.authenticate(cleartext, plaintext), mac)) {
      throw new MeterkitError(ErrorCode.AuthenticationFailed, "EAX' tag does not verify");
    }
  }

  /** Keys never print. */
  toJSON(): string {
    return '[EaxPrime]';
  }

  /** Keys never print. */
  toString(): string {
    return '[EaxPrime]';
  }
}

/**
 * The keys of a C12.22 node by key id (IEEE 1703 §5.3.4.8.1 `<key-id-element>`, 0–255), each
 * held as a ready EAX' context. Keys never appear in its JSON or string form.
 */
export class C1222KeyStore {
  readonly #contexts = new Map<number, EaxPrime>();

  /** A store holding `keys` (key id → 16-byte key). */
  constructor(keys: Iterable<readonly [number, Uint8Array]> = []) {
    for (const [id, key] of keys) this.set(id, key);
  }

  /** Adds or replaces the key with id `keyId`. */
  set(keyId: number, key: Uint8Array): this {
    if (!Number.isInteger(keyId) || keyId < 0 || keyId > 255)
      throw new MeterkitError(ErrorCode.InvalidArgument, `key id ${keyId} outside 0..255`);
    this.#contexts.set(keyId, new EaxPrime(key));
    return this;
  }

  /** The EAX' context for `keyId`, or undefined. */
  get(keyId: number): EaxPrime | undefined {
    return this.#contexts.get(keyId);
  }

  /** True when a key with this id is held. */
  has(keyId: number): boolean {
    return this.#contexts.has(keyId);
  }

  /** The key ids held (never the keys). */
  keyIds(): number[] {
    return [...this.#contexts.keys()].sort((a, b) => a - b);
  }

  /** Keys never print. */
  toJSON(): { keyIds: number[] } {
    return { keyIds: this.keyIds() };
  }

  /** Keys never print. */
  toString(): string {
    return `[C1222KeyStore ${this.keyIds().join(',')}]`;
  }
}
