/**
 * One object of the simulator's object tree (IEC 62056-6-2 §4: an instance of a COSEM interface
 * class): class id, version, logical name, attribute values, methods, and access rights per client
 * SAP. `StoredObject` keeps attribute values as data; the live objects (Clock, energy registers,
 * Profile generic, Disconnect control, Push setup) extend it with behaviour.
 */
import type { SelectiveAccessDescriptor } from '../apdu/common.js';
import type { DlmsData } from '../axdr/data.js';
import { interfaceClass } from '../cosem/interface-classes.js';
import { parseObis } from '../obis/obis.js';
import type { ObjectAccess } from './access-rights.js';

/** Who is asking, and how the request was protected. IEC 62056-5-3 §9.1.4. */
export interface AccessContext {
  /** The client SAP of the association. */
  readonly clientSap: number;
  /** The request was authenticated (a verified GMAC tag), so `authenticated-*` modes apply. */
  readonly authenticated: boolean;
  /** Current time in ms since the epoch (the simulator's clock source). */
  readonly now: number;
}

/** A get: the value, or the Data-Access-Result name that refuses it. IEC 62056-5-3 §8. */
export type GetOutcome = DlmsData | { readonly refused: string };

/** An action's outcome: Action-Result name and optional return data. IEC 62056-5-3 §8. */
export interface ActionOutcome {
  readonly result: string;
  readonly data?: DlmsData | undefined;
}

/** Shorthand for a refusal. IEC 62056-6-2 §4. */
export function refused(result: string): { readonly refused: string } {
  return { refused: result };
}

/** True when a get outcome is a refusal. IEC 62056-6-2 §4. */
export function isRefusal(o: GetOutcome): o is { readonly refused: string } {
  return 'refused' in o;
}

/** The behaviour every object of the tree offers to the server session. IEC 62056-6-2 §4. */
export interface ServerObject {
  readonly classId: number;
  readonly version: number;
  /** OBIS text, `1-0:1.8.0.255`. */
  readonly logicalName: string;
  /** Access the object itself gives this client SAP (or `'*'`: any client); undefined when it names none. */
  accessFor(clientSap: number | '*'): ObjectAccess | undefined;
  /** The attribute ids the object has, in order (for object_list). */
  attributeIds(): readonly number[];
  /** The method ids the object implements. */
  methodIds(): readonly number[];
  /** Access selectors an attribute supports (profile generic buffer: 1 range, 2 entry). */
  selectorsOf(attributeId: number): readonly number[] | undefined;
  /** Reads an attribute (access already checked). */
  get(attributeId: number, ctx: AccessContext, selection: SelectiveAccessDescriptor | null): GetOutcome;
  /** Writes an attribute; returns a Data-Access-Result name. */
  set(attributeId: number, value: DlmsData, ctx: AccessContext): string;
  /** Invokes a method. */
  action(methodId: number, parameters: DlmsData | null, ctx: AccessContext): ActionOutcome;
  /** The attribute's value at time `t` (profile capture); undefined when it cannot say. */
  valueAt(attributeId: number, t: number): DlmsData | undefined;
}

/** What every object is built from. IEC 62056-6-2 §4. */
export interface StoredObjectOptions {
  readonly classId: number;
  readonly version?: number | undefined;
  readonly logicalName: string;
  /** Attribute values by id (2…); attribute 1 is the logical name. */
  readonly attributes?: ReadonlyMap<number, DlmsData> | undefined;
  /** Access per client SAP; key `'*'` for every client not listed. */
  readonly access?: ReadonlyMap<number | '*', ObjectAccess> | undefined;
  /**
   * Methods a plain stored object answers, with the return data each gives (null: none); the
   * invocation parameters are accepted as they come. Live objects implement their own.
   */
  readonly methods?: ReadonlyMap<number, DlmsData | null> | undefined;
}

/** Same shape, for an A-XDR type check on set: arrays and structures compare by kind only. */
function sameType(a: DlmsData, b: DlmsData): boolean {
  return a.type === b.type || a.type === 'null-data';
}

/** An object whose attributes are plain stored values (IEC 62056-6-2 §4). Base of the live objects. */
export class StoredObject implements ServerObject {
  readonly classId: number;
  readonly version: number;
  readonly logicalName: string;
  protected readonly values: Map<number, DlmsData>;
  private readonly access: ReadonlyMap<number | '*', ObjectAccess>;
  private readonly methodReturns: ReadonlyMap<number, DlmsData | null>;

  constructor(o: StoredObjectOptions) {
    this.classId = o.classId;
    this.version = o.version ?? interfaceClass(o.classId)?.version ?? 0;
    this.logicalName = o.logicalName;
    this.values = new Map(o.attributes ?? []);
    this.values.set(1, { type: 'octet-string', value: parseObis(o.logicalName) });
    this.access = o.access ?? new Map();
    this.methodReturns = o.methods ?? new Map();
  }

  accessFor(clientSap: number | '*'): ObjectAccess | undefined {
    return this.access.get(clientSap);
  }

  attributeIds(): readonly number[] {
    const ids = new Set<number>(this.values.keys());
    for (const id of this.liveAttributeIds()) ids.add(id);
    return [...ids].sort((a, b) => a - b);
  }

  /** Attributes a subclass computes rather than stores. */
  protected liveAttributeIds(): readonly number[] {
    return [];
  }

  methodIds(): readonly number[] {
    return [...this.methodReturns.keys()].sort((a, b) => a - b);
  }

  selectorsOf(_attributeId: number): readonly number[] | undefined {
    return undefined;
  }

  get(attributeId: number, _ctx: AccessContext, selection: SelectiveAccessDescriptor | null): GetOutcome {
    if (selection !== null) return refused('scope-of-access-violated');
    return this.values.get(attributeId) ?? refused('object-undefined');
  }

  set(attributeId: number, value: DlmsData, _ctx: AccessContext): string {
    if (attributeId === 1) return 'read-write-denied';
    const old = this.values.get(attributeId);
    if (old === undefined) return 'object-undefined';
    if (!sameType(old, value)) return 'type-unmatched';
    this.values.set(attributeId, value);
    return 'success';
  }

  action(methodId: number, _parameters: DlmsData | null, _ctx: AccessContext): ActionOutcome {
    const r = this.methodReturns.get(methodId);
    if (r === undefined) return { result: 'object-undefined' };
    return r === null ? { result: 'success' } : { result: 'success', data: r };
  }

  valueAt(attributeId: number, _t: number): DlmsData | undefined {
    return this.values.get(attributeId);
  }
}
