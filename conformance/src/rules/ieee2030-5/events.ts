import { outcome, type Rule, type RuleOutcome } from '../rule.js';

/** Response `status` values the rule expects (IEEE 2030.5-2018 Table 27). */
const RECEIVED = 1;
const STARTED = 2;
const COMPLETED = 3;
/** EventStatus.currentStatus: cancelled (2, 3) or superseded (4) (sep.xsd EventStatus). */
const CANCELLED_OR_SUPERSEDED = new Set([2, 3, 4]);

const NS_PER_S = 1_000_000_000n;

interface SeenEvent {
  readonly mrid: string;
  readonly frame: number;
  /** Capture time (ns) of the response that carried it, if the capture has times. */
  readonly seenAt: bigint | undefined;
  readonly responseRequired: number;
  readonly start: number;
  readonly duration: number;
  /** randomizeStart + randomizeDuration (s), widening the due windows. */
  readonly randomStart: number;
  readonly randomDuration: number;
  readonly status: number | undefined;
}

interface PostedResponse {
  readonly subject: string;
  readonly status: number;
  readonly at: bigint | undefined;
  readonly frame: number;
}

interface EventState {
  readonly events: Map<string, SeenEvent>;
  readonly responses: PostedResponse[];
  /** Whether the last request on the channel was a GET (so the next 2xx body is what was read). */
  lastMethod: string | undefined;
  /** The latest capture time seen on the channel (ns). */
  last: bigint | undefined;
}

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
};

function controls(type: string, resource: Record<string, unknown>): Record<string, unknown>[] {
  if (type === 'DERControl') return [resource];
  if (type === 'DERControlList' && Array.isArray(resource.DERControl))
    return resource.DERControl as Record<string, unknown>[];
  return [];
}

function toEvent(c: Record<string, unknown>, frame: number, at: bigint | undefined): SeenEvent | undefined {
  const interval = c.interval as Record<string, unknown> | undefined;
  const start = num(interval?.start);
  const duration = num(interval?.duration);
  if (typeof c.mRID !== 'string' || start === undefined || duration === undefined) return undefined;
  const rr = typeof c.responseRequired === 'string' ? Number.parseInt(c.responseRequired, 16) : 0;
  return {
    mrid: c.mRID.toLowerCase(),
    frame,
    seenAt: at,
    responseRequired: Number.isNaN(rr) ? 0 : rr,
    start,
    duration,
    randomStart: Math.abs(num(c.randomizeStart) ?? 0),
    randomDuration: Math.abs(num(c.randomizeDuration) ?? 0),
    status: num((c.EventStatus as Record<string, unknown> | undefined)?.currentStatus),
  };
}

const seconds = (ns: bigint): number => Number(ns / 1_000_000n) / 1000;

/** One expected Response: which status, and the window (capture seconds) it is due in. */
function judge(
  ev: SeenEvent,
  status: number,
  from: number | undefined,
  to: number | undefined,
  state: EventState,
  what: string,
): RuleOutcome {
  const got = state.responses.find((r) => r.subject === ev.mrid && r.status === status);
  const end = state.last === undefined ? undefined : seconds(state.last);
  if (from === undefined || to === undefined) {
    return got === undefined
      ? outcome(
          'INCONCLUSIVE',
          `no ${what} Response for event ${ev.mrid}, and no capture times to say whether it was due`,
          undefined,
          ev.frame,
        )
      : outcome(
          'INCONCLUSIVE',
          `${what} Response for event ${ev.mrid} present; no capture times to check when`,
          undefined,
          got.frame,
        );
  }
  if (got === undefined) {
    if (end !== undefined && end < to)
      return outcome(
        'INCONCLUSIVE',
        `the ${what} Response for event ${ev.mrid} is due by ${to.toFixed(0)} s, after the capture ends`,
        undefined,
        ev.frame,
      );
    return outcome(
      'FAIL',
      `no ${what} Response (status ${status}) for event ${ev.mrid}`,
      undefined,
      ev.frame,
    );
  }
  if (got.at === undefined)
    return outcome(
      'INCONCLUSIVE',
      `${what} Response for event ${ev.mrid} has no capture time`,
      undefined,
      got.frame,
    );
  const t = seconds(got.at);
  if (t < from)
    return outcome(
      'FAIL',
      `${what} Response for event ${ev.mrid} sent ${(from - t).toFixed(1)} s before it was due`,
      undefined,
      got.frame,
    );
  if (t > to)
    return outcome(
      'FAIL',
      `${what} Response for event ${ev.mrid} sent ${(t - to).toFixed(1)} s after it was due`,
      undefined,
      got.frame,
    );
  return { verdict: 'PASS', frame: got.frame };
}

