/**
 * UDP server side (RFC 768): a bound socket that receives datagrams from anyone, with the sender's
 * address, and sends or replies to any address — e.g. a simulated meter answering DLMS UDP wrapper
 * requests (IEC 62056-9-7) or a C12.22 relay on port 1153.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { MeterkitError } from '../errors.js';
import { endpointName } from './endpoint-name.js';
import { callSafely, ReceiveQueue } from './receive-queue.js';
import { DEFAULT_LISTEN_HOST } from './socket-listener.js';
import type { CloseInfo, Datagram, ReadOptions, SocketAddress, Unsubscribe } from './transport.js';
import { DEFAULT_HIGH_WATER_MARK } from './transport-base.js';
import { checkPort, closedError, invalidArgument, ioError } from './transport-errors.js';
import { checkDatagram, closeDgram, sendDatagram, udpStep, udpTypeFor } from './udp-socket.js';

/** Options of `bindUdp`. */
export interface UdpBindOptions {
  /** Address to bind; default `127.0.0.1`. */
  readonly host?: string | undefined;
  /** Port to bind; 0 picks a free one (see `address().port`). */
  readonly port: number;
  /** `udp4` or `udp6`; default from `host`. */
  readonly type?: 'udp4' | 'udp6' | undefined;
  /** Let several sockets bind the same address (SO_REUSEADDR). */
  readonly reuseAddr?: boolean | undefined;
  /** Default timeout of `receive()`. */
  readonly readTimeoutMs?: number | undefined;
  /** Unread bytes beyond which incoming datagrams are dropped (counted). Default 1 MiB. */
  readonly highWaterMark?: number | undefined;
  /** Aborts binding (`Cancelled`). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * A bound UDP socket. Receive with `receive()`, `for await` or `onDatagram` (push mode while a
 * listener is attached); send with `send()` or answer the sender with `reply()`.
 *
 * Name: `udp-listen://<host>:<port>`.
 */
export class UdpEndpoint implements AsyncIterable<Datagram> {
  private nameValue: string;
  private readonly queue: ReceiveQueue<Datagram>;
  private readonly socket: Socket;
  private readonly closeListeners = new Set<(info: CloseInfo) => void>();
  private closeInfoValue: CloseInfo | undefined;
  private closePromise: Promise<void> | undefined;
  private dropping = false;
  private dropped = 0;

  private constructor(options: UdpBindOptions) {
    checkPort('port', options.port);
    const host = options.host ?? DEFAULT_LISTEN_HOST;
    this.nameValue = endpointName('udp-listen', host, options.port);
    this.socket = createSocket({ type: options.type ?? udpTypeFor(host), reuseAddr: options.reuseAddr });
    this.queue = new ReceiveQueue<Datagram>({
      name: this.nameValue,
      what: 'receive',
      size: (d) => d.data.byteLength,
      pause: () => {
        this.dropping = true;
      },
      resume: () => {
        this.dropping = false;
      },
      highWaterMark: options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
      defaultTimeoutMs: options.readTimeoutMs,
    });
  }

  /** Binds a UDP socket; resolves once bound. Rejects with `TransportOpenFailed` (e.g. `EADDRINUSE`). */
  static async bind(options: UdpBindOptions): Promise<UdpEndpoint> {
    const endpoint = new UdpEndpoint(options);
    const socket = endpoint.socket;
    try {
      await udpStep(endpoint.nameValue, socket, 'bind', options.signal, (done) => {
        socket.bind({ address: options.host ?? DEFAULT_LISTEN_HOST, port: options.port }, () => done());
      });
    } catch (e) {
      await endpoint.close();
      throw e;
    }
    const a = endpoint.address();
    endpoint.nameValue = endpointName('udp-listen', a.address, a.port);
    socket.on('message', (msg: Buffer, rinfo) => {
      if (endpoint.dropping) {
        endpoint.dropped++;
        return;
      }
      endpoint.queue.push({
        data: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
        remote: { address: rinfo.address, port: rinfo.port, family: rinfo.family },
      });
    });
    socket.on('error', (e: Error) => endpoint.end('error', e));
    socket.on('close', () => endpoint.end('peer'));
    return endpoint;
  }

