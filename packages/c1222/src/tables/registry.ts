/**
 * The C12.19 table engine (ANSI C12.19-2008 §9): decodes and encodes any supported standard table
 * by number given the ST0-derived context and the dimension tables it depends on (ST11 for
 * ST12–16, ST21 for ST22–28, ST51 for ST53–56, ST61/ST62 for ST62–67, ST71 for ST72–76).
 * Manufacturer tables (MT n, table id 2048 + n) and standard tables without a decoder pass
 * through as bytes.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { TableContext } from './context.js';
import { decodeGenConfigTbl, encodeGenConfigTbl, type GenConfigTbl } from './gen-config.js';
import {
  type DeviceIdentTbl,
  type DeviceNameplateTbl,
  decodeDeviceIdentTbl,
  decodeDeviceNameplateTbl,
  decodeGeneralMfgIdTbl,
  decodeUtilInfoTbl,
  encodeDeviceIdentTbl,
  encodeDeviceNameplateTbl,
  encodeGeneralMfgIdTbl,
  encodeUtilInfoTbl,
  type GeneralMfgIdTbl,
  type UtilInfoTbl,
} from './identification.js';
import {
  type ActLpTbl,
  decodeActLpTbl,
  decodeLpCtrlTbl,
  decodeLpDataSetTbl,
  decodeLpStatusTbl,
  encodeActLpTbl,
  encodeLpCtrlTbl,
  encodeLpDataSetTbl,
  encodeLpStatusTbl,
  type LpCtrlTbl,
  type LpDataSetTbl,
  type LpStatusTbl,
} from './load-profile.js';
import {
  type ActLogTbl,
  decodeActLogTbl,
  decodeEventLogDataTbl,
  decodeEventsIdTbl,
  decodeHistoryLogDataTbl,
  decodeLogCtrlTbl,
  type EventLogDataTbl,
  type EventsIdTbl,
  encodeActLogTbl,
  encodeEventLogDataTbl,
  encodeEventsIdTbl,
  encodeHistoryLogDataTbl,
  encodeLogCtrlTbl,
  type HistoryLogDataTbl,
  type LogCtrlTbl,
} from './logs.js';
import { decodeEdModeStatusTbl, type EdModeStatusTbl, encodeEdModeStatusTbl } from './mode-status.js';
import {
  decodeProcInitiateTbl,
  decodeProcResponseTbl,
  encodeProcInitiateTbl,
  encodeProcResponseTbl,
  type ProcInitiateTbl,
  type ProcResponseTbl,
} from './procedures.js';
import {
  type ActRegsTbl,
  type CurrentRegDataTbl,
  type DataSelectionTbl,
  decodeActRegsTbl,
  decodeCurrentRegDataTbl,
  decodeDataSelectionTbl,
  decodePresentRegisterDataTbl,
  decodePresentRegisterSelectTbl,
  decodePrevRegDataTbl,
  decodeSelfReadDataTbl,
  encodeActRegsTbl,
  encodeCurrentRegDataTbl,
  encodeDataSelectionTbl,
  encodePresentRegisterDataTbl,
  encodePresentRegisterSelectTbl,
  encodePrevRegDataTbl,
  encodeSelfReadDataTbl,
  type PresentRegisterDataTbl,
  type PresentRegisterSelectTbl,
  type PrevRegDataTbl,
  type SelfReadDataTbl,
} from './registers.js';
import {
  type ActSourcesLimTbl,
  type ConstantsTbl,
  type DataControlTbl,
  type DemandControlTbl,
  decodeActSourcesLimTbl,
  decodeConstantsTbl,
  decodeDataControlTbl,
  decodeDemandControlTbl,
  decodeSourceDefinitionTbl,
  decodeUomEntryTbl,
  encodeActSourcesLimTbl,
  encodeConstantsTbl,
  encodeDataControlTbl,
  encodeDemandControlTbl,
  encodeSourceDefinitionTbl,
  encodeUomEntryTbl,
  type SourceDefinitionTbl,
  type UomEntryTbl,
} from './sources.js';
import {
  type ActTimeTouTbl,
  type CalendarTbl,
  type ClockStateTbl,
  type ClockTbl,
  decodeActTimeTouTbl,
  decodeCalendarTbl,
  decodeClockStateTbl,
  decodeClockTbl,
  decodeTimeOffsetTbl,
  decodeTimeRemainTbl,
  encodeActTimeTouTbl,
  encodeCalendarTbl,
  encodeClockStateTbl,
  encodeClockTbl,
  encodeTimeOffsetTbl,
  encodeTimeRemainTbl,
  type TimeOffsetTbl,
  type TimeRemainTbl,
} from './time-tou.js';

/** Table id of manufacturer table MT n (C12.19 §5: bit 11 of the table id). */
export const MFG_TABLE_BASE = 2048;

