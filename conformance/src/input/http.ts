import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { isTlsRecordStart } from '../session/capture-session.js';
import type { SessionDirection, SessionRecord } from '../session/record.js';

/** One HTTP/1.1 message (RFC 9112 §2.1), body de-chunked. */
export interface HttpMessage {
  readonly kind: 'request' | 'response';
  /** Request method (RFC 9112 §3.1). */
  readonly method?: string | undefined;
  /** Request target. */
  readonly target?: string | undefined;
  /** Response status code (RFC 9112 §4). */
  readonly status?: number | undefined;
  readonly reason?: string | undefined;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  readonly version: string;
  /** Header fields in order, names as sent. */
  readonly headers: readonly (readonly [string, string])[];
  /** The message body (content after transfer decoding). */
  readonly body: Uint8Array;
  /** Offset of the start line in the direction's byte stream. */
  readonly offset: number;
  /** Frame that completed the message. */
  readonly frame: number;
  readonly timestamp: bigint | undefined;
}

/** Finds a header field value (names are case-insensitive, RFC 9110 §5.1); the last one wins. */
export function httpHeader(message: HttpMessage, name: string): string | undefined {
  const lower = name.toLowerCase();
  let value: string | undefined;
  for (const [n, v] of message.headers) if (n.toLowerCase() === lower) value = v;
  return value;
}

/** Limits of HTTP parsing. */
export interface HttpParserOptions {
  /** Longest start line plus header section. Default 64 KiB. */
  readonly maxHeaderBytes?: number;
  /** Longest body. Default 16 MiB. */
  readonly maxBodyBytes?: number;
}

const latin1 = new TextDecoder('latin1');
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const START_LINES = /^(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|HTTP\/1\.[01]) /;

type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'lost';

interface Head {
  kind: 'request' | 'response';
  method?: string;
  target?: string;
  status?: number;
  reason?: string;
  version: string;
  headers: Array<[string, string]>;
  offset: number;
}

/**
 * A sans-IO HTTP/1.1 message parser for one direction of a reassembled TCP stream (RFC 9112):
 * start line and header section, then a body framed by Transfer-Encoding: chunked (§7.1),
 * Content-Length (§6.2), or (responses only) the connection close (§6.3); several messages may
 * follow each other (keep-alive, pipelining). Malformed messages throw `ValueInvalid` at their
 * stream offset; after that, or after a `gap`, the parser skips to the next start line.
 */
export class HttpStreamParser {
  private readonly kind: 'request' | 'response';
  private readonly maxHeader: number;
  private readonly maxBody: number;
  private buf = new Uint8Array(0);
  /** Stream offset of `buf[0]`. */
  private base = 0;
  private phase: Phase = 'head';
  private stepStart = 0;
  private head: Head | undefined;
  private need = 0;
  private chunks: Uint8Array[] = [];
  private bodyLength = 0;
  /** Methods of requests whose responses are awaited, for HEAD (no body, RFC 9112 §6.3). */
  readonly pendingMethods: string[] = [];

  constructor(kind: 'request' | 'response', options: HttpParserOptions = {}) {
    this.kind = kind;
    this.maxHeader = options.maxHeaderBytes ?? 64 * 1024;
    this.maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  }

  /** Feeds stream bytes; returns the messages they complete. */
  push(bytes: Uint8Array, frame: number, timestamp: bigint | undefined): HttpMessage[] {
    this.append(bytes);
    const out: HttpMessage[] = [];
    try {
      for (;;) {
        this.stepStart = this.base;
        if (!this.step(out, frame, timestamp)) break;
      }
    } catch (e) {
      this.phase = 'lost';
      this.head = undefined;
      // Skip at least one byte unless the failed step already consumed some.
      this.resync(this.base > this.stepStart ? 0 : 1);
      throw e;
    }
    return out;
  }

  /** True when bytes are buffered that a `push` of nothing could still turn into messages. */
  get hasBuffered(): boolean {
    return this.buf.length > 0;
  }

  /** Bytes are missing: the message in progress is dropped and parsing resumes at the next start line. */
  gap(missing: number): void {
    this.base += this.buf.length + missing;
    this.buf = new Uint8Array(0);
    this.phase = 'lost';
    this.head = undefined;
  }

