/**
 * The HDLC link layer of IEC 62056-46 as a sans-IO state machine, for both roles: the client is the
 * primary station of normal response mode (NRM), the server the secondary.
 *
 * - Connection: SNRM with parameter negotiation → UA (or DM: refused) (§6.4.4.4.3.2); release with
 *   DISC → UA/DM (§6.4.4.4.3.3).
 * - Data: I frames with N(S)/N(R) modulo 8, windows of 1–7 frames, the P/F bit handing the poll
 *   over (§6.4.3), segmentation by the negotiated maximum information field length with the
 *   segmentation bit (§6.4.2.1), the LLC header on the first segment only (§6.2), RR/RNR flow control.
 * - Recovery: the client retransmits unacknowledged frames (go-back-N from the peer's N(R)) or polls
 *   with RR when its timer runs out, up to a retry limit; a secondary answers a repeated I frame by
 *   repeating its last answer (§6.4.4.3). FRMR and an unexpected DM end the link with a typed error.
 * - Line noise: the deframer drops garbage and broken frames (`discarded` events), optical-head echo
 *   is suppressed, frames for other addresses are ignored. A frame that breaks off is dropped after
 *   the inter-octet timeout (§6.4.4.2), so the next frame is read cleanly.
 * - Flow control: on the peer's RNR no I frames go out until its RR (the client polls meanwhile);
 *   `setBusy()` makes this station answer RNR and drop I frames (§6.4.3.3).
 *
 * The caller moves bytes and time: `receive()` what the port delivers (with the time, or run a
 * timer of `interOctetTimeoutMs` and call `lineIdle()` when it fires), write every `nextOutput()`,
 * run a timer of `timeoutMs` and call `timeout()` when it fires, and read `nextEvent()`.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { HdlcAddress } from '../hdlc/address.js';
import {
  HDLC_DEFAULT_INTER_OCTET_TIMEOUT_MS,
  HdlcDeframer,
  type HdlcDeframerItem,
  type HdlcDiscardReason,
} from '../hdlc/deframer.js';
import { encodeHdlcFrame, type HdlcFrame, type HdlcFrameInput } from '../hdlc/frame.js';
import { LLC_COMMAND, LLC_RESPONSE } from '../hdlc/llc.js';
import {
  HDLC_DEFAULT_VALUES,
  type HdlcNegotiatedValues,
  hdlcNegotiatedValues,
  hdlcParameters,
} from '../hdlc/parameters.js';

/** Link state (IEC 62056-46 §6.4.4: NDM = disconnected, NRM = connected). */
export type HdlcLinkState = 'disconnected' | 'connecting' | 'connected' | 'disconnecting';

/** The link parameters in force, from this station's point of view. */
export interface HdlcLinkParameters {
  /** Largest information field this station sends. */
  readonly maxInfoTransmit: number;
  /** Largest information field this station accepts. */
  readonly maxInfoReceive: number;
  /** Frames this station may send before it must wait for an acknowledgement. */
  readonly windowTransmit: number;
  /** Frames the peer may send before waiting. */
  readonly windowReceive: number;
}

/** What the link reports to its user. */
export type HdlcLinkEvent =
  | { readonly type: 'connected'; readonly parameters: HdlcLinkParameters }
  /** A complete APDU (segments joined, LLC header removed); `ui` for unnumbered information (pushes). */
  | { readonly type: 'apdu'; readonly apdu: Uint8Array; readonly ui: boolean }
  | {
      readonly type: 'disconnected';
      readonly reason: 'local' | 'peer' | 'refused' | 'frame-reject' | 'timeout';
    }
  | { readonly type: 'error'; readonly error: MeterkitError }
  | {
      readonly type: 'discarded';
      readonly bytes: Uint8Array;
      readonly reason:
        | HdlcDiscardReason
        | 'not-for-us'
        | 'unexpected'
        | 'out-of-sequence'
        /** An I frame that arrived while this station was busy (`setBusy(true)`): not acknowledged. */
        | 'busy';
      readonly offset: number;
    };