/** A table kept as bytes: a manufacturer table or a standard table without a decoder here. */
export interface RawTbl {
  readonly type: 'RAW_TBL';
  /** The table id (MT n = 2048 + n). */
  readonly table: number;
  readonly data: Uint8Array;
}

/** Any decoded table. */
export type C1219Table =
  | GenConfigTbl
  | GeneralMfgIdTbl
  | DeviceNameplateTbl
  | EdModeStatusTbl
  | DeviceIdentTbl
  | UtilInfoTbl
  | ProcInitiateTbl
  | ProcResponseTbl
  | ActSourcesLimTbl
  | UomEntryTbl
  | DemandControlTbl
  | DataControlTbl
  | ConstantsTbl
  | SourceDefinitionTbl
  | ActRegsTbl
  | DataSelectionTbl
  | CurrentRegDataTbl
  | PrevRegDataTbl
  | SelfReadDataTbl
  | PresentRegisterSelectTbl
  | PresentRegisterDataTbl
  | ActTimeTouTbl
  | ClockTbl
  | TimeOffsetTbl
  | CalendarTbl
  | ClockStateTbl
  | TimeRemainTbl
  | ActLpTbl
  | LpCtrlTbl
  | LpStatusTbl
  | LpDataSetTbl
  | ActLogTbl
  | EventsIdTbl
  | LogCtrlTbl
  | HistoryLogDataTbl
  | EventLogDataTbl
  | RawTbl;

/** The context and dimension tables a table's layout depends on. */
export interface TableDependencies {
  readonly ctx: TableContext;
  readonly st0?: GenConfigTbl;
  readonly st11?: ActSourcesLimTbl;
  readonly st21?: ActRegsTbl;
  readonly st51?: ActTimeTouTbl;
  readonly st61?: ActLpTbl;
  readonly st62?: LpCtrlTbl;
  readonly st71?: ActLogTbl;
}

/** Standard tables this engine decodes, with the dimension table each needs (if any). */
export const DECODED_STANDARD_TABLES: ReadonlyMap<
  number,
  'st0' | 'st11' | 'st21' | 'st51' | 'st61' | 'st62' | 'st71' | null
> = new Map<number, 'st0' | 'st11' | 'st21' | 'st51' | 'st61' | 'st62' | 'st71' | null>([
  [0, null],
  [1, null],
  [2, 'st0'],
  [3, null],
  [5, null],
  [6, null],
  [7, null],
  [8, null],
  [11, null],
  [12, 'st11'],
  [13, 'st11'],
  [14, 'st11'],
  [15, 'st11'],
  [16, 'st11'],
  [21, null],
  [22, 'st21'],
  [23, 'st21'],
  [24, 'st21'],
  [25, 'st21'],
  [26, 'st21'],
  [27, 'st21'],
  [28, 'st21'],
  [51, null],
  [52, null],
  [53, 'st51'],
  [54, 'st51'],
  [55, 'st51'],
  [56, 'st51'],
  [61, null],
  [62, 'st61'],
  [63, 'st61'],
  [64, 'st62'],
  [65, 'st62'],
  [66, 'st62'],
  [67, 'st62'],
  [71, null],
  [72, 'st71'],
  [73, 'st71'],
  [74, 'st71'],
  [75, 'st71'],
  [76, 'st71'],
]);

