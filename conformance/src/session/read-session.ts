import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { readCaptureFile } from '../input/capture-file.js';
import { detectCaptureFormat } from '../input/capture-reader.js';
import { readGuruxXml } from '../input/gurux-xml.js';
import { readHexLog } from '../input/hexlog.js';
import { readHttpDirectory } from '../input/http.js';
import { readJsonlSession } from '../input/jsonl.js';
import { type CaptureSessionOptions, captureSession } from './capture-session.js';
import type { SessionRecord } from './record.js';

/** The input formats `readSession` reads. */
export type SessionInputFormat = 'pcap' | 'pcapng' | 'hexlog' | 'jsonl' | 'gurux-xml' | 'http-directory';

/** Options of `readSession`. */
export interface ReadSessionOptions extends CaptureSessionOptions {
  /** Input format; detected from the content and extension when absent. */
  readonly format?: SessionInputFormat;
  /** Channel id for inputs without addresses (hex logs, Gurux XML). */
  readonly channel?: string;
  /** Which side recorded a hex log (`>`/`TX` = sent by it). Default `client`. */
  readonly role?: 'client' | 'server';
}

function unreadable(path: string, e: unknown): MeterkitError {
  return new MeterkitError(ErrorCode.InputUnreadable, `cannot read ${path}`, { cause: e });
}

/**
 * Recognises an input file's format: a directory is saved HTTP exchanges; a pcap or pcapng magic
 * number; then the first non-blank character (`{` JSONL, `<` XML); then the extension (`.jsonl`,
 * `.xml`); anything else is read as a hex log.
 */
export async function detectInputFormat(path: string): Promise<SessionInputFormat> {
  let head: Uint8Array;
  try {
    if ((await stat(path)).isDirectory()) return 'http-directory';
    const file = await open(path, 'r');
    try {
      const buf = new Uint8Array(512);
      const { bytesRead } = await file.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch (e) {
    throw unreadable(path, e);
  }
  const capture = detectCaptureFormat(head.subarray(0, 4));
  if (capture !== undefined) return capture;
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d))
    i++;
  if (head[i] === 0x7b) return 'jsonl';
  if (head[i] === 0x3c) return 'gurux-xml';
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.xml') return 'gurux-xml';
  return 'hexlog';
}

async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path);
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (e) {
    throw unreadable(path, e);
  }
}

/**
 * Reads any supported input into the normalised session model, streaming and in capture order:
 * pcap/pcapng (TCP reassembled, UDP and serial packets), hex logs, JSONL sessions, Gurux XML
 * traces and directories of saved HTTP exchanges. `options.protocol` overrides detection for the
 * whole file.
 */
export async function* readSession(
  path: string,
  options: ReadSessionOptions = {},
): AsyncGenerator<SessionRecord> {
  const format = options.format ?? (await detectInputFormat(path));
  const channel = options.channel;
  const withProtocol = (r: SessionRecord): SessionRecord =>
    options.protocol === undefined ? r : { ...r, protocol: options.protocol };
  switch (format) {
    case 'pcap':
    case 'pcapng':
      yield* captureSession(readCaptureFile(path), options);
      return;
    case 'hexlog':
      yield* readHexLog(fileChunks(path), {
        ...(channel === undefined ? {} : { channel }),
        ...(options.role === undefined ? {} : { role: options.role }),
        ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
      });
      return;
    case 'jsonl':
      yield* readJsonlSession(
        fileChunks(path),
        options.protocol === undefined ? {} : { protocol: options.protocol },
      );
      return;
    case 'gurux-xml':
      for await (const r of readGuruxXml(fileChunks(path), channel === undefined ? {} : { channel }))
        yield withProtocol(r);
      return;
    case 'http-directory':
      for await (const r of readHttpDirectory(path)) yield withProtocol(r);
      return;
    default:
      throw new MeterkitError(ErrorCode.InvalidArgument, `unknown input format ${String(format)}`);
  }
}
