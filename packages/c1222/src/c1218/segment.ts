/**
 * Splitting an APDU into C12.18 packets (ANSI C12.18-2006 §5.3.1 multi-packet transmission):
 * when the data exceeds one packet, every packet has the multi-packet bit, the first also the
 * first-packet bit, and seq-nbr counts down to 0 on the last. Toggle bits alternate from `toggle`.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { C1218_MAX_DATA_LENGTH, C1218_OVERHEAD, type C1218Packet } from './packet.js';

/** Options of `segmentC1218`. */
export interface C1218SegmentOptions {
  /** Negotiated packet size (header and CRC included); default 64, the C12.18 default. */
  readonly packetSize?: number;
  readonly identity?: number;
  /** Toggle bit of the first packet; later packets alternate. */
  readonly toggle?: boolean;
  /**
   * Control bits 0–1, DATA_FORMAT of the C12.22 serial datalink (IEEE 1703 §6 packet `<ctrl>`):
   * 0 for a C12.18/C12.21 device (the C12.18 value), 1 for a C12.22 device.
   */
  readonly dataFormat?: number;
}

/** Splits `data` into packets of at most `packetSize` bytes each. */
export function segmentC1218(data: Uint8Array, options: C1218SegmentOptions = {}): C1218Packet[] {
  const packetSize = options.packetSize ?? 64;
  const max = Math.min(packetSize - C1218_OVERHEAD, C1218_MAX_DATA_LENGTH);
  if (!Number.isInteger(packetSize) || max < 1)
    throw new MeterkitError(ErrorCode.InvalidArgument, `packet size ${packetSize} leaves no room for data`);
  const identity = options.identity ?? 0;
  const low = (options.dataFormat ?? 0) & 0x03;
  let toggle = options.toggle ?? false;
  const count = Math.max(1, Math.ceil(data.length / max));
  if (count > 256)
    throw new MeterkitError(
      ErrorCode.FrameTooLong,
      `${data.length} bytes need ${count} packets; at most 256 fit`,
    );
  const out: C1218Packet[] = [];
  for (let i = 0; i < count; i++) {
    const multi = count > 1;
    out.push({
      type: 'c1218-packet',
      identity,
      control:
        low === 0
          ? { multiPacket: multi, firstPacket: multi && i === 0, toggle }
          : { multiPacket: multi, firstPacket: multi && i === 0, toggle, low },
      sequenceNumber: count - 1 - i,
      data: data.subarray(i * max, Math.min(data.length, (i + 1) * max)),
    });
    toggle = !toggle;
  }
  return out;
}
