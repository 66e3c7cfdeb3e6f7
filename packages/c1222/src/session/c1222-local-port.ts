/**
 * C12.22 over the serial datalink (IEEE 1703 §6, the local port): a `Transport` whose messages
 * are ACSE APDUs, carried by the C12.18 link state machine in its C12.22 form (DATA_FORMAT 1,
 * identity = LOCAL_ADDRESS_NUMBER and CHANNEL_NUMBER) inside the datalink's send-message service.
 *
 * `open()` opens the port and, when asked, runs the datalink negotiate (packet size, number of
 * packets, baud rate, channels). `write(apdu)` sends `74 <native-address> <apdu>` and resolves
 * once the peer answered `ok`; a send-message from the peer is acknowledged with `ok` and its APDU
 * delivered as one received message. Being message-oriented, its `kind` is `datagram`, so
 * `C1222Client` runs over it unchanged.
 */
import { ErrorCode, isMeterkitError, MeterkitError } from '@meterkit/core';
import { TransportBase } from '@meterkit/core/transport';
import {
  C1222_DATALINK_BAUD_RATES,
  type C1222DatalinkRequest,
  type C1222DatalinkResponse,
  C1222LocalAddress,
  c1222DatalinkIdentity,
  decodeC1222DatalinkRequest,
  decodeC1222DatalinkResponse,
  encodeC1222DatalinkRequest,
  encodeC1222DatalinkResponse,
} from '../c1218/c1222-datalink.js';
import { ResponseCode } from '../epsem/codes.js';
import { C1218Link, type C1218LinkTrace, type C1218Timeouts } from './c1218-link.js';
import { C1218LinkDriver, type C1218Port, type CaptureRecorderLike } from './c1218-link-driver.js';
import { C1222SessionErrorCode } from './errors.js';

/** Options of `C1222LocalPortTransport`. */
export interface C1222LocalPortOptions {
  /** The serial port (or any byte transport). */
  readonly port: C1218Port;
  /** LOCAL_ADDRESS_NUMBER of our packets (default 1, Local Port 0). */
  readonly localAddress?: number;
  /** CHANNEL_NUMBER of our packets (default 0). */
  readonly channel?: number;
  /** Destination native address of send-message (default empty: the device on the port). */
  readonly nativeAddress?: Uint8Array;
  /** Runs the datalink negotiate when opening. */
  readonly negotiate?: {
    readonly packetSize: number;
    readonly numberOfPackets: number;
    /** Baud rate codes offered (`C1222_DATALINK_BAUD_RATES`). */
    readonly baudRates?: readonly number[];
    readonly numberOfChannels?: number;
  };
  /**
   * TRANSPARENCY (IEEE 1703 §6): `true` sends escaped packets with control bit 4 set from the
   * first packet on and acknowledges in packets; `'follow'` does so once the peer does; default
   * `false` (C12.18 framing, single-byte ACK/NAK). See `C1218LinkOptions.transparency`.
   */
  readonly transparency?: boolean | 'follow';
  readonly timeouts?: Partial<C1218Timeouts>;
  readonly retries?: number;
  readonly trace?: (entry: C1218LinkTrace) => void;
  readonly recorder?: CaptureRecorderLike;
}

interface Pending {
  readonly request: C1222DatalinkRequest;
  readonly resolve: (r: C1222DatalinkResponse) => void;
  readonly reject: (e: MeterkitError) => void;
}

/** The C12.22 local-port transport (see the module comment). */
export class C1222LocalPortTransport extends TransportBase {
  readonly kind = 'datagram' as const;
  readonly link: C1218Link;
  /** The negotiate response, once negotiated. */
  negotiated: Extract<C1222DatalinkResponse, { type: 'dl-negotiate-response' }> | undefined;
  private readonly options: C1222LocalPortOptions;
  private driver: C1218LinkDriver | undefined;
  private pending: Pending | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(options: C1222LocalPortOptions) {
    super(`c1222-local-port ${options.port.name}`);
    this.options = options;
    this.link = new C1218Link({
      role: 'client',
      identity: c1222DatalinkIdentity(
        options.localAddress ?? C1222LocalAddress.localPort0,
        options.channel ?? 0,
      ),
      dataFormat: 1,
      transparency: options.transparency ?? false,
      timeouts: options.timeouts,
      retries: options.retries,
      trace: options.trace,
    });
  }

