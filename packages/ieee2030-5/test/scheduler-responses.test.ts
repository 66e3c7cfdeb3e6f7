/**
 * Every Response status of IEEE 2030.5-2018 Table 27 that applies to DER events, produced by the
 * scheduler at the right moment and gated by `responseRequired`: received (1), started (2),
 * completed (3), opt-out (4), opt-in (5), cancelled (6, also with randomization), superseded (7, by a
 * newer event and by the server), partial opt-out (8), partial opt-in (9), completed without user
 * participation (10), acknowledged (11), not displayed (12), aborted by the server (13) or with its
 * program (14), and the rejections not applicable (252), invalid (253) and expired (254).
 */
import fc from 'fast-check';
import t from 'tap';
import {
  DerScheduler,
  type DerSchedulerOptions,
  ResponseStatus as RS,
  responseAllowed,
  type SchedulerDERControl,
  type SchedulerDERControlBase,
  type SchedulerDERProgram,
  seededRandom,
  USER_RESPONSE_STATUSES,
} from '../src/scheduler/index.js';

const T0 = 1_710_000_000;
const W = (value: number) => ({ multiplier: 0, value });

function ctl(
  mRID: string,
  start: number,
  duration: number,
  base: SchedulerDERControlBase,
  o: { status?: number; created?: number; rr?: string; rs?: number } = {},
): SchedulerDERControl {
  return {
    mRID,
    creationTime: T0 + (o.created ?? 0),
    EventStatus: { currentStatus: o.status ?? 0, dateTime: T0 },
    interval: { start: T0 + start, duration },
    ...(o.rs === undefined ? {} : { randomizeStart: o.rs }),
    responseRequired: o.rr ?? '03',
    replyTo: '/rsps/1/rsp',
    DERControlBase: base,
  };
}

function prog(mRID: string, primacy: number, controls: SchedulerDERControl[]): SchedulerDERProgram {
  return {
    mRID,
    primacy,
    DefaultDERControl: { mRID: `${mRID}0`, DERControlBase: { opModExpLimW: W(5000) } },
    DERControlList: { DERControl: controls },
  };
}

/** A scheduler and a log of `[subject, status, seconds after T0]` of every Response produced. */
function harness(options: DerSchedulerOptions = {}) {
  const sched = new DerScheduler({ randomSource: seededRandom(11), ...options });
  const log: [string, number, number][] = [];
  const tick = (at: number) => {
    const r = sched.tick(T0 + at);
    for (const x of r.responses) log.push([x.subject, x.status, x.createdDateTime - T0]);
    return r;
  };
  const update = (at: number, programs: SchedulerDERProgram[]) => {
    sched.update(programs, T0 + at);
    return tick(at);
  };
  const of = (mRID: string) => log.filter((l) => l[0] === mRID).map((l) => [l[1], l[2]]);
  return { sched, tick, update, of };
}

t.test('received, started, completed (1, 2, 3) at the effective instants', async (t) => {
  const h = harness();
  h.update(0, [prog('a1', 1, [ctl('e1', 100, 50, { opModExpLimW: W(10) })])]);
  t.equal(h.tick(120).active.opModExpLimW?.mRID, 'e1');
  t.equal(h.tick(400).active.opModExpLimW?.source, 'default');
  t.same(h.of('e1'), [
    [RS.EventReceived, 0],
    [RS.EventStarted, 100],
    [RS.EventCompleted, 150],
  ]);
});

t.test('cancelled (6): at once, and with randomization after a bounded delay', async (t) => {
  const h = harness();
  const e1 = ctl('e1', 10, 600, { opModExpLimW: W(10) }, { rs: 0 });
  const e2 = ctl('e2', 10, 600, { opModGenLimW: W(20) }, { rs: 60 });
  const e3 = ctl('e3', 500, 600, { opModLoadLimW: W(30) });
  h.update(0, [prog('a1', 1, [e1, e2, e3])]);
  h.tick(100);
  h.update(200, [
    prog('a1', 1, [
      { ...e1, EventStatus: { currentStatus: 2 } },
      { ...e2, EventStatus: { currentStatus: 3 } },
      e3,
    ]),
  ]);
  t.same(h.of('e1'), [
    [1, 0],
    [2, 10],
    [6, 200],
  ]);
  const tick = h.tick(200);
  t.equal(tick.active.opModGenLimW?.mRID, 'e2', 'a randomized cancellation keeps the event running for now');
  h.tick(300);
  const e2r = h.of('e2');
  t.same(
    e2r.map(([s]) => s),
    [1, 2, 6],
  );
  const at = e2r[2]?.[1] as number;
  t.ok(at >= 200 && at <= 260, `cancelled ${at - 200} s after the notice, within |randomizeStart|`);
  // A scheduled event cancelled with randomization stops at once (it has not started).
  h.update(310, [prog('a1', 1, [{ ...e3, EventStatus: { currentStatus: 3 } }])]);
  t.same(h.of('e3'), [
    [1, 0],
    [6, 310],
  ]);
});

