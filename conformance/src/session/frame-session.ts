import { frameStream, type StreamFramer, type StreamFraming } from '../reassembly/frame-stream.js';
import type { SessionDirection, SessionGap, SessionProtocol, SessionRecord } from './record.js';

/** One protocol message of a session: a whole frame/APDU, bytes between messages, or a gap. */
export interface SessionMessage {
  readonly type: 'message' | 'discarded' | 'gap';
  /** Frame of the record that completed the message. */
  readonly frame: number;
  readonly channel: string;
  readonly direction: SessionDirection;
  readonly timestamp: bigint | undefined;
  readonly protocol: SessionProtocol | undefined;
  readonly bytes: Uint8Array;
  /** Offset of `bytes[0]` in the channel direction's byte stream (for stream channels; 0 otherwise). */
  readonly offset: number;
  /** Why the bytes were discarded. */
  readonly reason?: string | undefined;
  readonly gap?: SessionGap | undefined;
  /** XML of an XML-only record (Gurux PDU trees). */
  readonly xml?: string | undefined;
}

/** Options of `frameSession`. */
export interface FrameSessionOptions {
  /** Largest message; see `frameStream`. */
  readonly maxFrameLength?: number;
  /** Framing per protocol for byte-stream channels; defaults: dlms → wrapper or HDLC, c1222, c1218. */
  readonly framing?: Partial<Record<SessionProtocol, StreamFraming>>;
  /** Channel ids whose records are byte streams to be framed. Default: TCP and serial channels. */
  readonly isStream?: (channel: string) => boolean;
}

const DEFAULT_FRAMING: Partial<Record<SessionProtocol, StreamFraming>> = {
  dlms: 'dlms',
  c1222: 'c1222',
  c1218: 'c1218',
};

const MAX_FRAMERS = 20_000;

/**
 * Cuts the records of stream channels (reassembled TCP, serial) into protocol messages with
 * `frameStream`, per channel and direction; records of message channels (UDP datagrams, hex log
 * lines, JSONL, Gurux XML) and of encrypted or unframed protocols (2030.5 is HTTP, see
 * `readHttpExchanges`) pass through as one message each. Gaps are passed on and reset the framer.
 */
export async function* frameSession(
  records: AsyncIterable<SessionRecord> | Iterable<SessionRecord>,
  options: FrameSessionOptions = {},
): AsyncGenerator<SessionMessage> {
  const framing = { ...DEFAULT_FRAMING, ...options.framing };
  const isStream = options.isStream ?? ((c: string) => c.startsWith('tcp ') || c === 'serial');
  const framers = new Map<string, { framer: StreamFramer; last: SessionRecord }>();
  const base = (r: SessionRecord) => ({
    frame: r.frame,
    channel: r.channel,
    direction: r.direction,
    timestamp: r.timestamp,
    protocol: r.protocol,
  });
  for await (const r of records) {
    const kind = r.protocol === undefined || r.encrypted === true ? undefined : framing[r.protocol];
    if (!isStream(r.channel) || kind === undefined) {
      if (r.gap !== undefined) yield { ...base(r), type: 'gap', bytes: r.bytes, offset: 0, gap: r.gap };
      else yield { ...base(r), type: 'message', bytes: r.bytes, offset: 0, xml: r.xml };
      continue;
    }
    const key = `${r.direction} ${r.channel}`;
    let state = framers.get(key);
    if (state === undefined) {
      if (framers.size >= MAX_FRAMERS) framers.clear();
      const limits = options.maxFrameLength === undefined ? {} : { maxFrameLength: options.maxFrameLength };
      state = { framer: frameStream(kind, limits), last: r };
      framers.set(key, state);
    }
    state.last = r;
    const framer = state.framer;
    const pieces = r.gap !== undefined ? framer.gap(r.gap.missing) : framer.push(r.bytes);
    for (const p of pieces) {
      yield p.type === 'frame'
        ? { ...base(r), type: 'message', bytes: p.bytes, offset: p.offset }
        : { ...base(r), type: 'discarded', bytes: p.bytes, offset: p.offset, reason: p.reason };
    }
    if (r.gap !== undefined) yield { ...base(r), type: 'gap', bytes: r.bytes, offset: 0, gap: r.gap };
  }
  for (const { framer, last } of framers.values()) {
    for (const p of framer.end()) {
      const reason = p.type === 'discarded' ? p.reason : 'unframed';
      yield { ...base(last), type: 'discarded', bytes: p.bytes, offset: p.offset, reason };
    }
  }
}