/**
 * Event responses are sent when due: for each DERControl a GET returned, the client POSTs the
 * Responses its `responseRequired` asks for — Event Received (bit 0) right after reading it, Event
 * Started and Event Completed (bit 1) at the event's start and end — each within the tolerance
 * (`settings.sepResponseToleranceSeconds`, default 5 s, widened by randomizeStart/Duration) of the
 * capture time it was due. Responses due after the capture ends are INCONCLUSIVE. Event and
 * Responses are matched on one channel (one HTTP connection or one saved-exchange directory).
 */
export const sepEventResponseRule: Rule<EventState> = {
  id: 'SEP-EVENT-RESPONSE',
  protocol: 'ieee2030-5',
  statement:
    'For each DERControl read, the Responses responseRequired asks for (received, started, completed) are POSTed when due.',
  clause:
    'IEEE 2030.5-2018 §10.7 (Response function set), §12.1.3 (event rules and responses), Table 27; sep.xsd RespondableResource',
  scope: 'session',
  createState: () => ({ events: new Map(), responses: [], lastMethod: undefined, last: undefined }),
  check({ analysed, state }) {
    const s = analysed.ieee20305;
    if (s === undefined) return undefined;
    const m = analysed.message;
    if (m.timestamp !== undefined && (state.last === undefined || m.timestamp > state.last))
      state.last = m.timestamp;
    const req = s.startLine === undefined ? null : /^([A-Z]+) \S+ HTTP/.exec(s.startLine);
    if (req !== null) state.lastMethod = req[1];
    const doc = s.document;
    if (doc === undefined) return undefined;
    const r = doc.resource as Record<string, unknown>;
    if (req !== null && req[1] === 'POST' && typeof r.subject === 'string') {
      const status = num(r.status);
      if (status !== undefined)
        state.responses.push({ subject: r.subject.toLowerCase(), status, at: m.timestamp, frame: m.frame });
      return undefined;
    }
    const ok = s.startLine === undefined ? null : /^HTTP\/1\.[01] 2\d\d/.exec(s.startLine);
    if (ok === null || (state.lastMethod !== undefined && state.lastMethod !== 'GET')) return undefined;
    for (const c of controls(doc.type, r)) {
      const ev = toEvent(c, m.frame, m.timestamp);
      if (ev !== undefined && !state.events.has(ev.mrid)) state.events.set(ev.mrid, ev);
    }
    return undefined;
  },
  finish(state, keys) {
    const tol = keys.settings.sepResponseToleranceSeconds ?? 5;
    const out: RuleOutcome[] = [];
    const anyPost = state.responses.length > 0;
    for (const ev of state.events.values()) {
      if ((ev.responseRequired & 0x03) === 0) continue;
      if (!anyPost) {
        out.push(
          outcome(
            'INCONCLUSIVE',
            `no Response POSTs on this connection for event ${ev.mrid} (the client may answer on another)`,
            undefined,
            ev.frame,
          ),
        );
        continue;
      }
      const seen = ev.seenAt === undefined ? undefined : Number(ev.seenAt / NS_PER_S);
      if (ev.responseRequired & 0x01)
        out.push(
          judge(
            ev,
            RECEIVED,
            seen === undefined ? undefined : seen - tol,
            seen === undefined ? undefined : seen + tol + 1,
            state,
            'Event Received',
          ),
        );
      const over = seen !== undefined && ev.start + ev.duration < seen;
      if (
        ev.responseRequired & 0x02 &&
        !over &&
        (ev.status === undefined || !CANCELLED_OR_SUPERSEDED.has(ev.status))
      ) {
        const due = seen === undefined ? undefined : Math.max(ev.start, seen);
        out.push(
          judge(
            ev,
            STARTED,
            due === undefined ? undefined : due - tol,
            due === undefined ? undefined : due + ev.randomStart + tol,
            state,
            'Event Started',
          ),
        );
        const end = ev.start + ev.duration;
        out.push(
          judge(
            ev,
            COMPLETED,
            seen === undefined ? undefined : end - tol,
            seen === undefined ? undefined : end + ev.randomStart + ev.randomDuration + tol,
            state,
            'Event Completed',
          ),
        );
      }
    }
    return out;
  },
};
