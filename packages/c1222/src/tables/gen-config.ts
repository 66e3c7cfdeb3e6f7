/**
 * ST0 GEN_CONFIG_TBL, ANSI C12.19-2008 §9.1.1 (Decade 0): the format controls every other table is
 * read with, DEVICE_CLASS, the dimensions, and the sets of standard/manufacturer tables and
 * procedures used and writable. ST0 itself is read without a context (its fields are single bytes
 * and sets), and `tableContextFromGenConfig` turns it into the `TableContext` of every other table.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { type BitRecord, TableReader, TableWriter } from './codec.js';
import { DEFAULT_TABLE_CONTEXT, type TableContext } from './context.js';

const FC1 = [
  ['dataOrder', 0, 1],
  ['charFormat', 1, 3],
  ['modelSelect', 4, 3],
] as const;
const FC2 = [
  ['tmFormat', 0, 3],
  ['dataAccessMethod', 3, 2],
  ['idForm', 5, 1],
  ['intFormat', 6, 2],
] as const;
const FC3 = [
  ['niFormat1', 0, 4],
  ['niFormat2', 4, 4],
] as const;

/** ST0 GEN_CONFIG_TBL. */
export interface GenConfigTbl {
  readonly type: 'GEN_CONFIG_TBL';
  /** FORMAT_CONTROL_1: DATA_ORDER (true = most significant byte first), CHAR_FORMAT, MODEL_SELECT. */
  readonly formatControl1: BitRecord<typeof FC1>;
  /** FORMAT_CONTROL_2: TM_FORMAT, DATA_ACCESS_METHOD, ID_FORM (true = BCD), INT_FORMAT. */
  readonly formatControl2: BitRecord<typeof FC2>;
  /** FORMAT_CONTROL_3: NI_FORMAT1, NI_FORMAT2. */
  readonly formatControl3: BitRecord<typeof FC3>;
  /** DEVICE_CLASS (MANUFACTURER in C12.19-1997): 4 bytes. */
  readonly deviceClass: Uint8Array;
  readonly nameplateType: number;
  readonly defaultSetUsed: number;
  readonly maxProcParmLength: number;
  readonly maxRespDataLen: number;
  readonly stdVersionNo: number;
  readonly stdRevisionNo: number;
  readonly dimStdTblsUsed: number;
  readonly dimMfgTblsUsed: number;
  readonly dimStdProcUsed: number;
  readonly dimMfgProcUsed: number;
  readonly dimMfgStatusUsed: number;
  readonly nbrPending: number;
  readonly stdTblsUsed: readonly number[];
  readonly mfgTblsUsed: readonly number[];
  readonly stdProcUsed: readonly number[];
  readonly mfgProcUsed: readonly number[];
  readonly stdTblsWrite: readonly number[];
  readonly mfgTblsWrite: readonly number[];
}

/** Decodes ST0 (exactly its bytes). */
export function decodeGenConfigTbl(bytes: Uint8Array, offset = 0): GenConfigTbl {
  const r = new TableReader(bytes, DEFAULT_TABLE_CONTEXT, 'st0', offset);
  const formatControl1 = r.bits(1, FC1, 'format-control-1');
  const formatControl2 = r.bits(1, FC2, 'format-control-2');
  const formatControl3 = r.bits(1, FC3, 'format-control-3');
  const deviceClass = r.bytes(4, 'device-class');
  const u = (f: string): number => r.u8(f);
  const nameplateType = u('nameplate-type');
  const defaultSetUsed = u('default-set-used');
  const maxProcParmLength = u('max-proc-parm-length');
  const maxRespDataLen = u('max-resp-data-len');
  const stdVersionNo = u('std-version-no');
  const stdRevisionNo = u('std-revision-no');
  const dimStdTblsUsed = u('dim-std-tbls-used');
  const dimMfgTblsUsed = u('dim-mfg-tbls-used');
  const dimStdProcUsed = u('dim-std-proc-used');
  const dimMfgProcUsed = u('dim-mfg-proc-used');
  const dimMfgStatusUsed = u('dim-mfg-status-used');
  const nbrPending = u('nbr-pending');
  const t: GenConfigTbl = {
    type: 'GEN_CONFIG_TBL',
    formatControl1,
    formatControl2,
    formatControl3,
    deviceClass,
    nameplateType,
    defaultSetUsed,
    maxProcParmLength,
    maxRespDataLen,
    stdVersionNo,
    stdRevisionNo,
    dimStdTblsUsed,
    dimMfgTblsUsed,
    dimStdProcUsed,
    dimMfgProcUsed,
    dimMfgStatusUsed,
    nbrPending,
    stdTblsUsed: r.set(dimStdTblsUsed, 'std-tbls-used'),
    mfgTblsUsed: r.set(dimMfgTblsUsed, 'mfg-tbls-used'),
    stdProcUsed: r.set(dimStdProcUsed, 'std-proc-used'),
    mfgProcUsed: r.set(dimMfgProcUsed, 'mfg-proc-used'),
    stdTblsWrite: r.set(dimStdTblsUsed, 'std-tbls-write'),
    mfgTblsWrite: r.set(dimMfgTblsUsed, 'mfg-tbls-write'),
  };
  r.end();
  return t;
}

