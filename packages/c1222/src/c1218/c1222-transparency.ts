/**
 * Transparency and in-packet acknowledgments of the C12.22 serial datalink (IEEE 1703 §6, the
 * "Transparency" and "Acknowledgment" clauses of the local-port datalink), the two uses of the
 * control byte's low bits that C12.18 leaves at zero:
 *
 * - bit 4 TRANSPARENCY: every byte after the control byte (sequence number, length, data and CRC)
 *   that equals `EE` (start of packet) or `1B` (escape) is sent as `1B` followed by the byte with
 *   bit 5 complemented (`1B CE`, `1B 3B`). The CRC is computed over the bytes before escaping. A
 *   packet with this bit set also asks to be acknowledged inside a packet.
 * - bits 2–3 ACKNOWLEDGMENT of the previous packet: 0 none, 1 positive, 2 negative, 3 an
 *   unacknowledged packet (one-way devices sending blurts). An acknowledgment may ride on a data
 *   packet or travel alone in an empty packet.
 * - bits 0–1 DATA_FORMAT: 0 C12.18/C12.21, 1 C12.22 (2 is invalid, so the control byte can never be
 *   `EE`; the identity byte avoids it likewise, which is why the first three bytes are never escaped).
 *
 * The escape rule and field values follow the working-group text as Itron's C12.22 node stack
 * quotes and implements it (the only public source); they are not checked against IEEE 1703-2012.
 * As that stack does, the decoder complements bit 5 of any escaped byte, not only `CE` and `3B`.
 */
import { crc16x25, ErrorCode, MeterkitError } from '@meterkit/core';
import { C1218_MAX_DATA_LENGTH, C1218_OVERHEAD, C1218_STP } from './packet.js';

/** The escape byte of the transparency mechanism. */
export const C1222_DATALINK_ESC = 0x1b;

/** ACKNOWLEDGMENT values (control bits 2–3). */
export const C1222DatalinkAck = {
  none: 0,
  positive: 1,
  negative: 2,
  unacknowledged: 3,
} as const;

/** The C12.22 fields of a control byte's low bits (C1218Control `low`). */
export interface C1222DatalinkControlBits {
  /** Bit 4 TRANSPARENCY. */
  readonly transparency: boolean;
  /** Bits 2–3 ACKNOWLEDGMENT (`C1222DatalinkAck`). */
  readonly acknowledgment: number;
  /** Bits 0–1 DATA_FORMAT (1 = C12.22 Device). */
  readonly dataFormat: number;
}

/** Splits the low five bits of a control byte into the C12.22 fields. */
export function decodeC1222DatalinkControlBits(low: number): C1222DatalinkControlBits {
  return { transparency: (low & 0x10) !== 0, acknowledgment: (low >> 2) & 3, dataFormat: low & 3 };
}

/** Packs the C12.22 fields into the low five bits of a control byte. */
export function encodeC1222DatalinkControlBits(c: C1222DatalinkControlBits): number {
  if (!Number.isInteger(c.acknowledgment) || c.acknowledgment < 0 || c.acknowledgment > 3)
    throw new MeterkitError(ErrorCode.ValueOutOfRange, `acknowledgment ${c.acknowledgment} is not 0–3`, {
      path: 'c1222-dl.ctrl.acknowledgment',
    });
  if (!Number.isInteger(c.dataFormat) || c.dataFormat < 0 || c.dataFormat > 3 || c.dataFormat === 2)
    throw new MeterkitError(ErrorCode.ValueOutOfRange, `data format ${c.dataFormat} is not 0, 1 or 3`, {
      path: 'c1222-dl.ctrl.data-format',
    });
  return (c.transparency ? 0x10 : 0) | (c.acknowledgment << 2) | c.dataFormat;
}

/**
 * Escapes an encoded packet for the wire when its control byte has TRANSPARENCY set (otherwise
 * returns it unchanged): bytes from the sequence number on that are `EE` or `1B` become two bytes.
 */
