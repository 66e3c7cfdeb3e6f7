/**
 * DER event scheduler (IEEE 2030.5-2018 §12.1.3): scenario tables on a virtual clock, following the SunSpec
 * CSIP scheduling scenarios (BASIC-016..026, CORE-021..023) and the CSIP-AUS procedures ALL-18, ALL-21,
 * ALL-22, GEN-09 and GEN-10 (bsgip/cactus-test-definitions), plus the unit rules around them.
 */
import { isMeterkitError } from '@meterkit/core';
import t from 'tap';
import type { DERControl, DERProgram, DefaultDERControl } from '../src/model/generated/types.js';
import {
  DerScheduler,
  type DerSchedulerOptions,
  EventStatusCode,
  modesOf,
  parseResponseRequired,
  ResponseStatus as RS,
  randomOffset,
  responseAllowed,
  type SchedulerDERControl,
  type SchedulerDERControlBase,
  type SchedulerDERProgram,
  type SchedulerTick,
  seededRandom,
  toResponseResource,
} from '../src/scheduler/index.js';

const T0 = 1_700_000_000;

/** The MeterkitError code `fn` throws, or `undefined`. */
function errorCode(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return isMeterkitError(e) ? e.code : -1;
  }
  return undefined;
}
const W = (value: number) => ({ multiplier: 0, value });

interface CtlOptions {
  readonly created?: number;
  readonly status?: number;
  readonly randomizeStart?: number;
  readonly randomizeDuration?: number;
  readonly responseRequired?: string;
  readonly deviceCategory?: string;
}

/** A DERControl starting `start` seconds after T0. */
function ctl(
  mRID: string,
  start: number,
  duration: number,
  base: SchedulerDERControlBase,
  o: CtlOptions = {},
): SchedulerDERControl {
  return {
    mRID,
    creationTime: T0 + (o.created ?? 0),
    EventStatus: { currentStatus: o.status ?? 0, dateTime: T0, potentiallySuperseded: false },
    interval: { start: T0 + start, duration },
    ...(o.randomizeStart === undefined ? {} : { randomizeStart: o.randomizeStart }),
    ...(o.randomizeDuration === undefined ? {} : { randomizeDuration: o.randomizeDuration }),
    ...(o.deviceCategory === undefined ? {} : { deviceCategory: o.deviceCategory }),
    responseRequired: o.responseRequired ?? '03',
    replyTo: '/rsps/1/rsp',
    DERControlBase: base,
  };
}

function withStatus(c: SchedulerDERControl, currentStatus: number): SchedulerDERControl {
  return { ...c, EventStatus: { ...c.EventStatus, currentStatus } };
}

function prog(
  mRID: string,
  primacy: number,
  controls: readonly SchedulerDERControl[],
  dflt?: SchedulerDERControlBase,
): SchedulerDERProgram {
  return {
    mRID,
    primacy,
    ...(dflt === undefined ? {} : { DefaultDERControl: { mRID: `${mRID}-dderc`, DERControlBase: dflt } }),
    DERControlList: { DERControl: controls },
  };
}

type Resp = readonly [subject: string, status: number, at: number];

interface Step {
  /** Seconds after T0. */
  readonly at: number;
  readonly programs?: readonly SchedulerDERProgram[];
  /** mode → mRID of the event or DefaultDERControl in effect; `null` for nothing. */
  readonly active?: Readonly<Record<string, string | null>>;
  /** Responses produced since the previous step that listed responses, times relative to T0. */
  readonly responses?: readonly Resp[];
}

interface Scenario {
  readonly name: string;
  readonly steps: readonly Step[];
  readonly options?: DerSchedulerOptions;
}

function shortResponses(tick: SchedulerTick): Resp[] {
  return tick.responses.map((r) => [r.subject, r.status, r.createdDateTime - T0] as const);
}

interface Check {
  readonly found: unknown;
  readonly wanted: unknown;
  readonly message: string;
}

/** Runs a scenario on a virtual clock; returns the scheduler and the comparisons to assert. */
function runScenario(s: Scenario): { sched: DerScheduler; checks: Check[] } {
  const sched = new DerScheduler({ randomSource: seededRandom(7), responseRequired: 0, ...s.options });
  const checks: Check[] = [];
  let pending: Resp[] = [];
  for (const step of s.steps) {
    if (step.programs !== undefined) sched.update(step.programs, T0 + step.at);
    const tick = sched.tick(T0 + step.at);
    if (step.active !== undefined) {
      for (const [mode, wanted] of Object.entries(step.active)) {
        const found = tick.active[mode as keyof typeof tick.active]?.mRID ?? null;
        checks.push({ found, wanted, message: `${s.name} @${step.at}: ${mode}` });
      }
    }
    pending = pending.concat(shortResponses(tick));
    if (step.responses !== undefined) {
      checks.push({ found: pending, wanted: step.responses, message: `${s.name} @${step.at}: responses` });
      pending = [];
    }
  }
  return { sched, checks };
}

