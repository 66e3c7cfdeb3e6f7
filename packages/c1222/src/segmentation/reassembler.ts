/**
 * Reassembly of C12.22 APDU segments received over a datagram transport (the receiving half of
 * the C12.22 segmenting sub-layer; segment layout in `apdu-segment.ts`). Sans-IO: the caller
 * passes each datagram with the current time and calls `expire(now)` once `deadline()` has passed.
 *
 * - Segments may arrive in any order; repeated segments are recognised and dropped.
 * - Memory is bounded: an APDU is at most `maxApduSize` bytes, at most `maxInProgress` APDUs are
 *   collected at once, each as at most `maxRanges` disjoint byte ranges.
 * - An APDU still incomplete `timeoutMs` after its first segment is dropped
 *   (`SegmentReassemblyTimeout`, 142).
 * - Segments that contradict each other (another APDU size, overlapping bytes that differ) drop
 *   the APDU (`SegmentConflict`, 141).
 */
import { bytesEqual, isMeterkitError, MeterkitError, Reader, toHex } from '@meterkit/core';
import { C1222ErrorCode } from '../errors.js';
import { type C1222ApduSegment, decodeC1222ApduSegment } from './apdu-segment.js';

/** Options of `C1222Reassembler`. */
export interface C1222ReassemblerOptions {
  /** Largest APDU accepted (default 65535). */
  readonly maxApduSize?: number;
  /** APDUs collected at the same time (default 16). */
  readonly maxInProgress?: number;
  /** Disjoint byte ranges per APDU (default 64). */
  readonly maxRanges?: number;
  /** Time allowed from the first segment to the last (default 30 000 ms). */
  readonly timeoutMs?: number;
}

/** What one datagram did. */
export type C1222ReassemblyEvent =
  /** A whole APDU: an unsegmented datagram, or the last missing segment. */
  | { readonly type: 'apdu'; readonly apdu: Uint8Array; readonly segments: number }
  /** A segment was stored; the APDU is not complete yet. */
  | { readonly type: 'pending'; readonly received: number; readonly apduSize: number }
  /** A segment that was already received (same bytes). */
  | { readonly type: 'duplicate' }
  /** The datagram was dropped (and with it the APDU it belonged to, for a conflict). */
  | { readonly type: 'error'; readonly error: MeterkitError };

interface InProgress {
  readonly key: string;
  readonly buffer: Uint8Array;
  /** Sorted, disjoint, non-touching [start, end) ranges. */
  readonly ranges: [number, number][];
  readonly expiresAt: number;
  segments: number;
  received: number;
}

function conflict(message: string): MeterkitError {
  return new MeterkitError(C1222ErrorCode.SegmentConflict, message, { path: 'segment' });
}

/** The reassembler (see the module comment). */
export class C1222Reassembler {
  private readonly maxApduSize: number;
  private readonly maxInProgress: number;
  private readonly maxRanges: number;
  private readonly timeoutMs: number;
  private readonly inProgress = new Map<string, InProgress>();

