import { ErrorCode, MeterkitError } from '@meterkit/core';
import { ownedCopy } from './owned-copy.js';

/**
 * The message framings `frameStream` can cut out of a reassembled byte stream:
 * - `dlms-wrapper`: IEC 62056-47 / DLMS UA 1000-2 §7.3.3.2 wrapper (version 0x0001, source wPort,
 *   destination wPort, length, then that many APDU bytes);
 * - `hdlc`: IEC 62056-46 §6.4 frame format type 3 (flag 0x7E, 11-bit frame length, flag 0x7E);
 * - `c1222`: ANSI C12.22 §9.3 ACSE APDU (BER [APPLICATION 0] tag 0x60 and its definite length);
 * - `c1218`: ANSI C12.18 §5.3 packet (STP 0xEE, identity, control, sequence, 16-bit length, data,
 *   CRC) and the one-byte ACK 0x06 / NAK 0x15;
 * - `dlms`: wrapper or HDLC, chosen by the first byte (0x7E → HDLC).
 */
export type StreamFraming = 'dlms' | 'dlms-wrapper' | 'hdlc' | 'c1222' | 'c1218';

/** A message cut from the stream, or bytes between messages that belong to none. */
export type StreamFrame =
  | { readonly type: 'frame'; readonly bytes: Uint8Array; readonly offset: number }
  | {
      readonly type: 'discarded';
      readonly bytes: Uint8Array;
      readonly offset: number;
      readonly reason: string;
    };

/** Options of `frameStream`. */
export interface FrameStreamOptions {
  /** Largest message accepted; a longer length field is treated as garbage (one byte discarded). Default 1 MiB. */
  readonly maxFrameLength?: number;
}

/**
 * A sans-IO framer over a reassembled stream: `push` bytes in any pieces, get whole messages back
 * (header-length logic only; the protocol codecs decode and check them later). `gap(n)` tells it
 * `n` bytes are missing: a message in progress is discarded and framing resynchronises.
 */
export interface StreamFramer {
  push(bytes: Uint8Array): StreamFrame[];
  gap(missing: number): StreamFrame[];
  end(): StreamFrame[];
}

/**
 * What a measurer found at the start of the buffered bytes, written into one reused object so
 * framing allocates nothing per message: `need` more bytes, a `frame` of `length` bytes of which
 * `consume` leave the stream, or `skip` `length` bytes (reported as discarded when `reason` is set).
 */
interface Measure {
  kind: 'need' | 'frame' | 'skip';
  length: number;
  consume: number;
  reason: string | undefined;
}

type Measurer = (b: Uint8Array, s: number, e: number, max: number, m: Measure) => void;

function need(m: Measure): void {
  m.kind = 'need';
}

function frame(m: Measure, length: number, consume = length): void {
  m.kind = 'frame';
  m.length = length;
  m.consume = consume;
}

function skip(m: Measure, length: number, reason: string | undefined): void {
  m.kind = 'skip';
  m.length = length;
  m.reason = reason;
}

function scanFor(b: Uint8Array, from: number, e: number, test: (v: number) => boolean): number {
  for (let i = from; i < e; i++) if (test(b[i]!)) return i;
  return e;
}

const measureWrapper: Measurer = (b, s, e, max, m) => {
  if (e - s < 2) return need(m);
  if (b[s] !== 0x00 || b[s + 1] !== 0x01) {
    let i = s + 1;
    while (i < e && !(b[i] === 0x00 && (i + 1 === e || b[i + 1] === 0x01))) i++;
    return skip(m, i - s, 'no wrapper header (version 0x0001)');
  }
  if (e - s < 8) return need(m);
  const total = 8 + ((b[s + 6]! << 8) | b[s + 7]!);
  // Every wrapper carries an APDU; an empty one is a false header found while resynchronising.
  if (total === 8) return skip(m, 2, 'wrapper with an empty APDU');
  if (total > max) return skip(m, 1, `wrapper length ${total - 8} above the limit`);
  return e - s < total ? need(m) : frame(m, total);
};

const isFlag = (v: number): boolean => v === 0x7e;

