/**
 * APDUs over an IEC 62056-46 HDLC link on a byte transport (TCP or a serial line): drives the
 * sans-IO `HdlcLink` (client role) with the transport's bytes and a timer, and turns its events
 * into whole APDUs and typed errors.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { Transport } from '@meterkit/core/transport';
import { HdlcLink, type HdlcLinkOptions } from '../session/hdlc-link.js';
import {
  type ApduChannel,
  type CaptureRecorder,
  cancelled,
  captureTime,
  ReceiveQueue,
  type WaitOptions,
} from './apdu-channel.js';

/** Options of `HdlcChannel`. */
export interface HdlcChannelOptions extends Omit<HdlcLinkOptions, 'role'> {
  readonly recorder?: CaptureRecorder | undefined;
  /** Words for the "no answer to SNRM" hint (e.g. `at 9600 baud`). */
  readonly lineDescription?: string | undefined;
  /**
   * While an answer is awaited and the server gave the poll back with nothing: how long to wait
   * before polling it again with RR (default 100 ms).
   */
  readonly pollIntervalMs?: number | undefined;
}

/** An HDLC client link as an `ApduChannel` (IEC 62056-46). */
export class HdlcChannel implements ApduChannel {
  readonly name: string;
  readonly link: HdlcLink;
  private readonly transport: Transport;
  private readonly options: HdlcChannelOptions;
  private readonly queue = new ReceiveQueue<Uint8Array>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private octetTimer: ReturnType<typeof setTimeout> | undefined;
  /** Counts received chunks, so a late inter-octet timer can tell that bytes came after all. */
  private chunks = 0;
  private connectWaiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private disconnectWaiter: (() => void) | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Frames dropped by the link (noise, other addresses), for diagnostics. */
  discarded = 0;

  constructor(transport: Transport, options: HdlcChannelOptions) {
    this.transport = transport;
    this.options = options;
    this.link = new HdlcLink({ ...options, role: 'client' });
    this.name = `${transport.name} (HDLC ${options.localAddress.upper}→${options.remoteAddress.upper}/${options.remoteAddress.lower ?? '-'})`;
    transport.onData((chunk) => {
      this.options.recorder?.record('server-to-client', chunk, captureTime());
      this.chunks++;
      this.link.receive(chunk);
      this.pump();
    });
    transport.onClose((info) => {
      this.stopTimer();
      this.stopPollTimer();
      this.stopOctetTimer();
      this.queue.fail(info.error);
      this.connectWaiter?.reject(info.error);
      this.connectWaiter = undefined;
      this.disconnectWaiter?.();
    });
  }

  get maxApduSize(): number | undefined {
    return undefined;
  }

