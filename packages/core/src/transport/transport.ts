/**
 * The one byte-moving interface every meterkit session runs over (serial, TCP, UDP, TLS, an
 * in-memory pair). Transports only move bytes: framing, security and sessions sit above, sans-IO
 * (see DESIGN.md, "transport (bytes)" layer).
 */
import type { MeterkitError } from '../errors.js';

/**
 * Life cycle of a transport. A transport is single-use: once `closed` it never reopens (create a
 * new one to reconnect).
 */
export type TransportState = 'idle' | 'opening' | 'open' | 'closed';

/**
 * Whether chunks are arbitrary slices of a byte stream (TCP, TLS, serial, memory; a read may
 * return part of a frame or several frames) or whole datagrams (UDP, RFC 768: one chunk is exactly
 * one datagram).
 */
export type TransportKind = 'stream' | 'datagram';

/** Options of `open()`. */
export interface OpenOptions {
  /** Aborting rejects the open with `Cancelled` (405) and releases whatever was half-opened. */
  readonly signal?: AbortSignal | undefined;
}

/** Options of `read()` and `accept()`. */
export interface ReadOptions {
  /**
   * Reject with `TransportTimeout` (500) when nothing arrives within this many milliseconds.
   * Overrides the transport's `readTimeoutMs`; `undefined` waits for ever (or for close).
   */
  readonly timeoutMs?: number | undefined;
  /** Aborting rejects this read with `Cancelled` (405); the transport stays open. */
  readonly signal?: AbortSignal | undefined;
}

/** A network endpoint, as reported by the socket. */
export interface SocketAddress {
  readonly address: string;
  readonly port: number;
  /** `'IPv4'` or `'IPv6'`. */
  readonly family: string;
}

/** Why a transport closed. */
export interface CloseInfo {
  /**
   * `local`: `close()` was called. `peer`: the peer ended the connection in order (TCP FIN, the
   * other end of a memory pair closed, the serial device went away without an error). `error`:
   * the connection broke (reset, I/O error, handshake failure after open).
   */
  readonly by: 'local' | 'peer' | 'error';
  /**
   * Always a `TransportClosed` (501) error; reads after close reject with it. Its `cause` holds the
   * underlying error when `by` is `error`.
   */
  readonly error: MeterkitError;
}

/** Removes the listener it was returned for. */
export type Unsubscribe = () => void;

/**
 * A bidirectional byte transport.
 *
 * Reading has two modes. **Pull** (default): chunks queue until taken by `read()` or by iterating
 * the transport with `for await`. **Push**: while at least one `onData` listener is attached, each
 * chunk goes to the listeners as it arrives and is not queued. A `read()` already waiting when a
 * chunk arrives is served first; bytes queued before the first listener attached stay queued.
 *
 * Errors are `MeterkitError`s: `TransportTimeout` (500) from `read`, `TransportClosed` (501) from
 * anything after close, `TransportOpenFailed` (502) from `open`, `TransportIo` (503) from a
 * failed write or control operation, `Cancelled` (405) when an `AbortSignal` fires,
 * `InvalidArgument` (600) for bad options. A vanished peer always ends in `TransportClosed`, never
 * a hang. No transport ever emits an unhandled `'error'` event.
 */
export interface Transport extends AsyncIterable<Uint8Array> {
  /**
   * A stable URL-like name, e.g. `tcp://127.0.0.1:4059`, `tls://meter.example:4059`,
   * `udp://10.0.0.7:4059`, `serial:///dev/ttyUSB0`, `memory://a`. Suitable as a pcapng
   * interface name. Never contains credentials.
   */
  readonly name: string;
  /** Stream or datagram semantics of the chunks. */
  readonly kind: TransportKind;
  /** Current life-cycle state. */
  readonly state: TransportState;
  /** True once closed (by either side or by an error). */
  readonly closed: boolean;
  /** Why it closed, once it has. */
  readonly closeInfo: CloseInfo | undefined;
  /**
   * Opens the transport. Resolves at once when already open (accepted connections and memory
   * pairs come open); rejects with `TransportClosed` after close, `TransportOpenFailed` on failure.
   */
  open(options?: OpenOptions): Promise<void>;
  /**
   * Sends bytes. Resolves once the bytes were handed to the operating system (or the peer, for a
   * memory pair), which also waits out backpressure; the caller must not modify `bytes` before.
   * For datagram transports one call is one datagram.
   */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * The next received chunk (stream: any slice of the byte stream; datagram: one datagram).
   * Queued chunks are still returned after close; then it rejects with the close error.
   */
  read(options?: ReadOptions): Promise<Uint8Array>;
  /** Push mode: called with each chunk as it arrives. */
  onData(listener: (chunk: Uint8Array) => void): Unsubscribe;
  /** Called once when the transport closes (immediately, on a microtask, if it already has). */
  onClose(listener: (info: CloseInfo) => void): Unsubscribe;
  /**
   * Closes the transport and releases its OS resources. Idempotent: every call returns the same
   * promise. Pending reads and writes reject with `TransportClosed`.
   */
  close(): Promise<void>;
  /** One line for logs: name, state and endpoint details (never secrets). */
  describe(): string;
}

/**
 * Accepts incoming connections (TCP, TLS) and hands each one over as an open `Transport`.
 *
 * Like a transport it has a pull mode (`accept()`, `for await`) and a push mode (`onConnection`
 * listeners; while any is attached, connections go to them and are not queued).
 */
export interface TransportListener<T extends Transport = Transport> extends AsyncIterable<T> {
  /** E.g. `tcp-listen://127.0.0.1:4059`. */
  readonly name: string;
  /** True once closed. */
  readonly closed: boolean;
  /** The bound address; `port` is the real port when listening on port 0. */
  address(): SocketAddress;
  /** The next accepted connection. Rejects with `TransportTimeout`, `Cancelled` or `TransportClosed`. */
  accept(options?: ReadOptions): Promise<T>;
  /** Push mode: called with each accepted connection. */
  onConnection(listener: (connection: T) => void): Unsubscribe;
  /**
   * Called when an incoming connection failed before it was accepted (TLS handshake refused,
   * client reset during handshake). The error is a `TransportOpenFailed` with the cause.
   */
  onError(listener: (error: MeterkitError) => void): Unsubscribe;
  /**
   * Stops listening. Unless `closeConnections: false` was given when listening, also closes every
   * accepted connection still open. Idempotent.
   */
  close(): Promise<void>;
  /** One line for logs. */
  describe(): string;
}

/** One received UDP datagram and who sent it. */
export interface Datagram {
  /** The payload, exactly one datagram. */
  readonly data: Uint8Array;
  /** The sender. */
  readonly remote: SocketAddress;
}
