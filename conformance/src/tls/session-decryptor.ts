import { MeterkitError } from '@meterkit/core';
import { type HttpMessage, HttpStreamParser } from '../input/http.js';
import type { SessionMessage } from '../session/frame-session.js';
import type { SessionDirection, SessionProtocol, SessionRecord } from '../session/record.js';
import { TlsConnection, type TlsDirection } from './connection.js';
import type { TlsKeyLog } from './keylog.js';

/** Something on a decrypted channel that is not a whole message: a bad tag, a malformed TLS record or HTTP message. */
export interface TlsProblem {
  readonly frame: number;
  readonly channel: string;
  readonly direction: SessionDirection;
  readonly timestamp: bigint | undefined;
  readonly protocol: SessionProtocol | undefined;
  /** The TLS record concerned, when there is one (ciphertext: safe to show). */
  readonly bytes: Uint8Array;
  /** Offset in the direction's stream (TLS stream for record problems, plaintext for HTTP ones). */
  readonly offset: number;
  /** One line, starting `TLS:` or `HTTP:`. */
  readonly reason: string;
  readonly error: MeterkitError;
}

/** Where a `TlsSessionDecryptor` sends records, channel ends and problems, synchronously and in order. */
export interface TlsDecryptSink {
  record(r: SessionRecord): void;
  finished(channel: string): void;
  problem(p: TlsProblem): void;
}

/** Options of `TlsSessionDecryptor`. */
export interface TlsSessionDecryptorOptions {
  /** Most bytes of a channel's records held while its handshake is read. Default 1 MiB. */
  readonly maxHeldBytes?: number;
  /** Most TLS channels followed at once; later ones pass through encrypted. Default 10 000. */
  readonly maxChannels?: number;
}

interface ChannelState {
  readonly connection: TlsConnection;
  mode: 'pending' | 'decrypt' | 'pass';
  held: SessionRecord[];
  heldBytes: number;
  protocol: SessionProtocol | undefined;
  requests: HttpStreamParser | undefined;
  responses: HttpStreamParser | undefined;
  last: SessionRecord;
}

const encoder = new TextEncoder();

/**
 * Writes an HTTP/1.1 message back as bytes (RFC 9112 §2.1): the start line and header fields as
 * received, then the body; a chunked body (§7.1) is written as one chunk and the last chunk, so
 * the message says what it said on the wire.
 */
export function serializeHttpMessage(m: HttpMessage): Uint8Array {
  const start =
    m.kind === 'request'
      ? `${m.method} ${m.target} ${m.version}`
      : `${m.version} ${m.status} ${m.reason ?? ''}`;
  let chunked = false;
  let head = `${start}\r\n`;
  for (const [name, value] of m.headers) {
    head += `${name}: ${value}\r\n`;
    if (name.toLowerCase() === 'transfer-encoding' && /(^|,)\s*chunked\s*$/i.test(value)) chunked = true;
  }
  head += '\r\n';
  const headBytes = encoder.encode(head);
  const prefix =
    chunked && m.body.length > 0 ? encoder.encode(`${m.body.length.toString(16)}\r\n`) : new Uint8Array(0);
  const suffix = chunked
    ? encoder.encode(m.body.length > 0 ? '\r\n0\r\n\r\n' : '0\r\n\r\n')
    : new Uint8Array(0);
  const out = new Uint8Array(headBytes.length + prefix.length + m.body.length + suffix.length);
  out.set(headBytes);
  out.set(prefix, headBytes.length);
  out.set(m.body, headBytes.length + prefix.length);
  out.set(suffix, headBytes.length + prefix.length + m.body.length);
  return out;
}

/**
 * Decrypts the TLS channels of a session (records marked `encrypted`, RFC 5246) with a key log, so
 * the rules see their plaintext: a channel's records are held until its ServerHello tells whether
 * the key log has the session (`TlsConnection`); if not, they pass on unchanged, still `encrypted`.
 * A decrypted IEEE 2030.5 channel's application data runs through the HTTP/1.1 parser of each
 * direction (`HttpStreamParser`) and each whole message becomes one plaintext record (frame: the
 * packet that completed it); other protocols' application data becomes one record per TLS record.
 * Bad tags, broken records and malformed HTTP messages go to `sink.problem`. Records of other
 * channels pass straight through.
 */
