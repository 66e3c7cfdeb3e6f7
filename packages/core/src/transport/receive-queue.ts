/**
 * The receive side shared by every transport and listener: a FIFO of received items, waiting
 * readers with timeout and abort, push-mode listeners, and a byte high-water mark that pauses the
 * source (read-side backpressure).
 */
import type { MeterkitError } from '../errors.js';
import type { ReadOptions, Unsubscribe } from './transport.js';
import { cancelledError, checkTimeout, timeoutError } from './transport-errors.js';

interface Waiter<T> {
  resolve(item: T): void;
  reject(error: MeterkitError): void;
  cleanup(): void;
}

/** Hooks from a queue to its source. */
export interface ReceiveQueueHooks<T> {
  /** Used in error messages. */
  readonly name: string;
  /** What a read is called in messages (`read`, `accept`, `receive`). */
  readonly what: string;
  /** Size of an item for the high-water mark (bytes; 1 for connections). */
  size(item: T): number;
  /** Called when queued size reaches the high-water mark: stop reading from the OS. */
  pause?(): void;
  /** Called when queued size falls to half the high-water mark again. */
  resume?(): void;
  /** Queued size at which the source is paused. */
  readonly highWaterMark: number;
  /** Default timeout of `next()` when the call gives none. */
  readonly defaultTimeoutMs?: number | undefined;
}

/**
 * A FIFO of received items with waiting readers. Not exported from the package: transports wrap
 * it behind `read()`, `accept()` and `receive()`.
 */
export class ReceiveQueue<T> {
  private items: Array<T | undefined> = [];
  private head = 0;
  private waiters: Waiter<T>[] = [];
  private readonly listeners = new Set<(item: T) => void>();
  private queued = 0;
  private paused = false;
  private endError: MeterkitError | undefined;
  private endGraceful = true;

  constructor(private readonly hooks: ReceiveQueueHooks<T>) {
    checkTimeout('readTimeoutMs', hooks.defaultTimeoutMs);
  }

  /** Total size of queued items. */
  get queuedSize(): number {
    return this.queued;
  }

  /** Delivers an item: to the first waiting reader, else to push listeners, else to the queue. */
  push(item: T): void {
    if (this.endError !== undefined) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.cleanup();
      waiter.resolve(item);
      return;
    }
    if (this.listeners.size > 0) {
      for (const listener of this.listeners) callSafely(listener, item);
      return;
    }
    this.items.push(item);
    this.queued += this.hooks.size(item);
    if (!this.paused && this.queued >= this.hooks.highWaterMark && this.hooks.pause !== undefined) {
      this.paused = true;
      this.hooks.pause();
    }
  }

  /**
   * No more items will come. Queued items are still handed out; after them every read rejects
   * with `error`. `graceful` decides whether iteration ends quietly or throws `error`.
   */
  end(error: MeterkitError, graceful: boolean): void {
    if (this.endError !== undefined) return;
    this.endError = error;
    this.endGraceful = graceful;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      waiter.cleanup();
      waiter.reject(error);
    }
  }

  /** Adds a push-mode listener. */
  listen(listener: (item: T) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The next item, waiting with the given timeout and abort signal. */
  next(options: ReadOptions = {}): Promise<T> {
    if (this.head < this.items.length) return Promise.resolve(this.take());
    if (this.endError !== undefined) return Promise.reject(this.endError);
    const { signal } = options;
    const timeoutMs = options.timeoutMs ?? this.hooks.defaultTimeoutMs;
    try {
      checkTimeout('timeoutMs', timeoutMs);
    } catch (e) {
      return Promise.reject(e);
    }
    if (signal?.aborted === true) {
      return Promise.reject(cancelledError(this.hooks.name, this.hooks.what, signal));
    }
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      const waiter: Waiter<T> = {
        resolve,
        reject,
        cleanup: () => {
          if (timer !== undefined) clearTimeout(timer);
          if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
        },
      };
      const drop = (error: MeterkitError): void => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        waiter.cleanup();
        reject(error);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => drop(timeoutError(this.hooks.name, this.hooks.what, timeoutMs)), timeoutMs);
      }
      if (signal !== undefined) {
        onAbort = () => drop(cancelledError(this.hooks.name, this.hooks.what, signal));
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Iterates items until the end; ends quietly after a graceful end, else throws the end error. */
  async *iterate(): AsyncGenerator<T, void, undefined> {
    for (;;) {
      if (this.head >= this.items.length && this.endError !== undefined) {
        if (this.endGraceful) return;
        throw this.endError;
      }
      let item: T;
      try {
        item = await this.next({ timeoutMs: undefined });
      } catch (e) {
        if (e === this.endError && this.endGraceful) return;
        throw e;
      }
      yield item;
    }
  }

  /** Removes and returns every queued item (used to close queued connections). */
  drain(): T[] {
    const rest = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    this.queued = 0;
    return rest;
  }

  private take(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.queued -= this.hooks.size(item);
    if (this.paused && this.queued <= this.hooks.highWaterMark / 2) {
      this.paused = false;
      this.hooks.resume?.();
    }
    return item;
  }
}

/**
 * Calls a user listener; an exception it throws is rethrown on a fresh microtask so it surfaces as
 * the caller's own uncaught error instead of breaking the transport.
 */
export function callSafely<A>(listener: (arg: A) => void, arg: A): void {
  try {
    listener(arg);
  } catch (e) {
    queueMicrotask(() => {
      throw e;
    });
  }
}
