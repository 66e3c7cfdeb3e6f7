/**
 * Input and output types of the DER event scheduler, in the words of IEEE 2030.5-2018 (sep.xsd `DERProgram`,
 * `DERControl`, `DefaultDERControl`, `EventStatus`, `DateTimeInterval`, `Response`). They are structural
 * subsets of the generated resource model: a decoded `DERControl` or `DefaultDERControl` can be passed as is.
 * Times are TimeType, seconds since 1970-01-01T00:00:00Z; inputs take `number` or `bigint` (the model's
 * TimeType), outputs are `number`.
 */
import type { DerControlMode, DerControlValue, SchedulerDERControlBase } from './modes.js';

/** TimeType, seconds since the Unix epoch (IEEE 2030.5-2018 sep.xsd `TimeType`); `bigint` as the model carries it. */
export type SchedulerTime = number | bigint;

/** EventStatus of an event (IEEE 2030.5-2018 sep.xsd `EventStatus`). */
export interface SchedulerEventStatus {
  /** 0 Scheduled, 1 Active, 2 Cancelled, 3 Cancelled with Randomization, 4 Superseded (`EventStatusCode`). */
  readonly currentStatus: number;
  readonly dateTime?: SchedulerTime;
  readonly potentiallySuperseded?: boolean;
  readonly potentiallySupersededTime?: SchedulerTime;
  readonly reason?: string;
}

/** DateTimeInterval: start and duration in seconds (IEEE 2030.5-2018 sep.xsd `DateTimeInterval`). */
export interface SchedulerInterval {
  readonly start: SchedulerTime;
  readonly duration: number;
}

/** A DERControl event as the scheduler reads it (IEEE 2030.5-2018 sep.xsd `DERControl` / `RandomizableEvent`). */
export interface SchedulerDERControl {
  readonly mRID: string;
  readonly description?: string;
  readonly creationTime: SchedulerTime;
  readonly EventStatus: SchedulerEventStatus;
  readonly interval: SchedulerInterval;
  /** Signed bound in seconds (-3600..3600) of the random start offset; 0 when absent. */
  readonly randomizeStart?: number;
  /** Signed bound in seconds (-3600..3600) of the random duration offset; 0 when absent. */
  readonly randomizeDuration?: number;
  /** HexBinary8 as hex text ("03") or a number; the scheduler's `responseRequired` option when absent. */
  readonly responseRequired?: string | number;
  /** Where responses are to be POSTed (the ResponseSet's ResponseList). */
  readonly replyTo?: string;
  /** Device categories the event targets (HexBinary32 as hex text, or a number); all devices when absent. */
  readonly deviceCategory?: string | number;
  readonly DERControlBase: SchedulerDERControlBase;
}

/** A DefaultDERControl as the scheduler reads it (IEEE 2030.5-2018 sep.xsd `DefaultDERControl`). */
export interface SchedulerDefaultDERControl {
  readonly mRID: string;
  readonly description?: string;
  readonly DERControlBase: SchedulerDERControlBase;
  readonly setESDelay?: number;
  readonly setESHighFreq?: number;
  readonly setESHighVolt?: number;
  readonly setESLowFreq?: number;
  readonly setESLowVolt?: number;
  readonly setESRampTms?: number;
  readonly setESRandomDelay?: number;
  readonly setGradW?: number;
  readonly setSoftGradW?: number;
}

/**
 * A DERProgram with its DefaultDERControl and DERControlList already fetched (IEEE 2030.5-2018 sep.xsd
 * `DERProgram`, `DERControlList`). Programs are given in FunctionSetAssignments order, then DERProgramList
 * order; that order breaks ties between programs of equal primacy.
 */
export interface SchedulerDERProgram {
  readonly mRID: string;
  readonly description?: string;
  /** Lower values have higher priority (IEEE 2030.5-2018 sep.xsd `PrimacyType`). */
  readonly primacy: number;
  readonly DefaultDERControl?: SchedulerDefaultDERControl;
  readonly DERControlList?: { readonly DERControl?: readonly SchedulerDERControl[] };
}

