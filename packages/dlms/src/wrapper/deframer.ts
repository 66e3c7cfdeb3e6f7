import { ErrorCode, MeterkitError } from '@meterkit/core';
import { readWrapperPdu, WRAPPER_HEADER_LENGTH, type WrapperPdu } from './wrapper.js';

/** Why the wrapper deframer dropped bytes. */
export type WrapperDiscardReason =
  /** Bytes that do not start with the version 0x0001. */
  | 'garbage'
  /** A header whose length exceeds `maxPayloadLength` (a lying length); its two version octets are dropped. */
  | 'length-invalid'
  /** Bytes left by `flush()` that do not make a whole PDU. */
  | 'incomplete';

/** One output of `WrapperDeframer.push()`. */
export type WrapperDeframerItem =
  | { readonly type: 'pdu'; readonly pdu: WrapperPdu; readonly offset: number }
  | {
      readonly type: 'discarded';
      readonly bytes: Uint8Array;
      readonly reason: WrapperDiscardReason;
      readonly offset: number;
      readonly code?: number | undefined;
    };

/** Options of `WrapperDeframer`. */
export interface WrapperDeframerOptions {
  /**
   * Largest APDU length accepted (default 65535, the 16-bit maximum); set it to the negotiated
   * max-receive-pdu-size to reject lying lengths early. At most 8 + this many octets are buffered.
   */
  readonly maxPayloadLength?: number;
}

const EMPTY: Uint8Array = new Uint8Array(0);
/** The shared answer of a push that completes nothing. */
const NONE: readonly WrapperDeframerItem[] = Object.freeze([]);

/**
 * Streaming deframer for the wrapper over TCP (IEC 62056-47 §5.2, sans-IO): push received chunks,
 * get whole wrapper PDUs. TCP has no resynchronisation marker, so garbage (anything not starting
 * with version 00 01) is dropped up to the next 00 01, and a length above `maxPayloadLength`
 * drops the two version octets and searches again. Never throws on input.
 *
 * PDUs are views into the pushed chunks or the deframer's own buffer.
 */
export class WrapperDeframer {
  private readonly maxPayloadLength: number;
  /** Pending octets of an incomplete PDU: `pendingBuf[0..pendingLen)`; a buffer handed out as a PDU view is never reused. */
  private pendingBuf: Uint8Array = EMPTY;
  private pendingLen = 0;
  private pendingOffset = 0;

