import { ErrorCode, MeterkitError, type Reader } from '@meterkit/core';

/**
 * The xDLMS conformance block (IEC 62056-5-3 §8.2 / DLMS UA 1000-2 §9.4.6.1): a 24-bit BIT STRING
 * tagged [APPLICATION 31], encoded 5F 1F 04 00 b0 b1 b2; bit 0 is the most significant bit of b0.
 * The names below are the standard's, in bit order 0–23.
 */
export const CONFORMANCE_BITS = [
  'reserved-zero',
  'general-protection',
  'general-block-transfer',
  'read',
  'write',
  'unconfirmed-write',
  'delta-value-encoding',
  'reserved-seven',
  'attribute0-supported-with-set',
  'priority-mgmt-supported',
  'attribute0-supported-with-get',
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'block-transfer-with-action',
  'multiple-references',
  'information-report',
  'data-notification',
  'access',
  'parameterized-access',
  'get',
  'set',
  'selective-access',
  'event-notification',
  'action',
] as const;

/** The name of one conformance bit (IEC 62056-5-3 §8.2). */
export type ConformanceBit = (typeof CONFORMANCE_BITS)[number];

/** A conformance block: the names of the bits that are set, in bit order. */
export type Conformance = readonly ConformanceBit[];

const INDEX = new Map<string, number>(CONFORMANCE_BITS.map((n, i) => [n, i]));

/** The bits set in a 24-bit conformance value (bit 0 = 0x800000). */
export function conformanceFromNumber(value: number): ConformanceBit[] {
  const out: ConformanceBit[] = [];
  for (let i = 0; i < 24; i++) if (value & (0x800000 >>> i)) out.push(CONFORMANCE_BITS[i]!);
  return out;
}

/** The 24-bit value of a conformance block (bit 0 = 0x800000). Unknown names throw `ValueInvalid`. */
export function conformanceToNumber(bits: Conformance): number {
  let v = 0;
  for (const b of bits) {
    const i = INDEX.get(b);
    if (i === undefined) {
      throw new MeterkitError(ErrorCode.ValueInvalid, `'${String(b)}' is not a conformance bit`, {
        path: 'conformance',
      });
    }
    v |= 0x800000 >>> i;
  }
  return v;
}

/** Reads a conformance block (5F 1F 04 00 xx xx xx) at the reader's position (IEC 62056-5-3 §8.2). */
export function readConformance(r: Reader, path: string): ConformanceBit[] {
  const at = r.pos;
  const t0 = r.u8(path);
  const t1 = r.u8(path);
  if (t0 !== 0x5f || t1 !== 0x1f) {
    r.fail(
      ErrorCode.UnexpectedTag,
      `conformance tag ${hex2(t0)} ${hex2(t1)} is not [APPLICATION 31] (5F 1F)`,
      path,
      at,
    );
  }
  const len = r.u8(path);
  if (len !== 4) r.fail(ErrorCode.LengthInvalid, `conformance length ${len} is not 4`, path, r.pos - 1);
  const unused = r.u8(path);
  if (unused !== 0)
    r.fail(ErrorCode.ValueInvalid, `conformance unused-bits octet ${unused} is not 0`, path, r.pos - 1);
  return conformanceFromNumber(r.u24(path));
}

/** Encodes a conformance block as its 7 octets 5F 1F 04 00 b0 b1 b2 (IEC 62056-5-3 §8.2). */
export function encodeConformance(bits: Conformance): Uint8Array {
  const v = conformanceToNumber(bits);
  return Uint8Array.of(0x5f, 0x1f, 0x04, 0x00, v >>> 16, (v >>> 8) & 0xff, v & 0xff);
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}