/** Options of `HdlcLink`. */
export interface HdlcLinkOptions {
  /** `'client'` (primary station) or `'server'` (secondary, e.g. a meter simulator). */
  readonly role: 'client' | 'server';
  /** This station's address (client: 1 octet, e.g. `{ upper: 16, size: 1 }`). */
  readonly localAddress: HdlcAddress;
  /** The peer's address (client's view of the server: e.g. `{ upper: 1, lower: 17, size: 2 }`). */
  readonly remoteAddress: HdlcAddress;
  /**
   * What this station can do: maximum information field lengths and window sizes it proposes
   * (client) or accepts (server). Defaults: 128 octets and window 1 (the standard's defaults).
   */
  readonly capabilities?: Partial<HdlcNegotiatedValues>;
  /** Client: include the parameter field in SNRM even when proposing the defaults (default true). */
  readonly proposeParameters?: boolean;
  /** Client: how long to wait for the peer's answer before retrying (default 3000 ms). */
  readonly responseTimeoutMs?: number;
  /** Client: retries before giving up (default 3). */
  readonly maxRetries?: number;
  /** Drop our own frames when the line echoes them (optical heads). Default false. */
  readonly echo?: boolean;
  /** Largest APDU accepted from segments, to bound memory (default 65535 octets). */
  readonly maxApduSize?: number;
  /**
   * Inter-octet timeout (IEC 62056-46 §6.4.4.2; IEC HDLC setup inter_octet_time_out, default
   * 25 ms): a partial frame that waits longer than this for its next octet is discarded
   * (`incomplete`), never delivered, so the next frame is read cleanly. It acts when `receive()`
   * is given the time, or when the caller's timer of `interOctetTimeoutMs` runs out and it calls
   * `lineIdle()`. 0 turns it off.
   */
  readonly interOctetTimeoutMs?: number;
  /**
   * Client: while the server is busy (it answered RNR), how long to wait before polling it again
   * with RR (default 100 ms, at most `responseTimeoutMs`).
   */
  readonly busyPollIntervalMs?: number;
}

interface SentFrame {
  readonly ns: number;
  readonly bytes: Uint8Array;
}

const MOD = 8;

/** An HDLC link station (IEC 62056-46). See the module comment for how to drive it. */
export class HdlcLink {
  private readonly role: 'client' | 'server';
  private readonly local: HdlcAddress;
  private readonly remote: HdlcAddress;
  private readonly capabilities: HdlcNegotiatedValues;
  private readonly proposeParameters: boolean;
  private readonly responseTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly echo: boolean;
  private readonly maxApduSize: number;
  private readonly deframer: HdlcDeframer;
  private readonly outputs: Uint8Array[] = [];
  private readonly events: HdlcLinkEvent[] = [];

  /** Current state. */
  state: HdlcLinkState = 'disconnected';
  private params: HdlcLinkParameters = {
    maxInfoTransmit: HDLC_DEFAULT_VALUES.maxInfoFieldLengthTransmit,
    maxInfoReceive: HDLC_DEFAULT_VALUES.maxInfoFieldLengthReceive,
    windowTransmit: 1,
    windowReceive: 1,
  };
  /** V(S): N(S) of the next I frame we send. */
  private vs = 0;
  /** V(R): N(S) we expect next from the peer. */
  private vr = 0;
  /** Segments waiting to be sent: information field and whether more follow. */
  private readonly txQueue: { info: Uint8Array; segmented: boolean; llc: boolean }[] = [];
  /** I frames sent and not yet acknowledged, oldest first. */
  private unacked: SentFrame[] = [];
  /** Server: the frames of our last answer, repeated when the client repeats its frame. */
  private lastAnswer: Uint8Array[] = [];
  /** True while the peer holds the poll (client: we are waiting for F=1). */
  private waiting = false;
  private retries = 0;
  /** The control frame to repeat on timeout while connecting/disconnecting. */
  private pendingCommand: Uint8Array | undefined;
  private rx: Uint8Array[] = [];
  private rxLength = 0;
  /** Server: the peer has handed us the poll and we have not answered yet. */
  private holdingPoll = false;
  /** The peer said RNR: send it no I frames until it says RR (IEC 62056-46 §6.4.3.3). */
  private peerBusy = false;
  /** This station is busy (`setBusy`): it answers RNR and drops I frames. */
  private localBusy = false;
  private readonly busyPollIntervalMs: number;

