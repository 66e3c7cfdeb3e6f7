/**
 * Decade 7 history and event log tables, ANSI C12.19-2008 §9.8: ST71 ACT_LOG_TBL (§9.8.2), ST72
 * EVENTS_ID_TBL (§9.8.3), ST73 HISTORY_LOG_CTRL_TBL (§9.8.4), ST74 HISTORY_LOG_DATA_TBL (§9.8.5),
 * ST75 EVENT_LOG_CTRL_TBL (§9.8.6) and ST76 EVENT_LOG_DATA_TBL (§9.8.7). ST71 dimensions the rest;
 * its EXT_LOG_FLAGS and NBR_PROGRAM_TABLES exist from STD_VERSION_NO 2 (C12.19-2008).
 */
import { type BitRecord, LIST_FLAGS, TableReader, TableWriter, type TimeDate, timeSizes } from './codec.js';
import type { TableContext } from './context.js';
import { TABLE_IDB_BFLD } from './procedures.js';

const LOG_FLAGS = [
  ['eventNumberFlag', 0, 1],
  ['histDateTimeFlag', 1, 1],
  ['histSeqNbrFlag', 2, 1],
  ['histInhibitOvfFlag', 3, 1],
  ['eventInhibitOvfFlag', 4, 1],
] as const;
const EXT_LOG_FLAGS = [
  ['metrologicalSigFlag', 0, 1],
  ['programSigFlag', 1, 1],
  ['alternateSigFlag', 2, 1],
  ['securedRegistersFlag', 3, 1],
] as const;

/** ST71 ACT_LOG_TBL (same layout as ST70 DIM_LOG_TBL). */
export interface ActLogTbl {
  readonly type: 'ACT_LOG_TBL';
  readonly logFlags: BitRecord<typeof LOG_FLAGS>;
  readonly nbrStdEvents: number;
  readonly nbrMfgEvents: number;
  readonly histDataLength: number;
  readonly eventDataLength: number;
  readonly nbrHistoryEntries: number;
  readonly nbrEventEntries: number;
  /** EXT_LOG_FLAGS and NBR_PROGRAM_TABLES (STD_VERSION_NO ≥ 2). */
  readonly extLogFlags?: BitRecord<typeof EXT_LOG_FLAGS>;
  readonly nbrProgramTables?: number;
}

/** Decodes ST71. */
export function decodeActLogTbl(bytes: Uint8Array, ctx: TableContext, offset = 0): ActLogTbl {
  const r = new TableReader(bytes, ctx, 'st71', offset);
  const base = {
    type: 'ACT_LOG_TBL' as const,
    logFlags: r.bits(1, LOG_FLAGS, 'log-flags'),
    nbrStdEvents: r.u8('nbr-std-events'),
    nbrMfgEvents: r.u8('nbr-mfg-events'),
    histDataLength: r.u8('hist-data-length'),
    eventDataLength: r.u8('event-data-length'),
    nbrHistoryEntries: r.u16('nbr-history-entries'),
    nbrEventEntries: r.u16('nbr-event-entries'),
  };
  const t: ActLogTbl =
    ctx.stdVersionNo >= 2
      ? {
          ...base,
          extLogFlags: r.bits(1, EXT_LOG_FLAGS, 'ext-log-flags'),
          nbrProgramTables: r.u16('nbr-program-tables'),
        }
      : base;
  r.end();
  return t;
}

/** Encodes ST71. */
export function encodeActLogTbl(t: ActLogTbl, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st71', 12);
  w.bits(t.logFlags, 1, LOG_FLAGS, 'log-flags')
    .u8(t.nbrStdEvents, 'nbr-std-events')
    .u8(t.nbrMfgEvents, 'nbr-mfg-events');
  w.u8(t.histDataLength, 'hist-data-length').u8(t.eventDataLength, 'event-data-length');
  w.u16(t.nbrHistoryEntries, 'nbr-history-entries').u16(t.nbrEventEntries, 'nbr-event-entries');
  if (ctx.stdVersionNo >= 2)
    w.bits(t.extLogFlags ?? ({} as BitRecord<typeof EXT_LOG_FLAGS>), 1, EXT_LOG_FLAGS, 'ext-log-flags').u16(
      t.nbrProgramTables ?? 0,
      'nbr-program-tables',
    );
  return w.finish();
}

