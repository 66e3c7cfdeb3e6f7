import { ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import t from 'tap';
import {
  type ActLogTbl,
  type ActRegsTbl,
  type ActSourcesLimTbl,
  type ActTimeTouTbl,
  type C1219Table,
  type DataBlkRcd,
  DEFAULT_TABLE_CONTEXT,
  decodeTable,
  encodeTable,
  type TableContext,
  type TableDependencies,
  tableNumberOf,
} from '../src/tables/index.js';

const q = {
  dayOfWeek: 2,
  dstFlag: true,
  gmtFlag: false,
  tmZnAppliedFlag: false,
  dstAppliedFlag: true,
  dstSupportedFlag: true,
};

function st11(
  flags: Partial<ActSourcesLimTbl['sourceFlags']>,
  extra: Partial<ActSourcesLimTbl> = {},
): ActSourcesLimTbl {
  return {
    type: 'ACT_SOURCES_LIM_TBL',
    sourceFlags: {
      pfExcludeFlag: false,
      resetExcludeFlag: false,
      blockDemandFlag: false,
      slidingDemandFlag: false,
      thermalDemandFlag: false,
      set1PresentFlag: false,
      set2PresentFlag: false,
      ...flags,
    },
    nbrUomEntries: 0,
    nbrDemandCtrlEntries: 2,
    dataCtrlLength: 3,
    nbrDataCtrlEntries: 2,
    nbrConstantsEntries: 1,
    constantsSelector: 2,
    nbrSources: 0,
    ...extra,
  };
}

const st21: ActRegsTbl = {
  type: 'ACT_REGS_TBL',
  regFunc1Flags: {
    seasonInfoFieldFlag: true,
    dateTimeFieldFlag: true,
    demandResetCtrFlag: false,
    demandResetLockFlag: false,
    cumDemandFlag: false,
    contCumDemandFlag: true,
    timeRemainingFlag: true,
  },
  regFunc2Flags: {
    selfReadInhibitOverflowFlag: false,
    selfReadSeqNbrFlag: true,
    dailySelfReadFlag: true,
    weeklySelfReadFlag: false,
    selfReadDemandReset: 2,
  },
  nbrSelfReads: 2,
  nbrSummations: 1,
  nbrDemands: 1,
  nbrCoinValues: 1,
  nbrOccur: 2,
  nbrTiers: 1,
  nbrPresentDemands: 2,
  nbrPresentValues: 1,
};

const st51 = (sep: boolean, tz: boolean): ActTimeTouTbl => ({
  type: 'ACT_TIME_TOU_TBL',
  timeFuncFlag1: {
    touSelfReadFlag: true,
    seasonSelfReadFlag: false,
    seasonDemandResetFlag: false,
    seasonChngArmedFlag: false,
    sortDatesFlag: false,
    anchorDateFlag: false,
  },
  timeFuncFlag2: {
    capDstAutoFlag: true,
    separateWeekdaysFlag: false,
    separateSumDemandsFlag: sep,
    sortTierSwitchesFlag: false,
    capTmZnOffsetFlag: tz,
  },
  calendarFunc: { nbrSeasons: 1, nbrSpecialSched: 0 },
  nbrNonRecurrDates: 1,
  nbrRecurrDates: 1,
  nbrTierSwitches: 2,
  calendarTblSize: 16,
});

const st71: ActLogTbl = {
  type: 'ACT_LOG_TBL',
  logFlags: {
    eventNumberFlag: false,
    histDateTimeFlag: false,
    histSeqNbrFlag: false,
    histInhibitOvfFlag: true,
    eventInhibitOvfFlag: true,
  },
  nbrStdEvents: 2,
  nbrMfgEvents: 1,
  histDataLength: 0,
  eventDataLength: 0,
  nbrHistoryEntries: 1,
  nbrEventEntries: 1,
};

function ctxOf(over: Partial<TableContext>): TableContext {
  return {
    ...DEFAULT_TABLE_CONTEXT,
    dimStdTblsUsed: 2,
    dimMfgTblsUsed: 1,
    dimStdProcUsed: 1,
    dimMfgProcUsed: 0,
    ...over,
  };
}

function blk(ctx: TableContext, v: number): DataBlkRcd {
  const ev = {
    year: 2026,
    month: 1,
    day: 2,
    hour: 3,
    minute: 4,
    ...(ctx.tmFormat === 4 ? { second: 0 } : {}),
  };
  return {
    summations: [v],
    demands: [{ eventTime: [ev, ev], contCumDemand: v + 1, demand: [v + 2, v + 3] }],
    coincidents: [[v + 4, v + 5]],
  };
}

function typedTables(ctx: TableContext): { deps: TableDependencies; tables: C1219Table[] } {
  const deps: TableDependencies = {
    ctx,
    st11: st11({
      resetExcludeFlag: true,
      pfExcludeFlag: true,
      slidingDemandFlag: true,
      set1PresentFlag: true,
      set2PresentFlag: true,
    }),
    st21,
    st51: st51(true, true),
    st71,
  };
  const reg = { totDataBlock: blk(ctx, 10), tierDataBlock: [blk(ctx, 20)] };
  const end = {
    year: 2025,
    month: 12,
    day: 31,
    hour: 23,
    minute: 59,
    ...(ctx.tmFormat === 4 ? { second: 0 } : {}),
  };
  const tables: C1219Table[] = [
    {
      type: 'DEMAND_CONTROL_TBL',
      resetExclusion: 5,
      pFailRecogntnTm: 6,
      pFailExclusion: 7,
      coldLoadPickup: 8,
      intervalValue: [
        { subInt: 5, intMultiplier: 3 },
        { subInt: 15, intMultiplier: 1 },
      ],
    },
    { type: 'DATA_CONTROL_TBL', sourceId: [Uint8Array.from([1, 2, 3]), Uint8Array.from([4, 5, 6])] },
    {
      type: 'CONSTANTS_TBL',
      constantsSelector: 2,
      electricConstants: [
        {
          multiplier: 3,
          offset: -1,
          set1Constants: { ratioF1: 120, ratioP1: 60 },
          set2Constants: { ratioF2: 1, ratioP2: 2 },
        },
      ],
    },
    { type: 'PREV_SEASON_DATA_TBL', endDateTime: end, season: 2, registerData: reg },
    { type: 'PREV_DEMAND_RESET_DATA_TBL', endDateTime: end, season: 0, registerData: reg },
    {
      type: 'SELF_READ_DATA_TBL',
      listStatus: {
        selfReadFlags: {
          orderFlag: false,
          overflowFlag: true,
          listTypeFlag: true,
          inhibitOverflowFlag: false,
        },
        nbrValidEntries: 2,
        lastEntryElement: 1,
        lastEntrySeqNumber: 300,
        nbrUnreadEntries: 1,
      },
      selfReadEntries: [
        { selfReadSeqNbr: 299, endDateTime: end, season: 1, selfReadRegisterData: reg },
        { selfReadSeqNbr: 300, endDateTime: end, season: 1, selfReadRegisterData: reg },
      ],
    },
    {
      type: 'PRESENT_REGISTER_DATA_TBL',
      presentDemand: [
        { timeRemaining: { hour: 0, minute: 12, second: 30 }, demandValue: 1500 },
        { timeRemaining: { hour: 1, minute: 0, second: 0 }, demandValue: -7 },
      ],
      presentValue: [42],
    },
    {
      type: 'TIME_OFFSET_TBL',
      dstTimeEff: { hour: 2, minute: 0, second: 0 },
      dstTimeAmt: 60,
      timeZoneOffset: -300,
      ...(ctx.stdVersionNo >= 2 ? { stdTimeEff: { hour: 2, minute: 0, second: 0 } } : {}),
    },
    {
      type: 'CLOCK_STATE_TBL',
      clockCalendar: { ...end, second: 1 },
      timeDateQual: q,
      status: { currSummTier: 1, currDemandTier: 2, tierDrive: 1, specialSchdActive: 0, season: 3 },
    },
    { type: 'TIME_REMAIN_TBL', summTierTimeRemain: 100, demandTierTimeRemain: 200, selfReadDaysRemain: 3 },
    {
      type: 'HISTORY_LOG_CTRL_TBL',
      stdEventsMonitoredFlags: [1, 15],
      mfgEventsMonitoredFlags: [0],
      stdTblsMonitoredFlags: [7],
      mfgTblsMonitoredFlags: [],
      stdProcMonitoredFlags: [3],
      mfgProcMonitoredFlags: [],
    },
    {
      type: 'EVENT_LOG_CTRL_TBL',
      stdEventsMonitoredFlags: [],
      mfgEventsMonitoredFlags: [7],
      stdTblsMonitoredFlags: [],
      mfgTblsMonitoredFlags: [2],
      stdProcMonitoredFlags: [],
      mfgProcMonitoredFlags: [],
    },
    {
      type: 'HISTORY_LOG_DATA_TBL',
      status: {
        flags: { orderFlag: true, overflowFlag: false, listTypeFlag: false, inhibitOverflowFlag: true },
        nbrValidEntries: 1,
        lastEntryElement: 0,
        lastEntrySeqNbr: 1,
        nbrUnreadEntries: 0,
      },
      entries: [
        {
          userId: 9,
          historyCode: { tblProcNbr: 7, stdVsMfgFlag: false, selector: 3 },
          historyArgument: new Uint8Array(0),
        },
      ],
    },
  ];
  if (ctx.tmFormat === 1 || ctx.tmFormat === 2)
    tables.push({
      type: 'CALENDAR_TBL',
      nonRecurrDates: [{ nonRecurrDate: { year: 2026, month: 12, day: 25 }, calendarAction: 0x40 }],
      recurrDates: [{ recurrDate: { month: 7, offset: 0, weekday: 0, day: 4 }, calendarAction: 0x41 }],
      tierSwitches: [
        {
          tierSwitch: {
            newTier: 1,
            summationSwitchFlag: true,
            demandsSwitchFlag: false,
            switchMin: 0,
            switchHour: 7,
          },
          daySchNum: 0,
        },
        {
          tierSwitch: {
            newTier: 0,
            summationSwitchFlag: false,
            demandsSwitchFlag: true,
            switchMin: 30,
            switchHour: 21,
          },
          daySchNum: 0,
        },
      ],
      dailyScheduleIdMatrix: Uint8Array.from([0, 0, 1]),
    });
  return { deps, tables };
}

const stringify = (v: unknown): string =>
  JSON.stringify(v, (_, x) => (x instanceof Uint8Array ? toHex(x) : typeof x === 'bigint' ? `${x}n` : x));

t.test('every typed table round trips under several contexts', async (t) => {
  const contexts = [
    ctxOf({}),
    ctxOf({ dataOrder: 1, tmFormat: 1, intFormat: 1, niFormat1: 9, niFormat2: 7 }),
    ctxOf({ tmFormat: 3, intFormat: 2, niFormat1: 8, niFormat2: 10 }),
    ctxOf({ tmFormat: 4, niFormat1: 0, niFormat2: 1 }),
    ctxOf({ dataOrder: 1, tmFormat: 0, niFormat1: 4, niFormat2: 8 }),
  ];
  for (const ctx of contexts) {
    const { deps, tables } = typedTables(ctx);
    for (const table of tables) {
      const n = tableNumberOf(table);
      const bytes = encodeTable(table, deps);
      const back = decodeTable(n, bytes, deps);
      const expected = ctx.tmFormat === 0 ? stringify(back) : stringify(table);
      t.equal(stringify(back), expected, `ST${n} ctx tm${ctx.tmFormat} order${ctx.dataOrder}`);
      t.equal(toHex(encodeTable(back, deps)), toHex(bytes), `ST${n} mirror`);
    }
  }
});

t.test('hand-checked bytes for context-dependent fields', async (t) => {
  const ctx = ctxOf({ stdVersionNo: 2 });
  const deps = typedTables(ctx).deps;
  const st53 = encodeTable(
    {
      type: 'TIME_OFFSET_TBL',
      dstTimeEff: { hour: 2, minute: 0, second: 0 },
      dstTimeAmt: 60,
      timeZoneOffset: -300,
      stdTimeEff: { hour: 3, minute: 0, second: 0 },
    },
    deps,
  );
  t.equal(toHex(st53), '020000' + '3c' + 'd4fe' + '030000');
  const ctx3 = ctxOf({ tmFormat: 3, dataOrder: 1, stdVersionNo: 2 });
  const st53b = encodeTable(
    {
      type: 'TIME_OFFSET_TBL',
      dstTimeEff: { hour: 2, minute: 0, second: 0 },
      dstTimeAmt: 60,
      stdTimeEff: { hour: 0, minute: 1, second: 2 },
    },
    { ...deps, ctx: ctx3, st51: st51(false, false) },
  );
  t.equal(toHex(st53b), '00001c20' + '3c' + '0000003e');
  // C12.19-1997 (STD_VERSION_NO 1): no STD_TIME_EFF
  const v1 = { ...deps, ctx: { ...ctx, stdVersionNo: 1 } };
  const st53v1 = encodeTable(
    {
      type: 'TIME_OFFSET_TBL',
      dstTimeEff: { hour: 2, minute: 0, second: 0 },
      dstTimeAmt: 60,
      timeZoneOffset: -300,
    },
    v1,
  );
  t.equal(toHex(st53v1), '020000' + '3c' + 'd4fe');
  t.same(decodeTable(53, st53v1, v1), {
    type: 'TIME_OFFSET_TBL',
    dstTimeEff: { hour: 2, minute: 0, second: 0 },
    dstTimeAmt: 60,
    timeZoneOffset: -300,
  });
  t.throws(
    () => decodeTable(53, fromHex('0200003cd4fe030000'), v1),
    { code: 208 },
    'a version-2 ST53 is too long for version 1',
  );
  const st56 = encodeTable(
    { type: 'TIME_REMAIN_TBL', tierTimeRemain: 0x0102, selfReadDaysRemain: 9 },
    { ...deps, st51: st51(false, false) },
  );
  t.equal(toHex(st56), '020109');
  const ni = (code: number, v: number | bigint | string) =>
    toHex(
      encodeTable(
        { type: 'PRESENT_REGISTER_DATA_TBL', presentDemand: [], presentValue: [v] },
        { ctx: ctxOf({ niFormat1: code }), st21: { ...st21, nbrPresentDemands: 0 } },
      ),
    );
  t.equal(ni(4, 1.2345), '39300000', 'INT32 with 4 implied decimals');
  t.equal(ni(11, -2n), 'feffffffffffffff', 'INT64');
  t.equal(ni(12, 1234567890123456), '1234567890123456', 'FIXED_BCD8');
  t.equal(ni(6, 12345678), '12345678', 'FIXED_BCD4');
  t.equal(
    ni(13, '1.5'),
    toHex(Uint8Array.from(`1.5${' '.repeat(18)}`, (c) => c.charCodeAt(0))),
    'FLOAT_CHAR21',
  );
  t.equal(ni(2, '-0.25E+1'), toHex(Uint8Array.from('-0.25E+1    ', (c) => c.charCodeAt(0))), 'FLOAT_CHAR12');
  const ones = (v: number) =>
    toHex(
      encodeTable(
        { type: 'PRESENT_REGISTER_DATA_TBL', presentDemand: [], presentValue: [v] },
        { ctx: ctxOf({ niFormat1: 8, intFormat: 1 }), st21: { ...st21, nbrPresentDemands: 0 } },
      ),
    );
  t.equal(ones(-1), 'feffffff', "one's complement −1");
  t.equal(ones(-0), 'ffffffff', "one's complement −0");
  const bad = (code: number, v: number | bigint | string) => {
    try {
      ni(code, v);
    } catch (e) {
      return isMeterkitError(e) ? e.code : -1;
    }
    return 0;
  };
  t.equal(bad(11, 5), ErrorCode.EncodeFailed, 'INT64 needs a bigint');
  t.equal(bad(2, 5), ErrorCode.EncodeFailed, 'FLOAT_CHAR needs characters');
  t.equal(bad(8, '5'), ErrorCode.EncodeFailed, 'INT32 needs a number');
  t.equal(bad(10, 2 ** 48), ErrorCode.ValueOutOfRange);
  t.equal(bad(5, -1), ErrorCode.ValueOutOfRange, 'BCD is unsigned');
  t.equal(bad(14, 1), ErrorCode.Unsupported);
  const reserved = decodeTable(21, new Uint8Array(10), { ctx });
  t.ok(reserved);
  let err: unknown;
  try {
    decodeTable(28, new Uint8Array(8), {
      ctx: ctxOf({ niFormat1: 15 }),
      st21: { ...st21, nbrPresentDemands: 0 },
    });
  } catch (e) {
    err = e;
  }
  t.ok(isMeterkitError(err, ErrorCode.Unsupported));
  // ST15 with gas constants passes through
  const gas = decodeTable(15, Uint8Array.from([1, 2, 3]), { ctx, st11: st11({}, { constantsSelector: 0 }) });
  t.same(gas, { type: 'CONSTANTS_TBL', constantsSelector: 0, data: Uint8Array.from([1, 2, 3]) });
  t.equal(toHex(encodeTable(gas, { ctx, st11: st11({}, { constantsSelector: 0 }) })), '010203');
  // ST13 without sliding demand uses INT_LENGTH
  const dc = decodeTable(13, Uint8Array.from([15, 0, 30, 0]), { ctx, st11: st11({}) });
  t.same(dc, { type: 'DEMAND_CONTROL_TBL', intervalValue: [{ intLength: 15 }, { intLength: 30 }] });
  t.equal(toHex(encodeTable(dc, { ctx, st11: st11({}) })), '0f001e00');
});
