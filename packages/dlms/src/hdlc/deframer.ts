import { bytesEqual, crc16x25Update, ErrorCode, MeterkitError } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';
import { hdlcFrameKindOf } from './control.js';
import {
  decodeHdlcFrameAt,
  HDLC_FLAG,
  HDLC_MAX_FRAME_LENGTH,
  HDLC_MIN_FRAME_LENGTH,
  type HdlcFrame,
} from './frame.js';

/** Why the deframer dropped bytes. */
export type HdlcDiscardReason =
  /** Bytes outside any frame (no flag before them). */
  | 'garbage'
  /** A flag not followed by a frame format type 3 field. */
  | 'not-a-frame'
  /** A length field below the minimum or above `maxFrameLength`. */
  | 'length-invalid'
  /** The octet where the length field puts the closing flag is not 0x7E. */
  | 'closing-flag-missing'
  | 'header-check-failed'
  | 'frame-check-failed'
  | 'address-invalid'
  | 'control-invalid'
  /** The frame checked but its information field (SNRM/UA parameters) is malformed. */
  | 'information-invalid'
  /** Any other format error. */
  | 'format-invalid'
  /** A frame cut short by `flush()`. */
  | 'incomplete'
  /** A frame equal to one announced with `expectEcho()` (optical-head echo). */
  | 'echo';

/** One output of `HdlcDeframer.push()`. */
export type HdlcDeframerItem =
  | {
      readonly type: 'frame';
      readonly frame: HdlcFrame;
      /** Absolute stream offset of the opening flag. */
      readonly offset: number;
    }
  | {
      readonly type: 'discarded';
      /** The dropped bytes (a view). */
      readonly bytes: Uint8Array;
      readonly reason: HdlcDiscardReason;
      /** Absolute stream offset of `bytes[0]`. */
      readonly offset: number;
      /** The error code behind the discard, when a frame candidate failed a check. */
      readonly code?: number | undefined;
    };

/** Options of `HdlcDeframer`. */
export interface HdlcDeframerOptions {
  /**
   * Largest frame length field accepted (octets between the flags), 7–2047; default 2047. Longer
   * candidates are discarded at once, so at most this many octets are ever buffered.
   */
  readonly maxFrameLength?: number;
  /** Recognise LLC headers in I/UI frames (default true), as `decodeHdlcFrame`. */
  readonly llc?: boolean;
  /** How many frames announced by `expectEcho()` are remembered (default 8). */
  readonly echoDepth?: number;
  /**
   * Inter-octet timeout in ms (IEC 62056-46 §6.4.4.2, the inter_octet_time_out of IEC HDLC setup,
   * IEC 62056-6-2 §4.7.8): a frame candidate that waits longer than this for its next octet is
   * dropped (`incomplete`) before the next bytes are read, when `push()` is given the time. 0 (the
   * default) turns it off.
   */
  readonly interOctetTimeoutMs?: number;
}

/**
 * The default inter-octet timeout of IEC HDLC setup (IEC 62056-6-2 §4.7.8, attribute
 * inter_octet_time_out): 25 ms.
 */
export const HDLC_DEFAULT_INTER_OCTET_TIMEOUT_MS = 25;

const EMPTY: Uint8Array = new Uint8Array(0);
/** The shared answer of a push that completes nothing. */
const NONE: readonly HdlcDeframerItem[] = Object.freeze([]);
/** Size of the arena frames split over reads are assembled in. */
const ARENA_SIZE = 16384;

function reasonOf(code: number): HdlcDiscardReason {
  switch (code) {
    case ErrorCode.HeaderCheckFailed:
      return 'header-check-failed';
    case ErrorCode.FrameCheckFailed:
      return 'frame-check-failed';
    case ErrorCode.FrameAddressInvalid:
      return 'address-invalid';
    case ErrorCode.FrameControlInvalid:
      return 'control-invalid';
    case DlmsErrorCode.HdlcParameterInvalid:
    case ErrorCode.LengthOverrun:
    case ErrorCode.TrailingBytes:
      return 'information-invalid';
    default:
      return 'format-invalid';
  }
}

