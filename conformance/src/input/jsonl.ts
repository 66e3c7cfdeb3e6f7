import { ErrorCode, fromHex, isMeterkitError, MeterkitError, toHex } from '@meterkit/core';
import type { SessionDirection, SessionProtocol, SessionRecord } from '../session/record.js';
import { readTextLines } from '../session/text-lines.js';
import { formatIsoNanos, parseIsoNanos } from '../session/time.js';

/**
 * meterkit's JSONL session format (what `meterkit ... --capture out.jsonl` writes): UTF-8, one JSON
 * object per line.
 *
 * - An optional first line `{"meterkit":"session","version":1,"role":"client"|"server"}` says which
 *   side recorded (default client).
 * - Every other line is one message: `{"t": time, "dir": "tx"|"rx", "channel": "...", "hex": "..."}`
 *   plus optional `"protocol"` (`dlms`, `c1222`, `c1218`, `ieee2030-5`), `"gap"` (bytes missing
 *   before this message) and `"comment"`. `t` is RFC 3339 (up to nanoseconds) or a decimal string
 *   of nanoseconds since the Unix epoch; `dir` is relative to the recorder (`tx` = sent by it).
 *   `dir` may also be `client-to-server` or `server-to-client`.
 */
export const JSONL_SESSION_FORMAT = 'meterkit-session-jsonl/1';

/** Options of the JSONL session reader. */
export interface JsonlSessionOptions {
  /** Protocol of every record, overriding the file's. */
  readonly protocol?: SessionProtocol;
}

const PROTOCOLS: ReadonlySet<string> = new Set(['dlms', 'c1222', 'c1218', 'ieee2030-5']);

function bad(message: string, line: number, offset: number): MeterkitError {
  return new MeterkitError(ErrorCode.ValueInvalid, `line ${line}: ${message}`, {
    offset,
    path: `line ${line}`,
  });
}

function timeOf(t: unknown, line: number, offset: number): bigint | undefined {
  if (t === undefined || t === null) return undefined;
  if (typeof t === 'number' && Number.isSafeInteger(t) && t >= 0) return BigInt(t);
  if (typeof t === 'string') {
    if (/^\d{1,20}$/.test(t)) return BigInt(t);
    const ns = parseIsoNanos(t);
    if (ns !== undefined) return ns;
  }
  throw bad('"t" is neither RFC 3339 time nor nanoseconds', line, offset);
}

function directionOf(
  dir: unknown,
  role: 'client' | 'server',
  line: number,
  offset: number,
): SessionDirection {
  if (dir === undefined) return 'unknown';
  if (dir === 'client-to-server' || dir === 'server-to-client' || dir === 'unknown') return dir;
  if (dir === 'tx' || dir === 'rx') {
    return (dir === 'tx') === (role === 'client') ? 'client-to-server' : 'server-to-client';
  }
  throw bad('"dir" must be "tx" or "rx"', line, offset);
}

/**
 * Parses one JSONL session line (see `JSONL_SESSION_FORMAT`) into a record; returns undefined for
 * a blank line. Errors are `ValueInvalid` (or `HexInvalid`) at the line's offset.
 */
