import { decodeC1218Packet, decodeC1222Message } from '@meterkit/c1222';
import { type JsonValue, toHex, toJsonValue } from '@meterkit/core';
import { decodeXml } from '@meterkit/ieee2030-5';
import { Keyring } from '../keyring.js';
import { type AnalyserChannelState, analyseC1222, analyseDlms } from '../rules/analyse.js';
import type { SessionMessage } from '../session/frame-session.js';
import type { SessionProtocol } from '../session/record.js';

/**
 * A mask: a dotted path into the structural form of a message where `*` matches one key and `**`
 * any number of keys, e.g. `**.invocationCounter`, `apdu.invokeIdAndPriority.invokeId`.
 */
export type ReplayMask = string;

/**
 * Fields that legitimately differ between a captured answer and a live one: times, counters,
 * random challenges, and whatever depends on them (tags, ciphertext), and the invoke-id the
 * replay renumbers.
 */
export const DEFAULT_REPLAY_MASKS: readonly ReplayMask[] = [
  '**.invokeIdAndPriority.invokeId',
  '**.invocationCounter',
  '**.authenticationTag',
  '**.ciphertext',
  '**.respondingAuthenticationValue',
  '**.callingAuthenticationValue',
  '**.dateTime',
  '**.date-time',
  '**.raw',
  '**.crc',
  '**.callingApInvocationId',
  '**.calledApInvocationId',
  '**.iv',
  '**.mac',
  '**.creationTime',
  '**.changedTime',
  '**.currentTime',
  '**.receiveSequence',
  '**.sendSequence',
];

function withoutRaw(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(withoutRaw);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k !== 'raw') out[k] = withoutRaw(x);
  return out;
}

/**
 * The structural form of one message, for comparison: the decoded layers in JSON form (frame
 * header, APDU or EPSEM or XML resource), or the bytes when the message does not decode.
 */
export function structuralForm(
  protocol: SessionProtocol | undefined,
  bytes: Uint8Array,
  keys?: Keyring,
  /** DLMS: system titles learnt from earlier AARQ/AARE of the same side of the comparison (updated). */
  channel: AnalyserChannelState = {},
): JsonValue {
  const hex = (): JsonValue => ({ type: 'bytes', hex: toHex(bytes) });
  try {
    switch (protocol) {
      case 'dlms': {
        const m: SessionMessage = {
          type: 'message',
          frame: 0,
          channel: 'replay',
          // answers come from the device: ciphered ones are deciphered with its system title
          direction: 'server-to-client',
          timestamp: undefined,
          protocol,
          bytes,
          offset: 0,
        };
        const d = analyseDlms(m, keys ?? Keyring.empty(), channel);
        if (d.apdu === undefined && d.hdlc === undefined) return hex();
        const frame = d.hdlc === undefined ? undefined : { ...d.hdlc, information: undefined };
        return toJsonValue(withoutRaw({ type: 'dlms', frame, apdu: d.inner ?? d.apdu }));
      }
      case 'c1222': {
        const layers = analyseC1222(
          {
            type: 'message',
            frame: 0,
            channel: 'replay',
            direction: 'unknown',
            timestamp: undefined,
            protocol,
            bytes,
            offset: 0,
          },
          keys ?? Keyring.empty(),
        );
        const msg = layers.message ?? decodeC1222Message(bytes);
        const { userInformation: _u, ...acse } = msg.acse;
        return toJsonValue(withoutRaw({ type: 'c1222', acse, epsem: msg.epsem, security: msg.security }));
      }
      case 'c1218': {
        if (bytes.length === 1) return hex();
        return toJsonValue(withoutRaw(decodeC1218Packet(bytes)));
      }
      case 'ieee2030-5': {
        const text = new TextDecoder().decode(bytes);
        const at = text.indexOf('<');
        const head = at < 0 ? text : text.slice(0, at);
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
        if (at < 0) return { type: 'http', status: status ?? null };
        const doc = decodeXml(text.slice(at));
        return toJsonValue({ type: 'ieee2030-5', status, resource: doc.resource, element: doc.element });
      }
      default:
        return hex();
    }
  } catch {
    return hex();
  }
}

function masked(path: readonly string[], masks: readonly string[][]): boolean {
  return masks.some((m) => matchPath(m, 0, path, 0));
}

function matchPath(m: readonly string[], i: number, p: readonly string[], j: number): boolean {
  if (i === m.length) return j === p.length;
  const seg = m[i]!;
  if (seg === '**') {
    for (let k = j; k <= p.length; k++) if (matchPath(m, i + 1, p, k)) return true;
    return false;
  }
  if (j === p.length) return false;
  return (seg === '*' || seg === p[j]) && matchPath(m, i + 1, p, j + 1);
}

/**
 * Compares two structural forms, ignoring masked paths (array items are path segments by index);
 * returns each difference as `path: expected … got …`, at most `limit`.
 */
export function compareStructures(
  expected: JsonValue,
  actual: JsonValue,
  masks: readonly ReplayMask[] = DEFAULT_REPLAY_MASKS,
  limit = 20,
): string[] {
  const split = masks.map((m) => m.split('.'));
  const out: string[] = [];
  const walk = (a: JsonValue | undefined, b: JsonValue | undefined, path: string[]): void => {
    if (out.length >= limit) return;
    if (path.length > 0 && masked(path, split)) return;
    const name = path.length === 0 ? '(root)' : path.join('.');
    if (
      a !== null &&
      b !== null &&
      typeof a === 'object' &&
      typeof b === 'object' &&
      a !== undefined &&
      b !== undefined
    ) {
      if (Array.isArray(a) !== Array.isArray(b)) {
        out.push(`${name}: expected ${JSON.stringify(a)}, got ${JSON.stringify(b)}`);
        return;
      }
      if (Array.isArray(a) && Array.isArray(b)) {
        if (a.length !== b.length) out.push(`${name}: expected ${a.length} items, got ${b.length}`);
        for (let i = 0; i < Math.min(a.length, b.length); i++) walk(a[i], b[i], [...path, String(i)]);
        return;
      }
      const ao = a as Record<string, JsonValue>;
      const bo = b as Record<string, JsonValue>;
      const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
      for (const k of [...keys].sort()) walk(ao[k], bo[k], [...path, k]);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b))
      out.push(`${name}: expected ${JSON.stringify(a) ?? 'nothing'}, got ${JSON.stringify(b) ?? 'nothing'}`);
  };
  walk(expected, actual, []);
  return out;
}
