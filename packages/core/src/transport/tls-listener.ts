/**
 * TLS server side (RFC 8446 / RFC 5246): accepts connections whose handshake succeeded as open
 * `TlsTransport`s; refused handshakes are reported through `onError`, naming the certificate
 * verification error when a client certificate was refused.
 */
import { createServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { type ListenOptions, SocketListener } from './socket-listener.js';
import type { SocketTransportOptions } from './socket-transport.js';
import { TlsTransport } from './tls.js';
import { openFailedError } from './transport-errors.js';

/**
 * The caller's TLS server settings, passed to `tls.createServer` unchanged: `key`, `cert`, `ca`,
 * `requestCert`, `rejectUnauthorized`, `ciphers`, `minVersion`, `maxVersion`, `ecdhCurve`,
 * `ALPNProtocols`, `SNICallback`, ...
 */
export type TlsServerSettings = TlsOptions;

/** Options of `listenTls`. */
export interface TlsListenOptions extends ListenOptions {
  /** TLS settings, passed through unchanged. */
  readonly tls: TlsServerSettings;
  /** Options given to every accepted connection (read timeout, keep-alive, ...). */
  readonly connection?: Omit<SocketTransportOptions, 'connectTimeoutMs'> | undefined;
}

/** A listening TLS socket handing out accepted connections as open `TlsTransport`s. */
export class TlsListener extends SocketListener<TlsTransport> {
  private constructor(options: TlsListenOptions) {
    super('tls', createServer(options.tls), options);
    const connection = options.connection ?? {};
    this.server.on('secureConnection', (socket: TLSSocket) => {
      this.accepted(
        new TlsTransport(
          { ...connection, host: socket.remoteAddress ?? 'unknown', port: socket.remotePort ?? 0 },
          socket,
        ),
      );
    });
    this.server.on('tlsClientError', (e: Error, socket: TLSSocket) => {
      const from =
        socket.remoteAddress === undefined
          ? 'handshake'
          : `handshake with ${socket.remoteAddress}:${socket.remotePort}`;
      // Node drops a refused client certificate by closing the socket, so the error is only a
      // reset; the verification result it recorded first says why.
      const why = socket.authorizationError as Error | string | null | undefined;
      const reason = why === null || why === undefined ? '' : ` (client certificate: ${String(why)})`;
      this.reportError(openFailedError(this.name, e, `${from} failed${reason}`));
    });
  }

  /** Binds a listener; resolves once it listens. */
  static async listen(options: TlsListenOptions): Promise<TlsListener> {
    const listener = new TlsListener(options);
    await listener.bind(options);
    return listener;
  }
}

/**
 * Listens for TLS connections on `host` (default 127.0.0.1) and `port` (0 = any free port) with
 * the caller's TLS settings. Rejects with `TransportOpenFailed` (e.g. `EADDRINUSE`).
 */
export function listenTls(options: TlsListenOptions): Promise<TlsListener> {
  return TlsListener.listen(options);
}
