/**
 * JSON form of IEEE 2030.5 resources for the test server's configuration and admin API: the typed
 * model (sep.xsd types, see `model/generated/types.ts`) with 64-bit values (UInt64, Int64,
 * TimeType) written as decimal strings or numbers. `resourceFromJson` turns such JSON into the
 * model the XML codec encodes, guided by the schema tables.
 */
import { ErrorCode, MeterkitError, toJsonValue } from '@meterkit/core';
import type { SepDocument } from '../http/document.js';
import { complexType } from '../model/lookup.js';
import type { FieldMeta } from '../model/meta.js';

const MAX_DEPTH = 32;

function convertValue(f: FieldMeta, v: unknown, path: string, depth: number): unknown {
  if (f.value === 'u64' || f.value === 'i64') {
    if (typeof v === 'bigint') return v;
    if ((typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?[0-9]+$/.test(v)))
      return BigInt(v);
    throw new MeterkitError(ErrorCode.ValueInvalid, `${f.name} must be an integer`, { path });
  }
  if (f.value !== 'complex') return v;
  if (f.type === 'Resource') {
    const o = v as { type?: unknown; resource?: unknown };
    if (typeof o !== 'object' || o === null || typeof o.type !== 'string') {
      throw new MeterkitError(ErrorCode.ValueInvalid, `${f.name} needs { type, resource }`, { path });
    }
    return { type: o.type, resource: fieldsFromJson(o.type, o.resource, path, depth + 1) };
  }
  return fieldsFromJson(f.type, v, path, depth + 1);
}

function fieldsFromJson(type: string, json: unknown, path: string, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH)
    throw new MeterkitError(ErrorCode.NestingTooDeep, 'resource nested too deeply', { path });
  const meta = complexType(type);
  if (meta === undefined)
    throw new MeterkitError(ErrorCode.ValueInvalid, `unknown resource type '${type}'`, { path });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new MeterkitError(ErrorCode.ValueInvalid, `${type} must be an object`, { path });
  }
  const src = json as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(src)) {
    const v = src[key];
    if (v === undefined || v === null) continue;
    const f = meta.fields.find((x) => x.name === key);
    const p = path === '' ? key : `${path}.${key}`;
    if (f === undefined) {
      out[key] = v;
      continue;
    }
    if (f.maxOccurs > 1) {
      if (!Array.isArray(v))
        throw new MeterkitError(ErrorCode.ValueInvalid, `${key} must be an array`, { path: p });
      out[key] = v.map((x, i) => convertValue(f, x, `${p}[${i}]`, depth));
    } else out[key] = convertValue(f, v, p, depth);
  }
  return out;
}

/**
 * The model form of a resource given as JSON (IEEE 2030.5 sep.xsd type `type`): 64-bit fields
 * become `bigint`, nested types and `Resource` (`{ type, resource }`) are followed. Throws
 * `MeterkitError` ValueInvalid for an unknown type or a malformed value.
 */
export function resourceFromJson(type: string, json: unknown): SepDocument {
  return { type, resource: fieldsFromJson(type, json, type, 0) };
}

/** The JSON form of a model value (bigint as decimal strings, meterkit's JSON form). */
export function resourceToJson(value: unknown): unknown {
  return toJsonValue(value, { raw: false });
}
