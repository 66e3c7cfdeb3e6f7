/**
 * Properties of the DER event scheduler (IEEE 2030.5-2018 §12.1.3) over random programs, events,
 * randomization, cancellations and polling on a virtual clock.
 */
import fc from 'fast-check';
import t from 'tap';
import {
  DerScheduler,
  type EventResponse,
  type EventState,
  ResponseStatus as RS,
  type SchedulerDERControl,
  type SchedulerDERProgram,
  seededRandom,
} from '../src/scheduler/index.js';

const T0 = 1_800_000_000;
const MODES = ['opModExpLimW', 'opModImpLimW', 'opModConnect'] as const;
const TERMINAL = new Set(['completed', 'superseded', 'cancelled', 'aborted', 'rejected', 'ignored']);

interface GenEvent {
  readonly program: number;
  readonly start: number;
  readonly duration: number;
  readonly modes: readonly (typeof MODES)[number][];
  readonly created: number;
  readonly randomizeStart: number;
  readonly randomizeDuration: number;
  readonly appearAt: number;
  readonly cancel: { readonly at: number; readonly status: 2 | 3 | 4 } | null;
}

interface GenCase {
  readonly primacies: readonly number[];
  readonly defaults: readonly boolean[];
  readonly events: readonly GenEvent[];
  readonly seed: number;
  readonly pollEvery: number;
}

const bound = fc.oneof(fc.constant(0), fc.integer({ min: -120, max: 120 }));

const genEvent = fc.record({
  program: fc.nat({ max: 2 }),
  start: fc.integer({ min: 0, max: 1800 }),
  duration: fc.integer({ min: 1, max: 900 }),
  modes: fc.subarray([...MODES], { minLength: 1 }),
  created: fc.integer({ min: 0, max: 50 }),
  randomizeStart: bound,
  randomizeDuration: bound,
  appearAt: fc.integer({ min: 0, max: 1500 }),
  cancel: fc.option(
    fc.record({
      at: fc.integer({ min: 0, max: 2400 }),
      status: fc.constantFrom(2 as const, 3 as const, 4 as const),
    }),
    { nil: null },
  ),
});

const genCase: fc.Arbitrary<GenCase> = fc.record({
  primacies: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }),
  defaults: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  events: fc.array(genEvent, { maxLength: 8 }),
  seed: fc.integer(),
  pollEvery: fc.integer({ min: 20, max: 120 }),
});

/** What the server lists at `now`: every event that has appeared, with its status at that time. */
function programsAt(c: GenCase, now: number): SchedulerDERProgram[] {
  return c.primacies.map((primacy, p) => {
    const controls: SchedulerDERControl[] = [];
    c.events.forEach((e, i) => {
      if (e.program !== p || e.appearAt > now) return;
      const status = e.cancel !== null && e.cancel.at <= now ? e.cancel.status : 0;
      controls.push({
        mRID: `E${i}`,
        creationTime: T0 + e.created,
        EventStatus: { currentStatus: status, dateTime: T0 + now, potentiallySuperseded: false },
        interval: { start: T0 + e.start, duration: e.duration },
        randomizeStart: e.randomizeStart,
        randomizeDuration: e.randomizeDuration,
        responseRequired: '03',
        DERControlBase: Object.fromEntries(
          e.modes.map((m) => [m, m === 'opModConnect' ? true : { multiplier: 0, value: i }]),
        ),
      });
    });
    return {
      mRID: `P${p}`,
      primacy,
      ...(c.defaults[p]
        ? {
            DefaultDERControl: {
              mRID: `D${p}`,
              DERControlBase: { opModExpLimW: { multiplier: 0, value: -p } },
            },
          }
        : {}),
      DERControlList: { DERControl: controls },
    };
  });
}

interface Run {
  readonly responses: EventResponse[];
  readonly snapshots: Array<{
    readonly now: number;
    readonly events: EventState[];
    readonly activeByMode: Record<string, string>;
  }>;
}

/** Polls every `pollEvery` s; optionally also ticks every `extraTick` s in between. */
function run(c: GenCase, extraTick?: number): Run {
  const sched = new DerScheduler({ randomSource: seededRandom(c.seed) });
  const responses: EventResponse[] = [];
  const snapshots: Run['snapshots'] = [];
  const end = 3000;
  const times = new Set<number>();
  for (let at = 0; at <= end; at += c.pollEvery) times.add(at);
  if (extraTick !== undefined) for (let at = 0; at <= end; at += extraTick) times.add(at);
  const polls = new Set<number>();
  for (let at = 0; at <= end; at += c.pollEvery) polls.add(at);
  for (const at of [...times].sort((a, b) => a - b)) {
    if (polls.has(at)) sched.update(programsAt(c, at), T0 + at);
    const tick = sched.tick(T0 + at);
    responses.push(...tick.responses);
    const activeByMode: Record<string, string> = {};
    for (const [mode, control] of Object.entries(tick.active)) {
      if (control?.source === 'event') activeByMode[mode] = control.mRID;
    }
    snapshots.push({ now: T0 + at, events: sched.events(), activeByMode });
  }
  return { responses, snapshots };
}

