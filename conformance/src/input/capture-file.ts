import { createReadStream } from 'node:fs';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { CapturePacket } from './capture-packet.js';
import { readCapture } from './capture-reader.js';
import type { CaptureReaderOptions } from './pcap.js';

/**
 * Reads the packets of a pcap or pcapng file from disk, streaming (64 KiB at a time). A file that
 * cannot be opened or read fails with `InputUnreadable`.
 */
export async function* readCaptureFile(
  path: string,
  options: CaptureReaderOptions = {},
): AsyncGenerator<CapturePacket> {
  const stream = createReadStream(path);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of stream) yield chunk as Uint8Array;
    } catch (e) {
      throw new MeterkitError(ErrorCode.InputUnreadable, `cannot read capture ${path}`, { cause: e });
    }
  }
  yield* readCapture(chunks(), options);
}
