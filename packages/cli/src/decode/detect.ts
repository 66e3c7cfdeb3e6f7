import type { DecodeInput } from '../input.js';
import type { ProtocolName } from './protocol-decoder.js';

/** DLMS application context names start 2.16.756.5.8.1 (BER content `60 85 74 05 08 01`). */
const DLMS_CONTEXT = [0x60, 0x85, 0x74, 0x05, 0x08, 0x01];

function contains(hay: Uint8Array, needle: readonly number[]): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** xDLMS APDU tags a bare DLMS APDU may start with (IEC 62056-5-3 §8). */
const XDLMS_TAGS = new Set([
  0x01, 0x05, 0x06, 0x08, 0x0c, 0x0d, 0x0e, 0x0f, 0x18, 0x21, 0x28, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc7,
  0xd8, 0xdb, 0xdc, 0xdd, 0xdf, 0xe0, 0x61, 0x62, 0x63, 0x0a, 0x0b, 0x16, 0x17, 0x19, 0x1a, 0x1b,
]);

/**
 * Guesses the protocol of an input by its first bytes (DESIGN.md, "The CLI decode contract"):
 * 2030.5 XML (`<`), HDLC (`7E … 7E`), the DLMS wrapper (`00 01`), an M-Bus long frame (`68 L L 68 … 16`),
 * C12.18 (`EE`), ACSE `60 …`
 * (DLMS when its application context is 2.16.756.5.8.1.x, else C12.22), a ciphered or plain
 * xDLMS APDU tag. Returns undefined when nothing fits.
 */
export function detectProtocol(input: DecodeInput): ProtocolName | undefined {
  if (input.text !== undefined) return 'ieee2030-5';
  const b = input.bytes;
  if (b.length === 0) return undefined;
  const first = b[0]!;
  if (first === 0x7e && b.length >= 2 && b[b.length - 1] === 0x7e) return 'dlms';
  if (first === 0x00 && b[1] === 0x01 && b.length >= 8) return 'dlms';
  if (first === 0xee || (b.length === 1 && (first === 0x06 || first === 0x15))) return 'c1218';
  if (first === 0x68 && b[3] === 0x68 && b[b.length - 1] === 0x16) return 'dlms';
  if (first === 0xe6 && (b[1] === 0xe6 || b[1] === 0xe7) && b[2] === 0x00) return 'dlms';
  if (first === 0x60) return contains(b.subarray(0, 24), DLMS_CONTEXT) ? 'dlms' : 'c1222';
  if (XDLMS_TAGS.has(first) || (first >= 0xc8 && first <= 0xdf)) return 'dlms';
  return undefined;
}