const measureHdlc: Measurer = (b, s, e, _max, m) => {
  if (e - s < 1) return need(m);
  if (b[s] !== 0x7e) return skip(m, scanFor(b, s + 1, e, isFlag) - s, 'no HDLC opening flag');
  if (e - s < 2) return need(m);
  if (b[s + 1] === 0x7e) return skip(m, 1, undefined);
  if (e - s < 3) return need(m);
  if ((b[s + 1]! & 0xf0) !== 0xa0) return skip(m, 1, 'HDLC frame format is not type 3');
  const total = (((b[s + 1]! & 0x07) << 8) | b[s + 2]!) + 2;
  if (total < 9) return skip(m, 1, `HDLC frame length ${total - 2} too short`);
  if (e - s < total) return need(m);
  if (b[s + total - 1] !== 0x7e) return skip(m, 1, 'HDLC closing flag missing');
  // The closing flag may open the next frame (IEC 62056-46 §6.3.2): leave it in the stream.
  return frame(m, total, total - 1);
};

const isAcseTag = (v: number): boolean => v === 0x60;

const measureAcse: Measurer = (b, s, e, max, m) => {
  if (e - s < 1) return need(m);
  if (b[s] !== 0x60) return skip(m, scanFor(b, s + 1, e, isAcseTag) - s, 'no ACSE APDU tag 0x60');
  if (e - s < 2) return need(m);
  const first = b[s + 1]!;
  let header = 2;
  let length = first;
  if (first === 0x80) return skip(m, 1, 'indefinite BER length');
  if (first > 0x80) {
    const n = first & 0x7f;
    if (n > 4) return skip(m, 1, `BER length of ${n} octets`);
    if (e - s < 2 + n) return need(m);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + b[s + 2 + i]!;
    header = 2 + n;
  }
  const total = header + length;
  if (total > max) return skip(m, 1, `ACSE APDU length ${length} above the limit`);
  return e - s < total ? need(m) : frame(m, total);
};

const isC1218Start = (v: number): boolean => v === 0xee || v === 0x06 || v === 0x15;

const measureC1218: Measurer = (b, s, e, max, m) => {
  if (e - s < 1) return need(m);
  const first = b[s]!;
  if (first === 0x06 || first === 0x15) return frame(m, 1);
  if (first !== 0xee) return skip(m, scanFor(b, s + 1, e, isC1218Start) - s, 'no C12.18 start 0xEE');
  if (e - s < 6) return need(m);
  const total = 6 + ((b[s + 4]! << 8) | b[s + 5]!) + 2;
  if (total > max) return skip(m, 1, `C12.18 length ${total - 8} above the limit`);
  return e - s < total ? need(m) : frame(m, total);
};

const measureDlms: Measurer = (b, s, e, max, m) => {
  if (e - s < 1) return need(m);
  return b[s] === 0x7e ? measureHdlc(b, s, e, max, m) : measureWrapper(b, s, e, max, m);
};

const MEASURERS: Readonly<Record<StreamFraming, Measurer>> = {
  dlms: measureDlms,
  'dlms-wrapper': measureWrapper,
  hdlc: measureHdlc,
  c1222: measureAcse,
  c1218: measureC1218,
};

/**
 * Receives what a framer cuts, without an object per piece: each message (an owned copy, never a
 * view of the pushed bytes: small messages are views into a shared slab no one writes again) with
 * its stream offset, and each run of bytes between messages.
 */
export interface StreamFrameSink {
  frame(bytes: Uint8Array, offset: number): void;
  discarded(bytes: Uint8Array, offset: number, reason: string): void;
}

/** Collects pieces into `StreamFrame` objects (the array form of the framer API). */
class ArrayFrameSink implements StreamFrameSink {
  out: StreamFrame[] = [];
  frame(bytes: Uint8Array, offset: number): void {
    this.out.push({ type: 'frame', bytes, offset });
  }
  discarded(bytes: Uint8Array, offset: number, reason: string): void {
    this.out.push({ type: 'discarded', bytes, offset, reason });
  }
}

const NO_BYTES = new Uint8Array(0);

/** A buffer above this size is dropped once empty, so an idle channel holds nothing. */
const KEEP_BUFFER = 64 * 1024;

/** A `StreamFramer` that can also hand its pieces to a sink (no array or object per piece). */
export interface SinkStreamFramer extends StreamFramer {
  /** Bytes held waiting for the rest of a message. */
  readonly buffered: number;
  pushInto(bytes: Uint8Array, sink: StreamFrameSink): void;
  gapInto(missing: number, sink: StreamFrameSink): void;
  endInto(sink: StreamFrameSink): void;
}

/**
 * The framer behind `frameStream`. Bytes that arrive while nothing is buffered are measured in
 * place (whole messages are copied straight out of them, once); only a message cut by a segment
 * boundary is buffered, in a buffer allocated when needed and dropped when large and empty.
 */