  constructor(options: C1222ReassemblerOptions = {}) {
    this.maxApduSize = options.maxApduSize ?? 0xffff;
    this.maxInProgress = options.maxInProgress ?? 16;
    this.maxRanges = options.maxRanges ?? 64;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Number of APDUs being collected. */
  get pending(): number {
    return this.inProgress.size;
  }

  /**
   * Takes one datagram from `source` (any string naming the sender, e.g. `host:port`). Never
   * throws for received bytes: malformed input comes back as an `error` event.
   */
  push(datagram: Uint8Array, now: number, source = ''): C1222ReassemblyEvent {
    let segment: C1222ApduSegment | undefined;
    try {
      segment = decodeC1222ApduSegment(datagram, { maxApduSize: this.maxApduSize });
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      return { type: 'error', error: e };
    }
    if (segment === undefined) return { type: 'apdu', apdu: datagram, segments: 1 };
    return this.add(segment, now, source);
  }

  /** The earliest time at which `expire` has work to do (undefined when nothing is pending). */
  deadline(): number | undefined {
    let d: number | undefined;
    for (const p of this.inProgress.values()) if (d === undefined || p.expiresAt < d) d = p.expiresAt;
    return d;
  }

  /** Drops the APDUs whose time ran out and returns one `SegmentReassemblyTimeout` error for each. */
  expire(now: number): MeterkitError[] {
    const out: MeterkitError[] = [];
    for (const [key, p] of this.inProgress)
      if (p.expiresAt <= now) {
        this.inProgress.delete(key);
        out.push(
          new MeterkitError(
            C1222ErrorCode.SegmentReassemblyTimeout,
            `APDU incomplete after ${this.timeoutMs} ms (${p.received} of ${p.buffer.length} bytes)`,
            { path: 'segment' },
          ),
        );
      }
    return out;
  }

  /** Forgets every APDU in progress. */
  clear(): void {
    this.inProgress.clear();
  }

  private add(s: C1222ApduSegment, now: number, source: string): C1222ReassemblyEvent {
    const key = `${source}|${s.callingApTitle === undefined ? '-' : toHex(s.callingApTitle)}|${s.callingApInvocationId}`;
    let p = this.inProgress.get(key);
    if (p !== undefined && p.expiresAt <= now) {
      this.inProgress.delete(key);
      p = undefined;
    }
    if (p === undefined) {
      if (this.inProgress.size >= this.maxInProgress)
        return {
          type: 'error',
          error: new MeterkitError(
            C1222ErrorCode.SegmentCapacityExceeded,
            `already collecting ${this.maxInProgress} segmented APDUs`,
            { path: 'segment' },
          ),
        };
      p = {
        key,
        buffer: new Uint8Array(s.apduSize),
        ranges: [],
        expiresAt: now + this.timeoutMs,
        segments: 0,
        received: 0,
      };
      this.inProgress.set(key, p);
    } else if (p.buffer.length !== s.apduSize) {
      this.inProgress.delete(key);
      return {
        type: 'error',
        error: conflict(`segment announces a ${s.apduSize}-byte APDU, earlier ones ${p.buffer.length}`),
      };
    }
    const start = s.offset;
    const end = s.offset + s.octets.length;
    // compare what overlaps bytes already held
    let covered = 0;
    for (const [a, b] of p.ranges) {
      const lo = Math.max(a, start);
      const hi = Math.min(b, end);
      if (lo >= hi) continue;
      if (!bytesEqual(p.buffer.subarray(lo, hi), s.octets.subarray(lo - start, hi - start))) {
        this.inProgress.delete(key);
        return {
          type: 'error',
          error: conflict(`segment bytes [${lo}, ${hi}) differ from those received before`),
        };
      }
      covered += hi - lo;
    }
    if (covered === end - start) return { type: 'duplicate' };
    const merged = mergeRange(p.ranges, start, end);
    if (merged.length > this.maxRanges) {
      this.inProgress.delete(key);
      return {
        type: 'error',
        error: new MeterkitError(
          C1222ErrorCode.SegmentCapacityExceeded,
          `more than ${this.maxRanges} disjoint segment ranges`,
          { path: 'segment' },
        ),
      };
    }
    p.buffer.set(s.octets, start);
    p.ranges.splice(0, p.ranges.length, ...merged);
    p.segments++;
    p.received += end - start - covered;
    const only = p.ranges[0];
    if (p.ranges.length !== 1 || only === undefined || only[0] !== 0 || only[1] !== p.buffer.length)
      return { type: 'pending', received: p.received, apduSize: p.buffer.length };
    this.inProgress.delete(key);
    const error = checkWholeApdu(p.buffer);
    if (error !== undefined) return { type: 'error', error };
    return { type: 'apdu', apdu: p.buffer, segments: p.segments };
  }
}

/** Inserts [start, end) into sorted disjoint ranges, merging touching and overlapping ones. */
function mergeRange(ranges: readonly [number, number][], start: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  let s = start;
  let e = end;
  let placed = false;
  for (const [a, b] of ranges) {
    if (b < s) out.push([a, b]);
    else if (a > e) {
      if (!placed) {
        out.push([s, e]);
        placed = true;
      }
      out.push([a, b]);
    } else {
      s = Math.min(s, a);
      e = Math.max(e, b);
    }
  }
  if (!placed) out.push([s, e]);
  return out;
}

/** The reassembled bytes must be exactly one ACSE APDU (`60 <length>` spanning them all). */
function checkWholeApdu(buf: Uint8Array): MeterkitError | undefined {
  try {
    const r = new Reader(buf);
    if (r.u8('segment.apdu') !== 0x60) throw new Error('tag');
    const n = r.berLength('segment.apdu');
    if (n !== r.remaining) throw new Error('length');
    return undefined;
  } catch {
    return new MeterkitError(
      C1222ErrorCode.SegmentInvalid,
      'the reassembled segments are not one ACSE APDU of the announced size',
      { path: 'segment.apdu' },
    );
  }
}