/** ST72 EVENTS_ID_TBL: the standard and manufacturer event codes the device supports. */
export interface EventsIdTbl {
  readonly type: 'EVENTS_ID_TBL';
  readonly stdEventsSupported: readonly number[];
  readonly mfgEventsSupported: readonly number[];
}

/** Decodes ST72. */
export function decodeEventsIdTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st71: ActLogTbl,
  offset = 0,
): EventsIdTbl {
  const r = new TableReader(bytes, ctx, 'st72', offset);
  const t: EventsIdTbl = {
    type: 'EVENTS_ID_TBL',
    stdEventsSupported: r.set(st71.nbrStdEvents, 'std-events-supported'),
    mfgEventsSupported: r.set(st71.nbrMfgEvents, 'mfg-events-supported'),
  };
  r.end();
  return t;
}

/** Encodes ST72. */
export function encodeEventsIdTbl(t: EventsIdTbl, ctx: TableContext, st71: ActLogTbl): Uint8Array {
  const w = new TableWriter(ctx, 'st72', st71.nbrStdEvents + st71.nbrMfgEvents);
  w.set(t.stdEventsSupported, st71.nbrStdEvents, 'std-events-supported');
  return w.set(t.mfgEventsSupported, st71.nbrMfgEvents, 'mfg-events-supported').finish();
}

/** ST73 HISTORY_LOG_CTRL_TBL / ST75 EVENT_LOG_CTRL_TBL: what the log monitors. */
export interface LogCtrlTbl {
  readonly type: 'HISTORY_LOG_CTRL_TBL' | 'EVENT_LOG_CTRL_TBL';
  readonly stdEventsMonitoredFlags: readonly number[];
  readonly mfgEventsMonitoredFlags: readonly number[];
  readonly stdTblsMonitoredFlags: readonly number[];
  readonly mfgTblsMonitoredFlags: readonly number[];
  readonly stdProcMonitoredFlags: readonly number[];
  readonly mfgProcMonitoredFlags: readonly number[];
}

/** Decodes ST73 (`table` 73) or ST75 (`table` 75). */
export function decodeLogCtrlTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st71: ActLogTbl,
  table: 73 | 75,
  offset = 0,
): LogCtrlTbl {
  const r = new TableReader(bytes, ctx, `st${table}`, offset);
  const t: LogCtrlTbl = {
    type: table === 73 ? 'HISTORY_LOG_CTRL_TBL' : 'EVENT_LOG_CTRL_TBL',
    stdEventsMonitoredFlags: r.set(st71.nbrStdEvents, 'std-events-monitored-flags'),
    mfgEventsMonitoredFlags: r.set(st71.nbrMfgEvents, 'mfg-events-monitored-flags'),
    stdTblsMonitoredFlags: r.set(ctx.dimStdTblsUsed, 'std-tbls-monitored-flags'),
    mfgTblsMonitoredFlags: r.set(ctx.dimMfgTblsUsed, 'mfg-tbls-monitored-flags'),
    stdProcMonitoredFlags: r.set(ctx.dimStdProcUsed, 'std-proc-monitored-flags'),
    mfgProcMonitoredFlags: r.set(ctx.dimMfgProcUsed, 'mfg-proc-monitored-flags'),
  };
  r.end();
  return t;
}

/** Encodes ST73 / ST75. */
export function encodeLogCtrlTbl(t: LogCtrlTbl, ctx: TableContext, st71: ActLogTbl): Uint8Array {
  const w = new TableWriter(ctx, t.type === 'HISTORY_LOG_CTRL_TBL' ? 'st73' : 'st75', 64);
  w.set(t.stdEventsMonitoredFlags, st71.nbrStdEvents, 'std-events-monitored-flags');
  w.set(t.mfgEventsMonitoredFlags, st71.nbrMfgEvents, 'mfg-events-monitored-flags');
  w.set(t.stdTblsMonitoredFlags, ctx.dimStdTblsUsed, 'std-tbls-monitored-flags');
  w.set(t.mfgTblsMonitoredFlags, ctx.dimMfgTblsUsed, 'mfg-tbls-monitored-flags');
  w.set(t.stdProcMonitoredFlags, ctx.dimStdProcUsed, 'std-proc-monitored-flags');
  return w.set(t.mfgProcMonitoredFlags, ctx.dimMfgProcUsed, 'mfg-proc-monitored-flags').finish();
}

