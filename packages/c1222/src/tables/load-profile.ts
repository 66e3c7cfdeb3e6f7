/**
 * Decade 6 load profile tables, ANSI C12.19-2008 §9.7: ST61 ACT_LP_TBL (§9.7.2), ST62
 * LP_CTRL_TBL (§9.7.3), ST63 LP_STATUS_TBL (§9.7.4) and ST64–ST67 LP_DATA_SETn_TBL (§9.7.5) with
 * their blocks, intervals, simple and extended interval status. A data set n is present when ST0
 * STD_TBLS_USED contains table 63 + n; ST61 dimensions ST62–ST67.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import {
  type BitRecord,
  type NiValue,
  niSize,
  TableReader,
  TableWriter,
  type TimeDate,
  timeSizes,
} from './codec.js';
import type { TableContext } from './context.js';

const LP_FLAGS = [
  ['lpSet1InhibitOvfFlag', 0, 1],
  ['lpSet2InhibitOvfFlag', 1, 1],
  ['lpSet3InhibitOvfFlag', 2, 1],
  ['lpSet4InhibitOvfFlag', 3, 1],
  ['blkEndReadFlag', 4, 1],
  ['blkEndPulseFlag', 5, 1],
  ['scalarDivisorFlagSet1', 6, 1],
  ['scalarDivisorFlagSet2', 7, 1],
  ['scalarDivisorFlagSet3', 8, 1],
  ['scalarDivisorFlagSet4', 9, 1],
  ['extendedIntStatusFlag', 10, 1],
  ['simpleIntStatusFlag', 11, 1],
  ['blkEndRdIndicatorFlag', 12, 1],
] as const;
const LP_FMATS = [
  ['invUint8Flag', 0, 1],
  ['invUint16Flag', 1, 1],
  ['invUint32Flag', 2, 1],
  ['invInt8Flag', 3, 1],
  ['invInt16Flag', 4, 1],
  ['invInt32Flag', 5, 1],
  ['invNiFmat1Flag', 6, 1],
  ['invNiFmat2Flag', 7, 1],
] as const;

/** Dimensions of one load profile data set in ST61. */
export interface LpSetDims {
  readonly nbrBlks: number;
  readonly nbrBlkInts: number;
  readonly nbrChns: number;
  readonly maxIntTime: number;
}

/** ST61 ACT_LP_TBL (same layout as ST60 DIM_LP_TBL). `sets[n-1]` is data set n, undefined when absent. */
export interface ActLpTbl {
  readonly type: 'ACT_LP_TBL';
  readonly lpMemoryLen: number;
  readonly lpFlags: BitRecord<typeof LP_FLAGS>;
  readonly lpFmats: BitRecord<typeof LP_FMATS>;
  readonly sets: readonly (LpSetDims | undefined)[];
}

function present(ctx: TableContext, n: number): boolean {
  return ctx.stdTblsUsed.has(63 + n);
}

/** Decodes ST61 (set presence from ST0 STD_TBLS_USED via the context). */
export function decodeActLpTbl(bytes: Uint8Array, ctx: TableContext, offset = 0): ActLpTbl {
  const r = new TableReader(bytes, ctx, 'st61', offset);
  const lpMemoryLen = r.u32('lp-memory-len');
  const lpFlags = r.bits(2, LP_FLAGS, 'lp-flags');
  const lpFmats = r.bits(1, LP_FMATS, 'lp-fmats');
  const sets: (LpSetDims | undefined)[] = [];
  for (let n = 1; n <= 4; n++)
    sets.push(
      present(ctx, n)
        ? {
            nbrBlks: r.u16(`nbr-blks-set${n}`),
            nbrBlkInts: r.u16(`nbr-blk-ints-set${n}`),
            nbrChns: r.u8(`nbr-chns-set${n}`),
            maxIntTime: r.u8(`max-int-time-set${n}`),
          }
        : undefined,
    );
  r.end();
  return { type: 'ACT_LP_TBL', lpMemoryLen, lpFlags, lpFmats, sets };
}