export function applyC1222Transparency(packet: Uint8Array): Uint8Array {
  if (packet.length < 3 || (packet[2]! & 0x10) === 0) return packet;
  let extra = 0;
  for (let i = 3; i < packet.length; i++) {
    const b = packet[i]!;
    if (b === C1218_STP || b === C1222_DATALINK_ESC) extra++;
  }
  if (extra === 0) return packet;
  const out = new Uint8Array(packet.length + extra);
  out.set(packet.subarray(0, 3));
  let o = 3;
  for (let i = 3; i < packet.length; i++) {
    const b = packet[i]!;
    if (b === C1218_STP || b === C1222_DATALINK_ESC) {
      out[o++] = C1222_DATALINK_ESC;
      out[o++] = b ^ 0x20;
    } else out[o++] = b;
  }
  return out;
}

/** One packet taken off the wire by `readC1222TransparentPacket`. */
export interface C1222WirePacket {
  /** The packet with transparency removed (ready for `decodeC1218Packet`). */
  readonly packet: Uint8Array;
  /** How many wire bytes it took (escapes included). */
  readonly wireLength: number;
}

/**
 * Reads one packet that starts at `wire[start]` (`EE`), removing transparency when its control
 * byte asks for it. Returns `undefined` while the packet is incomplete. A data length over 8183
 * gives `LengthOverrun` (201); a first byte other than `EE` gives `FrameFormatInvalid` (104).
 * `offset` is the absolute offset of `wire[0]`, for errors.
 */
export function readC1222TransparentPacket(
  wire: Uint8Array,
  start = 0,
  offset = 0,
): C1222WirePacket | undefined {
  if (wire.length - start < 3) return undefined;
  if (wire[start] !== C1218_STP)
    throw new MeterkitError(ErrorCode.FrameFormatInvalid, 'packet must start with EE', {
      offset: offset + start,
      path: 'c1222-dl.stp',
    });
  const transparent = (wire[start + 2]! & 0x10) !== 0;
  // The plain packet is never longer than the wire bytes it comes from.
  const out = new Uint8Array(Math.min(wire.length - start, C1218_MAX_DATA_LENGTH + C1218_OVERHEAD));
  out[0] = wire[start]!;
  out[1] = wire[start + 1]!;
  out[2] = wire[start + 2]!;
  let n = 3;
  let total = C1218_OVERHEAD;
  let i = start + 3;
  while (n < total) {
    if (i >= wire.length) return undefined;
    let b = wire[i++]!;
    if (transparent && b === C1222_DATALINK_ESC) {
      if (i >= wire.length) return undefined;
      b = wire[i++]! ^ 0x20;
    }
    out[n++] = b;
    if (n === 6) {
      const length = out[4]! * 256 + out[5]!;
      if (length > C1218_MAX_DATA_LENGTH)
        throw new MeterkitError(
          ErrorCode.LengthOverrun,
          `packet length ${length} exceeds ${C1218_MAX_DATA_LENGTH}`,
          {
            offset: offset + start + 4,
            path: 'c1222-dl.length',
          },
        );
      total = C1218_OVERHEAD + length;
    }
  }
  return { packet: out.slice(0, n), wireLength: i - start };
}

/** Options of `encodeC1222AckPacket`. */
export interface C1222AckPacketOptions {
  /** Positive (`true`) or negative acknowledgment of the previous packet. */
  readonly positive: boolean;
  /** The sender's toggle bit for this packet. */
  readonly toggle: boolean;
  /** Identity byte (default 0: C12.22 Device, channel 0). */
  readonly identity?: number;
  /** Whether the sender uses transparency (default true: in-packet acknowledgments go with it). */
  readonly transparency?: boolean;
}

/**
 * An empty packet that carries only an acknowledgment (sequence 0, no data, DATA_FORMAT 1), as
 * sent in answer to a TRANSPARENCY packet; the result is already escaped for the wire.
 */
export function encodeC1222AckPacket(o: C1222AckPacketOptions): Uint8Array {
  const low = encodeC1222DatalinkControlBits({
    transparency: o.transparency ?? true,
    acknowledgment: o.positive ? C1222DatalinkAck.positive : C1222DatalinkAck.negative,
    dataFormat: 1,
  });
  const p = new Uint8Array(C1218_OVERHEAD);
  p[0] = C1218_STP;
  p[1] = o.identity ?? 0;
  p[2] = (o.toggle ? 0x20 : 0) | low;
  const crc = crc16x25(p, 0, 6);
  p[6] = crc & 0xff;
  p[7] = crc >> 8;
  return applyC1222Transparency(p);
}
