/**
 * The ANSI C12.18-2006 data link layer (§6) as a sans-IO state machine, for both ends of the
 * optical port: the client (the reader that sends requests) and the device (the meter).
 *
 * - Every packet is acknowledged with ACK (06) or refused with NAK (15) before the next one is
 *   sent (§6.3); a NAK or a response timeout makes the sender retransmit the same packet, up to
 *   `retries` times, then the APDU is given up with `LinkRetriesExhausted` (440).
 * - The toggle bit alternates per new packet; a retransmission keeps it, so the receiver
 *   acknowledges a repeat again and drops it (§6.2 duplicate packets).
 * - An APDU larger than one packet goes out as a multi-packet transmission with the negotiated
 *   packet size (§6.2 multi-packet bits and seq-nbr); received ones are reassembled here.
 * - The standard's timeouts (§6.3): response timeout (ACK wait, 2 s), inter-character timeout
 *   (0.5 s; a packet left incomplete is dropped and refused with NAK), channel traffic timeout
 *   (6 s; the client gives up waiting for a response with `ResponseTimeout` 441, the device
 *   falls back to its base state). The turn-around delay (≥ 175 µs before answering) is the
 *   driver's to apply, given in `turnAroundDelayMs`.
 * - A packet from the peer while our last packet still waits for its ACK means the peer got it
 *   (the ACK was lost on the line): it counts as the acknowledgement.
 *
 * - On the C12.22 serial datalink (`dataFormat`), the `transparency` option sends escaped packets
 *   with TRANSPARENCY set and acknowledges inside packets (IEEE 1703 §6), reading with
 *   `C1222TransparentDeframer`; `'follow'` switches to it when the peer does.
 *
 * The caller moves bytes and time: `receive(bytes, now)`, write every `nextOutput()`, call
 * `tick(now)` once `deadline()` has passed, and read `nextEvent()`. Times are milliseconds of any
 * monotonic clock. Nothing here throws on received bytes.
 */
import { ErrorCode, MeterkitError, toHex } from '@meterkit/core';
import { applyC1222Transparency, encodeC1222AckPacket } from '../c1218/c1222-transparency.js';
import { C1222TransparentDeframer } from '../c1218/c1222-transparent-deframer.js';
import { C1218Deframer } from '../c1218/deframer.js';
import {
  C1218_ACK,
  C1218_MAX_DATA_LENGTH,
  C1218_NAK,
  C1218_OVERHEAD,
  C1218_STP,
  type C1218Packet,
  encodeC1218Packet,
} from '../c1218/packet.js';
import { segmentC1218 } from '../c1218/segment.js';
import { C1222SessionErrorCode } from './errors.js';

/** The C12.18 timeouts (ANSI C12.18-2006 §6.3), in milliseconds. */
export interface C1218Timeouts {
  /** Wait for ACK/NAK after a packet before retransmitting it (default 2000). */
  readonly responseTimeoutMs: number;
  /** Longest silence on the channel before the session is dropped (default 6000). */
  readonly channelTrafficTimeoutMs: number;
  /** Longest gap between two characters of one packet (default 500). */
  readonly interCharacterTimeoutMs: number;
  /** Pause before answering the peer (the standard's minimum is 0.175 ms; default 0). */
  readonly turnAroundDelayMs: number;
}

/** The standard's timeouts. */
export const C1218_DEFAULT_TIMEOUTS: C1218Timeouts = {
  responseTimeoutMs: 2000,
  channelTrafficTimeoutMs: 6000,
  interCharacterTimeoutMs: 500,
  turnAroundDelayMs: 0,
};

/** Default packet size before negotiation (§5.3.2.4.8: 64 octets) and packets per APDU (1). */
export const C1218_DEFAULT_PACKET_SIZE = 64;
/** Default retry attempts (§6.3: 3). */
export const C1218_DEFAULT_RETRIES = 3;