class LengthFramer implements SinkStreamFramer {
  private buf: Uint8Array = NO_BYTES;
  private start = 0;
  private fill = 0;
  /** Stream offset of the next byte not yet consumed. */
  private offset = 0;
  /** The last frame's closing HDLC flag was left in the stream as a possible opening flag. */
  private sharedFlag = false;
  private readonly m: Measure = { kind: 'need', length: 0, consume: 0, reason: undefined };

  constructor(
    private readonly measure: Measurer,
    private readonly max: number,
  ) {}

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.fill - this.start;
  }

  push(bytes: Uint8Array): StreamFrame[] {
    const sink = new ArrayFrameSink();
    this.pushInto(bytes, sink);
    return sink.out;
  }

  /** `push` handing pieces to a sink. */
  pushInto(bytes: Uint8Array, sink: StreamFrameSink): void {
    if (this.fill === this.start) {
      // nothing buffered: cut messages straight out of `bytes`, keep only the incomplete tail
      const used = this.cut(bytes, 0, bytes.length, sink);
      if (used < bytes.length) this.append(bytes.subarray(used));
      return;
    }
    this.append(bytes);
    const used = this.cut(this.buf, this.start, this.fill, sink);
    this.start = used;
    if (this.start === this.fill) {
      this.start = 0;
      this.fill = 0;
      if (this.buf.length > KEEP_BUFFER) this.buf = NO_BYTES;
    }
  }

  /** Cuts messages from `b[s..e)`; returns the index of the first byte not consumed. */
  private cut(b: Uint8Array, s: number, e: number, sink: StreamFrameSink): number {
    const m = this.m;
    for (;;) {
      if (this.sharedFlag) {
        if (e - s < 2) break;
        // Not followed by a frame format: it was only the closing flag.
        if ((b[s + 1]! & 0xf0) !== 0xa0) {
          s++;
          this.offset++;
        }
        this.sharedFlag = false;
      }
      this.measure(b, s, e, this.max, m);
      if (m.kind === 'need') break;
      if (m.kind === 'frame') {
        sink.frame(ownedCopy(b, s, s + m.length), this.offset);
        s += m.consume;
        this.offset += m.consume;
        this.sharedFlag = m.consume < m.length;
      } else {
        if (m.reason !== undefined) sink.discarded(b.slice(s, s + m.length), this.offset, m.reason);
        s += m.length;
        this.offset += m.length;
      }
    }
    return s;
  }

  gap(missing: number): StreamFrame[] {
    const sink = new ArrayFrameSink();
    this.gapInto(missing, sink);
    return sink.out;
  }

  /** `gap` handing pieces to a sink. */
  gapInto(missing: number, sink: StreamFrameSink): void {
    this.rest('message cut by a capture gap', sink);
    this.offset += missing;
  }

  end(): StreamFrame[] {
    const sink = new ArrayFrameSink();
    this.endInto(sink);
    return sink.out;
  }

  /** `end` handing pieces to a sink. */
  endInto(sink: StreamFrameSink): void {
    this.rest('stream ended inside a message', sink);
  }

  private rest(reason: string, sink: StreamFrameSink): void {
    const left = this.buf.subarray(this.start, this.fill);
    // A lone flag left over after an HDLC frame is its closing flag, not a message.
    if (left.length > 0 && !(left.length === 1 && left[0] === 0x7e && this.measure !== measureWrapper)) {
      sink.discarded(left.slice(), this.offset, reason);
    }
    this.offset += left.length;
    this.sharedFlag = false;
    this.start = 0;
    this.fill = 0;
    if (this.buf.length > KEEP_BUFFER) this.buf = NO_BYTES;
  }

  private append(bytes: Uint8Array): void {
    if (this.fill + bytes.length > this.buf.length) {
      const live = this.fill - this.start;
      if (live + bytes.length <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.fill);
      } else {
        const next = new Uint8Array(Math.max(live + bytes.length, this.buf.length * 2, 256));
        next.set(this.buf.subarray(this.start, this.fill));
        this.buf = next;
      }
      this.start = 0;
      this.fill = live;
    }
    this.buf.set(bytes, this.fill);
    this.fill += bytes.length;
  }
}

/** Default largest message `frameStream` accepts: 1 MiB. */
export const DEFAULT_MAX_FRAME_LENGTH = 1024 * 1024;

/**
 * Makes a framer that splits a reassembled stream of `framing` into messages by their header's
 * length field, resynchronising on garbage (reported as `discarded` with a reason).
 */
export function frameStream(framing: StreamFraming, options: FrameStreamOptions = {}): SinkStreamFramer {
  const measure = MEASURERS[framing];
  if (measure === undefined) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `no stream framing for ${String(framing)}`);
  }
  const max = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
  return new LengthFramer(measure, max);
}
