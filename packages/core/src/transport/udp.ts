/**
 * UDP client transport (RFC 768) to one peer, e.g. the DLMS/COSEM UDP wrapper (IEC 62056-9-7,
 * port 4059) or ANSI C12.22 over UDP (port 1153). One chunk is exactly one datagram.
 */
import { createSocket, type Socket } from 'node:dgram';
import { endpointName } from './endpoint-name.js';
import type { SocketAddress } from './transport.js';
import { TransportBase, type TransportOptions } from './transport-base.js';
import { checkPort, invalidArgument } from './transport-errors.js';
import { checkDatagram, closeDgram, sendDatagram, udpStep, udpTypeFor } from './udp-socket.js';

/** Options of a UDP client transport. */
export interface UdpTransportOptions extends TransportOptions {
  /** Host name or IP address of the peer. */
  readonly host: string;
  /** UDP port of the peer. */
  readonly port: number;
  /** Local address to bind. */
  readonly localAddress?: string | undefined;
  /** Local port to bind (default: any free port). */
  readonly localPort?: number | undefined;
  /** `udp4` or `udp6`; default from `host` (an IPv6 literal gives `udp6`). */
  readonly type?: 'udp4' | 'udp6' | undefined;
}

/**
 * A "connected" UDP socket as a `Transport` (`kind: 'datagram'`): `write()` sends one datagram,
 * `read()` returns one datagram, and only datagrams from the peer are received.
 *
 * UDP cannot see a peer vanish; but when the peer's host answers with ICMP port unreachable, the
 * OS reports `ECONNREFUSED` and the transport closes (`TransportClosed`, by `error`) rather than
 * leave the caller waiting for its read timeout. Datagrams beyond the high-water mark of unread
 * bytes are dropped and counted in `droppedDatagrams`, as the OS would.
 *
 * Name: `udp://<host>:<port>`.
 */
export class UdpTransport extends TransportBase {
  readonly kind = 'datagram' as const;
  private readonly options: UdpTransportOptions;
  private socket: Socket | undefined;
  private dropping = false;
  private dropped = 0;

  constructor(options: UdpTransportOptions) {
    if (typeof options.host !== 'string' || options.host === '') throw invalidArgument('host is required');
    checkPort('port', options.port);
    if (options.localPort !== undefined) checkPort('localPort', options.localPort);
    super(endpointName('udp', options.host, options.port), options);
    this.options = options;
  }

  /** Datagrams dropped because too many unread bytes were queued. */
  get droppedDatagrams(): number {
    return this.dropped;
  }

  /** The local address and port, once open. */
  localAddress(): SocketAddress | undefined {
    if (this.socket === undefined || this.state !== 'open') return undefined;
    const a = this.socket.address();
    return { address: a.address, port: a.port, family: a.family };
  }

  protected async doOpen(signal: AbortSignal | undefined): Promise<void> {
    const o = this.options;
    const socket = createSocket({ type: o.type ?? udpTypeFor(o.host) });
    this.socket = socket;
    await udpStep(this.name, socket, 'bind', signal, (done) => {
      socket.bind({ address: o.localAddress, port: o.localPort ?? 0 }, () => done());
    });
    await udpStep(this.name, socket, 'connect', signal, (done) => socket.connect(o.port, o.host, done));
    socket.on('message', (msg: Buffer) => {
      if (this.dropping) {
        this.dropped++;
        return;
      }
      this.received(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    });
    socket.on('error', (e: Error) => this.ended('error', e));
    socket.on('close', () => this.ended('peer'));
  }

  override write(bytes: Uint8Array): Promise<void> {
    try {
      checkDatagram(this.name, bytes);
    } catch (e) {
      return Promise.reject(e);
    }
    return super.write(bytes);
  }

  protected doWrite(bytes: Uint8Array): Promise<void> {
    return sendDatagram(this.socket as Socket, bytes);
  }

  protected doClose(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    return closeDgram(socket);
  }

  protected override pauseSource(): void {
    this.dropping = true;
  }

  protected override resumeSource(): void {
    this.dropping = false;
  }

  protected override describeDetails(): string {
    const local = this.localAddress();
    const parts: string[] = [];
    if (local !== undefined) parts.push(`local ${local.address}:${local.port}`);
    if (this.dropped > 0) parts.push(`${this.dropped} dropped`);
    return parts.join(', ');
  }
}
