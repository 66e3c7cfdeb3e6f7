import { ErrorCode, fromHex, isMeterkitError, MeterkitError } from '@meterkit/core';
import { detectProtocol } from '../detect.js';
import type { SessionDirection, SessionProtocol, SessionRecord } from '../session/record.js';
import { readTextLines } from '../session/text-lines.js';
import { parseIsoNanos, parseSecondsNanos } from '../session/time.js';

/** Options of the hex log reader. */
export interface HexLogOptions {
  /** Channel id of every record. Default `hexlog`. */
  readonly channel?: string;
  /** Which side wrote the log: `>`/`TX` mean sent by it. Default `client` (so `>` is client-to-server). */
  readonly role?: 'client' | 'server';
  /** Protocol of every line; otherwise each line is recognised by content. */
  readonly protocol?: SessionProtocol;
}

/** One parsed hex log line. */
export interface HexLogEntry {
  readonly direction: SessionDirection;
  readonly timestamp: bigint | undefined;
  readonly bytes: Uint8Array;
  readonly comment: string | undefined;
}

const SENT = new Set(['>', 'TX', 'TX:', 'SEND', 'SENT', '->']);
const RECEIVED = new Set(['<', 'RX', 'RX:', 'RECV', 'RECEIVED', '<-']);
const TO_SERVER = new Set(['C->S', 'C->S:', 'C2S']);
const TO_CLIENT = new Set(['S->C', 'S->C:', 'S2C']);

function directionOf(token: string, role: 'client' | 'server'): SessionDirection | undefined {
  const t = token.toUpperCase();
  if (TO_SERVER.has(t)) return 'client-to-server';
  if (TO_CLIENT.has(t)) return 'server-to-client';
  const sent = SENT.has(t);
  if (!sent && !RECEIVED.has(t)) return undefined;
  return sent === (role === 'client') ? 'client-to-server' : 'server-to-client';
}

function timestampOf(token: string, nextIsDirection: boolean): bigint | undefined {
  const iso = parseIsoNanos(token);
  if (iso !== undefined) return iso;
  // A bare integer could be hex; it is a time only when a direction marker follows it.
  if (token.includes('.') || nextIsDirection) return parseSecondsNanos(token);
  return undefined;
}

/**
 * Parses one hex log line: `[time] [direction] hex [# comment]`, where time is ISO 8601 or decimal
 * seconds, direction is `>`/`<`, `TX`/`RX` or `C->S`/`S->C`, and hex may have spaces or colons.
 * Returns undefined for blank and comment-only lines. A bad line fails with `HexInvalid` whose
 * offset is `lineOffset` (the line's start) and path `line N`.
 */
export function parseHexLogLine(
  text: string,
  lineNumber: number,
  lineOffset: number,
  role: 'client' | 'server' = 'client',
): HexLogEntry | undefined {
  const hash = text.indexOf('#');
  const body = (hash < 0 ? text : text.slice(0, hash)).trim();
  const comment = hash < 0 ? undefined : text.slice(hash + 1).trim() || undefined;
  if (body === '') return undefined;
  const tokens = body.split(/\s+/);
  let i = 0;
  let timestamp: bigint | undefined;
  let direction: SessionDirection = 'unknown';
  for (let round = 0; round < 2 && i < tokens.length; round++) {
    const d = directionOf(tokens[i]!, role);
    if (d !== undefined && direction === 'unknown') {
      direction = d;
      i++;
      continue;
    }
    const next = tokens[i + 1];
    const ts =
      timestamp === undefined
        ? timestampOf(tokens[i]!, next !== undefined && directionOf(next, role) !== undefined)
        : undefined;
    if (ts !== undefined) {
      timestamp = ts;
      i++;
      continue;
    }
    break;
  }
  const hex = tokens.slice(i).join('');
  const path = `line ${lineNumber}`;
  if (hex === '') {
    throw new MeterkitError(ErrorCode.HexInvalid, `${path} has no hex bytes`, { offset: lineOffset, path });
  }
  let bytes: Uint8Array;
  try {
    bytes = fromHex(hex);
  } catch (e) {
    if (!isMeterkitError(e)) throw e;
    throw new MeterkitError(ErrorCode.HexInvalid, `${path}: ${e.message}`, {
      offset: lineOffset,
      path,
      cause: e,
    });
  }
  if (bytes.length === 0) {
    throw new MeterkitError(ErrorCode.HexInvalid, `${path} has no hex bytes`, { offset: lineOffset, path });
  }
  return { direction, timestamp, bytes, comment };
}

/**
 * Reads a hex log (one frame per line, see `parseHexLogLine`) into session records, streaming:
 * `frame` is the line number. Lines are recognised by content unless `options.protocol` is set.
 */
export async function* readHexLog(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: HexLogOptions = {},
): AsyncGenerator<SessionRecord> {
  const channel = options.channel ?? 'hexlog';
  const role = options.role ?? 'client';
  for await (const line of readTextLines(source)) {
    const entry = parseHexLogLine(line.text, line.number, line.offset, role);
    if (entry === undefined) continue;
    const protocol = detectProtocol({ bytes: entry.bytes, override: options.protocol })?.protocol;
    yield {
      frame: line.number,
      channel,
      direction: entry.direction,
      timestamp: entry.timestamp,
      protocol,
      bytes: entry.bytes,
      comment: entry.comment,
    };
  }
}