/** The DefaultDERControl settings that are not control modes (IEEE 2030.5-2018 sep.xsd `DefaultDERControl`). */
export const DEFAULT_DER_SETTINGS = [
  'setESDelay',
  'setESHighFreq',
  'setESHighVolt',
  'setESLowFreq',
  'setESLowVolt',
  'setESRampTms',
  'setESRandomDelay',
  'setGradW',
  'setSoftGradW',
] as const;

/** One DefaultDERControl setting name (IEEE 2030.5-2018 sep.xsd `DefaultDERControl`). */
export type DefaultDerSetting = (typeof DEFAULT_DER_SETTINGS)[number];

/** The control in effect for one mode: from an active event or from a program's DefaultDERControl (IEEE 2030.5-2018 §12.1.3, §10.10). */
export interface ActiveControl {
  readonly mode: DerControlMode;
  readonly value: DerControlValue;
  /** `event`: an active DERControl; `default`: a DefaultDERControl (no event active for this mode). */
  readonly source: 'event' | 'default';
  /** mRID of the DERControl or DefaultDERControl. */
  readonly mRID: string;
  readonly programMRID: string;
  readonly primacy: number;
  /** The event's `rampTms` (hundredths of a second), if it has one. */
  readonly rampTms?: number;
  /** For an event: when it started (TimeType seconds). */
  readonly startedAt?: number;
  /** For an event: its effective end (randomized), TimeType seconds. */
  readonly endsAt?: number;
}

/** A DefaultDERControl setting in effect, from the highest-priority program that sets it (IEEE 2030.5-2018 §10.10, sep.xsd `DefaultDERControl`). */
export interface DefaultSetting {
  readonly name: DefaultDerSetting;
  readonly value: number;
  readonly mRID: string;
  readonly programMRID: string;
}

/**
 * A Response the client should POST to `replyTo` (IEEE 2030.5-2018 §10.x Response function set, sep.xsd
 * `Response`): `subject` is the event's mRID, `status` a Table 27 value, `createdDateTime` the instant the
 * status occurred (TimeType seconds).
 */
export interface EventResponse {
  readonly subject: string;
  readonly status: number;
  readonly createdDateTime: number;
  readonly endDeviceLFDI?: string;
  readonly replyTo?: string;
  readonly programMRID: string;
}

/** Life-cycle phase of an event inside the scheduler (IEEE 2030.5-2018 §12.1.3, sep.xsd `EventStatus`). */
export type EventPhase =
  | 'scheduled'
  | 'active'
  | 'completed'
  | 'cancelled'
  | 'superseded'
  | 'aborted'
  | 'rejected'
  | 'ignored'
  | 'optedOut';

/** What the scheduler knows about one event, scheduled and effective intervals included (IEEE 2030.5-2018 §12.1.3.1). */
export interface EventState {
  readonly mRID: string;
  readonly programMRID: string;
  readonly phase: EventPhase;
  readonly receivedAt: number;
  /** Scheduled interval [start, end) as the server gave it. */
  readonly start: number;
  readonly end: number;
  /** Effective interval after randomization (IEEE 2030.5-2018 §12.1.3.1). */
  readonly effectiveStart: number;
  readonly effectiveEnd: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly modes: readonly DerControlMode[];
}

/** The result of `DerScheduler.tick`: controls in effect and Responses due (IEEE 2030.5-2018 §12.1.3, Table 27). */
export interface SchedulerTick {
  readonly now: number;
  /** The control in effect per mode; modes neither an event nor a default sets are absent. */
  readonly active: Readonly<Partial<Record<DerControlMode, ActiveControl>>>;
  /** Modes currently governed by a DefaultDERControl (no event active for them). */
  readonly defaultsInEffect: readonly DerControlMode[];
  /** DefaultDERControl settings (setGradW, setES*...) in effect, by name. */
  readonly defaultSettings: Readonly<Partial<Record<DefaultDerSetting, DefaultSetting>>>;
  /** mRIDs of the active events. */
  readonly activeEvents: readonly string[];
  /** Responses produced since the previous tick, in time order. */
  readonly responses: readonly EventResponse[];
  /** When to tick next (the next event start, end or randomized cancellation); `undefined` when nothing is pending. */
  readonly nextWakeup: number | undefined;
}
