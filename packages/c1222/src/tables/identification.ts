/**
 * Decade 0 identification tables, ANSI C12.19-2008 §9.1: ST1 GENERAL_MFG_ID_TBL (§9.1.2), ST2
 * DEVICE_NAMEPLATE_TBL (§9.1.3, electric form; gas and water nameplates pass through as bytes),
 * ST5 DEVICE_IDENT_TBL (§9.1.6) and ST6 UTIL_INFO_TBL (§9.1.7). Identification fields are CHAR or
 * BCD per ST0 ID_FORM.
 */
import { type BitRecord, TableReader, TableWriter } from './codec.js';
import type { TableContext } from './context.js';

/** ST1 GENERAL_MFG_ID_TBL. */
export interface GeneralMfgIdTbl {
  readonly type: 'GENERAL_MFG_ID_TBL';
  readonly manufacturer: string;
  readonly edModel: string;
  readonly hwVersionNumber: number;
  readonly hwRevisionNumber: number;
  readonly fwVersionNumber: number;
  readonly fwRevisionNumber: number;
  /** CHAR(16) when ID_FORM = 0, BCD(8) bytes when ID_FORM = 1. */
  readonly mfgSerialNumber: string | Uint8Array;
}

/** Decodes ST1. */
export function decodeGeneralMfgIdTbl(bytes: Uint8Array, ctx: TableContext, offset = 0): GeneralMfgIdTbl {
  const r = new TableReader(bytes, ctx, 'st1', offset);
  const t: GeneralMfgIdTbl = {
    type: 'GENERAL_MFG_ID_TBL',
    manufacturer: r.chars(4, 'manufacturer'),
    edModel: r.chars(8, 'ed-model'),
    hwVersionNumber: r.u8('hw-version-number'),
    hwRevisionNumber: r.u8('hw-revision-number'),
    fwVersionNumber: r.u8('fw-version-number'),
    fwRevisionNumber: r.u8('fw-revision-number'),
    mfgSerialNumber: r.ident(16, 8, 'mfg-serial-number'),
  };
  r.end();
  return t;
}

/** Encodes ST1. */
export function encodeGeneralMfgIdTbl(t: GeneralMfgIdTbl, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st1', 32);
  w.chars(t.manufacturer, 4, 'manufacturer').chars(t.edModel, 8, 'ed-model');
  w.u8(t.hwVersionNumber, 'hw-version-number').u8(t.hwRevisionNumber, 'hw-revision-number');
  w.u8(t.fwVersionNumber, 'fw-version-number').u8(t.fwRevisionNumber, 'fw-revision-number');
  w.ident(t.mfgSerialNumber, 16, 8, 'mfg-serial-number');
  return w.finish();
}

const E_ELEMENTS = [
  ['eFreq', 0, 3],
  ['eNoOfElements', 3, 3],
  ['eBaseType', 6, 4],
  ['eAccuracyClass', 10, 6],
] as const;
const E_VOLTS = [
  ['eElementsVolts', 0, 4],
  ['eEdSupplyVolts', 4, 4],
] as const;

/** ST2 DEVICE_NAMEPLATE_TBL, electric form (NAMEPLATE_TYPE 2). */
export interface ElectricNameplate {
  readonly type: 'DEVICE_NAMEPLATE_TBL';
  readonly nameplateType: 'electric';
  readonly eKh: string;
  readonly eKt: string;
  readonly eInputScalar: number;
  readonly eEdConfig: string;
  readonly eElements: BitRecord<typeof E_ELEMENTS>;
  readonly eVolts: BitRecord<typeof E_VOLTS>;
  readonly eClassMaxAmps: string;
  readonly eTa: string;
}

/** ST2 of a gas (0) or water (1) device, kept as bytes. */
export interface OtherNameplate {
  readonly type: 'DEVICE_NAMEPLATE_TBL';
  readonly nameplateType: 'gas' | 'water' | 'other';
  readonly data: Uint8Array;
}

/** ST2 DEVICE_NAMEPLATE_TBL. */
export type DeviceNameplateTbl = ElectricNameplate | OtherNameplate;

/** Decodes ST2; `nameplateType` is ST0 NAMEPLATE_TYPE (0 gas, 1 water, 2 electric). */
export function decodeDeviceNameplateTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  nameplateType: number,
  offset = 0,
): DeviceNameplateTbl {
  const r = new TableReader(bytes, ctx, 'st2', offset);
  if (nameplateType !== 2)
    return {
      type: 'DEVICE_NAMEPLATE_TBL',
      nameplateType: nameplateType === 0 ? 'gas' : nameplateType === 1 ? 'water' : 'other',
      data: r.rest(),
    };
  const t: ElectricNameplate = {
    type: 'DEVICE_NAMEPLATE_TBL',
    nameplateType: 'electric',
    eKh: r.chars(6, 'e-kh'),
    eKt: r.chars(6, 'e-kt'),
    eInputScalar: r.u8('e-input-scalar'),
    eEdConfig: r.chars(5, 'e-ed-config'),
    eElements: r.bits(2, E_ELEMENTS, 'e-elements'),
    eVolts: r.bits(1, E_VOLTS, 'e-volts'),
    eClassMaxAmps: r.chars(6, 'e-class-max-amps'),
    eTa: r.chars(6, 'e-ta'),
  };
  r.end();
  return t;
}