/** Encodes ST61. */
export function encodeActLpTbl(t: ActLpTbl, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st61', 31);
  w.u32(t.lpMemoryLen, 'lp-memory-len')
    .bits(t.lpFlags, 2, LP_FLAGS, 'lp-flags')
    .bits(t.lpFmats, 1, LP_FMATS, 'lp-fmats');
  for (let n = 1; n <= 4; n++) {
    if (!present(ctx, n)) continue;
    const s = t.sets[n - 1];
    if (s === undefined)
      throw new MeterkitError(ErrorCode.EncodeFailed, `data set ${n} is in use`, { path: `st61.set${n}` });
    w.u16(s.nbrBlks, `nbr-blks-set${n}`).u16(s.nbrBlkInts, `nbr-blk-ints-set${n}`);
    w.u8(s.nbrChns, `nbr-chns-set${n}`).u8(s.maxIntTime, `max-int-time-set${n}`);
  }
  return w.finish();
}

/** LP_SEL_RCD of ST62. */
export interface LpSelRcd {
  /** CHNL_FLAG.END_RDG_FLAG: the channel has an end reading. */
  readonly endRdgFlag: boolean;
  readonly lpSourceSelect: number;
  readonly endBlkRdgSourceSelect: number;
}

/** One data set's control in ST62. */
export interface LpCtrlSet {
  readonly lpSel: readonly LpSelRcd[];
  /** INT_FMT_CDE: 1 UINT8, 2 UINT16, 4 UINT32, 8 INT8, 16 INT16, 32 INT32, 64 NI_FMAT1, 128 NI_FMAT2. */
  readonly intFmtCde: number;
  /** SCALARS_SET and DIVISOR_SET (when SCALAR_DIVISOR_FLAG_SETn). */
  readonly scalars?: readonly number[];
  readonly divisor?: readonly number[];
}

/** ST62 LP_CTRL_TBL. */
export interface LpCtrlTbl {
  readonly type: 'LP_CTRL_TBL';
  readonly sets: readonly (LpCtrlSet | undefined)[];
}

function scalarFlag(st61: ActLpTbl, n: number): boolean {
  const f = st61.lpFlags;
  return [f.scalarDivisorFlagSet1, f.scalarDivisorFlagSet2, f.scalarDivisorFlagSet3, f.scalarDivisorFlagSet4][
    n - 1
  ]!;
}

/** Decodes ST62 (channels per set from ST61). */
export function decodeLpCtrlTbl(bytes: Uint8Array, ctx: TableContext, st61: ActLpTbl, offset = 0): LpCtrlTbl {
  const r = new TableReader(bytes, ctx, 'st62', offset);
  const sets: (LpCtrlSet | undefined)[] = [];
  for (let n = 1; n <= 4; n++) {
    const d = st61.sets[n - 1];
    if (d === undefined) {
      sets.push(undefined);
      continue;
    }
    r.need(d.nbrChns, 3, `lp-sel-set${n}`);
    const lpSel: LpSelRcd[] = [];
    for (let c = 0; c < d.nbrChns; c++) {
      const p = `lp-sel-set${n}[${c}]`;
      lpSel.push({
        endRdgFlag: (r.u8(`${p}.chnl-flag`) & 1) === 1,
        lpSourceSelect: r.u8(`${p}.lp-source-select`),
        endBlkRdgSourceSelect: r.u8(`${p}.end-blk-rdg-source-select`),
      });
    }
    const intFmtCde = r.u8(`int-fmt-cde${n}`);
    if (scalarFlag(st61, n)) {
      r.need(d.nbrChns, 4, `scalars-set${n}`);
      const scalars: number[] = [];
      const divisor: number[] = [];
      for (let c = 0; c < d.nbrChns; c++) scalars.push(r.u16(`scalars-set${n}[${c}]`));
      for (let c = 0; c < d.nbrChns; c++) divisor.push(r.u16(`divisor-set${n}[${c}]`));
      sets.push({ lpSel, intFmtCde, scalars, divisor });
    } else sets.push({ lpSel, intFmtCde });
  }
  r.end();
  return { type: 'LP_CTRL_TBL', sets };
}

