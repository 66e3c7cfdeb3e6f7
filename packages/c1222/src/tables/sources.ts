/**
 * Decade 1 data source tables, ANSI C12.19-2008 §9.2: ST11 ACT_SOURCES_LIM_TBL (§9.2.2), ST12
 * UOM_ENTRY_TBL (§9.2.3), ST13 DEMAND_CONTROL_TBL (§9.2.4), ST14 DATA_CONTROL_TBL (§9.2.5), ST15
 * CONSTANTS_TBL (§9.2.6, electric constants; gas constants pass through as bytes) and ST16
 * SOURCE_DEFINITION_TBL (§9.2.7). ST11 dimensions the others.
 */
import { type BitRecord, type NiValue, niSize, TableReader, TableWriter } from './codec.js';
import type { TableContext } from './context.js';

const SOURCE_FLAGS = [
  ['pfExcludeFlag', 0, 1],
  ['resetExcludeFlag', 1, 1],
  ['blockDemandFlag', 2, 1],
  ['slidingDemandFlag', 3, 1],
  ['thermalDemandFlag', 4, 1],
  ['set1PresentFlag', 5, 1],
  ['set2PresentFlag', 6, 1],
] as const;

/** ST11 ACT_SOURCES_LIM_TBL (same layout as ST10 DIM_SOURCES_LIM_TBL). */
export interface ActSourcesLimTbl {
  readonly type: 'ACT_SOURCES_LIM_TBL';
  readonly sourceFlags: BitRecord<typeof SOURCE_FLAGS>;
  readonly nbrUomEntries: number;
  readonly nbrDemandCtrlEntries: number;
  readonly dataCtrlLength: number;
  readonly nbrDataCtrlEntries: number;
  readonly nbrConstantsEntries: number;
  readonly constantsSelector: number;
  readonly nbrSources: number;
}

/** Decodes ST11. */
export function decodeActSourcesLimTbl(bytes: Uint8Array, ctx: TableContext, offset = 0): ActSourcesLimTbl {
  const r = new TableReader(bytes, ctx, 'st11', offset);
  const t: ActSourcesLimTbl = {
    type: 'ACT_SOURCES_LIM_TBL',
    sourceFlags: r.bits(1, SOURCE_FLAGS, 'source-flags'),
    nbrUomEntries: r.u8('nbr-uom-entries'),
    nbrDemandCtrlEntries: r.u8('nbr-demand-ctrl-entries'),
    dataCtrlLength: r.u8('data-ctrl-length'),
    nbrDataCtrlEntries: r.u8('nbr-data-ctrl-entries'),
    nbrConstantsEntries: r.u8('nbr-constants-entries'),
    constantsSelector: r.u8('constants-selector'),
    nbrSources: r.u8('nbr-sources'),
  };
  r.end();
  return t;
}

/** Encodes ST11. */
export function encodeActSourcesLimTbl(t: ActSourcesLimTbl, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st11', 8);
  w.bits(t.sourceFlags, 1, SOURCE_FLAGS, 'source-flags').u8(t.nbrUomEntries, 'nbr-uom-entries');
  w.u8(t.nbrDemandCtrlEntries, 'nbr-demand-ctrl-entries').u8(t.dataCtrlLength, 'data-ctrl-length');
  w.u8(t.nbrDataCtrlEntries, 'nbr-data-ctrl-entries').u8(t.nbrConstantsEntries, 'nbr-constants-entries');
  w.u8(t.constantsSelector, 'constants-selector').u8(t.nbrSources, 'nbr-sources');
  return w.finish();
}

/** UOM_ENTRY_BFLD (UINT32): the unit of measure of one source (§9.2.3). */
export const UOM_ENTRY_BFLD = [
  ['idCode', 0, 8],
  ['timeBase', 8, 3],
  ['multiplier', 11, 3],
  ['q1Accountability', 14, 1],
  ['q2Accountability', 15, 1],
  ['q3Accountability', 16, 1],
  ['q4Accountability', 17, 1],
  ['netFlowAccountability', 18, 1],
  ['segmentation', 19, 3],
  ['harmonic', 22, 1],
  ['nfs', 31, 1],
] as const;

