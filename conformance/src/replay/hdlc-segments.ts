import { concatBytes, ErrorCode, isMeterkitError, MeterkitError } from '@meterkit/core';
import {
  decodeHdlcFrame,
  encodeHdlcFrame,
  HDLC_DEFAULT_VALUES,
  HDLC_MAX_FRAME_LENGTH,
  type HdlcFrame,
  type HdlcIFrame,
  hdlcNegotiatedValues,
  llcBytes,
} from '@meterkit/dlms';
import type { ReplayStep } from './script.js';

/** Decodes an HDLC frame, or undefined when the bytes are not one. */
function frameOf(bytes: Uint8Array | undefined, llc = true): HdlcFrame | undefined {
  if (bytes === undefined || bytes[0] !== 0x7e) return undefined;
  try {
    return decodeHdlcFrame(bytes, { llc });
  } catch (e) {
    if (!isMeterkitError(e)) throw e;
    return undefined;
  }
}

/** The information field of an I frame with its LLC header, as the segments carry it. */
function fullInformation(f: HdlcIFrame): Uint8Array {
  return f.llc === undefined ? f.information : concatBytes(llcBytes(f.llc), f.information);
}

/** One unsegmented I frame holding a whole reassembled APDU (first segment's addresses and numbers), or undefined when it cannot fit one frame. */
function wholeFrame(first: HdlcIFrame, info: Uint8Array): Uint8Array | undefined {
  const header = 2 + first.destination.size + first.source.size + 1;
  if (header + 2 + info.length + 2 > HDLC_MAX_FRAME_LENGTH) return undefined;
  return encodeHdlcFrame({
    type: 'i',
    destination: first.destination,
    source: first.source,
    pollFinal: first.pollFinal,
    sendSequence: first.sendSequence,
    receiveSequence: first.receiveSequence,
    information: info,
    segmented: false,
  });
}

/** Gathers the segments of one APDU (IEC 62056-46 §6.4.4.4.3.4, segmentation bit S). */
class SegmentChain {
  readonly first: HdlcIFrame;
  readonly parts: Uint8Array[];
  readonly frames: Uint8Array[];
  constructor(first: HdlcIFrame, raw: Uint8Array) {
    this.first = first;
    this.parts = [fullInformation(first)];
    this.frames = [raw];
  }
  add(f: HdlcIFrame, raw: Uint8Array): void {
    this.parts.push(f.information);
    this.frames.push(raw);
  }
  /** The whole APDU in one frame, or the segments as captured when it does not fit one. */
  whole(): Uint8Array[] {
    const w = wholeFrame(this.first, concatBytes(...this.parts));
    return w === undefined ? this.frames : [w];
  }
}

/** Joins the segmented I frames of one direction of a list of answers; `open` continues a chain. */
function joinAnswers(
  answers: readonly Uint8Array[],
  into: Uint8Array[],
  open: SegmentChain | undefined,
): SegmentChain | undefined {
  let chain = open;
  for (const a of answers) {
    const f = frameOf(a, chain === undefined);
    if (f?.type !== 'i' || (chain === undefined && !f.segmented)) {
      if (chain !== undefined) into.push(...chain.whole());
      chain = undefined;
      into.push(a);
      continue;
    }
    if (chain === undefined) chain = new SegmentChain(f, a);
    else chain.add(f, a);
    if (!f.segmented) {
      into.push(...chain.whole());
      chain = undefined;
    }
  }
  return chain;
}

/**
 * Reassembles the segmented HDLC I frames of a captured DLMS session (IEC 62056-46 §6.4.4.4.3.4):
 * a request sent in segments becomes one step whose request is the whole APDU in one unsegmented
 * I frame (the RR answers to its segments are dropped), and an answer sent in segments becomes one
 * unsegmented I frame (the client RR steps that asked for the next segment are dropped). The adapter
 * then sees whole APDUs; `HdlcReplayLink` segments them again for the device under test. A chain too
 * long for one frame (2047 octets) is kept as captured.
 */
export function mergeHdlcSegments(steps: readonly ReplayStep[]): ReplayStep[] {
  const out: ReplayStep[] = [];
  let request: SegmentChain | undefined;
  let requestFrame = 0;
  let answer: SegmentChain | undefined;
  let answers: Uint8Array[] = [];
  const flushAnswer = (): void => {
    if (answer !== undefined) answers.push(...answer.whole());
    answer = undefined;
  };
  const close = (): void => {
    flushAnswer();
    const last = out[out.length - 1];
    if (last !== undefined) out[out.length - 1] = { ...last, answers };
    answers = [];
  };
  for (const step of steps) {
    const f = step.protocol === 'dlms' ? frameOf(step.request, request === undefined) : undefined;
    // the client asks for the next segment of an answer: absorbed into the answer
    if (answer !== undefined && request === undefined && (f?.type === 'rr' || f?.type === 'rnr')) {
      answer = joinAnswers(step.answers, answers, answer);
      continue;
    }
    if (f?.type === 'i' && (request !== undefined || f.segmented)) {
      if (request === undefined) {
        close();
        request = new SegmentChain(f, step.request);
        requestFrame = step.frame;
      } else request.add(f, step.request);
      if (f.segmented) continue;
      const whole = request.whole();
      request = undefined;
      if (whole.length !== 1) {
        // too long for one frame: the captured segments, each with its captured answers
        for (const w of whole)
          out.push({ frame: step.frame, protocol: step.protocol, request: w, answers: [] });
      } else out.push({ frame: requestFrame, protocol: step.protocol, request: whole[0]!, answers: [] });
      answer = joinAnswers(step.answers, answers, undefined);
      continue;
    }
    close();
    out.push({ ...step, answers: [] });
    answer = joinAnswers(step.answers, answers, undefined);
  }
  close();
  return out;
}

