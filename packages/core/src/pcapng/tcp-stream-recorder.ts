import { ErrorCode, MeterkitError } from '../errors.js';
import {
  type CaptureDirection,
  type CaptureEndpoint,
  checkPort,
  DEFAULT_CLIENT_ENDPOINT,
  DEFAULT_SERVER_ENDPOINT,
  parseIpv4Address,
} from './endpoint.js';
import { LinkType } from './format.js';
import { IPV4_HEADER_LENGTH, IPV4_MAX_TOTAL_LENGTH } from './ipv4.js';
import { buildTcpPacket, TCP_HEADER_LENGTH, TcpFlag } from './tcp-segment.js';
import type { PcapngWriter } from './writer.js';

/** How a `TcpStreamRecorder` shapes its synthetic connection. */
export interface TcpStreamRecorderOptions {
  /** The side that opens the connection. Default 127.0.0.1:50000. */
  readonly client?: CaptureEndpoint;
  /** The side that accepts it (the meter). Default 127.0.0.1:4059. */
  readonly server?: CaptureEndpoint;
  /** An existing LINKTYPE_RAW interface of the writer; by default the recorder adds its own. */
  readonly interfaceId?: number;
  /** if_name of the interface the recorder adds. */
  readonly interfaceName?: string;
  /** if_description of the interface the recorder adds. */
  readonly interfaceDescription?: string;
  /** Emit SYN, SYN-ACK, ACK before the first bytes (default true). */
  readonly handshake?: boolean;
  /** Client initial sequence number (default 0x10000000). */
  readonly clientIsn?: number;
  /** Server initial sequence number (default 0x20000000). */
  readonly serverIsn?: number;
  /** Largest payload per segment; longer writes are split (default 1460, at most 65495). */
  readonly maxSegmentSize?: number;
}

/** Options of one recorded write. */
export interface CaptureRecordOptions {
  /** Packet comment on the (first) packet carrying these bytes. Never put secrets here. */
  readonly comment?: string;
}

interface Side {
  readonly address: Uint8Array;
  readonly port: number;
  /** Next sequence number this side sends. */
  seq: number;
  /** Next IPv4 identification this side uses. */
  ipId: number;
}

const MAX_MSS = IPV4_MAX_TOTAL_LENGTH - IPV4_HEADER_LENGTH - TCP_HEADER_LENGTH;

function u32(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `${what} ${v} is not a 32-bit number`);
  }
  return v;
}

/**
 * Records a byte-stream session as a synthetic IPv4/TCP connection (RFC 791, RFC 9293) in a pcapng
 * file: a three-way handshake (SYN, SYN-ACK, ACK, RFC 9293 §3.5), then one PSH+ACK segment per write
 * (split at the maximum segment size), sequence and acknowledgment numbers advancing per direction,
 * and FIN, FIN, ACK on `close`. Both checksums are correct, so Wireshark's "Follow TCP Stream"
 * reassembles exactly the recorded bytes in each direction.
 */
export class TcpStreamRecorder {
  private readonly writer: PcapngWriter;
  private readonly interfaceId: number;
  private readonly client: Side;
  private readonly server: Side;
  private readonly handshake: boolean;
  private readonly mss: number;
  private state: 'idle' | 'open' | 'closed' = 'idle';

