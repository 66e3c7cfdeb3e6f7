/**
 * A streaming deframer for the C12.22 serial datalink with transparency and in-packet
 * acknowledgments (IEEE 1703 §6, the local port's "Transparency" and "Acknowledgment" clauses):
 * the C12.18 deframer's counterpart for a link whose packets may be escaped (`1B` + byte with bit 5
 * complemented) and whose ACK/NAK may travel inside packets.
 *
 * - Bytes outside a packet: `06` → ack, `15` → nak (a peer that still answers with single bytes is
 *   understood), `EE` → start of a packet (read with `readC1222TransparentPacket`), anything
 *   else → garbage.
 * - A packet whose control byte carries ACKNOWLEDGMENT positive or negative yields `ack` / `nak`
 *   first; an empty packet that carries only an acknowledgment yields nothing else (it is never
 *   acknowledged itself and plays no part in duplicate detection).
 * - A bad CRC or a length over 8183 is discarded (reasons `crc`, `length`); the caller NAKs it.
 * - A data packet with the same toggle bit and CRC as the last accepted one is reported with
 *   `duplicate: true`.
 *
 * Reassembly is left to the caller (`C1218Link` does its own). Never throws on input.
 */
import { crc16x25, isMeterkitError, toHex } from '@meterkit/core';
import { C1222DatalinkAck, readC1222TransparentPacket } from './c1222-transparency.js';
import type { C1218DeframerItem } from './deframer.js';
import { C1218_ACK, C1218_NAK, C1218_STP, decodeC1218Control } from './packet.js';
import { appendToReceiveBuffer } from './receive-buffer.js';

/** The transparent-link deframer (see the module comment). */
export class C1222TransparentDeframer {
  private buf = new Uint8Array(256);
  private len = 0;
  private last: { toggle: boolean; crc: number } | undefined;

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
      if (b !== C1218_STP) {
        if (b === C1218_ACK || b === C1218_NAK) {
          endGarbage(p);
          out.push({ type: b === C1218_ACK ? 'ack' : 'nak' });
        } else if (garbageFrom < 0) garbageFrom = p;
        p++;
        continue;
      }
      endGarbage(p);
      let wire: ReturnType<typeof readC1222TransparentPacket>;
      try {
        wire = readC1222TransparentPacket(this.buf.subarray(0, this.len), p);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        out.push({
          type: 'discarded',
          reason: 'length',
          bytes: this.buf.slice(p, Math.min(this.len, p + 6)),
        });
        p++;
        continue;
      }
      if (wire === undefined) break;
      const pk = wire.packet;
      const n = pk.length;
      const crc = pk[n - 2]! | (pk[n - 1]! << 8);
      if (crc !== crc16x25(pk, 0, n - 2)) {
        out.push({ type: 'discarded', reason: 'crc', bytes: this.buf.slice(p, p + wire.wireLength) });
        p += wire.wireLength;
        continue;
      }
      p += wire.wireLength;
      const control = decodeC1218Control(pk[2]!);
      const ack = ((control.low ?? 0) >> 2) & 3;
      if (ack === C1222DatalinkAck.positive) out.push({ type: 'ack' });
      else if (ack === C1222DatalinkAck.negative) out.push({ type: 'nak' });
      const dataLength = n - 8;
      if (dataLength === 0 && (ack === C1222DatalinkAck.positive || ack === C1222DatalinkAck.negative))
        continue;
      const duplicate =
        this.last !== undefined && this.last.toggle === control.toggle && this.last.crc === crc;
      if (!duplicate) this.last = { toggle: control.toggle, crc };
      out.push({
        type: 'packet',
        packet: {
          type: 'c1218-packet',
          identity: pk[1]!,
          control,
          sequenceNumber: pk[3]!,
          data: pk.subarray(6, n - 2),
          crc,
          raw: pk,
        },
        duplicate,
      });
    }
    if (garbageFrom >= 0) {
      endGarbage(this.len);
      p = this.len;
    }
    this.buf.copyWithin(0, p, this.len);
    this.len -= p;
    return out;
  }

  /** Bytes held for an incomplete packet. */
  get pending(): number {
    return this.len;
  }

  /** Drops an incomplete packet (the inter-character timeout fired). */
  flush(): C1218DeframerItem[] {
    const out: C1218DeframerItem[] = [];
    if (this.len > 0) out.push({ type: 'discarded', reason: 'flushed', bytes: this.buf.slice(0, this.len) });
    this.len = 0;
    return out;
  }

  /** Forgets everything, including the toggle state used for duplicate detection. */
  reset(): void {
    this.len = 0;
    this.last = undefined;
  }

  /** For logs: the pending bytes in hex. */
  toString(): string {
    return `[C1222TransparentDeframer pending=${toHex(this.buf.subarray(0, this.len))}]`;
  }

  private append(bytes: Uint8Array): void {
    this.buf = appendToReceiveBuffer(this.buf, this.len, bytes);
    this.len += bytes.length;
  }
}
