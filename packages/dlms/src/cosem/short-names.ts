/**
 * Short names of attributes and methods (IEC 62056-6-2 §4.1.2–§4.1.4, used by short-name
 * referencing, IEC 62056-5-3 §9.3.13): every object has a base name (the short name of its
 * logical_name attribute); attribute n is at base_name + 8·(n−1), and method m at base_name +
 * first-method offset + 8·(m−1), where the first-method offset is the "x + 0x…" the short-name
 * column of the class's table in IEC 62056-6-2 §4 gives its method 1. The current Association SN
 * is at 0xFA00. Pure data and functions, shared by the client and the server.
 */
import { interfaceClass } from './interface-classes.js';

/** Base name of the current Association SN (IEC 62056-6-2 §4.1.3, reserved base_names). */
export const ASSOCIATION_SN_BASE_NAME = 0xfa00;

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

/** Short name of attribute `attributeId` of an object at `baseName`. IEC 62056-6-2 §4.1.4. */
export function attributeShortName(baseName: number, attributeId: number): number {
  return baseName + 8 * (attributeId - 1);
}

/**
 * Short name of method `methodId` of an object of `classId` (version `version`) at `baseName`,
 * using `firstMethodOffset`. IEC 62056-6-2 §4.1.4.
 */
export function methodShortName(
  baseName: number,
  classId: number,
  methodId: number,
  attributeIds: readonly number[] = [],
  version?: number,
): number {
  return baseName + firstMethodOffset(classId, attributeIds, version) + 8 * (methodId - 1);
}
