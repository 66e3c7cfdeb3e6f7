/**
 * The byte-stream plumbing TCP (RFC 9293) and TLS share: a connected `net.Socket` (or
 * `tls.TLSSocket`) behind the `Transport` interface, with connect timeout and abort, socket
 * pause/resume for read-side backpressure, write callbacks for write-side backpressure, and an
 * orderly close that gives up on a dead peer after a grace period.
 */
import type { Socket } from 'node:net';
import { TransportBase, type TransportOptions } from './transport-base.js';
import {
  cancelledError,
  checkTimeout,
  closedError,
  openFailedError,
  timeoutError,
} from './transport-errors.js';

/** Options shared by TCP and TLS client connections. */
export interface SocketTransportOptions extends TransportOptions {
  /** Give up connecting after this many milliseconds (`TransportOpenFailed`). Default 30 000. */
  readonly connectTimeoutMs?: number | undefined;
  /** Disable Nagle's algorithm (request/response protocols want this). Default true. */
  readonly noDelay?: boolean | undefined;
  /** Enable TCP keep-alive probes after this many idle milliseconds, so a vanished peer is noticed. */
  readonly keepAliveMs?: number | undefined;
  /**
   * On `close()`, wait this long for the peer to acknowledge the orderly shutdown (FIN) before
   * destroying the socket. Default 2 000.
   */
  readonly closeGraceMs?: number | undefined;
}

/** Default connect timeout: 30 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_CLOSE_GRACE_MS = 2_000;

/**
 * A `Transport` over a connected Node stream socket: the common base of `TcpTransport` and
 * `TlsTransport`.
 */
export abstract class SocketTransport<S extends Socket> extends TransportBase {
  readonly kind = 'stream' as const;
  protected socket: S | undefined;
  private socketError: Error | undefined;
  protected readonly connectTimeoutMs: number;
  private readonly noDelay: boolean;
  private readonly keepAliveMs: number | undefined;
  private readonly closeGraceMs: number;

  protected constructor(name: string, options: SocketTransportOptions, connected: S | undefined) {
    super(name, options, connected === undefined ? 'idle' : 'open');
    checkTimeout('connectTimeoutMs', options.connectTimeoutMs);
    checkTimeout('keepAliveMs', options.keepAliveMs);
    checkTimeout('closeGraceMs', options.closeGraceMs);
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.noDelay = options.noDelay ?? true;
    this.keepAliveMs = options.keepAliveMs;
    this.closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
    if (connected !== undefined) {
      this.socket = connected;
      this.attach(connected);
      if (connected.destroyed) this.ended('peer');
    }
  }

  /** Local address and port, when connected. */
  localAddress(): { address: string; port: number } | undefined {
    const s = this.socket;
    if (s?.localAddress === undefined || s.localPort === undefined) return undefined;
    return { address: s.localAddress, port: s.localPort };
  }

  /** Remote address and port, when connected. */
  remoteAddress(): { address: string; port: number } | undefined {
    const s = this.socket;
    if (s?.remoteAddress === undefined || s.remotePort === undefined) return undefined;
    return { address: s.remoteAddress, port: s.remotePort };
  }

  protected override describeDetails(): string {
    const local = this.localAddress();
    return local === undefined ? '' : `local ${local.address}:${local.port}`;
  }

  /**
   * Waits for `socket` to emit `readyEvent` (`connect`, `secureConnect`) within the connect
   * timeout; on error, timeout or abort it destroys the socket and rejects with
   * `TransportOpenFailed` or `Cancelled`. On success the socket is attached.
   */
  protected connectSocket(socket: S, readyEvent: string, signal: AbortSignal | undefined): Promise<void> {
    this.socket = socket;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(timeoutError(this.name, 'connect', this.connectTimeoutMs));
      }, this.connectTimeoutMs);
      const onReady = (): void => {
        cleanup();
        this.attach(socket);
        resolve();
      };
      const onError = (e: Error): void => fail(e);
      const onClose = (): void => fail(closedError(this.name, 'closed while connecting'));
      const onAbort = (): void => {
        cleanup();
        socket.destroy();
        reject(cancelledError(this.name, 'open', signal as AbortSignal));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.off(readyEvent, onReady);
        socket.off('error', onError);
        socket.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (cause: unknown): void => {
        cleanup();
        // Keep a listener: a destroyed socket may still report a late error.
        socket.on('error', () => {});
        socket.destroy();
        reject(openFailedError(this.name, cause, 'connect failed'));
      };
      socket.once(readyEvent, onReady);
      socket.once('error', onError);
      socket.once('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private attach(socket: S): void {
    socket.setNoDelay(this.noDelay);
    if (this.keepAliveMs !== undefined) socket.setKeepAlive(true, this.keepAliveMs);
    socket.on('data', (b: Buffer) => this.received(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    socket.on('error', (e: Error) => {
      this.socketError ??= e;
    });
    // allowHalfOpen is off: after the peer's FIN Node ends our side too, so the link is over.
    socket.on('end', () => this.ended('peer'));
    socket.on('close', () => {
      if (this.socketError === undefined) this.ended('peer');
      else this.ended('error', this.socketError);
    });
  }

  protected override pauseSource(): void {
    this.socket?.pause();
  }

  protected override resumeSource(): void {
    this.socket?.resume();
  }

  protected doWrite(bytes: Uint8Array): Promise<void> {
    const socket = this.socket as S;
    return new Promise<void>((resolve, reject) => {
      socket.write(bytes, (e) => {
        if (e === null || e === undefined) resolve();
        else reject(e);
      });
    });
  }

  protected doClose(): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), this.closeGraceMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.on('error', () => {});
      // Unread bytes are dropped now; a paused socket would never see the peer's FIN.
      socket.resume();
      if (socket.connecting || socket.pending) socket.destroy();
      else socket.end();
    });
  }
}
