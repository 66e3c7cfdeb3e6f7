/**
 * Decade 5 time and time-of-use tables, ANSI C12.19-2008 §9.6: ST51 ACT_TIME_TOU_TBL (§9.6.2),
 * ST52 CLOCK_TBL (§9.6.3), ST53 TIME_OFFSET_TBL (§9.6.4), ST54 CALENDAR_TBL (§9.6.5), ST55
 * CLOCK_STATE_TBL (§9.6.6) and ST56 TIME_REMAIN_TBL (§9.6.7). Dates and times follow TM_FORMAT.
 */
import {
  type BitRecord,
  type CalendarDate,
  type RecurringDate,
  TableReader,
  TableWriter,
  type TimeDate,
  type TimeDateQual,
  type TimeOfDay,
  timeSizes,
} from './codec.js';
import type { TableContext } from './context.js';

const FUNC1 = [
  ['touSelfReadFlag', 0, 1],
  ['seasonSelfReadFlag', 1, 1],
  ['seasonDemandResetFlag', 2, 1],
  ['seasonChngArmedFlag', 3, 1],
  ['sortDatesFlag', 4, 1],
  ['anchorDateFlag', 5, 1],
] as const;
const FUNC2 = [
  ['capDstAutoFlag', 0, 1],
  ['separateWeekdaysFlag', 1, 1],
  ['separateSumDemandsFlag', 2, 1],
  ['sortTierSwitchesFlag', 3, 1],
  ['capTmZnOffsetFlag', 4, 1],
] as const;
const CALENDAR = [
  ['nbrSeasons', 0, 4],
  ['nbrSpecialSched', 4, 4],
] as const;

/** ST51 ACT_TIME_TOU_TBL (same layout as ST50 DIM_TIME_TOU_TBL). */
export interface ActTimeTouTbl {
  readonly type: 'ACT_TIME_TOU_TBL';
  readonly timeFuncFlag1: BitRecord<typeof FUNC1>;
  readonly timeFuncFlag2: BitRecord<typeof FUNC2>;
  readonly calendarFunc: BitRecord<typeof CALENDAR>;
  readonly nbrNonRecurrDates: number;
  readonly nbrRecurrDates: number;
  readonly nbrTierSwitches: number;
  readonly calendarTblSize: number;
}

/** Decodes ST51. */
export function decodeActTimeTouTbl(bytes: Uint8Array, ctx: TableContext, offset = 0): ActTimeTouTbl {
  const r = new TableReader(bytes, ctx, 'st51', offset);
  const t: ActTimeTouTbl = {
    type: 'ACT_TIME_TOU_TBL',
    timeFuncFlag1: r.bits(1, FUNC1, 'time-func-flag1'),
    timeFuncFlag2: r.bits(1, FUNC2, 'time-func-flag2'),
    calendarFunc: r.bits(1, CALENDAR, 'calendar-func'),
    nbrNonRecurrDates: r.u8('nbr-non-recurr-dates'),
    nbrRecurrDates: r.u8('nbr-recurr-dates'),
    nbrTierSwitches: r.u16('nbr-tier-switches'),
    calendarTblSize: r.u16('calendar-tbl-size'),
  };
  r.end();
  return t;
}

/** Encodes ST51. */
export function encodeActTimeTouTbl(t: ActTimeTouTbl, ctx: TableContext): Uint8Array {
  const w = new TableWriter(ctx, 'st51', 9);
  w.bits(t.timeFuncFlag1, 1, FUNC1, 'time-func-flag1').bits(t.timeFuncFlag2, 1, FUNC2, 'time-func-flag2');
  w.bits(t.calendarFunc, 1, CALENDAR, 'calendar-func').u8(t.nbrNonRecurrDates, 'nbr-non-recurr-dates');
  w.u8(t.nbrRecurrDates, 'nbr-recurr-dates').u16(t.nbrTierSwitches, 'nbr-tier-switches');
  return w.u16(t.calendarTblSize, 'calendar-tbl-size').finish();
}

/** ST52 CLOCK_TBL. */
export interface ClockTbl {
  readonly type: 'CLOCK_TBL';
  readonly clockCalendar: TimeDate | undefined;
  readonly timeDateQual: TimeDateQual;
}

/** Decodes ST52. */
export function decodeClockTbl(bytes: Uint8Array, ctx: TableContext, offset = 0): ClockTbl {
  const r = new TableReader(bytes, ctx, 'st52', offset);
  const t: ClockTbl = {
    type: 'CLOCK_TBL',
    clockCalendar: r.ltime('clock-calendar'),
    timeDateQual: r.qual('time-date-qual'),
  };
  r.end();
  return t;
}