/** Address scan over possibly incomplete bytes: size, -1 when more bytes are needed, 0 / -3 when invalid. */
function scanPartial(buf: Uint8Array, at: number, n: number, limit: number): number {
  for (let i = 0; i < 4 && at + i < limit; i++) {
    if (at + i >= n) return -1;
    if (buf[at + i]! & 1) return i === 2 ? -3 : i + 1;
  }
  return 0;
}

/**
 * Checks what is already there of an incomplete frame candidate at `buf[pos]` (addresses, control,
 * HCS), so a flag with a lying length is rejected without waiting for its whole length.
 * Returns the error code when something is wrong, 0 when nothing is wrong yet, -1 when the
 * whole header (with its HCS, if the frame has one) checked out.
 */
function earlyCheck(buf: Uint8Array, pos: number, n: number, len: number): number {
  const s = pos + 1;
  const e = pos + len + 1;
  const dAt = s + 2;
  const d = scanPartial(buf, dAt, n, e - 4);
  if (d === -1) return 0;
  if (d <= 0) return ErrorCode.FrameAddressInvalid;
  const sAt = dAt + d;
  const sz = scanPartial(buf, sAt, n, e - 3);
  if (sz === -1) return 0;
  if (sz <= 0) return ErrorCode.FrameAddressInvalid;
  const cAt = sAt + sz;
  if (cAt >= n) return 0;
  if (hdlcFrameKindOf(buf[cAt]!) === undefined) return ErrorCode.FrameControlInvalid;
  const headerEnd = cAt + 1;
  const rest = e - headerEnd;
  if (rest === 2) return -1;
  if (rest < 5) return ErrorCode.FrameFormatInvalid;
  if (headerEnd + 2 > n) return 0;
  const hcs = ~crc16x25Update(0xffff, buf, s, headerEnd) & 0xffff;
  return (buf[headerEnd]! | (buf[headerEnd + 1]! << 8)) === hcs ? -1 : ErrorCode.HeaderCheckFailed;
}

/**
 * Streaming HDLC deframer (IEC 62056-46 §6.4, sans-IO): `push(chunk)` returns the frames completed
 * by the chunk, decoded, and the bytes it had to drop, as items; it never throws on input.
 *
 * Frames are found by their length field, not by scanning for the closing flag (62056-46 frames
 * are not byte-stuffed, so 0x7E may occur inside). A closing flag may also open the next frame
 * (7E … 7E … 7E); runs of flags are idle fill. Garbage, bad HCS/FCS, bad addresses and lying
 * lengths become `discarded` items and the deframer resynchronises on the next flag, so frames
 * behind a bad candidate are not lost. An incomplete candidate is checked as far as its bytes go
 * (addresses, control, HCS), so a false flag is dropped early. Call `flush()` when the line goes
 * idle (inter-frame timeout) to release a candidate still waiting for bytes, or pass the time to
 * `push()` with an `interOctetTimeoutMs` and it is done when the next bytes come.
 *
 * Frames and discarded bytes are views into the pushed chunks (or into the deframer's buffer for
 * frames spanning chunks); do not reuse a chunk's memory while you hold its frames. At most
 * `maxFrameLength + 2` octets are buffered between pushes.
 *
 * Optical heads echo what the client sends (u9n/dlms-cosem #62): call `expectEcho(bytes)` with each
 * frame sent, and the echoed copy comes out as a `discarded` item with reason `echo`.
 */
export class HdlcDeframer {
  private readonly maxFrameLength: number;
  private readonly llc: boolean;
  private readonly echoDepth: number;
  /**
   * Frames split over reads are assembled in an arena: `arena[pendStart .. pendStart+pendingLen)`
   * holds the pending octets. Regions handed out as frame views are never written again (the
   * cursor only moves forward; a full arena is replaced, not reused), so views stay valid.
   */
  private arena: Uint8Array = EMPTY;
  private pendStart = 0;
  private pendingLen = 0;
  /** Absolute stream offset of the first pending octet. */
  private pendingOffset = 0;
  /** The first pending octet is the closing flag of the frame before (so not garbage if the next frame fails). */
  private pendingStartsWithClosingFlag = false;
  /** The pending candidate's header (and HCS, when it has one) already checked out. */
  private headerChecked = false;
  private readonly echoes: Uint8Array[] = [];
  private readonly interOctetTimeoutMs: number;
  /** When the last octet arrived (the caller's clock), if `push()` was given the time. */
  private lastOctetAt: number | undefined;