/** ST12 UOM_ENTRY_TBL. */
export interface UomEntryTbl {
  readonly type: 'UOM_ENTRY_TBL';
  readonly uomEntry: readonly BitRecord<typeof UOM_ENTRY_BFLD>[];
}

/** Decodes ST12 (NBR_UOM_ENTRIES from ST11). */
export function decodeUomEntryTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st11: ActSourcesLimTbl,
  offset = 0,
): UomEntryTbl {
  const r = new TableReader(bytes, ctx, 'st12', offset);
  r.need(st11.nbrUomEntries, 4, 'uom-entry');
  const uomEntry = [];
  for (let i = 0; i < st11.nbrUomEntries; i++) uomEntry.push(r.bits(4, UOM_ENTRY_BFLD, `uom-entry[${i}]`));
  r.end();
  return { type: 'UOM_ENTRY_TBL', uomEntry };
}

/** Encodes ST12. */
export function encodeUomEntryTbl(t: UomEntryTbl, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st12', 4 * t.uomEntry.length);
  for (const [i, e] of t.uomEntry.entries()) w.bits(e, 4, UOM_ENTRY_BFLD, `uom-entry[${i}]`);
  return w.finish();
}

/** One INTERVAL_VALUE of ST13: sub-interval and multiplier (sliding demand) or interval length. */
export type IntervalValue =
  | { readonly subInt: number; readonly intMultiplier: number }
  | { readonly intLength: number };

/** ST13 DEMAND_CONTROL_TBL. */
export interface DemandControlTbl {
  readonly type: 'DEMAND_CONTROL_TBL';
  /** RESET_EXCLUSION (when RESET_EXCLUDE_FLAG). */
  readonly resetExclusion?: number;
  /** P_FAIL_RECOGNTN_TM, P_FAIL_EXCLUSION, COLD_LOAD_PICKUP (when PF_EXCLUDE_FLAG). */
  readonly pFailRecogntnTm?: number;
  readonly pFailExclusion?: number;
  readonly coldLoadPickup?: number;
  readonly intervalValue: readonly IntervalValue[];
}

/** Decodes ST13 (flags and NBR_DEMAND_CTRL_ENTRIES from ST11). */
export function decodeDemandControlTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st11: ActSourcesLimTbl,
  offset = 0,
): DemandControlTbl {
  const r = new TableReader(bytes, ctx, 'st13', offset);
  const f = st11.sourceFlags;
  const resetExclusion = f.resetExcludeFlag ? r.u8('reset-exclusion') : undefined;
  const pf = f.pfExcludeFlag
    ? {
        pFailRecogntnTm: r.u8('p-fail-recogntn-tm'),
        pFailExclusion: r.u8('p-fail-exclusion'),
        coldLoadPickup: r.u8('cold-load-pickup'),
      }
    : {};
  r.need(st11.nbrDemandCtrlEntries, 2, 'interval-value');
  const intervalValue: IntervalValue[] = [];
  for (let i = 0; i < st11.nbrDemandCtrlEntries; i++)
    intervalValue.push(
      f.slidingDemandFlag
        ? {
            subInt: r.u8(`interval-value[${i}].sub-int`),
            intMultiplier: r.u8(`interval-value[${i}].int-multiplier`),
          }
        : { intLength: r.u16(`interval-value[${i}].int-length`) },
    );
  r.end();
  return {
    type: 'DEMAND_CONTROL_TBL',
    ...(resetExclusion === undefined ? {} : { resetExclusion }),
    ...pf,
    intervalValue,
  };
}

