/**
 * A small bounded memo of OBJECT IDENTIFIER / RELATIVE-OID content octets (X.690 §8.19–8.20) for
 * the AP titles and contexts a node encodes over and over. Encoding an OID from its dotted form
 * is arbitrary-precision work; a node talks to few peers, so the same few titles recur.
 */
import { encodeOid, encodeRelativeOid } from '@meterkit/core';

const LIMIT = 256;
const absolute = new Map<string, Uint8Array>();
const relative = new Map<string, Uint8Array>();

function memo(cache: Map<string, Uint8Array>, key: string, encode: (s: string) => Uint8Array): Uint8Array {
  let v = cache.get(key);
  if (v === undefined) {
    v = encode(key);
    if (cache.size >= LIMIT) cache.clear();
    cache.set(key, v);
  }
  return v;
}

/** Content octets of an absolute OID (shared: callers must not modify them). */
export function oidContent(oid: string): Uint8Array {
  return memo(absolute, oid, encodeOid);
}

/** Content octets of a relative OID (shared: callers must not modify them). */
export function relativeOidContent(rel: string): Uint8Array {
  return memo(relative, rel, encodeRelativeOid);
}
