/**
 * Procedures, ANSI C12.19-2008 §9.1.8–9.1.9: ST7 PROC_INITIATE_TBL (TABLE_PROC_NBR as
 * TABLE_IDB_BFLD with STD_VS_MFG_FLAG and SELECTOR, SEQ_NBR, PARM_DATA) and ST8 PROC_RESPONSE_TBL
 * (PROC, SEQ_NBR, RESULT_CODE, RESP_DATA_RCD), with typed parameters for the standard procedures
 * of §9.1.8.1 (SP0–SP17, SP21).
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { type BitRecord, TableReader, TableWriter, type TimeDate, type TimeDateQual } from './codec.js';
import type { TableContext } from './context.js';
import { ED_MODE_BFLD } from './mode-status.js';

/** TABLE_IDB_BFLD: table or procedure number, STD_VS_MFG_FLAG (true = manufacturer), SELECTOR. */
export const TABLE_IDB_BFLD = [
  ['tblProcNbr', 0, 11],
  ['stdVsMfgFlag', 11, 1],
  ['selector', 12, 4],
] as const;
/** TABLE_IDA_BFLD: table or procedure number, STD_VS_MFG_FLAG, PROC_FLAG, FLAG1–3. */
export const TABLE_IDA_BFLD = [
  ['tblProcNbr', 0, 11],
  ['stdVsMfgFlag', 11, 1],
  ['procFlag', 12, 1],
  ['flag1', 13, 1],
  ['flag2', 14, 1],
  ['flag3', 15, 1],
] as const;

/** SELECTOR of ST7: when the end device posts the response to ST8. */
export const PROCEDURE_SELECTORS: Readonly<Record<number, string>> = {
  0: 'post-response-on-completion',
  1: 'post-response-on-exception',
  2: 'do-not-post-response',
  3: 'post-response-immediately-and-on-completion',
};

/** RESULT_CODE of ST8 (§9.1.9). */
export const PROCEDURE_RESULT_CODES: readonly string[] = [
  'procedure-completed',
  'procedure-accepted-not-fully-completed',
  'invalid-parameter',
  'procedure-conflicts-with-device-setup',
  'timing-constraint',
  'no-authorization',
  'unrecognized-procedure',
];

/** LIST values of SP4 RESET_LIST_PTRS and SP5 UPDATE_LAST_READ_ENTRY. */
export const PROCEDURE_LISTS: Readonly<Record<number, string>> = {
  1: 'event-log',
  2: 'self-read',
  3: 'load-profile-set-1',
  4: 'load-profile-set-2',
  5: 'load-profile-set-3',
  6: 'load-profile-set-4',
  7: 'history-log',
  255: 'all-lists',
};

const ACTION_FLAG = [
  ['demandResetFlag', 0, 1],
  ['selfReadFlag', 1, 1],
  ['seasonChangeFlag', 2, 1],
  ['newSeason', 3, 4],
] as const;
const SET_MASK = [
  ['setTimeFlag', 0, 1],
  ['setDateFlag', 1, 1],
  ['setTimeDateQual', 2, 1],
] as const;

/** A standard procedure with its typed parameters (§9.1.8.1). */
export type StandardProcedure =
  | {
      readonly type:
        | 'cold-start'
        | 'warm-start'
        | 'save-configuration'
        | 'clear-data'
        | 'clear-std-status-flags'
        | 'clear-mfg-status-flags'
        | 'activate-all-pending-tables'
        | 'clear-all-pending-tables'
        | 'start-load-profile'
        | 'stop-load-profile';
    }
  | { readonly type: 'reset-list-ptrs'; readonly list: number }
  | { readonly type: 'update-last-read-entry'; readonly list: number; readonly entriesRead: number }
  | { readonly type: 'change-end-device-mode'; readonly edMode: BitRecord<typeof ED_MODE_BFLD> }
  | { readonly type: 'remote-reset'; readonly actionFlag: BitRecord<typeof ACTION_FLAG> }
  | {
      readonly type: 'set-date-time';
      readonly setMask: BitRecord<typeof SET_MASK>;
      readonly dateTime: TimeDate | undefined;
      readonly timeDateQual: TimeDateQual;
    }
  | { readonly type: 'execute-diagnostics'; readonly data: Uint8Array }
  | {
      readonly type: 'activate-specific-pending-table' | 'clear-specific-pending-table';
      readonly tableId: BitRecord<typeof TABLE_IDA_BFLD>;
    }
  | {
      readonly type: 'direct-load-control';
      /** The load control point (switch) addressed. */
      readonly controlPoint: number;
      /** The level to apply: 0 = off (disconnect), 100 = fully on (connect). */
      readonly level: number;
      /** Minutes the level applies; 0 = until changed. */
      readonly duration: number;
    };

