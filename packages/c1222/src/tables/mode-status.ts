/**
 * ST3 ED_MODE_STATUS_TBL, ANSI C12.19-2008 §9.1.4: the end device mode (metering, test, meter
 * shop, factory), the standard status flags ED_STD_STATUS1/2 and the manufacturer status set
 * ED_MFG_STATUS of DIM_MFG_STATUS_USED bytes.
 */
import { type BitRecord, TableReader, TableWriter } from './codec.js';
import type { TableContext } from './context.js';

/** ED_MODE_BFLD (also the parameter of SP6 CHANGE_END_DEVICE_MODE). */
export const ED_MODE_BFLD = [
  ['meteringFlag', 0, 1],
  ['testModeFlag', 1, 1],
  ['meterShopModeFlag', 2, 1],
  ['factoryFlag', 3, 1],
] as const;
const ED_STD_STATUS1 = [
  ['unprogrammedFlag', 0, 1],
  ['configurationErrorFlag', 1, 1],
  ['selfChkErrorFlag', 2, 1],
  ['ramFailureFlag', 3, 1],
  ['romFailureFlag', 4, 1],
  ['nonvolMemFailureFlag', 5, 1],
  ['clockErrorFlag', 6, 1],
  ['measurementErrorFlag', 7, 1],
  ['lowBatteryFlag', 8, 1],
  ['lowLossPotentialFlag', 9, 1],
  ['demandOverloadFlag', 10, 1],
  ['powerFailureFlag', 11, 1],
  ['tamperDetectFlag', 12, 1],
  ['reverseRotationFlag', 13, 1],
] as const;

/** ST3 ED_MODE_STATUS_TBL. */
export interface EdModeStatusTbl {
  readonly type: 'ED_MODE_STATUS_TBL';
  readonly edMode: BitRecord<typeof ED_MODE_BFLD>;
  readonly edStdStatus1: BitRecord<typeof ED_STD_STATUS1>;
  /** ED_STD_STATUS2 (all bits reserved by the standard, kept as the byte). */
  readonly edStdStatus2: number;
  /** ED_MFG_STATUS: the manufacturer status bits that are set. */
  readonly edMfgStatus: readonly number[];
}

/** Decodes ST3. */
export function decodeEdModeStatusTbl(bytes: Uint8Array, ctx: TableContext, offset = 0): EdModeStatusTbl {
  const r = new TableReader(bytes, ctx, 'st3', offset);
  const t: EdModeStatusTbl = {
    type: 'ED_MODE_STATUS_TBL',
    edMode: r.bits(1, ED_MODE_BFLD, 'ed-mode'),
    edStdStatus1: r.bits(2, ED_STD_STATUS1, 'ed-std-status1'),
    edStdStatus2: r.u8('ed-std-status2'),
    edMfgStatus: r.set(ctx.dimMfgStatusUsed, 'ed-mfg-status'),
  };
  r.end();
  return t;
}

/** Encodes ST3. */
export function encodeEdModeStatusTbl(t: EdModeStatusTbl, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st3', 8);
  w.bits(t.edMode, 1, ED_MODE_BFLD, 'ed-mode').bits(t.edStdStatus1, 2, ED_STD_STATUS1, 'ed-std-status1');
  w.u8(t.edStdStatus2, 'ed-std-status2').set(t.edMfgStatus, ctx.dimMfgStatusUsed, 'ed-mfg-status');
  return w.finish();
}