const EXP = { opModExpLimW: W(5000) };
const EXP2 = { opModExpLimW: W(1000) };
const IMP = { opModImpLimW: W(3000) };
const GEN = { opModGenLimW: W(0), opModConnect: false };

const scenarios: Scenario[] = [
  {
    name: 'BASIC-016 two programs, two defaults, no control: the higher-priority default applies per mode',
    steps: [
      {
        at: 0,
        programs: [
          prog('sys', 2, [], { opModExpLimW: W(9000), opModImpLimW: W(8000) }),
          prog('sp', 1, [], { opModExpLimW: W(1500) }),
        ],
        active: { opModExpLimW: 'sp-dderc', opModImpLimW: 'sys-dderc', opModGenLimW: null },
        responses: [],
      },
    ],
  },
  {
    name: 'BASIC-017 one program, no default, one control',
    steps: [
      {
        at: 0,
        programs: [prog('p', 1, [ctl('A', 60, 300, EXP)])],
        active: { opModExpLimW: null },
        responses: [['A', RS.EventReceived, 0]],
      },
      { at: 59, active: { opModExpLimW: null }, responses: [] },
      { at: 60, active: { opModExpLimW: 'A' }, responses: [['A', RS.EventStarted, 60]] },
      { at: 359, active: { opModExpLimW: 'A' }, responses: [] },
      { at: 360, active: { opModExpLimW: null }, responses: [['A', RS.EventCompleted, 360]] },
    ],
  },
  {
    name: 'BASIC-018 one program, one default, one control: control wins while active',
    steps: [
      {
        at: 0,
        programs: [prog('p', 1, [ctl('A', 60, 300, EXP)], EXP2)],
        active: { opModExpLimW: 'p-dderc' },
      },
      { at: 100, active: { opModExpLimW: 'A' } },
      // Ticking late still reports each status at the instant it occurred.
      {
        at: 1000,
        active: { opModExpLimW: 'p-dderc' },
        responses: [
          ['A', RS.EventReceived, 0],
          ['A', RS.EventStarted, 60],
          ['A', RS.EventCompleted, 360],
        ],
      },
    ],
  },
  {
    name: 'BASIC-019 one program, one default, two non-overlapping similar controls',
    steps: [
      {
        at: 0,
        programs: [prog('p', 1, [ctl('A', 0, 100, EXP), ctl('B', 200, 100, EXP2)], IMP)],
        active: { opModExpLimW: 'A', opModImpLimW: 'p-dderc' },
      },
      { at: 150, active: { opModExpLimW: null, opModImpLimW: 'p-dderc' } },
      { at: 250, active: { opModExpLimW: 'B' } },
      {
        at: 300,
        active: { opModExpLimW: null },
        responses: [
          ['A', RS.EventReceived, 0],
          ['B', RS.EventReceived, 0],
          ['A', RS.EventStarted, 0],
          ['A', RS.EventCompleted, 100],
          ['B', RS.EventStarted, 200],
          ['B', RS.EventCompleted, 300],
        ],
      },
    ],
  },
  {
    name: 'BASIC-020 two programs, two defaults, two non-overlapping similar controls',
    steps: [
      {
        at: 0,
        programs: [
          prog('sp', 1, [ctl('A', 0, 100, EXP)], { opModExpLimW: W(10) }),
          prog('sys', 2, [ctl('B', 200, 100, EXP2)], { opModExpLimW: W(20) }),
        ],
        active: { opModExpLimW: 'A' },
      },
      { at: 150, active: { opModExpLimW: 'sp-dderc' } },
      { at: 200, active: { opModExpLimW: 'B' } },
      { at: 300, active: { opModExpLimW: 'sp-dderc' } },
    ],
  },
  {
    name: 'BASIC-021 overlapping similar controls, system control follows service-point control',
    steps: [
      {
        at: 0,
        programs: [
          prog('sp', 1, [ctl('A', 0, 600, EXP)]),
          prog('sys', 2, [ctl('B', 300, 600, EXP2, { created: 5 })]),
        ],
        active: { opModExpLimW: 'A' },
      },
      { at: 300, active: { opModExpLimW: 'A' } },
      {
        at: 600,
        active: { opModExpLimW: null },
        responses: [
          ['A', RS.EventReceived, 0],
          ['B', RS.EventReceived, 0],
          ['A', RS.EventStarted, 0],
          ['B', RS.EventSuperseded, 300],
          ['A', RS.EventCompleted, 600],
        ],
      },
      { at: 800, active: { opModExpLimW: null }, responses: [] },
    ],
  },
  {
    name: 'BASIC-022 overlapping similar controls, service-point control follows system control',
    steps: [
      {
        at: 0,
        programs: [
          prog('sp', 1, [ctl('A', 300, 600, EXP)]),
          prog('sys', 2, [ctl('B', 0, 600, EXP2, { created: 5 })]),
        ],
        active: { opModExpLimW: 'B' },
      },
      {
        at: 300,
        active: { opModExpLimW: 'A' },
        responses: [
          ['A', RS.EventReceived, 0],
          ['B', RS.EventReceived, 0],
          ['B', RS.EventStarted, 0],
          ['B', RS.EventSuperseded, 300],
          ['A', RS.EventStarted, 300],
        ],
      },
      { at: 700, active: { opModExpLimW: 'A' } },
      { at: 900, active: { opModExpLimW: null }, responses: [['A', RS.EventCompleted, 900]] },
    ],
  },
  {
    name: 'BASIC-023 / CORE-023 nested similar controls in one program: the newer one supersedes, the old never resumes',
    steps: [
      { at: 0, programs: [prog('p', 1, [ctl('A', 0, 900, EXP)], EXP2)], active: { opModExpLimW: 'A' } },
      {
        at: 100,
        programs: [
          prog(
            'p',
            1,
            [ctl('A', 0, 900, EXP), ctl('B', 300, 300, IMP), ctl('C', 300, 300, EXP2, { created: 100 })],
            EXP2,
          ),
        ],
        active: { opModExpLimW: 'A' },
      },
      { at: 300, active: { opModExpLimW: 'C', opModImpLimW: 'B' } },
      { at: 600, active: { opModExpLimW: 'p-dderc', opModImpLimW: null } },
      {
        at: 900,
        active: { opModExpLimW: 'p-dderc' },
        responses: [
          ['A', RS.EventReceived, 0],
          ['A', RS.EventStarted, 0],
          ['B', RS.EventReceived, 100],
          ['C', RS.EventReceived, 100],
          ['A', RS.EventSuperseded, 300],
          ['C', RS.EventStarted, 300],
          ['B', RS.EventStarted, 300],
          ['B', RS.EventCompleted, 600],
          ['C', RS.EventCompleted, 600],
        ],
      },
    ],
  },
  {
    name: 'BASIC-024 overlapping independent controls run together',
    steps: [
      {
        at: 0,
        programs: [prog('sp', 1, [ctl('A', 0, 600, EXP)]), prog('sys', 2, [ctl('B', 0, 600, GEN)])],
        active: { opModExpLimW: 'A', opModGenLimW: 'B', opModConnect: 'B' },
      },
      {
        at: 600,
        active: { opModExpLimW: null, opModGenLimW: null },
        responses: [
          ['A', RS.EventReceived, 0],
          ['B', RS.EventReceived, 0],
          ['A', RS.EventStarted, 0],
          ['B', RS.EventStarted, 0],
          ['A', RS.EventCompleted, 600],
          ['B', RS.EventCompleted, 600],
        ],
      },
    ],
  },
  {
    name: 'BASIC-025 overlapping independent controls with staggered starts',
    steps: [
      {
        at: 0,
        programs: [prog('p', 1, [ctl('A', 0, 600, EXP), ctl('B', 300, 600, IMP, { created: 1 })])],
        active: { opModExpLimW: 'A', opModImpLimW: null },
      },
      { at: 400, active: { opModExpLimW: 'A', opModImpLimW: 'B' } },
      { at: 700, active: { opModExpLimW: null, opModImpLimW: 'B' } },
      {
        at: 900,
        responses: [
          ['A', RS.EventReceived, 0],
          ['B', RS.EventReceived, 0],
          ['A', RS.EventStarted, 0],
          ['B', RS.EventStarted, 300],
          ['A', RS.EventCompleted, 600],
          ['B', RS.EventCompleted, 900],
        ],
      },
    ],
  },
  {
    name: 'BASIC-026 overlapping independent controls with staggered ends',
    steps: [
      {
        at: 0,
        programs: [prog('p', 1, [ctl('A', 0, 900, EXP), ctl('B', 0, 300, IMP)])],
        active: { opModExpLimW: 'A', opModImpLimW: 'B' },
      },
      { at: 300, active: { opModExpLimW: 'A', opModImpLimW: null } },
      { at: 900, active: { opModExpLimW: null } },
    ],
  },
  {
    name: 'CORE-022 / GEN-09 cancellation during an event returns to the default',
    steps: [
      { at: 0, programs: [prog('p', 0, [ctl('A', 0, 300, EXP)], EXP2)], active: { opModExpLimW: 'A' } },
      {
        at: 120,
        programs: [prog('p', 0, [withStatus(ctl('A', 0, 300, EXP), EventStatusCode.Cancelled)], EXP2)],
        active: { opModExpLimW: 'p-dderc' },
        responses: [
          ['A', RS.EventReceived, 0],
          ['A', RS.EventStarted, 0],
          ['A', RS.EventCancelled, 120],
        ],
      },
      { at: 300, active: { opModExpLimW: 'p-dderc' }, responses: [] },
    ],
  },
  {
    name: 'cancellation before the start: the event never starts',
    steps: [
      { at: 0, programs: [prog('p', 0, [ctl('A', 600, 300, EXP)])] },
      { at: 300, programs: [prog('p', 0, [withStatus(ctl('A', 600, 300, EXP), EventStatusCode.Cancelled)])] },
      {
        at: 1000,
        active: { opModExpLimW: null },
        responses: [
          ['A', RS.EventReceived, 0],
          ['A', RS.EventCancelled, 300],
        ],
      },
    ],
  },
  {
    name: 'cancelled with randomization before the start cancels at once',
    steps: [
      { at: 0, programs: [prog('p', 0, [ctl('A', 600, 300, EXP, { randomizeStart: 60 })])] },
      {
        at: 300,
        programs: [
          prog('p', 0, [
            withStatus(
              ctl('A', 600, 300, EXP, { randomizeStart: 60 }),
              EventStatusCode.CancelledWithRandomization,
            ),
          ]),
        ],
        responses: [
          ['A', RS.EventReceived, 0],
          ['A', RS.EventCancelled, 300],
        ],
      },
    ],
  },
  {
    name: 'an event first seen already cancelled or superseded is acknowledged, never run',
    steps: [
      {
        at: 0,
        programs: [
          prog('p', 0, [
            ctl('A', 0, 300, EXP, { status: EventStatusCode.Cancelled }),
            ctl('B', 0, 300, IMP, { status: EventStatusCode.Superseded }),
          ]),
        ],
        active: { opModExpLimW: null, opModImpLimW: null },
        responses: [
          ['A', RS.EventReceived, 0],
          ['A', RS.EventCancelled, 0],
          ['B', RS.EventReceived, 0],
          ['B', RS.EventSuperseded, 0],
        ],
      },
    ],
  },
  {
    name: 'server marks an active event Superseded (currentStatus 4): it stops at once',
    steps: [
      { at: 0, programs: [prog('p', 0, [ctl('A', 0, 300, EXP)])] },
      {
        at: 100,
        programs: [prog('p', 0, [withStatus(ctl('A', 0, 300, EXP), EventStatusCode.Superseded)])],
        active: { opModExpLimW: null },
        responses: [
          ['A', RS.EventReceived, 0],
          ['A', RS.EventStarted, 0],
          ['A', RS.EventSuperseded, 100],
        ],
      },
      // Status going back to Active does not revive it.
      {
        at: 150,
        programs: [prog('p', 0, [withStatus(ctl('A', 0, 300, EXP), 1)])],
        active: { opModExpLimW: null },
      },
    ],
  },
  {
    name: 'events received late: in progress starts at once, already over is rejected as expired',
    steps: [
      {
        at: 200,
        programs: [prog('p', 0, [ctl('A', 0, 600, EXP), ctl('B', 0, 100, IMP)])],
        active: { opModExpLimW: 'A', opModImpLimW: null },
        responses: [
          ['A', RS.EventReceived, 200],
          ['B', RS.EventExpired, 200],
          ['A', RS.EventStarted, 200],
        ],
      },
      { at: 600, responses: [['A', RS.EventCompleted, 600]] },
    ],
  },
  {
    name: 'an event removed from the list while active is aborted; a removed program aborts its events',
    steps: [
      {
        at: 0,
        programs: [
          prog('p', 0, [ctl('A', 0, 600, EXP), ctl('B', 0, 600, IMP)]),
          prog('q', 1, [ctl('C', 0, 600, GEN)]),
        ],
      },
      {
        at: 100,
        programs: [prog('p', 0, [ctl('B', 0, 600, IMP)])],
        active: { opModExpLimW: null, opModImpLimW: 'B', opModGenLimW: null },
        responses: [
          ['A', RS.EventReceived, 0],
          ['B', RS.EventReceived, 0],
          ['C', RS.EventReceived, 0],
          // Same instant, same primacy and creationTime: processed in precedence order (mRID tie-break).
          ['B', RS.EventStarted, 0],
          ['A', RS.EventStarted, 0],
          ['C', RS.EventStarted, 0],
          ['A', RS.EventAbortedServer, 100],
          ['C', RS.EventAbortedProgram, 100],
        ],
      },
    ],
  },
  {
    name: 'responseRequired gates responses: 00 none, 01 received only, 02 specific only',
    steps: [
      {
        at: 0,
        programs: [
          prog('p', 0, [
            ctl('N', 0, 100, EXP, { responseRequired: '00' }),
            ctl('R', 0, 100, IMP, { responseRequired: '01' }),
            ctl('S', 0, 100, GEN, { responseRequired: '02' }),
          ]),
        ],
      },
      {
        at: 100,
        responses: [
          ['R', RS.EventReceived, 0],
          ['S', RS.EventStarted, 0],
          ['S', RS.EventCompleted, 100],
        ],
      },
    ],
  },
  {
    name: 'invalid events are rejected (253) and never run',
    steps: [
      {
        at: 0,
        programs: [
          prog('p', 0, [
            ctl('Z', 0, 0, EXP),
            ctl('R', 0, 100, IMP, { randomizeStart: 4000 }),
            ctl('H', 0, 100, GEN, { responseRequired: 'zz' }),
          ]),
        ],
        active: { opModExpLimW: null, opModImpLimW: null, opModGenLimW: null },
        responses: [
          ['Z', RS.EventInvalid, 0],
          ['R', RS.EventInvalid, 0],
        ],
      },
    ],
  },
  {
    name: 'deviceCategory: events for other categories are ignored without a response',
    options: { deviceCategory: '00000004' },
    steps: [
      {
        at: 0,
        programs: [
          prog('p', 0, [
            ctl('X', 0, 100, EXP, { deviceCategory: '00000002' }),
            ctl('Y', 0, 100, IMP, { deviceCategory: '00000006' }),
          ]),
        ],
        active: { opModExpLimW: null, opModImpLimW: 'Y' },
        responses: [
          ['Y', RS.EventReceived, 0],
          ['Y', RS.EventStarted, 0],
        ],
      },
    ],
  },
];

