import { toHex } from './bytes/hex.js';
import { MeterkitError } from './errors.js';

/** A value in meterkit's JSON form (see DESIGN.md "JSON form"). */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** Options for `toJsonValue` / `stringifyJson`. */
export interface JsonFormOptions {
  /** Keep `raw` byte fields (default true). Reports that show hex elsewhere may drop them. */
  readonly raw?: boolean;
  /** Keys always printed first, in this order (default `['type']`). The rest are sorted. */
  readonly firstKeys?: readonly string[];
}

const DEFAULT_FIRST = ['type'];

function compareKeys(first: readonly string[]): (a: string, b: string) => number {
  return (a, b) => {
    const ia = first.indexOf(a);
    const ib = first.indexOf(b);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? first.length : ia) - (ib < 0 ? first.length : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  };
}

/**
 * Converts decoded meterkit data to its JSON form: bytes → lowercase hex, bigint → decimal string,
 * `Date` → ISO string, `Map` → object, `undefined` fields dropped, non-finite numbers → strings
 * (`"NaN"`, `"Infinity"`), `MeterkitError` → `{ code, name, message, offset, path }`. Keys come out
 * in a deterministic order (`type` first, the rest sorted) so golden files diff cleanly.
 */
export function toJsonValue(value: unknown, options: JsonFormOptions = {}): JsonValue {
  const keepRaw = options.raw ?? true;
  const cmp = compareKeys(options.firstKeys ?? DEFAULT_FIRST);
  const seen = new Set<object>();
  const convert = (v: unknown): JsonValue | undefined => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        return Number.isFinite(v) ? (Object.is(v, -0) ? 0 : v) : String(v);
      case 'bigint':
        return v.toString();
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
    }
    if (v === null) return null;
    if (v instanceof Uint8Array) return toHex(v);
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
    if (v instanceof MeterkitError) return v.toJSON() as unknown as JsonValue;
    const o = v as object;
    if (seen.has(o)) return '[circular]';
    seen.add(o);
    try {
      if (Array.isArray(o)) {
        return o.map((item) => convert(item) ?? null);
      }
      const entries: [string, unknown][] =
        o instanceof Map ? [...o.entries()].map(([k, x]) => [String(k), x]) : Object.entries(o);
      entries.sort((a, b) => cmp(a[0], b[0]));
      const out: Record<string, JsonValue> = {};
      for (const [k, x] of entries) {
        if (!keepRaw && k === 'raw') continue;
        const c = convert(x);
        if (c !== undefined) out[k] = c;
      }
      return out;
    } finally {
      seen.delete(o);
    }
  };
  return convert(value) ?? null;
}

/** `JSON.stringify` of `toJsonValue(value)`; `indent` as in `JSON.stringify` (default 2). */
export function stringifyJson(
  value: unknown,
  indent: number | string = 2,
  options?: JsonFormOptions,
): string {
  return JSON.stringify(toJsonValue(value, options), null, indent);
}
