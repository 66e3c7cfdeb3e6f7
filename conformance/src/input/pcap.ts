import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { CaptureInterface, CapturePacket } from './capture-packet.js';
import { decodePacket } from './decode-packet.js';
import { CapturePacketSink } from './packet-sink.js';
import { RecordFramer } from './record-framer.js';

/** Default largest record or block the capture readers accept: 64 MiB. */
export const DEFAULT_MAX_RECORD_LENGTH = 64 * 1024 * 1024;

/** Options of the capture readers. */
export interface CaptureReaderOptions {
  /** Largest record/block accepted; a longer length field fails with `FrameTooLong`. Default 64 MiB. */
  readonly maxRecordLength?: number;
  /**
   * pcapng only: receives each Decryption Secrets Block (draft-ietf-opsawg-pcapng §4.7) as it is
   * read: its secrets type (e.g. 0x544c534b "TLSK", an NSS key log) and data. Secrets: never log them.
   */
  readonly onDecryptionSecrets?: ((secretsType: number, data: Uint8Array) => void) | undefined;
}

/** pcap magic numbers (draft-ietf-opsawg-pcap §4), as read big-endian from the first four bytes. */
export const PcapMagic = {
  /** Microsecond timestamps, file written big-endian. */
  MICROS_BE: 0xa1b2c3d4,
  /** Microsecond timestamps, file written little-endian. */
  MICROS_LE: 0xd4c3b2a1,
  /** Nanosecond timestamps, big-endian. */
  NANOS_BE: 0xa1b23c4d,
  /** Nanosecond timestamps, little-endian. */
  NANOS_LE: 0x4d3cb2a1,
} as const;

const FILE_HEADER = 24;
const RECORD_HEADER = 16;

/**
 * Streaming reader of classic pcap files (draft-ietf-opsawg-pcap: the 24-byte file header of §4 and
 * 16-byte packet record headers of §5), either byte order, microsecond or nanosecond timestamps.
 * Push chunks in, get packets out; only an incomplete record is ever buffered. Corrupt input throws
 * `MeterkitError`: an unknown magic `UnknownProtocol`, a version other than 2 `Unsupported`, a record
 * longer than the limit `FrameTooLong`, input ending inside a record `Truncated` (from `end()`).
 * After an error the reader stays failed and rethrows it.
 */
export class PcapReader {
  /** The file's only interface, once the file header has been read. */
  interface: CaptureInterface | undefined;
  private readonly framer: RecordFramer;
  private readonly maxRecordLength: number;
  private littleEndian = false;
  private nanos = false;
  private frames = 0;
  private readonly sink = new CapturePacketSink();

  constructor(options: CaptureReaderOptions = {}) {
    this.maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
    this.framer = new RecordFramer({
      headerSize: () => (this.interface === undefined ? FILE_HEADER : RECORD_HEADER),
      recordLength: (header, offset) => this.recordLength(header, offset),
      onRecord: (record, offset) => this.onRecord(record, offset),
    });
  }

  /** Feeds the next chunk of the file; returns the packets it completed. */
  push(chunk: Uint8Array): CapturePacket[] {
    this.sink.guard(() => this.framer.push(chunk));
    return this.sink.take();
  }

  /** Declares the end of the file; throws `Truncated` if it ended inside a record or before the header. */
  end(): CapturePacket[] {
    this.sink.guard(() => {
      if (this.interface === undefined && this.framer.position === 0) {
        throw new MeterkitError(ErrorCode.Truncated, 'empty pcap file', { offset: 0 });
      }
      this.framer.finish();
    });
    return this.sink.take();
  }

  /**
   * Feeds the next chunk and hands each packet to `onPacket` as soon as it is read: no array, and
   * each packet can be done with before the next is decoded. A failure still throws.
   */
  pushEach(chunk: Uint8Array, onPacket: (packet: CapturePacket) => void): void {
    this.sink.each(onPacket, () => this.framer.push(chunk));
  }

  private u32(b: Uint8Array, at: number): number {
    return this.littleEndian
      ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
      : ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  }

  private u16(b: Uint8Array, at: number): number {
    return this.littleEndian ? b[at]! | (b[at + 1]! << 8) : (b[at]! << 8) | b[at + 1]!;
  }

  private recordLength(header: Uint8Array, offset: number): number {
    if (this.interface === undefined) return FILE_HEADER;
    const included = this.u32(header, 8);
    if (included > this.maxRecordLength - RECORD_HEADER) {
      throw new MeterkitError(
        ErrorCode.FrameTooLong,
        `pcap record of ${included} bytes exceeds the ${this.maxRecordLength}-byte limit`,
        { offset: offset + 8, path: 'pcap.record.incl-len' },
      );
    }
    return RECORD_HEADER + included;
  }

  private onRecord(record: Uint8Array, offset: number): void {
    if (this.interface === undefined) {
      this.fileHeader(record);
      return;
    }
    const seconds = this.u32(record, 0);
    const fraction = this.u32(record, 4);
    const included = this.u32(record, 8);
    const original = this.u32(record, 12);
    const timestamp = BigInt(seconds) * 1_000_000_000n + BigInt(this.nanos ? fraction : fraction * 1000);
    this.frames++;
    this.sink.emit(
      decodePacket({
        frameNumber: this.frames,
        timestamp,
        interfaceId: 0,
        linkType: this.interface.linkType,
        originalLength: Math.max(original, included),
        data: record.subarray(RECORD_HEADER, RECORD_HEADER + included),
        fileOffset: offset,
        dataOffset: offset + RECORD_HEADER,
        comments: [],
      }),
    );
  }

  private fileHeader(h: Uint8Array): void {
    const magic = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
    switch (magic) {
      case PcapMagic.MICROS_BE:
        break;
      case PcapMagic.MICROS_LE:
        this.littleEndian = true;
        break;
      case PcapMagic.NANOS_BE:
        this.nanos = true;
        break;
      case PcapMagic.NANOS_LE:
        this.littleEndian = true;
        this.nanos = true;
        break;
      default:
        throw new MeterkitError(ErrorCode.UnknownProtocol, 'not a pcap file (unknown magic number)', {
          offset: 0,
          path: 'pcap.magic',
        });
    }
    const major = this.u16(h, 4);
    if (major !== 2) {
      throw new MeterkitError(ErrorCode.Unsupported, `pcap major version ${major} (only 2 is defined)`, {
        offset: 4,
        path: 'pcap.version',
      });
    }
    this.interface = {
      id: 0,
      linkType: this.u32(h, 20) & 0xffff,
      snapLen: this.u32(h, 16),
      timestampResolution: { base: 10, exponent: this.nanos ? 9 : 6 },
      timestampOffset: 0n,
    };
  }
}