function dep<K extends keyof TableDependencies>(
  deps: TableDependencies,
  k: K,
  table: number,
): NonNullable<TableDependencies[K]> {
  const v = deps[k];
  if (v === undefined)
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `table ${table} needs ${k.toUpperCase()} to be read first`,
      {
        path: `st${table}`,
      },
    );
  return v as NonNullable<TableDependencies[K]>;
}

/** Decodes table `table` (a standard table number, or 2048 + n for MT n). */
export function decodeTable(
  table: number,
  bytes: Uint8Array,
  deps: TableDependencies,
  offset = 0,
): C1219Table {
  const c = deps.ctx;
  switch (table) {
    case 0:
      return decodeGenConfigTbl(bytes, offset);
    case 1:
      return decodeGeneralMfgIdTbl(bytes, c, offset);
    case 2:
      return decodeDeviceNameplateTbl(bytes, c, dep(deps, 'st0', 2).nameplateType, offset);
    case 3:
      return decodeEdModeStatusTbl(bytes, c, offset);
    case 5:
      return decodeDeviceIdentTbl(bytes, c, offset);
    case 6:
      return decodeUtilInfoTbl(bytes, c, offset);
    case 7:
      return decodeProcInitiateTbl(bytes, c, offset);
    case 8:
      return decodeProcResponseTbl(bytes, c, offset);
    case 11:
      return decodeActSourcesLimTbl(bytes, c, offset);
    case 12:
      return decodeUomEntryTbl(bytes, c, dep(deps, 'st11', 12), offset);
    case 13:
      return decodeDemandControlTbl(bytes, c, dep(deps, 'st11', 13), offset);
    case 14:
      return decodeDataControlTbl(bytes, c, dep(deps, 'st11', 14), offset);
    case 15:
      return decodeConstantsTbl(bytes, c, dep(deps, 'st11', 15), offset);
    case 16:
      return decodeSourceDefinitionTbl(bytes, c, dep(deps, 'st11', 16), offset);
    case 21:
      return decodeActRegsTbl(bytes, c, offset);
    case 22:
      return decodeDataSelectionTbl(bytes, c, dep(deps, 'st21', 22), offset);
    case 23:
      return decodeCurrentRegDataTbl(bytes, c, dep(deps, 'st21', 23), offset);
    case 24:
    case 25:
      return decodePrevRegDataTbl(bytes, c, dep(deps, 'st21', table), table, offset);
    case 26:
      return decodeSelfReadDataTbl(bytes, c, dep(deps, 'st21', 26), offset);
    case 27:
      return decodePresentRegisterSelectTbl(bytes, c, dep(deps, 'st21', 27), offset);
    case 28:
      return decodePresentRegisterDataTbl(bytes, c, dep(deps, 'st21', 28), offset);
    case 51:
      return decodeActTimeTouTbl(bytes, c, offset);
    case 52:
      return decodeClockTbl(bytes, c, offset);
    case 53:
      return decodeTimeOffsetTbl(bytes, c, dep(deps, 'st51', 53), offset);
    case 54:
      return decodeCalendarTbl(bytes, c, dep(deps, 'st51', 54), offset);
    case 55:
      return decodeClockStateTbl(bytes, c, dep(deps, 'st51', 55), offset);
    case 56:
      return decodeTimeRemainTbl(bytes, c, dep(deps, 'st51', 56), offset);
    case 61:
      return decodeActLpTbl(bytes, c, offset);
    case 62:
      return decodeLpCtrlTbl(bytes, c, dep(deps, 'st61', 62), offset);
    case 63:
      return decodeLpStatusTbl(bytes, c, dep(deps, 'st61', 63), offset);
    case 64:
    case 65:
    case 66:
    case 67:
      return decodeLpDataSetTbl(
        bytes,
        c,
        dep(deps, 'st61', table),
        dep(deps, 'st62', table),
        table - 63,
        offset,
      );
    case 71:
      return decodeActLogTbl(bytes, c, offset);
    case 72:
      return decodeEventsIdTbl(bytes, c, dep(deps, 'st71', 72), offset);
    case 73:
    case 75:
      return decodeLogCtrlTbl(bytes, c, dep(deps, 'st71', table), table, offset);
    case 74:
      return decodeHistoryLogDataTbl(bytes, c, dep(deps, 'st71', 74), offset);
    case 76:
      return decodeEventLogDataTbl(bytes, c, dep(deps, 'st71', 76), offset);
    default:
      return { type: 'RAW_TBL', table, data: bytes };
  }
}