  constructor(options: WrapperDeframerOptions = {}) {
    const max = options.maxPayloadLength ?? 0xffff;
    if (!Number.isInteger(max) || max < 0 || max > 0xffff) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `maxPayloadLength ${max} outside 0..65535`);
    }
    this.maxPayloadLength = max;
  }

  /** Octets buffered, waiting for the rest of a PDU. */
  get buffered(): number {
    return this.pendingLen;
  }

  /**
   * Feeds received bytes; returns completed PDUs and discarded spans in stream order. A PDU split
   * over reads is assembled by copying each of its octets once; PDUs inside a chunk are views.
   */
  push(chunk: Uint8Array): readonly WrapperDeframerItem[] {
    if (chunk.length === 0) return NONE;
    if (this.pendingLen === 0) {
      const items: WrapperDeframerItem[] = [];
      this.consume(chunk, items, false, this.pendingOffset);
      return items;
    }
    let used = 0;
    if (this.pendingLen < WRAPPER_HEADER_LENGTH) {
      used = Math.min(WRAPPER_HEADER_LENGTH - this.pendingLen, chunk.length);
      this.append(chunk, 0, used, WRAPPER_HEADER_LENGTH);
    }
    const p = this.pendingBuf;
    if (this.pendingLen >= 2 && (p[0] !== 0x00 || p[1] !== 0x01)) return this.rescan(chunk, used);
    if (this.pendingLen < WRAPPER_HEADER_LENGTH) return NONE;
    const length = (p[6]! << 8) | p[7]!;
    if (length > this.maxPayloadLength) return this.rescan(chunk, used);
    const total = WRAPPER_HEADER_LENGTH + length;
    const k = Math.min(total - this.pendingLen, chunk.length - used);
    this.append(chunk, used, used + k, total);
    used += k;
    if (this.pendingLen < total) return NONE;
    const base = this.pendingOffset;
    const items: WrapperDeframerItem[] = [
      { type: 'pdu', pdu: readWrapperPdu(this.pendingBuf, 0), offset: base },
    ];
    this.pendingBuf = EMPTY;
    this.pendingLen = 0;
    this.pendingOffset = base + total;
    if (used < chunk.length) this.consume(chunk.subarray(used), items, false, this.pendingOffset);
    return items;
  }

  /** Ends the stream (connection closed): whatever is buffered is discarded as `incomplete`. */
  flush(): readonly WrapperDeframerItem[] {
    if (this.pendingLen === 0) return NONE;
    const items: WrapperDeframerItem[] = [];
    const view = this.pendingBuf.subarray(0, this.pendingLen);
    this.pendingBuf = EMPTY;
    this.pendingLen = 0;
    this.consume(view, items, true, this.pendingOffset);
    return items;
  }

  /** Drops buffered bytes without reporting them. */
  reset(): void {
    this.pendingOffset += this.pendingLen;
    this.pendingBuf = EMPTY;
    this.pendingLen = 0;
  }

  /** Rescans the pending octets and the unused rest of `chunk` together (after a bad header). */
  private rescan(chunk: Uint8Array, used: number): WrapperDeframerItem[] {
    const items: WrapperDeframerItem[] = [];
    const rest = chunk.subarray(used);
    const buf = new Uint8Array(this.pendingLen + rest.length);
    buf.set(this.pendingBuf.subarray(0, this.pendingLen), 0);
    buf.set(rest, this.pendingLen);
    this.pendingBuf = EMPTY;
    this.pendingLen = 0;
    this.consume(buf, items, false, this.pendingOffset);
    return items;
  }

  /** Appends `chunk[from..to)` to the pending octets, with room for `capacity` octets in all. */
  private append(chunk: Uint8Array, from: number, to: number, capacity: number): void {
    const need = this.pendingLen + (to - from);
    if (need > this.pendingBuf.length) {
      const next = new Uint8Array(Math.max(need, capacity));
      next.set(this.pendingBuf.subarray(0, this.pendingLen), 0);
      this.pendingBuf = next;
    }
    this.pendingBuf.set(chunk.subarray(from, to), this.pendingLen);
    this.pendingLen = need;
  }

  private consume(buf: Uint8Array, items: WrapperDeframerItem[], final: boolean, base: number): void {
    const n = buf.length;
    let pos = 0;
    while (pos < n) {
      if (buf[pos] !== 0x00 || (pos + 1 < n && buf[pos + 1] !== 0x01)) {
        const next = findVersion(buf, pos + 1);
        items.push({
          type: 'discarded',
          bytes: buf.subarray(pos, next),
          reason: 'garbage',
          offset: base + pos,
        });
        pos = next;
        continue;
      }
      if (pos + WRAPPER_HEADER_LENGTH > n) {
        if (final) {
          items.push({
            type: 'discarded',
            bytes: buf.subarray(pos, n),
            reason: 'incomplete',
            offset: base + pos,
            code: ErrorCode.FrameTooShort,
          });
          pos = n;
        }
        break;
      }
      const length = (buf[pos + 6]! << 8) | buf[pos + 7]!;
      if (length > this.maxPayloadLength) {
        items.push({
          type: 'discarded',
          bytes: buf.subarray(pos, pos + 2),
          reason: 'length-invalid',
          offset: base + pos,
          code: ErrorCode.FrameTooLong,
        });
        pos += 2;
        continue;
      }
      const end = pos + WRAPPER_HEADER_LENGTH + length;
      if (end > n) {
        if (final) {
          items.push({
            type: 'discarded',
            bytes: buf.subarray(pos, n),
            reason: 'incomplete',
            offset: base + pos,
            code: ErrorCode.FrameLengthMismatch,
          });
          pos = n;
        }
        break;
      }
      items.push({ type: 'pdu', pdu: readWrapperPdu(buf, pos), offset: base + pos });
      pos = end;
    }
    this.pendingOffset = base + pos;
    this.pendingBuf = EMPTY;
    this.pendingLen = 0;
    if (pos < n) this.append(buf, pos, n, n - pos);
  }
}

/** Index of the next 00 01 at or after `from` (a lone 00 at the very end counts: it may start one). */
function findVersion(buf: Uint8Array, from: number): number {
  let i = buf.indexOf(0x00, from);
  while (i >= 0) {
    if (i + 1 >= buf.length || buf[i + 1] === 0x01) return i;
    i = buf.indexOf(0x00, i + 1);
  }
  return buf.length;
}