/** Encodes ST0. */
export function encodeGenConfigTbl(t: GenConfigTbl): Uint8Array {
  const w = new TableWriter(DEFAULT_TABLE_CONTEXT, 'st0', 96);
  w.bits(t.formatControl1, 1, FC1, 'format-control-1');
  w.bits(t.formatControl2, 1, FC2, 'format-control-2');
  w.bits(t.formatControl3, 1, FC3, 'format-control-3');
  w.bytes(t.deviceClass, 4, 'device-class');
  w.u8(t.nameplateType, 'nameplate-type');
  w.u8(t.defaultSetUsed, 'default-set-used');
  w.u8(t.maxProcParmLength, 'max-proc-parm-length');
  w.u8(t.maxRespDataLen, 'max-resp-data-len');
  w.u8(t.stdVersionNo, 'std-version-no');
  w.u8(t.stdRevisionNo, 'std-revision-no');
  w.u8(t.dimStdTblsUsed, 'dim-std-tbls-used');
  w.u8(t.dimMfgTblsUsed, 'dim-mfg-tbls-used');
  w.u8(t.dimStdProcUsed, 'dim-std-proc-used');
  w.u8(t.dimMfgProcUsed, 'dim-mfg-proc-used');
  w.u8(t.dimMfgStatusUsed, 'dim-mfg-status-used');
  w.u8(t.nbrPending, 'nbr-pending');
  w.set(t.stdTblsUsed, t.dimStdTblsUsed, 'std-tbls-used');
  w.set(t.mfgTblsUsed, t.dimMfgTblsUsed, 'mfg-tbls-used');
  w.set(t.stdProcUsed, t.dimStdProcUsed, 'std-proc-used');
  w.set(t.mfgProcUsed, t.dimMfgProcUsed, 'mfg-proc-used');
  w.set(t.stdTblsWrite, t.dimStdTblsUsed, 'std-tbls-write');
  w.set(t.mfgTblsWrite, t.dimMfgTblsUsed, 'mfg-tbls-write');
  return w.finish();
}

/**
 * The `TableContext` of every other table, from ST0. Throws `Unsupported` for format codes this
 * codec cannot read (CHAR_FORMAT other than 1–3, TM_FORMAT 5–7, NI_FORMAT 14–15).
 */
export function tableContextFromGenConfig(st0: GenConfigTbl): TableContext {
  const f1 = st0.formatControl1;
  const f2 = st0.formatControl2;
  const f3 = st0.formatControl3;
  const bad = (what: string): never => {
    throw new MeterkitError(ErrorCode.Unsupported, `${what} is not supported`, { path: 'st0' });
  };
  if (f1.charFormat < 1 || f1.charFormat > 3) bad(`CHAR_FORMAT ${f1.charFormat}`);
  if (f2.tmFormat > 4) bad(`TM_FORMAT ${f2.tmFormat}`);
  if (f2.intFormat > 2) bad(`INT_FORMAT ${f2.intFormat}`);
  if (f3.niFormat1 > 13) bad(`NI_FORMAT1 ${f3.niFormat1}`);
  if (f3.niFormat2 > 13) bad(`NI_FORMAT2 ${f3.niFormat2}`);
  return {
    dataOrder: f1.dataOrder ? 1 : 0,
    charFormat: f1.charFormat,
    tmFormat: f2.tmFormat,
    idForm: f2.idForm ? 1 : 0,
    intFormat: f2.intFormat,
    niFormat1: f3.niFormat1,
    niFormat2: f3.niFormat2,
    stdVersionNo: st0.stdVersionNo,
    dimStdTblsUsed: st0.dimStdTblsUsed,
    dimMfgTblsUsed: st0.dimMfgTblsUsed,
    dimStdProcUsed: st0.dimStdProcUsed,
    dimMfgProcUsed: st0.dimMfgProcUsed,
    dimMfgStatusUsed: st0.dimMfgStatusUsed,
    maxProcParmLength: st0.maxProcParmLength,
    maxRespDataLen: st0.maxRespDataLen,
    stdTblsUsed: new Set(st0.stdTblsUsed),
  };
}