  /** The stream ended: completes a response whose body runs to the close; returns it if any. */
  end(frame: number, timestamp: bigint | undefined): HttpMessage[] {
    if (this.phase === 'close' && this.head !== undefined) {
      this.chunks.push(this.buf);
      return [this.finish(frame, timestamp)];
    }
    if (this.phase !== 'lost' && this.phase !== 'head') {
      throw new MeterkitError(ErrorCode.Truncated, 'HTTP stream ended inside a message', {
        offset: this.base,
        path: 'http.body',
      });
    }
    if (this.phase === 'head' && this.buf.length > 0) {
      throw new MeterkitError(ErrorCode.Truncated, 'HTTP stream ended inside a header section', {
        offset: this.base,
        path: 'http.head',
      });
    }
    return [];
  }

  private append(bytes: Uint8Array): void {
    if (this.buf.length === 0) {
      this.buf = bytes.slice();
      return;
    }
    const next = new Uint8Array(this.buf.length + bytes.length);
    next.set(this.buf);
    next.set(bytes, this.buf.length);
    this.buf = next;
  }

  private consume(n: number): Uint8Array {
    const taken = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.base += n;
    return taken;
  }

  private fail(message: string, path: string, at = this.base): MeterkitError {
    return new MeterkitError(ErrorCode.ValueInvalid, `HTTP: ${message}`, { offset: at, path });
  }

  /** Skips at least `minSkip` bytes, then to the next line that looks like a start line. */
  private resync(minSkip = 0): void {
    const skip = Math.min(minSkip, this.buf.length);
    this.consume(skip);
    const text = latin1.decode(this.buf);
    const m = new RegExp(`${skip > 0 ? '\\n' : '(?:^|\\n)'}${START_LINES.source.slice(1)}`).exec(text);
    if (m === null) {
      // Keep a possible start of a start line; only whole lines can match after a newline.
      const nl = this.buf.lastIndexOf(0x0a);
      this.consume(nl < 0 ? (skip > 0 ? this.buf.length : 0) : nl);
      return;
    }
    this.consume(m.index + (m[0].startsWith('\n') ? 1 : 0));
    this.phase = 'head';
  }

  private lineEnd(from: number): number {
    return this.buf.indexOf(0x0a, from);
  }

