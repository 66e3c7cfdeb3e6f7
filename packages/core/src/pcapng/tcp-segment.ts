import { finishInternetChecksum, internetChecksumAdd } from './checksum.js';
import { IPV4_HEADER_LENGTH, IpProtocol, writeIpv4Header } from './ipv4.js';

/** TCP header control bits (RFC 9293 §3.1). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** Length of a TCP header without options (RFC 9293 §3.1: data offset 5). */
export const TCP_HEADER_LENGTH = 20;

/** Fields of one synthetic IPv4+TCP packet. */
export interface TcpSegmentFields {
  readonly source: Uint8Array;
  readonly destination: Uint8Array;
  readonly sourcePort: number;
  readonly destinationPort: number;
  /** Sequence number (32 bits). */
  readonly seq: number;
  /** Acknowledgment number (32 bits; sent as 0 unless ACK is set). */
  readonly ack: number;
  /** Control bits, see `TcpFlag`. */
  readonly flags: number;
  /** IPv4 identification. */
  readonly identification: number;
  /** Receive window; 65535 by default. */
  readonly window?: number;
}

/**
 * Builds a raw IPv4 packet (LINKTYPE_RAW) holding one TCP segment (RFC 9293 §3.1) with `payload`,
 * both checksums correct (the TCP one over the RFC 9293 §3.1 pseudo-header).
 */
export function buildTcpPacket(fields: TcpSegmentFields, payload: Uint8Array): Uint8Array {
  const segmentLength = TCP_HEADER_LENGTH + payload.length;
  const packet = new Uint8Array(IPV4_HEADER_LENGTH + segmentLength);
  writeIpv4Header(packet, 0, {
    source: fields.source,
    destination: fields.destination,
    protocol: IpProtocol.TCP,
    identification: fields.identification,
    totalLength: packet.length,
  });
  const t = IPV4_HEADER_LENGTH;
  const view = new DataView(packet.buffer);
  view.setUint16(t, fields.sourcePort);
  view.setUint16(t + 2, fields.destinationPort);
  view.setUint32(t + 4, fields.seq >>> 0);
  view.setUint32(t + 8, fields.flags & TcpFlag.ACK ? fields.ack >>> 0 : 0);
  packet[t + 12] = (TCP_HEADER_LENGTH / 4) << 4;
  packet[t + 13] = fields.flags;
  view.setUint16(t + 14, fields.window ?? 0xffff);
  // checksum (t+16) stays 0 while summing; urgent pointer (t+18) is 0
  packet.set(payload, t + TCP_HEADER_LENGTH);
  let sum = internetChecksumAdd(0, packet, 12, 20); // pseudo-header: source and destination address
  sum += IpProtocol.TCP + segmentLength;
  sum = internetChecksumAdd(sum, packet, t, packet.length);
  view.setUint16(t + 16, finishInternetChecksum(sum));
  return packet;
}