/** Encodes ST62. */
export function encodeLpCtrlTbl(t: LpCtrlTbl, ctx: TableContext, st61: ActLpTbl): Uint8Array {
  const w = new TableWriter(ctx, 'st62', 64);
  for (let n = 1; n <= 4; n++) {
    const d = st61.sets[n - 1];
    if (d === undefined) continue;
    const s = t.sets[n - 1];
    if (s === undefined)
      throw new MeterkitError(ErrorCode.EncodeFailed, `data set ${n} is in use`, { path: `st62.set${n}` });
    for (let c = 0; c < d.nbrChns; c++) {
      const e = s.lpSel[c];
      const p = `lp-sel-set${n}[${c}]`;
      w.u8(e?.endRdgFlag ? 1 : 0, `${p}.chnl-flag`).u8(e?.lpSourceSelect ?? 0, `${p}.lp-source-select`);
      w.u8(e?.endBlkRdgSourceSelect ?? 0, `${p}.end-blk-rdg-source-select`);
    }
    w.u8(s.intFmtCde, `int-fmt-cde${n}`);
    if (scalarFlag(st61, n)) {
      for (let c = 0; c < d.nbrChns; c++) w.u16(s.scalars?.[c] ?? 1, `scalars-set${n}[${c}]`);
      for (let c = 0; c < d.nbrChns; c++) w.u16(s.divisor?.[c] ?? 1, `divisor-set${n}[${c}]`);
    }
  }
  return w.finish();
}

const LP_SET_STATUS = [
  ['blockOrder', 0, 1],
  ['overflowFlag', 1, 1],
  ['listType', 2, 1],
  ['blockInhibitOverflowFlag', 3, 1],
  ['intervalOrder', 4, 1],
  ['activeModeFlag', 5, 1],
  ['testMode', 6, 1],
] as const;

/** LP_SET_STATUS_RCD of ST63. */
export interface LpSetStatusRcd {
  readonly lpSetStatusFlags: BitRecord<typeof LP_SET_STATUS>;
  readonly nbrValidBlocks: number;
  readonly lastBlockElement: number;
  readonly lastBlockSeqNbr: number;
  readonly nbrUnreadBlocks: number;
  readonly nbrValidInt: number;
}

/** ST63 LP_STATUS_TBL. */
export interface LpStatusTbl {
  readonly type: 'LP_STATUS_TBL';
  readonly sets: readonly (LpSetStatusRcd | undefined)[];
}

/** Decodes ST63. */
export function decodeLpStatusTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st61: ActLpTbl,
  offset = 0,
): LpStatusTbl {
  const r = new TableReader(bytes, ctx, 'st63', offset);
  const sets: (LpSetStatusRcd | undefined)[] = [];
  for (let n = 1; n <= 4; n++) {
    if (st61.sets[n - 1] === undefined) {
      sets.push(undefined);
      continue;
    }
    const p = `lp-status-set${n}`;
    sets.push({
      lpSetStatusFlags: r.bits(1, LP_SET_STATUS, `${p}.lp-set-status-flags`),
      nbrValidBlocks: r.u16(`${p}.nbr-valid-blocks`),
      lastBlockElement: r.u16(`${p}.last-block-element`),
      lastBlockSeqNbr: r.u32(`${p}.last-block-seq-nbr`),
      nbrUnreadBlocks: r.u16(`${p}.nbr-unread-blocks`),
      nbrValidInt: r.u16(`${p}.nbr-valid-int`),
    });
  }
  r.end();
  return { type: 'LP_STATUS_TBL', sets };
}