  private step(out: HttpMessage[], frame: number, timestamp: bigint | undefined): boolean {
    switch (this.phase) {
      case 'lost':
        this.resync();
        return (this.phase as Phase) === 'head' && this.buf.length > 0;
      case 'head':
        return this.readHead();
      case 'length': {
        if (this.buf.length < this.need) return false;
        this.chunks.push(this.consume(this.need));
        out.push(this.finish(frame, timestamp));
        return true;
      }
      case 'chunk-size': {
        const nl = this.lineEnd(0);
        if (nl < 0) {
          if (this.buf.length > 1024) throw this.fail('chunk size line too long', 'http.chunk-size');
          return false;
        }
        const line = latin1.decode(this.buf.subarray(0, nl)).replace(/\r$/, '');
        const size = line.split(';')[0]!.trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(size)) throw this.fail(`bad chunk size "${size}"`, 'http.chunk-size');
        this.consume(nl + 1);
        this.need = Number.parseInt(size, 16);
        if (this.bodyLength + this.need > this.maxBody) throw this.fail('body above the limit', 'http.body');
        this.phase = this.need === 0 ? 'trailers' : 'chunk-data';
        return true;
      }
      case 'chunk-data': {
        if (this.buf.length < this.need) return false;
        this.chunks.push(this.consume(this.need));
        this.bodyLength += this.need;
        this.phase = 'chunk-end';
        return true;
      }
      case 'chunk-end': {
        if (this.buf.length < 1) return false;
        if (this.buf[0] === 0x0d) {
          if (this.buf.length < 2) return false;
          if (this.buf[1] !== 0x0a) throw this.fail('chunk not followed by CRLF', 'http.chunk');
          this.consume(2);
        } else if (this.buf[0] === 0x0a) this.consume(1);
        else throw this.fail('chunk not followed by CRLF', 'http.chunk');
        this.phase = 'chunk-size';
        return true;
      }
      case 'trailers': {
        const nl = this.lineEnd(0);
        if (nl < 0) return false;
        const line = latin1.decode(this.buf.subarray(0, nl)).replace(/\r$/, '');
        this.consume(nl + 1);
        if (line === '') {
          out.push(this.finish(frame, timestamp));
          return true;
        }
        this.addField(line, this.head!.headers);
        return true;
      }
      case 'close': {
        if (this.buf.length + this.bodyLength > this.maxBody)
          throw this.fail('body above the limit', 'http.body');
        return false;
      }
    }
  }

  private readHead(): boolean {
    // Skip empty lines before a start line (RFC 9112 §2.2).
    while (this.buf.length > 0 && (this.buf[0] === 0x0d || this.buf[0] === 0x0a)) {
      if (this.buf[0] === 0x0d && this.buf.length < 2) return false;
      this.consume(this.buf[0] === 0x0d && this.buf[1] === 0x0a ? 2 : 1);
    }
    let end = -1;
    for (let i = this.buf.indexOf(0x0a); i >= 0; i = this.buf.indexOf(0x0a, i + 1)) {
      if (this.buf[i + 1] === 0x0a) {
        end = i + 2;
        break;
      }
      if (this.buf[i + 1] === 0x0d && this.buf[i + 2] === 0x0a) {
        end = i + 3;
        break;
      }
      if (i + 2 >= this.buf.length) break;
    }
    if (end < 0) {
      if (this.buf.length > this.maxHeader) throw this.fail('header section above the limit', 'http.head');
      return false;
    }
    const offset = this.base;
    const lines = latin1
      .decode(this.consume(end))
      .split('\n')
      .map((l) => l.replace(/\r$/, ''));
    const startLine = lines[0]!;
    const head: Head = { kind: this.kind, version: '', headers: [], offset };
    if (this.kind === 'request') {
      const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) (HTTP\/\d\.\d)$/.exec(startLine);
      if (m === null)
        throw this.fail(`bad request line "${startLine.slice(0, 80)}"`, 'http.request-line', offset);
      head.method = m[1]!;
      head.target = m[2]!;
      head.version = m[3]!;
    } else {
      const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(startLine);
      if (m === null)
        throw this.fail(`bad status line "${startLine.slice(0, 80)}"`, 'http.status-line', offset);
      head.version = m[1]!;
      head.status = Number(m[2]);
      head.reason = m[3] ?? '';
    }
    for (const line of lines.slice(1)) if (line !== '') this.addField(line, head.headers);
    this.head = head;
    this.chunks = [];
    this.bodyLength = 0;
    this.chooseBody(head);
    return true;
  }

  private addField(line: string, headers: Array<[string, string]>): void {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon);
    if (!TOKEN.test(name)) throw this.fail(`bad header field "${line.slice(0, 80)}"`, 'http.header');
    headers.push([name, line.slice(colon + 1).trim()]);
  }

  /** RFC 9112 §6.3: how the body of this message is delimited. */
  private chooseBody(head: Head): void {
    const value = (name: string): string | undefined => {
      let v: string | undefined;
      for (const [n, x] of head.headers) if (n.toLowerCase() === name) v = x;
      return v;
    };
    let noBody = false;
    if (head.kind === 'response') {
      const method = this.pendingMethods.shift();
      const s = head.status!;
      noBody = method === 'HEAD' || (s >= 100 && s < 200) || s === 204 || s === 304;
    }
    const te = value('transfer-encoding');
    const cl = value('content-length');
    if (noBody) {
      this.phase = 'length';
      this.need = 0;
    } else if (te !== undefined && /(^|,)\s*chunked\s*$/i.test(te)) {
      this.phase = 'chunk-size';
    } else if (cl !== undefined) {
      if (!/^\d{1,12}$/.test(cl))
        throw this.fail(`bad Content-Length "${cl}"`, 'http.content-length', head.offset);
      this.need = Number(cl);
      if (this.need > this.maxBody) throw this.fail('body above the limit', 'http.body', head.offset);
      this.phase = 'length';
    } else if (head.kind === 'request') {
      this.phase = 'length';
      this.need = 0;
    } else {
      this.phase = 'close';
    }
  }

  private finish(frame: number, timestamp: bigint | undefined): HttpMessage {
    const head = this.head!;
    let length = 0;
    for (const c of this.chunks) length += c.length;
    const body = new Uint8Array(length);
    let at = 0;
    for (const c of this.chunks) {
      body.set(c, at);
      at += c.length;
    }
    this.head = undefined;
    this.chunks = [];
    this.phase = 'head';
    return { ...head, body, frame, timestamp };
  }
}

/** What HTTP analysis of a channel yields. */
export type HttpEvent =
  | {
      readonly type: 'exchange';
      readonly channel: string;
      readonly request: HttpMessage | undefined;
      /** Undefined when the capture ended before the response. */
      readonly response: HttpMessage | undefined;
    }
  | {
      /** The channel carries TLS (IEEE 2030.5 over HTTPS): not analysable without plaintext. */
      readonly type: 'encrypted';
      readonly channel: string;
      readonly frame: number;
    }
  | {
      readonly type: 'error';
      readonly channel: string;
      readonly direction: SessionDirection;
      readonly frame: number;
      readonly error: MeterkitError;
    };