  constructor(options: HdlcLinkOptions) {
    this.role = options.role;
    this.local = options.localAddress;
    this.remote = options.remoteAddress;
    this.capabilities = { ...HDLC_DEFAULT_VALUES, ...options.capabilities };
    for (const [k, v] of Object.entries(this.capabilities)) {
      const max = k.startsWith('window') ? 7 : 2030;
      if (!Number.isInteger(v) || v < 1 || v > max) {
        throw new MeterkitError(ErrorCode.InvalidArgument, `${k} ${v} outside 1..${max}`);
      }
    }
    this.proposeParameters = options.proposeParameters ?? true;
    this.responseTimeoutMs = options.responseTimeoutMs ?? 3000;
    this.maxRetries = options.maxRetries ?? 3;
    this.echo = options.echo ?? false;
    this.maxApduSize = options.maxApduSize ?? 65535;
    this.busyPollIntervalMs = Math.min(options.busyPollIntervalMs ?? 100, this.responseTimeoutMs);
    this.deframer = new HdlcDeframer({
      llc: false,
      interOctetTimeoutMs: options.interOctetTimeoutMs ?? HDLC_DEFAULT_INTER_OCTET_TIMEOUT_MS,
    });
  }

  /**
   * The inter-octet timer the caller should run now (IEC 62056-46 §6.4.4.2): while a partial frame
   * waits for its next octets, the configured timeout; restart it on every `receive()` and call
   * `lineIdle()` when it runs out. Undefined when no partial frame is buffered.
   */
  get interOctetTimeoutMs(): number | undefined {
    return this.deframer.idleTimeoutMs;
  }

  /** The link parameters in force (the defaults until a connection negotiates others). */
  get parameters(): HdlcLinkParameters {
    return this.params;
  }

  /**
   * The timer the caller should run now (client: while waiting for an answer, or, while the server
   * is busy, until the next poll), else undefined.
   */
  get timeoutMs(): number | undefined {
    if (this.role !== 'client') return undefined;
    if (this.waiting || this.pendingCommand !== undefined) return this.responseTimeoutMs;
    return this.peerBusy && this.state === 'connected' ? this.busyPollIntervalMs : undefined;
  }

  /** True when nothing is queued or waiting for acknowledgement (client: the poll is ours). */
  get idle(): boolean {
    return this.txQueue.length === 0 && this.unacked.length === 0 && !this.waiting && !this.peerBusy;
  }

  /** True while the peer has said RNR (receive not ready) and not yet RR. IEC 62056-46 §6.4.3.3. */
  get peerReceiveBusy(): boolean {
    return this.peerBusy;
  }

  /** True while this station is busy (`setBusy(true)`). */
  get busy(): boolean {
    return this.localBusy;
  }

  /**
   * Sets or clears this station's busy condition (RR/RNR flow control, IEC 62056-46 §6.4.3.3,
   * ISO/IEC 13239 §5.3.2.2): while busy, the station answers a poll with RNR instead of RR and
   * drops the I frames it receives without acknowledging them (a `discarded` event with reason
   * `busy`), so the peer keeps them and sends them again once it hears RR. A client polls with
   * RNR while busy; on clearing, it polls with RR at once so the server may go on.
   */
  setBusy(busy: boolean): void {
    if (this.localBusy === busy) return;
    this.localBusy = busy;
    if (!busy && this.role === 'client' && this.state === 'connected' && !this.waiting) {
      this.waiting = true;
      this.retries = 0;
      this.emit({ type: 'rr', pollFinal: true, receiveSequence: this.vr, ...this.addresses() });
    }
  }