/** The list header of ST74 and ST76. */
export interface LogListStatus {
  readonly flags: BitRecord<typeof LIST_FLAGS>;
  readonly nbrValidEntries: number;
  readonly lastEntryElement: number;
  readonly lastEntrySeqNbr: number;
  readonly nbrUnreadEntries: number;
}

function readStatus(r: TableReader, flagsName: string): LogListStatus {
  return {
    flags: r.bits(1, LIST_FLAGS, flagsName),
    nbrValidEntries: r.u16('nbr-valid-entries'),
    lastEntryElement: r.u16('last-entry-element'),
    lastEntrySeqNbr: r.u32('last-entry-seq-nbr'),
    nbrUnreadEntries: r.u16('nbr-unread-entries'),
  };
}

function writeStatus(w: TableWriter, s: LogListStatus, flagsName: string): void {
  w.bits(s.flags, 1, LIST_FLAGS, flagsName).u16(s.nbrValidEntries, 'nbr-valid-entries');
  w.u16(s.lastEntryElement, 'last-entry-element').u32(s.lastEntrySeqNbr, 'last-entry-seq-nbr');
  w.u16(s.nbrUnreadEntries, 'nbr-unread-entries');
}

/** HISTORY_ENTRY_RCD. */
export interface HistoryEntryRcd {
  readonly historyTime?: TimeDate | undefined;
  readonly eventNumber?: number;
  readonly historySeqNbr?: number;
  readonly userId: number;
  readonly historyCode: BitRecord<typeof TABLE_IDB_BFLD>;
  readonly historyArgument: Uint8Array;
}

/** ST74 HISTORY_LOG_DATA_TBL. */
export interface HistoryLogDataTbl {
  readonly type: 'HISTORY_LOG_DATA_TBL';
  readonly status: LogListStatus;
  readonly entries: readonly HistoryEntryRcd[];
}

/** Decodes ST74 (NBR_HISTORY_ENTRIES, flags and HIST_DATA_LENGTH from ST71). */
export function decodeHistoryLogDataTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st71: ActLogTbl,
  offset = 0,
): HistoryLogDataTbl {
  const r = new TableReader(bytes, ctx, 'st74', offset);
  const status = readStatus(r, 'hist-flags');
  const f = st71.logFlags;
  const size =
    (f.histDateTimeFlag ? timeSizes(ctx).ltime : 0) +
    (f.eventNumberFlag ? 2 : 0) +
    (f.histSeqNbrFlag ? 2 : 0) +
    4 +
    st71.histDataLength;
  r.need(st71.nbrHistoryEntries, size, 'entries');
  const entries: HistoryEntryRcd[] = [];
  for (let i = 0; i < st71.nbrHistoryEntries; i++) {
    const p = `entries[${i}]`;
    const time = f.histDateTimeFlag ? { historyTime: r.ltime(`${p}.history-time`) } : {};
    const num = f.eventNumberFlag ? { eventNumber: r.u16(`${p}.event-number`) } : {};
    const seq = f.histSeqNbrFlag ? { historySeqNbr: r.u16(`${p}.history-seq-nbr`) } : {};
    entries.push({
      ...time,
      ...num,
      ...seq,
      userId: r.u16(`${p}.user-id`),
      historyCode: r.bits(2, TABLE_IDB_BFLD, `${p}.history-code`),
      historyArgument: r.bytes(st71.histDataLength, `${p}.history-argument`),
    });
  }
  r.end();
  return { type: 'HISTORY_LOG_DATA_TBL', status, entries };
}