/** Encodes ST13. */
export function encodeDemandControlTbl(
  t: DemandControlTbl,
  ctx: TableContext,
  st11: ActSourcesLimTbl,
): Uint8Array {
  const w = new TableWriter(ctx, 'st13', 4 + 2 * t.intervalValue.length);
  const f = st11.sourceFlags;
  if (f.resetExcludeFlag) w.u8(t.resetExclusion ?? 0, 'reset-exclusion');
  if (f.pfExcludeFlag)
    w.u8(t.pFailRecogntnTm ?? 0, 'p-fail-recogntn-tm')
      .u8(t.pFailExclusion ?? 0, 'p-fail-exclusion')
      .u8(t.coldLoadPickup ?? 0, 'cold-load-pickup');
  t.intervalValue.forEach((v, i) => {
    if (f.slidingDemandFlag) {
      const s = v as { subInt?: number; intMultiplier?: number };
      w.u8(s.subInt ?? 0, `interval-value[${i}].sub-int`).u8(
        s.intMultiplier ?? 0,
        `interval-value[${i}].int-multiplier`,
      );
    } else w.u16((v as { intLength?: number }).intLength ?? 0, `interval-value[${i}].int-length`);
  });
  return w.finish();
}

/** ST14 DATA_CONTROL_TBL: SOURCE_ID entries of DATA_CTRL_LENGTH bytes (manufacturer defined). */
export interface DataControlTbl {
  readonly type: 'DATA_CONTROL_TBL';
  readonly sourceId: readonly Uint8Array[];
}

/** Decodes ST14. */
export function decodeDataControlTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st11: ActSourcesLimTbl,
  offset = 0,
): DataControlTbl {
  const r = new TableReader(bytes, ctx, 'st14', offset);
  r.need(st11.nbrDataCtrlEntries, st11.dataCtrlLength, 'source-id');
  const sourceId = [];
  for (let i = 0; i < st11.nbrDataCtrlEntries; i++)
    sourceId.push(r.bytes(st11.dataCtrlLength, `source-id[${i}]`));
  r.end();
  return { type: 'DATA_CONTROL_TBL', sourceId };
}

/** Encodes ST14. */
export function encodeDataControlTbl(
  t: DataControlTbl,
  ctx: TableContext,
  st11: ActSourcesLimTbl,
): Uint8Array {
  const w = new TableWriter(ctx, 'st14', 16);
  for (const [i, s] of t.sourceId.entries()) w.bytes(s, st11.dataCtrlLength, `source-id[${i}]`);
  return w.finish();
}

/** ELECTRIC_CONSTANTS_RCD of ST15 (CONSTANTS_SELECTOR 2). */
export interface ElectricConstants {
  readonly multiplier: NiValue;
  readonly offset: NiValue;
  /** SET1_CONSTANTS (when SET1_PRESENT_FLAG): RATIO_F1, RATIO_P1. */
  readonly set1Constants?: { readonly ratioF1: NiValue; readonly ratioP1: NiValue };
  /** SET2_CONSTANTS (when SET2_PRESENT_FLAG): RATIO_F2, RATIO_P2. */
  readonly set2Constants?: { readonly ratioF2: NiValue; readonly ratioP2: NiValue };
}

/** ST15 CONSTANTS_TBL: electric constants decoded; other selectors kept as bytes. */
export type ConstantsTbl =
  | {
      readonly type: 'CONSTANTS_TBL';
      readonly constantsSelector: 2;
      readonly electricConstants: readonly ElectricConstants[];
    }
  | { readonly type: 'CONSTANTS_TBL'; readonly constantsSelector: number; readonly data: Uint8Array };