t.test('superseded (7): by a newer overlapping event, and by the server', async (t) => {
  const h = harness();
  const old = ctl('e1', 10, 600, { opModExpLimW: W(10) });
  const other = ctl('e3', 10, 600, { opModImpLimW: W(10) });
  h.update(0, [prog('a1', 1, [old, other])]);
  h.tick(20);
  h.update(30, [prog('a1', 1, [old, other, ctl('e2', 40, 100, { opModExpLimW: W(0) }, { created: 30 })])]);
  h.tick(50);
  t.same(h.of('e1'), [
    [1, 0],
    [2, 10],
    [7, 40],
  ]);
  h.update(60, [
    prog('a1', 1, [
      old,
      { ...other, EventStatus: { currentStatus: 4 } },
      ctl('e2', 40, 100, { opModExpLimW: W(0) }, { created: 30 }),
    ]),
  ]);
  t.same(h.of('e3'), [
    [1, 0],
    [2, 10],
    [7, 60],
  ]);
});

t.test('opt-out before the start (4) then completed without user participation (10)', async (t) => {
  const h = harness();
  h.update(0, [prog('a1', 1, [ctl('e1', 100, 50, { opModExpLimW: W(10) })])]);
  t.ok(h.sched.optOut('e1', T0 + 20));
  t.equal(h.sched.events()[0]?.phase, 'optedOut');
  t.equal(h.tick(120).active.opModExpLimW?.source, 'default', 'the event does not run');
  t.equal(h.tick(120).nextWakeup, T0 + 150, 'wakes up at the end to report it');
  h.tick(200);
  t.same(h.of('e1'), [
    [1, 0],
    [4, 20],
    [10, 150],
  ]);
  t.equal(h.sched.events()[0]?.phase, 'completed');
  t.notOk(h.sched.optOut('e1', T0 + 210), 'finished events cannot be opted out of');
  t.notOk(h.sched.optIn('e1', T0 + 210), 'nor in to');
  t.notOk(h.sched.optOut('nope', T0 + 210));
  t.notOk(h.sched.optIn('nope', T0 + 210));
});

t.test('partial opt-out while active (8), partial opt-in (9), opt-in (5)', async (t) => {
  const h = harness();
  h.update(0, [
    prog('a1', 1, [
      ctl('e1', 100, 300, { opModExpLimW: W(10) }),
      ctl('e2', 1000, 100, { opModGenLimW: W(10) }),
      ctl('e3', 2000, 100, { opModGenLimW: W(10) }),
    ]),
  ]);
  h.tick(150);
  t.ok(h.sched.optOut('e1', T0 + 200));
  t.equal(h.tick(200).active.opModExpLimW?.source, 'default', 'the event stops at once');
  t.ok(h.sched.optIn('e1', T0 + 250));
  const back = h.tick(260);
  t.equal(back.active.opModExpLimW?.mRID, 'e1', 'and runs again for the rest of its interval');
  t.equal(back.active.opModExpLimW?.startedAt, T0 + 250);
  h.tick(500);
  t.same(h.of('e1'), [
    [1, 0],
    [2, 100],
    [8, 200],
    [9, 250],
    [3, 400],
  ]);
  // Opted out before the start, back in before the start: opt-in (5) and it runs as scheduled.
  t.ok(h.sched.optOut('e2', T0 + 600));
  t.ok(h.sched.optIn('e2', T0 + 700));
  h.tick(1050);
  // Opted out before the start, back in after it: partial opt-in (9), started at the opt-in.
  t.ok(h.sched.optOut('e3', T0 + 1500));
  t.ok(h.sched.optIn('e3', T0 + 2050));
  t.ok(h.sched.optIn('e3', T0 + 2060), 'confirming an active event is accepted');
  h.tick(3000);
  t.same(h.of('e2'), [
    [1, 0],
    [4, 600],
    [5, 700],
    [2, 1000],
    [3, 1100],
  ]);
  t.same(h.of('e3'), [
    [1, 0],
    [4, 1500],
    [9, 2050],
    [2, 2050],
    [5, 2060],
    [3, 2100],
  ]);
});