/** One line of the frame-level debug log. */
export interface C1218LinkTrace {
  readonly direction: 'tx' | 'rx';
  readonly kind:
    | 'packet'
    | 'ack'
    | 'nak'
    | 'retransmit'
    | 'duplicate'
    | 'implicit-ack'
    | 'discarded'
    | 'timeout'
    | 'ignored';
  /** Hex of the bytes concerned, when any. */
  readonly hex?: string;
  readonly detail?: string;
}

/** What the link reports. */
export type C1218LinkEvent =
  | { readonly type: 'apdu'; readonly data: Uint8Array; readonly packets: number }
  /** The APDU handed to `send()` was acknowledged completely. */
  | { readonly type: 'sent' }
  /** An APDU could not be delivered, or the awaited response did not come. */
  | { readonly type: 'error'; readonly error: MeterkitError }
  /** Device role: the channel traffic timeout expired; the link is back in its base state. */
  | { readonly type: 'channel-timeout' };

/** Options of `C1218Link`. */
export interface C1218LinkOptions {
  /** `client` waits for a response after each APDU it sends; `device` watches channel traffic. */
  readonly role: 'client' | 'device';
  /**
   * Identity byte of the packets (0 point-to-point). On the C12.22 serial datalink it is
   * LOCAL_ADDRESS_NUMBER (bits 3–7) and CHANNEL_NUMBER (bits 0–2), see `c1222DatalinkIdentity`.
   */
  readonly identity?: number;
  /**
   * The C12.22 serial datalink (IEEE 1703 §6, the local port): packets carry this DATA_FORMAT in
   * control bits 0–1 (1 = C12.22 device) and received packets with another DATA_FORMAT are
   * dropped. Undefined for plain C12.18, whose control bits 0–4 are zero and not checked.
   */
  readonly dataFormat?: number;
  /**
   * C12.22 serial datalink only (needs `dataFormat`): TRANSPARENCY (control bit 4, IEEE 1703 §6).
   * `true` sends every packet with the bit set and escaped (`EE` → `1B CE`, `1B` → `1B 3B`) and
   * acknowledges received packets with an empty packet carrying ACKNOWLEDGMENT instead of a single
   * ACK/NAK byte; `'follow'` starts without it and switches to it (until `reset()`) once the peer
   * sends a packet with the bit set, since such a packet asks to be acknowledged in a packet.
   * Either way received packets are read with escapes removed and in-packet acknowledgments
   * understood. Default `false` (plain C12.18 framing).
   */
  readonly transparency?: boolean | 'follow';
  /** Packet size, header and CRC included (default 64). */
  readonly packetSize?: number;
  /** Most packets of one transmission (default 255). */
  readonly maxPackets?: number;
  /** Retransmissions of one packet before giving up (default 3). */
  readonly retries?: number;
  readonly timeouts?: Partial<C1218Timeouts>;
  /** Largest reassembled APDU accepted (default 65535). */
  readonly maxApduLength?: number;
  /** Frame-level debug log. */
  readonly trace?: (entry: C1218LinkTrace) => void;
}

interface Outgoing {
  readonly packets: Uint8Array[];
  readonly expectResponse: boolean;
}

/** The C12.18 link state machine (see the module comment). */
export class C1218Link {
  readonly role: 'client' | 'device';
  readonly timeouts: C1218Timeouts;
  private readonly identity: number;
  private readonly dataFormat: number | undefined;
  private packetSizeValue: number;
  private maxPacketsValue: number;
  private readonly retries: number;
  private readonly maxApduLength: number;
  private readonly trace: ((entry: C1218LinkTrace) => void) | undefined;
  private readonly deframer: C1218Deframer | C1222TransparentDeframer;
  private readonly transparencyMode: boolean | 'follow';
  private transparent: boolean;
  private readonly outputs: Uint8Array[] = [];
  private readonly events: C1218LinkEvent[] = [];
  private readonly queue: Outgoing[] = [];
  private txToggle = false;
  private current: Outgoing | undefined;
  private index = 0;
  private attempts = 0;
  private ackDeadline: number | undefined;
  private interCharDeadline: number | undefined;
  private responseDeadline: number | undefined;
  private idleDeadline: number | undefined;
  private awaitingResponse = false;
  private responseSeen = false;
  private parts: Uint8Array[] = [];
  private partsLength = 0;
  private expectSeq = -1;
  private ackPacketCache: Uint8Array | undefined;
  private nakPacketCache: Uint8Array | undefined;