  /** Opens the link: SNRM → UA (IEC 62056-46 §6.4.4.4.3.2). */
  async open(options: WaitOptions = {}): Promise<void> {
    await this.transport.open(options.signal === undefined ? {} : { signal: options.signal });
    const signal = options.signal;
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.connectWaiter = undefined;
        reject(cancelled(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => signal?.removeEventListener('abort', onAbort);
      this.connectWaiter = {
        resolve: () => {
          settle();
          resolve();
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      };
      this.link.connect();
      this.pump();
    });
  }

  async send(apdu: Uint8Array): Promise<void> {
    this.link.send(apdu);
    this.pump();
    await this.writing;
  }

  /**
   * The next APDU. When none is queued and the poll is ours (the server ended its last
   * transmission with F=1 but more is expected, e.g. GBT blocks of a window longer than the HDLC
   * window), the server is polled with RR (IEC 62056-46 §6.4.3).
   */
  receive(options: WaitOptions = {}): Promise<Uint8Array> {
    const p = this.queue.next(options, `answer over HDLC from ${this.transport.name}`);
    this.pollIfIdle();
    return p;
  }

  private pollIfIdle(): void {
    this.stopPollTimer();
    if (!this.queue.waiting || this.link.state !== 'connected' || !this.link.idle) return;
    this.link.poll();
    this.pump();
  }

  private stopPollTimer(): void {
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** DISC → UA, then closes the transport. */
  async close(): Promise<void> {
    if (this.link.state === 'connected' && !this.transport.closed) {
      await new Promise<void>((resolve) => {
        this.disconnectWaiter = resolve;
        this.link.disconnect();
        this.pump();
      });
    }
    this.stopTimer();
    this.stopPollTimer();
    this.stopOctetTimer();
    await this.writing.catch(() => undefined);
    await this.transport.close();
  }

  private pump(): void {
    for (let out = this.link.nextOutput(); out !== undefined; out = this.link.nextOutput()) {
      const bytes = out;
      this.options.recorder?.record('client-to-server', bytes, captureTime());
      this.writing = this.writing
        .then(() => this.transport.write(bytes))
        .catch((e: unknown) => {
          this.queue.fail(
            e instanceof MeterkitError
              ? e
              : new MeterkitError(ErrorCode.TransportIo, 'write failed', { cause: e }),
          );
        });
    }
    for (let ev = this.link.nextEvent(); ev !== undefined; ev = this.link.nextEvent()) {
      switch (ev.type) {
        case 'connected':
          this.connectWaiter?.resolve();
          this.connectWaiter = undefined;
          break;
        case 'apdu':
          this.queue.push(ev.apdu);
          break;
        case 'error': {
          const e = this.explain(ev.error);
          this.connectWaiter?.reject(e);
          this.connectWaiter = undefined;
          this.queue.fail(e);
          break;
        }
        case 'disconnected':
          this.disconnectWaiter?.();
          this.disconnectWaiter = undefined;
          if (ev.reason !== 'local')
            this.queue.fail(
              new MeterkitError(ErrorCode.TransportClosed, `the HDLC link ended (${ev.reason})`),
            );
          break;
        case 'discarded':
          this.discarded++;
          break;
      }
    }
    this.stopTimer();
    if (
      this.queue.waiting &&
      this.link.state === 'connected' &&
      this.link.idle &&
      this.pollTimer === undefined
    ) {
      // the server gave the poll back without the awaited APDU: poll again in a moment
      this.pollTimer = setTimeout(() => {
        this.pollTimer = undefined;
        this.pollIfIdle();
      }, this.options.pollIntervalMs ?? 100);
    }
    this.armOctetTimer();
    const ms = this.link.timeoutMs;
    if (ms !== undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.link.timeout();
        this.pump();
      }, ms);
    }
  }

  private explain(e: MeterkitError): MeterkitError {
    if (e.code !== ErrorCode.SessionTimeout || !e.message.startsWith('no answer to SNRM')) return e;
    const line = this.options.lineDescription ?? `on ${this.transport.name}`;
    const r = this.options.remoteAddress;
    return new MeterkitError(
      ErrorCode.SessionTimeout,
      `no answer to SNRM ${line}: check --server-address (now logical ${r.upper}, physical ${r.lower ?? 'none'}), --client-address (${this.options.localAddress.upper})${this.options.echo ? ', probe orientation and power (--rts)' : ' and that the port speaks HDLC'}`,
      { cause: e },
    );
  }

  /**
   * The inter-octet timer (IEC 62056-46 §6.4.4.2): while the link holds a partial frame, silence
   * on the line for `interOctetTimeoutMs` makes the link drop it. A timer that fires late (a busy
   * event loop) first lets pending input in (`setImmediate` runs after I/O), so bytes that did
   * arrive in time are not mistaken for silence.
   */
  private armOctetTimer(): void {
    this.stopOctetTimer();
    const ms = this.link.interOctetTimeoutMs;
    if (ms === undefined) return;
    const seen = this.chunks;
    this.octetTimer = setTimeout(() => {
      this.octetTimer = undefined;
      setImmediate(() => {
        if (this.chunks !== seen || this.transport.closed) return;
        this.link.lineIdle();
        this.pump();
      });
    }, ms);
  }

  private stopOctetTimer(): void {
    if (this.octetTimer !== undefined) clearTimeout(this.octetTimer);
    this.octetTimer = undefined;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
