import { ErrorCode, MeterkitError } from '../errors.js';
import { DecryptionSecretsType, PCAPNG_BYTE_ORDER_MAGIC, PcapngBlockType, PcapngOption } from './format.js';
import type { ByteSink } from './sink.js';

/** Optional strings of the Section Header Block (draft-ietf-opsawg-pcapng §4.1). */
export interface PcapngSectionOptions {
  /** shb_userappl: the application that wrote the file. Defaults to `meterkit`. */
  readonly userApplication?: string;
  /** shb_hardware. */
  readonly hardware?: string;
  /** shb_os. */
  readonly os?: string;
  /** opt_comment on the section. */
  readonly comment?: string;
}

/** What `addInterface` writes into an Interface Description Block (§4.2). */
export interface PcapngInterfaceOptions {
  /** LINKTYPE_ value of every packet on this interface (see `LinkType`). */
  readonly linkType: number;
  /** if_name. */
  readonly name?: string;
  /** if_description. */
  readonly description?: string;
  /**
   * if_tsresol: `'us'` (10^-6 s, the pcapng default, written anyway so tools need not assume it)
   * or `'ns'` (10^-9 s). Timestamps are passed in nanoseconds either way; `'us'` truncates.
   */
  readonly timestampResolution?: 'us' | 'ns';
  /** SnapLen: the largest packet the interface keeps; longer packets are cut. 0 (default) = no limit. */
  readonly snapLen?: number;
}

/** Per-packet options of an Enhanced Packet Block (§4.3). There is deliberately no way to attach secrets. */
export interface PcapngPacketOptions {
  /** opt_comment: shown by Wireshark as the packet comment. Must never contain keys or passwords. */
  readonly comment?: string;
  /** Original length on the wire, when `bytes` is already cut short. Defaults to `bytes.length`. */
  readonly originalLength?: number;
  /** epb_flags direction bits: `inbound` (1) or `outbound` (2). */
  readonly direction?: 'inbound' | 'outbound';
}

/** An interface as the writer knows it. */
export interface PcapngInterface {
  readonly id: number;
  readonly linkType: number;
  readonly snapLen: number;
  readonly timestampResolution: 'us' | 'ns';
}

interface EncodedOption {
  readonly code: number;
  readonly value: Uint8Array;
}

const utf8 = new TextEncoder();
const MAX_U32 = 0xffff_ffff;
const MAX_U64 = (1n << 64n) - 1n;

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function textOption(code: number, text: string | undefined, what: string, out: EncodedOption[]): void {
  if (text === undefined) return;
  const value = utf8.encode(text);
  if (value.length > 0xffff) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `${what} is longer than 65535 UTF-8 bytes`);
  }
  out.push({ code, value });
}

function optionsSize(options: readonly EncodedOption[]): number {
  if (options.length === 0) return 0;
  let size = 4; // opt_endofopt
  for (const o of options) size += 4 + pad4(o.value.length);
  return size;
}

function writeOptions(
  view: DataView,
  bytes: Uint8Array,
  at: number,
  options: readonly EncodedOption[],
): number {
  if (options.length === 0) return at;
  for (const o of options) {
    view.setUint16(at, o.code, true);
    view.setUint16(at + 2, o.value.length, true);
    bytes.set(o.value, at + 4);
    at += 4 + pad4(o.value.length);
  }
  view.setUint32(at, 0, true); // opt_endofopt, length 0
  return at + 4;
}

/**
 * Writes a pcapng capture (draft-ietf-opsawg-pcapng), little-endian, one section: the Section
 * Header Block (§4.1) at construction, then Interface Description Blocks (§4.2) and Enhanced Packet
 * Blocks (§4.3) as they are added. Pure: every block goes to the caller's `sink` as a fresh byte
 * array, so it can be streamed to a file, a socket or memory.
 *
 * Timestamps are `bigint` nanoseconds since 1970-01-01T00:00:00Z (`BigInt(Date.now()) * 1_000_000n`
 * or `process.hrtime`-based clocks both fit). Key material goes into a capture only through an
 * explicit `writeDecryptionSecrets` call (a Decryption Secrets Block, §4.7), never through comments
 * or other options.
 */
