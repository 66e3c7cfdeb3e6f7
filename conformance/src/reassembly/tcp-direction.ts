import { bytesEqual, concatBytes } from '@meterkit/core';
import type { SessionGap } from '../session/record.js';

/** TCP control bits used by reassembly (RFC 9293 §3.1). */
export const TcpControl = { FIN: 0x01, SYN: 0x02, RST: 0x04, ACK: 0x10 } as const;

/** Default cap on out-of-order bytes held per direction before a hole is declared a gap: 1 MiB. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Default cap on out-of-order segments held per direction. */
export const DEFAULT_MAX_BUFFERED_SEGMENTS = 4096;

/** Buffering limits of TCP reassembly. */
export interface TcpBufferLimits {
  /** Out-of-order bytes held per direction; beyond it the oldest hole becomes a gap. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** Out-of-order segments held per direction. Default 4096. */
  readonly maxBufferedSegments?: number;
}

/** One TCP segment as reassembly needs it. */
export interface TcpSegmentInput {
  readonly seq: number;
  /** Control bits (see `TcpControl`). */
  readonly flags: number;
  readonly payload: Uint8Array;
  /** 1-based capture frame number. */
  readonly frame: number;
  readonly timestamp: bigint | undefined;
}

/** What a direction's reassembly delivers, in stream order. */
export type TcpStreamEvent =
  | {
      readonly type: 'data';
      readonly bytes: Uint8Array;
      /** Frame that made these bytes contiguous. */
      readonly frame: number;
      readonly timestamp: bigint | undefined;
      /** Offset of `bytes[0]` in the direction's byte stream (gaps counted). */
      readonly streamOffset: number;
    }
  | {
      readonly type: 'gap';
      readonly gap: SessionGap;
      readonly frame: number;
      readonly timestamp: bigint | undefined;
      readonly streamOffset: number;
    };

/** Counters of one direction's reassembly, for the capture's diagnostics. */
export interface TcpDirectionStats {
  /** Segments whose data had all been delivered already (exact retransmissions). */
  retransmissions: number;
  /** Bytes received more than once (retransmitted or overlapping). */
  duplicateBytes: number;
  /** Overlapping bytes that differed from the first copy (the first copy wins, RFC 9293 §3.10.7.4 leaves it open). */
  conflictingBytes: number;
  /** Segments that arrived ahead of a hole. */
  outOfOrderSegments: number;
  /** Bytes reported missing. */
  gapBytes: number;
}

interface Pending {
  off: number;
  bytes: Uint8Array;
  frame: number;
  timestamp: bigint | undefined;
}

const TWO_32 = 0x1_0000_0000;

/**
 * Reassembles one direction of a TCP connection (RFC 9293 §3.4 sequence numbers, §3.10.7.4
 * segment text processing): orders segments by sequence number modulo 2^32, drops retransmitted
 * bytes (first copy wins on overlaps, differences counted), buffers segments that arrive ahead of a
 * hole up to a cap, and reports missing bytes as gaps with their exact size. SYN and FIN each take
 * one sequence number; a capture that starts mid-stream begins at its first segment.
 */
export class TcpDirectionReassembler {
  readonly stats: TcpDirectionStats = {
    retransmissions: 0,
    duplicateBytes: 0,
    conflictingBytes: 0,
    outOfOrderSegments: 0,
    gapBytes: 0,
  };
  private readonly maxBytes: number;
  private readonly maxSegments: number;
  private base = 0;
  private started = false;
  /** Stream bytes delivered or declared missing. */
  private delivered = 0;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private finAt: number | undefined;
  private isClosed = false;

  constructor(limits: TcpBufferLimits = {}) {
    this.maxBytes = limits.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.maxSegments = limits.maxBufferedSegments ?? DEFAULT_MAX_BUFFERED_SEGMENTS;
  }

  /** True once the FIN's sequence number was reached or an RST was seen. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Whether the stream's initial sequence number (SYN or first segment) is known. */
  get synchronized(): boolean {
    return this.started;
  }

  /** Out-of-order bytes currently held. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Offset of the next byte expected in the direction's byte stream. */
  get streamOffset(): number {
    return this.delivered;
  }

  /** Feeds one segment; returns the data and gaps it makes deliverable, in stream order. */
  push(segment: TcpSegmentInput): TcpStreamEvent[] {
    const out: TcpStreamEvent[] = [];
    const syn = (segment.flags & TcpControl.SYN) !== 0;
    const dataSeq = syn ? (segment.seq + 1) >>> 0 : segment.seq >>> 0;
    if (!this.started) {
      this.base = dataSeq;
      this.started = true;
    }
    const next = (this.base + (this.delivered % TWO_32)) >>> 0;
    const off = this.delivered + ((dataSeq - next) | 0);
    const len = segment.payload.length;
    if ((segment.flags & TcpControl.FIN) !== 0 && this.finAt === undefined) this.finAt = off + len;
    if (len > 0) this.accept(off, segment, out);
    if ((segment.flags & TcpControl.RST) !== 0) {
      this.flushInto(out, segment.frame, segment.timestamp);
      this.isClosed = true;
    } else if (this.finAt !== undefined && this.delivered >= this.finAt) {
      this.isClosed = true;
    }
    return out;
  }

  /**
   * Ends the direction (capture ended, flow evicted): every hole before held data, and before a FIN
   * that was seen, becomes a gap; held data is delivered.
   */
  flush(
    frame: number,
    timestamp: bigint | undefined,
    reason: SessionGap['reason'] = 'lost',
  ): TcpStreamEvent[] {
    const out: TcpStreamEvent[] = [];
    this.flushInto(out, frame, timestamp, reason);
    return out;
  }