/** Encodes ST52. */
export function encodeClockTbl(t: ClockTbl, ctx: TableContext): Uint8Array {
  return new TableWriter(ctx, 'st52', 8)
    .ltime(t.clockCalendar, 'clock-calendar')
    .qual(t.timeDateQual, 'time-date-qual')
    .finish();
}

/** ST53 TIME_OFFSET_TBL. */
export interface TimeOffsetTbl {
  readonly type: 'TIME_OFFSET_TBL';
  /** DST_TIME_EFF: time of day daylight saving time takes effect. */
  readonly dstTimeEff: TimeOfDay | undefined;
  /** DST_TIME_AMT: minutes added in DST. */
  readonly dstTimeAmt: number;
  /** TIME_ZONE_OFFSET: minutes from UTC (when CAP_TM_ZN_OFFSET_FLAG). */
  readonly timeZoneOffset?: number;
  /**
   * STD_TIME_EFF: time of day standard time takes effect. Present from STD_VERSION_NO 2
   * (C12.19-2008); a C12.19-1997 ST53 ends after TIME_ZONE_OFFSET.
   */
  readonly stdTimeEff?: TimeOfDay | undefined;
}

/**
 * Decodes ST53 TIME_OFFSET_TBL, ANSI C12.19-2008 §9.6.4: DST_TIME_EFF (TIME), DST_TIME_AMT
 * (UINT8 minutes), TIME_ZONE_OFFSET (INT16 minutes, only when ST51 CAP_TM_ZN_OFFSET_FLAG), then
 * STD_TIME_EFF (TIME, only when ST0 STD_VERSION_NO ≥ 2). The field order and sizes were checked
 * against three independent public implementations of the table (C12.19-2008 meter firmware with
 * ST53 at 4+1+2+4 octets under TM_FORMAT 4, and two readers that take STD_TIME_EFF only from
 * version 2 on).
 */
export function decodeTimeOffsetTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st51: ActTimeTouTbl,
  offset = 0,
): TimeOffsetTbl {
  const r = new TableReader(bytes, ctx, 'st53', offset);
  const dstTimeEff = r.time('dst-time-eff');
  const dstTimeAmt = r.u8('dst-time-amt');
  const tz = st51.timeFuncFlag2.capTmZnOffsetFlag ? { timeZoneOffset: r.int(2, 'time-zone-offset') } : {};
  const std = ctx.stdVersionNo >= 2 ? { stdTimeEff: r.time('std-time-eff') } : {};
  r.end();
  return { type: 'TIME_OFFSET_TBL', dstTimeEff, dstTimeAmt, ...tz, ...std };
}

/** Encodes ST53 (fields as `decodeTimeOffsetTbl`). */
export function encodeTimeOffsetTbl(t: TimeOffsetTbl, ctx: TableContext, st51: ActTimeTouTbl): Uint8Array {
  const w = new TableWriter(ctx, 'st53', 12);
  w.time(t.dstTimeEff, 'dst-time-eff').u8(t.dstTimeAmt, 'dst-time-amt');
  if (st51.timeFuncFlag2.capTmZnOffsetFlag) w.int(t.timeZoneOffset ?? 0, 2, 'time-zone-offset');
  if (ctx.stdVersionNo >= 2) w.time(t.stdTimeEff, 'std-time-eff');
  return w.finish();
}

/**
 * TIER_SWITCH_BFLD (UINT16): NEW_TIER bits 0–2, SUMMATION_SWITCH_FLAG bit 3, DEMANDS_SWITCH_FLAG bit
 * 4, SWITCH_MIN bits 5–10, SWITCH_HOUR bits 11–15. The two flags say whether the switch selects the
 * summation tier, the demand tier or both when ST51 SEPARATE_SUM_DEMANDS_FLAG is set; they are
 * decoded whatever that flag says so that every value round-trips.
 */
const TIER_SWITCH = [
  ['newTier', 0, 3],
  ['summationSwitchFlag', 3, 1],
  ['demandsSwitchFlag', 4, 1],
  ['switchMin', 5, 6],
  ['switchHour', 11, 5],
] as const;

/** TIER_SWITCH_BFLD of ST54, ANSI C12.19 §9.6.5. */
export type TierSwitchBfld = BitRecord<typeof TIER_SWITCH>;

