/**
 * A C12.22 client over TCP or UDP port 1153 (IEEE 1703-2012 §5.3, transport annexes): each
 * request goes out as one ACSE message built by `C1222Association` (AP titles, invocation ids,
 * key id and IV, security mode 0/1/2); responses are paired by invocation id, verified and
 * decrypted. On a stream the messages are cut by their BER length; on UDP one datagram is one
 * message, and a lost one is sent again after the response timeout (up to `retries`). On UDP an
 * APDU longer than `datagramSize` is sent as C12.22 APDU segments, and segmented responses are
 * reassembled (C12.22 segmenting sub-layer, `segmentation/`).
 */

import { ErrorCode, isMeterkitError, MeterkitError } from '@meterkit/core';
import type { Transport } from '@meterkit/core/transport';
import { decodeC1222Acse } from '../acse/apdu.js';
import type { C1222Request } from '../epsem/request.js';
import type { C1222Response } from '../epsem/response.js';
import { segmentC1222Apdu } from '../segmentation/apdu-segment.js';
import { C1222Reassembler, type C1222ReassemblerOptions } from '../segmentation/reassembler.js';
import type { CaptureRecorderLike } from '../session/c1218-link-driver.js';
import {
  C1222Association,
  type C1222AssociationOptions,
  type C1222PairedResponse,
} from '../session/c1222-association.js';
import { C1222StreamDeframer } from '../session/c1222-stream.js';
import { C1222SessionErrorCode } from '../session/errors.js';
import { AnsiClient } from './ansi-client.js';

/** One line of the message-level debug log. */
export interface C1222ClientTrace {
  readonly direction: 'tx' | 'rx';
  readonly invocationId?: number;
  readonly bytes: number;
  readonly detail?: string;
}

/** Options of `C1222Client`. */
export interface C1222ClientOptions extends C1222AssociationOptions {
  /** An open or openable TCP/TLS (stream) or UDP (datagram) transport. */
  readonly transport: Transport;
  /** Wait for a response (default 5000 ms). */
  readonly responseTimeoutMs?: number;
  /** Resends of an unanswered request (default 0 on streams, 2 on UDP). */
  readonly retries?: number;
  readonly recorder?: CaptureRecorderLike;
  readonly trace?: (entry: C1222ClientTrace) => void;
  /**
   * Datagram transports: largest datagram to send; longer APDUs go out as APDU segments
   * (default: no segmentation).
   */
  readonly datagramSize?: number;
  /** Datagram transports: bounds and timeout of the reassembly of segmented responses. */
  readonly reassembly?: C1222ReassemblerOptions;
}

interface Waiter {
  readonly resolve: (r: C1222PairedResponse) => void;
  readonly reject: (e: MeterkitError) => void;
  readonly bytes: Uint8Array;
  timer: ReturnType<typeof setTimeout> | undefined;
  attempts: number;
}

/** The C12.22 client (see the module comment). */
export class C1222Client extends AnsiClient {
  readonly association: C1222Association;
  private readonly options: C1222ClientOptions;
  private readonly deframer = new C1222StreamDeframer();
  private readonly reassembler: C1222Reassembler;
  private readonly waiters = new Map<number, Waiter>();
  private readonly unsubscribe: (() => void)[] = [];
  private closedError: MeterkitError | undefined;

  constructor(options: C1222ClientOptions) {
    super();
    this.options = options;
    this.association = new C1222Association(options);
    this.reassembler = new C1222Reassembler(options.reassembly);
    const t = options.transport;
    this.unsubscribe.push(
      t.onData((chunk) => this.onData(chunk)),
      t.onClose((info) => this.fail(info.error)),
    );
  }

  /** Opens the transport. */
  async open(): Promise<void> {
    await this.options.transport.open();
  }

  /** Sends one request service and returns its response service. */
  async request(req: C1222Request): Promise<C1222Response> {
    const paired = await this.exchange([req]);
    const resp = paired.responses[0];
    if (resp === undefined)
      throw new MeterkitError(ErrorCode.UnexpectedResponse, 'response message carries no response service', {
        path: 'epsem',
      });
    return resp;
  }

  /** Sends several request services in one message and returns the paired response message. */
  exchange(requests: readonly C1222Request[]): Promise<C1222PairedResponse> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    let out: { bytes: Uint8Array; invocationId: number };
    try {
      out = this.association.buildRequest(requests);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<C1222PairedResponse>((resolve, reject) => {
      const w: Waiter = { resolve, reject, bytes: out.bytes, timer: undefined, attempts: 0 };
      this.waiters.set(out.invocationId, w);
      this.transmit(out.invocationId, w);
    });
  }