/** Reads one whole HDLC frame from the device under test (IEC 62056-46 §6.4). */
export type ReadFrame = () => Promise<Uint8Array>;

/**
 * The replay's side of the HDLC link with the device under test (IEC 62056-46 §6.4): it keeps its
 * own send and receive sequence numbers V(S)/V(R) (reset by SNRM/UA), learns the maximum
 * information field length the device receives from its UA (§6.4.4.4.3.2), sends each whole I frame
 * in segments of that length (segmentation bit S, waiting for the device's RR after each), and asks
 * with RR for the next segment of a segmented answer, handing the answer on reassembled into one
 * unsegmented I frame so it is compared with the (reassembled) captured one.
 */
export class HdlcReplayLink {
  #vs = 0;
  #vr = 0;
  #maxInfo = HDLC_DEFAULT_VALUES.maxInfoFieldLengthReceive;
  #last: HdlcFrame | undefined;
  /** Requests sent in more than one segment, and answers received in more than one. */
  readonly counts = { segmentedRequests: 0, segmentedAnswers: 0, segmentsSent: 0, segmentsReceived: 0 };

  /** The largest information field the device receives (learnt from its UA; 128 before). */
  get maxInfoLength(): number {
    return this.#maxInfo;
  }

  /** Sends one captured (adapted, reassembled) client frame: I frames renumbered and segmented. */
  async send(
    bytes: Uint8Array,
    write: (b: Uint8Array) => Promise<void>,
    read: ReadFrame,
  ): Promise<Uint8Array> {
    const f = frameOf(bytes);
    this.#last = f;
    if (f === undefined) {
      await write(bytes);
      return bytes;
    }
    if (f.type === 'rr' || f.type === 'rnr') {
      const b = encodeHdlcFrame({ ...f, receiveSequence: this.#vr });
      await write(b);
      return b;
    }
    if (f.type !== 'i') {
      await write(bytes);
      return bytes;
    }
    const info = fullInformation(f);
    const max = Math.max(1, this.#maxInfo);
    const sent: Uint8Array[] = [];
    if (info.length > max) this.counts.segmentedRequests++;
    for (let at = 0; at < info.length || at === 0; at += max) {
      const more = at + max < info.length;
      const b = encodeHdlcFrame({
        type: 'i',
        destination: f.destination,
        source: f.source,
        pollFinal: more ? true : f.pollFinal,
        sendSequence: this.#vs,
        receiveSequence: this.#vr,
        information: info.subarray(at, Math.min(info.length, at + max)),
        segmented: more,
      });
      this.#vs = (this.#vs + 1) & 7;
      await write(b);
      sent.push(b);
      if (!more) break;
      const ack = frameOf(await read());
      if (ack?.type !== 'rr')
        throw new MeterkitError(
          ErrorCode.ValueInvalid,
          `the device answered a request segment with ${ack?.type ?? 'an undecodable frame'}, not RR`,
          { path: 'hdlc.segment' },
        );
    }
    if (sent.length > 1) this.counts.segmentsSent += sent.length;
    return concatBytes(...sent);
  }

  /**
   * Reads one answer: a segmented I frame is completed with RR polls and handed on as one frame
   * (as its segments when the whole would not fit one frame, or when the device stops sending them).
   */
  async receive(read: ReadFrame, write: (b: Uint8Array) => Promise<void>): Promise<Uint8Array[]> {
    const raw = await read();
    const f = frameOf(raw);
    if (f?.type === 'ua' && this.#last?.type === 'snrm') {
      this.#vs = 0;
      this.#vr = 0;
      this.#maxInfo = hdlcNegotiatedValues(f.parameters).maxInfoFieldLengthReceive;
      return [raw];
    }
    if (f?.type !== 'i') return [raw];
    this.#vr = (this.#vr + 1) & 7;
    if (!f.segmented) return [raw];
    this.counts.segmentedAnswers++;
    const chain = new SegmentChain(f, raw);
    let seg: HdlcFrame | undefined = f;
    while (seg?.type === 'i' && seg.segmented) {
      this.counts.segmentsReceived++;
      await write(
        encodeHdlcFrame({
          type: 'rr',
          destination: f.source,
          source: f.destination,
          pollFinal: true,
          receiveSequence: this.#vr,
        }),
      );
      const next = await read();
      seg = frameOf(next, false);
      if (seg?.type !== 'i') return [...chain.frames, next];
      this.#vr = (this.#vr + 1) & 7;
      chain.add(seg, next);
    }
    this.counts.segmentsReceived++;
    return chain.whole();
  }
}