/** ST54 CALENDAR_TBL (the DAILY_SCHEDULE_ID_MATRIX that follows the tier switches is kept as bytes). */
export interface CalendarTbl {
  readonly type: 'CALENDAR_TBL';
  /**
   * ANCHOR_DATE: the start date for PERIOD/DELTA recurring dates. The key is present exactly when
   * ST51 ANCHOR_DATE_FLAG is set (its value is `undefined` under TM_FORMAT 0, where dates are absent).
   */
  readonly anchorDate?: CalendarDate | undefined;
  readonly nonRecurrDates: readonly {
    readonly nonRecurrDate: CalendarDate | undefined;
    readonly calendarAction: number;
  }[];
  readonly recurrDates: readonly { readonly recurrDate: RecurringDate; readonly calendarAction: number }[];
  readonly tierSwitches: readonly {
    readonly tierSwitch: TierSwitchBfld;
    readonly daySchNum: number;
  }[];
  readonly dailyScheduleIdMatrix: Uint8Array;
}

/**
 * Decodes ST54 CALENDAR_TBL, ANSI C12.19 §9.6.5 (counts and ANCHOR_DATE_FLAG from ST51):
 * ANCHOR_DATE (DATE, only when ANCHOR_DATE_FLAG), NON_RECURR_DATES (DATE + CALENDAR_ACTION),
 * RECURR_DATES (RDATE + CALENDAR_ACTION), TIER_SWITCHES (TIER_SWITCH_BFLD + DAY_SCH_NUM), then the
 * DAILY_SCHEDULE_ID_MATRIX as bytes. The record is the same for every STD_VERSION_NO: no public
 * source gives C12.19-1997 a different TIER_SWITCH_BFLD, and 1997-era readers already carry the
 * SEPARATE_SUM_DEMANDS_FLAG that the two switch flags serve (see docs/c1219.md).
 */
export function decodeCalendarTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st51: ActTimeTouTbl,
  offset = 0,
): CalendarTbl {
  const r = new TableReader(bytes, ctx, 'st54', offset);
  const dateSize = ctx.tmFormat === 0 ? 0 : 3;
  const anchor = st51.timeFuncFlag1.anchorDateFlag ? { anchorDate: r.date('anchor-date') } : {};
  r.need(st51.nbrNonRecurrDates, dateSize + 1, 'non-recurr-dates');
  const nonRecurrDates = [];
  for (let i = 0; i < st51.nbrNonRecurrDates; i++)
    nonRecurrDates.push({
      nonRecurrDate: r.date(`non-recurr-dates[${i}].non-recurr-date`),
      calendarAction: r.u8(`non-recurr-dates[${i}].calendar-action`),
    });
  r.need(st51.nbrRecurrDates, 3, 'recurr-dates');
  const recurrDates = [];
  for (let i = 0; i < st51.nbrRecurrDates; i++)
    recurrDates.push({
      recurrDate: r.rdate(`recurr-dates[${i}].recurr-date`),
      calendarAction: r.u8(`recurr-dates[${i}].calendar-action`),
    });
  r.need(st51.nbrTierSwitches, 3, 'tier-switches');
  const tierSwitches = [];
  for (let i = 0; i < st51.nbrTierSwitches; i++)
    tierSwitches.push({
      tierSwitch: r.bits(2, TIER_SWITCH, `tier-switches[${i}].tier-switch`),
      daySchNum: r.u8(`tier-switches[${i}].day-sch-num`),
    });
  return {
    type: 'CALENDAR_TBL',
    ...anchor,
    nonRecurrDates,
    recurrDates,
    tierSwitches,
    dailyScheduleIdMatrix: r.rest(),
  };
}

/** Encodes ST54 (fields as `decodeCalendarTbl`; ANCHOR_DATE written when ST51 ANCHOR_DATE_FLAG). */
export function encodeCalendarTbl(t: CalendarTbl, ctx: TableContext, st51: ActTimeTouTbl): Uint8Array {
  const w = new TableWriter(ctx, 'st54', 64);
  if (st51.timeFuncFlag1.anchorDateFlag) w.date(t.anchorDate, 'anchor-date');
  for (const [i, d] of t.nonRecurrDates.entries())
    w.date(d.nonRecurrDate, `non-recurr-dates[${i}].non-recurr-date`).u8(
      d.calendarAction,
      `non-recurr-dates[${i}].calendar-action`,
    );
  for (const [i, d] of t.recurrDates.entries())
    w.rdate(d.recurrDate, `recurr-dates[${i}].recurr-date`).u8(
      d.calendarAction,
      `recurr-dates[${i}].calendar-action`,
    );
  for (const [i, s] of t.tierSwitches.entries())
    w.bits(s.tierSwitch, 2, TIER_SWITCH, `tier-switches[${i}].tier-switch`).u8(
      s.daySchNum,
      `tier-switches[${i}].day-sch-num`,
    );
  return w.raw(t.dailyScheduleIdMatrix).finish();
}

