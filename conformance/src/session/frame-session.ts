import {
  frameStream,
  type SinkStreamFramer,
  type StreamFrameSink,
  type StreamFraming,
} from '../reassembly/frame-stream.js';
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
  /**
   * Copy the bytes of records passed through as one message (datagrams, unframed streams), so a
   * message never shares memory with its record (the source may reuse its buffers). Default false.
   */
  readonly copyPassThrough?: boolean;
}

const DEFAULT_FRAMING: Partial<Record<SessionProtocol, StreamFraming>> = {
  dlms: 'dlms',
  c1222: 'c1222',
  c1218: 'c1218',
};

/** Most channels whose framers are kept; beyond it every framer is ended and dropped. */
const MAX_FRAMERS = 20_000;

/**
 * Channels reported finished are retired (framers ended, the end passed on) only once more than
 * this many are waiting, so a short capture is concluded exactly as if nothing had finished early.
 */
export const RETIRE_AFTER = 64;

/** Receives messages in order, and the end of a channel once its framers are ended. */
export interface SessionMessageSink {
  message(m: SessionMessage): void;
  finished(channel: string): void;
}

/** One direction's framer and its last record (for the frame of end-of-stream pieces). */
interface DirectionFramer {
  readonly framer: SinkStreamFramer;
  last: SessionRecord;
  /** Creation order among all framers, so streams end in the order they began. */
  readonly seq: number;
}

interface ChannelFramers {
  toServer: DirectionFramer | undefined;
  toClient: DirectionFramer | undefined;
  unknown: DirectionFramer | undefined;
  /** Bumped by each record, to tell a finished channel that came back from one still idle. */
  generation: number;
}

function directionsOf(c: ChannelFramers): DirectionFramer[] {
  const out: DirectionFramer[] = [];
  if (c.toServer !== undefined) out.push(c.toServer);
  if (c.toClient !== undefined) out.push(c.toClient);
  if (c.unknown !== undefined) out.push(c.unknown);
  return out;
}

/**
 * The synchronous core of `frameSession`: push records, messages come out through a sink. Stream
 * channels (reassembled TCP, serial) are cut into protocol messages with `frameStream`, per channel
 * and direction; records of message channels and of encrypted or unframed protocols pass through as
 * one message each. Gaps are passed on and reset the framer. A channel reported `finished` has its
 * framers ended (leftovers become discarded messages) and the end passed on, in order, once
 * `RETIRE_AFTER` later channels have finished, so memory stays bounded on captures of any length.
 */
