import { open } from 'node:fs/promises';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { CapturePacket } from '../input/capture-packet.js';
import { CaptureReader } from '../input/capture-reader.js';
import { SECRETS_TYPE_TLS_KEY_LOG, TlsKeyLog } from '../tls/keylog.js';
import { TlsSessionDecryptor, tlsProblemMessage } from '../tls/session-decryptor.js';
import { CaptureSessionizer, type CaptureSessionOptions } from './capture-session.js';
import { type FrameSessionOptions, SessionFramer, type SessionMessageSink } from './frame-session.js';

/** Bytes read from a capture file at a time: large reads keep the per-chunk work negligible. */
export const CAPTURE_READ_CHUNK = 1024 * 1024;

/** Options of `readCaptureMessages`. */
export interface ReadCaptureMessagesOptions extends CaptureSessionOptions, FrameSessionOptions {
  /** Called with each chunk read, before its packets are processed (to hash the file on the way). */
  readonly onChunk?: ((chunk: Uint8Array) => void) | undefined;
  /** Called after each chunk with the number of file bytes read so far. */
  readonly onRead?: ((position: number) => void) | undefined;
  /** Awaited after each chunk (lets a consumer that works asynchronously hold the reading back). */
  readonly afterChunk?: (() => Promise<void> | void) | undefined;
  /** TLS 1.2 session keys (`--keylog`); the capture's own Decryption Secrets Blocks are used as well. */
  readonly tlsKeyLog?: TlsKeyLog | undefined;
}

/**
 * Reads a pcap or pcapng file straight into framed session messages: 1 MiB reads into one reused
 * buffer, then packets (views into it), TCP reassembly, protocol detection and framing all run synchronously per
 * chunk, with no per-packet promise. Messages and channel ends go to `sink` in capture order, the
 * same sequence `frameSession(readSession(path))` gives. Memory stays bounded by the open channels,
 * not the file size. A file that cannot be read fails with `InputUnreadable`; a corrupt capture
 * throws the reader's `MeterkitError` after the messages before it were delivered.
 */
export async function readCaptureMessages(
  path: string,
  sink: SessionMessageSink,
  options: ReadCaptureMessagesOptions = {},
): Promise<void> {
  const framer = new SessionFramer(sink, { ...options, copyPassThrough: true });
  // TLS channels with keys (key log, DSBs) are decrypted between reassembly and framing
  const keyLog = new TlsKeyLog(options.tlsKeyLog);
  const tls = new TlsSessionDecryptor(
    {
      record: (r) => framer.push(r),
      finished: (channel) => framer.finished(channel),
      problem: (p) => sink.message(tlsProblemMessage(p)),
    },
    keyLog,
  );
  const sessionizer = new CaptureSessionizer(
    { record: (r) => tls.push(r), finished: (channel) => tls.finished(channel) },
    options,
  );
  const reader = new CaptureReader({
    onDecryptionSecrets: (type, data) => {
      if (type === SECRETS_TYPE_TLS_KEY_LOG) keyLog.addBytes(data);
    },
  });
  // One buffer, reused for every read: everything after the reader either finishes with a chunk's
  // bytes before the next read or copies what it keeps (framed messages, out-of-order segments,
  // passed-through datagrams), so no chunk outlives its turn and memory does not depend on the file.
  const chunk = new Uint8Array(CAPTURE_READ_CHUNK);
  const onPacket = (packet: CapturePacket): void => sessionizer.push(packet);
  let position = 0;
  let file: Awaited<ReturnType<typeof open>> | undefined;
  try {
    file = await open(path, 'r');
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      options.onChunk?.(chunk.subarray(0, bytesRead));
      reader.pushEach(chunk.subarray(0, bytesRead), onPacket);
      position += bytesRead;
      options.onRead?.(position);
      if (options.afterChunk !== undefined) await options.afterChunk();
    }
  } catch (e) {
    if (e instanceof MeterkitError) throw e;
    throw new MeterkitError(ErrorCode.InputUnreadable, `cannot read capture ${path}`, { cause: e });
  } finally {
    await file?.close();
  }
  const last = reader.end();
  for (const packet of last) sessionizer.push(packet);
  sessionizer.end();
  tls.end();
  framer.end();
}
