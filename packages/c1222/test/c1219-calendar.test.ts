import { ErrorCode, fromHex, isMeterkitError, toHex, toJsonValue } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  type ActTimeTouTbl,
  type CalendarTbl,
  DEFAULT_TABLE_CONTEXT,
  decodeCalendarTbl,
  decodeGenConfigTbl,
  decodeTable,
  encodeCalendarTbl,
  encodeTable,
  type TableContext,
  type TableDependencies,
  tableContextFromGenConfig,
} from '../src/tables/index.js';
import vectors from './vectors/c1219/st54.json' with { type: 'json' };

interface CalendarVector {
  id: string;
  source: string;
  table: number;
  stdVersionNo: number;
  st0: string;
  deps: Record<string, string>;
  hex: string;
  expected: unknown;
}

function depsOf(v: CalendarVector): TableDependencies {
  const st0 = decodeGenConfigTbl(fromHex(v.st0));
  let deps: TableDependencies = { ctx: tableContextFromGenConfig(st0), st0 };
  for (const id of Object.keys(v.deps).map(Number))
    deps = { ...deps, [`st${id}`]: decodeTable(id, fromHex(v.deps[String(id)]!), deps) };
  return deps;
}

t.test('ST54 vectors decode and re-encode byte-exact under STD_VERSION_NO 1 and 2', async (t) => {
  const all = vectors as CalendarVector[];
  t.same([...new Set(all.map((v) => v.stdVersionNo))].sort(), [1, 2]);
  for (const v of all) {
    t.ok(v.source.startsWith('constructed'), `${v.id} says it is constructed`);
    const deps = depsOf(v);
    t.equal(deps.ctx.stdVersionNo, v.stdVersionNo, `${v.id} context version`);
    const decoded = decodeTable(54, fromHex(v.hex), deps);
    t.same(toJsonValue(decoded), v.expected, `${v.id} decode`);
    t.equal(toHex(encodeTable(decoded, deps)), v.hex, `${v.id} encode`);
  }
});

t.test('TIER_SWITCH_BFLD bit positions, checked value by value', async (t) => {
  const v = (vectors as CalendarVector[]).find((x) => x.id === 'c1219-st54-calendar-v1-anchor-le')!;
  const deps = depsOf(v);
  const one = (word: number): CalendarTbl['tierSwitches'][number]['tierSwitch'] => {
    const bytes = Uint8Array.from([0x1a, 0x01, 0x01, word & 0xff, word >> 8, 0, 1, 0, 1]);
    const tbl = decodeTable(54, bytes, deps) as CalendarTbl;
    return tbl.tierSwitches[0]!.tierSwitch;
  };
  t.same(one(0x0007), {
    newTier: 7,
    summationSwitchFlag: false,
    demandsSwitchFlag: false,
    switchMin: 0,
    switchHour: 0,
  });
  t.same(one(0x0008), {
    newTier: 0,
    summationSwitchFlag: true,
    demandsSwitchFlag: false,
    switchMin: 0,
    switchHour: 0,
  });
  t.same(one(0x0010), {
    newTier: 0,
    summationSwitchFlag: false,
    demandsSwitchFlag: true,
    switchMin: 0,
    switchHour: 0,
  });
  t.same(one(0x0020), {
    newTier: 0,
    summationSwitchFlag: false,
    demandsSwitchFlag: false,
    switchMin: 1,
    switchHour: 0,
  });
  t.same(one(0x0800), {
    newTier: 0,
    summationSwitchFlag: false,
    demandsSwitchFlag: false,
    switchMin: 0,
    switchHour: 1,
  });
  // 03:00 tier 1: the old layout (minutes from bit 3) read this word as 12:00.
  t.same(one(0x1801), {
    newTier: 1,
    summationSwitchFlag: false,
    demandsSwitchFlag: false,
    switchMin: 0,
    switchHour: 3,
  });
});

const st51 = (anchor: boolean, nbrTierSwitches: number, nbrNonRecurrDates = 0): ActTimeTouTbl => ({
  type: 'ACT_TIME_TOU_TBL',
  timeFuncFlag1: {
    touSelfReadFlag: false,
    seasonSelfReadFlag: false,
    seasonDemandResetFlag: false,
    seasonChngArmedFlag: false,
    sortDatesFlag: false,
    anchorDateFlag: anchor,
  },
  timeFuncFlag2: {
    capDstAutoFlag: false,
    separateWeekdaysFlag: false,
    separateSumDemandsFlag: true,
    sortTierSwitchesFlag: false,
    capTmZnOffsetFlag: false,
  },
  calendarFunc: { nbrSeasons: 1, nbrSpecialSched: 0 },
  nbrNonRecurrDates,
  nbrRecurrDates: 0,
  nbrTierSwitches,
  calendarTblSize: 0,
});