const NUMBERS: Readonly<Record<string, number>> = {
  GEN_CONFIG_TBL: 0,
  GENERAL_MFG_ID_TBL: 1,
  DEVICE_NAMEPLATE_TBL: 2,
  ED_MODE_STATUS_TBL: 3,
  DEVICE_IDENT_TBL: 5,
  UTIL_INFO_TBL: 6,
  PROC_INITIATE_TBL: 7,
  PROC_RESPONSE_TBL: 8,
  ACT_SOURCES_LIM_TBL: 11,
  UOM_ENTRY_TBL: 12,
  DEMAND_CONTROL_TBL: 13,
  DATA_CONTROL_TBL: 14,
  CONSTANTS_TBL: 15,
  SOURCE_DEFINITION_TBL: 16,
  ACT_REGS_TBL: 21,
  DATA_SELECTION_TBL: 22,
  CURRENT_REG_DATA_TBL: 23,
  PREV_SEASON_DATA_TBL: 24,
  PREV_DEMAND_RESET_DATA_TBL: 25,
  SELF_READ_DATA_TBL: 26,
  PRESENT_REGISTER_SELECT_TBL: 27,
  PRESENT_REGISTER_DATA_TBL: 28,
  ACT_TIME_TOU_TBL: 51,
  CLOCK_TBL: 52,
  TIME_OFFSET_TBL: 53,
  CALENDAR_TBL: 54,
  CLOCK_STATE_TBL: 55,
  TIME_REMAIN_TBL: 56,
  ACT_LP_TBL: 61,
  LP_CTRL_TBL: 62,
  LP_STATUS_TBL: 63,
  ACT_LOG_TBL: 71,
  EVENTS_ID_TBL: 72,
  HISTORY_LOG_CTRL_TBL: 73,
  HISTORY_LOG_DATA_TBL: 74,
  EVENT_LOG_CTRL_TBL: 75,
  EVENT_LOG_DATA_TBL: 76,
};

/** The `type` names of all decoded tables. */
export const TABLE_TYPES: readonly C1219Table['type'][] = [
  ...(Object.keys(NUMBERS) as C1219Table['type'][]),
  'LP_DATA_SET_TBL',
  'RAW_TBL',
];

/** The table id of a decoded table. */
export function tableNumberOf(t: C1219Table): number {
  if (t.type === 'RAW_TBL') return t.table;
  if (t.type === 'LP_DATA_SET_TBL') return 63 + t.set;
  if (t.type === 'DEVICE_NAMEPLATE_TBL') return 2;
  return NUMBERS[t.type]!;
}

