import { ErrorCode, MeterkitError } from '@meterkit/core';

/**
 * An HDLC address (IEC 62056-46 §6.4.2.2 "Address field"). Addresses use extended addressing:
 * each octet carries 7 address bits, its least significant bit is 0 when another octet follows and
 * 1 in the last octet. A server address is 1, 2 or 4 octets: the upper HDLC address (logical
 * device) and, with 2 or 4 octets, the lower HDLC address (physical device), each taking half of
 * the octets. A client address is 1 octet.
 */
export interface HdlcAddress {
  /** Upper HDLC address: the client address, or the server's logical device address (7 or 14 bits). */
  readonly upper: number;
  /** Lower HDLC address: the server's physical device address (7 or 14 bits); absent in 1-octet addresses. */
  readonly lower?: number | undefined;
  /** Octets on the wire: 1, 2 or 4. */
  readonly size: 1 | 2 | 4;
}

/** Reserved HDLC address values (IEC 62056-46 §6.4.2.2, Table 1) for 7-bit (1 or 2 octet) parts. */
export const HdlcAddress7 = {
  /** No-station address: addresses no station. */
  NoStation: 0x00,
  /** Management logical device (upper) / client management process (client). */
  Management: 0x01,
  /** Public client (client address). */
  PublicClient: 0x10,
  /** Calling physical device (lower address, used in event reporting). */
  Calling: 0x7e,
  /** All-station (broadcast) address. */
  AllStation: 0x7f,
} as const;

/** Reserved HDLC address values (IEC 62056-46 §6.4.2.2, Table 1) for 14-bit (4 octet) parts. */
export const HdlcAddress14 = {
  NoStation: 0x0000,
  Management: 0x0001,
  Calling: 0x3ffe,
  AllStation: 0x3fff,
} as const;

/** What a reserved address value means (IEC 62056-46 §6.4.2.2). */
export type HdlcAddressKind =
  | 'no-station'
  | 'management'
  | 'reserved'
  | 'calling'
  | 'all-station'
  | 'station';

/**
 * Classifies one address part (upper or lower) of `bits` width (7 for 1/2-octet addresses, 14 for
 * 4-octet ones), IEC 62056-46 §6.4.2.2: 0 no-station, 1 management, 0x02–0x0F reserved,
 * 0x7E/0x3FFE calling, 0x7F/0x3FFF all-station (broadcast); any other value is a station.
 */
export function hdlcAddressKind(value: number, bits: 7 | 14 = 7): HdlcAddressKind {
  const all = bits === 7 ? 0x7f : 0x3fff;
  if (value === 0) return 'no-station';
  if (value === 1) return 'management';
  if (value === all) return 'all-station';
  if (value === all - 1) return 'calling';
  if (value < 0x10) return 'reserved';
  return 'station';
}

/**
 * Builds an HDLC address (IEC 62056-46 §6.4.2.2). Without `size`, the smallest form that holds the
 * values is chosen: 1 octet when there is no lower address, 2 when both fit 7 bits, else 4.
 */
export function hdlcAddress(upper: number, lower?: number, size?: 1 | 2 | 4): HdlcAddress {
  let s = size;
  if (s === undefined) s = lower === undefined ? 1 : upper <= 0x7f && lower <= 0x7f ? 2 : 4;
  const address: HdlcAddress = s === 1 ? { upper, size: 1 } : { upper, lower: lower ?? 0, size: s };
  checkHdlcAddress(address);
  return address;
}

/** Throws `ValueOutOfRange` (206) unless the address fits its size (IEC 62056-46 §6.4.2.2). */
export function checkHdlcAddress(address: HdlcAddress): void {
  const max = address.size === 4 ? 0x3fff : 0x7f;
  const ok =
    (address.size === 1 || address.size === 2 || address.size === 4) &&
    Number.isInteger(address.upper) &&
    address.upper >= 0 &&
    address.upper <= max &&
    (address.size === 1
      ? address.lower === undefined
      : address.lower !== undefined &&
        Number.isInteger(address.lower) &&
        address.lower >= 0 &&
        address.lower <= max);
  if (!ok) {
    throw new MeterkitError(
      ErrorCode.ValueOutOfRange,
      `HDLC address ${address.upper}/${address.lower} does not fit ${address.size} octet(s)`,
      { path: 'hdlc.address' },
    );
  }
}

/**
 * Decodes an address starting at `buf[at]` and ending before `limit` (IEC 62056-46 §6.4.2.2).
 * Returns the address size in octets, or 0 when no terminating octet (LSB 1) is found within
 * 4 octets and before `limit`, or -3 for the undefined 3-octet form. Internal hot-path helper.
 */
export function scanHdlcAddress(buf: Uint8Array, at: number, limit: number): number {
  for (let i = 0; i < 4 && at + i < limit; i++) {
    if (buf[at + i]! & 1) return i === 2 ? -3 : i + 1;
  }
  return 0;
}

/** Builds the address of `size` octets found at `buf[at]` (the size comes from `scanHdlcAddress`). */
export function readHdlcAddress(buf: Uint8Array, at: number, size: 1 | 2 | 4): HdlcAddress {
  if (size === 1) return { upper: buf[at]! >>> 1, size };
  if (size === 2) return { upper: buf[at]! >>> 1, lower: buf[at + 1]! >>> 1, size };
  return {
    upper: ((buf[at]! >>> 1) << 7) | (buf[at + 1]! >>> 1),
    lower: ((buf[at + 2]! >>> 1) << 7) | (buf[at + 3]! >>> 1),
    size,
  };
}

/** Writes an address at `out[at]` (extension bit set on the last octet); returns the next index. */
export function writeHdlcAddress(out: Uint8Array, at: number, address: HdlcAddress): number {
  const { upper, size } = address;
  const lower = address.lower ?? 0;
  if (size === 1) {
    out[at] = (upper << 1) | 1;
    return at + 1;
  }
  if (size === 2) {
    out[at] = upper << 1;
    out[at + 1] = (lower << 1) | 1;
    return at + 2;
  }
  out[at] = (upper >>> 7) << 1;
  out[at + 1] = (upper & 0x7f) << 1;
  out[at + 2] = (lower >>> 7) << 1;
  out[at + 3] = ((lower & 0x7f) << 1) | 1;
  return at + 4;
}
