/**
 * TLS client transport (RFC 8446, TLS 1.3; RFC 5246, TLS 1.2) over TCP, e.g. for IEEE 2030.5
 * (HTTPS with ECDHE-ECDSA-AES128-CCM8 and device certificates) or DLMS/C12.22 behind TLS.
 * Every TLS setting is the caller's: the transport never weakens verification.
 */
import { type ConnectionOptions, connect, type TLSSocket } from 'node:tls';
import { endpointName } from './endpoint-name.js';
import { SocketTransport, type SocketTransportOptions } from './socket-transport.js';
import { readTlsSessionInfo, type TlsSessionInfo } from './tls-session-info.js';
import { checkPort, invalidArgument, invalidState } from './transport-errors.js';

/**
 * The caller's TLS client settings, passed to `tls.connect` unchanged: `ca`, `cert`, `key`,
 * `passphrase`, `ciphers`, `minVersion`, `maxVersion`, `ecdhCurve`, `servername`,
 * `checkServerIdentity`, `ALPNProtocols`, `rejectUnauthorized`, `session`, ... The socket fields
 * (`host`, `port`, `socket`, `path`) come from `TlsTransportOptions` instead.
 */
export type TlsClientSettings = Omit<ConnectionOptions, 'host' | 'port' | 'socket' | 'path' | 'timeout'>;

/** Options of a TLS client connection. */
export interface TlsTransportOptions extends SocketTransportOptions {
  /** Host name or IP address of the server; also the name checked against its certificate. */
  readonly host: string;
  /** TCP port of the server. */
  readonly port: number;
  /** TLS settings, passed through unchanged. */
  readonly tls?: TlsClientSettings | undefined;
}

/**
 * A TLS connection as a `Transport`. `open()` resolves after the handshake; a refused handshake
 * (untrusted or mismatched certificate, no shared cipher) rejects with `TransportOpenFailed`
 * naming the OpenSSL reason. With TLS 1.3 the server checks a client certificate after the
 * client's handshake completes, so a refused client certificate shows up as the connection
 * closing (`TransportClosed`, cause: the alert) on the first read instead.
 *
 * Name: `tls://<host>:<port>`.
 */
export class TlsTransport extends SocketTransport<TLSSocket> {
  private readonly options: TlsTransportOptions;

  /**
   * @param options where to connect and how
   * @param connected an already established `TLSSocket` to wrap (server side; starts open)
   */
  constructor(options: TlsTransportOptions, connected?: TLSSocket) {
    if (typeof options.host !== 'string' || options.host === '') throw invalidArgument('host is required');
    checkPort('port', options.port);
    super(endpointName('tls', options.host, options.port), options, connected);
    this.options = options;
  }

  protected doOpen(signal: AbortSignal | undefined): Promise<void> {
    const o = this.options;
    const socket = connect({ ...o.tls, host: o.host, port: o.port });
    return this.connectSocket(socket, 'secureConnect', signal);
  }

  /**
   * The negotiated protocol, cipher and peer certificate chain. Throws the close error after close,
   * `InvalidState` (404) before open.
   */
  session(): TlsSessionInfo {
    const socket = this.socket;
    if (this.closeInfo !== undefined) throw this.closeInfo.error;
    if (socket === undefined || this.state !== 'open') {
      throw invalidState(`${this.name}: no TLS session before open`);
    }
    return readTlsSessionInfo(socket);
  }

  protected override describeDetails(): string {
    const base = super.describeDetails();
    const socket = this.socket;
    if (socket === undefined || this.state !== 'open') return base;
    const cipher = socket.getCipher();
    return `${base}${base === '' ? '' : ', '}${socket.getProtocol() ?? '?'} ${cipher.standardName}`;
  }
}