export class TlsSessionDecryptor {
  readonly #sink: TlsDecryptSink;
  readonly #keyLog: TlsKeyLog;
  readonly #maxHeld: number;
  readonly #maxChannels: number;
  readonly #channels = new Map<string, ChannelState>();
  /** The record being processed, for the frame and time of what it yields. */
  #current: SessionRecord | undefined;

  constructor(sink: TlsDecryptSink, keyLog: TlsKeyLog, options: TlsSessionDecryptorOptions = {}) {
    this.#sink = sink;
    this.#keyLog = keyLog;
    this.#maxHeld = options.maxHeldBytes ?? 1024 * 1024;
    this.#maxChannels = options.maxChannels ?? 10_000;
  }

  /** Feeds one session record. */
  push(r: SessionRecord): void {
    if (r.encrypted !== true) {
      this.#sink.record(r);
      return;
    }
    let c = this.#channels.get(r.channel);
    if (c === undefined) {
      if (this.#channels.size >= this.#maxChannels || r.direction === 'unknown') {
        this.#sink.record(r);
        return;
      }
      c = this.#open(r);
    }
    if (c.mode === 'pass' || r.direction === 'unknown') {
      this.#sink.record(r);
      return;
    }
    c.last = r;
    this.#current = r;
    if (c.mode === 'pending') {
      c.held.push(r.gap === undefined && r.bytes.length > 0 ? { ...r, bytes: r.bytes.slice() } : r);
      c.heldBytes += r.bytes.length;
    }
    if (r.gap !== undefined) {
      c.connection.gap(r.direction, r.gap.missing);
      if (c.mode === 'decrypt') {
        this.#parser(c, r.direction)?.gap(r.gap.missing);
        this.#sink.record({ ...r, encrypted: undefined });
      }
    } else c.connection.push(r.direction, r.bytes);
    this.#settle(c);
  }