/** Encodes ST2. */
export function encodeDeviceNameplateTbl(t: DeviceNameplateTbl, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st2', 40);
  if (t.nameplateType !== 'electric') return w.raw(t.data).finish();
  w.chars(t.eKh, 6, 'e-kh').chars(t.eKt, 6, 'e-kt').u8(t.eInputScalar, 'e-input-scalar');
  w.chars(t.eEdConfig, 5, 'e-ed-config').bits(t.eElements, 2, E_ELEMENTS, 'e-elements');
  w.bits(t.eVolts, 1, E_VOLTS, 'e-volts')
    .chars(t.eClassMaxAmps, 6, 'e-class-max-amps')
    .chars(t.eTa, 6, 'e-ta');
  return w.finish();
}

/** ST5 DEVICE_IDENT_TBL. */
export interface DeviceIdentTbl {
  readonly type: 'DEVICE_IDENT_TBL';
  /** CHAR(20) when ID_FORM = 0, BCD(10) bytes when ID_FORM = 1. */
  readonly identification: string | Uint8Array;
}

/** Decodes ST5. */
export function decodeDeviceIdentTbl(bytes: Uint8Array, ctx: TableContext, offset = 0): DeviceIdentTbl {
  const r = new TableReader(bytes, ctx, 'st5', offset);
  const t: DeviceIdentTbl = { type: 'DEVICE_IDENT_TBL', identification: r.ident(20, 10, 'identification') };
  r.end();
  return t;
}

/** Encodes ST5. */
export function encodeDeviceIdentTbl(t: DeviceIdentTbl, ctx: TableContext): Uint8Array {
  return new TableWriter(ctx, 'st5', 20).ident(t.identification, 20, 10, 'identification').finish();
}

/** ST6 UTIL_INFO_TBL. Identification fields are CHAR(20) or BCD(10) per ID_FORM. */
export interface UtilInfoTbl {
  readonly type: 'UTIL_INFO_TBL';
  readonly ownerName: string;
  readonly utilityDiv: string;
  readonly servicePointId: string | Uint8Array;
  readonly elecAddr: string | Uint8Array;
  readonly deviceId: string | Uint8Array;
  readonly utilSerNo: string | Uint8Array;
  readonly customerId: string | Uint8Array;
  readonly coordinate1: Uint8Array;
  readonly coordinate2: Uint8Array;
  readonly coordinate3: Uint8Array;
  readonly tariffId: string;
  readonly ex1SwVendor: string;
  readonly ex1SwVersionNumber: number;
  readonly ex1SwRevisionNumber: number;
  readonly ex2SwVendor: string;
  readonly ex2SwVersionNumber: number;
  readonly ex2SwRevisionNumber: number;
  readonly programmerName: string;
  readonly miscId: string;
}

/** Decodes ST6. */
export function decodeUtilInfoTbl(bytes: Uint8Array, ctx: TableContext, offset = 0): UtilInfoTbl {
  const r = new TableReader(bytes, ctx, 'st6', offset);
  const t: UtilInfoTbl = {
    type: 'UTIL_INFO_TBL',
    ownerName: r.chars(20, 'owner-name'),
    utilityDiv: r.chars(20, 'utility-div'),
    servicePointId: r.ident(20, 10, 'service-point-id'),
    elecAddr: r.ident(20, 10, 'elec-addr'),
    deviceId: r.ident(20, 10, 'device-id'),
    utilSerNo: r.ident(20, 10, 'util-ser-no'),
    customerId: r.ident(20, 10, 'customer-id'),
    coordinate1: r.bytes(10, 'coordinate-1'),
    coordinate2: r.bytes(10, 'coordinate-2'),
    coordinate3: r.bytes(10, 'coordinate-3'),
    tariffId: r.chars(8, 'tariff-id'),
    ex1SwVendor: r.chars(4, 'ex1-sw-vendor'),
    ex1SwVersionNumber: r.u8('ex1-sw-version-number'),
    ex1SwRevisionNumber: r.u8('ex1-sw-revision-number'),
    ex2SwVendor: r.chars(4, 'ex2-sw-vendor'),
    ex2SwVersionNumber: r.u8('ex2-sw-version-number'),
    ex2SwRevisionNumber: r.u8('ex2-sw-revision-number'),
    programmerName: r.chars(10, 'programmer-name'),
    miscId: r.chars(30, 'misc-id'),
  };
  r.end();
  return t;
}

/** Encodes ST6. */
export function encodeUtilInfoTbl(t: UtilInfoTbl, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st6', 220);
  w.chars(t.ownerName, 20, 'owner-name').chars(t.utilityDiv, 20, 'utility-div');
  w.ident(t.servicePointId, 20, 10, 'service-point-id').ident(t.elecAddr, 20, 10, 'elec-addr');
  w.ident(t.deviceId, 20, 10, 'device-id').ident(t.utilSerNo, 20, 10, 'util-ser-no');
  w.ident(t.customerId, 20, 10, 'customer-id');
  w.bytes(t.coordinate1, 10, 'coordinate-1').bytes(t.coordinate2, 10, 'coordinate-2');
  w.bytes(t.coordinate3, 10, 'coordinate-3').chars(t.tariffId, 8, 'tariff-id');
  w.chars(t.ex1SwVendor, 4, 'ex1-sw-vendor').u8(t.ex1SwVersionNumber, 'ex1-sw-version-number');
  w.u8(t.ex1SwRevisionNumber, 'ex1-sw-revision-number').chars(t.ex2SwVendor, 4, 'ex2-sw-vendor');
  w.u8(t.ex2SwVersionNumber, 'ex2-sw-version-number').u8(t.ex2SwRevisionNumber, 'ex2-sw-revision-number');
  w.chars(t.programmerName, 10, 'programmer-name').chars(t.miscId, 30, 'misc-id');
  return w.finish();
}
