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

/** Default number of flows closed by FIN in both directions kept (to absorb late retransmissions) before the oldest is dropped. */
export const DEFAULT_CLOSED_FLOWS_KEPT = 64;

/** Default idle time, in capture time, after which a flow is flushed and dropped: one hour. */
export const DEFAULT_IDLE_TIMEOUT_NS = 3_600_000_000_000n;

/** Options of `TcpReassembler`. */
export interface TcpReassemblerOptions extends TcpBufferLimits {
  /** Flows tracked at once; the least recently active one is flushed (holes become gaps) beyond it. */
  readonly maxFlows?: number;
  /** Ports that mark the server side when no SYN was captured. Default: `SERVER_PORTS`. */
  readonly serverPorts?: ReadonlySet<number>;
  /**
   * Flows closed by a FIN in each direction that are kept until more than this many are held; the
   * oldest is then dropped (its channel reported finished). Default 64.
   */
  readonly closedFlowsKept?: number;
  /**
   * A flow with no segment for this long in capture time (nanoseconds) is flushed and dropped, as if
   * evicted. Default one hour; `0n` turns it off.
   */
  readonly idleTimeoutNs?: bigint;
}

/**
 * Receives reassembly's output in order: stream events, and the end of a flow once it is dropped
 * (after its last events), so later layers can free what they keep per channel.
 */
export interface TcpFlowSink {
  event(e: TcpFlowEvent): void;
  /** The flow of `channel` ended and nothing more comes for it (until a new connection reuses the ports). */
  finished(channel: string): void;
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
  /** Capture time of the flow's last segment. */
  lastTime: bigint;
  /** Queued as closed (FIN both ways). */
  closedQueued: boolean;
}

/** Collects events into an array, ignoring flow ends (the array form of `push`). */
class ArraySink implements TcpFlowSink {
  out: TcpFlowEvent[] = [];
  event(e: TcpFlowEvent): void {
    this.out.push(e);
  }
  finished(): void {}
}

