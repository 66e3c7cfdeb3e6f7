/**
 * The simulator's object tree (IEC 62056-6-2 §4): the COSEM objects of one logical device by
 * logical name, and what each association may see of them.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { normalizeObis } from '../obis/obis.js';
import { NO_ACCESS, type ObjectAccess } from './access-rights.js';
import { ClockObject } from './clock-object.js';
import type { ServerObject } from './cosem-object.js';
import { ShortNameTable } from './short-names.js';

/** The objects of one logical device, by logical name (IEC 62056-6-2 §4). */
export class CosemObjectStore {
  private readonly byName = new Map<string, ServerObject>();
  /** Base names for short-name referencing (IEC 62056-5-3 §9.3.13). */
  readonly shortNames = new ShortNameTable();

  constructor(objects: Iterable<ServerObject> = []) {
    for (const o of objects) this.add(o);
  }

  /**
   * Adds an object with an optional base name (short-name referencing; automatic when omitted); a
   * second object with the same logical name or base name is `ValueInvalid`.
   */
  add(o: ServerObject, baseName?: number, path = 'objects'): void {
    const ln = normalizeObis(o.logicalName);
    if (this.byName.has(ln))
      throw new MeterkitError(ErrorCode.ValueInvalid, `two objects named ${ln}`, { path });
    this.shortNames.assign(o, baseName, `${path}.baseName`);
    this.byName.set(ln, o);
  }

  /** The object with this logical name (any OBIS text form), or undefined. */
  get(logicalName: string): ServerObject | undefined {
    return this.byName.get(logicalName) ?? this.byName.get(safeNormalize(logicalName));
  }

  /** Every object, in the order added. */
  objects(): readonly ServerObject[] {
    return [...this.byName.values()];
  }

  /** The Clock 0-0:1.0.0.255, or the first Clock, or undefined. */
  clock(): ClockObject | undefined {
    const c = this.byName.get('0-0:1.0.0.255');
    if (c instanceof ClockObject) return c;
    for (const o of this.byName.values()) if (o instanceof ClockObject) return o;
    return undefined;
  }

  /**
   * What `clientSap` may do with `o`: the object's rights for exactly this SAP, else the
   * association's default (`fallback`), else the object's rights for `*`, else none.
   */
  accessOf(o: ServerObject, clientSap: number, fallback: ObjectAccess | undefined): ObjectAccess {
    return o.accessFor(clientSap) ?? fallback ?? o.accessFor('*') ?? NO_ACCESS;
  }
}

function safeNormalize(ln: string): string {
  try {
    return normalizeObis(ln);
  } catch {
    return ln;
  }
}
