/**
 * Decade 2 register tables, ANSI C12.19-2008 §9.3: ST21 ACT_REGS_TBL (§9.3.2), ST22
 * DATA_SELECTION_TBL (§9.3.3), ST23 CURRENT_REG_DATA_TBL (§9.3.4), ST24 PREV_SEASON_DATA_TBL,
 * ST25 PREV_DEMAND_RESET_DATA_TBL, ST26 SELF_READ_DATA_TBL, ST27 PRESENT_REGISTER_SELECT_TBL and
 * ST28 PRESENT_REGISTER_DATA_TBL. ST21's counts and flags dimension every other table here.
 */
import {
  type BitRecord,
  LIST_FLAGS,
  type NiValue,
  niSize,
  TableReader,
  TableWriter,
  type TimeDate,
  type TimeOfDay,
  timeSizes,
} from './codec.js';
import type { TableContext } from './context.js';

const REG_FUNC1 = [
  ['seasonInfoFieldFlag', 0, 1],
  ['dateTimeFieldFlag', 1, 1],
  ['demandResetCtrFlag', 2, 1],
  ['demandResetLockFlag', 3, 1],
  ['cumDemandFlag', 4, 1],
  ['contCumDemandFlag', 5, 1],
  ['timeRemainingFlag', 6, 1],
] as const;
const REG_FUNC2 = [
  ['selfReadInhibitOverflowFlag', 0, 1],
  ['selfReadSeqNbrFlag', 1, 1],
  ['dailySelfReadFlag', 2, 1],
  ['weeklySelfReadFlag', 3, 1],
  ['selfReadDemandReset', 4, 2],
] as const;

/** ST21 ACT_REGS_TBL (same layout as ST20 DIM_REGS_TBL). */
export interface ActRegsTbl {
  readonly type: 'ACT_REGS_TBL';
  readonly regFunc1Flags: BitRecord<typeof REG_FUNC1>;
  readonly regFunc2Flags: BitRecord<typeof REG_FUNC2>;
  readonly nbrSelfReads: number;
  readonly nbrSummations: number;
  readonly nbrDemands: number;
  readonly nbrCoinValues: number;
  readonly nbrOccur: number;
  readonly nbrTiers: number;
  readonly nbrPresentDemands: number;
  readonly nbrPresentValues: number;
}

/** Decodes ST21. */
export function decodeActRegsTbl(bytes: Uint8Array, ctx: TableContext, offset = 0): ActRegsTbl {
  const r = new TableReader(bytes, ctx, 'st21', offset);
  const t: ActRegsTbl = {
    type: 'ACT_REGS_TBL',
    regFunc1Flags: r.bits(1, REG_FUNC1, 'reg-func1-flags'),
    regFunc2Flags: r.bits(1, REG_FUNC2, 'reg-func2-flags'),
    nbrSelfReads: r.u8('nbr-self-reads'),
    nbrSummations: r.u8('nbr-summations'),
    nbrDemands: r.u8('nbr-demands'),
    nbrCoinValues: r.u8('nbr-coin-values'),
    nbrOccur: r.u8('nbr-occur'),
    nbrTiers: r.u8('nbr-tiers'),
    nbrPresentDemands: r.u8('nbr-present-demands'),
    nbrPresentValues: r.u8('nbr-present-values'),
  };
  r.end();
  return t;
}

/** Encodes ST21. */
export function encodeActRegsTbl(t: ActRegsTbl, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st21', 10);
  w.bits(t.regFunc1Flags, 1, REG_FUNC1, 'reg-func1-flags').bits(
    t.regFunc2Flags,
    1,
    REG_FUNC2,
    'reg-func2-flags',
  );
  w.u8(t.nbrSelfReads, 'nbr-self-reads')
    .u8(t.nbrSummations, 'nbr-summations')
    .u8(t.nbrDemands, 'nbr-demands');
  w.u8(t.nbrCoinValues, 'nbr-coin-values').u8(t.nbrOccur, 'nbr-occur').u8(t.nbrTiers, 'nbr-tiers');
  w.u8(t.nbrPresentDemands, 'nbr-present-demands').u8(t.nbrPresentValues, 'nbr-present-values');
  return w.finish();
}

