import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { HdlcIFrame, HdlcUiFrame } from '../hdlc/frame.js';
import { type HdlcLlc, llcBytes } from '../hdlc/llc.js';

/** An APDU put back together from HDLC segments (IEC 62056-46 §6.4.4.4.3.3 segmentation). */
export interface ReassembledApdu {
  /** The APDU, LLC header removed. */
  readonly apdu: Uint8Array;
  /** The LLC header of the first segment, when there was one. */
  readonly llc?: HdlcLlc | undefined;
  /** Number of HDLC frames it came in. */
  readonly frames: number;
}

/** Options of `HdlcSegmentReassembler`. */
export interface HdlcSegmentReassemblerOptions {
  /** Largest APDU accepted (default 65535 octets); a longer one throws `FrameTooLong` (105). */
  readonly maxApduLength?: number;
}

/**
 * Puts segmented APDUs back together (IEC 62056-46 §6.4.4.4.3.3): an APDU too long for one frame
 * is sent in I (or UI) frames with the segmentation bit set on all but the last. The LLC header is
 * carried by the first segment only; on later segments, octets looking like an LLC header are
 * data and are kept. For I frames N(S) must advance by one modulo 8 between segments.
 *
 * `push(frame)` returns the APDU when the frame completes one (a frame with the segmentation bit
 * clear), `undefined` while more segments are expected. Errors throw `ReassemblyFailed` (108) and
 * reset the reassembler: a repeated N(S) (duplicate), a skipped N(S) (gap), or a segment of a
 * different frame type or address pair. UI frames carry no sequence numbers, so a lost UI segment
 * cannot be detected here.
 */
export class HdlcSegmentReassembler {
  private readonly maxApduLength: number;
  private parts: Uint8Array[] = [];
  private length = 0;
  private first: HdlcIFrame | HdlcUiFrame | undefined;
  private lastSendSequence = -1;
  private frames = 0;

  constructor(options: HdlcSegmentReassemblerOptions = {}) {
    this.maxApduLength = options.maxApduLength ?? 0xffff;
  }

  /** True while segments of an APDU are waiting for the last one. */
  get inProgress(): boolean {
    return this.first !== undefined;
  }

  /** Forgets a partly reassembled APDU. */
  reset(): void {
    this.parts = [];
    this.length = 0;
    this.first = undefined;
    this.lastSendSequence = -1;
    this.frames = 0;
  }

  /** Adds an I or UI frame; returns the APDU it completes, if any. */
  push(frame: HdlcIFrame | HdlcUiFrame): ReassembledApdu | undefined {
    const first = this.first;
    if (first === undefined) {
      if (!frame.segmented) {
        return { apdu: frame.information, llc: frame.llc, frames: 1 };
      }
      this.first = frame;
      this.lastSendSequence = frame.type === 'i' ? frame.sendSequence : -1;
      this.add(frame.information);
      this.frames = 1;
      return undefined;
    }
    if (frame.type !== first.type || !sameAddress(frame, first)) {
      this.failWith(`segment of a different ${frame.type !== first.type ? 'frame type' : 'address pair'}`);
    }
    if (frame.type === 'i') {
      const expected = (this.lastSendSequence + 1) & 7;
      if (frame.sendSequence !== expected) {
        this.failWith(
          frame.sendSequence === this.lastSendSequence
            ? `duplicate segment N(S)=${frame.sendSequence}`
            : `gap: segment N(S)=${frame.sendSequence}, expected ${expected}`,
        );
      }
      this.lastSendSequence = frame.sendSequence;
    }
    if (frame.llc !== undefined) this.add(llcBytes(frame.llc));
    this.add(frame.information);
    this.frames++;
    if (frame.segmented) return undefined;
    const apdu = new Uint8Array(this.length);
    let p = 0;
    for (const part of this.parts) {
      apdu.set(part, p);
      p += part.length;
    }
    const result: ReassembledApdu = { apdu, llc: first.llc, frames: this.frames };
    this.reset();
    return result;
  }

  private add(part: Uint8Array): void {
    if (this.length + part.length > this.maxApduLength) {
      this.reset();
      throw new MeterkitError(
        ErrorCode.FrameTooLong,
        `reassembled APDU exceeds ${this.maxApduLength} octets`,
        {
          path: 'hdlc.segments',
        },
      );
    }
    this.parts.push(part);
    this.length += part.length;
  }

  private failWith(message: string): never {
    this.reset();
    throw new MeterkitError(ErrorCode.ReassemblyFailed, message, { path: 'hdlc.segments' });
  }
}

function sameAddress(a: HdlcIFrame | HdlcUiFrame, b: HdlcIFrame | HdlcUiFrame): boolean {
  return (
    a.destination.upper === b.destination.upper &&
    a.destination.lower === b.destination.lower &&
    a.source.upper === b.source.upper &&
    a.source.lower === b.source.lower
  );
}

/** Reassembles one APDU from all its segments (IEC 62056-46 §6.4.4.4.3.3); see `HdlcSegmentReassembler`. */
export function reassembleHdlcSegments(frames: readonly (HdlcIFrame | HdlcUiFrame)[]): ReassembledApdu {
  const r = new HdlcSegmentReassembler();
  for (let i = 0; i < frames.length; i++) {
    const out = r.push(frames[i]!);
    if (out !== undefined) {
      if (i !== frames.length - 1) {
        throw new MeterkitError(
          ErrorCode.ReassemblyFailed,
          `${frames.length - 1 - i} frame(s) after the last segment`,
          {
            path: 'hdlc.segments',
          },
        );
      }
      return out;
    }
  }
  throw new MeterkitError(
    ErrorCode.ReassemblyFailed,
    'the last segment (segmentation bit clear) is missing',
    {
      path: 'hdlc.segments',
    },
  );
}