/** Encodes ST63. */
export function encodeLpStatusTbl(t: LpStatusTbl, ctx: TableContext, st61: ActLpTbl): Uint8Array {
  const w = new TableWriter(ctx, 'st63', 52);
  for (let n = 1; n <= 4; n++) {
    if (st61.sets[n - 1] === undefined) continue;
    const s = t.sets[n - 1];
    if (s === undefined)
      throw new MeterkitError(ErrorCode.EncodeFailed, `data set ${n} is in use`, { path: `st63.set${n}` });
    const p = `lp-status-set${n}`;
    w.bits(s.lpSetStatusFlags, 1, LP_SET_STATUS, `${p}.lp-set-status-flags`).u16(
      s.nbrValidBlocks,
      `${p}.nbr-valid-blocks`,
    );
    w.u16(s.lastBlockElement, `${p}.last-block-element`).u32(s.lastBlockSeqNbr, `${p}.last-block-seq-nbr`);
    w.u16(s.nbrUnreadBlocks, `${p}.nbr-unread-blocks`).u16(s.nbrValidInt, `${p}.nbr-valid-int`);
  }
  return w.finish();
}

/** READINGS_RCD: a channel's block end reading and/or pulse count. */
export interface ReadingsRcd {
  readonly blockEndRead?: NiValue;
  readonly blockEndPulse?: number;
}

/**
 * EXTENDED_INT_STATUS decoded: the common nibble (bit 0 DST, 1 power fail, 2 clock reset forward,
 * 3 clock reset backward) and one status code per channel (0 none, 1 overflow, 2 partial,
 * 3 long, 4 skipped, 5 test mode, 6 configuration changed, 7 load recording stopped, ...).
 */
export interface ExtendedIntStatus {
  readonly common: number;
  readonly channels: readonly number[];
}

/** INT_FMT_RCD: one interval. */
export interface LpInterval {
  readonly extendedIntStatus?: ExtendedIntStatus;
  readonly intData: readonly NiValue[];
}

/** LP_BLKn_DAT_RCD: one block of intervals. */
export interface LpBlock {
  readonly blkEndTime: TimeDate | undefined;
  readonly endReadings?: readonly ReadingsRcd[];
  /** SIMPLE_INT_STATUS: indexes of intervals whose bit is set (valid). */
  readonly simpleIntStatus?: readonly number[];
  readonly lpInt: readonly LpInterval[];
}

/** ST64–ST67 LP_DATA_SETn_TBL. */
export interface LpDataSetTbl {
  readonly type: 'LP_DATA_SET_TBL';
  /** Data set number 1–4 (ST63 + n). */
  readonly set: number;
  readonly lpDataSets: readonly LpBlock[];
}

const INT_DATA = 'lp-data-sets.lp-int.int-data';
const EXT_STATUS = 'lp-data-sets.lp-int.extended-int-status';
const NO_STATUS: ExtendedIntStatus = { common: 0, channels: [] };

function nibble(v: number, name: string, p: string, i: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 15)
    throw new MeterkitError(ErrorCode.ValueOutOfRange, `interval status ${v} is not a nibble`, {
      path: `${name}.${p}.lp-int[${i}].extended-int-status`,
    });
  return v;
}

/** The size in bytes of one INT_FMT value (ST62 INT_FMT_CDE, C12.19 §9.6.3). */
export function intFmtSize(code: number, ctx: TableContext, path: string): number {
  switch (code) {
    case 1:
    case 8:
      return 1;
    case 2:
    case 16:
      return 2;
    case 4:
    case 32:
      return 4;
    case 64:
      return niSize(ctx.niFormat1, path);
    case 128:
      return niSize(ctx.niFormat2, path);
    default:
      throw new MeterkitError(ErrorCode.ValueInvalid, `INT_FMT_CDE ${code} is not defined`, { path });
  }
}

function dims(st61: ActLpTbl, st62: LpCtrlTbl, set: number): { d: LpSetDims; c: LpCtrlSet } {
  const d = st61.sets[set - 1];
  const c = st62.sets[set - 1];
  if (d === undefined || c === undefined)
    throw new MeterkitError(ErrorCode.InvalidArgument, `load profile data set ${set} is not in use`, {
      path: `st${63 + set}`,
    });
  return { d, c };
}