/** ST22 DATA_SELECTION_TBL. */
export interface DataSelectionTbl {
  readonly type: 'DATA_SELECTION_TBL';
  readonly summationSelect: readonly number[];
  readonly demandSelect: readonly number[];
  /** MIN_OR_MAX_FLAGS: demand indexes flagged as minimum (set) rather than maximum. */
  readonly minOrMaxFlags: readonly number[];
  readonly coincidentSelect: readonly number[];
  readonly coinDemandAssoc: readonly number[];
}

function u8s(r: TableReader, n: number, f: string): number[] {
  r.need(n, 1, f);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.u8(`${f}[${i}]`));
  return out;
}

function putU8s(w: TableWriter, v: readonly number[], n: number, f: string): void {
  for (let i = 0; i < n; i++) w.u8(v[i] ?? 0xff, `${f}[${i}]`);
}

/** Decodes ST22 (counts from ST21). */
export function decodeDataSelectionTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st21: ActRegsTbl,
  offset = 0,
): DataSelectionTbl {
  const r = new TableReader(bytes, ctx, 'st22', offset);
  const t: DataSelectionTbl = {
    type: 'DATA_SELECTION_TBL',
    summationSelect: u8s(r, st21.nbrSummations, 'summation-select'),
    demandSelect: u8s(r, st21.nbrDemands, 'demand-select'),
    minOrMaxFlags: r.set(Math.ceil(st21.nbrDemands / 8), 'min-or-max-flags'),
    coincidentSelect: u8s(r, st21.nbrCoinValues, 'coincident-select'),
    coinDemandAssoc: u8s(r, st21.nbrCoinValues, 'coin-demand-assoc'),
  };
  r.end();
  return t;
}

/** Encodes ST22. */
export function encodeDataSelectionTbl(t: DataSelectionTbl, ctx: TableContext, st21: ActRegsTbl): Uint8Array {
  const w = new TableWriter(ctx, 'st22', 32);
  putU8s(w, t.summationSelect, st21.nbrSummations, 'summation-select');
  putU8s(w, t.demandSelect, st21.nbrDemands, 'demand-select');
  w.set(t.minOrMaxFlags, Math.ceil(st21.nbrDemands / 8), 'min-or-max-flags');
  putU8s(w, t.coincidentSelect, st21.nbrCoinValues, 'coincident-select');
  putU8s(w, t.coinDemandAssoc, st21.nbrCoinValues, 'coin-demand-assoc');
  return w.finish();
}

/** DEMANDS_RCD. */
export interface DemandsRcd {
  /** EVENT_TIME[NBR_OCCUR] (when DATE_TIME_FIELD_FLAG). */
  readonly eventTime?: readonly (TimeDate | undefined)[];
  /** CUM_DEMAND (when CUM_DEMAND_FLAG). */
  readonly cumDemand?: NiValue;
  /** CONT_CUM_DEMAND (when CONT_CUM_DEMAND_FLAG). */
  readonly contCumDemand?: NiValue;
  readonly demand: readonly NiValue[];
}

/** DATA_BLK_RCD: summations, demands, coincident values. */
export interface DataBlkRcd {
  readonly summations: readonly NiValue[];
  readonly demands: readonly DemandsRcd[];
  /** COINCIDENTS: COINCIDENT_VALUES[NBR_OCCUR] per coincident value. */
  readonly coincidents: readonly (readonly NiValue[])[];
}

/** REGISTER_DATA_RCD: the content of ST23 (and the register part of ST24–26). */
export interface RegisterDataRcd {
  /** NBR_DEMAND_RESETS (when DEMAND_RESET_CTR_FLAG). */
  readonly nbrDemandResets?: number;
  readonly totDataBlock: DataBlkRcd;
  readonly tierDataBlock: readonly DataBlkRcd[];
}

