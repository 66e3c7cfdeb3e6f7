import { type DetectionInput, detectProtocol } from '../detect.js';
import type { CapturePacket } from '../input/capture-packet.js';
import { type TcpFlowEvent, TcpReassembler, type TcpReassemblerOptions } from '../reassembly/tcp.js';
import { channelId, guessServer, SERVER_PORTS } from './channel.js';
import type { SessionProtocol, SessionRecord } from './record.js';

/** Options of `captureSession`. */
export interface CaptureSessionOptions extends TcpReassemblerOptions {
  /** Protocol of every channel, overriding detection (the per-file override). */
  readonly protocol?: SessionProtocol | undefined;
}

interface ChannelState {
  protocol: SessionProtocol | undefined;
  decided: boolean;
  encrypted: boolean;
}

const MAX_CHANNEL_STATES = 100_000;

/** True when `bytes` starts with a TLS record header (RFC 8446 §5.1: content type 20–23, version 3.x). */
export function isTlsRecordStart(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 3 && bytes[0]! >= 0x14 && bytes[0]! <= 0x17 && bytes[1] === 0x03 && bytes[2]! <= 0x04
  );
}

/**
 * Turns the packets of a capture into session records, in capture order and in constant memory:
 * TCP segments are reassembled per flow and direction (gaps become gap markers), each UDP datagram
 * and each serial packet (meterkit's LINKTYPE_USER0) is one record. Each channel's protocol is
 * detected once, from its ports and first bytes; a TLS stream is marked `encrypted`.
 */
export async function* captureSession(
  packets: AsyncIterable<CapturePacket> | Iterable<CapturePacket>,
  options: CaptureSessionOptions = {},
): AsyncGenerator<SessionRecord> {
  const tcp = new TcpReassembler(options);
  const serverPorts = options.serverPorts ?? SERVER_PORTS;
  const channels = new Map<string, ChannelState>();
  const stateOf = (channel: string, detect: DetectionInput, bytes: Uint8Array): ChannelState => {
    let state = channels.get(channel);
    if (state === undefined) {
      if (channels.size >= MAX_CHANNEL_STATES) channels.clear();
      state = { protocol: undefined, decided: false, encrypted: false };
      channels.set(channel, state);
    }
    if (!state.decided && bytes.length > 0) {
      state.protocol = detectProtocol({ ...detect, bytes, override: options.protocol })?.protocol;
      state.encrypted = isTlsRecordStart(bytes);
      state.decided = true;
    } else if (!state.decided) {
      state.protocol = detectProtocol({ ...detect, override: options.protocol })?.protocol;
    }
    return state;
  };
  const tcpRecord = (e: TcpFlowEvent): SessionRecord => {
    const bytes = e.event.type === 'data' ? e.event.bytes : new Uint8Array(0);
    const state = stateOf(e.channel, { ports: [e.serverPort, e.clientPort] }, bytes);
    return {
      frame: e.event.frame,
      channel: e.channel,
      direction: e.direction,
      timestamp: e.event.timestamp,
      protocol: state.protocol,
      bytes,
      gap: e.event.type === 'gap' ? e.event.gap : undefined,
      encrypted: state.encrypted || undefined,
    };
  };
  let lastFrame = 0;
  let lastTime: bigint | undefined;
  for await (const packet of packets) {
    lastFrame = packet.frameNumber;
    lastTime = packet.timestamp;
    if (packet.tcp !== undefined) {
      for (const e of tcp.push(packet)) yield tcpRecord(e);
    } else if (packet.udp !== undefined && packet.ip !== undefined && packet.payload !== undefined) {
      const src = { address: packet.ip.source, port: packet.udp.sourcePort };
      const dst = { address: packet.ip.destination, port: packet.udp.destinationPort };
      const server = guessServer(src, dst, serverPorts);
      const fromClient = server === 'b';
      const channel =
        server === undefined
          ? channelId('udp', src, dst, false)
          : channelId('udp', fromClient ? src : dst, fromClient ? dst : src, true);
      const state = stateOf(channel, { ports: [dst.port, src.port] }, packet.payload);
      yield {
        frame: packet.frameNumber,
        channel,
        direction: server === undefined ? 'unknown' : fromClient ? 'client-to-server' : 'server-to-client',
        timestamp: packet.timestamp,
        protocol: state.protocol,
        bytes: packet.payload,
        comment: packet.comments[0],
      };
    } else if (packet.serial !== undefined && packet.payload !== undefined) {
      const state = stateOf('serial', {}, packet.payload);
      yield {
        frame: packet.frameNumber,
        channel: 'serial',
        direction: packet.serial.direction,
        timestamp: packet.timestamp,
        protocol: state.protocol,
        bytes: packet.payload,
        comment: packet.comments[0],
      };
    }
  }
  for (const e of tcp.end(lastFrame, lastTime)) yield tcpRecord(e);
}
