/**
 * A streaming C12.18 deframer (ANSI C12.18-2006 §5.3): push received bytes, get back packets,
 * ACK/NAK bytes, reassembled APDUs and discarded garbage. Never throws on input; sans-IO (the
 * caller decides when silence means `flush()`).
 *
 * - Bytes outside a packet: 06 → ack, 15 → nak, EE → start of a packet, anything else → garbage.
 * - A packet with a bad CRC, or a length over `maxDataLength`, is discarded (reason `crc` /
 *   `length`); the caller answers it with NAK.
 * - A packet with the same toggle bit and CRC as the last accepted one is a retransmission: it is
 *   reported with `duplicate: true` and not reassembled again.
 * - Multi-packet transmissions are reassembled in seq-nbr order (first-packet bit, then counting
 *   down to 0); a gap discards the partial APDU (reason `sequence`).
 */
import { crc16x25, toHex } from '@meterkit/core';
import {
  C1218_ACK,
  C1218_MAX_DATA_LENGTH,
  C1218_NAK,
  C1218_OVERHEAD,
  C1218_STP,
  type C1218Packet,
  decodeC1218Control,
} from './packet.js';
import { appendToReceiveBuffer } from './receive-buffer.js';

/** Why bytes were discarded. */
export type C1218DiscardReason = 'garbage' | 'crc' | 'length' | 'sequence' | 'flushed' | 'too-long';

/** What the deframer yields. */
export type C1218DeframerItem =
  | { readonly type: 'packet'; readonly packet: C1218Packet; readonly duplicate: boolean }
  | { readonly type: 'ack' }
  | { readonly type: 'nak' }
  | {
      /** A complete APDU: one packet's data, or the reassembled data of a multi-packet transmission. */
      readonly type: 'apdu';
      readonly data: Uint8Array;
      readonly packets: number;
    }
  | { readonly type: 'discarded'; readonly reason: C1218DiscardReason; readonly bytes: Uint8Array };

/** Options of the deframer. */
export interface C1218DeframerOptions {
  /** Largest packet data length accepted (default 8183). */
  readonly maxDataLength?: number;
  /** Largest reassembled APDU (default 1 MiB). */
  readonly maxApduLength?: number;
}

/** The streaming deframer. */
export class C1218Deframer {
  private buf = new Uint8Array(256);
  private len = 0;
  private readonly maxData: number;
  private readonly maxApdu: number;
  private last: { toggle: boolean; crc: number } | undefined;
  private parts: Uint8Array[] = [];
  private partsLength = 0;
  private expectSeq = -1;

  constructor(options: C1218DeframerOptions = {}) {
    this.maxData = Math.min(options.maxDataLength ?? C1218_MAX_DATA_LENGTH, 0xffff);
    this.maxApdu = options.maxApduLength ?? 1 << 20;
  }