t.test('SunSpec CSIP and CSIP-AUS scheduling scenarios', async (tt) => {
  for (const s of scenarios) {
    for (const c of runScenario(s).checks) tt.same(c.found, c.wanted, c.message);
  }
});

t.test('CSIP-AUS GEN-10 primacy for generators', async (tt) => {
  // DERP 1 (FSA 1, primacy 1) carries the defaults; DERP 6 (FSA 2, primacy 2).
  const dflt = { opModImpLimW: W(0), opModExpLimW: W(300) };
  const d1 = ctl('DERC1', 0, 600, { opModExpLimW: W(2000) }, { created: 0 });
  const d2 = ctl('DERC2', 60, 840, { opModExpLimW: W(0) }, { created: 60 });
  const d3 = ctl('DERC3', 1000, 300, { opModExpLimW: W(2000) }, { created: 1000 });
  const d4 = ctl('DERC4', 1400, 300, { opModGenLimW: W(0), opModConnect: false }, { created: 1400 });
  const d5 = ctl('DERC5', 1400, 1200, { opModExpLimW: W(2000) }, { created: 1400 });
  const d6 = ctl('DERC6', 1800, 300, { opModExpLimW: W(500) }, { created: 1800 });
  const p1 = (cs: SchedulerDERControl[]) => prog('DERP1', 1, cs, dflt);
  const p6 = (cs: SchedulerDERControl[]) => prog('DERP6', 2, cs, { opModImpLimW: W(0) });
  const { sched, checks } = runScenario({
    name: 'GEN-10',
    steps: [
      { at: 0, programs: [p1([]), p6([d1])], active: { opModExpLimW: 'DERC1', opModImpLimW: 'DERP1-dderc' } },
      {
        at: 60,
        programs: [p1([d2]), p6([d1])],
        active: { opModExpLimW: 'DERC2' },
        responses: [
          ['DERC1', RS.EventReceived, 0],
          ['DERC1', RS.EventStarted, 0],
          ['DERC2', RS.EventReceived, 60],
          ['DERC1', RS.EventSuperseded, 60],
          ['DERC2', RS.EventStarted, 60],
        ],
      },
      { at: 900, active: { opModExpLimW: 'DERP1-dderc' }, responses: [['DERC2', RS.EventCompleted, 900]] },
      { at: 1000, programs: [p1([d2]), p6([d1, d3])], active: { opModExpLimW: 'DERC3' } },
      { at: 1300, active: { opModExpLimW: 'DERP1-dderc' } },
      {
        at: 1400,
        programs: [p1([d2, d4]), p6([d1, d3, d5])],
        active: { opModExpLimW: 'DERC5', opModGenLimW: 'DERC4', opModConnect: 'DERC4' },
      },
      { at: 1700, active: { opModExpLimW: 'DERC5', opModGenLimW: null, opModConnect: null } },
      {
        at: 1800,
        programs: [p1([d2, d4]), p6([d1, d3, d5, d6])],
        active: { opModExpLimW: 'DERC6' },
        responses: [
          ['DERC3', RS.EventReceived, 1000],
          ['DERC3', RS.EventStarted, 1000],
          ['DERC3', RS.EventCompleted, 1300],
          ['DERC4', RS.EventReceived, 1400],
          ['DERC5', RS.EventReceived, 1400],
          ['DERC4', RS.EventStarted, 1400],
          ['DERC5', RS.EventStarted, 1400],
          ['DERC4', RS.EventCompleted, 1700],
          ['DERC6', RS.EventReceived, 1800],
          ['DERC5', RS.EventSuperseded, 1800],
          ['DERC6', RS.EventStarted, 1800],
        ],
      },
      { at: 2100, active: { opModExpLimW: 'DERP1-dderc' }, responses: [['DERC6', RS.EventCompleted, 2100]] },
    ],
  });
  for (const c of checks) tt.same(c.found, c.wanted, c.message);
  const phases = Object.fromEntries(sched.events().map((e) => [e.mRID, e.phase]));
  tt.same(phases, {
    DERC1: 'superseded',
    DERC2: 'completed',
    DERC3: 'completed',
    DERC4: 'completed',
    DERC5: 'superseded',
    DERC6: 'completed',
  });
});