/** Standard procedure numbers by type (SP0–SP17, SP21 = direct load control / remote connect-disconnect). */
export const STANDARD_PROCEDURE_NUMBERS: Readonly<Record<StandardProcedure['type'], number>> = {
  'cold-start': 0,
  'warm-start': 1,
  'save-configuration': 2,
  'clear-data': 3,
  'reset-list-ptrs': 4,
  'update-last-read-entry': 5,
  'change-end-device-mode': 6,
  'clear-std-status-flags': 7,
  'clear-mfg-status-flags': 8,
  'remote-reset': 9,
  'set-date-time': 10,
  'execute-diagnostics': 11,
  'activate-all-pending-tables': 12,
  'activate-specific-pending-table': 13,
  'clear-all-pending-tables': 14,
  'clear-specific-pending-table': 15,
  'start-load-profile': 16,
  'stop-load-profile': 17,
  'direct-load-control': 21,
};

const BY_NUMBER = new Map<number, StandardProcedure['type']>(
  Object.entries(STANDARD_PROCEDURE_NUMBERS).map(([k, v]) => [v, k as StandardProcedure['type']]),
);

/** Encodes a standard procedure's PARM_DATA. */
export function encodeStandardProcedureParameters(p: StandardProcedure, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st7.parm-data', 16);
  switch (p.type) {
    case 'reset-list-ptrs':
      w.u8(p.list, 'list');
      break;
    case 'update-last-read-entry':
      w.u8(p.list, 'list').u16(p.entriesRead, 'entries-read');
      break;
    case 'change-end-device-mode':
      w.bits(p.edMode, 1, ED_MODE_BFLD, 'end-device-mode');
      break;
    case 'remote-reset':
      w.bits(p.actionFlag, 1, ACTION_FLAG, 'action-flag');
      break;
    case 'set-date-time':
      w.bits(p.setMask, 1, SET_MASK, 'set-mask')
        .ltime(p.dateTime, 'date-time')
        .qual(p.timeDateQual, 'time-date-qual');
      break;
    case 'execute-diagnostics':
      w.raw(p.data);
      break;
    case 'activate-specific-pending-table':
    case 'clear-specific-pending-table':
      w.bits(p.tableId, 2, TABLE_IDA_BFLD, 'table-id');
      break;
    case 'direct-load-control':
      w.u8(p.controlPoint, 'control-point').u8(p.level, 'level').u16(p.duration, 'duration');
      break;
    default:
      break;
  }
  return w.finish();
}

/**
 * Decodes PARM_DATA of standard procedure `nbr`; undefined when the procedure is not one of the
 * typed ones or the bytes are not exactly its parameter record.
 */
export function decodeStandardProcedureParameters(
  nbr: number,
  parm: Uint8Array,
  ctx: TableContext,
  offset = 0,
): StandardProcedure | undefined {
  const type = BY_NUMBER.get(nbr);
  if (type === undefined) return undefined;
  const r = new TableReader(parm, ctx, 'st7.parm-data', offset);
  let p: StandardProcedure;
  try {
    switch (type) {
      case 'reset-list-ptrs':
        p = { type, list: r.u8('list') };
        break;
      case 'update-last-read-entry':
        p = { type, list: r.u8('list'), entriesRead: r.u16('entries-read') };
        break;
      case 'change-end-device-mode':
        p = { type, edMode: r.bits(1, ED_MODE_BFLD, 'end-device-mode') };
        break;
      case 'remote-reset':
        p = { type, actionFlag: r.bits(1, ACTION_FLAG, 'action-flag') };
        break;
      case 'set-date-time':
        p = {
          type,
          setMask: r.bits(1, SET_MASK, 'set-mask'),
          dateTime: r.ltime('date-time'),
          timeDateQual: r.qual('time-date-qual'),
        };
        break;
      case 'execute-diagnostics':
        p = { type, data: r.rest() };
        break;
      case 'activate-specific-pending-table':
      case 'clear-specific-pending-table':
        p = { type, tableId: r.bits(2, TABLE_IDA_BFLD, 'table-id') };
        break;
      case 'direct-load-control':
        p = { type, controlPoint: r.u8('control-point'), level: r.u8('level'), duration: r.u16('duration') };
        break;
      default:
        p = { type };
    }
    if (r.remaining !== 0) return undefined;
    return p;
  } catch {
    return undefined;
  }
}

/** ST7 PROC_INITIATE_TBL. */
export interface ProcInitiateTbl {
  readonly type: 'PROC_INITIATE_TBL';
  readonly tableProcNbr: BitRecord<typeof TABLE_IDB_BFLD>;
  readonly seqNbr: number;
  /** PARM_DATA as written (authoritative when encoding unless `procedure` is given). */
  readonly parmData: Uint8Array;
  /** The typed standard procedure, when `tableProcNbr` names one and PARM_DATA is exactly its record. */
  readonly procedure?: StandardProcedure;
}

