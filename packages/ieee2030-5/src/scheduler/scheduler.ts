/**
 * The DER event scheduler of an IEEE 2030.5 client: decides which DERControl (or DefaultDERControl) governs
 * each control mode at a given time, and which Responses to send when, following IEEE 2030.5-2018 §12.1.3
 * (event rules and guidelines) and the DER function set (§10.10). Sans-IO and time-driven: it holds no timers,
 * everything happens at the `now` the caller passes, and `nextWakeup` says when to call again.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { DER_CONTROL_MODES, type DerControlMode, modesOf, type SchedulerDERControlBase } from './modes.js';
import { type RandomSource, randomOffset } from './random.js';
import { EventStatusCode, parseResponseRequired, ResponseStatus, responseAllowed } from './status.js';
import {
  type ActiveControl,
  DEFAULT_DER_SETTINGS,
  type DefaultDerSetting,
  type DefaultSetting,
  type EventPhase,
  type EventResponse,
  type EventState,
  type SchedulerDERControl,
  type SchedulerDERProgram,
  type SchedulerDefaultDERControl,
  type SchedulerTick,
  type SchedulerTime,
} from './types.js';

/** Options of `DerScheduler` (IEEE 2030.5-2018 §12.1.3; sep.xsd `RespondableResource`, `Response`). */
export interface DerSchedulerOptions {
  /** Source of randomness in [0, 1) for randomizeStart/randomizeDuration; `Math.random` by default. Pass `seededRandom(seed)` for reproducible runs. */
  readonly randomSource?: RandomSource;
  /** `responseRequired` to assume when an event does not carry the attribute (sep.xsd default "00": no responses). */
  readonly responseRequired?: number | string;
  /** LFDI of this end device, copied into every Response as `endDeviceLFDI`. */
  readonly endDeviceLFDI?: string;
  /** Device categories of this device (DeviceCategoryType bits); events for other categories are ignored silently. */
  readonly deviceCategory?: number | string;
  /**
   * The control modes this DER supports (its DERCapability `modesSupported`, plus the CSIP-AUS modes it
   * implements); all modes when absent. An event that sets none of them is rejected with EventNotApplicable
   * (252); an event that sets some of them runs with those only. Defaults of unsupported modes are not reported.
   */
  readonly supportedModes?: readonly DerControlMode[];
}

interface ProgramInfo {
  readonly mRID: string;
  readonly primacy: number;
  readonly order: number;
  readonly defaultControl: SchedulerDefaultDERControl | undefined;
}

interface EventRecord {
  readonly mRID: string;
  readonly programMRID: string;
  readonly creationTime: number;
  readonly start: number;
  readonly end: number;
  readonly effStart: number;
  readonly effEnd: number;
  readonly receivedAt: number;
  readonly modes: readonly DerControlMode[];
  readonly base: SchedulerDERControlBase;
  readonly responseRequired: number;
  readonly replyTo: string | undefined;
  readonly cancelBound: number;
  readonly seq: number;
  readonly sent: Set<number>;
  phase: EventPhase;
  lastStatus: number | undefined;
  startedAt: number | undefined;
  endedAt: number | undefined;
  cancelAt: number | undefined;
  /** Whether the event had started when the user opted out (partial opt-out, IEEE 2030.5-2018 Table 27). */
  partial: boolean;
  /** When the user opted in again after the effective start: the event (re)starts no earlier than this. */
  resumeAt: number | undefined;
}

const MAX_RANDOMIZE = 3600;

