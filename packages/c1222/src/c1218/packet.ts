/**
 * The ANSI C12.18-2006 §5.3.1 packet (also the C12.22 serial datalink packet, IEEE 1703 §6):
 *
 * `<stp=EE> <identity:1> <ctrl:1> <seq-nbr:1> <length:2 BE> <data:length> <crc:2>`
 *
 * ctrl: bit 7 multi-packet, bit 6 first packet of a multi-packet transmission, bit 5 toggle
 * (alternates per new packet; a repeat carries the same toggle), bits 4–0 zero in C12.18 (used by
 * the C12.22 datalink). seq-nbr counts the packets still to come (0 = last). The CRC is
 * CRC-16/X-25 over everything from EE to the last data byte, sent low byte first.
 * Outside packets, single bytes ACK (06) and NAK (15) acknowledge.
 */
import { crc16x25, ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';

/** Start-of-packet byte. */
export const C1218_STP = 0xee;
/** Positive acknowledge. */
export const C1218_ACK = 0x06;
/** Negative acknowledge (CRC error, …). */
export const C1218_NAK = 0x15;
/** Bytes of header (EE, identity, ctrl, seq, length) and CRC around the data. */
export const C1218_OVERHEAD = 8;
/** Largest data length of one packet (C12.18 packet size 8191 minus overhead). */
export const C1218_MAX_DATA_LENGTH = 8183;

/** Control byte bits. */
export const C1218ControlBit = {
  multiPacket: 0x80,
  firstPacket: 0x40,
  toggle: 0x20,
  /** Bits 4–0: zero in C12.18; the C12.22 serial datalink uses them. */
  low: 0x1f,
} as const;

/** The decoded control byte. */
export interface C1218Control {
  readonly multiPacket: boolean;
  readonly firstPacket: boolean;
  readonly toggle: boolean;
  /** Bits 4–0 (0 in C12.18). */
  readonly low?: number;
}

/** One C12.18 packet. */
export interface C1218Packet {
  readonly type: 'c1218-packet';
  readonly identity: number;
  readonly control: C1218Control;
  /** Packets still to come in this transmission (0 = last). */
  readonly sequenceNumber: number;
  readonly data: Uint8Array;
  /** The CRC as received (decode only). */
  readonly crc?: number;
  /** The whole packet as received (decode only). */
  readonly raw?: Uint8Array;
}

/** Decodes a control byte. */
export function decodeC1218Control(b: number): C1218Control {
  const low = b & C1218ControlBit.low;
  return {
    multiPacket: (b & C1218ControlBit.multiPacket) !== 0,
    firstPacket: (b & C1218ControlBit.firstPacket) !== 0,
    toggle: (b & C1218ControlBit.toggle) !== 0,
    ...(low === 0 ? {} : { low }),
  };
}

/** Encodes a control byte. */
export function encodeC1218Control(c: C1218Control): number {
  return (
    (c.multiPacket ? C1218ControlBit.multiPacket : 0) |
    (c.firstPacket ? C1218ControlBit.firstPacket : 0) |
    (c.toggle ? C1218ControlBit.toggle : 0) |
    ((c.low ?? 0) & C1218ControlBit.low)
  );
}

/**
 * Decodes exactly one packet filling `bytes`: start byte (`FrameFormatInvalid` 104), length
 * (`Truncated` 200 / `TrailingBytes` 208) and CRC (`FrameCheckFailed` 101) are checked.
 */
export function decodeC1218Packet(bytes: Uint8Array, offset = 0): C1218Packet {
  const r = new Reader(bytes, 0, bytes.length, offset);
  const stp = r.u8('c1218.stp');
  if (stp !== C1218_STP)
    r.fail(
      ErrorCode.FrameFormatInvalid,
      `packet must start with EE, not ${stp.toString(16)}`,
      'c1218.stp',
      0,
    );
  const identity = r.u8('c1218.identity');
  const control = decodeC1218Control(r.u8('c1218.ctrl'));
  const sequenceNumber = r.u8('c1218.seq-nbr');
  const length = r.u16('c1218.length');
  r.need(length + 2, 'c1218.data');
  const data = r.bytes(length, 'c1218.data');
  const crcAt = r.pos;
  const crc = r.u16le('c1218.crc');
  r.expectEnd('c1218');
  if (crc !== crc16x25(bytes, 0, crcAt))
    r.fail(ErrorCode.FrameCheckFailed, 'packet CRC does not match', 'c1218.crc', crcAt);
  return { type: 'c1218-packet', identity, control, sequenceNumber, data, crc, raw: bytes };
}

/** Encodes one packet, computing its CRC. */
export function encodeC1218Packet(p: C1218Packet): Uint8Array {
  if (p.data.length > 0xffff)
    throw new MeterkitError(ErrorCode.FrameTooLong, `packet data of ${p.data.length} bytes does not fit`, {
      path: 'c1218.data',
    });
  const w = new Writer(p.data.length + C1218_OVERHEAD);
  w.u8(C1218_STP)
    .u8(p.identity)
    .u8(encodeC1218Control(p.control))
    .u8(p.sequenceNumber)
    .u16(p.data.length)
    .bytes(p.data);
  w.u16le(crc16x25(w.written()));
  return w.finish();
}
