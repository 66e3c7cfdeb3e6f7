/**
 * pcapng writing (draft-ietf-opsawg-pcapng): the block writer, synthetic IPv4 TCP/UDP packets and
 * recorders that turn meterkit sessions into captures Wireshark can follow.
 */
export * from './checksum.js';
export {
  type CaptureDirection,
  type CaptureEndpoint,
  DEFAULT_CLIENT_ENDPOINT,
  DEFAULT_SERVER_ENDPOINT,
  parseIpv4Address,
} from './endpoint.js';
export * from './format.js';
export * from './ipv4.js';
export * from './serial-recorder.js';
export * from './sink.js';
export * from './tcp-segment.js';
export * from './tcp-stream-recorder.js';
export * from './udp-datagram.js';
export * from './udp-recorder.js';
export * from './writer.js';