t.test(
  'CSIP-AUS ALL-21 scheduling: 24 back-to-back controls each get received, started, completed',
  async (tt) => {
    const controls = Array.from({ length: 24 }, (_, i) =>
      ctl(`DERC${i + 1}`, i * 60, 60, { opModExpLimW: W(100 * (i + 1)), opModImpLimW: W(50 * (i + 1)) }),
    );
    const sched = new DerScheduler({ randomSource: seededRandom(1) });
    sched.update([prog('p', 0, controls, { opModImpLimW: W(0), opModExpLimW: W(0) })], T0);
    const seen: Array<readonly [string, number, number]> = [];
    let now = T0;
    for (let i = 0; i < 30; i++) {
      const tick = sched.tick(now);
      const minute = Math.floor((now - T0) / 60);
      tt.equal(
        tick.active.opModExpLimW?.mRID,
        minute < 24 ? `DERC${minute + 1}` : 'p-dderc',
        `minute ${minute}`,
      );
      for (const r of tick.responses) seen.push([r.subject, r.status, r.createdDateTime - T0]);
      now = tick.nextWakeup ?? now + 60;
    }
    for (let i = 0; i < 24; i++) {
      const mine = seen.filter((r) => r[0] === `DERC${i + 1}`);
      tt.same(
        mine.map((r) => [r[1], r[2]]),
        [
          [RS.EventReceived, 0],
          [RS.EventStarted, i * 60],
          [RS.EventCompleted, i * 60 + 60],
        ],
        `DERC${i + 1}`,
      );
    }
    tt.equal(sched.tick(now).defaultSettings.setGradW, undefined);
  },
);