/** Encodes a decoded table back to its bytes. */
export function encodeTable(t: C1219Table, deps: TableDependencies): Uint8Array {
  const c = deps.ctx;
  const n = tableNumberOf(t);
  switch (t.type) {
    case 'RAW_TBL':
      return Uint8Array.from(t.data);
    case 'GEN_CONFIG_TBL':
      return encodeGenConfigTbl(t);
    case 'GENERAL_MFG_ID_TBL':
      return encodeGeneralMfgIdTbl(t, c);
    case 'DEVICE_NAMEPLATE_TBL':
      return encodeDeviceNameplateTbl(t, c);
    case 'ED_MODE_STATUS_TBL':
      return encodeEdModeStatusTbl(t, c);
    case 'DEVICE_IDENT_TBL':
      return encodeDeviceIdentTbl(t, c);
    case 'UTIL_INFO_TBL':
      return encodeUtilInfoTbl(t, c);
    case 'PROC_INITIATE_TBL':
      return encodeProcInitiateTbl(t, c);
    case 'PROC_RESPONSE_TBL':
      return encodeProcResponseTbl(t, c);
    case 'ACT_SOURCES_LIM_TBL':
      return encodeActSourcesLimTbl(t, c);
    case 'UOM_ENTRY_TBL':
      return encodeUomEntryTbl(t, c);
    case 'DEMAND_CONTROL_TBL':
      return encodeDemandControlTbl(t, c, dep(deps, 'st11', n));
    case 'DATA_CONTROL_TBL':
      return encodeDataControlTbl(t, c, dep(deps, 'st11', n));
    case 'CONSTANTS_TBL':
      return encodeConstantsTbl(t, c, dep(deps, 'st11', n));
    case 'SOURCE_DEFINITION_TBL':
      return encodeSourceDefinitionTbl(t, c);
    case 'ACT_REGS_TBL':
      return encodeActRegsTbl(t, c);
    case 'DATA_SELECTION_TBL':
      return encodeDataSelectionTbl(t, c, dep(deps, 'st21', n));
    case 'CURRENT_REG_DATA_TBL':
      return encodeCurrentRegDataTbl(t, c, dep(deps, 'st21', n));
    case 'PREV_SEASON_DATA_TBL':
    case 'PREV_DEMAND_RESET_DATA_TBL':
      return encodePrevRegDataTbl(t, c, dep(deps, 'st21', n));
    case 'SELF_READ_DATA_TBL':
      return encodeSelfReadDataTbl(t, c, dep(deps, 'st21', n));
    case 'PRESENT_REGISTER_SELECT_TBL':
      return encodePresentRegisterSelectTbl(t, c, dep(deps, 'st21', n));
    case 'PRESENT_REGISTER_DATA_TBL':
      return encodePresentRegisterDataTbl(t, c, dep(deps, 'st21', n));
    case 'ACT_TIME_TOU_TBL':
      return encodeActTimeTouTbl(t, c);
    case 'CLOCK_TBL':
      return encodeClockTbl(t, c);
    case 'TIME_OFFSET_TBL':
      return encodeTimeOffsetTbl(t, c, dep(deps, 'st51', n));
    case 'CALENDAR_TBL':
      return encodeCalendarTbl(t, c, dep(deps, 'st51', n));
    case 'CLOCK_STATE_TBL':
      return encodeClockStateTbl(t, c, dep(deps, 'st51', n));
    case 'TIME_REMAIN_TBL':
      return encodeTimeRemainTbl(t, c, dep(deps, 'st51', n));
    case 'ACT_LP_TBL':
      return encodeActLpTbl(t, c);
    case 'LP_CTRL_TBL':
      return encodeLpCtrlTbl(t, c, dep(deps, 'st61', n));
    case 'LP_STATUS_TBL':
      return encodeLpStatusTbl(t, c, dep(deps, 'st61', n));
    case 'LP_DATA_SET_TBL':
      return encodeLpDataSetTbl(t, c, dep(deps, 'st61', n), dep(deps, 'st62', n));
    case 'ACT_LOG_TBL':
      return encodeActLogTbl(t, c);
    case 'EVENTS_ID_TBL':
      return encodeEventsIdTbl(t, c, dep(deps, 'st71', n));
    case 'HISTORY_LOG_CTRL_TBL':
    case 'EVENT_LOG_CTRL_TBL':
      return encodeLogCtrlTbl(t, c, dep(deps, 'st71', n));
    case 'HISTORY_LOG_DATA_TBL':
      return encodeHistoryLogDataTbl(t, c, dep(deps, 'st71', n));
    case 'EVENT_LOG_DATA_TBL':
      return encodeEventLogDataTbl(t, c, dep(deps, 'st71', n));
  }
}
