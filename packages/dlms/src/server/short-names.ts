/**
 * Short-name referencing on the server (IEC 62056-5-3 §9.3.13, IEC 62056-6-2 §4.1.2–§4.1.4):
 * `ShortNameTable` assigns base names to the objects of the store and resolves a variable name of
 * a READ or WRITE back to an object and an attribute or method. The class data (first-method
 * offsets, the Association SN base name) is in `../cosem/short-names.ts`.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { ASSOCIATION_SN_BASE_NAME, attributeShortName, firstMethodOffset } from '../cosem/short-names.js';
import type { ServerObject } from './cosem-object.js';

/** Spacing of automatically assigned base names. */
const AUTO_STEP = 0x100;

/** What a short name designates. IEC 62056-5-3 §9.3.13. */
export type ShortNameTarget =
  | { readonly kind: 'attribute'; readonly object: ServerObject; readonly attributeId: number }
  | { readonly kind: 'method'; readonly object: ServerObject; readonly methodId: number };

/** The short name of an attribute or method of an object at `baseName`. IEC 62056-6-2 §4.1.4. */
export function shortNameOf(
  baseName: number,
  o: ServerObject,
  target: { attributeId: number } | { methodId: number },
): number {
  if ('attributeId' in target) return attributeShortName(baseName, target.attributeId);
  return baseName + firstMethodOffset(o.classId, o.attributeIds(), o.version) + 8 * (target.methodId - 1);
}

/** How many short names past its base name an object's attributes and methods reach. */
function spanOf(o: ServerObject): number {
  let span = 0;
  for (const id of o.attributeIds()) span = Math.max(span, 8 * id);
  const methods = o.methodIds();
  if (methods.length > 0) {
    const first = firstMethodOffset(o.classId, o.attributeIds(), o.version);
    for (const id of methods) span = Math.max(span, first + 8 * id);
  }
  return span;
}

/** Base names of the objects of one logical device (see the module comment). IEC 62056-5-3 §9.3.13. */
export class ShortNameTable {
  private readonly byObject = new Map<ServerObject, number>();
  /** Sorted by base name; `end` is the first short name past the object. */
  private sorted: { base: number; end: number; object: ServerObject }[] = [];
  private nextAuto = AUTO_STEP;
  /** Objects waiting for an automatic base name (given once every explicit one is known). */
  private readonly pending: ServerObject[] = [];

  /**
   * Gives `o` its base name: `baseName` when set (a multiple of 8, below 0xFA00, and its
   * attributes' and methods' short names clear of every other object's), otherwise (on first use
   * of the table) the next multiple of 0x100 where it fits. `ValueInvalid` on a clash.
   */
  assign(o: ServerObject, baseName?: number, path = 'baseName'): void {
    if (baseName === undefined) {
      this.pending.push(o);
      return;
    }
    this.place(o, baseName, path);
  }

  private settle(): void {
    for (const o of this.pending.splice(0)) {
      const span = spanOf(o);
      while (this.clash(this.nextAuto, this.nextAuto + span) !== undefined) this.nextAuto += AUTO_STEP;
      this.place(o, this.nextAuto, 'baseName');
      this.nextAuto += AUTO_STEP;
    }
  }

  /** The placed object whose short names meet [base, end), if any. */
  private clash(base: number, end: number): ServerObject | undefined {
    for (const e of this.sorted) if (e.base === base || (e.base < end && base < e.end)) return e.object;
    return undefined;
  }

  private place(o: ServerObject, base: number, path: string): void {
    if (!Number.isInteger(base) || base < 0 || base >= ASSOCIATION_SN_BASE_NAME || base % 8 !== 0)
      throw new MeterkitError(
        ErrorCode.ValueInvalid,
        `base name ${String(base)} must be a multiple of 8 below 0xFA00`,
        { path },
      );
    const end = base + spanOf(o);
    if (end > ASSOCIATION_SN_BASE_NAME)
      throw new MeterkitError(
        ErrorCode.ValueInvalid,
        `the short names of ${o.logicalName} from base name 0x${base.toString(16)} reach the reserved 0xFA00`,
        { path },
      );
    const other = this.clash(base, end);
    if (other !== undefined)
      throw new MeterkitError(
        ErrorCode.ValueInvalid,
        `base name 0x${base.toString(16)} of ${o.logicalName} overlaps the short names of ${other.logicalName}`,
        { path },
      );
    this.byObject.set(o, base);
    this.sorted.push({ base, end, object: o });
    this.sorted.sort((a, b) => a.base - b.base);
  }

  /** The base name of `o`, or undefined when it has none. */
  baseNameOf(o: ServerObject): number | undefined {
    if (this.pending.length > 0) this.settle();
    return this.byObject.get(o);
  }

  /**
   * The object and attribute or method a short name designates among the table's objects and
   * `association` (at 0xFA00); undefined when none. A method slot the object implements wins over
   * an attribute; below the first method, or where the object has no such method (the reserved
   * methods 1–2 of Association SN), the attribute is meant.
   */
  resolve(shortName: number, association: ServerObject): ShortNameTarget | undefined {
    if (this.pending.length > 0) this.settle();
    let object: ServerObject | undefined;
    let base = 0;
    if (shortName >= ASSOCIATION_SN_BASE_NAME) {
      object = association;
      base = ASSOCIATION_SN_BASE_NAME;
    } else {
      let lo = 0;
      let hi = this.sorted.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (this.sorted[mid]!.base <= shortName) {
          object = this.sorted[mid]!.object;
          base = this.sorted[mid]!.base;
          lo = mid + 1;
        } else hi = mid - 1;
      }
    }
    if (object === undefined) return undefined;
    const offset = shortName - base;
    if (offset % 8 !== 0) return undefined;
    const attributes = object.attributeIds();
    const first = firstMethodOffset(object.classId, attributes, object.version);
    if (offset >= first) {
      const methodId = (offset - first) / 8 + 1;
      if (object.methodIds().includes(methodId)) return { kind: 'method', object, methodId };
    }
    const attributeId = offset / 8 + 1;
    return attributes.includes(attributeId) ? { kind: 'attribute', object, attributeId } : undefined;
  }
}
