import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { CaptureInterface, CapturePacket } from './capture-packet.js';
import { decodePacket } from './decode-packet.js';
import { CapturePacketSink } from './packet-sink.js';
import { type CaptureReaderOptions, DEFAULT_MAX_RECORD_LENGTH } from './pcap.js';
import { RecordFramer } from './record-framer.js';

/** pcapng block types the reader interprets (draft-ietf-opsawg-pcapng §4); all others are skipped. */
export const PcapngBlockCode = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 1,
  OBSOLETE_PACKET: 2,
  SIMPLE_PACKET: 3,
  ENHANCED_PACKET: 6,
  DECRYPTION_SECRETS: 10,
} as const;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BLOCK_PEEK = 12;

/** What the current section's header says (draft-ietf-opsawg-pcapng §4.1). */
export interface PcapngSection {
  /** 0-based index of the section in the file. */
  readonly index: number;
  readonly littleEndian: boolean;
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly userApplication?: string;
  readonly hardware?: string;
  readonly os?: string;
}

interface InterfaceState extends CaptureInterface {
  readonly multiply: bigint;
  readonly divide: bigint;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** The comments of a packet block without options (shared, never changed). */
const NO_COMMENTS: string[] = [];

function pad4(n: number): number {
  return n + ((4 - (n & 3)) & 3);
}

/**
 * Streaming reader of pcapng files (draft-ietf-opsawg-pcapng): Section Header (§4.1), Interface
 * Description (§4.2, with if_name, if_description, if_tsresol, if_tsoffset), Enhanced Packet (§4.3,
 * with opt_comment and epb_flags), Simple Packet (§4.4) and the obsolete Packet Block (Appendix A);
 * other block types are skipped by their length. Each section may use either byte order. Push chunks
 * in, get packets out; only an incomplete block is buffered.
 *
 * Corrupt input throws `MeterkitError`: no Section Header Block first → `UnknownProtocol`; bad
 * byte-order magic → `FrameFormatInvalid`; major version ≠ 1 → `Unsupported`; block length below the
 * block's minimum or not a multiple of 4 → `LengthInvalid`; above the limit (64 MiB by default) →
 * `FrameTooLong`; trailing length ≠ leading → `FrameLengthMismatch`; a captured length or option
 * running past its block → `LengthOverrun`; a packet naming an undefined interface → `ValueInvalid`;
 * input ending inside a block → `Truncated` from `end()`. After an error the reader stays failed.
 */
export class PcapngReader {
  private readonly framer: RecordFramer;
  private readonly maxRecordLength: number;
  private sectionState: PcapngSection | undefined;
  private ifaces: InterfaceState[] = [];
  private frames = 0;
  private readonly sink = new CapturePacketSink();
  private readonly onSecrets: CaptureReaderOptions['onDecryptionSecrets'];

  constructor(options: CaptureReaderOptions = {}) {
    this.maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
    this.onSecrets = options.onDecryptionSecrets;
    this.framer = new RecordFramer({
      headerSize: () => BLOCK_PEEK,
      recordLength: (header, offset) => this.blockLength(header, offset),
      onRecord: (block, offset) => this.onBlock(block, offset),
    });
  }

  /** The current section, once its header has been read. */
  get section(): PcapngSection | undefined {
    return this.sectionState;
  }

  /** The interfaces of the current section, by id. */
  get interfaces(): readonly CaptureInterface[] {
    return this.ifaces;
  }

  /** Feeds the next chunk of the file; returns the packets it completed. */
  push(chunk: Uint8Array): CapturePacket[] {
    this.sink.guard(() => this.framer.push(chunk));
    return this.sink.take();
  }