const STATUS_JOINT = [
  ['currTier', 0, 3],
  ['tierDrive', 6, 2],
  ['specialSchdActive', 8, 4],
  ['season', 12, 4],
] as const;
const STATUS_SEPARATE = [
  ['currSummTier', 0, 3],
  ['currDemandTier', 3, 3],
  ['tierDrive', 6, 2],
  ['specialSchdActive', 8, 4],
  ['season', 12, 4],
] as const;

/** ST55 STATUS: CURR_TIER, or CURR_SUMM_TIER and CURR_DEMAND_TIER when SEPARATE_SUM_DEMANDS_FLAG. */
export type ClockStatus = BitRecord<typeof STATUS_JOINT> | BitRecord<typeof STATUS_SEPARATE>;

/** ST55 CLOCK_STATE_TBL. */
export interface ClockStateTbl {
  readonly type: 'CLOCK_STATE_TBL';
  readonly clockCalendar: TimeDate | undefined;
  readonly timeDateQual: TimeDateQual;
  readonly status: ClockStatus;
}

/** Decodes ST55 (SEPARATE_SUM_DEMANDS_FLAG from ST51). */
export function decodeClockStateTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st51: ActTimeTouTbl,
  offset = 0,
): ClockStateTbl {
  const r = new TableReader(bytes, ctx, 'st55', offset);
  const clockCalendar = r.ltime('clock-calendar');
  const timeDateQual = r.qual('time-date-qual');
  const status = st51.timeFuncFlag2.separateSumDemandsFlag
    ? r.bits(2, STATUS_SEPARATE, 'status')
    : r.bits(2, STATUS_JOINT, 'status');
  r.end();
  return { type: 'CLOCK_STATE_TBL', clockCalendar, timeDateQual, status };
}

/** Encodes ST55. */
export function encodeClockStateTbl(t: ClockStateTbl, ctx: TableContext, st51: ActTimeTouTbl): Uint8Array {
  const w = new TableWriter(ctx, 'st55', 12);
  w.ltime(t.clockCalendar, 'clock-calendar').qual(t.timeDateQual, 'time-date-qual');
  if (st51.timeFuncFlag2.separateSumDemandsFlag)
    w.bits(t.status as BitRecord<typeof STATUS_SEPARATE>, 2, STATUS_SEPARATE, 'status');
  else w.bits(t.status as BitRecord<typeof STATUS_JOINT>, 2, STATUS_JOINT, 'status');
  return w.finish();
}

/** ST56 TIME_REMAIN_TBL (minutes remaining in the current tier(s), days to the next self read). */
export interface TimeRemainTbl {
  readonly type: 'TIME_REMAIN_TBL';
  readonly tierTimeRemain?: number;
  readonly summTierTimeRemain?: number;
  readonly demandTierTimeRemain?: number;
  readonly selfReadDaysRemain: number;
}

/** Decodes ST56 (SEPARATE_SUM_DEMANDS_FLAG from ST51). */
export function decodeTimeRemainTbl(
  bytes: Uint8Array,
  ctx: TableContext,
  st51: ActTimeTouTbl,
  offset = 0,
): TimeRemainTbl {
  const r = new TableReader(bytes, ctx, 'st56', offset);
  const tiers = st51.timeFuncFlag2.separateSumDemandsFlag
    ? {
        summTierTimeRemain: r.u16('summ-tier-time-remain'),
        demandTierTimeRemain: r.u16('demand-tier-time-remain'),
      }
    : { tierTimeRemain: r.u16('tier-time-remain') };
  const t: TimeRemainTbl = {
    type: 'TIME_REMAIN_TBL',
    ...tiers,
    selfReadDaysRemain: r.u8('self-read-days-remain'),
  };
  r.end();
  return t;
}

/** Encodes ST56. */
export function encodeTimeRemainTbl(t: TimeRemainTbl, ctx: TableContext, st51: ActTimeTouTbl): Uint8Array {
  const w = new TableWriter(ctx, 'st56', 5);
  if (st51.timeFuncFlag2.separateSumDemandsFlag)
    w.u16(t.summTierTimeRemain ?? 0, 'summ-tier-time-remain').u16(
      t.demandTierTimeRemain ?? 0,
      'demand-tier-time-remain',
    );
  else w.u16(t.tierTimeRemain ?? 0, 'tier-time-remain');
  return w.u8(t.selfReadDaysRemain, 'self-read-days-remain').finish();
}

/** Size of ST52 under `ctx` (LTIME_DATE + TIME_DATE_QUAL). */
export function clockTblSize(ctx: TableContext): number {
  return timeSizes(ctx).ltime + 1;
}
