/**
 * TCP server side (RFC 9293): accepts connections as `TcpTransport`s, e.g. for a meter simulator
 * answering on the DLMS/COSEM wrapper port 4059 (IEC 62056-9-7).
 */
import { createServer, type Socket } from 'node:net';
import { type ListenOptions, SocketListener } from './socket-listener.js';
import type { SocketTransportOptions } from './socket-transport.js';
import { TcpTransport } from './tcp.js';

/** Options of `listenTcp`. */
export interface TcpListenOptions extends ListenOptions {
  /** Options given to every accepted connection (read timeout, keep-alive, ...). */
  readonly connection?: Omit<SocketTransportOptions, 'connectTimeoutMs'> | undefined;
}

/** A listening TCP socket handing out accepted connections as open `TcpTransport`s. */
export class TcpListener extends SocketListener<TcpTransport> {
  private constructor(options: TcpListenOptions) {
    super('tcp', createServer({ allowHalfOpen: false }), options);
    const connection = options.connection ?? {};
    this.server.on('connection', (socket: Socket) => {
      this.accepted(
        new TcpTransport(
          { ...connection, host: socket.remoteAddress ?? 'unknown', port: socket.remotePort ?? 0 },
          socket,
        ),
      );
    });
  }

  /** Binds a listener; resolves once it listens. */
  static async listen(options: TcpListenOptions): Promise<TcpListener> {
    const listener = new TcpListener(options);
    await listener.bind(options);
    return listener;
  }
}

/**
 * Listens for TCP connections on `host` (default 127.0.0.1) and `port` (0 = any free port).
 * Rejects with `TransportOpenFailed` (e.g. `EADDRINUSE`).
 */
export function listenTcp(options: TcpListenOptions): Promise<TcpListener> {
  return TcpListener.listen(options);
}