t.test(
  'CSIP-AUS ALL-22 / CORE-021 randomized start stays within bounds, back-to-back events hand over',
  async (tt) => {
    for (const seed of [1, 2, 3, 42, 99]) {
      const controls = Array.from({ length: 5 }, (_, i) =>
        ctl(`DERC${i + 1}`, i * 120, 120, { opModExpLimW: W(2000) }, { randomizeStart: 60 }),
      );
      const sched = new DerScheduler({ randomSource: seededRandom(seed), responseRequired: 3 });
      sched.update([prog('p', 0, controls)], T0);
      let now = T0;
      const responses: Array<readonly [string, number, number]> = [];
      for (let tick = sched.tick(now); ; tick = sched.tick(now)) {
        for (const r of tick.responses) responses.push([r.subject, r.status, r.createdDateTime - T0]);
        if (tick.nextWakeup === undefined) break;
        now = tick.nextWakeup;
      }
      for (let i = 0; i < 5; i++) {
        const started = responses.find((r) => r[0] === `DERC${i + 1}` && r[1] === RS.EventStarted);
        const completed = responses.find((r) => r[0] === `DERC${i + 1}` && r[1] === RS.EventCompleted);
        tt.ok(
          started !== undefined && completed !== undefined,
          `seed ${seed} DERC${i + 1} started and completed`,
        );
        if (started === undefined || completed === undefined) continue;
        tt.ok(
          started[2] >= i * 120 && started[2] <= i * 120 + 60,
          `seed ${seed} DERC${i + 1} start ${started[2]}`,
        );
        tt.ok(completed[2] > started[2] && completed[2] <= started[2] + 120, `seed ${seed} DERC${i + 1} end`);
      }
      tt.notOk(
        responses.some((r) => r[1] === RS.EventSuperseded),
        `seed ${seed}: randomization overlap is a hand-over, not a supersession`,
      );
    }
  },
);