/** Encodes ST74. */
export function encodeHistoryLogDataTbl(
  t: HistoryLogDataTbl,
  ctx: TableContext,
  st71: ActLogTbl,
): Uint8Array {
  const w = new TableWriter(ctx, 'st74', 128);
  writeStatus(w, t.status, 'hist-flags');
  const f = st71.logFlags;
  for (let i = 0; i < st71.nbrHistoryEntries; i++) {
    const p = `entries[${i}]`;
    const e = t.entries[i];
    if (f.histDateTimeFlag) w.ltime(e?.historyTime, `${p}.history-time`);
    if (f.eventNumberFlag) w.u16(e?.eventNumber ?? 0, `${p}.event-number`);
    if (f.histSeqNbrFlag) w.u16(e?.historySeqNbr ?? 0, `${p}.history-seq-nbr`);
    w.u16(e?.userId ?? 0, `${p}.user-id`);
    w.bits(
      e?.historyCode ?? { tblProcNbr: 0, stdVsMfgFlag: false, selector: 0 },
      2,
      TABLE_IDB_BFLD,
      `${p}.history-code`,
    );
    w.bytes(
      e?.historyArgument ?? new Uint8Array(st71.histDataLength),
      st71.histDataLength,
      `${p}.history-argument`,
    );
  }
  return w.finish();
}

/** EVENT_ENTRY_RCD. */
export interface EventEntryRcd {
  readonly eventTime: TimeDate | undefined;
  readonly eventNumber?: number;
  readonly eventSeqNbr: number;
  readonly userId: number;
  readonly eventCode: BitRecord<typeof TABLE_IDB_BFLD>;
  readonly eventArgument: Uint8Array;
}

/** ST76 EVENT_LOG_DATA_TBL. */
export interface EventLogDataTbl {
  readonly type: 'EVENT_LOG_DATA_TBL';
  readonly status: LogListStatus;
  readonly entries: readonly EventEntryRcd[];
}

/** Decodes ST76 (NBR_EVENT_ENTRIES, EVENT_NUMBER_FLAG and EVENT_DATA_LENGTH from ST71). */
export function decodeEventLogDataTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st71: ActLogTbl,
  offset = 0,
): EventLogDataTbl {
  const r = new TableReader(bytes, ctx, 'st76', offset);
  const status = readStatus(r, 'event-flags');
  const numbered = st71.logFlags.eventNumberFlag;
  r.need(
    st71.nbrEventEntries,
    timeSizes(ctx).ltime + (numbered ? 2 : 0) + 6 + st71.eventDataLength,
    'entries',
  );
  const entries: EventEntryRcd[] = [];
  for (let i = 0; i < st71.nbrEventEntries; i++) {
    const p = `entries[${i}]`;
    const eventTime = r.ltime(`${p}.event-time`);
    const num = numbered ? { eventNumber: r.u16(`${p}.event-number`) } : {};
    entries.push({
      eventTime,
      ...num,
      eventSeqNbr: r.u16(`${p}.event-seq-nbr`),
      userId: r.u16(`${p}.user-id`),
      eventCode: r.bits(2, TABLE_IDB_BFLD, `${p}.event-code`),
      eventArgument: r.bytes(st71.eventDataLength, `${p}.event-argument`),
    });
  }
  r.end();
  return { type: 'EVENT_LOG_DATA_TBL', status, entries };
}

/** Encodes ST76. */
export function encodeEventLogDataTbl(t: EventLogDataTbl, ctx: TableContext, st71: ActLogTbl): Uint8Array {
  const w = new TableWriter(ctx, 'st76', 128);
  writeStatus(w, t.status, 'event-flags');
  for (let i = 0; i < st71.nbrEventEntries; i++) {
    const p = `entries[${i}]`;
    const e = t.entries[i];
    w.ltime(e?.eventTime, `${p}.event-time`);
    if (st71.logFlags.eventNumberFlag) w.u16(e?.eventNumber ?? 0, `${p}.event-number`);
    w.u16(e?.eventSeqNbr ?? 0, `${p}.event-seq-nbr`).u16(e?.userId ?? 0, `${p}.user-id`);
    w.bits(
      e?.eventCode ?? { tblProcNbr: 0, stdVsMfgFlag: false, selector: 0 },
      2,
      TABLE_IDB_BFLD,
      `${p}.event-code`,
    );
    w.bytes(
      e?.eventArgument ?? new Uint8Array(st71.eventDataLength),
      st71.eventDataLength,
      `${p}.event-argument`,
    );
  }
  return w.finish();
}