  /** The next bytes to write to the line, or undefined. */
  nextOutput(): Uint8Array | undefined {
    return this.outputs.shift();
  }

  /** The next event, or undefined. */
  nextEvent(): HdlcLinkEvent | undefined {
    return this.events.shift();
  }

  // ---------------------------------------------------------------- commands

  /** Client: opens the link with SNRM, proposing this station's capabilities. */
  connect(): void {
    this.requireRole('client', 'connect');
    if (this.state !== 'disconnected')
      throw new MeterkitError(ErrorCode.InvalidState, `cannot connect while ${this.state}`);
    const c = this.capabilities;
    const proposal = this.proposeParameters
      ? hdlcParameters({
          maxInfoFieldLengthTransmit: c.maxInfoFieldLengthTransmit,
          maxInfoFieldLengthReceive: c.maxInfoFieldLengthReceive,
          windowSizeTransmit: c.windowSizeTransmit,
          windowSizeReceive: c.windowSizeReceive,
        })
      : undefined;
    this.state = 'connecting';
    this.retries = 0;
    this.pendingCommand = this.emit({
      type: 'snrm',
      pollFinal: true,
      parameters: proposal,
      ...this.addresses(),
    });
  }

  /** Client: releases the link with DISC. Server: nothing to do (the client releases). */
  disconnect(): void {
    this.requireRole('client', 'disconnect');
    if (this.state === 'disconnected') return;
    this.state = 'disconnecting';
    this.retries = 0;
    this.txQueue.length = 0;
    this.unacked = [];
    this.waiting = false;
    this.pendingCommand = this.emit({ type: 'disc', pollFinal: true, ...this.addresses() });
  }

  /**
   * Sends an APDU: the LLC header is put in front, the whole is cut into segments of the
   * negotiated maximum information length, and the segments go out a window at a time. A server
   * answers only while it holds the poll (right after a client's frame with P=1).
   */
  send(apdu: Uint8Array): void {
    if (this.state !== 'connected')
      throw new MeterkitError(ErrorCode.InvalidState, `cannot send while ${this.state}`);
    const llc = this.role === 'client' ? LLC_COMMAND : LLC_RESPONSE;
    const max = this.params.maxInfoTransmit;
    const total = llc.length + apdu.length;
    const first = Math.min(max - llc.length, apdu.length);
    this.txQueue.push({ info: apdu.subarray(0, first), segmented: total > max, llc: true });
    for (let at = first; at < apdu.length; at += max) {
      const end = Math.min(apdu.length, at + max);
      this.txQueue.push({ info: apdu.subarray(at, end), segmented: end < apdu.length, llc: false });
    }
    if (
      this.role === 'client'
        ? !this.waiting && this.unacked.length === 0 && !this.peerBusy
        : this.holdingPoll && !this.peerBusy
    )
      this.transmitWindow();
  }

  /**
   * Client: hands the poll to the server with RR and P=1 so that it sends what it still holds (in
   * normal response mode a secondary speaks only when polled, IEC 62056-46 §6.4.3), e.g. the next
   * general-block-transfer blocks of a window longer than the HDLC window. Does nothing unless the
   * link is connected and the poll is ours with nothing of ours outstanding.
   */
  poll(): void {
    this.requireRole('client', 'poll');
    if (this.state !== 'connected' || !this.idle) return;
    this.waiting = true;
    this.retries = 0;
    this.emitSupervisory(true);
  }

  /**
   * Server: gives the poll back with RR (F=1) when the APDU just received needs no answer, e.g. a
   * general-block-transfer block sent with the streaming bit (IEC 62056-46 §6.4.3: a secondary
   * answers every frame with P=1). Does nothing unless this station holds the poll with nothing
   * queued to send.
   */
  releasePoll(): void {
    this.requireRole('server', 'releasePoll');
    if (this.state !== 'connected' || !this.holdingPoll || this.txQueue.length > 0) return;
    this.holdingPoll = false;
    this.lastAnswer = [this.emitSupervisory(true)];
  }

