/**
 * Low level security (LLS, authentication-mechanism 1, IEC 62056-5-3 §9.2.2.2): the password sent
 * in the AARQ calling-authentication-value. The password is secret: it never appears in errors,
 * logs, JSON or `util.inspect` output.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { DlmsSecurityErrorCode } from './errors.js';

/** An LLS password; prints as `[redacted]`. */
export class LlsPassword {
  readonly #bytes: Uint8Array;

  /** From the password's octets (copied). */
  constructor(bytes: Uint8Array) {
    if (bytes.length === 0 || bytes.length > 255) {
      throw new MeterkitError(
        ErrorCode.KeyInvalid,
        `LLS password must be 1..255 octets, not ${bytes.length}`,
      );
    }
    this.#bytes = Uint8Array.from(bytes);
  }

  /** From text (each character's octet as the meter expects: UTF-8 of the string). */
  static fromText(text: string): LlsPassword {
    return new LlsPassword(new TextEncoder().encode(text));
  }

  /** A copy of the octets, to place in the AARQ (IEC 62056-5-3 §9.4.2.2.3). */
  bytes(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }

  /** Number of octets. */
  get length(): number {
    return this.#bytes.length;
  }

  /**
   * Constant-time comparison with a received password: both are hashed first so neither the
   * content nor the length of the difference leaks through timing.
   */
  matches(received: Uint8Array): boolean {
    const a = createHash('sha256').update(this.#bytes).digest();
    const b = createHash('sha256').update(received).digest();
    return timingSafeEqual(a, b);
  }

  /** Throws `LlsAuthenticationFailed` (328) unless `received` matches. */
  verify(received: Uint8Array): void {
    if (!this.matches(received)) {
      throw new MeterkitError(DlmsSecurityErrorCode.LlsAuthenticationFailed, 'LLS password does not match');
    }
  }

  /** Always `[redacted]`. */
  toJSON(): string {
    return '[redacted]';
  }

  /** Always `LlsPassword([redacted])`. */
  toString(): string {
    return 'LlsPassword([redacted])';
  }

  /** `util.inspect` shows the redacted form. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