t.test('randomized duration and stable per-event randomization', async (tt) => {
  const c = ctl('A', 100, 600, EXP, { randomizeStart: -60, randomizeDuration: 120 });
  const a = new DerScheduler({ randomSource: seededRandom(5) });
  a.update([prog('p', 0, [c])], T0);
  const [first] = a.events();
  tt.ok(first !== undefined);
  if (first === undefined) return;
  tt.ok(
    first.effectiveStart >= T0 + 40 && first.effectiveStart <= T0 + 100,
    'negative randomizeStart advances',
  );
  const len = first.effectiveEnd - first.effectiveStart;
  tt.ok(len >= 600 && len <= 720, 'positive randomizeDuration lengthens');
  // Re-polling the same event does not draw again.
  a.update([prog('p', 0, [c])], T0 + 10);
  a.update([prog('p', 0, [c])], T0 + 20);
  tt.same(a.events()[0]?.effectiveStart, first.effectiveStart);
  tt.same(a.events()[0]?.effectiveEnd, first.effectiveEnd);
  // Same seed, same schedule.
  const b = new DerScheduler({ randomSource: seededRandom(5) });
  b.update([prog('p', 0, [c])], T0);
  tt.same(b.events()[0], first);
});

t.test(
  'cancelled with randomization during an event ends within the end-randomization window',
  async (tt) => {
    for (const seed of [3, 8, 13]) {
      const c = ctl('A', 0, 600, EXP, { randomizeStart: 30, randomizeDuration: -90 });
      const sched = new DerScheduler({ randomSource: seededRandom(seed), responseRequired: 3 });
      sched.update([prog('p', 0, [c], EXP2)], T0);
      sched.update(
        [prog('p', 0, [withStatus(c, EventStatusCode.CancelledWithRandomization)], EXP2)],
        T0 + 200,
      );
      const mid = sched.tick(T0 + 200);
      const endsAt = mid.active.opModExpLimW?.endsAt ?? T0 + 200;
      tt.ok(endsAt >= T0 + 200 && endsAt <= T0 + 290, `seed ${seed}: cancel within 90 s`);
      // A second randomized cancellation notice does not redraw.
      sched.update(
        [prog('p', 0, [withStatus(c, EventStatusCode.CancelledWithRandomization)], EXP2)],
        T0 + 200,
      );
      const after = sched.tick(T0 + 300);
      tt.equal(after.active.opModExpLimW?.mRID, 'p-dderc');
      const cancelled = after.responses.concat(mid.responses).find((r) => r.status === RS.EventCancelled);
      tt.equal(
        cancelled?.createdDateTime,
        endsAt === T0 + 200 ? T0 + 200 : endsAt,
        `seed ${seed}: cancelled when it stopped`,
      );
    }
  },
);

