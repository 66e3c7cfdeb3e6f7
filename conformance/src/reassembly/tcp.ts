import type { CapturePacket } from '../input/capture-packet.js';
import { type ChannelEndpoint, channelId, guessServer, SERVER_PORTS } from '../session/channel.js';
import type { SessionDirection } from '../session/record.js';
import {
  type TcpBufferLimits,
  TcpControl,
  TcpDirectionReassembler,
  type TcpDirectionStats,
  type TcpStreamEvent,
} from './tcp-direction.js';

/** Default number of TCP flows tracked at once; the least recently active is evicted beyond it. */
export const DEFAULT_MAX_FLOWS = 10_000;

/** Options of `TcpReassembler`. */
export interface TcpReassemblerOptions extends TcpBufferLimits {
  /** Flows tracked at once; the least recently active one is flushed (holes become gaps) beyond it. */
  readonly maxFlows?: number;
  /** Ports that mark the server side when no SYN was captured. Default: `SERVER_PORTS`. */
  readonly serverPorts?: ReadonlySet<number>;
}

/** A reassembly event tagged with its flow and direction. */
export interface TcpFlowEvent {
  readonly channel: string;
  readonly direction: SessionDirection;
  /** Destination port of this direction's segments (the server port for client-to-server). */
  readonly serverPort: number;
  readonly clientPort: number;
  readonly event: TcpStreamEvent;
}

/** Summary of one flow, for diagnostics. */
export interface TcpFlowSummary {
  readonly channel: string;
  /** True when a SYN fixed the roles; false when they were guessed from ports. */
  readonly rolesFromSyn: boolean;
  readonly clientToServer: Readonly<TcpDirectionStats>;
  readonly serverToClient: Readonly<TcpDirectionStats>;
}

interface Flow {
  readonly channel: string;
  readonly rolesFromSyn: boolean;
  /** Canonical key of the endpoint that is the client. */
  readonly clientKey: string;
  readonly client: ChannelEndpoint;
  readonly server: ChannelEndpoint;
  toServer: TcpDirectionReassembler;
  toClient: TcpDirectionReassembler;
  /** ISN of the client's SYN, to tell a new connection on the same ports from a retransmitted SYN. */
  clientIsn: number | undefined;
}

function endpointKey(e: ChannelEndpoint): string {
  return `${e.address}|${e.port}`;
}

/**
 * TCP reassembly over a whole capture (RFC 9293): tracks flows by their 4-tuple, decides the client
 * (sender of the SYN without ACK, else by server ports, else the first sender), reassembles each direction with
 * `TcpDirectionReassembler`, and holds a bounded number of flows so memory stays constant however
 * long the capture is. A new SYN on ports of a finished connection starts a new connection.
 */
export class TcpReassembler {
  private readonly flows = new Map<string, Flow>();
  private readonly limits: TcpBufferLimits;
  private readonly maxFlows: number;
  private readonly serverPorts: ReadonlySet<number>;
  private readonly finished: TcpFlowSummary[] = [];

  constructor(options: TcpReassemblerOptions = {}) {
    this.limits = options;
    this.maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    this.serverPorts = options.serverPorts ?? SERVER_PORTS;
  }

  /** Flows currently tracked. */
  get flowCount(): number {
    return this.flows.size;
  }

  /** Summaries of every flow seen (finished ones first), for diagnostics. */
  summaries(): TcpFlowSummary[] {
    return [...this.finished, ...[...this.flows.values()].map(summarise)];
  }