export class SessionFramer {
  readonly #framing: Partial<Record<SessionProtocol, StreamFraming>>;
  readonly #isStream: (channel: string) => boolean;
  readonly #limits: { maxFrameLength?: number };
  readonly #copy: boolean;
  readonly #channels = new Map<string, ChannelFramers>();
  readonly #retiring: { channel: string; generation: number }[] = [];
  #retireHead = 0;
  #framerSeq = 0;
  readonly #sink: SessionMessageSink;
  /** The record being framed, read by the frame sink. */
  #r: SessionRecord | undefined;
  readonly #frameSink: StreamFrameSink = {
    frame: (bytes, offset) => this.#emit('message', this.#r!, bytes, offset, undefined),
    discarded: (bytes, offset, reason) => this.#emit('discarded', this.#r!, bytes, offset, reason),
  };

  /** What a stream ending leaves is discarded, whole frames included (none can be whole there). */
  readonly #endSink: StreamFrameSink = {
    frame: (bytes, offset) => this.#emit('discarded', this.#r!, bytes, offset, 'unframed'),
    discarded: (bytes, offset, reason) => this.#emit('discarded', this.#r!, bytes, offset, reason),
  };

  constructor(sink: SessionMessageSink, options: FrameSessionOptions = {}) {
    this.#sink = sink;
    this.#framing = { ...DEFAULT_FRAMING, ...options.framing };
    this.#isStream = options.isStream ?? ((c: string) => c.startsWith('tcp ') || c === 'serial');
    this.#limits = options.maxFrameLength === undefined ? {} : { maxFrameLength: options.maxFrameLength };
    this.#copy = options.copyPassThrough ?? false;
  }

  #emit(
    type: SessionMessage['type'],
    r: SessionRecord,
    bytes: Uint8Array,
    offset: number,
    reason: string | undefined,
  ): void {
    this.#sink.message({
      type,
      frame: r.frame,
      channel: r.channel,
      direction: r.direction,
      timestamp: r.timestamp,
      protocol: r.protocol,
      bytes,
      offset,
      reason,
      gap: type === 'gap' ? r.gap : undefined,
      xml: type === 'message' ? r.xml : undefined,
    });
  }

  /** Feeds one record. */
  push(r: SessionRecord): void {
    const kind = r.protocol === undefined || r.encrypted === true ? undefined : this.#framing[r.protocol];
    if (kind === undefined || !this.#isStream(r.channel)) {
      if (r.gap !== undefined) this.#emit('gap', r, r.bytes, 0, undefined);
      else this.#emit('message', r, this.#copy ? r.bytes.slice() : r.bytes, 0, undefined);
      return;
    }
    let c = this.#channels.get(r.channel);
    if (c === undefined) {
      if (this.#channels.size >= MAX_FRAMERS) this.#endAll();
      c = { toServer: undefined, toClient: undefined, unknown: undefined, generation: 0 };
      this.#channels.set(r.channel, c);
    }
    c.generation++;
    let d =
      r.direction === 'client-to-server'
        ? c.toServer
        : r.direction === 'server-to-client'
          ? c.toClient
          : c.unknown;
    if (d === undefined) {
      d = { framer: frameStream(kind, this.#limits), last: r, seq: this.#framerSeq++ };
      if (r.direction === 'client-to-server') c.toServer = d;
      else if (r.direction === 'server-to-client') c.toClient = d;
      else c.unknown = d;
    }
    d.last = r;
    const framer = d.framer;
    this.#r = r;
    if (r.gap !== undefined) {
      framer.gapInto(r.gap.missing, this.#frameSink);
      this.#emit('gap', r, r.bytes, 0, undefined);
    } else framer.pushInto(r.bytes, this.#frameSink);
  }

  /** The channel's stream ended; it is retired once `RETIRE_AFTER` later channels have ended too. */
  finished(channel: string): void {
    const c = this.#channels.get(channel);
    if (c === undefined) {
      this.#retiring.push({ channel, generation: -1 });
    } else this.#retiring.push({ channel, generation: c.generation });
    while (this.#retiring.length - this.#retireHead > RETIRE_AFTER) {
      const { channel: old, generation } = this.#retiring[this.#retireHead++]!;
      const held = this.#channels.get(old);
      // no framers (a passed-through channel, or framers already ended): only the end to pass on
      if (held === undefined) this.#sink.finished(old);
      else if (held.generation === generation) this.#retire(old, held);
    }
    if (this.#retireHead > 1024 && this.#retireHead * 2 > this.#retiring.length) {
      this.#retiring.splice(0, this.#retireHead);
      this.#retireHead = 0;
    }
  }

  #retire(channel: string, c: ChannelFramers): void {
    this.#endStreams(directionsOf(c));
    this.#channels.delete(channel);
    this.#sink.finished(channel);
  }

  /** Ends streams in the order they began. */
  #endStreams(streams: DirectionFramer[]): void {
    if (streams.length > 1) streams.sort((a, b) => a.seq - b.seq);
    for (const d of streams) {
      if (d.framer.buffered === 0) continue;
      this.#r = d.last;
      d.framer.endInto(this.#endSink);
    }
  }

  #endAll(): void {
    const all: DirectionFramer[] = [];
    for (const c of this.#channels.values()) all.push(...directionsOf(c));
    this.#endStreams(all);
    this.#channels.clear();
  }

  /** Ends every stream: bytes left in a framer come out as discarded messages. */
  end(): void {
    this.#endAll();
  }
}

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
  let out: SessionMessage[] = [];
  const framer = new SessionFramer({ message: (m) => out.push(m), finished: () => undefined }, options);
  for await (const r of records) {
    framer.push(r);
    if (out.length > 0) {
      const batch = out;
      out = [];
      yield* batch;
    }
  }
  framer.end();
  yield* out;
}