  private flushInto(
    out: TcpStreamEvent[],
    frame: number,
    timestamp: bigint | undefined,
    reason: SessionGap['reason'] = 'lost',
  ): void {
    while (this.pending.length > 0) {
      this.skipTo(this.pending[0]!.off, out, frame, timestamp, reason);
      this.drain(out, frame, timestamp);
    }
    if (this.finAt !== undefined && this.finAt > this.delivered) {
      this.skipTo(this.finAt, out, frame, timestamp, reason);
    }
    if (this.finAt !== undefined) this.isClosed = true;
  }

  private accept(off: number, segment: TcpSegmentInput, out: TcpStreamEvent[]): void {
    let bytes = segment.payload;
    const end = off + bytes.length;
    if (end <= this.delivered) {
      this.stats.retransmissions++;
      this.stats.duplicateBytes += bytes.length;
      return;
    }
    if (off < this.delivered) {
      const cut = this.delivered - off;
      this.stats.duplicateBytes += cut;
      bytes = bytes.subarray(cut);
      off = this.delivered;
    }
    if (off === this.delivered && this.pending.length === 0) {
      this.emitData(out, bytes, segment.frame, segment.timestamp);
      return;
    }
    if (off > this.delivered) this.stats.outOfOrderSegments++;
    this.insert(off, bytes, segment);
    this.drain(out, segment.frame, segment.timestamp);
    while (
      this.pending.length > 0 &&
      (this.pendingBytes > this.maxBytes || this.pending.length > this.maxSegments)
    ) {
      this.skipTo(this.pending[0]!.off, out, segment.frame, segment.timestamp, 'buffer-cap');
      this.drain(out, segment.frame, segment.timestamp);
    }
  }

  /** Adds the parts of [off, off+bytes) no held segment covers (first copy wins). */
  private insert(off: number, bytes: Uint8Array, segment: TcpSegmentInput): void {
    const end = off + bytes.length;
    let cursor = off;
    let i = this.lowerBound(off);
    if (i > 0 && this.endOf(this.pending[i - 1]!) > off) i--;
    const pieces: Pending[] = [];
    for (; i < this.pending.length && cursor < end; i++) {
      const p = this.pending[i]!;
      const pEnd = this.endOf(p);
      if (pEnd <= cursor) continue;
      if (p.off >= end) break;
      if (p.off > cursor) pieces.push(this.piece(off, cursor, p.off, bytes, segment));
      const overlapStart = Math.max(cursor, p.off);
      const overlapEnd = Math.min(end, pEnd);
      this.countOverlap(
        bytes.subarray(overlapStart - off, overlapEnd - off),
        p.bytes.subarray(overlapStart - p.off, overlapEnd - p.off),
      );
      cursor = Math.max(cursor, pEnd);
    }
    if (cursor < end) pieces.push(this.piece(off, cursor, end, bytes, segment));
    for (const piece of pieces) {
      this.pending.splice(this.lowerBound(piece.off), 0, piece);
      this.pendingBytes += piece.bytes.length;
    }
  }

  private piece(off: number, from: number, to: number, bytes: Uint8Array, segment: TcpSegmentInput): Pending {
    return {
      off: from,
      bytes: bytes.slice(from - off, to - off),
      frame: segment.frame,
      timestamp: segment.timestamp,
    };
  }

  private countOverlap(fresh: Uint8Array, held: Uint8Array): void {
    this.stats.duplicateBytes += fresh.length;
    if (bytesEqual(fresh, held)) return;
    for (let k = 0; k < fresh.length; k++) if (fresh[k] !== held[k]) this.stats.conflictingBytes++;
  }

  private endOf(p: Pending): number {
    return p.off + p.bytes.length;
  }

  private lowerBound(off: number): number {
    let lo = 0;
    let hi = this.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pending[mid]!.off < off) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Delivers held segments that are now contiguous, as one data event. */
  private drain(out: TcpStreamEvent[], frame: number, timestamp: bigint | undefined): void {
    const parts: Uint8Array[] = [];
    let at = this.delivered;
    while (this.pending.length > 0 && this.pending[0]!.off <= at) {
      const p = this.pending.shift()!;
      this.pendingBytes -= p.bytes.length;
      const end = this.endOf(p);
      if (end <= at) continue;
      parts.push(p.off < at ? p.bytes.subarray(at - p.off) : p.bytes);
      at = end;
    }
    if (parts.length === 0) return;
    this.emitData(out, parts.length === 1 ? parts[0]! : concatBytes(...parts), frame, timestamp);
  }

  private emitData(
    out: TcpStreamEvent[],
    bytes: Uint8Array,
    frame: number,
    timestamp: bigint | undefined,
  ): void {
    out.push({ type: 'data', bytes, frame, timestamp, streamOffset: this.delivered });
    this.delivered += bytes.length;
  }

  private skipTo(
    target: number,
    out: TcpStreamEvent[],
    frame: number,
    timestamp: bigint | undefined,
    reason: SessionGap['reason'],
  ): void {
    const missing = target - this.delivered;
    if (missing <= 0) return;
    out.push({ type: 'gap', gap: { missing, reason }, frame, timestamp, streamOffset: this.delivered });
    this.stats.gapBytes += missing;
    this.delivered = target;
  }
}
