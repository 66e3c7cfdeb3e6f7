import { ErrorCode, MeterkitError } from '@meterkit/core';

/** TLS ContentType values (RFC 5246 §6.2.1, RFC 6520 for heartbeat). */
export const TlsContentType = {
  CHANGE_CIPHER_SPEC: 20,
  ALERT: 21,
  HANDSHAKE: 22,
  APPLICATION_DATA: 23,
  HEARTBEAT: 24,
} as const;

/** TLSPlaintext/TLSCiphertext header length: type, version, length (RFC 5246 §6.2.1). */
export const TLS_RECORD_HEADER_LENGTH = 5;

/** Longest TLSCiphertext fragment: 2^14 + 2048 (RFC 5246 §6.2.3). */
export const MAX_TLS_CIPHERTEXT_LENGTH = 16384 + 2048;

/** One TLS record (RFC 5246 §6.2.1) as read from a direction of the stream (the fragment is a view, valid during the callback). */
export interface TlsRecordView {
  /** ContentType. */
  readonly type: number;
  /** ProtocolVersion as a 16-bit value (0x0303 for TLS 1.2). */
  readonly version: number;
  readonly fragment: Uint8Array;
  /** Offset of the record header in this direction's byte stream. */
  readonly offset: number;
}

/**
 * Cuts one direction of a TLS connection's byte stream into records (RFC 5246 §6.2): a 5-byte
 * header (ContentType 20–24, major version 3, length at most 2^14 + 2048) and the fragment.
 * Push stream bytes in; each whole record goes to the callback as a view; only an incomplete
 * record is kept (copied). A bad header throws `ValueInvalid` or `FrameTooLong` at its stream
 * offset, after which the reader stays failed (record boundaries are lost).
 */
export class TlsRecordReader {
  #pending: Uint8Array = new Uint8Array(0);
  /** Stream offset of `#pending[0]`. */
  #base = 0;
  #failed: MeterkitError | undefined;

  /** Stream bytes read so far. */
  get position(): number {
    return this.#base + this.#pending.length;
  }

  /** Bytes of an incomplete record held back. */
  get buffered(): number {
    return this.#pending.length;
  }

  /** True once a bad header was met. */
  get failed(): boolean {
    return this.#failed !== undefined;
  }

  /** Feeds stream bytes; calls `each` for every record they complete. */
  push(bytes: Uint8Array, each: (record: TlsRecordView) => void): void {
    if (this.#failed !== undefined) throw this.#failed;
    let buf = bytes;
    if (this.#pending.length > 0) {
      buf = new Uint8Array(this.#pending.length + bytes.length);
      buf.set(this.#pending);
      buf.set(bytes, this.#pending.length);
    }
    let at = 0;
    const base = this.#base;
    try {
      while (buf.length - at >= TLS_RECORD_HEADER_LENGTH) {
        const type = buf[at]!;
        const version = (buf[at + 1]! << 8) | buf[at + 2]!;
        const length = (buf[at + 3]! << 8) | buf[at + 4]!;
        if (
          type < TlsContentType.CHANGE_CIPHER_SPEC ||
          type > TlsContentType.HEARTBEAT ||
          buf[at + 1] !== 3
        ) {
          throw new MeterkitError(
            ErrorCode.ValueInvalid,
            `not a TLS record header (type ${type}, version 0x${version.toString(16).padStart(4, '0')})`,
            { offset: base + at, path: 'tls.record' },
          );
        }
        if (length > MAX_TLS_CIPHERTEXT_LENGTH) {
          throw new MeterkitError(
            ErrorCode.FrameTooLong,
            `TLS record of ${length} bytes exceeds ${MAX_TLS_CIPHERTEXT_LENGTH}`,
            { offset: base + at + 3, path: 'tls.record.length' },
          );
        }
        if (buf.length - at - TLS_RECORD_HEADER_LENGTH < length) break;
        const start = at + TLS_RECORD_HEADER_LENGTH;
        at = start + length;
        each({
          type,
          version,
          fragment: buf.subarray(start, at),
          offset: base + start - TLS_RECORD_HEADER_LENGTH,
        });
      }
    } catch (e) {
      if (e instanceof MeterkitError) this.#failed = e;
      this.#base = base + buf.length;
      this.#pending = new Uint8Array(0);
      throw e;
    }
    this.#base = base + at;
    this.#pending = buf.slice(at);
  }

  /** Bytes are missing from the stream: record boundaries are lost, the reader fails. */
  gap(missing: number): void {
    this.#failed ??= new MeterkitError(
      ErrorCode.Truncated,
      `${missing} byte(s) missing from the TLS stream`,
      {
        offset: this.position,
        path: 'tls.record',
      },
    );
    this.#base += this.#pending.length + missing;
    this.#pending = new Uint8Array(0);
  }
}