  /** Sends an APDU in a UI frame (no sequence numbers, no acknowledgement), e.g. a push. */
  sendUnnumbered(apdu: Uint8Array): void {
    const llc = this.role === 'client' ? 'command' : 'response';
    this.emit({ type: 'ui', pollFinal: false, llc, information: apdu, ...this.addresses() });
  }

  /**
   * Bytes arrived from the line. `now` (ms, the caller's clock: `performance.now()` or a virtual
   * clock) lets the link apply the inter-octet timeout itself: a partial frame older than
   * `interOctetTimeoutMs` is discarded before these bytes are read.
   */
  receive(bytes: Uint8Array, now?: number): void {
    this.handleItems(this.deframer.push(bytes, now));
  }

  /**
   * The line stayed silent for the inter-octet timeout (IEC 62056-46 §6.4.4.2): a partial frame
   * still waiting for octets is discarded (a `discarded` event with reason `incomplete`), and any
   * whole frame found behind its false start is handled.
   */
  lineIdle(): void {
    this.handleItems(this.deframer.flush());
  }

  private handleItems(items: readonly HdlcDeframerItem[]): void {
    for (const item of items) {
      if (item.type === 'discarded') {
        this.events.push({ type: 'discarded', bytes: item.bytes, reason: item.reason, offset: item.offset });
        continue;
      }
      const f = item.frame;
      if (!sameAddress(f.destination, this.local) || !sameAddress(f.source, this.remote)) {
        const broadcastUi = f.type === 'ui' && isBroadcast(f.destination);
        if (!broadcastUi) {
          this.events.push({
            type: 'discarded',
            bytes: f.raw ?? new Uint8Array(0),
            reason: 'not-for-us',
            offset: item.offset,
          });
          continue;
        }
      }
      if (this.role === 'client') this.clientFrame(f, item.offset);
      else this.serverFrame(f, item.offset);
    }
  }

  /** The caller's timer (`timeoutMs`) ran out. */
  timeout(): void {
    if (this.role !== 'client') return;
    if (!this.waiting && this.pendingCommand === undefined) {
      if (this.peerBusy && this.state === 'connected') {
        // the server said RNR: ask again whether it is ready (§6.4.3.3), without I frames
        this.waiting = true;
        this.emitSupervisory(true);
      }
      return;
    }
    this.retries++;
    if (this.retries > this.maxRetries) {
      const what =
        this.state === 'connecting'
          ? 'no answer to SNRM'
          : this.state === 'disconnecting'
            ? 'no answer to DISC'
            : 'no answer from the server';
      this.fail(
        new MeterkitError(
          ErrorCode.SessionTimeout,
          `${what} after ${this.maxRetries + 1} attempts: check the server address, the line and the baud rate`,
        ),
        'timeout',
      );
      return;
    }
    if (this.pendingCommand !== undefined) {
      this.output(this.pendingCommand);
    } else if (this.unacked.length > 0 && !this.peerBusy) {
      for (const s of this.unacked) this.output(s.bytes);
    } else {
      // ask where the server is: RR with P=1 (§6.4.4.3)
      this.emitSupervisory(true);
    }
  }

  // ---------------------------------------------------------------- client side