t.test('a partial opt-out that stays out ends silently; a cancellation still reaches it', async (t) => {
  const h = harness();
  const e1 = ctl('e1', 10, 100, { opModExpLimW: W(10) });
  const e2 = ctl('e2', 500, 100, { opModExpLimW: W(10) });
  h.update(0, [prog('a1', 1, [e1, e2])]);
  h.tick(20);
  h.sched.optOut('e1', T0 + 30);
  h.sched.optOut('e2', T0 + 30);
  h.update(40, [prog('a1', 1, [e1, { ...e2, EventStatus: { currentStatus: 2 } }])]);
  h.tick(1000);
  t.same(h.of('e1'), [
    [1, 0],
    [2, 10],
    [8, 30],
  ]);
  t.same(h.of('e2'), [
    [1, 0],
    [4, 30],
    [6, 40],
  ]);
  t.same(
    h.sched.events().map((e) => e.phase),
    ['completed', 'cancelled'],
  );
  t.notOk(h.sched.optIn('e1', T0 + 1000), 'too late to opt in');
});

t.test('acknowledged (11) and not displayed (12)', async (t) => {
  const h = harness();
  h.update(0, [prog('a1', 1, [ctl('e1', 100, 50, { opModExpLimW: W(10) }), ctl('bad', 0, 0, {})])]);
  t.ok(h.sched.acknowledge('e1', T0 + 5));
  t.ok(h.sched.acknowledge('e1', T0 + 6, false));
  t.notOk(h.sched.acknowledge('bad', T0 + 7), 'not for a rejected event');
  t.notOk(h.sched.acknowledge('none', T0 + 7));
  h.tick(10);
  t.same(h.of('e1'), [
    [1, 0],
    [11, 5],
    [12, 6],
  ]);
});

t.test('aborted by the server (13) and with its program (14)', async (t) => {
  const h = harness();
  h.update(0, [
    prog('a1', 1, [ctl('e1', 10, 600, { opModExpLimW: W(10) })]),
    prog('a2', 2, [ctl('e2', 10, 600, { opModGenLimW: W(10) })]),
  ]);
  h.tick(20);
  h.update(30, [prog('a1', 1, [])]);
  t.same(h.of('e1'), [
    [1, 0],
    [2, 10],
    [13, 30],
  ]);
  t.same(h.of('e2'), [
    [1, 0],
    [2, 10],
    [14, 30],
  ]);
});

t.test('rejections: not applicable (252), invalid (253), expired (254)', async (t) => {
  const h = harness({ supportedModes: ['opModExpLimW', 'opModImpLimW', 'opModConnect'] });
  h.update(100, [
    prog('a1', 1, [
      ctl('na', 200, 60, { opModFixedVar: { refType: 1, value: 5 } }),
      ctl('part', 200, 60, { opModExpLimW: W(10), opModGenLimW: W(10) }),
      ctl('inv', 200, 0, { opModExpLimW: W(10) }),
      ctl('exp', 0, 60, { opModImpLimW: W(10) }),
      ctl('empty', 300, 60, {}),
    ]),
  ]);
  t.same(h.of('na'), [[252, 100]]);
  t.same(h.of('inv'), [[253, 100]]);
  t.same(h.of('exp'), [[254, 100]]);
  t.same(h.of('empty'), [[1, 100]], 'an event setting no mode is simply received');
  const tick = h.tick(210);
  t.equal(tick.active.opModExpLimW?.mRID, 'part', 'the supported modes of a partly supported event run');
  t.equal(tick.active.opModGenLimW, undefined, 'the unsupported one is left out');
  t.same(h.sched.events().find((e) => e.mRID === 'part')?.modes, ['opModExpLimW']);
  t.same(
    new DerScheduler({ supportedModes: ['opModImpLimW'] }).tick(T0).defaultsInEffect,
    [],
    'no defaults at all before a poll',
  );
  const d = new DerScheduler({ supportedModes: ['opModImpLimW'] });
  d.update(
    [
      {
        mRID: 'p',
        primacy: 1,
        DefaultDERControl: { mRID: 'd', DERControlBase: { opModExpLimW: W(1), opModImpLimW: W(2) } },
      },
    ],
    T0,
  );
  t.same(d.tick(T0).defaultsInEffect, ['opModImpLimW'], 'defaults of unsupported modes are not reported');
});

