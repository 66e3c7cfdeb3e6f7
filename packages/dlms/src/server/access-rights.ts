/**
 * Access rights of the simulator's objects per association (IEC 62056-6-2 §4.4.4, Association LN
 * `object_list` access_rights): which attribute_access_mode and method_access_mode each client SAP
 * gets. A profile gives them per object and client SAP (or `*` for every client), in full or as a
 * shorthand mode for all attributes.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { AttributeAccessMode, MethodAccessMode } from '../cosem/object-list.js';

/** Access of one client to one object. IEC 62056-6-2 §4.4.4. */
export interface ObjectAccess {
  /** Mode of attributes not listed in `attributes`. */
  readonly defaultAttribute: AttributeAccessMode;
  /** Mode of methods not listed in `methods`. */
  readonly defaultMethod: MethodAccessMode;
  readonly attributes: ReadonlyMap<number, AttributeAccessMode>;
  readonly methods: ReadonlyMap<number, MethodAccessMode>;
}

/** The JSON form of an object's access for one client: a shorthand mode or the full form. IEC 62056-6-2 §4.4.4. */
export type ObjectAccessJson =
  | AttributeAccessMode
  | {
      readonly default?: AttributeAccessMode;
      readonly methodDefault?: MethodAccessMode;
      readonly attributes?: Readonly<Record<string, AttributeAccessMode>>;
      readonly methods?: Readonly<Record<string, MethodAccessMode>>;
    };

const ATTRIBUTE_MODES = new Set<string>([
  'no-access',
  'read-only',
  'write-only',
  'read-and-write',
  'authenticated-read-only',
  'authenticated-write-only',
  'authenticated-read-and-write',
]);
const METHOD_MODES = new Set<string>(['no-access', 'access', 'authenticated-access']);

function attributeMode(v: unknown, path: string): AttributeAccessMode {
  if (typeof v === 'string' && ATTRIBUTE_MODES.has(v)) return v as AttributeAccessMode;
  throw new MeterkitError(ErrorCode.ValueInvalid, `${JSON.stringify(v)} is not an attribute access mode`, {
    path,
  });
}

function methodMode(v: unknown, path: string): MethodAccessMode {
  if (typeof v === 'string' && METHOD_MODES.has(v)) return v as MethodAccessMode;
  throw new MeterkitError(ErrorCode.ValueInvalid, `${JSON.stringify(v)} is not a method access mode`, {
    path,
  });
}

/** The method mode a shorthand attribute mode implies: methods may be invoked by clients that may write. */
function impliedMethodMode(m: AttributeAccessMode): MethodAccessMode {
  if (m === 'read-and-write' || m === 'write-only') return 'access';
  if (m === 'authenticated-read-and-write' || m === 'authenticated-write-only') return 'authenticated-access';
  return 'no-access';
}

function idMap<T>(
  o: Readonly<Record<string, unknown>> | undefined,
  path: string,
  mode: (v: unknown, p: string) => T,
): Map<number, T> {
  const m = new Map<number, T>();
  for (const [k, v] of Object.entries(o ?? {})) {
    const id = Number(k);
    if (!Number.isInteger(id) || id < 1 || id > 127)
      throw new MeterkitError(ErrorCode.ValueInvalid, `${k} is not an attribute/method id`, { path });
    m.set(id, mode(v, `${path}.${k}`));
  }
  return m;
}

/** Reads an object's access for one client from its JSON form. IEC 62056-6-2 §4.4.4. */
export function objectAccessFromJson(json: unknown, path = 'access'): ObjectAccess {
  if (typeof json === 'string') {
    const m = attributeMode(json, path);
    return {
      defaultAttribute: m,
      defaultMethod: impliedMethodMode(m),
      attributes: new Map(),
      methods: new Map(),
    };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new MeterkitError(ErrorCode.ValueInvalid, 'access must be a mode or an object', { path });
  const o = json as Record<string, unknown>;
  const d = o.default === undefined ? 'no-access' : attributeMode(o.default, `${path}.default`);
  return {
    defaultAttribute: d,
    defaultMethod:
      o.methodDefault === undefined
        ? impliedMethodMode(d)
        : methodMode(o.methodDefault, `${path}.methodDefault`),
    attributes: idMap(
      o.attributes as Record<string, unknown> | undefined,
      `${path}.attributes`,
      attributeMode,
    ),
    methods: idMap(o.methods as Record<string, unknown> | undefined, `${path}.methods`, methodMode),
  };
}

/** No access at all. IEC 62056-6-2 §4.4.4. */
export const NO_ACCESS: ObjectAccess = {
  defaultAttribute: 'no-access',
  defaultMethod: 'no-access',
  attributes: new Map(),
  methods: new Map(),
};

/** The mode of one attribute; logical_name (1) is readable by anyone who sees the object. IEC 62056-6-2 §4.4.4. */
export function attributeAccess(a: ObjectAccess, attributeId: number): AttributeAccessMode {
  const m = a.attributes.get(attributeId) ?? a.defaultAttribute;
  if (attributeId === 1 && isVisible(a)) return 'read-only';
  return m;
}

/** The mode of one method. IEC 62056-6-2 §4.4.4. */
export function methodAccess(a: ObjectAccess, methodId: number): MethodAccessMode {
  return a.methods.get(methodId) ?? a.defaultMethod;
}

/** True when the client sees the object at all (some attribute or method is accessible). IEC 62056-6-2 §4.4.4. */
export function isVisible(a: ObjectAccess): boolean {
  if (a.defaultAttribute !== 'no-access' || a.defaultMethod !== 'no-access') return true;
  for (const m of a.attributes.values()) if (m !== 'no-access') return true;
  for (const m of a.methods.values()) if (m !== 'no-access') return true;
  return false;
}

/** Whether a mode lets the client read; `authenticated` says the request was authenticated (ciphered with a tag). IEC 62056-6-2 §4.4.4. */
export function canRead(m: AttributeAccessMode, authenticated: boolean): boolean {
  if (m === 'read-only' || m === 'read-and-write') return true;
  if (m === 'authenticated-read-only' || m === 'authenticated-read-and-write') return authenticated;
  return false;
}

/** Whether a mode lets the client write. IEC 62056-6-2 §4.4.4. */
export function canWrite(m: AttributeAccessMode, authenticated: boolean): boolean {
  if (m === 'write-only' || m === 'read-and-write') return true;
  if (m === 'authenticated-write-only' || m === 'authenticated-read-and-write') return authenticated;
  return false;
}

/** Whether a mode lets the client invoke the method. IEC 62056-6-2 §4.4.4. */
export function canInvoke(m: MethodAccessMode, authenticated: boolean): boolean {
  if (m === 'access') return true;
  if (m === 'authenticated-access') return authenticated;
  return false;
}