t.test('ST54 round trips for arbitrary tier switches, both versions, both data orders', async (t) => {
  const tierSwitch = fc.record({
    tierSwitch: fc.record({
      newTier: fc.integer({ min: 0, max: 7 }),
      summationSwitchFlag: fc.boolean(),
      demandsSwitchFlag: fc.boolean(),
      switchMin: fc.integer({ min: 0, max: 63 }),
      switchHour: fc.integer({ min: 0, max: 31 }),
    }),
    daySchNum: fc.integer({ min: 0, max: 255 }),
  });
  fc.assert(
    fc.property(
      fc.array(tierSwitch, { maxLength: 8 }),
      fc.boolean(),
      fc.constantFrom(1, 2),
      fc.constantFrom(0, 1),
      fc.uint8Array({ maxLength: 6 }),
      (switches, anchor, stdVersionNo, dataOrder, matrix) => {
        const ctx: TableContext = { ...DEFAULT_TABLE_CONTEXT, tmFormat: 2, stdVersionNo, dataOrder };
        const dims = st51(anchor, switches.length);
        const tbl: CalendarTbl = {
          type: 'CALENDAR_TBL',
          ...(anchor ? { anchorDate: { year: 2030, month: 2, day: 28 } } : {}),
          nonRecurrDates: [],
          recurrDates: [],
          tierSwitches: switches,
          dailyScheduleIdMatrix: matrix,
        };
        const bytes = encodeCalendarTbl(tbl, ctx, dims);
        t.equal(bytes.length, (anchor ? 3 : 0) + 3 * switches.length + matrix.length);
        const back = decodeCalendarTbl(bytes, ctx, dims);
        if (JSON.stringify(toJsonValue(back)) !== JSON.stringify(toJsonValue(tbl)))
          throw new Error('mismatch');
      },
    ),
    { numRuns: 300 },
  );
  t.pass('round trips');
});

t.test('ST54 malformed: short anchor date, lying counts, out-of-range fields', async (t) => {
  const ctx: TableContext = { ...DEFAULT_TABLE_CONTEXT, tmFormat: 2, stdVersionNo: 2 };
  t.throws(() => decodeCalendarTbl(Uint8Array.of(0x1a, 0x01), ctx, st51(true, 0)), {
    code: ErrorCode.Truncated,
  });
  t.throws(() => decodeCalendarTbl(Uint8Array.of(1, 2, 3), ctx, st51(false, 2000)), {
    code: ErrorCode.LengthOverrun,
  });
  t.throws(() => decodeCalendarTbl(Uint8Array.of(1, 2, 3), ctx, st51(false, 0, 200)), {
    code: ErrorCode.LengthOverrun,
  });
  const bad: CalendarTbl = {
    type: 'CALENDAR_TBL',
    nonRecurrDates: [],
    recurrDates: [],
    tierSwitches: [
      {
        tierSwitch: {
          newTier: 8,
          summationSwitchFlag: false,
          demandsSwitchFlag: false,
          switchMin: 0,
          switchHour: 0,
        },
        daySchNum: 0,
      },
    ],
    dailyScheduleIdMatrix: new Uint8Array(0),
  };
  t.throws(() => encodeCalendarTbl(bad, ctx, st51(false, 1)), { code: ErrorCode.ValueOutOfRange });
  t.throws(
    () => encodeCalendarTbl({ ...bad, tierSwitches: [] }, ctx, st51(true, 0)),
    { code: ErrorCode.EncodeFailed },
    'ANCHOR_DATE_FLAG set but no anchor date',
  );
  // Arbitrary bytes raise only MeterkitError.
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 40 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 12 }),
      (b, a, n) => {
        try {
          decodeCalendarTbl(b, ctx, st51(a, n, n));
        } catch (e) {
          if (!isMeterkitError(e)) throw e;
        }
      },
    ),
    { numRuns: 300 },
  );
});