/** The size in bytes of one block of data set `set`. */
export function lpBlockSize(ctx: TableContext, st61: ActLpTbl, st62: LpCtrlTbl, set: number): number {
  const { d, c } = dims(st61, st62, set);
  const f = st61.lpFlags;
  const reading = (f.blkEndReadFlag ? niSize(ctx.niFormat1) : 0) + (f.blkEndPulseFlag ? 4 : 0);
  const interval =
    (f.extendedIntStatusFlag ? (d.nbrChns >> 1) + 1 : 0) + d.nbrChns * intFmtSize(c.intFmtCde, ctx, 'st62');
  return (
    timeSizes(ctx).stime +
    d.nbrChns * reading +
    (f.simpleIntStatusFlag ? Math.ceil(d.nbrBlkInts / 8) : 0) +
    d.nbrBlkInts * interval
  );
}

function readInt(r: TableReader, code: number, f: string): NiValue {
  switch (code) {
    case 1:
      return r.u8(f);
    case 2:
      return r.u16(f);
    case 4:
      return r.u32(f);
    case 8:
      return r.int(1, f);
    case 16:
      return r.int(2, f);
    case 32:
      return r.int(4, f);
    case 64:
      return r.ni1(f);
    default:
      return r.ni2(f);
  }
}

function writeInt(w: TableWriter, v: NiValue, code: number, f: string): void {
  if (code === 64) {
    w.ni1(v, f);
    return;
  }
  if (code === 128) {
    w.ni2(v, f);
    return;
  }
  if (typeof v !== 'number')
    throw new MeterkitError(ErrorCode.EncodeFailed, 'interval value must be a number', { path: f });
  switch (code) {
    case 1:
      w.u8(v, f);
      return;
    case 2:
      w.u16(v, f);
      return;
    case 4:
      w.u32(v, f);
      return;
    case 8:
      w.int(v, 1, f);
      return;
    case 16:
      w.int(v, 2, f);
      return;
    default:
      w.int(v, 4, f);
  }
}

/**
 * Decodes ST63 + `set` (ST64 for set 1). Dimensions come from ST61, the interval format from
 * ST62; every block NBR_BLKS_SETn is decoded as stored (ST63 tells which are valid).
 */
export function decodeLpDataSetTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st61: ActLpTbl,
  st62: LpCtrlTbl,
  set = 1,
  offset = 0,
): LpDataSetTbl {
  const name = `st${63 + set}`;
  const { d, c } = dims(st61, st62, set);
  const r = new TableReader(bytes, ctx, name, offset);
  r.need(d.nbrBlks, lpBlockSize(ctx, st61, st62, set), 'lp-data-sets');
  const f = st61.lpFlags;
  const lpDataSets: LpBlock[] = [];
  for (let b = 0; b < d.nbrBlks; b++) {
    const p = `lp-data-sets[${b}]`;
    const blkEndTime = r.stime(`${p}.blk-end-time`);
    let endReadings: ReadingsRcd[] | undefined;
    if (f.blkEndReadFlag || f.blkEndPulseFlag) {
      endReadings = [];
      for (let k = 0; k < d.nbrChns; k++) {
        const q = `${p}.end-readings[${k}]`;
        const read = f.blkEndReadFlag ? { blockEndRead: r.ni1(`${q}.block-end-read`) } : {};
        const pulse = f.blkEndPulseFlag ? { blockEndPulse: r.u32(`${q}.block-end-pulse`) } : {};
        endReadings.push({ ...read, ...pulse });
      }
    }
    const simple = f.simpleIntStatusFlag
      ? { simpleIntStatus: r.set(Math.ceil(d.nbrBlkInts / 8), `${p}.simple-int-status`) }
      : {};
    const lpInt: LpInterval[] = [];
    const extLen = (d.nbrChns >> 1) + 1;
    for (let i = 0; i < d.nbrBlkInts; i++) {
      let extendedIntStatus: ExtendedIntStatus | undefined;
      if (f.extendedIntStatusFlag) {
        // bounds were checked for the whole table by need() above
        const b = r.r.buf;
        const at = r.r.pos;
        const channels: number[] = new Array(d.nbrChns);
        for (let k = 1; k <= d.nbrChns; k++)
          channels[k - 1] = k & 1 ? b[at + (k >> 1)]! & 0x0f : b[at + (k >> 1)]! >> 4;
        extendedIntStatus = { common: b[at]! >> 4, channels };
        r.r.pos = at + extLen;
      }
      const intData: NiValue[] = new Array(d.nbrChns);
      for (let k = 0; k < d.nbrChns; k++) intData[k] = readInt(r, c.intFmtCde, INT_DATA);
      lpInt.push(extendedIntStatus === undefined ? { intData } : { extendedIntStatus, intData });
    }
    lpDataSets.push({ blkEndTime, ...(endReadings === undefined ? {} : { endReadings }), ...simple, lpInt });
  }
  r.end();
  return { type: 'LP_DATA_SET_TBL', set, lpDataSets };
}

