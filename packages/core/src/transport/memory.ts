/**
 * An in-memory duplex pair of transports for tests and simulators: what one end writes the other
 * reads, optionally late and cut into small chunks to exercise reassembly of split reads.
 */
import { TransportBase, type TransportOptions } from './transport-base.js';
import { checkTimeout, invalidArgument } from './transport-errors.js';

/** Options of `createMemoryPair`. */
export interface MemoryPairOptions extends TransportOptions {
  /** Names of the two ends: `memory://<a>` and `memory://<b>`. Default `['a', 'b']`. */
  readonly names?: readonly [string, string] | undefined;
  /**
   * Delay in milliseconds before each delivered chunk, one after the other (default 0: every
   * pending chunk is delivered on the next turn of the event loop). Deliveries keep their order.
   */
  readonly latencyMs?: number | undefined;
  /** Cut every write into chunks of at most this many bytes, each delivered separately. */
  readonly maxChunkSize?: number | undefined;
}

interface Delivery {
  readonly chunk: Uint8Array | undefined;
}

/**
 * One end of a memory pair. Both ends start open; closing one closes the other (by `peer`) after
 * the bytes already written arrived. Writes copy the bytes, so the caller may reuse its buffer.
 *
 * Name: `memory://<name>`.
 */
export class MemoryTransport extends TransportBase {
  readonly kind = 'stream' as const;
  private peer: MemoryTransport | undefined;
  private readonly latencyMs: number;
  private readonly maxChunkSize: number;
  private readonly outbox: Delivery[] = [];
  private scheduled = false;
  private writtenBytes = 0;

  private constructor(name: string, options: MemoryPairOptions) {
    super(`memory://${name}`, options, 'open');
    this.latencyMs = options.latencyMs ?? 0;
    this.maxChunkSize = options.maxChunkSize ?? Number.MAX_SAFE_INTEGER;
  }

  /** Creates the two linked ends. */
  static pair(options: MemoryPairOptions = {}): [MemoryTransport, MemoryTransport] {
    checkTimeout('latencyMs', options.latencyMs);
    const max = options.maxChunkSize;
    if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
      throw invalidArgument(`maxChunkSize must be a positive integer, got ${max}`);
    }
    const [nameA, nameB] = options.names ?? ['a', 'b'];
    const a = new MemoryTransport(nameA, options);
    const b = new MemoryTransport(nameB, options);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  /** Total bytes written by this end. */
  get bytesWritten(): number {
    return this.writtenBytes;
  }

  protected doOpen(): Promise<void> {
    return Promise.resolve();
  }

  protected doWrite(bytes: Uint8Array): Promise<void> {
    this.writtenBytes += bytes.byteLength;
    for (let at = 0; at < bytes.byteLength; at += this.maxChunkSize) {
      this.outbox.push({ chunk: bytes.slice(at, Math.min(bytes.byteLength, at + this.maxChunkSize)) });
    }
    this.schedule();
    return Promise.resolve();
  }

  protected doClose(): Promise<void> {
    // Tell the peer after every byte already written reached it.
    this.outbox.push({ chunk: undefined });
    this.schedule();
    return Promise.resolve();
  }

  protected override describeDetails(): string {
    return `${this.writtenBytes} bytes written`;
  }

  private schedule(): void {
    if (this.scheduled || this.outbox.length === 0) return;
    this.scheduled = true;
    if (this.latencyMs === 0) {
      setImmediate(() => {
        this.scheduled = false;
        while (this.outbox.length > 0) this.deliver();
      });
    } else {
      setTimeout(() => {
        this.scheduled = false;
        this.deliver();
        this.schedule();
      }, this.latencyMs);
    }
  }

  private deliver(): void {
    const delivery = this.outbox.shift() as Delivery;
    const peer = this.peer as MemoryTransport;
    if (delivery.chunk === undefined) peer.ended('peer');
    else peer.received(delivery.chunk);
  }
}

/**
 * Two linked in-memory transports (`[a, b]`): bytes written to one are read from the other.
 * For tests of sessions and framers over a real `Transport` without sockets.
 */
export function createMemoryPair(options?: MemoryPairOptions): [MemoryTransport, MemoryTransport] {
  return MemoryTransport.pair(options);
}