t.test('tick result: defaults, settings, nextWakeup, LFDI and Response resources', async (tt) => {
  const sched = new DerScheduler({ responseRequired: '03', endDeviceLFDI: 'ab'.repeat(20) });
  const dflt = { mRID: 'D', DERControlBase: { opModExpLimW: W(1) }, setGradW: 27, setSoftGradW: 10 };
  const low = { mRID: 'L', DERControlBase: {}, setGradW: 50, setESDelay: 300 };
  const programs: SchedulerDERProgram[] = [
    { mRID: 'low', primacy: 5, DefaultDERControl: low },
    {
      mRID: 'high',
      primacy: 1,
      DefaultDERControl: dflt,
      DERControlList: { DERControl: [ctl('A', 100, 50, IMP)] },
    },
    { mRID: 'high', primacy: 9 },
  ];
  sched.update(programs, T0);
  const tick = sched.tick(T0);
  tt.same(tick.defaultsInEffect, ['opModExpLimW']);
  tt.same(tick.defaultSettings.setGradW, { name: 'setGradW', value: 27, mRID: 'D', programMRID: 'high' });
  tt.equal(tick.defaultSettings.setESDelay?.programMRID, 'low');
  tt.equal(tick.nextWakeup, T0 + 100);
  tt.same(tick.activeEvents, []);
  const [received] = tick.responses;
  tt.same(received, {
    subject: 'A',
    status: RS.EventReceived,
    createdDateTime: T0,
    endDeviceLFDI: 'ab'.repeat(20),
    replyTo: '/rsps/1/rsp',
    programMRID: 'high',
  });
  if (received !== undefined) {
    tt.same(toResponseResource(received), {
      createdDateTime: BigInt(T0),
      endDeviceLFDI: 'ab'.repeat(20),
      status: 1,
      subject: 'A',
    });
    tt.equal(toResponseResource({ ...received, endDeviceLFDI: undefined }, 'cd').endDeviceLFDI, 'cd');
    tt.equal(toResponseResource({ ...received, endDeviceLFDI: undefined }).endDeviceLFDI, '');
  }
  const running = sched.tick(T0 + 120);
  tt.same(running.activeEvents, ['A']);
  tt.same(running.active.opModImpLimW, {
    mode: 'opModImpLimW',
    value: W(3000),
    source: 'event',
    mRID: 'A',
    programMRID: 'high',
    primacy: 1,
    startedAt: T0 + 100,
    endsAt: T0 + 150,
  });
  tt.equal(running.nextWakeup, T0 + 150);
  tt.equal(sched.tick(T0 + 150).nextWakeup, undefined);
  // rampTms is carried into the active control.
  const ramp = new DerScheduler();
  ramp.update([prog('p', 0, [ctl('R', 0, 10, { opModFixedW: 50, rampTms: 500 })])], T0);
  tt.equal(ramp.tick(T0).active.opModFixedW?.rampTms, 500);
});

