/**
 * CRC-16/X-25 (a.k.a. CRC-16/IBM-SDLC, the HDLC FCS): reflected polynomial 0x1021 (0x8408),
 * initial value 0xFFFF, final XOR 0xFFFF. Used by IEC 62056-46 HDLC (HCS and FCS, ISO/IEC 13239
 * §4.2.5) and ANSI C12.18 packets. On the wire both send the low byte first.
 *
 * Check value: `crc16x25("123456789") === 0x906e`.
 */

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
  TABLE[i] = c;
}

/** CRC-16/X-25 of `bytes[start..end)`. */
export function crc16x25(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]!) & 0xff]!;
  return ~crc & 0xffff;
}

/**
 * Continues a CRC-16/X-25 over more bytes. Start with `0xffff`; the final CRC is `~state & 0xffff`.
 * Lets a framer checksum data as it arrives without buffering it.
 */
export function crc16x25Update(state: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = state;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}

/**
 * True when `bytes[start..end)` ends in its own CRC-16/X-25, low byte first (the HDLC/C12.18 wire
 * order). Uses the CRC residue property: the CRC register over data+FCS is the constant 0xF0B8.
 */
export function crc16x25Check(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  return crc16x25Update(0xffff, bytes, start, end) === 0xf0b8;
}