  constructor(writer: PcapngWriter, options: TcpStreamRecorderOptions = {}) {
    const client = options.client ?? DEFAULT_CLIENT_ENDPOINT;
    const server = options.server ?? DEFAULT_SERVER_ENDPOINT;
    this.client = {
      address: parseIpv4Address(client.address),
      port: checkPort(client.port),
      seq: u32(options.clientIsn, 0x1000_0000, 'client ISN'),
      ipId: 1,
    };
    this.server = {
      address: parseIpv4Address(server.address),
      port: checkPort(server.port),
      seq: u32(options.serverIsn, 0x2000_0000, 'server ISN'),
      ipId: 1,
    };
    this.handshake = options.handshake ?? true;
    const mss = options.maxSegmentSize ?? 1460;
    if (!Number.isInteger(mss) || mss < 1 || mss > MAX_MSS) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `maximum segment size ${mss} is not 1..${MAX_MSS}`);
    }
    this.mss = mss;
    this.writer = writer;
    this.interfaceId =
      options.interfaceId ??
      writer.addInterface({
        linkType: LinkType.RAW,
        name: options.interfaceName ?? 'tcp',
        description:
          options.interfaceDescription ??
          `meterkit TCP ${client.address}:${client.port} <-> ${server.address}:${server.port}`,
      });
    const iface = writer.interfaceList[this.interfaceId];
    if (iface === undefined || iface.linkType !== LinkType.RAW) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `interface ${this.interfaceId} is not LINKTYPE_RAW`);
    }
  }

  /** Next sequence number each side will send (for tests and diagnostics). */
  get nextSeq(): { readonly client: number; readonly server: number } {
    return { client: this.client.seq, server: this.server.seq };
  }

  /** Opens the connection at `time` (ns): the handshake when enabled. Called by the first `record` if needed. */
  open(time: bigint): void {
    if (this.state !== 'idle') {
      throw new MeterkitError(ErrorCode.InvalidState, `TCP recorder is already ${this.state}`);
    }
    this.state = 'open';
    if (!this.handshake) return;
    this.emit(this.client, this.server, TcpFlag.SYN, time, new Uint8Array(0), undefined);
    this.client.seq = (this.client.seq + 1) >>> 0;
    this.emit(this.server, this.client, TcpFlag.SYN | TcpFlag.ACK, time, new Uint8Array(0), undefined);
    this.server.seq = (this.server.seq + 1) >>> 0;
    this.emit(this.client, this.server, TcpFlag.ACK, time, new Uint8Array(0), undefined);
  }

  /** Records `bytes` sent in `direction` at `time` (ns since the Unix epoch). Empty writes record nothing. */
  record(
    direction: CaptureDirection,
    bytes: Uint8Array,
    time: bigint,
    options: CaptureRecordOptions = {},
  ): void {
    if (this.state === 'idle') this.open(time);
    if (this.state === 'closed') {
      throw new MeterkitError(ErrorCode.InvalidState, 'TCP recorder is closed');
    }
    const [from, to] =
      direction === 'client-to-server' ? [this.client, this.server] : [this.server, this.client];
    let comment = options.comment;
    for (let at = 0; at < bytes.length; at += this.mss) {
      const end = Math.min(bytes.length, at + this.mss);
      const flags = end === bytes.length ? TcpFlag.PSH | TcpFlag.ACK : TcpFlag.ACK;
      this.emit(from, to, flags, time, bytes.subarray(at, end), comment);
      from.seq = (from.seq + (end - at)) >>> 0;
      comment = undefined;
    }
  }

  /** Closes the connection at `time`: FIN+ACK from `initiator`'s sender, FIN+ACK back, final ACK. */
  close(time: bigint, initiator: CaptureDirection = 'client-to-server'): void {
    if (this.state === 'closed') {
      throw new MeterkitError(ErrorCode.InvalidState, 'TCP recorder is already closed');
    }
    if (this.state === 'idle') this.open(time);
    this.state = 'closed';
    const [a, b] = initiator === 'client-to-server' ? [this.client, this.server] : [this.server, this.client];
    const empty = new Uint8Array(0);
    this.emit(a, b, TcpFlag.FIN | TcpFlag.ACK, time, empty, undefined);
    a.seq = (a.seq + 1) >>> 0;
    this.emit(b, a, TcpFlag.FIN | TcpFlag.ACK, time, empty, undefined);
    b.seq = (b.seq + 1) >>> 0;
    this.emit(a, b, TcpFlag.ACK, time, empty, undefined);
  }

  private emit(
    from: Side,
    to: Side,
    flags: number,
    time: bigint,
    payload: Uint8Array,
    comment: string | undefined,
  ): void {
    const packet = buildTcpPacket(
      {
        source: from.address,
        destination: to.address,
        sourcePort: from.port,
        destinationPort: to.port,
        seq: from.seq,
        ack: to.seq,
        flags,
        identification: from.ipId,
      },
      payload,
    );
    from.ipId = (from.ipId + 1) & 0xffff;
    this.writer.writePacket(this.interfaceId, time, packet, comment === undefined ? {} : { comment });
  }
}
