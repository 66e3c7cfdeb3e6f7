import { readFileSync } from 'node:fs';
import { fromHex, type JsonValue, toJsonValue } from '@meterkit/core';

/** Test helpers shared by the APDU tests: vector loading, JSON form round trip, frame stripping. */

export interface Vector {
  readonly id: string;
  readonly source: string;
  readonly kind?: string;
  readonly hex: string;
  readonly expected: Record<string, unknown>;
  readonly cross_check?: Record<string, unknown>;
  readonly keys?: unknown;
}

export function loadVectors(name: string): Vector[] {
  const url = new URL(`./vectors/apdu/${name}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { entries: Vector[] }).entries;
}

/** JSON form without `raw` (and the envelope's derived fields). */
export function jsonForm(x: unknown): JsonValue {
  return toJsonValue(x, { raw: false });
}

const BYTE_FIELDS = new Set([
  'rawData',
  'blockData',
  'ciphertext',
  'authenticationTag',
  'systemTitle',
  'transactionId',
  'originatorSystemTitle',
  'recipientSystemTitle',
  'otherInformation',
  'content',
  'signature',
  'currentTime',
  'keyCipheredData',
  'keyParameters',
  'dedicatedKey',
]);

/** Rebuilds typed values from the JSON form (hex → bytes, 64-bit strings → bigint). */
export function fromJsonForm(v: unknown, key = ''): unknown {
  if (typeof v === 'string' && (BYTE_FIELDS.has(key) || (key === 'dateTime' && /^[0-9a-f]*$/.test(v)))) {
    return fromHex(v);
  }
  if (Array.isArray(v)) return v.map((x) => fromJsonForm(x));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = fromJsonForm(x, k);
    if (o.type === 'octet-string' && typeof o.value === 'string') out.value = fromHex(o.value);
    if ((o.type === 'long64' || o.type === 'long64-unsigned') && typeof o.value === 'string')
      out.value = BigInt(o.value);
    return out;
  }
  return v;
}

/**
 * Returns the APDU inside a real-frames entry: strips the HDLC header (flag, format, addresses,
 * control, HCS), the LLC header and the FCS/flag for HDLC frames, the LLC header for `llc-apdu`
 * kinds, the 8-octet wrapper header for UDP frames. `null` for non-APDU kinds.
 */
export function apduOf(kind: string, bytes: Uint8Array): Uint8Array | null {
  if (kind.startsWith('hdlc-frame/')) {
    let p = 3;
    while ((bytes[p]! & 1) === 0) p++;
    p++;
    while ((bytes[p]! & 1) === 0) p++;
    p += 2; // last address octet, control
    p += 2; // HCS
    if (bytes[p] === 0xe6) p += 3;
    return bytes.subarray(p, bytes.length - 3);
  }
  if (kind.startsWith('llc-apdu/')) return bytes.subarray(3);
  if (kind.startsWith('udp-wrapper-frame/')) return bytes.subarray(8);
  if (kind.startsWith('apdu/')) return bytes;
  return null;
}