  /** Sends one datalink service request and resolves with its response (one at a time). */
  service(request: C1222DatalinkRequest): Promise<C1222DatalinkResponse> {
    const run = this.chain.then(
      () =>
        new Promise<C1222DatalinkResponse>((resolve, reject) => {
          const driver = this.driver;
          if (driver === undefined) {
            reject(new MeterkitError(ErrorCode.InvalidState, 'the local port is not open'));
            return;
          }
          this.pending = { request, resolve, reject };
          try {
            driver.send(encodeC1222DatalinkRequest(request), true);
          } catch (e) {
            this.pending = undefined;
            reject(
              isMeterkitError(e) ? e : new MeterkitError(ErrorCode.EncodeFailed, 'cannot send', { cause: e }),
            );
          }
        }),
    );
    this.chain = run.catch(() => undefined);
    return run;
  }

  protected async doOpen(): Promise<void> {
    const port = this.options.port;
    if (port.state !== 'open') await port.open();
    this.driver = new C1218LinkDriver(port, this.link, {
      side: 'client',
      recorder: this.options.recorder,
      onEvent: (ev) => {
        if (ev.type === 'apdu') this.onMessage(ev.data);
        else if (ev.type === 'error') this.settle(undefined, ev.error);
      },
      onClose: (error) => {
        this.settle(undefined, error);
        this.ended('error', error);
      },
    });
    const n = this.options.negotiate;
    if (n === undefined) return;
    const resp = await this.service({
      type: 'dl-negotiate',
      packetSize: n.packetSize,
      numberOfPackets: n.numberOfPackets,
      baudRates: n.baudRates ?? [],
      numberOfChannels: n.numberOfChannels ?? 1,
    });
    if (resp.type !== 'dl-negotiate-response')
      throw new MeterkitError(
        C1222SessionErrorCode.ServiceError,
        `negotiate answered ${resp.type === 'dl-response' ? resp.name : resp.type}`,
        {
          path: 'dl-negotiate',
        },
      );
    this.negotiated = resp;
    this.link.setPacketParameters(
      Math.min(resp.packetSize, n.packetSize),
      Math.max(1, Math.min(resp.numberOfPackets, n.numberOfPackets)),
    );
    const bps = C1222_DATALINK_BAUD_RATES[resp.baudRate];
    if (bps !== undefined && port.setBaudRate !== undefined) {
      await this.driver.flushed();
      await port.setBaudRate(bps);
    }
  }

  protected async doWrite(apdu: Uint8Array): Promise<void> {
    const resp = await this.service({
      type: 'dl-send-message',
      nativeAddress: this.options.nativeAddress ?? new Uint8Array(0),
      apdu,
    });
    if (resp.type !== 'dl-response' || resp.code !== ResponseCode.ok)
      throw new MeterkitError(
        C1222SessionErrorCode.ServiceError,
        `send-message answered ${resp.type === 'dl-response' ? resp.name : resp.type}`,
        { path: 'dl-send-message' },
      );
  }

  protected async doClose(): Promise<void> {
    this.driver?.stop();
    this.settle(undefined, new MeterkitError(ErrorCode.TransportClosed, 'local port closed'));
    await this.options.port.close();
  }

  private settle(resp: C1222DatalinkResponse | undefined, error?: MeterkitError): void {
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    if (error !== undefined) p.reject(error);
    else p.resolve(resp!);
  }

  private onMessage(data: Uint8Array): void {
    if (data.length === 0) return;
    if (data[0]! < 0x20) {
      const p = this.pending;
      if (p === undefined) return;
      try {
        this.settle(decodeC1222DatalinkResponse(data, p.request));
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        this.settle(undefined, e);
      }
      return;
    }
    let code: number = ResponseCode.ok;
    try {
      const req = decodeC1222DatalinkRequest(data);
      if (req.type === 'dl-send-message' || req.type === 'dl-send-short-message') this.received(req.apdu);
      else code = ResponseCode.sns;
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      code = ResponseCode.sns;
    }
    this.driver?.send(
      encodeC1222DatalinkResponse({ type: 'dl-response', code, name: '', data: new Uint8Array(0) }),
      false,
    );
  }
}