const SWEEP_EVERY = 1024;

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
  /** Next slot of `finished` to overwrite once it holds `maxFlows` summaries (a ring). */
  private finishedNext = 0;
  private readonly closedKept: number;
  private readonly idleTimeout: bigint;
  /** Keys of flows closed in both directions, oldest first. */
  private closedQueue: string[] = [];
  private closedHead = 0;
  private sinceSweep = 0;
  /** The last packet's flow and endpoints, to skip the key lookup for runs of one flow. */
  private last:
    | { flow: Flow; key: string; src: string; dst: string; sp: number; dp: number; fromClient: boolean }
    | undefined;

  constructor(options: TcpReassemblerOptions = {}) {
    this.limits = options;
    this.maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    this.serverPorts = options.serverPorts ?? SERVER_PORTS;
    this.closedKept = options.closedFlowsKept ?? DEFAULT_CLOSED_FLOWS_KEPT;
    this.idleTimeout = options.idleTimeoutNs ?? DEFAULT_IDLE_TIMEOUT_NS;
  }

  /** Flows currently tracked. */
  get flowCount(): number {
    return this.flows.size;
  }

  /** Summaries of every flow seen (finished ones first), for diagnostics. */
  summaries(): TcpFlowSummary[] {
    const done = [...this.finished.slice(this.finishedNext), ...this.finished.slice(0, this.finishedNext)];
    return [...done, ...[...this.flows.values()].map(summarise)];
  }

  /** Feeds one captured packet; packets that are not TCP are ignored. */
  push(packet: CapturePacket): TcpFlowEvent[] {
    const sink = new ArraySink();
    this.pushInto(packet, sink);
    return sink.out;
  }

  /**
   * Feeds one captured packet, handing events and flow ends to `sink` in order (the allocation-light
   * form of `push`, which also reports flows dropped when closed, idle or evicted).
   */
  pushInto(packet: CapturePacket, sink: TcpFlowSink): void {
    const { ip, tcp, payload } = packet;
    if (ip === undefined || tcp === undefined || payload === undefined) return;
    if (this.idleTimeout > 0n && ++this.sinceSweep >= SWEEP_EVERY) {
      this.sinceSweep = 0;
      this.sweepIdle(packet.frameNumber, packet.timestamp, sink);
    }
    const syn = (tcp.flags & TcpControl.SYN) !== 0;
    const pureSyn = syn && (tcp.flags & TcpControl.ACK) === 0;
    let flow: Flow | undefined;
    let key: string;
    let fromClient = false;
    let a = '';
    let same = false;
    const last = this.last;
    if (
      last !== undefined &&
      last.sp === tcp.sourcePort &&
      last.dp === tcp.destinationPort &&
      last.src === ip.source &&
      last.dst === ip.destination &&
      this.flows.get(last.key) === last.flow
    ) {
      flow = last.flow;
      key = last.key;
      fromClient = last.fromClient;
      same = true;
    } else {
      a = endpointKey({ address: ip.source, port: tcp.sourcePort });
      const b = endpointKey({ address: ip.destination, port: tcp.destinationPort });
      key = a < b ? `${a}/${b}` : `${b}/${a}`;
      flow = this.flows.get(key);
      if (flow !== undefined) {
        // least recently active first: move the flow to the end
        this.flows.delete(key);
        this.flows.set(key, flow);
      }
      fromClient = flow !== undefined && a === flow.clientKey;
    }
    if (flow !== undefined && pureSyn && flow.clientIsn !== undefined && flow.clientIsn !== tcp.seq) {
      this.finishAt(key, flow, packet.frameNumber, packet.timestamp, sink, 'lost');
      flow = undefined;
      same = false;
    }
    if (flow === undefined) {
      if (!syn && payload.length === 0) return;
      const src: ChannelEndpoint = { address: ip.source, port: tcp.sourcePort };
      const dst: ChannelEndpoint = { address: ip.destination, port: tcp.destinationPort };
      flow = this.open(src, dst, pureSyn, syn, packet.timestamp);
      fromClient = endpointKey(src) === flow.clientKey;
      if (pureSyn) flow.clientIsn = tcp.seq;
      this.flows.set(key, flow);
      if (this.flows.size > this.maxFlows) {
        const [oldKey, oldFlow] = this.flows.entries().next().value as [string, Flow];
        this.finishAt(oldKey, oldFlow, packet.frameNumber, packet.timestamp, sink, 'flow-evicted');
      }
    }
    if (!same)
      this.last = {
        flow,
        key,
        src: ip.source,
        dst: ip.destination,
        sp: tcp.sourcePort,
        dp: tcp.destinationPort,
        fromClient,
      };
    flow.lastTime = packet.timestamp;
    const half = fromClient ? flow.toServer : flow.toClient;
    const events = half.push({
      seq: tcp.seq,
      flags: tcp.flags,
      payload,
      frame: packet.frameNumber,
      timestamp: packet.timestamp,
    });
    for (let i = 0; i < events.length; i++) sink.event(tag(flow, fromClient, events[i]!));
    if (flow.toServer.closed && flow.toClient.closed) {
      if ((tcp.flags & TcpControl.RST) !== 0) {
        this.finishAt(key, flow, packet.frameNumber, packet.timestamp, sink, 'lost');
      } else if (!flow.closedQueued) {
        flow.closedQueued = true;
        this.closedQueue.push(key);
        this.dropClosed(packet.frameNumber, packet.timestamp, sink);
      }
    }
  }

  /** Drops the oldest flows closed by FIN beyond `closedFlowsKept`. */
  private dropClosed(frame: number, timestamp: bigint | undefined, sink: TcpFlowSink): void {
    while (this.closedQueue.length - this.closedHead > this.closedKept) {
      const key = this.closedQueue[this.closedHead++]!;
      const flow = this.flows.get(key);
      if (flow?.closedQueued === true) this.finishAt(key, flow, frame, timestamp, sink, 'lost');
    }
    if (this.closedHead > 1024 && this.closedHead * 2 > this.closedQueue.length) {
      this.closedQueue = this.closedQueue.slice(this.closedHead);
      this.closedHead = 0;
    }
  }

  /** Flushes and drops the flows idle longer than the idle timeout (least recently active first). */
  private sweepIdle(frame: number, now: bigint, sink: TcpFlowSink): void {
    const limit = now - this.idleTimeout;
    for (const [key, flow] of this.flows) {
      if (flow.lastTime >= limit) break;
      this.finishAt(key, flow, frame, now, sink, 'flow-evicted');
    }
  }

  /** Ends the capture: every flow's holes become gaps and held data is delivered. */
  end(frame: number, timestamp: bigint | undefined): TcpFlowEvent[] {
    const sink = new ArraySink();
    this.endInto(frame, timestamp, sink);
    return sink.out;
  }

  /** `end` handing events to a sink. Flows still held are not reported finished: the capture ended. */
  endInto(frame: number, timestamp: bigint | undefined, sink: TcpFlowSink): void {
    const quiet: TcpFlowSink = { event: (e) => sink.event(e), finished: () => undefined };
    for (const [key, flow] of [...this.flows]) this.finishAt(key, flow, frame, timestamp, quiet, 'lost');
    this.last = undefined;
  }

  private open(
    src: ChannelEndpoint,
    dst: ChannelEndpoint,
    pureSyn: boolean,
    syn: boolean,
    timestamp: bigint,
  ): Flow {
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
      lastTime: timestamp,
      closedQueued: false,
    };
  }

  private finishAt(
    key: string,
    flow: Flow,
    frame: number,
    timestamp: bigint | undefined,
    sink: TcpFlowSink,
    reason: 'lost' | 'flow-evicted',
  ): void {
    for (const event of flow.toServer.flush(frame, timestamp, reason)) sink.event(tag(flow, true, event));
    for (const event of flow.toClient.flush(frame, timestamp, reason)) sink.event(tag(flow, false, event));
    this.flows.delete(key);
    flow.closedQueued = false;
    if (this.last?.flow === flow) this.last = undefined;
    if (this.finished.length < this.maxFlows) this.finished.push(summarise(flow));
    else {
      this.finished[this.finishedNext] = summarise(flow);
      this.finishedNext = (this.finishedNext + 1) % this.maxFlows;
    }
    sink.finished(flow.channel);
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
