/**
 * The accept side TCP and TLS share: a listening `net.Server` (or `tls.Server`) whose accepted
 * connections come out as open `Transport`s, pull (`accept`) or push (`onConnection`).
 */
import type { Server } from 'node:net';
import type { MeterkitError } from '../errors.js';
import { endpointName } from './endpoint-name.js';
import { callSafely, ReceiveQueue } from './receive-queue.js';
import type { ReadOptions, SocketAddress, Transport, TransportListener, Unsubscribe } from './transport.js';
import { cancelledError, checkPort, closedError, openFailedError } from './transport-errors.js';

/** Options shared by `listenTcp` and `listenTls`. */
export interface ListenOptions {
  /** Address to bind; default `127.0.0.1` (pass `0.0.0.0` or `::` to listen on every interface). */
  readonly host?: string | undefined;
  /** Port to bind; 0 picks a free one (see `address().port`). */
  readonly port: number;
  /** Listen backlog. */
  readonly backlog?: number | undefined;
  /** Refuse connections beyond this many open at once. */
  readonly maxConnections?: number | undefined;
  /** Close every accepted connection still open when the listener closes. Default true. */
  readonly closeConnections?: boolean | undefined;
  /** Default `timeoutMs` of `accept()`. */
  readonly acceptTimeoutMs?: number | undefined;
  /** Aborts binding (`Cancelled`). */
  readonly signal?: AbortSignal | undefined;
}

/** Default bind address of listeners: loopback only, so nothing is exposed by accident. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/**
 * A listening server socket as a `TransportListener`: the common base of `TcpListener` and
 * `TlsListener`.
 */
export abstract class SocketListener<T extends Transport> implements TransportListener<T> {
  private nameValue: string;
  private readonly queue: ReceiveQueue<T>;
  private readonly live = new Set<T>();
  private readonly errorListeners = new Set<(error: MeterkitError) => void>();
  private closePromise: Promise<void> | undefined;
  private closedValue = false;
  private readonly closeConnections: boolean;

  protected constructor(
    private readonly scheme: string,
    protected readonly server: Server,
    options: ListenOptions,
  ) {
    checkPort('port', options.port);
    this.nameValue = `${scheme}-listen://`;
    this.closeConnections = options.closeConnections ?? true;
    this.queue = new ReceiveQueue<T>({
      name: this.nameValue,
      what: 'accept',
      size: () => 1,
      highWaterMark: Number.MAX_SAFE_INTEGER,
      defaultTimeoutMs: options.acceptTimeoutMs,
    });
    if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
    server.on('error', (e) => this.reportError(openFailedError(this.nameValue, e, 'listener error')));
  }

  get name(): string {
    return this.nameValue;
  }

  get closed(): boolean {
    return this.closedValue;
  }

  /** Binds and starts listening. Used by the `listen*` factories. */
  protected bind(options: ListenOptions): Promise<void> {
    const host = options.host ?? DEFAULT_LISTEN_HOST;
    this.nameValue = endpointName(`${this.scheme}-listen`, host, options.port);
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(cancelledError(this.nameValue, 'listen', signal));
    return new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => {
        cleanup();
        this.closedValue = true;
        this.server.close(() => {});
        reject(openFailedError(this.nameValue, e, 'listen failed'));
      };
      const onListening = (): void => {
        cleanup();
        const a = this.address();
        this.nameValue = endpointName(`${this.scheme}-listen`, a.address, a.port);
        resolve();
      };
      const onAbort = (): void => {
        cleanup();
        this.closedValue = true;
        this.server.close(() => {});
        reject(cancelledError(this.nameValue, 'listen', signal as AbortSignal));
      };
      const cleanup = (): void => {
        this.server.off('error', onError);
        this.server.off('listening', onListening);
        signal?.removeEventListener('abort', onAbort);
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.server.listen({ host, port: options.port, backlog: options.backlog });
    });
  }

  address(): SocketAddress {
    const a = this.server.address();
    if (a === null || typeof a === 'string') return { address: '', port: 0, family: '' };
    return { address: a.address, port: a.port, family: a.family };
  }

  /** A connection was accepted: queue it or hand it to push listeners. */
  protected accepted(connection: T): void {
    if (this.closedValue) {
      void connection.close();
      return;
    }
    this.live.add(connection);
    connection.onClose(() => this.live.delete(connection));
    this.queue.push(connection);
  }

  /** Reports a connection that failed before it was accepted. */
  protected reportError(error: MeterkitError): void {
    for (const listener of this.errorListeners) callSafely(listener, error);
  }

  accept(options?: ReadOptions): Promise<T> {
    return this.queue.next(options);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.queue.iterate();
  }

  onConnection(listener: (connection: T) => void): Unsubscribe {
    return this.queue.listen(listener);
  }

  onError(listener: (error: MeterkitError) => void): Unsubscribe {
    this.errorListeners.add(listener);
    return () => {
      this.errorListeners.delete(listener);
    };
  }

  /** Accepted connections still open. */
  get connections(): readonly T[] {
    return [...this.live];
  }

  close(): Promise<void> {
    if (this.closePromise === undefined) this.closePromise = this.runClose();
    return this.closePromise;
  }

  private async runClose(): Promise<void> {
    this.closedValue = true;
    this.queue.end(closedError(this.nameValue, 'listener closed'), true);
    const queued = this.queue.drain();
    const stopped = new Promise<void>((resolve) => {
      this.server.close(() => resolve());
    });
    const closing: Promise<void>[] = queued.map((c) => c.close());
    if (this.closeConnections) {
      for (const connection of this.live) closing.push(connection.close());
      closing.push(stopped);
    }
    await Promise.all(closing);
  }

  describe(): string {
    return `${this.nameValue} (${this.closedValue ? 'closed' : 'listening'}, ${this.live.size} connection(s))`;
  }
}