  constructor(options: HdlcDeframerOptions = {}) {
    const max = options.maxFrameLength ?? HDLC_MAX_FRAME_LENGTH;
    if (!Number.isInteger(max) || max < HDLC_MIN_FRAME_LENGTH || max > HDLC_MAX_FRAME_LENGTH) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `maxFrameLength ${max} outside 7..2047`);
    }
    this.maxFrameLength = max;
    this.llc = options.llc ?? true;
    this.echoDepth = options.echoDepth ?? 8;
    const iot = options.interOctetTimeoutMs ?? 0;
    if (!Number.isFinite(iot) || iot < 0)
      throw new MeterkitError(ErrorCode.InvalidArgument, `interOctetTimeoutMs ${iot} is not a duration`);
    this.interOctetTimeoutMs = iot;
  }

  /**
   * How long the caller may let the line stay silent before calling `flush()` (the inter-octet
   * timeout, IEC 62056-46 §6.4.4.2): the configured timeout while a frame candidate waits for
   * octets (more than a lone flag is buffered), else undefined (nothing to time out, or off).
   */
  get idleTimeoutMs(): number | undefined {
    // a lone flag (the closing flag of the last frame, or idle fill) is no partial frame
    return this.pendingLen > 1 && this.interOctetTimeoutMs > 0 ? this.interOctetTimeoutMs : undefined;
  }

  /** Octets buffered, waiting for the rest of a frame. */
  get buffered(): number {
    return this.pendingLen;
  }

  /** Announces a frame just sent, so its echo (optical head) is dropped rather than emitted. */
  expectEcho(frame: Uint8Array): void {
    if (this.echoDepth <= 0) return;
    this.echoes.push(frame.slice());
    if (this.echoes.length > this.echoDepth) this.echoes.shift();
  }

  /**
   * Feeds received bytes; returns the frames and discarded spans they complete, in stream order.
   * A frame split over reads is completed by copying only its own missing octets, once; frames
   * wholly inside a chunk are decoded in place. The array is read-only (a push that completes
   * nothing returns a shared empty one).
   *
   * `now` is the arrival time on the caller's clock (ms; a virtual clock in tests): when the
   * octets before these came longer than `interOctetTimeoutMs` ago and a frame candidate is still
   * waiting, it is flushed first (its `incomplete` items come before the chunk's), so the next
   * frame is read cleanly (IEC 62056-46 §6.4.4.2).
   */
  push(chunk: Uint8Array, now?: number): readonly HdlcDeframerItem[] {
    if (now === undefined || chunk.length === 0) return this.pushChunk(chunk);
    const last = this.lastOctetAt;
    this.lastOctetAt = now;
    if (last === undefined || this.idleTimeoutMs === undefined || now - last <= this.interOctetTimeoutMs)
      return this.pushChunk(chunk);
    // the line was silent longer than the inter-octet timeout: the waiting candidate is dead
    const stale = this.flush();
    const items = this.pushChunk(chunk);
    return stale.length === 0 ? items : items.length === 0 ? stale : [...stale, ...items];
  }

  private pushChunk(chunk: Uint8Array): readonly HdlcDeframerItem[] {
    if (chunk.length === 0) return NONE;
    if (this.pendingLen === 0) {
      const items: HdlcDeframerItem[] = [];
      this.consume(chunk, items, false, this.pendingOffset, false);
      return items;
    }
    let used = 0;
    if (this.pendingLen < 3) {
      used = Math.min(3 - this.pendingLen, chunk.length);
      this.append(chunk, 0, used, 3);
      if (this.pendingLen < 3) return NONE;
    }
    const ps = this.pendStart;
    const f0 = this.arena[ps + 1]!;
    if (this.arena[ps] === HDLC_FLAG && (f0 & 0xf0) === 0xa0) {
      const len = ((f0 & 7) << 8) | this.arena[ps + 2]!;
      const total = len + 2;
      if (len >= HDLC_MIN_FRAME_LENGTH && len <= this.maxFrameLength) {
        const k = Math.min(total - this.pendingLen, chunk.length - used);
        this.append(chunk, used, used + k, total);
        used += k;
        const buf = this.arena;
        const s = this.pendStart;
        if (this.pendingLen < total) {
          if (this.headerChecked) return NONE;
          const verdict = earlyCheck(buf, s, s + this.pendingLen, len);
          if (verdict <= 0) {
            this.headerChecked = verdict < 0;
            return NONE;
          }
        } else if (buf[s + total - 1] === HDLC_FLAG) {
          const base = this.pendingOffset;
          const frame = this.tryDecode(buf, s, s + total, base - s);
          if (frame !== undefined) {
            const items: HdlcDeframerItem[] = [];
            this.emit(items, frame, buf.subarray(s, s + total), base);
            // the frame keeps its view of the arena: the next pending octets go after it
            this.pendStart = s + total;
            this.pendingLen = 0;
            this.headerChecked = false;
            this.consume(chunk.subarray(used - 1), items, false, base + total - 1, true);
            return items;
          }
        }
      }
    }
    // anything unusual (a failed candidate, a stray flag): rescan pending and chunk together
    const items: HdlcDeframerItem[] = [];
    const rest = chunk.subarray(used);
    const buf = new Uint8Array(this.pendingLen + rest.length);
    buf.set(this.arena.subarray(this.pendStart, this.pendStart + this.pendingLen), 0);
    buf.set(rest, this.pendingLen);
    this.pendStart += this.pendingLen;
    this.pendingLen = 0;
    this.consume(buf, items, false, this.pendingOffset, this.pendingStartsWithClosingFlag);
    return items;
  }

  /**
   * Ends the current stream segment (line idle, connection closed): a candidate still waiting for
   * bytes is discarded (`incomplete`) and the bytes after its flag are scanned again.
   */
  flush(): readonly HdlcDeframerItem[] {
    const items: HdlcDeframerItem[] = [];
    if (this.pendingLen > 0) {
      const view = this.arena.subarray(this.pendStart, this.pendStart + this.pendingLen);
      this.pendStart += this.pendingLen;
      this.pendingLen = 0;
      this.consume(view, items, true, this.pendingOffset, this.pendingStartsWithClosingFlag);
    }
    this.pendStart += this.pendingLen;
    this.pendingLen = 0;
    this.pendingStartsWithClosingFlag = false;
    this.headerChecked = false;
    return items;
  }

  /** Drops buffered bytes and expected echoes without reporting them. */
  reset(): void {
    this.pendingOffset += this.pendingLen;
    this.pendStart += this.pendingLen;
    this.pendingLen = 0;
    this.pendingStartsWithClosingFlag = false;
    this.headerChecked = false;
    this.echoes.length = 0;
  }

  /**
   * Appends `chunk[from..to)` to the pending octets, making room for `capacity` octets in all
   * (the whole frame, once its length is known) so a frame is copied at most once more.
   */
  private append(chunk: Uint8Array, from: number, to: number, capacity: number): void {
    const need = this.pendingLen + (to - from);
    if (this.pendStart + Math.max(need, capacity) > this.arena.length) {
      const next = new Uint8Array(Math.max(ARENA_SIZE, 2 * capacity, 2 * need));
      next.set(this.arena.subarray(this.pendStart, this.pendStart + this.pendingLen), 0);
      this.arena = next;
      this.pendStart = 0;
    }
    const dst = this.arena;
    const at = this.pendStart + this.pendingLen;
    if (to - from > 64) dst.set(chunk.subarray(from, to), at);
    else for (let i = from, j = at; i < to; i++, j++) dst[j] = chunk[i]!;
    this.pendingLen = need;
  }

  private tryDecode(buf: Uint8Array, start: number, end: number, base: number): HdlcFrame | undefined {
    try {
      return decodeHdlcFrameAt(buf, start, end, base, this.llc);
    } catch (e) {
      if (!(e instanceof MeterkitError)) throw e;
      return undefined;
    }
  }

  private emit(items: HdlcDeframerItem[], frame: HdlcFrame, raw: Uint8Array, offset: number): void {
    if (this.echoes.length > 0 && this.isEcho(raw)) {
      items.push({ type: 'discarded', bytes: raw, reason: 'echo', offset });
    } else {
      items.push({ type: 'frame', frame, offset });
    }
  }

  private consume(
    buf: Uint8Array,
    items: HdlcDeframerItem[],
    final: boolean,
    base: number,
    startsWithClosingFlag: boolean,
  ): void {
    const n = buf.length;
    let closing = startsWithClosingFlag ? 0 : -1;
    let pos = 0;
    while (pos < n) {
      if (buf[pos] !== HDLC_FLAG) {
        let next = buf.indexOf(HDLC_FLAG, pos);
        if (next < 0) next = n;
        items.push({
          type: 'discarded',
          bytes: buf.subarray(pos, next),
          reason: 'garbage',
          offset: base + pos,
        });
        pos = next;
        continue;
      }
      if (pos + 1 >= n) {
        if (final) pos = n;
        break;
      }
      const f0 = buf[pos + 1]!;
      if (f0 === HDLC_FLAG) {
        if (closing === pos) closing = pos + 1;
        pos++;
        continue;
      }
      if ((f0 & 0xf0) !== 0xa0) {
        pos = this.skip(items, buf, base, pos, closing, 'not-a-frame', undefined);
        continue;
      }
      if (pos + 2 >= n) {
        if (final) {
          pos = this.skip(items, buf, base, pos, closing, 'incomplete', ErrorCode.FrameTooShort);
          continue;
        }
        break;
      }
      const len = ((f0 & 7) << 8) | buf[pos + 2]!;
      if (len < HDLC_MIN_FRAME_LENGTH || len > this.maxFrameLength) {
        const code = len < HDLC_MIN_FRAME_LENGTH ? ErrorCode.FrameTooShort : ErrorCode.FrameTooLong;
        pos = this.skip(items, buf, base, pos, closing, 'length-invalid', code);
        continue;
      }
      const end = pos + len + 2;
      if (end > n) {
        if (final) {
          pos = this.skip(items, buf, base, pos, closing, 'incomplete', ErrorCode.FrameLengthMismatch);
          continue;
        }
        const code = earlyCheck(buf, pos, n, len);
        if (code > 0) {
          pos = this.skip(items, buf, base, pos, closing, reasonOf(code), code);
          continue;
        }
        break;
      }
      if (buf[end - 1] !== HDLC_FLAG) {
        pos = this.skip(items, buf, base, pos, closing, 'closing-flag-missing', ErrorCode.FrameFormatInvalid);
        continue;
      }
      let frame: HdlcFrame;
      try {
        frame = decodeHdlcFrameAt(buf, pos, end, base, this.llc);
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
        pos = this.skip(items, buf, base, pos, closing, reasonOf(e.code), e.code);
        continue;
      }
      this.emit(items, frame, buf.subarray(pos, end), base + pos);
      pos = end - 1;
      closing = pos;
    }
    this.pendingOffset = base + pos;
    this.pendingStartsWithClosingFlag = closing === pos && pos < n;
    this.pendStart += this.pendingLen;
    this.pendingLen = 0;
    this.headerChecked = false;
    if (pos < n) this.append(buf, pos, n, n - pos);
  }

  /** Drops the candidate at `pos` (its flag, unless that flag closed the frame before) up to the next flag. */
  private skip(
    items: HdlcDeframerItem[],
    buf: Uint8Array,
    base: number,
    pos: number,
    closing: number,
    reason: HdlcDiscardReason,
    code: number | undefined,
  ): number {
    const from = closing === pos ? pos + 1 : pos;
    let next = buf.indexOf(HDLC_FLAG, pos + 1);
    if (next < 0) next = buf.length;
    if (next > from)
      items.push({ type: 'discarded', bytes: buf.subarray(from, next), reason, offset: base + from, code });
    return next;
  }

  private isEcho(raw: Uint8Array): boolean {
    for (let i = 0; i < this.echoes.length; i++) {
      if (bytesEqual(this.echoes[i]!, raw)) {
        this.echoes.splice(0, i + 1);
        return true;
      }
    }
    return false;
  }
}