  /** Stops listening and closes the transport. */
  async close(): Promise<void> {
    this.fail(new MeterkitError(ErrorCode.TransportClosed, 'client closed'));
    await this.options.transport.close();
  }

  private transmit(id: number, w: Waiter): void {
    const o = this.options;
    o.trace?.({
      direction: 'tx',
      invocationId: id,
      bytes: w.bytes.length,
      detail: w.attempts > 0 ? 'resend' : undefined,
    });
    let datagrams: Uint8Array[];
    try {
      datagrams =
        o.transport.kind === 'datagram' && o.datagramSize !== undefined
          ? segmentC1222Apdu(w.bytes, o.datagramSize)
          : [w.bytes];
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      this.association.forget(id);
      this.settle(id, undefined, e);
      return;
    }
    void this.writeAll(datagrams).catch((e: unknown) => {
      this.settle(
        id,
        undefined,
        isMeterkitError(e) ? e : new MeterkitError(ErrorCode.TransportIo, 'write failed', { cause: e }),
      );
    });
    const retries = o.retries ?? (o.transport.kind === 'datagram' ? 2 : 0);
    w.timer = setTimeout(() => {
      w.timer = undefined;
      if (w.attempts < retries) {
        w.attempts++;
        this.transmit(id, w);
        return;
      }
      this.association.forget(id);
      this.settle(
        id,
        undefined,
        new MeterkitError(
          C1222SessionErrorCode.ResponseTimeout,
          `no response to invocation ${id} within ${o.responseTimeoutMs ?? 5000} ms`,
          { path: 'c1222.response' },
        ),
      );
    }, o.responseTimeoutMs ?? 5000);
  }

  private async writeAll(datagrams: readonly Uint8Array[]): Promise<void> {
    const o = this.options;
    for (const d of datagrams) {
      o.recorder?.record('client-to-server', d, BigInt(Date.now()) * 1_000_000n);
      await o.transport.write(d);
    }
  }

  private settle(id: number, value: C1222PairedResponse | undefined, error?: MeterkitError): void {
    const w = this.waiters.get(id);
    if (w === undefined) return;
    this.waiters.delete(id);
    if (w.timer !== undefined) clearTimeout(w.timer);
    if (error !== undefined) w.reject(error);
    else w.resolve(value!);
  }

  private onData(chunk: Uint8Array): void {
    this.options.recorder?.record('server-to-client', chunk, BigInt(Date.now()) * 1_000_000n);
    let apdus: Uint8Array[];
    if (this.options.transport.kind === 'datagram') {
      const now = Date.now();
      for (const e of this.reassembler.expire(now))
        this.options.trace?.({ direction: 'rx', bytes: 0, detail: e.toOneLine() });
      const ev = this.reassembler.push(chunk, now);
      if (ev.type === 'error')
        this.options.trace?.({ direction: 'rx', bytes: chunk.length, detail: ev.error.toOneLine() });
      apdus = ev.type === 'apdu' ? [ev.apdu] : [];
    } else {
      try {
        apdus = this.deframer.push(chunk);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        this.fail(e);
        return;
      }
    }
    for (const apdu of apdus) this.onMessage(apdu);
  }

  private onMessage(apdu: Uint8Array): void {
    let id: number | undefined;
    try {
      const v = decodeC1222Acse(apdu, { baseOid: this.options.baseOid }).calledApInvocationId;
      id = typeof v === 'bigint' ? Number(v) : v;
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
    }
    try {
      const paired = this.association.acceptResponse(apdu);
      this.options.trace?.({ direction: 'rx', invocationId: paired.invocationId, bytes: apdu.length });
      this.settle(paired.invocationId, paired);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      this.options.trace?.({ direction: 'rx', invocationId: id, bytes: apdu.length, detail: e.toOneLine() });
      if (id !== undefined && e.code !== ErrorCode.UnexpectedResponse) {
        this.association.forget(id);
        this.settle(id, undefined, e);
      }
    }
  }

  private fail(error: MeterkitError): void {
    if (this.closedError !== undefined) return;
    this.closedError = error;
    for (const u of this.unsubscribe.splice(0)) u();
    for (const id of [...this.waiters.keys()]) this.settle(id, undefined, error);
  }
}
