/**
 * The server end of an HDLC line (IEC 62056-46) as a sans-IO router: frames in; an SNRM addressed
 * to this logical device (upper address) and physical device (lower address) from a client SAP
 * with an association opens an `HdlcLink` in the server role with a fresh session; complete APDUs
 * from the link go to the session and its answers back through the link (segmented and windowed
 * as negotiated). When the session has nothing to answer (a streaming general-block-transfer
 * block, an unconfirmed service), the poll goes back with RR. A client SAP without an association
 * gets DM. DISC, or an SNRM from another client, ends the session.
 *
 * Inter-octet timeout (IEC 62056-46 §6.4.4.2): a partial frame older than `interOctetTimeoutMs` is
 * dropped, either when `receive()` is given the time or when the driver's timer of
 * `idleTimeoutMs` runs out and it calls `lineIdle()`.
 *
 * Flow control (IEC 62056-46 §6.4.3.3): with `receiveQueueLimit`, complete APDUs wait in a queue
 * for `process()` (the meter's work, run by the driver when it has time) instead of being answered
 * at once; while the queue is full the link is busy and answers every poll with RNR and drops
 * I frames, so the client holds its requests back until it hears RR.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { HdlcAddress } from '../hdlc/address.js';
import {
  HDLC_DEFAULT_INTER_OCTET_TIMEOUT_MS,
  HdlcDeframer,
  type HdlcDeframerItem,
} from '../hdlc/deframer.js';
import { encodeHdlcFrame } from '../hdlc/frame.js';
import { HdlcLink } from '../session/hdlc-link.js';
import type { DlmsServerSession } from './server-session.js';
import type { ServerSessionFactory } from './session-factory.js';

/** Options of the HDLC server port. IEC 62056-46 §6.4. */
export interface HdlcServerPortOptions {
  /** Largest information field the server sends and accepts (default 128). */
  readonly maxInfoLength?: number | undefined;
  /** Window size the server accepts (default 1). */
  readonly window?: number | undefined;
  /**
   * Inter-octet timeout in ms (IEC HDLC setup inter_octet_time_out, IEC 62056-6-2 §4.7.8; default
   * 25): a partial frame left this long without octets is dropped. 0 turns it off.
   */
  readonly interOctetTimeoutMs?: number | undefined;
  /**
   * Complete APDUs that may wait for `process()` before the link is busy and answers RNR
   * (IEC 62056-46 §6.4.3.3). Omitted (the default): every APDU is answered as it arrives.
   */
  readonly receiveQueueLimit?: number | undefined;
}

function same(a: HdlcAddress, b: HdlcAddress): boolean {
  return a.upper === b.upper && (a.lower ?? -1) === (b.lower ?? -1);
}

/** One line's HDLC router (see the module comment). IEC 62056-46 §6.4. */
export class HdlcServerPort {
  private readonly factory: ServerSessionFactory;
  private readonly options: HdlcServerPortOptions;
  private readonly deframer: HdlcDeframer;
  /** APDUs waiting for `process()` (with `receiveQueueLimit`). */
  private readonly queue: Uint8Array[] = [];
  private link: HdlcLink | undefined;
  private session: DlmsServerSession | undefined;
  private local: HdlcAddress | undefined;
  private remote: HdlcAddress | undefined;

