/**
 * The shared life cycle of every byte transport (open once, read queue, events, idempotent close,
 * typed errors). Concrete transports supply only `doOpen`, `doWrite` and `doClose`; embedders may
 * extend it for their own links (a modem, a radio gateway) and get the same guarantees.
 */
import { ErrorCode, MeterkitError } from '../errors.js';
import { callSafely, ReceiveQueue } from './receive-queue.js';
import type {
  CloseInfo,
  OpenOptions,
  ReadOptions,
  Transport,
  TransportKind,
  TransportState,
  Unsubscribe,
} from './transport.js';
import {
  cancelledError,
  closedError,
  invalidArgument,
  invalidState,
  ioError,
  openFailedError,
} from './transport-errors.js';

/** Options every transport takes. */
export interface TransportOptions {
  /** Default timeout of `read()` in milliseconds when a call gives none; default: wait for ever. */
  readonly readTimeoutMs?: number | undefined;
  /**
   * Bytes queued unread at which the transport stops reading from the OS (TCP/TLS/serial: the
   * socket or port is paused, so the peer sees backpressure; UDP: further datagrams are dropped
   * and counted). Default 1 MiB.
   */
  readonly highWaterMark?: number | undefined;
}

/** Default `highWaterMark`: 1 MiB. */
export const DEFAULT_HIGH_WATER_MARK = 1 << 20;

/**
 * Base class of all meterkit transports: implements `Transport` around three hooks.
 * Subclasses call `received()` for each chunk and `ended()` when the link goes away by itself.
 */
export abstract class TransportBase implements Transport {
  abstract readonly kind: TransportKind;
  readonly name: string;
  private stateValue: TransportState;
  private closeInfoValue: CloseInfo | undefined;
  private readonly queue: ReceiveQueue<Uint8Array>;
  private readonly closeListeners = new Set<(info: CloseInfo) => void>();
  private readonly pendingWrites = new Set<(error: MeterkitError) => void>();
  private openPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;

  /**
   * @param name the transport's `name`
   * @param options common options
   * @param initialState `'open'` for links that exist already (accepted connections, memory pairs)
   */
  protected constructor(
    name: string,
    options: TransportOptions = {},
    initialState: 'idle' | 'open' = 'idle',
  ) {
    const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    if (!(Number.isInteger(highWaterMark) && highWaterMark > 0)) {
      throw invalidArgument(`highWaterMark must be a positive integer, got ${highWaterMark}`);
    }
    this.name = name;
    this.stateValue = initialState;
    this.queue = new ReceiveQueue<Uint8Array>({
      name,
      what: 'read',
      size: (chunk) => chunk.byteLength,
      pause: () => this.pauseSource(),
      resume: () => this.resumeSource(),
      highWaterMark,
      defaultTimeoutMs: options.readTimeoutMs,
    });
  }

  get state(): TransportState {
    return this.stateValue;
  }

  get closed(): boolean {
    return this.stateValue === 'closed';
  }

  get closeInfo(): CloseInfo | undefined {
    return this.closeInfoValue;
  }

  open(options: OpenOptions = {}): Promise<void> {
    if (this.stateValue === 'open') return Promise.resolve();
    if (this.closeInfoValue !== undefined) return Promise.reject(this.closeInfoValue.error);
    if (this.openPromise !== undefined) return this.openPromise;
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(cancelledError(this.name, 'open', signal));
    this.stateValue = 'opening';
    this.openPromise = this.runOpen(signal);
    return this.openPromise;
  }

  private async runOpen(signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.doOpen(signal);
    } catch (e) {
      const error =
        this.closeInfoValue?.by === 'local'
          ? this.closeInfoValue.error
          : e instanceof MeterkitError
            ? e
            : openFailedError(this.name, e);
      this.ended('error', error);
      await this.releaseQuietly();
      throw error;
    }
    if (this.closeInfoValue !== undefined) {
      await this.releaseQuietly();
      throw this.closeInfoValue.error;
    }
    this.stateValue = 'open';
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!(bytes instanceof Uint8Array)) {
      return Promise.reject(invalidArgument(`${this.name}: write expects a Uint8Array`));
    }
    if (this.closeInfoValue !== undefined) return Promise.reject(this.closeInfoValue.error);
    if (this.stateValue !== 'open') {
      return Promise.reject(invalidState(`${this.name}: write before open (state ${this.stateValue})`));
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const onClose = (error: MeterkitError): void => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      this.pendingWrites.add(onClose);
      this.doWrite(bytes).then(
        () => {
          this.pendingWrites.delete(onClose);
          if (settled) return;
          settled = true;
          resolve();
        },
        (e: unknown) => {
          this.pendingWrites.delete(onClose);
          if (settled) return;
          settled = true;
          if (this.closeInfoValue !== undefined) reject(this.closeInfoValue.error);
          else reject(e instanceof MeterkitError ? e : ioError(this.name, 'write', e));
        },
      );
    });
  }

  read(options?: ReadOptions): Promise<Uint8Array> {
    return this.queue.next(options);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.queue.iterate();
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.queue.listen(listener);
  }

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

  close(): Promise<void> {
    if (this.closePromise === undefined) {
      this.ended('local');
      this.closePromise = this.releaseQuietly();
    }
    return this.closePromise;
  }

  describe(): string {
    const details = this.describeDetails();
    const why = this.closeInfoValue === undefined ? '' : ` by ${this.closeInfoValue.by}`;
    return `${this.name} (${this.stateValue}${why}${details === '' ? '' : `, ${details}`})`;
  }

  /** Bytes received and not yet read. */
  get bufferedBytes(): number {
    return this.queue.queuedSize;
  }

  /** Opens the underlying link; reject to fail the open. `signal` aborts it. */
  protected abstract doOpen(signal: AbortSignal | undefined): Promise<void>;

  /** Writes bytes on the open link; resolves once handed to the OS. */
  protected abstract doWrite(bytes: Uint8Array): Promise<void>;

  /** Releases the link's resources. Called once per close, also after the peer went away. */
  protected abstract doClose(): Promise<void>;

  /** Extra text for `describe()`. */
  protected describeDetails(): string {
    return '';
  }

  /** Read-side backpressure: stop taking bytes from the OS. */
  protected pauseSource(): void {}

  /** Read-side backpressure: resume taking bytes from the OS. */
  protected resumeSource(): void {}

  /** A subclass hands over a received chunk. Ignored after close. */
  protected received(chunk: Uint8Array): void {
    if (this.closeInfoValue === undefined) this.queue.push(chunk);
  }

  /**
   * Marks the transport closed (first call wins): pending reads and writes reject, close
   * listeners run. `cause` is the underlying error (for `error`) or a ready `MeterkitError`.
   */
  protected ended(by: CloseInfo['by'], cause?: unknown): void {
    if (this.closeInfoValue !== undefined) return;
    const why = by === 'local' ? 'closed' : by === 'peer' ? 'closed by peer' : 'connection lost';
    const error =
      cause instanceof MeterkitError && cause.code === ErrorCode.TransportClosed
        ? cause
        : closedError(this.name, why, cause);
    const info: CloseInfo = { by, error };
    this.closeInfoValue = info;
    this.stateValue = 'closed';
    this.queue.end(error, by !== 'error');
    const writes = [...this.pendingWrites];
    this.pendingWrites.clear();
    for (const reject of writes) reject(error);
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of listeners) callSafely(listener, info);
  }

  private async releaseQuietly(): Promise<void> {
    try {
      await this.doClose();
    } catch {
      // Releasing a link that already broke can fail again; the transport is closed either way.
    }
  }
}