t.test('responseRequired gates every status; user responses need bit 1 or bit 2', async (t) => {
  for (const status of Object.values(RS)) {
    const user = USER_RESPONSE_STATUSES.has(status);
    t.equal(responseAllowed(0x00, status), false, `00 never answers ${status}`);
    if (status === RS.EventReceived) {
      t.equal(responseAllowed(0x01, status), true);
      t.equal(responseAllowed(0x06, status), false);
    } else if (status >= RS.EventNotApplicable) {
      t.equal(responseAllowed(0x01, status), true);
      t.equal(responseAllowed(0x02, status), true);
      t.equal(responseAllowed(0x04, status), false);
    } else {
      t.equal(responseAllowed(0x02, status), true, `02 answers ${status}`);
      t.equal(responseAllowed(0x04, status), user, `04 answers ${status} only if it is a user response`);
      t.equal(responseAllowed(0x01, status), false);
    }
  }
  // End to end: with "04" only the user's choices are reported.
  const h = harness();
  h.update(0, [
    prog('a1', 1, [
      ctl('u1', 100, 50, { opModExpLimW: W(10) }, { rr: '04' }),
      ctl('u2', 300, 50, { opModExpLimW: W(10) }, { rr: '01' }),
    ]),
  ]);
  h.sched.optOut('u1', T0 + 10);
  h.sched.optOut('u2', T0 + 10);
  h.tick(1000);
  t.same(h.of('u1'), [
    [4, 10],
    [10, 150],
  ]);
  t.same(h.of('u2'), [[1, 0]]);
});

t.test(
  'property: user actions never duplicate a status, never revive a finished event, keep time order',
  async (t) => {
    const MODES = ['opModExpLimW', 'opModImpLimW'] as const;
    const genEvent = fc.record({
      start: fc.integer({ min: 0, max: 600 }),
      duration: fc.integer({ min: 1, max: 300 }),
      mode: fc.constantFrom(...MODES),
      created: fc.integer({ min: 0, max: 20 }),
    });
    const genAction = fc.record({
      at: fc.integer({ min: 0, max: 1200 }),
      event: fc.nat({ max: 4 }),
      kind: fc.constantFrom('optOut' as const, 'optIn' as const, 'acknowledge' as const, 'cancel' as const),
    });
    fc.assert(
      fc.property(
        fc.array(genEvent, { minLength: 1, maxLength: 5 }),
        fc.array(genAction, { maxLength: 12 }),
        (events, actions) => {
          const sched = new DerScheduler({ randomSource: seededRandom(1) });
          let controls = events.map((e, i) =>
            ctl(`e${i}`, e.start, e.duration, { [e.mode]: W(i) }, { created: e.created }),
          );
          sched.update([prog('p', 1, controls)], T0);
          const all: { subject: string; status: number; at: number }[] = [];
          const finished = new Set<string>();
          const TERMINAL = new Set(['completed', 'superseded', 'cancelled']);
          let last = T0;
          for (const a of [...actions].sort((x, y) => x.at - y.at)) {
            const now = T0 + a.at;
            const id = `e${a.event % events.length}`;
            if (a.kind === 'optOut') sched.optOut(id, now);
            else if (a.kind === 'optIn') sched.optIn(id, now);
            else if (a.kind === 'acknowledge') sched.acknowledge(id, now);
            else {
              controls = controls.map((c) =>
                c.mRID === id ? { ...c, EventStatus: { currentStatus: 2 } } : c,
              );
              sched.update([prog('p', 1, controls)], now);
            }
            const tick = sched.tick(now);
            for (const r of tick.responses)
              all.push({ subject: r.subject, status: r.status, at: r.createdDateTime });
            for (const e of sched.events()) {
              if (finished.has(e.mRID) && (e.phase === 'active' || e.phase === 'scheduled')) return false;
              if (TERMINAL.has(e.phase)) finished.add(e.mRID);
              if (e.phase === 'optedOut' && tick.activeEvents.includes(e.mRID)) return false;
            }
            last = now;
          }
          for (const r of sched.tick(last + 2000).responses)
            all.push({ subject: r.subject, status: r.status, at: r.createdDateTime });
          const seen = new Set<string>();
          for (const r of all) {
            const key = `${r.subject}/${r.status}`;
            if (seen.has(key)) return false;
            seen.add(key);
          }
          for (let i = 1; i < all.length; i++) if ((all[i]?.at ?? 0) < (all[i - 1]?.at ?? 0)) return false;
          // Every event ends up finished: completed (3 or 10), cancelled (6), superseded (7) or opted out (8).
          for (let i = 0; i < events.length; i++) {
            const st = all.filter((r) => r.subject === `e${i}`).map((r) => r.status);
            if (!st.some((s) => [3, 6, 7, 8, 10].includes(s))) return false;
          }
          return true;
        },
      ),
      { numRuns: 400 },
    );
    t.pass('held for 400 random runs');
  },
);
