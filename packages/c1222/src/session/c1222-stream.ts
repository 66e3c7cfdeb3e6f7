/**
 * C12.22 over a byte stream (IEEE 1703-2012 Annex on the TCP/IP transport, port 1153): the ACSE
 * APDUs follow each other with nothing in between, each delimited by its own BER length
 * (`60 <length> <contents>`). This deframer cuts a stream into APDUs. A stream that does not
 * start an APDU with `60`, or announces one longer than `maxApduLength`, cannot be resynchronised:
 * the deframer reports `StreamFramingError` (445) and the connection should be closed.
 */
import { MeterkitError } from '@meterkit/core';
import { C1222_ACSE_TAG } from '../acse/apdu.js';
import { appendToReceiveBuffer } from '../c1218/receive-buffer.js';
import { C1222SessionErrorCode } from './errors.js';

/** Options of `C1222StreamDeframer`. */
export interface C1222StreamDeframerOptions {
  /** Largest APDU accepted, tag and length included (default 65535). */
  readonly maxApduLength?: number;
}

/** Splits a C12.22 byte stream into ACSE APDUs. */
export class C1222StreamDeframer {
  private buf = new Uint8Array(512);
  private len = 0;
  private readonly maxApdu: number;
  private failed: MeterkitError | undefined;
  private consumed = 0;

  constructor(options: C1222StreamDeframerOptions = {}) {
    this.maxApdu = options.maxApduLength ?? 0xffff;
  }

  /** Bytes held for an incomplete APDU. */
  get pending(): number {
    return this.len;
  }

  /**
   * Feeds stream bytes and returns the APDUs they completed (each a fresh copy). Throws
   * `StreamFramingError` (445) once the stream is out of step, and on every call after that.
   */
  push(bytes: Uint8Array): Uint8Array[] {
    if (this.failed !== undefined) throw this.failed;
    this.append(bytes);
    const out: Uint8Array[] = [];
    let p = 0;
    while (p < this.len) {
      const total = this.apduLength(p);
      if (total === undefined || this.len - p < total) break;
      out.push(this.buf.slice(p, p + total));
      p += total;
      this.consumed += total;
    }
    this.buf.copyWithin(0, p, this.len);
    this.len -= p;
    return out;
  }

  /** Total length of the APDU starting at `p`, or undefined when its header is incomplete. */
  private apduLength(p: number): number | undefined {
    const b = this.buf;
    if (b[p] !== C1222_ACSE_TAG) this.fail(`expected 60 (ACSE APDU), got ${b[p]!.toString(16)}`, 0);
    if (this.len - p < 2) return undefined;
    const first = b[p + 1]!;
    let length: number;
    let header: number;
    if (first < 0x80) {
      length = first;
      header = 2;
    } else {
      const n = first & 0x7f;
      if (n === 0 || n > 4) this.fail(`BER length form 0x${first.toString(16)} not allowed`, 1);
      if (this.len - p < 2 + n) return undefined;
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + b[p + 2 + i]!;
      header = 2 + n;
    }
    const total = header + length;
    if (total > this.maxApdu) this.fail(`APDU of ${total} bytes exceeds ${this.maxApdu}`, 1);
    return total;
  }

  /** `rel` is relative to the start of the APDU being cut (stream offset `consumed`). */
  private fail(message: string, rel: number): never {
    this.failed = new MeterkitError(C1222SessionErrorCode.StreamFramingError, message, {
      offset: this.consumed + rel,
      path: 'c1222.stream',
    });
    throw this.failed;
  }

  private append(bytes: Uint8Array): void {
    this.buf = appendToReceiveBuffer(this.buf, this.len, bytes);
    this.len += bytes.length;
  }
}