/** A TimeType input as whole seconds, or `undefined` when it is not a safe integer. */
function toSeconds(value: SchedulerTime | undefined): number | undefined {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

function isRandomizeBound(value: number): boolean {
  return Number.isInteger(value) && value >= -MAX_RANDOMIZE && value <= MAX_RANDOMIZE;
}

/** A DeviceCategoryType given as a number or hex text, or `undefined` when malformed. */
function parseCategory(value: number | string): number | undefined {
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 0 && value <= 0xffffffff ? value : undefined;
  if (!/^(0x)?[0-9a-fA-F]{1,8}$/.test(value)) return undefined;
  return Number.parseInt(value.replace(/^0x/, ''), 16);
}

function shareMode(a: EventRecord, b: EventRecord): boolean {
  for (const m of a.modes) if (b.modes.includes(m)) return true;
  return false;
}

/** Scheduled intervals [start, end) overlap (IEEE 2030.5-2018 §12.1.3.2). */
function scheduledOverlap(a: EventRecord, b: EventRecord): boolean {
  return a.start < b.end && b.start < a.end;
}

/**
 * IEEE 2030.5 DER event scheduler (IEEE 2030.5-2018 §12.1.3 event rules, §10.10 DER function set, Table 27
 * Response types). Feed it the polled programs with `update`, ask it what is in effect with `tick`.
 */
export class DerScheduler {
  readonly #random: RandomSource;
  readonly #defaultResponseRequired: number;
  readonly #lfdi: string | undefined;
  readonly #category: number | undefined;
  readonly #supported: ReadonlySet<DerControlMode> | undefined;
  #programs: ProgramInfo[] = [];
  #programIndex = new Map<string, ProgramInfo>();
  readonly #events = new Map<string, EventRecord>();
  #responses: EventResponse[] = [];
  #cursor: number | undefined;
  #seq = 0;

  constructor(options: DerSchedulerOptions = {}) {
    this.#random = options.randomSource ?? Math.random;
    const rr = parseResponseRequired(options.responseRequired, 0);
    if (rr === undefined) {
      throw new MeterkitError(ErrorCode.ValueInvalid, 'responseRequired must be a HexBinary8 value', {
        path: 'responseRequired',
      });
    }
    this.#defaultResponseRequired = rr;
    this.#lfdi = options.endDeviceLFDI;
    if (options.deviceCategory === undefined) {
      this.#category = undefined;
    } else {
      const category = parseCategory(options.deviceCategory);
      if (category === undefined) {
        throw new MeterkitError(
          ErrorCode.ValueInvalid,
          'deviceCategory must be a DeviceCategoryType bit set',
          {
            path: 'deviceCategory',
          },
        );
      }
      this.#category = category;
    }
    this.#supported = options.supportedModes === undefined ? undefined : new Set(options.supportedModes);
  }

  /**
   * Feeds the current set of DER programs, in FunctionSetAssignments order, with their DefaultDERControl and
   * DERControlList, as polled (or notified) at `now`. New events are received (EventReceived), changes of
   * `EventStatus.currentStatus` are applied (cancellation, server supersession), events no longer listed are
   * forgotten (an active one is aborted: EventAbortedServer, or EventAbortedProgram when its program went).
   * Time first advances to `now`, so transitions due before it happen first.
   */
  update(programs: readonly SchedulerDERProgram[], now: SchedulerTime): void {
    const t = this.#clampNow(now);
    this.#advance(t);
    const infos: ProgramInfo[] = [];
    const index = new Map<string, ProgramInfo>();
    const listed: SchedulerDERProgram[] = [];
    for (const p of programs) {
      if (index.has(p.mRID)) continue;
      const info: ProgramInfo = {
        mRID: p.mRID,
        primacy: p.primacy,
        order: infos.length,
        defaultControl: p.DefaultDERControl,
      };
      infos.push(info);
      index.set(p.mRID, info);
      listed.push(p);
    }
    this.#programs = infos;
    this.#programIndex = index;
    const seen = new Set<string>();
    for (const p of listed) {
      for (const ev of p.DERControlList?.DERControl ?? []) {
        if (seen.has(ev.mRID)) continue;
        seen.add(ev.mRID);
        const rec = this.#events.get(ev.mRID);
        if (rec === undefined) this.#receive(ev, p.mRID, t);
        else this.#statusChange(rec, ev, t);
      }
    }
    for (const rec of [...this.#events.values()]) {
      if (seen.has(rec.mRID)) continue;
      if (rec.phase === 'active') {
        const status = index.has(rec.programMRID)
          ? ResponseStatus.EventAbortedServer
          : ResponseStatus.EventAbortedProgram;
        this.#finish(rec, 'aborted', t, status);
      }
      this.#events.delete(rec.mRID);
    }
    this.#advance(t);
  }

  /**
   * Advances to `now` and reports the control in effect per mode (active events first, then the
   * DefaultDERControl of the highest-priority program that sets the mode), the Responses produced since the
   * last tick (each stamped with the instant its status occurred) and when to tick next.
   */
  tick(now: SchedulerTime): SchedulerTick {
    const t = this.#clampNow(now);
    this.#advance(t);
    const active: Partial<Record<DerControlMode, ActiveControl>> = {};
    const activeEvents: string[] = [];
    for (const rec of this.#events.values()) {
      if (rec.phase !== 'active') continue;
      activeEvents.push(rec.mRID);
      const primacy = this.#primacy(rec);
      const endsAt = rec.cancelAt === undefined ? rec.effEnd : Math.min(rec.effEnd, rec.cancelAt);
      for (const mode of rec.modes) {
        const control: ActiveControl = {
          mode,
          value: rec.base[mode]!,
          source: 'event',
          mRID: rec.mRID,
          programMRID: rec.programMRID,
          primacy,
          ...(rec.base.rampTms === undefined ? {} : { rampTms: rec.base.rampTms }),
          startedAt: rec.startedAt!,
          endsAt,
        };
        active[mode] = control;
      }
    }
    const ranked = this.#rankedPrograms();
    const defaultsInEffect: DerControlMode[] = [];
    for (const mode of DER_CONTROL_MODES) {
      if (active[mode] !== undefined || (this.#supported !== undefined && !this.#supported.has(mode)))
        continue;
      for (const p of ranked) {
        const dc = p.defaultControl;
        const value = dc?.DERControlBase?.[mode];
        if (dc === undefined || value === undefined) continue;
        active[mode] = {
          mode,
          value,
          source: 'default',
          mRID: dc.mRID,
          programMRID: p.mRID,
          primacy: p.primacy,
        };
        defaultsInEffect.push(mode);
        break;
      }
    }
    const defaultSettings: Partial<Record<DefaultDerSetting, DefaultSetting>> = {};
    for (const name of DEFAULT_DER_SETTINGS) {
      for (const p of ranked) {
        const dc = p.defaultControl;
        const value = dc?.[name];
        if (dc === undefined || value === undefined) continue;
        defaultSettings[name] = { name, value, mRID: dc.mRID, programMRID: p.mRID };
        break;
      }
    }
    const responses = this.#responses;
    this.#responses = [];
    return {
      now: t,
      active,
      defaultsInEffect,
      defaultSettings,
      activeEvents,
      responses,
      nextWakeup: this.#nextTransition(),
    };
  }

  /**
   * The end user opts out of an event at `now` (IEEE 2030.5-2018 Table 27; sep.xsd `RespondableResource`
   * bit 2). Before the event starts: EventOptOut (4), the event does not run, and when its effective end
   * passes EventCompletedNoUserParticipation (10) is reported. While it runs: EventPartialOptOut (8) and
   * the event stops at once (its modes fall back to other events or defaults). Returns whether the event
   * was scheduled or active (otherwise nothing happens).
   */
  optOut(mRID: string, now: SchedulerTime): boolean {
    const t = this.#clampNow(now);
    this.#advance(t);
    const rec = this.#events.get(mRID);
    if (rec === undefined || (rec.phase !== 'scheduled' && rec.phase !== 'active')) return false;
    rec.partial = rec.phase === 'active';
    rec.phase = 'optedOut';
    rec.cancelAt = undefined;
    if (rec.partial) rec.endedAt = t;
    this.#respond(rec, rec.partial ? ResponseStatus.EventPartialOptOut : ResponseStatus.EventOptOut, t);
    this.#advance(t);
    return true;
  }

  /**
   * The end user opts in to an event at `now` (IEEE 2030.5-2018 Table 27). For an event the user had
   * opted out of: before its start, EventOptIn (5) and it runs as scheduled; during its interval,
   * EventPartialOptIn (9) and it starts (again) at once, subject to the usual precedence rules. For a
   * scheduled or active event, EventOptIn (5) confirms participation. Returns whether the event could
   * be opted in to.
   */
  optIn(mRID: string, now: SchedulerTime): boolean {
    const t = this.#clampNow(now);
    this.#advance(t);
    const rec = this.#events.get(mRID);
    if (rec === undefined) return false;
    if (rec.phase === 'scheduled' || rec.phase === 'active') {
      this.#respond(rec, ResponseStatus.EventOptIn, t);
      return true;
    }
    if (rec.phase !== 'optedOut' || t >= rec.effEnd) return false;
    const late = rec.partial || t > this.#startAt(rec);
    rec.phase = 'scheduled';
    rec.partial = false;
    rec.endedAt = undefined;
    rec.resumeAt = t;
    this.#respond(rec, late ? ResponseStatus.EventPartialOptIn : ResponseStatus.EventOptIn, t);
    this.#advance(t);
    return true;
  }

  /**
   * The end user acknowledged an event at `now`: EventAcknowledge (11), or EventNoDisplay (12) when
   * `displayed` is false because the device could not show it (IEEE 2030.5-2018 Table 27). Returns
   * whether the event is known and was not rejected or ignored.
   */
  acknowledge(mRID: string, now: SchedulerTime, displayed = true): boolean {
    const t = this.#clampNow(now);
    this.#advance(t);
    const rec = this.#events.get(mRID);
    if (rec === undefined || rec.phase === 'rejected' || rec.phase === 'ignored') return false;
    this.#respond(rec, displayed ? ResponseStatus.EventAcknowledge : ResponseStatus.EventNoDisplay, t);
    return true;
  }

  /** What the scheduler knows about each listed event, in order of receipt. */
  events(): EventState[] {
    const out: EventState[] = [];
    for (const rec of this.#events.values()) {
      out.push({
        mRID: rec.mRID,
        programMRID: rec.programMRID,
        phase: rec.phase,
        receivedAt: rec.receivedAt,
        start: rec.start,
        end: rec.end,
        effectiveStart: rec.effStart,
        effectiveEnd: rec.effEnd,
        ...(rec.startedAt === undefined ? {} : { startedAt: rec.startedAt }),
        ...(rec.endedAt === undefined ? {} : { endedAt: rec.endedAt }),
        modes: rec.modes,
      });
    }
    return out;
  }

  #clampNow(now: SchedulerTime): number {
    const n = typeof now === 'bigint' ? Number(now) : Math.floor(now);
    if (!Number.isSafeInteger(n)) {
      throw new MeterkitError(ErrorCode.ValueInvalid, 'now must be a TimeType (whole seconds since 1970)', {
        path: 'now',
      });
    }
    // A clock stepped backwards (time sync) never rewinds the schedule: time stands still until it catches up.
    return this.#cursor !== undefined && n < this.#cursor ? this.#cursor : n;
  }

  #rankedPrograms(): ProgramInfo[] {
    return [...this.#programs].sort((a, b) => a.primacy - b.primacy || a.order - b.order);
  }

  #primacy(rec: EventRecord): number {
    return this.#programIndex.get(rec.programMRID)?.primacy ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Whether `a` takes precedence over `b` for a shared mode: lower primacy value first, then the later
   * creationTime (IEEE 2030.5-2018 §12.1.3.2), then the greater mRID so the outcome is deterministic.
   */
  #precedes(a: EventRecord, b: EventRecord): boolean {
    const pa = this.#primacy(a);
    const pb = this.#primacy(b);
    if (pa !== pb) return pa < pb;
    if (a.creationTime !== b.creationTime) return a.creationTime > b.creationTime;
    return a.mRID > b.mRID;
  }

  #applies(deviceCategory: string | number | undefined): boolean {
    if (this.#category === undefined || deviceCategory === undefined) return true;
    const category = parseCategory(deviceCategory);
    return category === undefined || (category & this.#category) !== 0;
  }

  #receive(ev: SchedulerDERControl, programMRID: string, t: number): void {
    const rr = parseResponseRequired(ev.responseRequired, this.#defaultResponseRequired);
    const start = toSeconds(ev.interval?.start);
    const creationTime = toSeconds(ev.creationTime);
    const duration = ev.interval?.duration;
    const rs = ev.randomizeStart ?? 0;
    const rd = ev.randomizeDuration ?? 0;
    const status = ev.EventStatus?.currentStatus;
    const valid =
      start !== undefined &&
      creationTime !== undefined &&
      typeof duration === 'number' &&
      Number.isSafeInteger(duration) &&
      duration > 0 &&
      isRandomizeBound(rs) &&
      isRandomizeBound(rd) &&
      typeof status === 'number';
    let effStart = 0;
    let effEnd = 0;
    if (valid) {
      effStart = start + randomOffset(rs, this.#random);
      effEnd = Math.max(effStart + 1, effStart + duration + randomOffset(rd, this.#random));
    }
    const allModes = modesOf(ev.DERControlBase);
    const supported = this.#supported;
    const modes = supported === undefined ? allModes : allModes.filter((m) => supported.has(m));
    const rec: EventRecord = {
      mRID: ev.mRID,
      programMRID,
      creationTime: creationTime ?? 0,
      start: start ?? 0,
      end: valid ? start + duration : (start ?? 0),
      effStart,
      effEnd,
      receivedAt: t,
      modes,
      base: ev.DERControlBase ?? {},
      responseRequired: rr ?? this.#defaultResponseRequired,
      replyTo: ev.replyTo,
      cancelBound: valid ? Math.max(Math.abs(rs), Math.abs(rd)) : 0,
      seq: this.#seq++,
      sent: new Set(),
      phase: 'scheduled',
      lastStatus: status,
      startedAt: undefined,
      endedAt: undefined,
      cancelAt: undefined,
      partial: false,
      resumeAt: undefined,
    };
    this.#events.set(rec.mRID, rec);
    if (!this.#applies(ev.deviceCategory)) {
      // Not for this device: no response at all (sep.xsd RespondableResource.responseRequired).
      rec.phase = 'ignored';
      return;
    }
    if (!valid || rr === undefined) {
      rec.phase = 'rejected';
      this.#respond(rec, ResponseStatus.EventInvalid, t);
      return;
    }
    if (modes.length === 0 && allModes.length > 0) {
      // Every mode the event sets is one this DER does not support (Table 27: not applicable).
      rec.phase = 'rejected';
      this.#respond(rec, ResponseStatus.EventNotApplicable, t);
      return;
    }
    if (status === EventStatusCode.Cancelled || status === EventStatusCode.CancelledWithRandomization) {
      this.#respond(rec, ResponseStatus.EventReceived, t);
      this.#finish(rec, 'cancelled', t, ResponseStatus.EventCancelled);
    } else if (status === EventStatusCode.Superseded) {
      this.#respond(rec, ResponseStatus.EventReceived, t);
      this.#finish(rec, 'superseded', t, ResponseStatus.EventSuperseded);
    } else if (t >= effEnd) {
      rec.phase = 'rejected';
      this.#respond(rec, ResponseStatus.EventExpired, t);
    } else {
      this.#respond(rec, ResponseStatus.EventReceived, t);
    }
  }

  #statusChange(rec: EventRecord, ev: SchedulerDERControl, t: number): void {
    const status = ev.EventStatus?.currentStatus;
    if (status === rec.lastStatus) return;
    rec.lastStatus = status;
    if (rec.phase !== 'scheduled' && rec.phase !== 'active' && rec.phase !== 'optedOut') return;
    if (status === EventStatusCode.Cancelled) {
      this.#finish(rec, 'cancelled', t, ResponseStatus.EventCancelled);
    } else if (status === EventStatusCode.CancelledWithRandomization) {
      if (rec.phase !== 'active') {
        this.#finish(rec, 'cancelled', t, ResponseStatus.EventCancelled);
      } else if (rec.cancelAt === undefined) {
        // End randomization: the larger of |randomizeStart| and |randomizeDuration| (sep.xsd EventStatus).
        const delay = randomOffset(rec.cancelBound, this.#random);
        if (delay === 0) this.#finish(rec, 'cancelled', t, ResponseStatus.EventCancelled);
        else rec.cancelAt = t + delay;
      }
    } else if (status === EventStatusCode.Superseded) {
      this.#finish(rec, 'superseded', t, ResponseStatus.EventSuperseded);
    }
  }

  #finish(rec: EventRecord, phase: EventPhase, t: number, status: number): void {
    rec.phase = phase;
    rec.endedAt = t;
    rec.cancelAt = undefined;
    this.#respond(rec, status, t);
  }

  #respond(rec: EventRecord, status: number, t: number): void {
    if (rec.sent.has(status)) return;
    rec.sent.add(status);
    if (!responseAllowed(rec.responseRequired, status)) return;
    this.#responses.push({
      subject: rec.mRID,
      status,
      createdDateTime: t,
      ...(this.#lfdi === undefined ? {} : { endDeviceLFDI: this.#lfdi }),
      ...(rec.replyTo === undefined ? {} : { replyTo: rec.replyTo }),
      programMRID: rec.programMRID,
    });
  }

  #startAt(rec: EventRecord): number {
    return Math.max(rec.effStart, rec.receivedAt, rec.resumeAt ?? rec.receivedAt);
  }

  #nextTransition(): number | undefined {
    let next: number | undefined;
    for (const rec of this.#events.values()) {
      let at: number | undefined;
      if (rec.phase === 'scheduled') at = this.#startAt(rec);
      else if (rec.phase === 'active')
        at = rec.cancelAt === undefined ? rec.effEnd : Math.min(rec.effEnd, rec.cancelAt);
      else if (rec.phase === 'optedOut') at = rec.effEnd;
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  #advance(to: number): void {
    for (;;) {
      const t = this.#nextTransition();
      if (t === undefined || t > to) break;
      this.#processAt(t);
    }
    if (this.#cursor === undefined || to > this.#cursor) this.#cursor = to;
  }

  /** Ends, then starts, everything due at `t` (IEEE 2030.5-2018 §12.1.3.1, §12.1.3.2). */
  #processAt(t: number): void {
    const records = [...this.#events.values()];
    for (const rec of records) {
      if (rec.phase === 'optedOut' && rec.effEnd <= t) {
        // The event's time is over without the user: after a full opt-out, "completed, no user participation".
        if (rec.partial) {
          rec.phase = 'completed';
        } else {
          this.#finish(rec, 'completed', t, ResponseStatus.EventCompletedNoUserParticipation);
        }
        continue;
      }
      if (rec.phase !== 'active') continue;
      if (rec.cancelAt !== undefined && rec.cancelAt <= t) {
        this.#finish(rec, 'cancelled', t, ResponseStatus.EventCancelled);
      } else if (rec.effEnd <= t) {
        this.#finish(rec, 'completed', t, ResponseStatus.EventCompleted);
      }
    }
    const due = records
      .filter((rec) => rec.phase === 'scheduled' && this.#startAt(rec) <= t)
      .sort((a, b) => (this.#precedes(a, b) ? -1 : 1));
    for (const candidate of due) {
      if (candidate.phase !== 'scheduled') continue;
      const rivals = records.filter((r) => r.phase === 'active' && shareMode(r, candidate));
      let outcome: 'superseded' | 'completed' | undefined;
      for (const rival of rivals) {
        if (scheduledOverlap(rival, candidate)) {
          if (!this.#precedes(candidate, rival)) {
            outcome = 'superseded';
            break;
          }
        } else if (rival.start > candidate.start) {
          // Randomization made a later event start first: the earlier one yields to it.
          outcome = 'completed';
        }
      }
      if (outcome === 'superseded') {
        this.#finish(candidate, 'superseded', t, ResponseStatus.EventSuperseded);
        continue;
      }
      if (outcome === 'completed') {
        this.#finish(candidate, 'completed', t, ResponseStatus.EventCompleted);
        continue;
      }
      for (const rival of rivals) {
        if (scheduledOverlap(rival, candidate)) {
          this.#finish(rival, 'superseded', t, ResponseStatus.EventSuperseded);
        } else {
          this.#finish(rival, 'completed', t, ResponseStatus.EventCompleted);
        }
      }
      candidate.phase = 'active';
      candidate.startedAt = t;
      this.#respond(candidate, ResponseStatus.EventStarted, t);
    }
  }
}