  private clientFrame(f: HdlcFrame, offset: number): void {
    switch (f.type) {
      case 'ua':
        if (this.state === 'connecting') {
          const ua = hdlcNegotiatedValues(f.parameters);
          const c = this.capabilities;
          this.params = {
            maxInfoTransmit: Math.min(c.maxInfoFieldLengthTransmit, ua.maxInfoFieldLengthReceive),
            maxInfoReceive: Math.min(c.maxInfoFieldLengthReceive, ua.maxInfoFieldLengthTransmit),
            windowTransmit: Math.min(c.windowSizeTransmit, ua.windowSizeReceive),
            windowReceive: Math.min(c.windowSizeReceive, ua.windowSizeTransmit),
          };
          this.resetSequence();
          this.state = 'connected';
          this.pendingCommand = undefined;
          this.events.push({ type: 'connected', parameters: this.params });
        } else if (this.state === 'disconnecting') {
          this.closed('local');
        } else this.unexpected(f, offset);
        return;
      case 'dm':
        if (this.state === 'connecting') {
          this.fail(
            new MeterkitError(ErrorCode.Rejected, 'the server refused the connection (DM)'),
            'refused',
          );
        } else if (this.state === 'disconnecting') {
          this.closed('local');
        } else if (this.state === 'connected') {
          this.fail(
            new MeterkitError(ErrorCode.ProtocolViolation, 'the server is in disconnected mode (DM)'),
            'peer',
          );
        }
        return;
      case 'frmr':
        this.fail(
          new MeterkitError(
            ErrorCode.Rejected,
            `the server rejected a frame (FRMR${f.frmr ? `: ${frmrText(f.frmr)}` : ''})`,
          ),
          'frame-reject',
        );
        return;
      case 'ui':
        this.events.push({ type: 'apdu', apdu: stripLlc(f.information, true), ui: true });
        return;
      case 'rr':
      case 'rnr':
        if (this.state !== 'connected') {
          this.unexpected(f, offset);
          return;
        }
        this.acknowledge(f.receiveSequence);
        // RNR: the server cannot take I frames now; RR: it can again (§6.4.3.3)
        this.peerBusy = f.type === 'rnr';
        if (f.pollFinal) {
          this.waiting = false;
          this.retries = 0;
          // busy: the poll is ours; the busy timer (`timeoutMs`) polls again with RR
          if (this.peerBusy) return;
          if (!this.resendFrom(f.receiveSequence)) this.continueClient();
        }
        return;
      case 'i':
        if (this.state !== 'connected') {
          this.unexpected(f, offset);
          return;
        }
        this.acknowledge(f.receiveSequence);
        this.acceptI(f, offset);
        if (f.pollFinal) {
          this.waiting = false;
          this.retries = 0;
          if (this.rx.length > 0 || this.localBusy) {
            // more segments to come, or frames we dropped while busy: poll for them (§6.4.3.6)
            this.waiting = true;
            this.emitSupervisory(true);
          } else if (!this.peerBusy && !this.resendFrom(f.receiveSequence)) {
            this.continueClient();
          }
        }
        return;
      default:
        this.unexpected(f, offset);
    }
  }

  private continueClient(): void {
    if (this.txQueue.length > 0) this.transmitWindow();
  }

  // ---------------------------------------------------------------- server side

