/**
 * A C12.18 client over an optical probe (ANSI C12.18-2006): the link state machine (§6) over a
 * serial transport, probe power through RTS/DTR, the frame-level debug log, an optional pcapng
 * recorder, and the service sequence of §5.3.1: identify → negotiate (packet size, packet count,
 * baud rate, switched once the response is acknowledged) → logon → security → reads, writes,
 * procedures → logoff → terminate.
 */
import { ErrorCode, isMeterkitError, MeterkitError } from '@meterkit/core';
import { decodeC1218Request } from '../c1218/services.js';
import { type C1222Request, encodeRequest } from '../epsem/request.js';
import { type C1222Response, decodeResponse } from '../epsem/response.js';
import { C1218_BAUD_RATES } from '../session/baud-rates.js';
import { C1218Link, type C1218LinkTrace, type C1218Timeouts } from '../session/c1218-link.js';
import { C1218LinkDriver, type C1218Port, type CaptureRecorderLike } from '../session/c1218-link-driver.js';
import { AnsiClient, type LogonCredentials } from './ansi-client.js';

/** What the client proposes in the negotiate service (§5.3.2.4.8). */
export interface C1218NegotiateProposal {
  /** Packet size, header and CRC included. */
  readonly packetSize: number;
  /** Packets per transmission. */
  readonly numberOfPackets: number;
  /** Baud rate codes in order of preference (see `C1218_BAUD_RATES`); empty keeps the rate. */
  readonly baudRates?: readonly number[];
}

/** Options of `C1218Client`. */
export interface C1218ClientOptions {
  /** The probe's port (a `SerialTransport`, or any transport for tests). */
  readonly port: C1218Port;
  /** RTS/DTR levels set when connecting (probe power). */
  readonly signals?: { readonly rts?: boolean; readonly dtr?: boolean };
  readonly timeouts?: Partial<C1218Timeouts>;
  /** Retransmissions of a packet (default 3). */
  readonly retries?: number;
  /** Identity byte (default 0). */
  readonly identity?: number;
  /** Frame-level debug log. */
  readonly trace?: (entry: C1218LinkTrace) => void;
  /** pcapng recorder (e.g. a `SerialRecorder`). */
  readonly recorder?: CaptureRecorderLike;
  /** Pause after a baud rate change before the next request (default 20 ms). */
  readonly baudSwitchDelayMs?: number;
}

/** Options of `start()`: the opening of the §5.3.1 sequence. */
export interface C1218StartOptions {
  readonly negotiate?: C1218NegotiateProposal;
  readonly logon?: LogonCredentials;
}

/** The C12.18 client (see the module comment). */
export class C1218Client extends AnsiClient {
  readonly link: C1218Link;
  private readonly driver: C1218LinkDriver;
  private readonly options: C1218ClientOptions;
  private waiter: { resolve: (data: Uint8Array) => void; reject: (e: MeterkitError) => void } | undefined;
  private closedError: MeterkitError | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(options: C1218ClientOptions) {
    super();
    this.options = options;
    this.link = new C1218Link({
      role: 'client',
      identity: options.identity,
      retries: options.retries,
      timeouts: options.timeouts,
      trace: options.trace,
    });
    this.driver = new C1218LinkDriver(options.port, this.link, {
      side: 'client',
      recorder: options.recorder,
      onEvent: (ev) => {
        const w = this.waiter;
        if (ev.type === 'apdu') {
          this.waiter = undefined;
          w?.resolve(ev.data);
        } else if (ev.type === 'error') {
          this.waiter = undefined;
          w?.reject(ev.error);
        }
      },
      onClose: (e) => {
        this.closedError = e;
        const w = this.waiter;
        this.waiter = undefined;
        w?.reject(e);
      },
    });
  }

  /** Opens the port and sets the probe's RTS/DTR lines. */
  async open(): Promise<void> {
    await this.options.port.open();
    const s = this.options.signals;
    if (s !== undefined) {
      if (this.options.port.setSignals === undefined)
        throw new MeterkitError(
          ErrorCode.InvalidArgument,
          `${this.options.port.name} has no RTS/DTR control`,
        );
      await this.options.port.setSignals(s);
    }
  }

  /** Opens the port, then identify, negotiate (when asked) and logon (when asked). */
  async start(options: C1218StartOptions = {}): Promise<void> {
    await this.open();
    await this.identify();
    if (options.negotiate !== undefined) await this.negotiate(options.negotiate);
    if (options.logon !== undefined) await this.logon(options.logon);
  }

  /**
   * Negotiate service: applies the packet size and count the meter accepted and switches the
   * port's baud rate once our acknowledgement of the response has gone out.
   */
  async negotiate(
    p: C1218NegotiateProposal,
  ): Promise<Extract<C1222Response, { type: 'negotiate-response' }>> {
    const resp = await this.call({
      type: 'negotiate',
      packetSize: p.packetSize,
      numberOfPackets: p.numberOfPackets,
      baudRates: p.baudRates ?? [],
    });
    if (resp.type !== 'negotiate-response')
      throw new MeterkitError(ErrorCode.UnexpectedResponse, `unexpected ${resp.type}`, { path: 'response' });
    this.link.setPacketParameters(resp.packetSize, resp.numberOfPackets);
    const bps = C1218_BAUD_RATES[resp.baudRate];
    if (resp.baudRate !== 0 && bps !== undefined && this.options.port.setBaudRate !== undefined) {
      await this.driver.flushed();
      await this.options.port.setBaudRate(bps);
      await new Promise((r) => setTimeout(r, this.options.baudSwitchDelayMs ?? 20));
    }
    return resp;
  }

  /** Terminate service (§5.3.2.4.2): ends the session. */
  async terminate(): Promise<void> {
    await this.call({ type: 'terminate' });
  }

  /** Logoff and terminate, ignoring a meter that already left; then stop driving the port. */
  async end(): Promise<void> {
    try {
      await this.logoff();
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
    }
    try {
      await this.terminate();
    } finally {
      await this.driver.flushed();
      this.close();
    }
  }

  /** Stops driving the port (does not close it). */
  close(): void {
    this.driver.stop();
    this.closedError ??= new MeterkitError(ErrorCode.TransportClosed, 'client closed');
  }

  /** Closes the port as well. */
  async dispose(): Promise<void> {
    this.close();
    await this.options.port.close();
  }

  /** Sends one request APDU and waits for the response (one request at a time, queued). */
  request(req: C1222Request): Promise<C1222Response> {
    try {
      decodeC1218Request(encodeRequest(req));
    } catch (e) {
      return Promise.reject(e);
    }
    const run = this.chain.then(() => this.exchange(req));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private exchange(req: C1222Request): Promise<C1222Response> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiter = { resolve, reject };
      try {
        this.driver.send(encodeRequest(req));
      } catch (e) {
        this.waiter = undefined;
        reject(e);
      }
    }).then((data) => decodeResponse(data, req));
  }
}