t.test('scheduler invariants hold for random schedules', async (tt) => {
  fc.assert(
    fc.property(genCase, (c) => {
      const { responses, snapshots } = run(c);
      // At any time at most one event is active per mode, and the tick reports exactly that event.
      for (const snap of snapshots) {
        const owner = new Map<string, string>();
        for (const e of snap.events) {
          if (e.phase !== 'active') continue;
          for (const m of e.modes) {
            if (owner.has(m)) return false;
            owner.set(m, e.mRID);
          }
        }
        for (const [mode, mRID] of owner) if (snap.activeByMode[mode] !== mRID) return false;
        if (Object.keys(snap.activeByMode).length !== owner.size) return false;
      }
      // A superseded (or otherwise finished) event never becomes active again.
      const finished = new Set<string>();
      for (const snap of snapshots) {
        for (const e of snap.events) {
          if (e.phase === 'active' && finished.has(e.mRID)) return false;
          if (TERMINAL.has(e.phase)) finished.add(e.mRID);
        }
      }
      // Every event gets at most one of each response status, and one terminal status at most.
      const seen = new Set<string>();
      const terminalCount = new Map<string, number>();
      for (const r of responses) {
        const key = `${r.subject}/${r.status}`;
        if (seen.has(key)) return false;
        seen.add(key);
        if (r.status !== RS.EventReceived && r.status !== RS.EventStarted) {
          terminalCount.set(r.subject, (terminalCount.get(r.subject) ?? 0) + 1);
        }
      }
      for (const n of terminalCount.values()) if (n > 1) return false;
      // Responses come out in time order, never stamped after the tick that reported them.
      for (let i = 1; i < responses.length; i++) {
        if (responses[i]!.createdDateTime < responses[i - 1]!.createdDateTime) return false;
      }
      const lastNow = snapshots.at(-1)?.now ?? T0;
      if (responses.some((r) => r.createdDateTime > lastNow)) return false;
      // Per event: Received before Started before its end, and Started inside the randomization bounds.
      for (let i = 0; i < c.events.length; i++) {
        const e = c.events[i]!;
        const mine = responses.filter((r) => r.subject === `E${i}`);
        const started = mine.find((r) => r.status === RS.EventStarted);
        const order = mine.map((r) => r.status);
        const si = order.indexOf(RS.EventStarted);
        const ri = order.indexOf(RS.EventReceived);
        if (si >= 0 && ri > si) return false;
        if (si >= 0 && order.slice(si + 1).includes(RS.EventReceived)) return false;
        if (started !== undefined) {
          const at = started.createdDateTime - T0;
          const earliest = e.start + Math.min(0, e.randomizeStart);
          const latest = Math.max(e.start + Math.max(0, e.randomizeStart), e.appearAt + c.pollEvery);
          if (at < earliest || at > latest) return false;
          if (at >= e.start + e.duration + Math.max(0, e.randomizeStart) + Math.max(0, e.randomizeDuration))
            return false;
        }
      }
      return true;
    }),
    { numRuns: 300 },
  );
  tt.pass('invariants held');
});

t.test('the schedule does not depend on how often the client ticks, and is reproducible', async (tt) => {
  fc.assert(
    fc.property(genCase, fc.integer({ min: 7, max: 45 }), (c, extra) => {
      const coarse = run(c).responses;
      const fine = run(c, extra).responses;
      const again = run(c).responses;
      return (
        JSON.stringify(coarse) === JSON.stringify(fine) && JSON.stringify(coarse) === JSON.stringify(again)
      );
    }),
    { numRuns: 150 },
  );
  tt.pass('same responses at any tick granularity');
});

t.test('nextWakeup is never in the past and nothing happens before it', async (tt) => {
  fc.assert(
    fc.property(genCase, (c) => {
      const sched = new DerScheduler({ randomSource: seededRandom(c.seed), responseRequired: 3 });
      sched.update(programsAt(c, 2000), T0);
      let now = T0;
      for (let i = 0; i < 200; i++) {
        const tick = sched.tick(now);
        if (tick.nextWakeup === undefined) return true;
        if (tick.nextWakeup <= now) return false;
        // Just before the wake-up nothing changes.
        if (tick.nextWakeup - 1 > now && sched.tick(tick.nextWakeup - 1).responses.length !== 0) return false;
        now = tick.nextWakeup;
      }
      return false;
    }),
    { numRuns: 300 },
  );
  tt.pass('wake-ups are exact');
});