/** The size of DATA_BLK_RCD in bytes under `ctx` and ST21. */
export function dataBlkSize(ctx: TableContext, st21: ActRegsTbl): number {
  const f = st21.regFunc1Flags;
  const n1 = niSize(ctx.niFormat1);
  const n2 = niSize(ctx.niFormat2);
  const demand =
    (f.dateTimeFieldFlag ? st21.nbrOccur * timeSizes(ctx).stime : 0) +
    (f.cumDemandFlag ? n1 : 0) +
    (f.contCumDemandFlag ? n1 : 0) +
    st21.nbrOccur * n2;
  return st21.nbrSummations * n1 + st21.nbrDemands * demand + st21.nbrCoinValues * st21.nbrOccur * n2;
}

function readBlk(r: TableReader, st21: ActRegsTbl, p: string): DataBlkRcd {
  const f = st21.regFunc1Flags;
  const summations: NiValue[] = [];
  for (let i = 0; i < st21.nbrSummations; i++) summations.push(r.ni1(`${p}.summations[${i}]`));
  const demands: DemandsRcd[] = [];
  for (let i = 0; i < st21.nbrDemands; i++) {
    const q = `${p}.demands[${i}]`;
    let eventTime: (TimeDate | undefined)[] | undefined;
    if (f.dateTimeFieldFlag) {
      eventTime = [];
      for (let k = 0; k < st21.nbrOccur; k++) eventTime.push(r.stime(`${q}.event-time[${k}]`));
    }
    const cumDemand = f.cumDemandFlag ? r.ni1(`${q}.cum-demand`) : undefined;
    const contCumDemand = f.contCumDemandFlag ? r.ni1(`${q}.cont-cum-demand`) : undefined;
    const demand: NiValue[] = [];
    for (let k = 0; k < st21.nbrOccur; k++) demand.push(r.ni2(`${q}.demand[${k}]`));
    demands.push({
      ...(eventTime === undefined ? {} : { eventTime }),
      ...(cumDemand === undefined ? {} : { cumDemand }),
      ...(contCumDemand === undefined ? {} : { contCumDemand }),
      demand,
    });
  }
  const coincidents: NiValue[][] = [];
  for (let i = 0; i < st21.nbrCoinValues; i++) {
    const c: NiValue[] = [];
    for (let k = 0; k < st21.nbrOccur; k++) c.push(r.ni2(`${p}.coincidents[${i}][${k}]`));
    coincidents.push(c);
  }
  return { summations, demands, coincidents };
}

function writeBlk(w: TableWriter, b: DataBlkRcd, st21: ActRegsTbl, p: string): void {
  const f = st21.regFunc1Flags;
  for (let i = 0; i < st21.nbrSummations; i++) w.ni1(b.summations[i] ?? 0, `${p}.summations[${i}]`);
  for (let i = 0; i < st21.nbrDemands; i++) {
    const q = `${p}.demands[${i}]`;
    const d = b.demands[i];
    if (f.dateTimeFieldFlag)
      for (let k = 0; k < st21.nbrOccur; k++) w.stime(d?.eventTime?.[k], `${q}.event-time[${k}]`);
    if (f.cumDemandFlag) w.ni1(d?.cumDemand ?? 0, `${q}.cum-demand`);
    if (f.contCumDemandFlag) w.ni1(d?.contCumDemand ?? 0, `${q}.cont-cum-demand`);
    for (let k = 0; k < st21.nbrOccur; k++) w.ni2(d?.demand[k] ?? 0, `${q}.demand[${k}]`);
  }
  for (let i = 0; i < st21.nbrCoinValues; i++)
    for (let k = 0; k < st21.nbrOccur; k++) w.ni2(b.coincidents[i]?.[k] ?? 0, `${p}.coincidents[${i}][${k}]`);
}

function registerDataSize(ctx: TableContext, st21: ActRegsTbl): number {
  return (st21.regFunc1Flags.demandResetCtrFlag ? 1 : 0) + (1 + st21.nbrTiers) * dataBlkSize(ctx, st21);
}

function readRegisterData(r: TableReader, st21: ActRegsTbl, p: string): RegisterDataRcd {
  const nbrDemandResets = st21.regFunc1Flags.demandResetCtrFlag ? r.u8(`${p}nbr-demand-resets`) : undefined;
  const totDataBlock = readBlk(r, st21, `${p}tot-data-block`);
  const tierDataBlock: DataBlkRcd[] = [];
  for (let i = 0; i < st21.nbrTiers; i++) tierDataBlock.push(readBlk(r, st21, `${p}tier-data-block[${i}]`));
  return { ...(nbrDemandResets === undefined ? {} : { nbrDemandResets }), totDataBlock, tierDataBlock };
}

