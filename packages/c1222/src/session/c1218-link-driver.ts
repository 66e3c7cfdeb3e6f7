/**
 * Runs a sans-IO `C1218Link` (ANSI C12.18-2006 §6) over a byte transport: feeds it what the port
 * delivers, writes its outputs in order (after the turn-around delay), runs its timers, records
 * both directions into an optional pcapng recorder, and hands its events to the owner. Shared by
 * the C12.18 client and the simulated meter.
 */
import { type CaptureDirection, ErrorCode, isMeterkitError, MeterkitError } from '@meterkit/core';
import type { Transport } from '@meterkit/core/transport';
import type { C1218Link, C1218LinkEvent } from './c1218-link.js';

/** Serial line controls an optical probe port may offer (`SerialTransport` has both). */
export interface C1218PortControls {
  setBaudRate?(baudRate: number): Promise<void>;
  setSignals?(signals: { readonly rts?: boolean; readonly dtr?: boolean }): Promise<void>;
}

/** A transport carrying C12.18, with the serial controls when it is a serial port. */
export type C1218Port = Transport & C1218PortControls;

/** Anything with the pcapng recorders' `record` (SerialRecorder, TcpStreamRecorder, UdpRecorder). */
export interface CaptureRecorderLike {
  record(direction: CaptureDirection, bytes: Uint8Array, time: bigint): void;
}

/** Options of `C1218LinkDriver`. */
export interface C1218LinkDriverOptions {
  /** Which side we are, for the recorder's direction. */
  readonly side: 'client' | 'server';
  readonly recorder?: CaptureRecorderLike;
  /** Monotonic milliseconds (default `performance.now`). */
  readonly clock?: () => number;
  /** Called with every link event. */
  readonly onEvent: (event: C1218LinkEvent) => void;
  /** Called once when the transport closes or a write fails. */
  readonly onClose?: (error: MeterkitError) => void;
}

/** Drives a link over a transport (see the module comment). */
export class C1218LinkDriver {
  private writes: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private stopped = false;
  private readonly clock: () => number;

  constructor(
    readonly port: C1218Port,
    readonly link: C1218Link,
    private readonly options: C1218LinkDriverOptions,
  ) {
    this.clock = options.clock ?? (() => performance.now());
    this.unsubscribe.push(
      port.onData((chunk) => this.onData(chunk)),
      port.onClose((info) => this.end(info.error)),
    );
  }

  /** Milliseconds of the driver's clock. */
  now(): number {
    return this.clock();
  }

  /** Queues an APDU on the link and starts sending it. */
  send(apdu: Uint8Array, expectResponse?: boolean): void {
    this.link.send(apdu, this.now(), expectResponse);
    this.pump();
  }

  /** Resolves once everything queued so far was handed to the transport. */
  flushed(): Promise<void> {
    return this.writes;
  }

  /** Stops driving: detaches from the transport and stops the timer (the transport stays open). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private onData(chunk: Uint8Array): void {
    if (this.stopped) return;
    this.record(false, chunk);
    this.link.receive(chunk, this.now());
    this.pump();
  }

  /** Writes outputs, delivers events and re-arms the timer. */
  pump(): void {
    if (this.stopped) return;
    for (let out = this.link.nextOutput(); out !== undefined; out = this.link.nextOutput()) {
      const bytes = out;
      const delay = this.link.timeouts.turnAroundDelayMs;
      this.writes = this.writes.then(async () => {
        if (this.stopped) return;
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        this.record(true, bytes);
        try {
          await this.port.write(bytes);
        } catch (e) {
          this.end(
            isMeterkitError(e) ? e : new MeterkitError(ErrorCode.TransportIo, 'write failed', { cause: e }),
          );
        }
      });
    }
    for (let ev = this.link.nextEvent(); ev !== undefined; ev = this.link.nextEvent())
      this.options.onEvent(ev);
    this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const d = this.link.deadline();
    if (d === undefined || this.stopped) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.link.tick(this.now());
        this.pump();
      },
      Math.max(0, Math.ceil(d - this.now())),
    );
  }

  private record(outgoing: boolean, bytes: Uint8Array): void {
    const r = this.options.recorder;
    if (r === undefined) return;
    const clientSends = this.options.side === 'client' ? outgoing : !outgoing;
    r.record(clientSends ? 'client-to-server' : 'server-to-client', bytes, BigInt(Date.now()) * 1_000_000n);
  }

  private end(error: MeterkitError): void {
    if (this.stopped) return;
    this.stop();
    this.options.onClose?.(error);
  }
}
