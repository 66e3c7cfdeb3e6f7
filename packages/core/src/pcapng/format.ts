/**
 * Numbers of the pcapng file format (IETF draft-ietf-opsawg-pcapng, "PCAP Now Generic") and of the
 * link-layer header types it and classic pcap share (draft-ietf-opsawg-pcaplinktype, the tcpdump.org
 * LINKTYPE_ registry). Readers and writers elsewhere in meterkit use these names.
 */

/** Block type codes (draft-ietf-opsawg-pcapng §4 and §10.1). */
export const PcapngBlockType = {
  /** Section Header Block, §4.1. Its type is a byte palindrome so it reads the same in either byte order. */
  SectionHeader: 0x0a0d0d0a,
  /** Interface Description Block, §4.2. */
  InterfaceDescription: 0x00000001,
  /** Packet Block (obsolete), Appendix A. */
  ObsoletePacket: 0x00000002,
  /** Simple Packet Block, §4.4. */
  SimplePacket: 0x00000003,
  /** Name Resolution Block, §4.5. */
  NameResolution: 0x00000004,
  /** Interface Statistics Block, §4.6. */
  InterfaceStatistics: 0x00000005,
  /** Enhanced Packet Block, §4.3. */
  EnhancedPacket: 0x00000006,
  /**
   * Decryption Secrets Block, §4.7: session secrets that let a reader decrypt the captured traffic.
   * Written only by `PcapngWriter.writeDecryptionSecrets`, on purpose.
   */
  DecryptionSecrets: 0x0000000a,
} as const;

/** Secrets Type codes of the Decryption Secrets Block (draft-ietf-opsawg-pcapng §4.7, Table 9). */
export const DecryptionSecretsType = {
  /** TLS key log: NSS key log lines (`CLIENT_RANDOM …`, `CLIENT_TRAFFIC_SECRET_0 …`), ASCII "TLSK". */
  TlsKeyLog: 0x544c534b,
  /** WireGuard key log, ASCII "WGKL". */
  WireGuardKeyLog: 0x57474b4c,
  /** ZigBee NWK key, ASCII "ZNWK". */
  ZigbeeNwkKey: 0x5a4e574b,
  /** ZigBee APS key, ASCII "ZAPK". */
  ZigbeeApsKey: 0x5a41504b,
} as const;

/** The Section Header Block byte-order magic (§4.1), as read in the writer's own byte order. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Option codes used by meterkit (draft-ietf-opsawg-pcapng §3.5 and the per-block option tables). */
export const PcapngOption = {
  /** opt_endofopt, §3.5: ends an option list. */
  EndOfOptions: 0,
  /** opt_comment, §3.5: a UTF-8 comment, any block. */
  Comment: 1,
  /** shb_hardware, §4.1. */
  ShbHardware: 2,
  /** shb_os, §4.1. */
  ShbOs: 3,
  /** shb_userappl, §4.1. */
  ShbUserApplication: 4,
  /** if_name, §4.2. */
  IfName: 2,
  /** if_description, §4.2. */
  IfDescription: 3,
  /** if_tsresol, §4.2: one byte; bit 7 clear = 10^-n seconds, set = 2^-n seconds. Default 10^-6. */
  IfTsresol: 9,
  /** if_tsoffset, §4.2: signed 64-bit seconds added to every timestamp of the interface. */
  IfTsoffset: 14,
  /** epb_flags, §4.3: 32-bit flags word; bits 0–1 give the direction (1 inbound, 2 outbound). */
  EpbFlags: 2,
} as const;

/**
 * Link-layer header types (draft-ietf-opsawg-pcaplinktype, LINKTYPE_ values as stored in pcap and
 * pcapng files).
 */
export const LinkType = {
  /** LINKTYPE_NULL: BSD loopback, 4-byte address family in the capturing host's byte order. */
  NULL: 0,
  /** LINKTYPE_ETHERNET: IEEE 802.3 Ethernet. */
  ETHERNET: 1,
  /** DLT_RAW as some platforms wrote it into files: raw IPv4 or IPv6, no link header. */
  RAW_DLT12: 12,
  /** DLT_RAW on OpenBSD, likewise. */
  RAW_DLT14: 14,
  /** LINKTYPE_RAW: raw IPv4 or IPv6 (version nibble decides), no link header. */
  RAW: 101,
  /** LINKTYPE_LOOP: OpenBSD loopback, 4-byte address family, big-endian. */
  LOOP: 108,
  /** LINKTYPE_LINUX_SLL: Linux "cooked" capture, version 1 (16-byte header). */
  LINUX_SLL: 113,
  /**
   * LINKTYPE_USER0: reserved for private use. meterkit uses it for serial byte streams, one
   * direction byte then the bytes (see `SERIAL_DIRECTION_*` in `serial-recorder.ts`).
   */
  USER0: 147,
  /** LINKTYPE_IPV4: raw IPv4 only. */
  IPV4: 228,
  /** LINKTYPE_IPV6: raw IPv6 only. */
  IPV6: 229,
  /** LINKTYPE_LINUX_SLL2: Linux "cooked" capture, version 2 (20-byte header). */
  LINUX_SLL2: 276,
} as const;