const EMPTY_BLK: DataBlkRcd = { summations: [], demands: [], coincidents: [] };

function writeRegisterData(w: TableWriter, d: RegisterDataRcd, st21: ActRegsTbl, p: string): void {
  if (st21.regFunc1Flags.demandResetCtrFlag) w.u8(d.nbrDemandResets ?? 0, `${p}nbr-demand-resets`);
  writeBlk(w, d.totDataBlock, st21, `${p}tot-data-block`);
  for (let i = 0; i < st21.nbrTiers; i++)
    writeBlk(w, d.tierDataBlock[i] ?? EMPTY_BLK, st21, `${p}tier-data-block[${i}]`);
}

/** ST23 CURRENT_REG_DATA_TBL. */
export interface CurrentRegDataTbl extends RegisterDataRcd {
  readonly type: 'CURRENT_REG_DATA_TBL';
}

/** Decodes ST23 (dimensions from ST21, formats from the context). */
export function decodeCurrentRegDataTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st21: ActRegsTbl,
  offset = 0,
): CurrentRegDataTbl {
  const r = new TableReader(bytes, ctx, 'st23', offset);
  r.need(1, registerDataSize(ctx, st21), 'register-data');
  const t: CurrentRegDataTbl = { type: 'CURRENT_REG_DATA_TBL', ...readRegisterData(r, st21, '') };
  r.end();
  return t;
}

/** Encodes ST23. */
export function encodeCurrentRegDataTbl(t: RegisterDataRcd, ctx: TableContext, st21: ActRegsTbl): Uint8Array {
  const w = new TableWriter(ctx, 'st23', registerDataSize(ctx, st21));
  writeRegisterData(w, t, st21, '');
  return w.finish();
}

/** ST24 PREV_SEASON_DATA_TBL / ST25 PREV_DEMAND_RESET_DATA_TBL. */
export interface PrevRegDataTbl {
  readonly type: 'PREV_SEASON_DATA_TBL' | 'PREV_DEMAND_RESET_DATA_TBL';
  /** END_DATE_TIME (when DATE_TIME_FIELD_FLAG). */
  readonly endDateTime?: TimeDate | undefined;
  /** SEASON (when SEASON_INFO_FIELD_FLAG). */
  readonly season?: number;
  readonly registerData: RegisterDataRcd;
}

/** Decodes ST24 (`table` 24) or ST25 (`table` 25). */
export function decodePrevRegDataTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st21: ActRegsTbl,
  table: 24 | 25,
  offset = 0,
): PrevRegDataTbl {
  const r = new TableReader(bytes, ctx, `st${table}`, offset);
  const f = st21.regFunc1Flags;
  const endDateTime = f.dateTimeFieldFlag ? { endDateTime: r.stime('end-date-time') } : {};
  const season = f.seasonInfoFieldFlag ? { season: r.u8('season') } : {};
  r.need(1, registerDataSize(ctx, st21), 'register-data');
  const registerData = readRegisterData(r, st21, 'register-data.');
  r.end();
  return {
    type: table === 24 ? 'PREV_SEASON_DATA_TBL' : 'PREV_DEMAND_RESET_DATA_TBL',
    ...endDateTime,
    ...season,
    registerData,
  };
}

/** Encodes ST24 / ST25. */
export function encodePrevRegDataTbl(t: PrevRegDataTbl, ctx: TableContext, st21: ActRegsTbl): Uint8Array {
  const w = new TableWriter(ctx, t.type === 'PREV_SEASON_DATA_TBL' ? 'st24' : 'st25', 64);
  const f = st21.regFunc1Flags;
  if (f.dateTimeFieldFlag) w.stime(t.endDateTime, 'end-date-time');
  if (f.seasonInfoFieldFlag) w.u8(t.season ?? 0, 'season');
  writeRegisterData(w, t.registerData, st21, 'register-data.');
  return w.finish();
}

