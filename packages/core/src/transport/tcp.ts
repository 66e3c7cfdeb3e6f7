/**
 * TCP client transport (RFC 9293), e.g. for the DLMS/COSEM TCP-UDP/IP profile (IEC 62056-9-7,
 * wrapper PDUs on port 4059) or ANSI C12.22 over TCP (port 1153).
 */
import { connect, type Socket } from 'node:net';
import { endpointName } from './endpoint-name.js';
import { SocketTransport, type SocketTransportOptions } from './socket-transport.js';
import { checkPort, invalidArgument } from './transport-errors.js';

/** Options of a TCP client connection. */
export interface TcpTransportOptions extends SocketTransportOptions {
  /** Host name or IP address of the peer. */
  readonly host: string;
  /** TCP port of the peer. */
  readonly port: number;
  /** Local address to connect from. */
  readonly localAddress?: string | undefined;
  /** Local port to connect from. */
  readonly localPort?: number | undefined;
  /** Resolve `host` to IPv4 (4) or IPv6 (6) only. */
  readonly family?: 4 | 6 | undefined;
}

/**
 * A TCP connection as a `Transport` (RFC 9293 byte stream: chunk boundaries carry no meaning).
 * Create with options and `open()`, or get one open from `TcpListener.accept()`.
 *
 * Name: `tcp://<peer host>:<peer port>`.
 */
export class TcpTransport extends SocketTransport<Socket> {
  private readonly options: TcpTransportOptions;

  /**
   * @param options where to connect, and the common transport options
   * @param connected an already connected socket to wrap (the transport starts open; `host` and
   *   `port` then only name it). Listeners use this; embedders may too.
   */
  constructor(options: TcpTransportOptions, connected?: Socket) {
    if (typeof options.host !== 'string' || options.host === '') throw invalidArgument('host is required');
    checkPort('port', options.port);
    if (options.localPort !== undefined) checkPort('localPort', options.localPort);
    super(endpointName('tcp', options.host, options.port), options, connected);
    this.options = options;
  }

  protected doOpen(signal: AbortSignal | undefined): Promise<void> {
    const o = this.options;
    const socket = connect({
      host: o.host,
      port: o.port,
      localAddress: o.localAddress,
      localPort: o.localPort,
      family: o.family,
    });
    return this.connectSocket(socket, 'connect', signal);
  }
}