  #open(r: SessionRecord): ChannelState {
    const channel = r.channel;
    const state: ChannelState = {
      connection: new TlsConnection(this.#keyLog, {
        applicationData: (dir, bytes) => this.#data(channel, state, dir, bytes),
        problem: (dir, error, record) => {
          const at = this.#current ?? state.last;
          this.#sink.problem({
            frame: at.frame,
            channel,
            direction: dir,
            timestamp: at.timestamp,
            protocol: state.protocol,
            bytes: record ?? new Uint8Array(0),
            offset: error.offset ?? 0,
            reason: `TLS: ${error.message}`,
            error,
          });
        },
      }),
      mode: 'pending',
      held: [],
      heldBytes: 0,
      protocol: r.protocol,
      requests: undefined,
      responses: undefined,
      last: r,
    };
    if (r.protocol === 'ieee2030-5' || r.protocol === undefined) {
      state.requests = new HttpStreamParser('request');
      state.responses = new HttpStreamParser('response');
    }
    this.#channels.set(channel, state);
    return state;
  }

  /** Moves a pending channel on once its connection has decided, or gives up when too much is held. */
  #settle(c: ChannelState): void {
    if (c.mode !== 'pending') return;
    const decision = c.connection.decision;
    if (decision.state === 'decrypt') {
      // the held records are the handshake: they carry nothing for the rules
      c.mode = 'decrypt';
      c.held = [];
      c.heldBytes = 0;
    } else if (decision.state === 'encrypted' || c.heldBytes > this.#maxHeld) {
      this.#passOn(c);
    }
  }

  /** The channel stays encrypted: its held records go on unchanged, and so will its later ones. */
  #passOn(c: ChannelState): void {
    c.mode = 'pass';
    const held = c.held;
    c.held = [];
    c.heldBytes = 0;
    for (const r of held) this.#sink.record(r);
  }

  #parser(c: ChannelState, dir: TlsDirection): HttpStreamParser | undefined {
    return dir === 'client-to-server' ? c.requests : c.responses;
  }

  #data(channel: string, c: ChannelState, dir: TlsDirection, bytes: Uint8Array): void {
    const at = this.#current ?? c.last;
    const parser = this.#parser(c, dir);
    if (parser === undefined) {
      this.#sink.record({
        frame: at.frame,
        channel,
        direction: dir,
        timestamp: at.timestamp,
        protocol: c.protocol,
        bytes,
      });
      return;
    }
    let input = bytes;
    // after an HTTP error the parser skips ahead; keep parsing what is left (each round consumes bytes)
    for (;;) {
      try {
        this.#emit(channel, c, parser.push(input, at.frame, at.timestamp));
        return;
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
        this.#httpProblem(channel, c, dir, e);
        if (!parser.hasBuffered) return;
        input = new Uint8Array(0);
      }
    }
  }

  #httpProblem(channel: string, c: ChannelState, dir: TlsDirection, error: MeterkitError): void {
    const at = this.#current ?? c.last;
    this.#sink.problem({
      frame: at.frame,
      channel,
      direction: dir,
      timestamp: at.timestamp,
      protocol: c.protocol,
      bytes: new Uint8Array(0),
      offset: error.offset ?? 0,
      reason: error.message,
      error,
    });
  }

  #emit(channel: string, c: ChannelState, messages: HttpMessage[]): void {
    for (const m of messages) {
      if (m.kind === 'request') c.responses?.pendingMethods.push(m.method ?? '');
      this.#sink.record({
        frame: m.frame,
        channel,
        direction: m.kind === 'request' ? 'client-to-server' : 'server-to-client',
        timestamp: m.timestamp,
        protocol: c.protocol ?? 'ieee2030-5',
        bytes: serializeHttpMessage(m),
      });
    }
  }

  #close(channel: string, c: ChannelState): void {
    this.#channels.delete(channel);
    if (c.mode === 'pending') {
      this.#passOn(c);
      return;
    }
    if (c.mode !== 'decrypt') return;
    this.#current = undefined;
    for (const dir of ['client-to-server', 'server-to-client'] as const) {
      const parser = this.#parser(c, dir);
      if (parser === undefined) continue;
      try {
        this.#emit(channel, c, parser.end(c.last.frame, c.last.timestamp));
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
        this.#httpProblem(channel, c, dir, e);
      }
    }
  }

  /** The channel's stream ended: a response read to the close completes, then the end is passed on. */
  finished(channel: string): void {
    const c = this.#channels.get(channel);
    if (c !== undefined) this.#close(channel, c);
    this.#sink.finished(channel);
  }

  /** The session ended: every channel still followed is closed (its end is not passed on). */
  end(): void {
    for (const [channel, c] of [...this.#channels]) this.#close(channel, c);
  }
}

/**
 * `TlsSessionDecryptor` over an iterable of records: yields the records to analyse (decrypted
 * where the key log allows); problems go to `onProblem`.
 */
export async function* decryptSessionRecords(
  records: AsyncIterable<SessionRecord> | Iterable<SessionRecord>,
  keyLog: TlsKeyLog,
  onProblem: (p: TlsProblem) => void = () => undefined,
): AsyncGenerator<SessionRecord> {
  let out: SessionRecord[] = [];
  const d = new TlsSessionDecryptor(
    { record: (r) => out.push(r), finished: () => undefined, problem: onProblem },
    keyLog,
  );
  for await (const r of records) {
    d.push(r);
    if (out.length > 0) {
      const batch = out;
      out = [];
      yield* batch;
    }
  }
  d.end();
  yield* out;
}

/**
 * A problem as a `discarded` session message (its reason starting `TLS:` or `HTTP:`), so the
 * capture rules report it (CAPTURE-DISCARDED) at its frame.
 */
export function tlsProblemMessage(p: TlsProblem): SessionMessage {
  return {
    type: 'discarded',
    frame: p.frame,
    channel: p.channel,
    direction: p.direction,
    timestamp: p.timestamp,
    protocol: p.protocol,
    bytes: p.bytes,
    offset: p.offset,
    reason: p.reason,
  };
}