  private serverFrame(f: HdlcFrame, offset: number): void {
    switch (f.type) {
      case 'snrm': {
        const proposal = hdlcNegotiatedValues(f.parameters);
        const c = this.capabilities;
        this.params = {
          maxInfoTransmit: Math.min(c.maxInfoFieldLengthTransmit, proposal.maxInfoFieldLengthReceive),
          maxInfoReceive: Math.min(c.maxInfoFieldLengthReceive, proposal.maxInfoFieldLengthTransmit),
          windowTransmit: Math.min(c.windowSizeTransmit, proposal.windowSizeReceive),
          windowReceive: Math.min(c.windowSizeReceive, proposal.windowSizeTransmit),
        };
        this.resetSequence();
        this.state = 'connected';
        this.lastAnswer = [
          this.emit({
            type: 'ua',
            pollFinal: true,
            parameters: hdlcParameters({
              maxInfoFieldLengthTransmit: this.params.maxInfoTransmit,
              maxInfoFieldLengthReceive: this.params.maxInfoReceive,
              windowSizeTransmit: this.params.windowTransmit,
              windowSizeReceive: this.params.windowReceive,
            }),
            ...this.addresses(),
          }),
        ];
        this.events.push({ type: 'connected', parameters: this.params });
        return;
      }
      case 'disc':
        if (this.state === 'connected') {
          this.emit({ type: 'ua', pollFinal: true, ...this.addresses() });
          this.closed('peer');
        } else {
          this.emit({ type: 'dm', pollFinal: true, ...this.addresses() });
        }
        return;
      case 'ui':
        this.events.push({ type: 'apdu', apdu: stripLlc(f.information, true), ui: true });
        return;
      case 'i':
      case 'rr':
      case 'rnr': {
        if (this.state !== 'connected') {
          if (f.pollFinal) this.emit({ type: 'dm', pollFinal: true, ...this.addresses() });
          return;
        }
        if (
          f.type === 'i' &&
          f.sendSequence === (this.vr + MOD - 1) % MOD &&
          this.rx.length === 0 &&
          this.lastAnswer.length > 0
        ) {
          // the client repeated its last frame: it missed our answer, so repeat it (§6.4.4.3)
          if (f.pollFinal) for (const b of this.lastAnswer) this.output(b);
          return;
        }
        this.acknowledge(f.receiveSequence);
        // the client's RNR: no I frames to it until it polls with RR (§6.4.3.3)
        if (f.type !== 'i') this.peerBusy = f.type === 'rnr';
        const vrBefore = this.vr;
        if (f.type === 'i') this.acceptI(f, offset);
        const tookI = f.type === 'i' && this.vr !== vrBefore;
        if (!f.pollFinal) return;
        this.holdingPoll = true;
        this.lastAnswer = [];
        if (!this.peerBusy && this.resendFrom(f.receiveSequence)) return;
        if (this.txQueue.length > 0 && !this.peerBusy) {
          this.transmitWindow();
        } else if (f.type !== 'i' || this.rx.length > 0 || this.peerBusy || (this.localBusy && !tookI)) {
          // a poll with nothing to send, a segment of a longer request, a busy client, or a frame
          // dropped because we are busy: acknowledge with RR, or RNR while busy
          this.holdingPoll = false;
          this.lastAnswer = [this.emitSupervisory(true)];
        }
        // else: a whole request arrived; the poll stays with us until `send()` answers it
        return;
      }
      default:
        this.unexpected(f, offset);
    }
  }

  // ---------------------------------------------------------------- shared mechanics

  private transmitWindow(): void {
    const window = this.params.windowTransmit;
    const frames: Uint8Array[] = [];
    for (let i = 0; i < window && this.txQueue.length > 0; i++) {
      const seg = this.txQueue.shift()!;
      const last = i === window - 1 || this.txQueue.length === 0;
      const frame: HdlcFrameInput = {
        type: 'i',
        sendSequence: this.vs,
        receiveSequence: this.vr,
        pollFinal: last,
        segmented: seg.segmented,
        llc: seg.llc ? (this.role === 'client' ? 'command' : 'response') : undefined,
        information: seg.info,
        ...this.addresses(),
      };
      const bytes = this.emit(frame);
      this.unacked.push({ ns: this.vs, bytes });
      frames.push(bytes);
      this.vs = (this.vs + 1) % MOD;
    }
    if (this.role === 'client') this.waiting = true;
    else {
      this.holdingPoll = false;
      this.lastAnswer = frames;
    }
  }

  /** Drops acknowledged frames: every unacked frame before N(R). */
  private acknowledge(nr: number): void {
    while (this.unacked.length > 0 && this.unacked[0]!.ns !== nr) this.unacked.shift();
  }

  /** Go-back-N: when the peer's N(R) says frames we sent were lost, send them again. */
  private resendFrom(nr: number): boolean {
    if (this.unacked.length === 0 || this.unacked[0]!.ns !== nr) return false;
    for (const s of this.unacked) this.output(s.bytes);
    if (this.role === 'client') this.waiting = true;
    else {
      this.holdingPoll = false;
      this.lastAnswer = this.unacked.map((s) => s.bytes);
    }
    return true;
  }

