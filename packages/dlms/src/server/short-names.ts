/**
 * Short-name referencing on the server (IEC 62056-5-3 §9.3.13, IEC 62056-6-2 §4.1.3): every
 * object has a base name (its logical_name attribute's short name); attribute n is at
 * base_name + 8·(n−1), and method m at base_name + first-method offset + 8·(m−1). The current
 * Association SN is at 0xFA00. `ShortNameTable` assigns base names and resolves a variable name
 * of a READ or WRITE back to an object and an attribute or method.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { interfaceClass } from '../cosem/interface-classes.js';
import type { ServerObject } from './cosem-object.js';

/** Base name of the current Association SN (IEC 62056-6-2 §4.4.3). */
export const ASSOCIATION_SN_BASE_NAME = 0xfa00;

/** Spacing of automatically assigned base names. */
const AUTO_STEP = 0x100;

/**
 * Offset of the first method's short name from the base name, for the classes whose table in the
 * Blue Book (IEC 62056-6-2 §4) leaves a gap after the attributes. Classes not listed put their
 * methods right after the last attribute.
 */
const FIRST_METHOD_OFFSET: ReadonlyMap<number, number> = new Map([
  [3, 0x28],
  [4, 0x38],
  [5, 0x48],
  [7, 0x58],
  [8, 0x60],
  [9, 0x20],
  [12, 0x20],
  [40, 0x38],
  [70, 0x20],
]);

/** What a short name designates. IEC 62056-5-3 §9.3.13. */
export type ShortNameTarget =
  | { readonly kind: 'attribute'; readonly object: ServerObject; readonly attributeId: number }
  | { readonly kind: 'method'; readonly object: ServerObject; readonly methodId: number };

/** Offset of method 1 from the base name of an object of `classId` with these attributes. IEC 62056-6-2 §4.1.3. */
export function firstMethodOffset(classId: number, attributeIds: readonly number[]): number {
  const fixed = FIRST_METHOD_OFFSET.get(classId);
  if (fixed !== undefined) return fixed;
  const defined = interfaceClass(classId)?.attributes.length ?? 0;
  let max = defined;
  for (const id of attributeIds) if (id > max) max = id;
  return 8 * max;
}

/** The short name of an attribute or method of an object at `baseName`. IEC 62056-6-2 §4.1.3. */
export function shortNameOf(
  baseName: number,
  o: ServerObject,
  target: { attributeId: number } | { methodId: number },
): number {
  if ('attributeId' in target) return baseName + 8 * (target.attributeId - 1);
  return baseName + firstMethodOffset(o.classId, o.attributeIds()) + 8 * (target.methodId - 1);
}

/** Base names of the objects of one logical device (see the module comment). IEC 62056-5-3 §9.3.13. */
export class ShortNameTable {
  private readonly byObject = new Map<ServerObject, number>();
  /** Sorted by base name. */
  private sorted: { base: number; object: ServerObject }[] = [];
  private nextAuto = AUTO_STEP;
  /** Objects waiting for an automatic base name (given once every explicit one is known). */
  private readonly pending: ServerObject[] = [];

  /**
   * Gives `o` its base name: `baseName` when set (a multiple of 8, below 0xFA00 and not in use),
   * otherwise (on first use of the table) the next free multiple of 0x100. `ValueInvalid` on a clash.
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
      while (this.sorted.some((e) => e.base === this.nextAuto)) this.nextAuto += AUTO_STEP;
      this.place(o, this.nextAuto, 'baseName');
      this.nextAuto += AUTO_STEP;
    }
  }

  private place(o: ServerObject, base: number, path: string): void {
    if (!Number.isInteger(base) || base < 0 || base >= ASSOCIATION_SN_BASE_NAME || base % 8 !== 0)
      throw new MeterkitError(
        ErrorCode.ValueInvalid,
        `base name ${String(base)} must be a multiple of 8 below 0xFA00`,
        { path },
      );
    if (this.sorted.some((e) => e.base === base))
      throw new MeterkitError(ErrorCode.ValueInvalid, `base name 0x${base.toString(16)} is used twice`, {
        path,
      });
    this.byObject.set(o, base);
    this.sorted.push({ base, object: o });
    this.sorted.sort((a, b) => a.base - b.base);
  }

  /** The base name of `o`, or undefined when it has none. */
  baseNameOf(o: ServerObject): number | undefined {
    if (this.pending.length > 0) this.settle();
    return this.byObject.get(o);
  }

  /**
   * The object and attribute or method a short name designates among the table's objects and
   * `association` (at 0xFA00); undefined when none.
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
    const methods = firstMethodOffset(object.classId, object.attributeIds());
    if (offset < methods) {
      const attributeId = offset / 8 + 1;
      return object.attributeIds().includes(attributeId)
        ? { kind: 'attribute', object, attributeId }
        : undefined;
    }
    const methodId = (offset - methods) / 8 + 1;
    return object.methodIds().includes(methodId) ? { kind: 'method', object, methodId } : undefined;
  }
}