  constructor(factory: ServerSessionFactory, options: HdlcServerPortOptions = {}) {
    this.factory = factory;
    this.options = options;
    const limit = options.receiveQueueLimit;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `receiveQueueLimit ${limit} is not a positive integer`,
      );
    this.deframer = new HdlcDeframer({
      llc: false,
      interOctetTimeoutMs: options.interOctetTimeoutMs ?? HDLC_DEFAULT_INTER_OCTET_TIMEOUT_MS,
    });
  }

  /**
   * The inter-octet timer the driver should run now: the timeout while a partial frame is
   * buffered, else undefined. Restart it on every `receive()`; call `lineIdle()` when it runs out.
   */
  get idleTimeoutMs(): number | undefined {
    return this.deframer.idleTimeoutMs;
  }

  /** APDUs received and waiting for `process()`. */
  get pending(): number {
    return this.queue.length;
  }

  /** True while the receive queue is full and the link answers RNR. */
  get busy(): boolean {
    return this.link?.busy ?? false;
  }

  /** True while a client holds a link. */
  get connected(): boolean {
    return this.link?.state === 'connected';
  }

  /**
   * Bytes from the line; returns the bytes to write back. `now` (ms, the driver's clock) applies the
   * inter-octet timeout to a partial frame left from before.
   */
  receive(bytes: Uint8Array, now?: number): Uint8Array[] {
    return this.handle(this.deframer.push(bytes, now));
  }

  /** The line stayed silent for the inter-octet timeout: a partial frame is dropped. */
  lineIdle(): Uint8Array[] {
    return this.handle(this.deframer.flush());
  }

  /**
   * Serves the oldest queued APDU (with `receiveQueueLimit`): the session answers it, the answer
   * waits for the client's next poll, and the link leaves the busy state once the queue has room.
   * Returns the bytes to write (none in normal response mode, where only a poll is answered).
   */
  process(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const link = this.link;
    const apdu = this.queue.shift();
    if (link === undefined || apdu === undefined) return out;
    if (this.session !== undefined) {
      for (const answer of this.session.handle(apdu)) if (link.state === 'connected') link.send(answer);
    }
    if (this.queue.length < this.options.receiveQueueLimit!) link.setBusy(false);
    for (let b = link.nextOutput(); b !== undefined; b = link.nextOutput()) out.push(b);
    return out;
  }

  private handle(items: readonly HdlcDeframerItem[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const item of items) {
      if (item.type !== 'frame') continue;
      const f = item.frame;
      const raw = f.raw;
      if (raw === undefined) continue;
      if (
        this.link !== undefined &&
        this.local !== undefined &&
        this.remote !== undefined &&
        same(f.destination, this.local) &&
        same(f.source, this.remote)
      ) {
        this.link.receive(raw);
      } else if (f.type === 'snrm' && this.forUs(f.destination)) {
        this.end();
        const session = this.factory.createSession(f.source.upper, f.destination.upper);
        if (session === undefined) {
          out.push(
            encodeHdlcFrame({ type: 'dm', destination: f.source, source: f.destination, pollFinal: true }),
          );
          continue;
        }
        const max = this.options.maxInfoLength ?? 128;
        const window = this.options.window ?? 1;
        this.link = new HdlcLink({
          role: 'server',
          localAddress: f.destination,
          remoteAddress: f.source,
          capabilities: {
            maxInfoFieldLengthTransmit: max,
            maxInfoFieldLengthReceive: max,
            windowSizeTransmit: window,
            windowSizeReceive: window,
          },
        });
        this.session = session;
        this.local = f.destination;
        this.remote = f.source;
        this.link.receive(raw);
      } else if (f.pollFinal && this.forUs(f.destination) && f.type !== 'ui') {
        // a command for us without a link: disconnected mode
        out.push(
          encodeHdlcFrame({ type: 'dm', destination: f.source, source: f.destination, pollFinal: true }),
        );
      }
      this.drain(out);
    }
    return out;
  }

  private forUs(a: HdlcAddress): boolean {
    return (
      a.upper === this.factory.logicalDevice &&
      (a.lower === undefined || a.lower === this.factory.physicalAddress)
    );
  }

  private drain(out: Uint8Array[]): void {
    const link = this.link;
    if (link === undefined) return;
    let silent = false;
    const limit = this.options.receiveQueueLimit;
    for (let e = link.nextEvent(); e !== undefined; e = link.nextEvent()) {
      if (e.type === 'apdu' && !e.ui && limit !== undefined) {
        // the meter works through its queue in `process()`; a full queue makes the link busy
        this.queue.push(e.apdu);
        if (this.queue.length >= limit) link.setBusy(true);
        silent = true;
      } else if (e.type === 'apdu' && this.session !== undefined) {
        const answers = this.session.handle(e.apdu);
        silent = answers.length === 0;
        for (const answer of answers) {
          if (link.state === 'connected') link.send(answer);
        }
      } else if (e.type === 'disconnected') {
        this.session?.abort();
        this.session = undefined;
      }
    }
    // an APDU that needs no answer (a streaming GBT block, an unconfirmed service): give the poll
    // back so that the client may send on (IEC 62056-46 §6.4.3)
    if (silent && link.state === 'connected') link.releasePoll();
    for (let b = link.nextOutput(); b !== undefined; b = link.nextOutput()) out.push(b);
    if (link.state === 'disconnected') this.end();
  }

  private end(): void {
    this.queue.length = 0;
    this.session?.abort();
    this.session = undefined;
    this.link = undefined;
    this.local = undefined;
    this.remote = undefined;
  }

  /** The line went away. */
  close(): void {
    this.end();
  }
}