  constructor(options: C1218LinkOptions) {
    this.role = options.role;
    this.identity = options.identity ?? 0;
    this.dataFormat = options.dataFormat;
    this.transparencyMode = options.transparency ?? false;
    if (this.transparencyMode !== false && this.dataFormat === undefined)
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        'transparency is a C12.22 datalink option: give dataFormat too',
      );
    this.transparent = this.transparencyMode === true;
    this.deframer = this.transparencyMode === false ? new C1218Deframer() : new C1222TransparentDeframer();
    this.timeouts = { ...C1218_DEFAULT_TIMEOUTS, ...options.timeouts };
    this.packetSizeValue = C1218_DEFAULT_PACKET_SIZE;
    this.maxPacketsValue = 255;
    this.setPacketParameters(options.packetSize ?? C1218_DEFAULT_PACKET_SIZE, options.maxPackets ?? 255);
    this.retries = options.retries ?? C1218_DEFAULT_RETRIES;
    if (!Number.isInteger(this.retries) || this.retries < 0)
      throw new MeterkitError(ErrorCode.InvalidArgument, `retries must be a count, not ${this.retries}`);
    this.maxApduLength = options.maxApduLength ?? 0xffff;
    this.trace = options.trace;
  }

  /** Whether our packets currently carry TRANSPARENCY and acknowledgments travel in packets. */
  get transparencyActive(): boolean {
    return this.transparent;
  }

  /** The packet size in force (header and CRC included). */
  get packetSize(): number {
    return this.packetSizeValue;
  }

  /** The most packets per transmission in force. */
  get maxPackets(): number {
    return this.maxPacketsValue;
  }

  /** Applies negotiated values (§5.3.2.4.8 negotiate response). */
  setPacketParameters(packetSize: number, maxPackets: number): void {
    if (
      !Number.isInteger(packetSize) ||
      packetSize <= C1218_OVERHEAD ||
      packetSize > C1218_MAX_DATA_LENGTH + C1218_OVERHEAD
    )
      throw new MeterkitError(ErrorCode.InvalidArgument, `packet size ${packetSize} is out of range`);
    if (!Number.isInteger(maxPackets) || maxPackets < 1 || maxPackets > 255)
      throw new MeterkitError(ErrorCode.InvalidArgument, `number of packets ${maxPackets} is out of range`);
    this.packetSizeValue = packetSize;
    this.maxPacketsValue = maxPackets;
  }

  /** Largest APDU that fits the negotiated packet size and count. */
  get maxApduSize(): number {
    return (this.packetSizeValue - C1218_OVERHEAD) * this.maxPacketsValue;
  }

  /** True while an APDU is being sent or waits in the queue. */
  get busy(): boolean {
    return this.current !== undefined || this.queue.length > 0;
  }

  /**
   * Queues `apdu` for sending. Throws `FrameTooLong` (105) when it needs more packets than
   * negotiated. A client waits for the response after it (unless `expectResponse` is false).
   */
  send(apdu: Uint8Array, now: number, expectResponse = this.role === 'client'): void {
    const max = this.packetSizeValue - C1218_OVERHEAD;
    const count = Math.max(1, Math.ceil(apdu.length / max));
    if (count > this.maxPacketsValue)
      throw new MeterkitError(
        ErrorCode.FrameTooLong,
        `${apdu.length} bytes need ${count} packets of ${this.packetSizeValue}; ${this.maxPacketsValue} allowed`,
        { path: 'c1218.apdu' },
      );
    const packets = segmentC1218(apdu, {
      packetSize: this.packetSizeValue,
      identity: this.identity,
      toggle: this.txToggle,
      ...(this.dataFormat === undefined ? {} : { dataFormat: this.dataFormat }),
    }).map((p) =>
      this.transparent
        ? applyC1222Transparency(
            encodeC1218Packet({ ...p, control: { ...p.control, low: (p.control.low ?? 0) | 0x10 } }),
          )
        : encodeC1218Packet(p),
    );
    if (packets.length % 2 === 1) this.txToggle = !this.txToggle;
    this.queue.push({ packets, expectResponse });
    if (this.current === undefined) this.startNext(now);
  }

  /**
   * Device role: keeps the channel open `ms` longer than the channel traffic timeout from `now`
   * (the wait service, ANSI C12.18-2006 §5.3.2.4.9). Traffic received afterwards restarts the
   * normal timeout.
   */
  holdChannel(ms: number, now: number): void {
    if (this.role === 'device') this.idleDeadline = now + this.timeouts.channelTrafficTimeoutMs + ms;
  }

  /** Feeds bytes from the line. Never throws. */
  receive(bytes: Uint8Array, now: number): void {
    if (this.role === 'device') this.idleDeadline = now + this.timeouts.channelTrafficTimeoutMs;
    if (this.awaitingResponse) this.responseDeadline = now + this.timeouts.channelTrafficTimeoutMs;
    for (const item of this.deframer.push(bytes)) {
      switch (item.type) {
        case 'ack':
          this.log('rx', 'ack');
          if (this.current !== undefined) this.advance(now);
          else this.log('rx', 'ignored', undefined, 'ACK with nothing outstanding');
          break;
        case 'nak':
          this.log('rx', 'nak');
          if (this.current !== undefined) this.retransmit(now, 'NAK');
          else this.log('rx', 'ignored', undefined, 'NAK with nothing outstanding');
          break;
        case 'packet':
          this.onPacket(item.packet, item.duplicate, now);
          break;
        case 'discarded':
          if (item.reason === 'crc' || item.reason === 'length') {
            this.log('rx', 'discarded', item.bytes, item.reason);
            // A following link answers a bad packet that claims TRANSPARENCY in a packet too.
            this.acknowledge(
              false,
              this.transparencyMode === 'follow' && item.bytes.length > 2 && (item.bytes[2]! & 0x10) !== 0,
            );
          } else if (item.reason === 'garbage') {
            this.log('rx', 'discarded', item.bytes, 'garbage');
          }
          // 'sequence', 'too-long', 'flushed' come from the deframer's own reassembly, which this
          // link replaces with its own (it keeps a partial APDU across an inter-character timeout).
          break;
        case 'apdu':
          break;
      }
    }
    this.interCharDeadline =
      this.deframer.pending > 0 ? now + this.timeouts.interCharacterTimeoutMs : undefined;
  }

  /** The earliest time at which `tick()` must be called, if any timer runs. */
  deadline(): number | undefined {
    let d: number | undefined;
    for (const t of [this.ackDeadline, this.interCharDeadline, this.responseDeadline, this.idleDeadline]) {
      if (t !== undefined && (d === undefined || t < d)) d = t;
    }
    return d;
  }

  /** Runs the timers that expired by `now`. */
  tick(now: number): void {
    if (this.interCharDeadline !== undefined && now >= this.interCharDeadline) {
      this.interCharDeadline = undefined;
      let partialPacket = false;
      for (const item of this.deframer.flush()) {
        if (item.type === 'discarded' && item.reason === 'flushed' && item.bytes[0] === C1218_STP) {
          partialPacket = true;
          this.log('rx', 'timeout', item.bytes, 'inter-character timeout: incomplete packet dropped');
        }
      }
      if (partialPacket) this.acknowledge(false);
    }
    if (this.ackDeadline !== undefined && now >= this.ackDeadline) {
      this.log('rx', 'timeout', undefined, 'response timeout: no ACK');
      this.retransmit(now, 'response timeout');
    }
    if (this.responseDeadline !== undefined && now >= this.responseDeadline) {
      this.responseDeadline = undefined;
      this.awaitingResponse = false;
      this.log('rx', 'timeout', undefined, 'channel traffic timeout: no response');
      this.events.push({
        type: 'error',
        error: new MeterkitError(
          C1222SessionErrorCode.ResponseTimeout,
          `no response within ${this.timeouts.channelTrafficTimeoutMs} ms`,
          { path: 'c1218.response' },
        ),
      });
    }
    if (this.idleDeadline !== undefined && now >= this.idleDeadline) {
      this.log('rx', 'timeout', undefined, 'channel traffic timeout: back to base state');
      this.reset();
      this.events.push({ type: 'channel-timeout' });
    }
  }

  /** The next bytes to write to the line. */
  nextOutput(): Uint8Array | undefined {
    return this.outputs.shift();
  }

  /** The next event. */
  nextEvent(): C1218LinkEvent | undefined {
    return this.events.shift();
  }

  /**
   * Back to the base state: forgets partial packets and APDUs, outstanding sends, timers, toggle
   * history and the negotiated packet size (the device does this after terminate or a channel
   * traffic timeout, §6.3).
   */
  reset(): void {
    this.deframer.reset();
    this.queue.length = 0;
    this.current = undefined;
    this.ackDeadline = undefined;
    this.interCharDeadline = undefined;
    this.responseDeadline = undefined;
    this.idleDeadline = undefined;
    this.awaitingResponse = false;
    this.dropPartial();
    this.txToggle = false;
    this.packetSizeValue = C1218_DEFAULT_PACKET_SIZE;
    this.transparent = this.transparencyMode === true;
  }

  private onPacket(packet: C1218Packet, duplicate: boolean, now: number): void {
    const raw = packet.raw ?? encodeC1218Packet(packet);
    if (this.transparencyMode === 'follow' && ((packet.control.low ?? 0) & 0x10) !== 0)
      this.transparent = true;
    this.acknowledge(true);
    if (duplicate) {
      this.log('rx', 'duplicate', raw, 'same toggle bit and CRC: acknowledged and dropped');
      return;
    }
    if (this.dataFormat !== undefined && ((packet.control.low ?? 0) & 0x03) !== this.dataFormat) {
      this.log(
        'rx',
        'discarded',
        raw,
        `DATA_FORMAT ${(packet.control.low ?? 0) & 0x03}, not ${this.dataFormat}`,
      );
      return;
    }
    this.log('rx', 'packet', raw);
    if (this.current !== undefined && this.index === this.current.packets.length - 1) {
      this.log('rx', 'implicit-ack', undefined, 'peer answered before our ACK arrived');
      this.advance(now);
    }
    this.reassemble(packet);
  }

  private reassemble(packet: C1218Packet): void {
    const c = packet.control;
    if (!c.multiPacket) {
      this.dropPartial();
      this.deliver(packet.data, 1);
      return;
    }
    if (c.firstPacket) this.dropPartial();
    else if (this.expectSeq < 0 || packet.sequenceNumber !== this.expectSeq) {
      this.dropPartial();
      this.log('rx', 'discarded', packet.raw, `out of sequence (seq-nbr ${packet.sequenceNumber})`);
      return;
    }
    if (this.partsLength + packet.data.length > this.maxApduLength) {
      this.dropPartial();
      this.log('rx', 'discarded', packet.raw, 'APDU too long');
      return;
    }
    this.parts.push(packet.data);
    this.partsLength += packet.data.length;
    if (packet.sequenceNumber === 0) {
      const data = new Uint8Array(this.partsLength);
      let o = 0;
      for (const part of this.parts) {
        data.set(part, o);
        o += part.length;
      }
      const n = this.parts.length;
      this.dropPartial();
      this.deliver(data, n);
    } else this.expectSeq = packet.sequenceNumber - 1;
  }

  private deliver(data: Uint8Array, packets: number): void {
    if (this.awaitingResponse || this.role === 'client') {
      this.awaitingResponse = false;
      this.responseDeadline = undefined;
      this.responseSeen = true;
    }
    this.events.push({ type: 'apdu', data, packets });
  }

  private dropPartial(): void {
    this.parts = [];
    this.partsLength = 0;
    this.expectSeq = -1;
  }

  private startNext(now: number): void {
    const next = this.queue.shift();
    this.current = next;
    this.index = 0;
    this.attempts = 0;
    if (next === undefined) return;
    this.responseSeen = false;
    this.sendCurrent(now, 'packet');
  }

  private sendCurrent(now: number, kind: 'packet' | 'retransmit'): void {
    const bytes = this.current!.packets[this.index]!;
    this.output(bytes, kind);
    this.ackDeadline = now + this.timeouts.responseTimeoutMs;
  }

  private advance(now: number): void {
    const cur = this.current!;
    this.index++;
    this.attempts = 0;
    this.ackDeadline = undefined;
    if (this.index < cur.packets.length) {
      this.sendCurrent(now, 'packet');
      return;
    }
    this.current = undefined;
    this.events.push({ type: 'sent' });
    if (cur.expectResponse && !this.responseSeen) {
      this.awaitingResponse = true;
      this.responseDeadline = now + this.timeouts.channelTrafficTimeoutMs;
    }
    this.startNext(now);
  }

  private retransmit(now: number, why: string): void {
    this.attempts++;
    if (this.attempts > this.retries) {
      this.ackDeadline = undefined;
      this.current = undefined;
      this.queue.length = 0;
      this.events.push({
        type: 'error',
        error: new MeterkitError(
          C1222SessionErrorCode.LinkRetriesExhausted,
          `packet not acknowledged after ${this.retries} retries (last: ${why})`,
          { path: 'c1218.packet' },
        ),
      });
      return;
    }
    this.sendCurrent(now, 'retransmit');
  }

  /** ACK/NAK: a single byte, or with transparency an empty packet carrying ACKNOWLEDGMENT. */
  private acknowledge(positive: boolean, inPacket = this.transparent): void {
    if (!inPacket) {
      this.output(positive ? ACK_BYTES : NAK_BYTES, positive ? 'ack' : 'nak');
      return;
    }
    const pkt = positive ? this.ackPacket : this.nakPacket;
    this.output(pkt, positive ? 'ack' : 'nak');
  }

  private get ackPacket(): Uint8Array {
    this.ackPacketCache ??= encodeC1222AckPacket({ positive: true, toggle: false, identity: this.identity });
    return this.ackPacketCache;
  }

  private get nakPacket(): Uint8Array {
    this.nakPacketCache ??= encodeC1222AckPacket({ positive: false, toggle: false, identity: this.identity });
    return this.nakPacketCache;
  }

  private output(bytes: Uint8Array, kind: C1218LinkTrace['kind']): void {
    this.outputs.push(bytes);
    this.log('tx', kind, bytes);
  }

  private log(
    direction: 'tx' | 'rx',
    kind: C1218LinkTrace['kind'],
    bytes?: Uint8Array,
    detail?: string,
  ): void {
    if (this.trace === undefined) return;
    const entry: { -readonly [K in keyof C1218LinkTrace]: C1218LinkTrace[K] } = { direction, kind };
    if (bytes !== undefined)
      entry.hex = carriesPassword(bytes) ? `${toHex(bytes.subarray(0, 7))}…(password hidden)` : toHex(bytes);
    if (detail !== undefined) entry.detail = detail;
    this.trace(entry);
  }
}

/** True for a packet whose data starts with the security service (0x51): its password never prints. */
function carriesPassword(bytes: Uint8Array): boolean {
  return bytes.length > 7 && bytes[0] === C1218_STP && bytes[6] === SECURITY_SERVICE;
}

const SECURITY_SERVICE = 0x51;
const ACK_BYTES = Uint8Array.of(C1218_ACK);
const NAK_BYTES = Uint8Array.of(C1218_NAK);