/** Decodes ST7 (as written by a full or partial write). */
export function decodeProcInitiateTbl(bytes: Uint8Array, ctx: TableContext, offset = 0): ProcInitiateTbl {
  const r = new TableReader(bytes, ctx, 'st7', offset);
  const tableProcNbr = r.bits(2, TABLE_IDB_BFLD, 'table-proc-nbr');
  const seqNbr = r.u8('seq-nbr');
  const parmData = r.rest();
  const procedure = tableProcNbr.stdVsMfgFlag
    ? undefined
    : decodeStandardProcedureParameters(tableProcNbr.tblProcNbr, parmData, ctx, offset + 3);
  return procedure === undefined
    ? { type: 'PROC_INITIATE_TBL', tableProcNbr, seqNbr, parmData }
    : { type: 'PROC_INITIATE_TBL', tableProcNbr, seqNbr, parmData, procedure };
}

/** Encodes ST7 (PARM_DATA from `procedure` when given). */
export function encodeProcInitiateTbl(t: ProcInitiateTbl, ctx: TableContext): Uint8Array {
  const parm = t.procedure === undefined ? t.parmData : encodeStandardProcedureParameters(t.procedure, ctx);
  if (parm.length > ctx.maxProcParmLength && ctx.maxProcParmLength > 0)
    throw new MeterkitError(ErrorCode.EncodeFailed, `PARM_DATA ${parm.length} > MAX_PROC_PARM_LENGTH`, {
      path: 'st7.parm-data',
    });
  const w = new TableWriter(ctx, 'st7', 3 + parm.length);
  w.bits(t.tableProcNbr, 2, TABLE_IDB_BFLD, 'table-proc-nbr').u8(t.seqNbr, 'seq-nbr').raw(parm);
  return w.finish();
}

/** Builds the ST7 content invoking a standard procedure (SELECTOR 0 unless given). */
export function standardProcedureInitiate(
  procedure: StandardProcedure,
  seqNbr: number,
  ctx: TableContext,
  selector = 0,
): ProcInitiateTbl {
  return {
    type: 'PROC_INITIATE_TBL',
    tableProcNbr: { tblProcNbr: STANDARD_PROCEDURE_NUMBERS[procedure.type], stdVsMfgFlag: false, selector },
    seqNbr,
    parmData: encodeStandardProcedureParameters(procedure, ctx),
    procedure,
  };
}

/** SP21 DIRECT_LOAD_CONTROL at level 100: reconnect the service switch at `controlPoint`. */
export function remoteConnect(controlPoint = 0): StandardProcedure {
  return { type: 'direct-load-control', controlPoint, level: 100, duration: 0 };
}

/** SP21 DIRECT_LOAD_CONTROL at level 0: disconnect the service switch at `controlPoint`. */
export function remoteDisconnect(controlPoint = 0): StandardProcedure {
  return { type: 'direct-load-control', controlPoint, level: 0, duration: 0 };
}

/** ST8 PROC_RESPONSE_TBL. */
export interface ProcResponseTbl {
  readonly type: 'PROC_RESPONSE_TBL';
  readonly proc: BitRecord<typeof TABLE_IDB_BFLD>;
  readonly seqNbr: number;
  /** RESULT_CODE with its name (0–6; other values named `reserved`). */
  readonly resultCode: { readonly value: number; readonly name: string };
  readonly respDataRcd: Uint8Array;
}

/** Decodes ST8 (RESP_DATA_RCD is what follows RESULT_CODE, at most MAX_RESP_DATA_LEN bytes). */
export function decodeProcResponseTbl(bytes: Uint8Array, ctx: TableContext, offset = 0): ProcResponseTbl {
  const r = new TableReader(bytes, ctx, 'st8', offset);
  const proc = r.bits(2, TABLE_IDB_BFLD, 'proc');
  const seqNbr = r.u8('seq-nbr');
  const value = r.u8('result-code');
  const respDataRcd = r.rest();
  return {
    type: 'PROC_RESPONSE_TBL',
    proc,
    seqNbr,
    resultCode: { value, name: PROCEDURE_RESULT_CODES[value] ?? 'reserved' },
    respDataRcd,
  };
}

/** Encodes ST8. */
export function encodeProcResponseTbl(t: ProcResponseTbl, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st8', 4 + t.respDataRcd.length);
  w.bits(t.proc, 2, TABLE_IDB_BFLD, 'proc').u8(t.seqNbr, 'seq-nbr').u8(t.resultCode.value, 'result-code');
  return w.raw(t.respDataRcd).finish();
}