  /** Feeds received bytes; returns everything they completed. */
  push(bytes: Uint8Array): C1218DeframerItem[] {
    this.append(bytes);
    const out: C1218DeframerItem[] = [];
    let p = 0;
    let garbageFrom = -1;
    const endGarbage = (at: number) => {
      if (garbageFrom >= 0) {
        out.push({ type: 'discarded', reason: 'garbage', bytes: this.buf.slice(garbageFrom, at) });
        garbageFrom = -1;
      }
    };
    while (p < this.len) {
      const b = this.buf[p]!;
      if (b === C1218_ACK || b === C1218_NAK) {
        endGarbage(p);
        out.push({ type: b === C1218_ACK ? 'ack' : 'nak' });
        p++;
        continue;
      }
      if (b !== C1218_STP) {
        if (garbageFrom < 0) garbageFrom = p;
        p++;
        continue;
      }
      endGarbage(p);
      if (this.len - p < 6) break;
      const length = (this.buf[p + 4]! << 8) | this.buf[p + 5]!;
      if (length > this.maxData) {
        out.push({ type: 'discarded', reason: 'length', bytes: this.buf.slice(p, p + 6) });
        p += 6;
        continue;
      }
      const total = length + C1218_OVERHEAD;
      if (this.len - p < total) break;
      const crc = this.buf[p + total - 2]! | (this.buf[p + total - 1]! << 8);
      if (crc !== crc16x25(this.buf, p, p + total - 2)) {
        out.push({ type: 'discarded', reason: 'crc', bytes: this.buf.slice(p, p + total) });
        p += total;
        continue;
      }
      const raw = this.buf.slice(p, p + total);
      p += total;
      const packet: C1218Packet = {
        type: 'c1218-packet',
        identity: raw[1]!,
        control: decodeC1218Control(raw[2]!),
        sequenceNumber: raw[3]!,
        data: raw.subarray(6, 6 + length),
        crc,
        raw,
      };
      const duplicate =
        this.last !== undefined && this.last.toggle === packet.control.toggle && this.last.crc === crc;
      out.push({ type: 'packet', packet, duplicate });
      if (duplicate) continue;
      this.last = { toggle: packet.control.toggle, crc };
      this.reassemble(packet, out);
    }
    if (garbageFrom >= 0) {
      out.push({ type: 'discarded', reason: 'garbage', bytes: this.buf.slice(garbageFrom, p) });
    }
    this.buf.copyWithin(0, p, this.len);
    this.len -= p;
    return out;
  }

  private reassemble(packet: C1218Packet, out: C1218DeframerItem[]): void {
    const c = packet.control;
    if (!c.multiPacket) {
      this.dropPartial(out);
      out.push({ type: 'apdu', data: packet.data, packets: 1 });
      return;
    }
    if (c.firstPacket) {
      this.dropPartial(out);
    } else if (this.expectSeq < 0 || packet.sequenceNumber !== this.expectSeq) {
      this.dropPartial(out);
      out.push({ type: 'discarded', reason: 'sequence', bytes: packet.raw! });
      return;
    }
    if (this.partsLength + packet.data.length > this.maxApdu) {
      this.dropPartial(out, 'too-long');
      out.push({ type: 'discarded', reason: 'too-long', bytes: packet.raw! });
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
      out.push({ type: 'apdu', data, packets: this.parts.length });
      this.parts = [];
      this.partsLength = 0;
      this.expectSeq = -1;
    } else {
      this.expectSeq = packet.sequenceNumber - 1;
    }
  }

  private dropPartial(out: C1218DeframerItem[], reason: C1218DiscardReason = 'sequence'): void {
    if (this.parts.length === 0) return;
    const bytes = new Uint8Array(this.partsLength);
    let o = 0;
    for (const part of this.parts) {
      bytes.set(part, o);
      o += part.length;
    }
    out.push({ type: 'discarded', reason, bytes });
    this.parts = [];
    this.partsLength = 0;
    this.expectSeq = -1;
  }

  private append(bytes: Uint8Array): void {
    this.buf = appendToReceiveBuffer(this.buf, this.len, bytes);
    this.len += bytes.length;
  }

  /** Bytes held for an incomplete packet. */
  get pending(): number {
    return this.len;
  }

  /**
   * Drops an incomplete packet and any partial multi-packet APDU (call it when the
   * inter-character or response timeout fires). Returns what was discarded.
   */
  flush(): C1218DeframerItem[] {
    const out: C1218DeframerItem[] = [];
    if (this.len > 0) out.push({ type: 'discarded', reason: 'flushed', bytes: this.buf.slice(0, this.len) });
    this.len = 0;
    this.dropPartial(out, 'flushed');
    return out;
  }

  /** Forgets everything, including the toggle state used for duplicate detection. */
  reset(): void {
    this.len = 0;
    this.parts = [];
    this.partsLength = 0;
    this.expectSeq = -1;
    this.last = undefined;
  }

  /** For logs: the pending bytes in hex. */
  toString(): string {
    return `[C1218Deframer pending=${toHex(this.buf.subarray(0, this.len))}]`;
  }
}
