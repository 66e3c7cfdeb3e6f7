import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { CaptureInterface, CapturePacket } from './capture-packet.js';
import { type CaptureReaderOptions, PcapMagic, PcapReader } from './pcap.js';
import { PcapngBlockCode, PcapngReader } from './pcapng.js';

/** The capture file formats the harness reads. */
export type CaptureFormat = 'pcap' | 'pcapng';

/** Recognises a capture format from its first four bytes, or returns undefined. */
export function detectCaptureFormat(first4: Uint8Array): CaptureFormat | undefined {
  if (first4.length < 4) return undefined;
  const magic = ((first4[0]! << 24) | (first4[1]! << 16) | (first4[2]! << 8) | first4[3]!) >>> 0;
  if (magic === PcapngBlockCode.SECTION_HEADER) return 'pcapng';
  if (
    magic === PcapMagic.MICROS_BE ||
    magic === PcapMagic.MICROS_LE ||
    magic === PcapMagic.NANOS_BE ||
    magic === PcapMagic.NANOS_LE
  ) {
    return 'pcap';
  }
  return undefined;
}

/**
 * A streaming reader for either pcap or pcapng, chosen by the file's magic number. Same contract as
 * `PcapReader` and `PcapngReader`: push chunks, get packets, `end()` at the end of input. Input that
 * is neither fails with `UnknownProtocol`.
 */
export class CaptureReader {
  private readonly options: CaptureReaderOptions;
  private inner: PcapReader | PcapngReader | undefined;
  private readonly head = new Uint8Array(4);
  private headFill = 0;
  private failure: MeterkitError | undefined;

  constructor(options: CaptureReaderOptions = {}) {
    this.options = options;
  }

  /** The detected format, once four bytes have arrived. */
  get format(): CaptureFormat | undefined {
    if (this.inner === undefined) return undefined;
    return this.inner instanceof PcapReader ? 'pcap' : 'pcapng';
  }

  /** Interfaces known so far (of the current section for pcapng). */
  get interfaces(): readonly CaptureInterface[] {
    if (this.inner instanceof PcapngReader) return this.inner.interfaces;
    const only = this.inner?.interface;
    return only === undefined ? [] : [only];
  }

  /** Feeds the next chunk; returns the packets it completed. */
  push(chunk: Uint8Array): CapturePacket[] {
    if (this.failure !== undefined) throw this.failure;
    if (this.inner !== undefined) return this.inner.push(chunk);
    const take = Math.min(4 - this.headFill, chunk.length);
    this.head.set(chunk.subarray(0, take), this.headFill);
    this.headFill += take;
    if (this.headFill < 4) return [];
    const format = detectCaptureFormat(this.head);
    if (format === undefined) {
      this.failure = new MeterkitError(ErrorCode.UnknownProtocol, 'neither a pcap nor a pcapng file', {
        offset: 0,
        path: 'magic',
      });
      throw this.failure;
    }
    this.inner = format === 'pcap' ? new PcapReader(this.options) : new PcapngReader(this.options);
    const first = this.inner.push(this.head.slice());
    return first.concat(this.inner.push(chunk.subarray(take)));
  }

  /** Feeds the next chunk, handing each packet to `onPacket` as soon as it is read (no array). */
  pushEach(chunk: Uint8Array, onPacket: (packet: CapturePacket) => void): void {
    if (this.inner === undefined || this.failure !== undefined) {
      for (const packet of this.push(chunk)) onPacket(packet);
      return;
    }
    this.inner.pushEach(chunk, onPacket);
  }

  /** Declares the end of input. */
  end(): CapturePacket[] {
    if (this.failure !== undefined) throw this.failure;
    if (this.inner === undefined) {
      throw new MeterkitError(ErrorCode.Truncated, `capture of ${this.headFill} bytes is too short`, {
        offset: 0,
      });
    }
    return this.inner.end();
  }
}

/**
 * Reads packets from any async source of chunks (a Node readable stream, a `fetch` body, ...),
 * holding only the incomplete block in memory.
 */
export async function* readCapture(
  source: AsyncIterable<Uint8Array>,
  options: CaptureReaderOptions = {},
): AsyncGenerator<CapturePacket> {
  const reader = new CaptureReader(options);
  for await (const chunk of source) {
    yield* reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  yield* reader.end();
}