  /** Feeds one captured packet; packets that are not TCP are ignored. */
  push(packet: CapturePacket): TcpFlowEvent[] {
    const { ip, tcp, payload } = packet;
    if (ip === undefined || tcp === undefined || payload === undefined) return [];
    const src: ChannelEndpoint = { address: ip.source, port: tcp.sourcePort };
    const dst: ChannelEndpoint = { address: ip.destination, port: tcp.destinationPort };
    const a = endpointKey(src);
    const b = endpointKey(dst);
    const key = a < b ? `${a}/${b}` : `${b}/${a}`;
    const out: TcpFlowEvent[] = [];
    const syn = (tcp.flags & TcpControl.SYN) !== 0;
    const pureSyn = syn && (tcp.flags & TcpControl.ACK) === 0;
    let flow = this.flows.get(key);
    if (flow !== undefined && pureSyn && flow.clientIsn !== undefined && flow.clientIsn !== tcp.seq) {
      this.finish(key, flow, packet, out, 'lost');
      flow = undefined;
    }
    if (flow === undefined) {
      if (!syn && payload.length === 0) return out;
      flow = this.open(src, dst, pureSyn, syn);
      if (pureSyn) flow.clientIsn = tcp.seq;
      this.flows.set(key, flow);
      if (this.flows.size > this.maxFlows) {
        const [oldKey, oldFlow] = this.flows.entries().next().value as [string, Flow];
        this.finish(oldKey, oldFlow, packet, out, 'flow-evicted');
      }
    } else {
      this.flows.delete(key);
      this.flows.set(key, flow);
    }
    const fromClient = a === flow.clientKey;
    const half = fromClient ? flow.toServer : flow.toClient;
    const events = half.push({
      seq: tcp.seq,
      flags: tcp.flags,
      payload,
      frame: packet.frameNumber,
      timestamp: packet.timestamp,
    });
    for (const event of events) out.push(tag(flow, fromClient, event));
    if (flow.toServer.closed && flow.toClient.closed && (tcp.flags & TcpControl.RST) !== 0) {
      this.finish(key, flow, packet, out, 'lost');
    }
    return out;
  }

  /** Ends the capture: every flow's holes become gaps and held data is delivered. */
  end(frame: number, timestamp: bigint | undefined): TcpFlowEvent[] {
    const out: TcpFlowEvent[] = [];
    for (const [key, flow] of [...this.flows]) this.finishAt(key, flow, frame, timestamp, out, 'lost');
    return out;
  }

  private open(src: ChannelEndpoint, dst: ChannelEndpoint, pureSyn: boolean, syn: boolean): Flow {
    let client = src;
    let server = dst;
    if (syn && !pureSyn) {
      // SYN+ACK: the sender is the server.
      client = dst;
      server = src;
    } else if (!pureSyn) {
      // Without a SYN: by ports, else (equal ports) the first sender is the client, as tshark's node 0.
      if (guessServer(src, dst, this.serverPorts) === 'a') {
        client = dst;
        server = src;
      }
    }
    return {
      channel: channelId('tcp', client, server, true),
      rolesFromSyn: syn,
      clientKey: endpointKey(client),
      client,
      server,
      toServer: new TcpDirectionReassembler(this.limits),
      toClient: new TcpDirectionReassembler(this.limits),
      clientIsn: undefined,
    };
  }

  private finish(
    key: string,
    flow: Flow,
    packet: CapturePacket,
    out: TcpFlowEvent[],
    reason: 'lost' | 'flow-evicted',
  ): void {
    this.finishAt(key, flow, packet.frameNumber, packet.timestamp, out, reason);
  }

  private finishAt(
    key: string,
    flow: Flow,
    frame: number,
    timestamp: bigint | undefined,
    out: TcpFlowEvent[],
    reason: 'lost' | 'flow-evicted',
  ): void {
    for (const event of flow.toServer.flush(frame, timestamp, reason)) out.push(tag(flow, true, event));
    for (const event of flow.toClient.flush(frame, timestamp, reason)) out.push(tag(flow, false, event));
    this.flows.delete(key);
    this.finished.push(summarise(flow));
    if (this.finished.length > this.maxFlows) this.finished.shift();
  }
}

function tag(flow: Flow, fromClient: boolean, event: TcpStreamEvent): TcpFlowEvent {
  return {
    channel: flow.channel,
    direction: fromClient ? 'client-to-server' : 'server-to-client',
    serverPort: flow.server.port,
    clientPort: flow.client.port,
    event,
  };
}

function summarise(flow: Flow): TcpFlowSummary {
  return {
    channel: flow.channel,
    rolesFromSyn: flow.rolesFromSyn,
    clientToServer: { ...flow.toServer.stats },
    serverToClient: { ...flow.toClient.stats },
  };
}
