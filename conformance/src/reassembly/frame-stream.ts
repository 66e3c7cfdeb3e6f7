import { ErrorCode, MeterkitError } from '@meterkit/core';

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

type Measure =
  | { readonly kind: 'need' }
  | { readonly kind: 'frame'; readonly length: number; readonly consume: number }
  | { readonly kind: 'skip'; readonly length: number; readonly reason: string | undefined };

type Measurer = (b: Uint8Array, s: number, e: number, max: number) => Measure;

const NEED: Measure = { kind: 'need' };

function scanFor(b: Uint8Array, from: number, e: number, test: (v: number) => boolean): number {
  for (let i = from; i < e; i++) if (test(b[i]!)) return i;
  return e;
}

const measureWrapper: Measurer = (b, s, e, max) => {
  if (e - s < 2) return NEED;
  if (b[s] !== 0x00 || b[s + 1] !== 0x01) {
    let i = s + 1;
    while (i < e && !(b[i] === 0x00 && (i + 1 === e || b[i + 1] === 0x01))) i++;
    return { kind: 'skip', length: i - s, reason: 'no wrapper header (version 0x0001)' };
  }
  if (e - s < 8) return NEED;
  const total = 8 + ((b[s + 6]! << 8) | b[s + 7]!);
  // Every wrapper carries an APDU; an empty one is a false header found while resynchronising.
  if (total === 8) return { kind: 'skip', length: 2, reason: 'wrapper with an empty APDU' };
  if (total > max) return { kind: 'skip', length: 1, reason: `wrapper length ${total - 8} above the limit` };
  return e - s < total ? NEED : { kind: 'frame', length: total, consume: total };
};

const measureHdlc: Measurer = (b, s, e) => {
  if (e - s < 1) return NEED;
  if (b[s] !== 0x7e) {
    return {
      kind: 'skip',
      length: scanFor(b, s + 1, e, (v) => v === 0x7e) - s,
      reason: 'no HDLC opening flag',
    };
  }
  if (e - s < 2) return NEED;
  if (b[s + 1] === 0x7e) return { kind: 'skip', length: 1, reason: undefined };
  if (e - s < 3) return NEED;
  if ((b[s + 1]! & 0xf0) !== 0xa0)
    return { kind: 'skip', length: 1, reason: 'HDLC frame format is not type 3' };
  const total = (((b[s + 1]! & 0x07) << 8) | b[s + 2]!) + 2;
  if (total < 9) return { kind: 'skip', length: 1, reason: `HDLC frame length ${total - 2} too short` };
  if (e - s < total) return NEED;
  if (b[s + total - 1] !== 0x7e) return { kind: 'skip', length: 1, reason: 'HDLC closing flag missing' };
  // The closing flag may open the next frame (IEC 62056-46 §6.3.2): leave it in the stream.
  return { kind: 'frame', length: total, consume: total - 1 };
};

const measureAcse: Measurer = (b, s, e, max) => {
  if (e - s < 1) return NEED;
  if (b[s] !== 0x60) {
    return {
      kind: 'skip',
      length: scanFor(b, s + 1, e, (v) => v === 0x60) - s,
      reason: 'no ACSE APDU tag 0x60',
    };
  }
  if (e - s < 2) return NEED;
  const first = b[s + 1]!;
  let header = 2;
  let length = first;
  if (first === 0x80) return { kind: 'skip', length: 1, reason: 'indefinite BER length' };
  if (first > 0x80) {
    const n = first & 0x7f;
    if (n > 4) return { kind: 'skip', length: 1, reason: `BER length of ${n} octets` };
    if (e - s < 2 + n) return NEED;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + b[s + 2 + i]!;
    header = 2 + n;
  }
  const total = header + length;
  if (total > max) return { kind: 'skip', length: 1, reason: `ACSE APDU length ${length} above the limit` };
  return e - s < total ? NEED : { kind: 'frame', length: total, consume: total };
};

const isC1218Start = (v: number): boolean => v === 0xee || v === 0x06 || v === 0x15;

