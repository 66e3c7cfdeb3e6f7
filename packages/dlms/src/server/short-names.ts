/**
 * Short-name referencing on the server (IEC 62056-5-3 §9.3.13, IEC 62056-6-2 §4.1.2–§4.1.4):
 * every object has a base name (the short name of its logical_name attribute); attribute n is at
 * base_name + 8·(n−1), and method m at base_name + first-method offset + 8·(m−1), where the
 * first-method offset is the "x + 0x…" the short-name column of the class's table in IEC 62056-6-2
 * §4 gives its method 1. The current Association SN is at 0xFA00. `ShortNameTable` assigns base
 * names and resolves a variable name of a READ or WRITE back to an object and an attribute or
 * method.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { interfaceClass } from '../cosem/interface-classes.js';
import type { ServerObject } from './cosem-object.js';

/** Base name of the current Association SN (IEC 62056-6-2 §4.1.3, reserved base_names). */
export const ASSOCIATION_SN_BASE_NAME = 0xfa00;

/** Spacing of automatically assigned base names. */
const AUTO_STEP = 0x100;

/** Short name of method 1 relative to the base name, for the versions `from`…`to` of a class. */
interface FirstMethodOffset {
  readonly classId: number;
  readonly from: number;
  readonly to: number;
  readonly offset: number;
}

/**
 * First-method offsets from the short-name columns of the class tables of IEC 62056-6-2 §4 (Blue
 * Book, DLMS UA 1000-1). Most classes leave a gap after their attributes, a remnant of attributes
 * and methods dropped in earlier versions, so the offset cannot be derived from the attribute
 * count. Each value was checked against two independent implementations of short-name
 * referencing that transcribe these columns: OpenMUC jDLMS (`SnInterfaceClassList`, the pair
 * first method id / short name) and Gurux (`GXDLMS.getActionInfo`). Where only one of them lists
 * a class the comment says so.
 */
const FIRST_METHOD_OFFSETS: readonly FirstMethodOffset[] = [
  // Register (§4.3.2): reset at x + 0x28.
  { classId: 3, from: 0, to: 0, offset: 0x28 },
  // Extended register (§4.3.3): reset at x + 0x38.
  { classId: 4, from: 0, to: 0, offset: 0x38 },
  // Demand register (§4.3.4): reset x + 0x48, next_period x + 0x50.
  { classId: 5, from: 0, to: 0, offset: 0x48 },
  // Register activation (§4.3.5): add_register x + 0x30, add_mask x + 0x38, delete_mask x + 0x40.
  { classId: 6, from: 0, to: 0, offset: 0x30 },
  // Profile generic (§4.3.6): reset x + 0x58, capture x + 0x60, methods 3–4 reserved (x + 0x68, 0x70).
  { classId: 7, from: 0, to: 1, offset: 0x58 },
  // Clock (§4.5.1): adjust_to_quarter x + 0x60 … shift_time x + 0x88.
  { classId: 8, from: 0, to: 0, offset: 0x60 },
  // Script table (§4.5.2): execute at x + 0x20.
  { classId: 9, from: 0, to: 0, offset: 0x20 },
  // Schedule (§4.5.3): enable/disable x + 0x20, insert x + 0x28, delete x + 0x30 (jDLMS; Gurux lists no methods).
  { classId: 10, from: 0, to: 0, offset: 0x20 },
  // Special days table (§4.5.4): insert x + 0x10, delete x + 0x18.
  { classId: 11, from: 0, to: 0, offset: 0x10 },
  // Association SN (§4.4.3): method m at x + 0x18 + 8·m, so reply_to_HLS_authentication (8) is at
  // x + 0x58 and, from version 1 on, read_by_logicalname (3) at x + 0x30 (jDLMS: versions 0–3,
  // Gurux: every version). Methods 1 and 2 are reserved from version 1 on, so the user_list and
  // current_user attributes of versions 3–4 (x + 0x20, x + 0x28) meet no live method.
  { classId: 12, from: 0, to: 4, offset: 0x20 },
  // Association LN (§4.4.4): reply_to_HLS_authentication x + 0x60 … (Gurux; jDLMS lists none, the
  // class being for logical-name referencing).
  { classId: 15, from: 0, to: 3, offset: 0x60 },
  // SAP assignment (§4.4.5): connect_logical_device at x + 0x20.
  { classId: 17, from: 0, to: 0, offset: 0x20 },
  // Image transfer (§4.4.6): image_transfer_initiate x + 0x40 … image_activate x + 0x58.
  { classId: 18, from: 0, to: 0, offset: 0x40 },
  // Activity calendar (§4.5.5): activate_passive_calendar at x + 0x50.
  { classId: 20, from: 0, to: 0, offset: 0x50 },
  // Push setup (§4.4.8), versions 0–1 (7 attributes): push at x + 0x38 (jDLMS: version 0).
  { classId: 40, from: 0, to: 1, offset: 0x38 },
  // IPv4 setup (§4.9.2): add_mc_IP_address x + 0x60 … get_nbof_mc_IP_addresses x + 0x70.
  { classId: 42, from: 0, to: 0, offset: 0x60 },
  // Register table (§4.3.8): reset x + 0x28, capture x + 0x30.
  { classId: 61, from: 0, to: 0, offset: 0x28 },
  // Security setup (§4.4.7) version 0 (5 attributes): security_activate x + 0x28 (jDLMS).
  { classId: 64, from: 0, to: 0, offset: 0x28 },
  // Security setup version 1 adds certificates at x + 0x28: security_activate x + 0x30 … (Gurux).
  { classId: 64, from: 1, to: 1, offset: 0x30 },
  // Disconnect control (§4.5.8): remote_disconnect x + 0x20, remote_reconnect x + 0x28.
  { classId: 70, from: 0, to: 0, offset: 0x20 },
];

/** What a short name designates. IEC 62056-5-3 §9.3.13. */
export type ShortNameTarget =
  | { readonly kind: 'attribute'; readonly object: ServerObject; readonly attributeId: number }
  | { readonly kind: 'method'; readonly object: ServerObject; readonly methodId: number };

/**
 * Offset of method 1's short name from the base name of an object of `classId` (IEC 62056-6-2
 * §4.1.4, the short-name column of the class table): the Blue Book's value for the class versions
 * listed above; for any other class or version (none of which has a published offset meterkit
 * could confirm), right after the highest attribute the class defines or the object serves.
 * `version` defaults to the version meterkit describes the class in.
 */
export function firstMethodOffset(
  classId: number,
  attributeIds: readonly number[],
  version: number = interfaceClass(classId)?.version ?? 0,
): number {
  for (const e of FIRST_METHOD_OFFSETS)
    if (e.classId === classId && version >= e.from && version <= e.to) return e.offset;
  let max = interfaceClass(classId)?.attributes.length ?? 0;
  for (const id of attributeIds) if (id > max) max = id;
  return 8 * max;
}

/** The short name of an attribute or method of an object at `baseName`. IEC 62056-6-2 §4.1.4. */
export function shortNameOf(
  baseName: number,
  o: ServerObject,
  target: { attributeId: number } | { methodId: number },
): number {
  if ('attributeId' in target) return baseName + 8 * (target.attributeId - 1);
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