  private acceptI(f: Extract<HdlcFrame, { type: 'i' }>, offset: number): void {
    if (this.localBusy) {
      // busy: not taken, not acknowledged; the peer sends it again after our RR (§6.4.3.3)
      this.events.push({ type: 'discarded', bytes: f.raw ?? new Uint8Array(0), reason: 'busy', offset });
      return;
    }
    if (f.sendSequence !== this.vr) {
      // a repeated or out-of-order I frame: dropped and recovered by N(R) on the next poll
      // (§6.4.4.3), so it is reported as discarded, not as an error that would end the exchange
      this.events.push({
        type: 'discarded',
        bytes: f.raw ?? new Uint8Array(0),
        reason: 'out-of-sequence',
        offset,
      });
      return;
    }
    this.vr = (this.vr + 1) % MOD;
    const first = this.rx.length === 0;
    const info = first ? stripLlc(f.information, true) : f.information;
    this.rxLength += info.length;
    if (this.rxLength > this.maxApduSize) {
      this.rx = [];
      this.rxLength = 0;
      this.events.push({
        type: 'error',
        error: new MeterkitError(
          ErrorCode.FrameTooLong,
          `segmented APDU longer than ${this.maxApduSize} octets dropped`,
          { offset },
        ),
      });
      return;
    }
    this.rx.push(info);
    if (!f.segmented) {
      const apdu = this.rx.length === 1 ? this.rx[0]!.slice() : joinBytes(this.rx, this.rxLength);
      this.rx = [];
      this.rxLength = 0;
      this.events.push({ type: 'apdu', apdu, ui: false });
    }
  }

  private resetSequence(): void {
    this.vs = 0;
    this.vr = 0;
    this.unacked = [];
    this.txQueue.length = 0;
    this.rx = [];
    this.rxLength = 0;
    this.waiting = false;
    this.retries = 0;
    this.holdingPoll = false;
    this.peerBusy = false;
  }

  private closed(reason: 'local' | 'peer'): void {
    this.resetSequence();
    this.pendingCommand = undefined;
    this.state = 'disconnected';
    this.events.push({ type: 'disconnected', reason });
  }

  private fail(error: MeterkitError, reason: 'refused' | 'frame-reject' | 'timeout' | 'peer'): void {
    this.resetSequence();
    this.pendingCommand = undefined;
    this.state = 'disconnected';
    this.events.push({ type: 'error', error }, { type: 'disconnected', reason });
  }

  private unexpected(f: HdlcFrame, offset: number): void {
    this.events.push({ type: 'discarded', bytes: f.raw ?? new Uint8Array(0), reason: 'unexpected', offset });
  }

  private requireRole(role: 'client' | 'server', what: string): void {
    if (this.role !== role) throw new MeterkitError(ErrorCode.InvalidState, `${what} is a ${role} operation`);
  }

  private addresses(): { destination: HdlcAddress; source: HdlcAddress } {
    return { destination: this.remote, source: this.local };
  }

  /** RR, or RNR while this station is busy, carrying V(R). */
  private emitSupervisory(pollFinal: boolean): Uint8Array {
    return this.emit({
      type: this.localBusy ? 'rnr' : 'rr',
      pollFinal,
      receiveSequence: this.vr,
      ...this.addresses(),
    });
  }

  private emit(frame: HdlcFrameInput): Uint8Array {
    const bytes = encodeHdlcFrame(frame);
    this.output(bytes);
    return bytes;
  }

  private output(bytes: Uint8Array): void {
    if (this.echo) this.deframer.expectEcho(bytes);
    this.outputs.push(bytes);
  }
}

function sameAddress(a: HdlcAddress, b: HdlcAddress): boolean {
  return a.upper === b.upper && (a.lower ?? -1) === (b.lower ?? -1);
}

function isBroadcast(a: HdlcAddress): boolean {
  return a.upper === 0x7f || a.upper === 0x3fff;
}

function stripLlc(info: Uint8Array, present: boolean): Uint8Array {
  if (
    !present ||
    info.length < 3 ||
    info[0] !== 0xe6 ||
    (info[1] !== 0xe6 && info[1] !== 0xe7) ||
    info[2] !== 0x00
  )
    return info;
  return info.subarray(3);
}

function joinBytes(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function frmrText(frmr: object): string {
  return Object.entries(frmr)
    .filter(([, v]) => v === true)
    .map(([k]) => k)
    .join(', ');
}