  /** Declares the end of the file; throws `Truncated` if it ended inside a block or was empty. */
  end(): CapturePacket[] {
    this.sink.guard(() => {
      if (this.sectionState === undefined && this.framer.position === 0) {
        throw new MeterkitError(ErrorCode.Truncated, 'empty pcapng file', { offset: 0 });
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

  private get le(): boolean {
    return this.sectionState?.littleEndian ?? true;
  }

  private u32(b: Uint8Array, at: number, le = this.le): number {
    return le
      ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
      : ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  }

  private u16(b: Uint8Array, at: number): number {
    return this.le ? b[at]! | (b[at + 1]! << 8) : (b[at]! << 8) | b[at + 1]!;
  }

  private blockLength(h: Uint8Array, offset: number): number {
    const type = this.u32(h, 0);
    let le = this.le;
    let minimum = 12;
    if (type === PcapngBlockCode.SECTION_HEADER) {
      if (this.u32(h, 8, true) === BYTE_ORDER_MAGIC) le = true;
      else if (this.u32(h, 8, false) === BYTE_ORDER_MAGIC) le = false;
      else {
        throw new MeterkitError(ErrorCode.FrameFormatInvalid, 'bad pcapng byte-order magic', {
          offset: offset + 8,
          path: 'shb.byte-order-magic',
        });
      }
      minimum = 28;
    } else if (this.sectionState === undefined) {
      throw new MeterkitError(
        ErrorCode.UnknownProtocol,
        'not a pcapng file (no Section Header Block first)',
        {
          offset,
          path: 'block.type',
        },
      );
    } else if (type === PcapngBlockCode.ENHANCED_PACKET || type === PcapngBlockCode.OBSOLETE_PACKET) {
      minimum = 32;
    } else if (type === PcapngBlockCode.INTERFACE_DESCRIPTION) {
      minimum = 20;
    } else if (type === PcapngBlockCode.SIMPLE_PACKET) {
      minimum = 16;
    }
    const length = this.u32(h, 4, le);
    if (length < minimum || length % 4 !== 0) {
      throw new MeterkitError(
        ErrorCode.LengthInvalid,
        `block total length ${length} is below ${minimum} or not a multiple of 4`,
        { offset: offset + 4, path: 'block.total-length' },
      );
    }
    if (length > this.maxRecordLength) {
      throw new MeterkitError(
        ErrorCode.FrameTooLong,
        `block of ${length} bytes exceeds the ${this.maxRecordLength}-byte limit`,
        { offset: offset + 4, path: 'block.total-length' },
      );
    }
    return length;
  }

  private onBlock(block: Uint8Array, offset: number): void {
    const type = this.u32(block, 0);
    if (type === PcapngBlockCode.SECTION_HEADER) {
      this.sectionHeader(block, offset);
      return;
    }
    this.checkTrailer(block, offset);
    switch (type) {
      case PcapngBlockCode.INTERFACE_DESCRIPTION:
        this.interfaceDescription(block, offset);
        break;
      case PcapngBlockCode.ENHANCED_PACKET:
        this.enhancedPacket(block, offset, false);
        break;
      case PcapngBlockCode.OBSOLETE_PACKET:
        this.enhancedPacket(block, offset, true);
        break;
      case PcapngBlockCode.SIMPLE_PACKET:
        this.simplePacket(block, offset);
        break;
      case PcapngBlockCode.DECRYPTION_SECRETS:
        this.decryptionSecrets(block, offset);
        break;
      default:
        break; // NRB, ISB, custom and future blocks: skipped
    }
  }

  /** Decryption Secrets Block (§4.7): secrets type, secrets length, data; handed to `onDecryptionSecrets`. */
  private decryptionSecrets(block: Uint8Array, offset: number): void {
    if (this.onSecrets === undefined) return;
    if (block.length < 20) {
      throw new MeterkitError(ErrorCode.LengthInvalid, `Decryption Secrets Block of ${block.length} bytes`, {
        offset: offset + 4,
        path: 'dsb.total-length',
      });
    }
    const length = this.u32(block, 12);
    if (length > block.length - 20) {
      throw new MeterkitError(ErrorCode.LengthOverrun, `secrets length ${length} runs past its block`, {
        offset: offset + 12,
        path: 'dsb.secrets-length',
      });
    }
    this.onSecrets(this.u32(block, 8), block.subarray(16, 16 + length));
  }

  private checkTrailer(block: Uint8Array, offset: number): void {
    const trailing = this.u32(block, block.length - 4);
    if (trailing !== block.length) {
      throw new MeterkitError(
        ErrorCode.FrameLengthMismatch,
        `block trailing length ${trailing} differs from leading length ${block.length}`,
        { offset: offset + block.length - 4, path: 'block.trailing-total-length' },
      );
    }
  }

  /** Walks an option list (§3.5) in `block[start..end)`. */
  private options(
    block: Uint8Array,
    start: number,
    end: number,
    offset: number,
    each: (code: number, value: Uint8Array) => void,
  ): void {
    let at = start;
    while (end - at >= 4) {
      const code = this.u16(block, at);
      const length = this.u16(block, at + 2);
      if (code === 0) return;
      if (pad4(length) > end - at - 4) {
        throw new MeterkitError(
          ErrorCode.LengthOverrun,
          `option ${code} of ${length} bytes runs past its block`,
          { offset: offset + at + 2, path: 'block.options' },
        );
      }
      each(code, block.subarray(at + 4, at + 4 + length));
      at += 4 + pad4(length);
    }
  }

  private sectionHeader(block: Uint8Array, offset: number): void {
    const littleEndian = this.u32(block, 8, true) === BYTE_ORDER_MAGIC;
    const index = this.sectionState === undefined ? 0 : this.sectionState.index + 1;
    // Byte order first, so the trailer and version read correctly.
    this.sectionState = { index, littleEndian, majorVersion: 0, minorVersion: 0 };
    this.checkTrailer(block, offset);
    const majorVersion = this.u16(block, 12);
    const minorVersion = this.u16(block, 14);
    if (majorVersion !== 1) {
      throw new MeterkitError(
        ErrorCode.Unsupported,
        `pcapng major version ${majorVersion} (only 1 is defined)`,
        {
          offset: offset + 12,
          path: 'shb.major-version',
        },
      );
    }
    const section: { -readonly [K in keyof PcapngSection]: PcapngSection[K] } = {
      index,
      littleEndian,
      majorVersion,
      minorVersion,
    };
    this.options(block, 24, block.length - 4, offset, (code, value) => {
      if (code === 2) section.hardware = utf8.decode(value);
      else if (code === 3) section.os = utf8.decode(value);
      else if (code === 4) section.userApplication = utf8.decode(value);
    });
    this.sectionState = section;
    this.ifaces = [];
  }

  private interfaceDescription(block: Uint8Array, offset: number): void {
    const linkType = this.u16(block, 8);
    const snapLen = this.u32(block, 12);
    let name: string | undefined;
    let description: string | undefined;
    let resolution: { base: 2 | 10; exponent: number } = { base: 10, exponent: 6 };
    let timestampOffset = 0n;
    this.options(block, 16, block.length - 4, offset, (code, value) => {
      if (code === 2) name = utf8.decode(value);
      else if (code === 3) description = utf8.decode(value);
      else if (code === 9 && value.length >= 1) {
        const v = value[0]!;
        resolution = v & 0x80 ? { base: 2, exponent: v & 0x7f } : { base: 10, exponent: v };
      } else if (code === 14 && value.length >= 8) {
        const lo = BigInt(this.u32(value, this.le ? 0 : 4));
        const hi = BigInt(this.u32(value, this.le ? 4 : 0));
        timestampOffset = BigInt.asIntN(64, (hi << 32n) | lo);
      }
    });
    let multiply = 1n;
    let divide = 1n;
    if (resolution.base === 2) {
      multiply = 1_000_000_000n;
      divide = 1n << BigInt(resolution.exponent);
    } else if (resolution.exponent <= 9) {
      multiply = 10n ** BigInt(9 - resolution.exponent);
    } else {
      divide = 10n ** BigInt(resolution.exponent - 9);
    }
    this.ifaces.push({
      id: this.ifaces.length,
      linkType,
      snapLen,
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
      timestampResolution: resolution,
      timestampOffset,
      multiply,
      divide,
    });
  }

  private iface(id: number, offset: number, path: string): InterfaceState {
    const iface = this.ifaces[id];
    if (iface === undefined) {
      throw new MeterkitError(
        ErrorCode.ValueInvalid,
        `packet names interface ${id}, but the section defines ${this.ifaces.length}`,
        { offset, path },
      );
    }
    return iface;
  }

  private enhancedPacket(block: Uint8Array, offset: number, obsolete: boolean): void {
    const interfaceId = obsolete ? this.u16(block, 8) : this.u32(block, 8);
    const iface = this.iface(interfaceId, offset + 8, obsolete ? 'pb.interface-id' : 'epb.interface-id');
    const high = this.u32(block, 12);
    const low = this.u32(block, 16);
    const captured = this.u32(block, 20);
    const original = this.u32(block, 24);
    const room = block.length - 32;
    if (captured > room) {
      throw new MeterkitError(
        ErrorCode.LengthOverrun,
        `captured length ${captured} exceeds the ${room} bytes of the block`,
        { offset: offset + 20, path: 'epb.captured-packet-length' },
      );
    }
    let comments: string[] = NO_COMMENTS;
    let direction: 'inbound' | 'outbound' | undefined;
    const optionsAt = 28 + pad4(captured);
    if (optionsAt < block.length - 4) {
      comments = [];
      this.options(block, optionsAt, block.length - 4, offset, (code, value) => {
        if (code === 1) comments.push(utf8.decode(value));
        else if (code === 2 && !obsolete && value.length === 4) {
          const bits = this.u32(value, 0) & 3;
          if (bits === 1) direction = 'inbound';
          else if (bits === 2) direction = 'outbound';
        }
      });
    }
    // below 2^53 ticks the product is exact in a double (µs and ms resolutions for centuries)
    const ticks = high < 0x200000 ? BigInt(high * 0x1_0000_0000 + low) : (BigInt(high) << 32n) | BigInt(low);
    this.frames++;
    this.sink.emit(
      decodePacket({
        frameNumber: this.frames,
        timestamp: this.nanos(ticks, iface),
        interfaceId,
        linkType: iface.linkType,
        originalLength: Math.max(original, captured),
        data: block.subarray(28, 28 + captured),
        fileOffset: offset,
        dataOffset: offset + 28,
        comments,
        ...(direction === undefined ? {} : { direction }),
      }),
    );
  }

  private simplePacket(block: Uint8Array, offset: number): void {
    const iface = this.iface(0, offset, 'spb');
    const original = this.u32(block, 8);
    let captured = Math.min(original, block.length - 16);
    if (iface.snapLen !== 0) captured = Math.min(captured, iface.snapLen);
    this.frames++;
    this.sink.emit(
      decodePacket({
        frameNumber: this.frames,
        timestamp: 0n,
        interfaceId: 0,
        linkType: iface.linkType,
        originalLength: original,
        data: block.subarray(12, 12 + captured),
        fileOffset: offset,
        dataOffset: offset + 12,
        comments: [],
      }),
    );
  }

  private nanos(ticks: bigint, iface: InterfaceState): bigint {
    let ns = ticks * iface.multiply;
    if (iface.divide !== 1n) ns /= iface.divide;
    return iface.timestampOffset === 0n ? ns : ns + iface.timestampOffset * 1_000_000_000n;
  }
}