const measureC1218: Measurer = (b, s, e, max) => {
  if (e - s < 1) return NEED;
  const first = b[s]!;
  if (first === 0x06 || first === 0x15) return { kind: 'frame', length: 1, consume: 1 };
  if (first !== 0xee) {
    return { kind: 'skip', length: scanFor(b, s + 1, e, isC1218Start) - s, reason: 'no C12.18 start 0xEE' };
  }
  if (e - s < 6) return NEED;
  const total = 6 + ((b[s + 4]! << 8) | b[s + 5]!) + 2;
  if (total > max) return { kind: 'skip', length: 1, reason: `C12.18 length ${total - 8} above the limit` };
  return e - s < total ? NEED : { kind: 'frame', length: total, consume: total };
};

const measureDlms: Measurer = (b, s, e, max) => {
  if (e - s < 1) return NEED;
  return b[s] === 0x7e ? measureHdlc(b, s, e, max) : measureWrapper(b, s, e, max);
};

const MEASURERS: Readonly<Record<StreamFraming, Measurer>> = {
  dlms: measureDlms,
  'dlms-wrapper': measureWrapper,
  hdlc: measureHdlc,
  c1222: measureAcse,
  c1218: measureC1218,
};

class LengthFramer implements StreamFramer {
  private buf = new Uint8Array(4096);
  private start = 0;
  private fill = 0;
  /** Stream offset of `buf[start]`. */
  private offset = 0;
  /** The last frame's closing HDLC flag was left in the stream as a possible opening flag. */
  private sharedFlag = false;

  constructor(
    private readonly measure: Measurer,
    private readonly max: number,
  ) {}

  push(bytes: Uint8Array): StreamFrame[] {
    this.append(bytes);
    const out: StreamFrame[] = [];
    for (;;) {
      if (this.sharedFlag) {
        if (this.fill - this.start < 2) break;
        // Not followed by a frame format: it was only the closing flag.
        if ((this.buf[this.start + 1]! & 0xf0) !== 0xa0) this.consume(1);
        this.sharedFlag = false;
      }
      const m = this.measure(this.buf, this.start, this.fill, this.max);
      if (m.kind === 'need') break;
      if (m.kind === 'frame') {
        out.push({
          type: 'frame',
          bytes: this.buf.slice(this.start, this.start + m.length),
          offset: this.offset,
        });
        this.consume(m.consume);
        this.sharedFlag = m.consume < m.length;
      } else {
        if (m.reason !== undefined) {
          out.push({
            type: 'discarded',
            bytes: this.buf.slice(this.start, this.start + m.length),
            offset: this.offset,
            reason: m.reason,
          });
        }
        this.consume(m.length);
      }
    }
    return out;
  }

  gap(missing: number): StreamFrame[] {
    const out = this.rest('message cut by a capture gap');
    this.offset += missing;
    return out;
  }

  end(): StreamFrame[] {
    return this.rest('stream ended inside a message');
  }

  private rest(reason: string): StreamFrame[] {
    const left = this.buf.subarray(this.start, this.fill);
    const out: StreamFrame[] = [];
    // A lone flag left over after an HDLC frame is its closing flag, not a message.
    if (left.length > 0 && !(left.length === 1 && left[0] === 0x7e && this.measure !== measureWrapper)) {
      out.push({ type: 'discarded', bytes: left.slice(), offset: this.offset, reason });
    }
    this.offset += left.length;
    this.sharedFlag = false;
    this.start = 0;
    this.fill = 0;
    return out;
  }

  private consume(n: number): void {
    this.start += n;
    this.offset += n;
  }

  private append(bytes: Uint8Array): void {
    if (this.start > 0 && this.start === this.fill) {
      this.start = 0;
      this.fill = 0;
    }
    if (this.fill + bytes.length > this.buf.length) {
      const live = this.fill - this.start;
      if (live + bytes.length <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.fill);
      } else {
        const next = new Uint8Array(Math.max(live + bytes.length, this.buf.length * 2));
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
export function frameStream(framing: StreamFraming, options: FrameStreamOptions = {}): StreamFramer {
  const measure = MEASURERS[framing];
  if (measure === undefined) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `no stream framing for ${String(framing)}`);
  }
  const max = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
  return new LengthFramer(measure, max);
}