export class PcapngWriter {
  private readonly sink: ByteSink;
  private readonly interfaces: PcapngInterface[] = [];
  private packets = 0;

  constructor(sink: ByteSink, section: PcapngSectionOptions = {}) {
    this.sink = sink;
    const options: EncodedOption[] = [];
    textOption(PcapngOption.Comment, section.comment, 'section comment', options);
    textOption(PcapngOption.ShbHardware, section.hardware, 'shb_hardware', options);
    textOption(PcapngOption.ShbOs, section.os, 'shb_os', options);
    textOption(
      PcapngOption.ShbUserApplication,
      section.userApplication ?? 'meterkit',
      'shb_userappl',
      options,
    );
    const length = 28 + optionsSize(options);
    const block = new Uint8Array(length);
    const view = new DataView(block.buffer);
    view.setUint32(0, PcapngBlockType.SectionHeader, true);
    view.setUint32(4, length, true);
    view.setUint32(8, PCAPNG_BYTE_ORDER_MAGIC, true);
    view.setUint16(12, 1, true); // major version
    view.setUint16(14, 0, true); // minor version
    view.setBigInt64(16, -1n, true); // section length not specified
    writeOptions(view, block, 24, options);
    view.setUint32(length - 4, length, true);
    this.sink(block);
  }

  /** Number of packets written so far. */
  get packetCount(): number {
    return this.packets;
  }

  /** The interfaces added so far, by id. */
  get interfaceList(): readonly PcapngInterface[] {
    return this.interfaces;
  }

  /**
   * Writes a Decryption Secrets Block (§4.7): readers such as Wireshark use the secrets for the
   * packets that follow, so write it before the traffic it decrypts. `secrets` is a TLS key log
   * (NSS key log lines, `DecryptionSecretsType.TlsKeyLog`) as a string, or raw bytes of any
   * `secretsType`. This is the only place key material enters a capture: call it on purpose.
   */
  writeDecryptionSecrets(
    secrets: string | Uint8Array,
    secretsType: number = DecryptionSecretsType.TlsKeyLog,
  ): void {
    const bytes = typeof secrets === 'string' ? utf8.encode(secrets) : secrets;
    if (bytes.length === 0) return;
    this.sink(encodeDecryptionSecretsBlock(secretsType, bytes));
  }