/**
 * The HTTP/1.1 conversation on one channel: parses both directions and pairs each response with
 * the oldest unanswered request (RFC 9112 §9.3.2 pipelining keeps order). TLS streams (first
 * record header 0x16 0x03) are reported once as `encrypted` and not parsed.
 */
export class HttpConversation {
  readonly channel: string;
  private readonly requests: HttpStreamParser;
  private readonly responses: HttpStreamParser;
  private readonly unanswered: HttpMessage[] = [];
  private encrypted = false;
  private started = { 'client-to-server': false, 'server-to-client': false };

  constructor(channel: string, options: HttpParserOptions = {}) {
    this.channel = channel;
    this.requests = new HttpStreamParser('request', options);
    this.responses = new HttpStreamParser('response', options);
  }

  /** Feeds one session record of this channel. Records of unknown direction are ignored. */
  push(record: SessionRecord): HttpEvent[] {
    if (this.encrypted || record.direction === 'unknown') return [];
    const dir = record.direction;
    if (!this.started[dir] && record.bytes.length > 0) {
      this.started[dir] = true;
      if (record.encrypted === true || isTlsRecordStart(record.bytes)) {
        this.encrypted = true;
        return [{ type: 'encrypted', channel: this.channel, frame: record.frame }];
      }
    }
    const parser = dir === 'client-to-server' ? this.requests : this.responses;
    if (record.gap !== undefined) {
      parser.gap(record.gap.missing);
      return [];
    }
    const out: HttpEvent[] = [];
    let bytes = record.bytes;
    // After an error the parser skips ahead; keep parsing what is left (each round consumes bytes).
    for (;;) {
      try {
        out.push(...this.collect(parser.push(bytes, record.frame, record.timestamp)));
        return out;
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
        out.push({ type: 'error', channel: this.channel, direction: dir, frame: record.frame, error: e });
        if (!parser.hasBuffered) return out;
        bytes = new Uint8Array(0);
      }
    }
  }

  /** Ends the conversation: a response read to the close completes; unanswered requests are reported. */
  end(frame: number, timestamp: bigint | undefined): HttpEvent[] {
    const out: HttpEvent[] = [];
    for (const [parser, direction] of [
      [this.requests, 'client-to-server'],
      [this.responses, 'server-to-client'],
    ] as const) {
      try {
        out.push(...this.collect(parser.end(frame, timestamp)));
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
        out.push({ type: 'error', channel: this.channel, direction, frame, error: e });
      }
    }
    for (const request of this.unanswered.splice(0)) {
      out.push({ type: 'exchange', channel: this.channel, request, response: undefined });
    }
    return out;
  }

  private collect(messages: HttpMessage[]): HttpEvent[] {
    const out: HttpEvent[] = [];
    for (const m of messages) {
      if (m.kind === 'request') {
        this.unanswered.push(m);
        this.responses.pendingMethods.push(m.method ?? '');
      } else {
        out.push({ type: 'exchange', channel: this.channel, request: this.unanswered.shift(), response: m });
      }
    }
    return out;
  }
}

/**
 * Runs HTTP analysis over session records of any number of channels (records of channels not
 * marked `ieee2030-5`, or of other protocols, are skipped unless `allChannels`).
 */
export async function* readHttpExchanges(
  records: AsyncIterable<SessionRecord> | Iterable<SessionRecord>,
  options: HttpParserOptions & { readonly allChannels?: boolean } = {},
): AsyncGenerator<HttpEvent> {
  const conversations = new Map<string, HttpConversation>();
  let frame = 0;
  let timestamp: bigint | undefined;
  for await (const r of records) {
    frame = r.frame;
    timestamp = r.timestamp;
    if (options.allChannels !== true && r.protocol !== 'ieee2030-5') continue;
    let c = conversations.get(r.channel);
    if (c === undefined) {
      c = new HttpConversation(r.channel, options);
      conversations.set(r.channel, c);
    }
    yield* c.push(r);
  }
  for (const c of conversations.values()) yield* c.end(frame, timestamp);
}

/** How the files of a saved HTTP exchange directory are named: `NNN-request.http`, `NNN-response.http`. */
export const HTTP_FILE_NAME = /^(\d+)-(request|response)\.http$/;

