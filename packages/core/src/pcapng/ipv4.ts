import { internetChecksum } from './checksum.js';

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers") used by the synthetic packets. */
export const IpProtocol = {
  TCP: 6,
  UDP: 17,
} as const;

/** Length of an IPv4 header without options (RFC 791 §3.1: IHL 5). */
export const IPV4_HEADER_LENGTH = 20;

/** Largest IPv4 total length (RFC 791 §3.1: a 16-bit field). */
export const IPV4_MAX_TOTAL_LENGTH = 0xffff;

/** Fields of a synthetic IPv4 header. */
export interface Ipv4HeaderFields {
  readonly source: Uint8Array;
  readonly destination: Uint8Array;
  readonly protocol: number;
  /** Identification (16 bits). */
  readonly identification: number;
  /** Total length: header plus payload. */
  readonly totalLength: number;
  /** Time to live; 64 by default. */
  readonly ttl?: number;
}

/**
 * Writes a 20-byte IPv4 header (RFC 791 §3.1: version 4, IHL 5, DSCP 0, don't-fragment set,
 * fragment offset 0) at `packet[at..at+20)`, with its header checksum.
 */
export function writeIpv4Header(packet: Uint8Array, at: number, fields: Ipv4HeaderFields): void {
  packet[at] = 0x45;
  packet[at + 1] = 0;
  packet[at + 2] = fields.totalLength >>> 8;
  packet[at + 3] = fields.totalLength & 0xff;
  packet[at + 4] = (fields.identification >>> 8) & 0xff;
  packet[at + 5] = fields.identification & 0xff;
  packet[at + 6] = 0x40; // DF
  packet[at + 7] = 0;
  packet[at + 8] = fields.ttl ?? 64;
  packet[at + 9] = fields.protocol;
  packet[at + 10] = 0;
  packet[at + 11] = 0;
  packet.set(fields.source, at + 12);
  packet.set(fields.destination, at + 16);
  const sum = internetChecksum(packet, at, at + IPV4_HEADER_LENGTH);
  packet[at + 10] = sum >>> 8;
  packet[at + 11] = sum & 0xff;
}
