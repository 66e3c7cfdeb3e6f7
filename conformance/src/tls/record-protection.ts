import { createDecipheriv } from 'node:crypto';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { TlsCipherSuite } from './cipher-suite.js';

/** What decrypting one record gives: the plaintext, or why it failed (never a throw). */
export type TlsDecryptResult =
  | { readonly ok: true; readonly plaintext: Uint8Array; readonly seq: bigint }
  | { readonly ok: false; readonly error: MeterkitError; readonly seq: bigint };

/**
 * Record protection of one direction of a TLS 1.2 connection with an AEAD suite (RFC 5246
 * §6.2.3.3): the fragment is explicit nonce (8) ‖ ciphertext ‖ tag; nonce = salt (the 4-byte
 * implicit client/server_write_IV) ‖ explicit nonce (RFC 5288 §3, RFC 6655 §3); additional data =
 * seq_num (uint64) ‖ type ‖ version ‖ plaintext length. AES-CCM with 8- or 16-byte tags
 * (`aes-128-ccm`, RFC 6655 / RFC 7251) and AES-GCM (RFC 5288) via node:crypto. The sequence number
 * starts at 0 after ChangeCipherSpec and counts every record, failed ones too. The key is held
 * privately and never shown.
 */
export class TlsRecordDecrypter {
  readonly suite: TlsCipherSuite;
  readonly #key: Uint8Array;
  readonly #nonce: Uint8Array;
  readonly #aad = new Uint8Array(13);
  #seq = 0n;

  constructor(suite: TlsCipherSuite, key: Uint8Array, salt: Uint8Array) {
    if (key.length !== suite.keyLength || salt.length !== suite.fixedIvLength) {
      throw new MeterkitError(ErrorCode.KeyInvalid, `key material does not fit ${suite.name}`);
    }
    this.suite = suite;
    this.#key = key;
    this.#nonce = new Uint8Array(suite.fixedIvLength + suite.explicitNonceLength);
    this.#nonce.set(salt);
  }

  /** The sequence number the next record is decrypted with. */
  get sequenceNumber(): bigint {
    return this.#seq;
  }

  /** Decrypts and authenticates one record's fragment; `offset` (stream offset of the fragment) is for errors. */
  decrypt(type: number, version: number, fragment: Uint8Array, offset = 0): TlsDecryptResult {
    const seq = this.#seq++;
    const { explicitNonceLength, tagLength } = this.suite;
    const plaintextLength = fragment.length - explicitNonceLength - tagLength;
    if (plaintextLength < 0) {
      return {
        ok: false,
        seq,
        error: new MeterkitError(
          ErrorCode.Truncated,
          `TLS record of ${fragment.length} bytes is shorter than nonce and tag (${explicitNonceLength + tagLength})`,
          { offset, path: 'tls.record.fragment' },
        ),
      };
    }
    this.#nonce.set(fragment.subarray(0, explicitNonceLength), this.suite.fixedIvLength);
    const aad = this.#aad;
    new DataView(aad.buffer).setBigUint64(0, seq);
    aad[8] = type;
    aad[9] = version >> 8;
    aad[10] = version & 0xff;
    aad[11] = plaintextLength >> 8;
    aad[12] = plaintextLength & 0xff;
    const ciphertext = fragment.subarray(explicitNonceLength, explicitNonceLength + plaintextLength);
    const tag = fragment.subarray(explicitNonceLength + plaintextLength);
    try {
      let plaintext: Uint8Array;
      if (this.suite.cipher === 'aes-128-gcm') {
        const d = createDecipheriv('aes-128-gcm', this.#key, this.#nonce, { authTagLength: tagLength });
        d.setAuthTag(tag);
        d.setAAD(aad);
        plaintext = Buffer.concat([d.update(ciphertext), d.final()]);
      } else {
        const d = createDecipheriv(this.suite.cipher, this.#key, this.#nonce, { authTagLength: tagLength });
        d.setAuthTag(tag);
        d.setAAD(aad, { plaintextLength });
        plaintext = Buffer.concat([d.update(ciphertext), d.final()]);
      }
      return {
        ok: true,
        seq,
        plaintext: new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length),
      };
    } catch {
      return {
        ok: false,
        seq,
        error: new MeterkitError(
          ErrorCode.AuthenticationFailed,
          `TLS record ${seq} (${this.suite.name}) does not authenticate: wrong key or altered record`,
          { offset, path: 'tls.record.tag' },
        ),
      };
    }
  }

  toString(): string {
    return `TlsRecordDecrypter(${this.suite.name}, key redacted)`;
  }
}