/** Encodes ST63 + `t.set`. */
export function encodeLpDataSetTbl(
  t: LpDataSetTbl,
  ctx: TableContext,
  st61: ActLpTbl,
  st62: LpCtrlTbl,
): Uint8Array {
  const name = `st${63 + t.set}`;
  const { d, c } = dims(st61, st62, t.set);
  const w = new TableWriter(ctx, name, d.nbrBlks * lpBlockSize(ctx, st61, st62, t.set));
  const f = st61.lpFlags;
  if (t.lpDataSets.length !== d.nbrBlks)
    throw new MeterkitError(
      ErrorCode.EncodeFailed,
      `${t.lpDataSets.length} blocks, NBR_BLKS is ${d.nbrBlks}`,
      { path: name },
    );
  t.lpDataSets.forEach((blk, b) => {
    const p = `lp-data-sets[${b}]`;
    w.stime(blk.blkEndTime, `${p}.blk-end-time`);
    if (f.blkEndReadFlag || f.blkEndPulseFlag)
      for (let k = 0; k < d.nbrChns; k++) {
        const e = blk.endReadings?.[k];
        if (f.blkEndReadFlag) w.ni1(e?.blockEndRead ?? 0, `${p}.end-readings[${k}].block-end-read`);
        if (f.blkEndPulseFlag) w.u32(e?.blockEndPulse ?? 0, `${p}.end-readings[${k}].block-end-pulse`);
      }
    if (f.simpleIntStatusFlag)
      w.set(blk.simpleIntStatus ?? [], Math.ceil(d.nbrBlkInts / 8), `${p}.simple-int-status`);
    if (blk.lpInt.length !== d.nbrBlkInts)
      throw new MeterkitError(
        ErrorCode.EncodeFailed,
        `${blk.lpInt.length} intervals, NBR_BLK_INTS is ${d.nbrBlkInts}`,
        {
          path: `${name}.${p}`,
        },
      );
    const extLen = (d.nbrChns >> 1) + 1;
    for (let i = 0; i < blk.lpInt.length; i++) {
      const iv = blk.lpInt[i]!;
      if (f.extendedIntStatusFlag) {
        const e = iv.extendedIntStatus ?? NO_STATUS;
        let hi = nibble(e.common, name, p, i);
        for (let k = 1; k < extLen * 2; k++) {
          const v = k <= d.nbrChns ? nibble(e.channels[k - 1] ?? 0, name, p, i) : 0;
          if (k & 1) w.u8((hi << 4) | v, EXT_STATUS);
          else hi = v;
        }
      }
      for (let k = 0; k < d.nbrChns; k++) writeInt(w, iv.intData[k] ?? 0, c.intFmtCde, INT_DATA);
    }
  });
  return w.finish();
}
