/**
 * An APDU channel: whole xDLMS/ACSE APDUs over a byte transport, hiding the lower layer
 * (IEC 62056-47 wrapper over TCP or UDP, IEC 62056-46 HDLC over TCP or serial). The client sends
 * and receives APDUs; the channel frames, deframes, and reports what it saw to an optional
 * capture recorder.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { Transport } from '@meterkit/core/transport';
import { WrapperDeframer } from '../wrapper/deframer.js';
import { decodeWrapperPdu, encodeWrapperPdu } from '../wrapper/wrapper.js';

/** Something that records the session's bytes (the pcapng recorders of `@meterkit/core`). */
export interface CaptureRecorder {
  record(direction: 'client-to-server' | 'server-to-client', bytes: Uint8Array, time: bigint): void;
}

/** A bidirectional channel of whole APDUs (see the module comment). */
export interface ApduChannel {
  /** Human-readable name (transport name and layer), for messages. */
  readonly name: string;
  /** Opens the lower layer (HDLC: SNRM/UA). */
  open(options?: WaitOptions): Promise<void>;
  /** Sends one APDU. */
  send(apdu: Uint8Array): Promise<void>;
  /** The next APDU from the server. */
  receive(options?: WaitOptions): Promise<Uint8Array>;
  /** Closes the lower layer (HDLC: DISC) and the transport. */
  close(): Promise<void>;
  /** The largest APDU the lower layer can carry in one piece, when it limits it. */
  readonly maxApduSize?: number | undefined;
}

/** Timeout and cancellation of a wait. */
export interface WaitOptions {
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Current time for capture records, in ns since the epoch. */
export function captureTime(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/**
 * A queue of received items with one waiting reader at a time, a timeout and cancellation. Errors
 * pushed with `fail` reject the current and every later wait.
 */
export class ReceiveQueue<T> {
  private readonly items: T[] = [];
  private waiter: { resolve: (v: T) => void; reject: (e: unknown) => void } | undefined;
  private error: MeterkitError | undefined;

  /** Adds a received item. */
  push(item: T): void {
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w.resolve(item);
    } else this.items.push(item);
  }

  /** Ends the queue with an error. */
  fail(error: MeterkitError): void {
    if (this.error === undefined) this.error = error;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(error);
  }

  /** True while a reader waits for an item that has not come. */
  get waiting(): boolean {
    return this.waiter !== undefined;
  }

  /** Drops what is queued (e.g. a late answer to an abandoned request). */
  clear(): void {
    this.items.length = 0;
  }

  /** The next item. `what` names it in the timeout message. */
  next(options: WaitOptions, what: string): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift() as T);
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.waiter !== undefined)
      return Promise.reject(new MeterkitError(ErrorCode.InvalidState, 'another receive is already waiting'));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        done();
        reject(cancelled(signal!));
      };
      const done = (): void => {
        this.waiter = undefined;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.waiter = {
        resolve: (v) => {
          done();
          resolve(v);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      if (options.timeoutMs !== undefined)
        timer = setTimeout(() => {
          done();
          reject(new MeterkitError(ErrorCode.SessionTimeout, `no ${what} within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The `Cancelled` (405) error of an aborted signal. */
export function cancelled(signal: AbortSignal): MeterkitError {
  return new MeterkitError(ErrorCode.Cancelled, 'the operation was cancelled', { cause: signal.reason });
}

/** Options of `WrapperChannel`. */
export interface WrapperChannelOptions {
  /** The client's wPort (its SAP; 16 = public client). */
  readonly clientWPort: number;
  /** The server's wPort (logical device; 1 = management logical device). */
  readonly serverWPort: number;
  readonly recorder?: CaptureRecorder | undefined;
  /** Largest APDU accepted from the stream (default 65535). */
  readonly maxApduSize?: number;
}

/**
 * APDUs in IEC 62056-47 wrapper PDUs: over a stream (TCP) through a `WrapperDeframer`, over
 * datagrams (UDP) one PDU per datagram. PDUs for other wPorts are dropped.
 */
export class WrapperChannel implements ApduChannel {
  readonly name: string;
  private readonly transport: Transport;
  private readonly options: WrapperChannelOptions;
  private readonly deframer: WrapperDeframer;
  private readonly queue = new ReceiveQueue<Uint8Array>();
  /** What was dropped (wrong wPorts, garbage), for diagnostics. */
  discarded = 0;

  constructor(transport: Transport, options: WrapperChannelOptions) {
    this.transport = transport;
    this.options = options;
    this.name = `${transport.name} (wrapper ${options.clientWPort}→${options.serverWPort})`;
    this.deframer = new WrapperDeframer({ maxPayloadLength: options.maxApduSize ?? 65535 });
    transport.onData((chunk) => this.onData(chunk));
    transport.onClose((info) => this.queue.fail(info.error));
  }

  get maxApduSize(): number | undefined {
    return undefined;
  }

  private onData(chunk: Uint8Array): void {
    this.options.recorder?.record('server-to-client', chunk, captureTime());
    if (this.transport.kind === 'datagram') {
      try {
        const pdu = decodeWrapperPdu(chunk);
        this.accept(pdu.payload, pdu);
      } catch {
        this.discarded++;
      }
      return;
    }
    for (const item of this.deframer.push(chunk)) {
      if (item.type === 'pdu') this.accept(item.pdu.payload, item.pdu);
      else this.discarded++;
    }
  }

  private accept(payload: Uint8Array, pdu: { sourceWPort: number; destinationWPort: number }): void {
    if (pdu.sourceWPort !== this.options.serverWPort || pdu.destinationWPort !== this.options.clientWPort) {
      this.discarded++;
      return;
    }
    this.queue.push(payload);
  }

  async open(): Promise<void> {
    await this.transport.open();
  }

  async send(apdu: Uint8Array): Promise<void> {
    const pdu = encodeWrapperPdu({
      sourceWPort: this.options.clientWPort,
      destinationWPort: this.options.serverWPort,
      payload: apdu,
    });
    this.options.recorder?.record('client-to-server', pdu, captureTime());
    await this.transport.write(pdu);
  }

  receive(options: WaitOptions = {}): Promise<Uint8Array> {
    return this.queue.next(options, `answer from ${this.transport.name} (wPort ${this.options.serverWPort})`);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