  /** Writes an Interface Description Block (§4.2) and returns its interface id (0, 1, ...). */
  addInterface(options: PcapngInterfaceOptions): number {
    const { linkType } = options;
    if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffff) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `link type ${linkType} is not a 16-bit number`);
    }
    const snapLen = options.snapLen ?? 0;
    if (!Number.isInteger(snapLen) || snapLen < 0 || snapLen > MAX_U32) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `snap length ${snapLen} is not a 32-bit number`);
    }
    const timestampResolution = options.timestampResolution ?? 'us';
    const list: EncodedOption[] = [];
    textOption(PcapngOption.IfName, options.name, 'if_name', list);
    textOption(PcapngOption.IfDescription, options.description, 'if_description', list);
    list.push({ code: PcapngOption.IfTsresol, value: Uint8Array.of(timestampResolution === 'ns' ? 9 : 6) });
    const length = 20 + optionsSize(list);
    const block = new Uint8Array(length);
    const view = new DataView(block.buffer);
    view.setUint32(0, PcapngBlockType.InterfaceDescription, true);
    view.setUint32(4, length, true);
    view.setUint16(8, linkType, true);
    view.setUint16(10, 0, true);
    view.setUint32(12, snapLen, true);
    writeOptions(view, block, 16, list);
    view.setUint32(length - 4, length, true);
    const id = this.interfaces.length;
    this.interfaces.push({ id, linkType, snapLen, timestampResolution });
    this.sink(block);
    return id;
  }

  /**
   * Writes one Enhanced Packet Block (§4.3). `timestamp` is nanoseconds since the Unix epoch;
   * `bytes` starts with the interface's link-layer header. Bytes beyond the interface's snap length
   * are cut (the original length is kept).
   */
  writePacket(
    interfaceId: number,
    timestamp: bigint,
    bytes: Uint8Array,
    options: PcapngPacketOptions = {},
  ): void {
    const iface = this.interfaces[interfaceId];
    if (iface === undefined) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `no interface ${interfaceId} was added`);
    }
    if (typeof timestamp !== 'bigint' || timestamp < 0n) {
      throw new MeterkitError(ErrorCode.InvalidArgument, 'timestamp must be non-negative bigint nanoseconds');
    }
    const ticks = iface.timestampResolution === 'ns' ? timestamp : timestamp / 1000n;
    if (ticks > MAX_U64) {
      throw new MeterkitError(ErrorCode.InvalidArgument, 'timestamp does not fit 64 bits');
    }
    const originalLength = options.originalLength ?? bytes.length;
    if (!Number.isInteger(originalLength) || originalLength < bytes.length || originalLength > MAX_U32) {
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `original length ${originalLength} is below the ${bytes.length} bytes given or above 2^32-1`,
      );
    }
    const captured =
      iface.snapLen !== 0 && bytes.length > iface.snapLen ? bytes.subarray(0, iface.snapLen) : bytes;
    const list: EncodedOption[] = [];
    textOption(PcapngOption.Comment, options.comment, 'packet comment', list);
    if (options.direction !== undefined) {
      const flags = new Uint8Array(4);
      flags[0] = options.direction === 'inbound' ? 1 : 2;
      list.push({ code: PcapngOption.EpbFlags, value: flags });
    }
    const length = 32 + pad4(captured.length) + optionsSize(list);
    const block = new Uint8Array(length);
    const view = new DataView(block.buffer);
    view.setUint32(0, PcapngBlockType.EnhancedPacket, true);
    view.setUint32(4, length, true);
    view.setUint32(8, interfaceId, true);
    view.setUint32(12, Number(ticks >> 32n), true);
    view.setUint32(16, Number(ticks & 0xffff_ffffn), true);
    view.setUint32(20, captured.length, true);
    view.setUint32(24, originalLength, true);
    block.set(captured, 28);
    writeOptions(view, block, 28 + pad4(captured.length), list);
    view.setUint32(length - 4, length, true);
    this.packets++;
    this.sink(block);
  }
}

/**
 * The Decryption Secrets Block (draft-ietf-opsawg-pcapng §4.7) for `secrets`: Secrets Type,
 * Secrets Length, the secrets padded to 32 bits, no options. Secrets Type codes are in
 * `DecryptionSecretsType`.
 */
export function encodeDecryptionSecretsBlock(secretsType: number, secrets: Uint8Array): Uint8Array {
  if (!Number.isInteger(secretsType) || secretsType < 0 || secretsType > MAX_U32) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `secrets type ${secretsType} is not a 32-bit number`);
  }
  const length = 20 + pad4(secrets.length);
  if (length > MAX_U32) throw new MeterkitError(ErrorCode.InvalidArgument, 'secrets do not fit a block');
  const block = new Uint8Array(length);
  const view = new DataView(block.buffer);
  view.setUint32(0, PcapngBlockType.DecryptionSecrets, true);
  view.setUint32(4, length, true);
  view.setUint32(8, secretsType, true);
  view.setUint32(12, secrets.length, true);
  block.set(secrets, 16);
  view.setUint32(length - 4, length, true);
  return block;
}

/** Converts milliseconds since the Unix epoch (as from `Date.now()`) to the writer's bigint nanoseconds. */
export function nanosFromMillis(ms: number): bigint {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `time ${ms} ms is not a non-negative finite number`);
  }
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1_000_000));
}