/** SELF_READ_DATA_RCD. */
export interface SelfReadDataRcd {
  readonly selfReadSeqNbr?: number;
  readonly endDateTime?: TimeDate | undefined;
  readonly season?: number;
  readonly selfReadRegisterData: RegisterDataRcd;
}

/** ST26 SELF_READ_DATA_TBL. */
export interface SelfReadDataTbl {
  readonly type: 'SELF_READ_DATA_TBL';
  readonly listStatus: {
    readonly selfReadFlags: BitRecord<typeof LIST_FLAGS>;
    readonly nbrValidEntries: number;
    readonly lastEntryElement: number;
    readonly lastEntrySeqNumber: number;
    readonly nbrUnreadEntries: number;
  };
  readonly selfReadEntries: readonly SelfReadDataRcd[];
}

/** Decodes ST26 (NBR_SELF_READS entries). */
export function decodeSelfReadDataTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st21: ActRegsTbl,
  offset = 0,
): SelfReadDataTbl {
  const r = new TableReader(bytes, ctx, 'st26', offset);
  const listStatus = {
    selfReadFlags: r.bits(1, LIST_FLAGS, 'self-read-flags'),
    nbrValidEntries: r.u8('nbr-valid-entries'),
    lastEntryElement: r.u8('last-entry-element'),
    lastEntrySeqNumber: r.u16('last-entry-seq-number'),
    nbrUnreadEntries: r.u8('nbr-unread-entries'),
  };
  const f = st21.regFunc1Flags;
  const g = st21.regFunc2Flags;
  const entrySize =
    (g.selfReadSeqNbrFlag ? 2 : 0) +
    (f.dateTimeFieldFlag ? timeSizes(ctx).stime : 0) +
    (f.seasonInfoFieldFlag ? 1 : 0) +
    registerDataSize(ctx, st21);
  r.need(st21.nbrSelfReads, entrySize, 'self-read-entries');
  const selfReadEntries: SelfReadDataRcd[] = [];
  for (let i = 0; i < st21.nbrSelfReads; i++) {
    const p = `self-read-entries[${i}]`;
    const seq = g.selfReadSeqNbrFlag ? { selfReadSeqNbr: r.u16(`${p}.self-read-seq-nbr`) } : {};
    const end = f.dateTimeFieldFlag ? { endDateTime: r.stime(`${p}.end-date-time`) } : {};
    const season = f.seasonInfoFieldFlag ? { season: r.u8(`${p}.season`) } : {};
    selfReadEntries.push({
      ...seq,
      ...end,
      ...season,
      selfReadRegisterData: readRegisterData(r, st21, `${p}.`),
    });
  }
  r.end();
  return { type: 'SELF_READ_DATA_TBL', listStatus, selfReadEntries };
}

/** Encodes ST26. */
export function encodeSelfReadDataTbl(t: SelfReadDataTbl, ctx: TableContext, st21: ActRegsTbl): Uint8Array {
  const w = new TableWriter(ctx, 'st26', 128);
  const s = t.listStatus;
  w.bits(s.selfReadFlags, 1, LIST_FLAGS, 'self-read-flags').u8(s.nbrValidEntries, 'nbr-valid-entries');
  w.u8(s.lastEntryElement, 'last-entry-element').u16(s.lastEntrySeqNumber, 'last-entry-seq-number');
  w.u8(s.nbrUnreadEntries, 'nbr-unread-entries');
  const f = st21.regFunc1Flags;
  for (let i = 0; i < st21.nbrSelfReads; i++) {
    const p = `self-read-entries[${i}]`;
    const e = t.selfReadEntries[i];
    if (st21.regFunc2Flags.selfReadSeqNbrFlag) w.u16(e?.selfReadSeqNbr ?? 0, `${p}.self-read-seq-nbr`);
    if (f.dateTimeFieldFlag) w.stime(e?.endDateTime, `${p}.end-date-time`);
    if (f.seasonInfoFieldFlag) w.u8(e?.season ?? 0, `${p}.season`);
    writeRegisterData(
      w,
      e?.selfReadRegisterData ?? { totDataBlock: EMPTY_BLK, tierDataBlock: [] },
      st21,
      `${p}.`,
    );
  }
  return w.finish();
}

