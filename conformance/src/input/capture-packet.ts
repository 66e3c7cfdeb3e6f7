import type { MeterkitError } from '@meterkit/core';

/**
 * One packet read from a pcap or pcapng capture, with its IP and transport headers decoded when the
 * link type carries them.
 *
 * Timestamps are `bigint` nanoseconds since 1970-01-01T00:00:00Z, whatever the file's resolution
 * (pcap µs or ns; pcapng if_tsresol 10^-n or 2^-n, plus if_tsoffset).
 */
export interface CapturePacket {
  /** 1-based position among the packets of the file (Wireshark's `frame.number`). */
  readonly frameNumber: number;
  /** Nanoseconds since the Unix epoch; 0n for a pcapng Simple Packet Block, which carries no time. */
  readonly timestamp: bigint;
  /** Interface id within its pcapng section (0 for pcap). */
  readonly interfaceId: number;
  /** LINKTYPE_ of the interface. */
  readonly linkType: number;
  /** Length on the wire; `data.length` is smaller when the capture cut the packet. */
  readonly originalLength: number;
  /** The captured bytes, starting at the link-layer header. A view: do not modify. */
  readonly data: Uint8Array;
  /** Byte offset of the packet's record or block in the file. */
  readonly fileOffset: number;
  /** opt_comment values of the block (pcapng only). */
  readonly comments: readonly string[];
  /** epb_flags direction (pcapng only), when the writer set it. */
  readonly direction?: 'inbound' | 'outbound';
  /** IPv4 or IPv6 header, when the link type carries IP. */
  readonly ip?: IpHeader;
  /** TCP header, when the IP packet carries an unfragmented TCP segment. */
  readonly tcp?: TcpHeader;
  /** UDP header, when the IP packet carries an unfragmented UDP datagram. */
  readonly udp?: UdpHeader;
  /** meterkit's LINKTYPE_USER0 serial direction (see `@meterkit/core` `SerialRecorder`). */
  readonly serial?: SerialHeader;
  /** TCP segment data, UDP datagram data, or serial bytes (a view into `data`). */
  readonly payload?: Uint8Array;
  /** Why the link, IP or transport headers could not be decoded; the packet itself was read fine. */
  readonly linkError?: MeterkitError;
}

/** A decoded IPv4 (RFC 791 §3.1) or IPv6 (RFC 8200 §3) header. */
export interface IpHeader {
  readonly version: 4 | 6;
  /** Dotted quad (IPv4) or RFC 5952 text (IPv6). */
  readonly source: string;
  readonly destination: string;
  /** Upper-layer protocol: IPv4 Protocol, or the IPv6 Next Header after any extension headers. */
  readonly protocol: number;
  /** IPv4 TTL or IPv6 Hop Limit. */
  readonly ttl: number;
  /** IPv4 header length or 40 plus IPv6 extension headers. */
  readonly headerLength: number;
  /** IPv4 Total Length, or 40 + IPv6 Payload Length. */
  readonly totalLength: number;
  /** IPv4 Identification (0 for IPv6). */
  readonly identification: number;
  /** True when this is a fragment (its transport header is not decoded). */
  readonly fragment: boolean;
  /** True when the capture holds fewer bytes than the header's length says (snap length). */
  readonly truncated: boolean;
  /** IPv4 header checksum correct; always true for IPv6, which has none. */
  readonly checksumOk: boolean;
}

/** A decoded TCP header (RFC 9293 §3.1). */
export interface TcpHeader {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly seq: number;
  readonly ack: number;
  /** Control bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80). */
  readonly flags: number;
  readonly window: number;
  /** Data offset × 4. */
  readonly headerLength: number;
  readonly checksum: number;
  /** Checksum verified over the pseudo-header; undefined when the segment was not captured whole. */
  readonly checksumOk: boolean | undefined;
}

/** A decoded UDP header (RFC 768). */
export interface UdpHeader {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly length: number;
  readonly checksum: number;
  /** Checksum verified; undefined when not captured whole or (IPv4) the sender sent no checksum (0). */
  readonly checksumOk: boolean | undefined;
}

/** meterkit's LINKTYPE_USER0 serial framing: one direction byte before the line bytes. */
export interface SerialHeader {
  /** 0 = host → device (client to server), 1 = device → host. */
  readonly direction: 'client-to-server' | 'server-to-client';
}

/** An interface of a capture: the pcap file header, or a pcapng Interface Description Block. */
export interface CaptureInterface {
  readonly id: number;
  readonly linkType: number;
  /** 0 = no limit. */
  readonly snapLen: number;
  readonly name?: string;
  readonly description?: string;
  /** Ticks per second as `10^exponent` or `2^exponent` (pcapng if_tsresol; pcap µs = 10^6, ns = 10^9). */
  readonly timestampResolution: { readonly base: 2 | 10; readonly exponent: number };
  /** if_tsoffset: seconds added to every timestamp. */
  readonly timestampOffset: bigint;
}
