import { ErrorCode, MeterkitError } from '../errors.js';
import { finishInternetChecksum, internetChecksumAdd } from './checksum.js';
import { IPV4_HEADER_LENGTH, IPV4_MAX_TOTAL_LENGTH, IpProtocol, writeIpv4Header } from './ipv4.js';

/** Length of the UDP header (RFC 768). */
export const UDP_HEADER_LENGTH = 8;

/** Largest UDP payload that fits one unfragmented IPv4 packet: 65535 − 20 − 8. */
export const UDP_MAX_PAYLOAD = IPV4_MAX_TOTAL_LENGTH - IPV4_HEADER_LENGTH - UDP_HEADER_LENGTH;

/** Fields of one synthetic IPv4+UDP packet. */
export interface UdpDatagramFields {
  readonly source: Uint8Array;
  readonly destination: Uint8Array;
  readonly sourcePort: number;
  readonly destinationPort: number;
  /** IPv4 identification. */
  readonly identification: number;
}

/**
 * Builds a raw IPv4 packet (LINKTYPE_RAW) holding one UDP datagram (RFC 768) with `payload`, both
 * checksums correct (a computed UDP checksum of 0 is sent as 0xFFFF, as RFC 768 requires).
 */
export function buildUdpPacket(fields: UdpDatagramFields, payload: Uint8Array): Uint8Array {
  if (payload.length > UDP_MAX_PAYLOAD) {
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `UDP payload of ${payload.length} bytes exceeds ${UDP_MAX_PAYLOAD} (no IP fragmentation)`,
    );
  }
  const datagramLength = UDP_HEADER_LENGTH + payload.length;
  const packet = new Uint8Array(IPV4_HEADER_LENGTH + datagramLength);
  writeIpv4Header(packet, 0, {
    source: fields.source,
    destination: fields.destination,
    protocol: IpProtocol.UDP,
    identification: fields.identification,
    totalLength: packet.length,
  });
  const u = IPV4_HEADER_LENGTH;
  const view = new DataView(packet.buffer);
  view.setUint16(u, fields.sourcePort);
  view.setUint16(u + 2, fields.destinationPort);
  view.setUint16(u + 4, datagramLength);
  packet.set(payload, u + UDP_HEADER_LENGTH);
  let sum = internetChecksumAdd(0, packet, 12, 20);
  sum += IpProtocol.UDP + datagramLength;
  sum = internetChecksumAdd(sum, packet, u, packet.length);
  view.setUint16(u + 6, finishInternetChecksum(sum) || 0xffff);
  return packet;
}