  /** `udp-listen://<address>:<port>`. */
  get name(): string {
    return this.nameValue;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.closeInfoValue !== undefined;
  }

  /** Why it closed, once it has. */
  get closeInfo(): CloseInfo | undefined {
    return this.closeInfoValue;
  }

  /** Datagrams dropped because too many unread bytes were queued. */
  get droppedDatagrams(): number {
    return this.dropped;
  }

  /** The bound address; `port` is the real port when bound to port 0. */
  address(): SocketAddress {
    try {
      const a = this.socket.address();
      return { address: a.address, port: a.port, family: a.family };
    } catch {
      return { address: '', port: 0, family: '' };
    }
  }

  /** The next datagram. Rejects with `TransportTimeout`, `Cancelled` or `TransportClosed`. */
  receive(options?: ReadOptions): Promise<Datagram> {
    return this.queue.next(options);
  }

  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return this.queue.iterate();
  }

  /** Push mode: called with each datagram as it arrives. */
  onDatagram(listener: (datagram: Datagram) => void): Unsubscribe {
    return this.queue.listen(listener);
  }

  /** Called once when the endpoint closes. */
  onClose(listener: (info: CloseInfo) => void): Unsubscribe {
    const info = this.closeInfoValue;
    if (info !== undefined) {
      queueMicrotask(() => listener(info));
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => {
      this.closeListeners.delete(listener);
    };
  }

  /** Sends one datagram to `to`. Rejects with `InvalidArgument` (too big), `TransportIo` or `TransportClosed`. */
  async send(bytes: Uint8Array, to: { readonly address: string; readonly port: number }): Promise<void> {
    checkDatagram(this.nameValue, bytes);
    checkPort('port', to.port);
    if (typeof to.address !== 'string' || to.address === '') throw invalidArgument('address is required');
    this.throwIfClosed();
    try {
      await sendDatagram(this.socket, bytes, to.port, to.address);
    } catch (e) {
      this.throwIfClosed();
      throw ioError(this.nameValue, `send to ${to.address}:${to.port}`, e);
    }
  }

  /** Answers the sender of `datagram`. */
  reply(datagram: Datagram, bytes: Uint8Array): Promise<void> {
    return this.send(bytes, datagram.remote);
  }

  /** Closes the socket. Idempotent. */
  close(): Promise<void> {
    if (this.closePromise === undefined) {
      this.end('local');
      this.closePromise = closeDgram(this.socket);
    }
    return this.closePromise;
  }

  /** One line for logs. */
  describe(): string {
    const state = this.closeInfoValue === undefined ? 'bound' : `closed by ${this.closeInfoValue.by}`;
    return `${this.nameValue} (${state}${this.dropped > 0 ? `, ${this.dropped} dropped` : ''})`;
  }

  private throwIfClosed(): void {
    if (this.closeInfoValue !== undefined) throw this.closeInfoValue.error;
  }

  private end(by: CloseInfo['by'], cause?: unknown): void {
    if (this.closeInfoValue !== undefined) return;
    const error: MeterkitError = closedError(
      this.nameValue,
      by === 'local' ? 'closed' : by === 'peer' ? 'socket closed' : 'socket error',
      cause,
    );
    const info: CloseInfo = { by, error };
    this.closeInfoValue = info;
    this.queue.end(error, by !== 'error');
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of listeners) callSafely(listener, info);
  }
}

/**
 * Binds a UDP socket on `host` (default 127.0.0.1) and `port` (0 = any free port) for receiving
 * datagrams from anyone and replying to them.
 */
export function bindUdp(options: UdpBindOptions): Promise<UdpEndpoint> {
  return UdpEndpoint.bind(options);
}