t.test('virtual clock: time never runs backwards, bad times and options throw MeterkitError', async (tt) => {
  const sched = new DerScheduler({ responseRequired: 3 });
  sched.update([prog('p', 0, [ctl('A', 0, 100, EXP)])], T0 + 50);
  tt.equal(sched.tick(T0 + 60).active.opModExpLimW?.mRID, 'A');
  const back = sched.tick(T0 + 10);
  tt.equal(back.now, T0 + 60, 'a clock stepped back is clamped');
  tt.equal(back.active.opModExpLimW?.mRID, 'A');
  tt.equal(sched.tick(BigInt(T0 + 100)).active.opModExpLimW, undefined, 'bigint now');
  tt.equal(sched.tick(T0 + 100.7).now, T0 + 100, 'fractional seconds are floored');
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, 2n ** 60n]) {
    tt.equal(
      errorCode(() => sched.tick(bad)),
      207,
    );
  }
  tt.equal(
    errorCode(() => new DerScheduler({ responseRequired: 'xyz' })),
    207,
  );
  tt.equal(
    errorCode(() => new DerScheduler({ responseRequired: 300 })),
    207,
  );
  tt.equal(
    errorCode(() => new DerScheduler({ deviceCategory: 'nothex' })),
    207,
  );
  tt.equal(
    errorCode(() => new DerScheduler({ deviceCategory: -1 })),
    207,
  );
  tt.doesNotThrow(() => new DerScheduler({ deviceCategory: 4 }));
});

t.test(
  'generated model resources are accepted as they are (bigint TimeType, hex responseRequired)',
  async (tt) => {
    const base = { opModExpLimW: { multiplier: 1, value: 150 } };
    const control: DERControl = {
      mRID: 'A0000000000000000000000000000001',
      creationTime: BigInt(T0),
      EventStatus: { currentStatus: 0, dateTime: BigInt(T0), potentiallySuperseded: false },
      interval: { start: BigInt(T0 + 10), duration: 20 },
      responseRequired: '03',
      replyTo: '/rsps/0/rsp',
      deviceCategory: '00000001',
      DERControlBase: base,
    };
    const dflt: DefaultDERControl = {
      mRID: 'D0',
      DERControlBase: { opModImpLimW: { multiplier: 0, value: 0 } },
    };
    const program: DERProgram = { mRID: 'P0', primacy: 0 };
    const input: SchedulerDERProgram = {
      ...program,
      DefaultDERControl: dflt,
      DERControlList: { DERControl: [control] },
    };
    const sched = new DerScheduler({ deviceCategory: 1 });
    sched.update([input], BigInt(T0));
    const tick = sched.tick(T0 + 15);
    tt.equal(tick.active.opModExpLimW?.mRID, control.mRID);
    tt.equal(tick.active.opModImpLimW?.mRID, 'D0');
    tt.same(
      tick.responses.map((r) => r.status),
      [RS.EventReceived, RS.EventStarted],
    );
  },
);

t.test('building blocks: modes, response gating, responseRequired parsing, randomOffset', async (tt) => {
  tt.same(modesOf(undefined), []);
  tt.same(modesOf({ opModConnect: false, opModExpLimW: W(1), rampTms: 10 }), [
    'opModConnect',
    'opModExpLimW',
  ]);
  tt.equal(responseAllowed(0x01, RS.EventReceived), true);
  tt.equal(responseAllowed(0x02, RS.EventReceived), false);
  tt.equal(responseAllowed(0x01, RS.EventStarted), false);
  tt.equal(responseAllowed(0x02, RS.EventExpired), true);
  tt.equal(responseAllowed(0x04, RS.EventExpired), false);
  tt.equal(parseResponseRequired(undefined, 2), 2);
  tt.equal(parseResponseRequired('0A', 0), 10);
  tt.equal(parseResponseRequired(3, 0), 3);
  tt.equal(parseResponseRequired(1.5, 0), undefined);
  tt.equal(parseResponseRequired('100', 0), undefined);
  tt.equal(
    randomOffset(0, () => 0.5),
    0,
  );
  tt.equal(
    randomOffset(60, () => 0),
    0,
  );
  tt.equal(
    randomOffset(60, () => 0.999999),
    60,
  );
  tt.equal(
    randomOffset(-60, () => 0.999999),
    -60,
  );
  tt.equal(
    randomOffset(60, () => 7),
    60,
    'out-of-range source is clamped',
  );
  tt.equal(
    randomOffset(60, () => Number.NaN),
    0,
  );
  const r = seededRandom(123);
  const xs = Array.from({ length: 100 }, r);
  tt.ok(xs.every((x) => x >= 0 && x < 1));
  tt.same(xs, Array.from({ length: 100 }, seededRandom(123)), 'seeded source is reproducible');
});