/** ST27 PRESENT_REGISTER_SELECT_TBL. */
export interface PresentRegisterSelectTbl {
  readonly type: 'PRESENT_REGISTER_SELECT_TBL';
  readonly presentDemandSelect: readonly number[];
  readonly presentValueSelect: readonly number[];
}

/** Decodes ST27. */
export function decodePresentRegisterSelectTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st21: ActRegsTbl,
  offset = 0,
): PresentRegisterSelectTbl {
  const r = new TableReader(bytes, ctx, 'st27', offset);
  const t: PresentRegisterSelectTbl = {
    type: 'PRESENT_REGISTER_SELECT_TBL',
    presentDemandSelect: u8s(r, st21.nbrPresentDemands, 'present-demand-select'),
    presentValueSelect: u8s(r, st21.nbrPresentValues, 'present-value-select'),
  };
  r.end();
  return t;
}

/** Encodes ST27. */
export function encodePresentRegisterSelectTbl(
  t: PresentRegisterSelectTbl,
  ctx: TableContext,
  st21: ActRegsTbl,
): Uint8Array {
  const w = new TableWriter(ctx, 'st27', 16);
  putU8s(w, t.presentDemandSelect, st21.nbrPresentDemands, 'present-demand-select');
  putU8s(w, t.presentValueSelect, st21.nbrPresentValues, 'present-value-select');
  return w.finish();
}

/** PRESENT_DEMAND_RCD. */
export interface PresentDemandRcd {
  /** TIME_REMAINING (when TIME_REMAINING_FLAG). */
  readonly timeRemaining?: TimeOfDay | undefined;
  readonly demandValue: NiValue;
}

/** ST28 PRESENT_REGISTER_DATA_TBL. */
export interface PresentRegisterDataTbl {
  readonly type: 'PRESENT_REGISTER_DATA_TBL';
  readonly presentDemand: readonly PresentDemandRcd[];
  readonly presentValue: readonly NiValue[];
}

/** Decodes ST28. */
export function decodePresentRegisterDataTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st21: ActRegsTbl,
  offset = 0,
): PresentRegisterDataTbl {
  const r = new TableReader(bytes, ctx, 'st28', offset);
  const tr = st21.regFunc1Flags.timeRemainingFlag;
  r.need(st21.nbrPresentDemands, (tr ? timeSizes(ctx).time : 0) + niSize(ctx.niFormat2), 'present-demand');
  const presentDemand: PresentDemandRcd[] = [];
  for (let i = 0; i < st21.nbrPresentDemands; i++) {
    const p = `present-demand[${i}]`;
    const timeRemaining = tr ? { timeRemaining: r.time(`${p}.time-remaining`) } : {};
    presentDemand.push({ ...timeRemaining, demandValue: r.ni2(`${p}.demand-value`) });
  }
  r.need(st21.nbrPresentValues, niSize(ctx.niFormat1), 'present-value');
  const presentValue: NiValue[] = [];
  for (let i = 0; i < st21.nbrPresentValues; i++) presentValue.push(r.ni1(`present-value[${i}]`));
  r.end();
  return { type: 'PRESENT_REGISTER_DATA_TBL', presentDemand, presentValue };
}

/** Encodes ST28. */
export function encodePresentRegisterDataTbl(
  t: PresentRegisterDataTbl,
  ctx: TableContext,
  st21: ActRegsTbl,
): Uint8Array {
  const w = new TableWriter(ctx, 'st28', 64);
  for (let i = 0; i < st21.nbrPresentDemands; i++) {
    const d = t.presentDemand[i];
    if (st21.regFunc1Flags.timeRemainingFlag) w.time(d?.timeRemaining, `present-demand[${i}].time-remaining`);
    w.ni2(d?.demandValue ?? 0, `present-demand[${i}].demand-value`);
  }
  for (let i = 0; i < st21.nbrPresentValues; i++) w.ni1(t.presentValue[i] ?? 0, `present-value[${i}]`);
  return w.finish();
}