/** Decodes ST15 (CONSTANTS_SELECTOR, NBR_CONSTANTS_ENTRIES, SET flags from ST11). */
export function decodeConstantsTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st11: ActSourcesLimTbl,
  offset = 0,
): ConstantsTbl {
  const r = new TableReader(bytes, ctx, 'st15', offset);
  if (st11.constantsSelector !== 2)
    return { type: 'CONSTANTS_TBL', constantsSelector: st11.constantsSelector, data: r.rest() };
  const f = st11.sourceFlags;
  const n1 = niSize(ctx.niFormat1, 'st15');
  r.need(
    st11.nbrConstantsEntries,
    n1 * (2 + (f.set1PresentFlag ? 2 : 0) + (f.set2PresentFlag ? 2 : 0)),
    'selection',
  );
  const electricConstants: ElectricConstants[] = [];
  for (let i = 0; i < st11.nbrConstantsEntries; i++) {
    const p = `selection[${i}]`;
    const multiplier = r.ni1(`${p}.multiplier`);
    const off = r.ni1(`${p}.offset`);
    const s1 = f.set1PresentFlag
      ? { set1Constants: { ratioF1: r.ni1(`${p}.ratio-f1`), ratioP1: r.ni1(`${p}.ratio-p1`) } }
      : {};
    const s2 = f.set2PresentFlag
      ? { set2Constants: { ratioF2: r.ni1(`${p}.ratio-f2`), ratioP2: r.ni1(`${p}.ratio-p2`) } }
      : {};
    electricConstants.push({ multiplier, offset: off, ...s1, ...s2 });
  }
  r.end();
  return { type: 'CONSTANTS_TBL', constantsSelector: 2, electricConstants };
}

/** Encodes ST15. */
export function encodeConstantsTbl(t: ConstantsTbl, ctx: TableContext, st11: ActSourcesLimTbl): Uint8Array {
  const w = new TableWriter(ctx, 'st15', 64);
  if ('data' in t) return w.raw(t.data).finish();
  const f = st11.sourceFlags;
  t.electricConstants.forEach((c, i) => {
    const p = `selection[${i}]`;
    w.ni1(c.multiplier, `${p}.multiplier`).ni1(c.offset, `${p}.offset`);
    if (f.set1PresentFlag)
      w.ni1(c.set1Constants?.ratioF1 ?? 0, `${p}.ratio-f1`).ni1(
        c.set1Constants?.ratioP1 ?? 0,
        `${p}.ratio-p1`,
      );
    if (f.set2PresentFlag)
      w.ni1(c.set2Constants?.ratioF2 ?? 0, `${p}.ratio-f2`).ni1(
        c.set2Constants?.ratioP2 ?? 0,
        `${p}.ratio-p2`,
      );
  });
  return w.finish();
}

/** SOURCE_LINK_BFLD of ST16. */
export const SOURCE_LINK_BFLD = [
  ['uomEntryFlag', 0, 1],
  ['demandCtrlFlag', 1, 1],
  ['dataCtrlFlag', 2, 1],
  ['constantsFlag', 3, 1],
  ['pulseEngrFlag', 4, 1],
  ['constantToBeApplied', 5, 1],
] as const;

/** ST16 SOURCE_DEFINITION_TBL. */
export interface SourceDefinitionTbl {
  readonly type: 'SOURCE_DEFINITION_TBL';
  readonly sourceLink: readonly BitRecord<typeof SOURCE_LINK_BFLD>[];
}

/** Decodes ST16 (NBR_SOURCES from ST11). */
export function decodeSourceDefinitionTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st11: ActSourcesLimTbl,
  offset = 0,
): SourceDefinitionTbl {
  const r = new TableReader(bytes, ctx, 'st16', offset);
  r.need(st11.nbrSources, 1, 'source-link');
  const sourceLink = [];
  for (let i = 0; i < st11.nbrSources; i++) sourceLink.push(r.bits(1, SOURCE_LINK_BFLD, `source-link[${i}]`));
  r.end();
  return { type: 'SOURCE_DEFINITION_TBL', sourceLink };
}

/** Encodes ST16. */
export function encodeSourceDefinitionTbl(t: SourceDefinitionTbl, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st16', t.sourceLink.length);
  for (const [i, s] of t.sourceLink.entries()) w.bits(s, 1, SOURCE_LINK_BFLD, `source-link[${i}]`);
  return w.finish();
}