/** Largest single file read from an HTTP exchange directory: 16 MiB. */
export const MAX_HTTP_FILE_LENGTH = 16 * 1024 * 1024;

/**
 * Lists a directory of saved HTTP/1.1 messages, one message per file named `NNN-request.http` or
 * `NNN-response.http` (NNN any decimal number; the request and response with the same number form
 * one exchange; exchanges in numeric order), as session records: channel `http-files <dir>`,
 * frame numbering the files from 1. Other files are ignored.
 */
export async function* readHttpDirectory(dir: string): AsyncGenerator<SessionRecord> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new MeterkitError(ErrorCode.InputUnreadable, `cannot list ${dir}`, { cause: e });
  }
  const files = names
    .map((name) => ({ name, m: HTTP_FILE_NAME.exec(name) }))
    .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]) || (a.m[2] === 'request' ? -1 : 1));
  const channel = `http-files ${basename(dir)}`;
  let frame = 0;
  for (const f of files) {
    const path = join(dir, f.name);
    let bytes: Uint8Array;
    try {
      const info = await stat(path);
      if (info.size > MAX_HTTP_FILE_LENGTH) {
        throw new MeterkitError(
          ErrorCode.FrameTooLong,
          `${f.name} is larger than ${MAX_HTTP_FILE_LENGTH} bytes`,
        );
      }
      bytes = new Uint8Array(await readFile(path));
    } catch (e) {
      if (e instanceof MeterkitError) throw e;
      throw new MeterkitError(ErrorCode.InputUnreadable, `cannot read ${path}`, { cause: e });
    }
    frame++;
    yield {
      frame,
      channel,
      direction: f.m[2] === 'request' ? 'client-to-server' : 'server-to-client',
      timestamp: undefined,
      protocol: 'ieee2030-5',
      bytes,
      comment: f.name,
    };
  }
}

/**
 * Parses one complete saved message (a whole file) with the stream parser's rules (RFC 9112 §6.3):
 * a response without Content-Length or chunking has the rest of the file as its body; anything
 * left after the message fails with `TrailingBytes`.
 */
export function parseHttpMessage(bytes: Uint8Array, kind: 'request' | 'response', frame = 1): HttpMessage {
  const parser = new HttpStreamParser(kind);
  if (kind === 'response') parser.pendingMethods.push('');
  const got = [...parser.push(bytes, frame, undefined), ...parser.end(frame, undefined)];
  if (got.length !== 1) {
    throw new MeterkitError(
      got.length === 0 ? ErrorCode.Truncated : ErrorCode.TrailingBytes,
      `expected one HTTP ${kind}, found ${got.length}`,
      { offset: 0, path: 'http' },
    );
  }
  return got[0]!;
}

/** Pairs the saved messages of `readHttpDirectory` into exchanges (same NNN). */
export async function* readHttpDirectoryExchanges(dir: string): AsyncGenerator<HttpEvent> {
  let pending: { n: string; request: HttpMessage } | undefined;
  for await (const r of readHttpDirectory(dir)) {
    const m = HTTP_FILE_NAME.exec(r.comment ?? '')!;
    const kind = m[2] as 'request' | 'response';
    let message: HttpMessage;
    try {
      message = parseHttpMessage(r.bytes, kind, r.frame);
    } catch (e) {
      if (!(e instanceof MeterkitError)) throw e;
      yield { type: 'error', channel: r.channel, direction: r.direction, frame: r.frame, error: e };
      continue;
    }
    if (kind === 'request') {
      if (pending !== undefined)
        yield { type: 'exchange', channel: r.channel, request: pending.request, response: undefined };
      pending = { n: m[1]!, request: message };
    } else {
      const request =
        pending !== undefined && Number(pending.n) === Number(m[1]) ? pending.request : undefined;
      if (pending !== undefined && request === undefined) {
        yield { type: 'exchange', channel: r.channel, request: pending.request, response: undefined };
      }
      pending = undefined;
      yield { type: 'exchange', channel: r.channel, request, response: message };
    }
  }
  if (pending !== undefined) {
    yield {
      type: 'exchange',
      channel: `http-files ${basename(dir)}`,
      request: pending.request,
      response: undefined,
    };
  }
}

/** True when the bytes begin like an HTTP/1.x request or response. */
export function looksLikeHttp(bytes: Uint8Array): boolean {
  return START_LINES.test(latin1.decode(bytes.subarray(0, 16)));
}