export function parseJsonlSessionLine(
  text: string,
  line: number,
  offset: number,
  role: 'client' | 'server' = 'client',
): SessionRecord | undefined {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new MeterkitError(ErrorCode.ValueInvalid, `line ${line} is not JSON`, {
      offset,
      path: `line ${line}`,
      cause: e,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad('not a JSON object', line, offset);
  }
  const o = value as Record<string, unknown>;
  if (typeof o['hex'] !== 'string') throw bad('"hex" is missing', line, offset);
  let bytes: Uint8Array;
  try {
    bytes = fromHex(o['hex']);
  } catch (e) {
    if (!isMeterkitError(e)) throw e;
    throw new MeterkitError(ErrorCode.HexInvalid, `line ${line}: ${e.message}`, {
      offset,
      path: `line ${line}.hex`,
      cause: e,
    });
  }
  const channel = o['channel'] ?? 'jsonl';
  if (typeof channel !== 'string') throw bad('"channel" must be a string', line, offset);
  const protocol = o['protocol'];
  if (protocol !== undefined && (typeof protocol !== 'string' || !PROTOCOLS.has(protocol))) {
    throw bad('"protocol" is not dlms, c1222, c1218 or ieee2030-5', line, offset);
  }
  const gap = o['gap'];
  if (gap !== undefined && (typeof gap !== 'number' || !Number.isSafeInteger(gap) || gap <= 0)) {
    throw bad('"gap" must be a positive integer', line, offset);
  }
  const comment = o['comment'];
  if (comment !== undefined && typeof comment !== 'string')
    throw bad('"comment" must be a string', line, offset);
  return {
    frame: line,
    channel,
    direction: directionOf(o['dir'], role, line, offset),
    timestamp: timeOf(o['t'], line, offset),
    protocol: protocol as SessionProtocol | undefined,
    bytes,
    gap: gap === undefined ? undefined : { missing: gap, reason: 'lost' },
    comment,
  };
}

/**
 * Reads a JSONL session file into records, streaming. A gap line (`"gap": n` with empty hex)
 * becomes a gap marker record.
 */
export async function* readJsonlSession(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: JsonlSessionOptions = {},
): AsyncGenerator<SessionRecord> {
  let role: 'client' | 'server' = 'client';
  for await (const line of readTextLines(source)) {
    if (line.number === 1 && line.text.includes('"meterkit"')) {
      let header: unknown;
      try {
        header = JSON.parse(line.text);
      } catch (e) {
        throw new MeterkitError(ErrorCode.ValueInvalid, 'line 1 is not JSON', {
          offset: 0,
          path: 'line 1',
          cause: e,
        });
      }
      const h = header as Record<string, unknown>;
      if (h['role'] === 'server') role = 'server';
      else if (h['role'] !== undefined && h['role'] !== 'client')
        throw bad('"role" must be client or server', 1, 0);
      continue;
    }
    const record = parseJsonlSessionLine(line.text, line.number, line.offset, role);
    if (record === undefined) continue;
    yield options.protocol === undefined ? record : { ...record, protocol: options.protocol };
  }
}

/** Options of `JsonlSessionWriter`. */
export interface JsonlSessionWriterOptions {
  /** The recorder's side; `tx` is what it sent. Default `client`. */
  readonly role?: 'client' | 'server';
}

/**
 * Writes the JSONL session format (see `JSONL_SESSION_FORMAT`) one line at a time to `sink`: the
 * header line first, then one line per `write`. Times are RFC 3339 UTC with nine fraction digits.
 */
export class JsonlSessionWriter {
  private readonly sink: (line: string) => void;
  private readonly role: 'client' | 'server';

  constructor(sink: (line: string) => void, options: JsonlSessionWriterOptions = {}) {
    this.sink = sink;
    this.role = options.role ?? 'client';
    this.sink(`${JSON.stringify({ meterkit: 'session', version: 1, role: this.role })}\n`);
  }

  /** Writes one message or gap marker. */
  write(record: Omit<SessionRecord, 'frame'> & { readonly frame?: number }): void {
    const o: Record<string, unknown> = {};
    if (record.timestamp !== undefined) o['t'] = formatIsoNanos(record.timestamp);
    if (record.direction !== 'unknown') {
      o['dir'] = (record.direction === 'client-to-server') === (this.role === 'client') ? 'tx' : 'rx';
    }
    o['channel'] = record.channel;
    o['hex'] = toHex(record.bytes);
    if (record.protocol !== undefined) o['protocol'] = record.protocol;
    if (record.gap !== undefined) o['gap'] = record.gap.missing;
    if (record.comment !== undefined) o['comment'] = record.comment;
    this.sink(`${JSON.stringify(o)}\n`);
  }
}
