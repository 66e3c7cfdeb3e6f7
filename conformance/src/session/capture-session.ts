import { detectProtocol } from '../detect.js';
import type { CapturePacket } from '../input/capture-packet.js';
import {
  type TcpFlowEvent,
  type TcpFlowSink,
  TcpReassembler,
  type TcpReassemblerOptions,
} from '../reassembly/tcp.js';
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
 * Receives session records in order, and the end of a channel (its TCP flow dropped after closing,
 * idling or eviction) so later layers can free what they keep for it.
 */
export interface SessionRecordSink {
  record(r: SessionRecord): void;
  finished(channel: string): void;
}

const NO_BYTES = new Uint8Array(0);

/**
 * The synchronous core of `captureSession`: push packets, records come out through a sink. TCP
 * segments are reassembled per flow and direction (gaps become gap markers), each UDP datagram and
 * each serial packet (meterkit's LINKTYPE_USER0) is one record. Each channel's protocol is detected
 * once, from its ports and first bytes; a TLS stream is marked `encrypted`.
 */
export class CaptureSessionizer {
  readonly #tcp: TcpReassembler;
  readonly #serverPorts: ReadonlySet<number>;
  readonly #override: SessionProtocol | undefined;
  readonly #channels = new Map<string, ChannelState>();
  #sink: SessionRecordSink;
  #lastFrame = 0;
  #lastTime: bigint | undefined;
  readonly #tcpSink: TcpFlowSink = {
    event: (e) => this.#sink.record(this.#tcpRecord(e)),
    finished: (channel) => {
      this.#channels.delete(channel);
      this.#sink.finished(channel);
    },
  };

  constructor(sink: SessionRecordSink, options: CaptureSessionOptions = {}) {
    this.#sink = sink;
    this.#tcp = new TcpReassembler(options);
    this.#serverPorts = options.serverPorts ?? SERVER_PORTS;
    this.#override = options.protocol;
  }

  #stateOf(channel: string, ports: readonly number[], bytes: Uint8Array): ChannelState {
    let state = this.#channels.get(channel);
    if (state === undefined) {
      if (this.#channels.size >= MAX_CHANNEL_STATES) this.#channels.clear();
      state = { protocol: undefined, decided: false, encrypted: false };
      this.#channels.set(channel, state);
    }
    if (!state.decided && bytes.length > 0) {
      state.protocol = detectProtocol({ ports, bytes, override: this.#override })?.protocol;
      state.encrypted = isTlsRecordStart(bytes);
      state.decided = true;
    } else if (!state.decided) {
      state.protocol = detectProtocol({ ports, override: this.#override })?.protocol;
    }
    return state;
  }

  #tcpRecord(e: TcpFlowEvent): SessionRecord {
    const ev = e.event;
    const bytes = ev.type === 'data' ? ev.bytes : NO_BYTES;
    let state = this.#channels.get(e.channel);
    if (state === undefined || !state.decided)
      state = this.#stateOf(e.channel, [e.serverPort, e.clientPort], bytes);
    return {
      frame: ev.frame,
      channel: e.channel,
      direction: e.direction,
      timestamp: ev.timestamp,
      protocol: state.protocol,
      bytes,
      gap: ev.type === 'gap' ? ev.gap : undefined,
      encrypted: state.encrypted || undefined,
      xml: undefined,
      comment: undefined,
    };
  }

  /** Feeds one packet. */
  push(packet: CapturePacket): void {
    this.#lastFrame = packet.frameNumber;
    this.#lastTime = packet.timestamp;
    if (packet.tcp !== undefined) {
      this.#tcp.pushInto(packet, this.#tcpSink);
    } else if (packet.udp !== undefined && packet.ip !== undefined && packet.payload !== undefined) {
      const src = { address: packet.ip.source, port: packet.udp.sourcePort };
      const dst = { address: packet.ip.destination, port: packet.udp.destinationPort };
      const server = guessServer(src, dst, this.#serverPorts);
      const fromClient = server === 'b';
      const channel =
        server === undefined
          ? channelId('udp', src, dst, false)
          : channelId('udp', fromClient ? src : dst, fromClient ? dst : src, true);
      const state = this.#stateOf(channel, [dst.port, src.port], packet.payload);
      this.#sink.record({
        frame: packet.frameNumber,
        channel,
        direction: server === undefined ? 'unknown' : fromClient ? 'client-to-server' : 'server-to-client',
        timestamp: packet.timestamp,
        protocol: state.protocol,
        bytes: packet.payload,
        comment: packet.comments[0],
      });
    } else if (packet.serial !== undefined && packet.payload !== undefined) {
      const state = this.#stateOf('serial', [], packet.payload);
      this.#sink.record({
        frame: packet.frameNumber,
        channel: 'serial',
        direction: packet.serial.direction,
        timestamp: packet.timestamp,
        protocol: state.protocol,
        bytes: packet.payload,
        comment: packet.comments[0],
      });
    }
  }

  /** Ends the capture: held TCP data and holes come out. */
  end(): void {
    this.#tcp.endInto(this.#lastFrame, this.#lastTime, this.#tcpSink);
  }
}

/**
 * Turns the packets of a capture into session records, in capture order and in constant memory
 * (see `CaptureSessionizer`).
 */
export async function* captureSession(
  packets: AsyncIterable<CapturePacket> | Iterable<CapturePacket>,
  options: CaptureSessionOptions = {},
): AsyncGenerator<SessionRecord> {
  let out: SessionRecord[] = [];
  const sessionizer = new CaptureSessionizer(
    { record: (r) => out.push(r), finished: () => undefined },
    options,
  );
  for await (const packet of packets) {
    sessionizer.push(packet);
    if (out.length > 0) {
      const batch = out;
      out = [];
      yield* batch;
    }
  }
  sessionizer.end();
  yield* out;
}
