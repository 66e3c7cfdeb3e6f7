/**
 * A simulated DER for labs and tests (IEEE 2030.5-2018 §10.10 DER function set; CSIP-AUS / SA TS 5573 site
 * limits): sans-IO and driven by time the caller gives. The client hands it each scheduler tick
 * (`apply`); it ramps its active power toward what the controls allow at the ramp rate `setGradW`
 * (sep.xsd `DERSettings` / `DefaultDERControl`: hundredths of a percent of setMaxW per second, 0 = no
 * limit), honours the site import, export, generation and load limits (`opModImpLimW`, `opModExpLimW`,
 * `opModGenLimW`, `opModLoadLimW`) and `opModConnect` / `opModEnergize` (a disconnected or de-energised DER
 * stops at once, then restarts at the soft-start rate `setSoftGradW` when one is given), and averages the
 * site and DER active power over each telemetry interval (`takeReadings`).
 *
 * A DERControl's `rampTms` (sep.xsd `DERControlBase.rampTms`: the time, in hundredths of a second, the
 * device is asked to take to move from the settings in effect to the control's; setGradW governs when it
 * is absent) overrides setGradW for the transition its event brings: when an event with rampTms starts
 * governing a site-limit mode, the DER goes from its power then to the new target in rampTms / 100
 * seconds at a constant rate (at once for 0). The override lasts until
 * the target is reached or the controls change again; falling back to a DefaultDERControl uses setGradW.
 * Should several events with rampTms take over modes at the same tick, the longest ramp time applies.
 *
 * Signs follow CSIP-AUS telemetry: site power is positive when the site imports, negative when it exports;
 * DER power is positive when the DER generates, negative when it consumes.
 */
import type { SchedulerTick } from '../scheduler/types.js';
import { SITE_LIMIT_MODES, siteLimits } from './der-state.js';

/** A power level in watts (sep.xsd `ActivePower` after the multiplier), fixed or as a function of TimeType seconds. */
export type PowerProfile = number | ((time: number) => number);

/** Options of `SimulatedDer`: the DER's ratings (sep.xsd `DERSettings.setMaxW`, `setGradW`) and what it would do unconstrained. */
export interface SimulatedDerOptions {
  /** Rated active power (sep.xsd `DERSettings.setMaxW`), watts, > 0. */
  readonly ratedW: number;
  /** Largest consumption of the DER (a controllable load, or storage charging), watts (default 0: a generator only). */
  readonly ratedLoadW?: number;
  /**
   * What the DER would do unconstrained, watts: positive generation (e.g. the PV power available), negative
   * consumption (default `ratedW`). Limits curtail it toward 0; they never make the DER exceed it.
   */
  readonly desiredW?: PowerProfile;
  /** The rest of the site's load (not controlled), watts ≥ 0 (default 0). */
  readonly siteLoadW?: PowerProfile;
  /** The DER's own ramp rate (sep.xsd `DERSettings.setGradW`, hundredths of a percent of ratedW per second; 0 = no limit) used until a DefaultDERControl sets one (default 0). */
  readonly setGradW?: number;
  /** Active power at `start`, watts (default: the desired power). */
  readonly initialW?: number;
  /** When the simulation starts, TimeType seconds. */
  readonly start: number;
}

/** Site and DER active power averaged over [start, start + duration) (CSIP-AUS site and DER telemetry). */
export interface PowerReadings {
  /** Site active power at the connection point, watts: positive import, negative export. */
  readonly siteW: number;
  /** DER active power, watts: positive generation, negative consumption. */
  readonly derW: number;
  /** TimeType seconds. */
  readonly start: number;
  /** Seconds; 0 when no time passed (the readings are then the values at `start`). */
  readonly duration: number;
}

/**
 * What `SepClient.startPowerTelemetry` needs from a DER (IEEE 2030.5-2018 §10.10): take in the controls of
 * a scheduler tick, and give the site and DER active power since the last readings. `SimulatedDer`
 * implements it; a real inverter integration can too.
 */
export interface DerPowerModel {
  apply(tick: SchedulerTick, now: number): void;
  takeReadings(now: number): PowerReadings;
}

function at(profile: PowerProfile, time: number): number {
  return typeof profile === 'number' ? profile : profile(time);
}

/**
 * The simulated DER (IEEE 2030.5-2018 §10.10 DER controls; CSIP-AUS site limits; ramp rates per sep.xsd
 * `DERSettings.setGradW` / `setSoftGradW`): see the module comment.
 */
export class SimulatedDer implements DerPowerModel {
  private readonly ratedW: number;
  private readonly ratedLoadW: number;
  private readonly desired: PowerProfile;
  private readonly siteLoad: PowerProfile;
  private readonly variable: boolean;
  private time: number;
  private power: number;
  private connected = true;
  private energized = true;
  private softStart = false;
  private gradW: number;
  private softGradW: number | undefined;
  /** W per second of a transition timed by an event's `rampTms`, until the target is reached. */
  private timedRate: number | undefined;
  /** Which control governs each site-limit mode (`source:mRID`), to see which modes changed hands. */
  private governing: Partial<Record<string, string>> = {};
  private readonly limits: { gen?: number; load?: number; exp?: number; imp?: number } = {};
  private intervalStart: number;
  private derEnergy = 0;
  private siteEnergy = 0;

  constructor(options: SimulatedDerOptions) {
    this.ratedW = options.ratedW;
    this.ratedLoadW = options.ratedLoadW ?? 0;
    this.desired = options.desiredW ?? options.ratedW;
    this.siteLoad = options.siteLoadW ?? 0;
    this.variable = typeof this.desired === 'function' || typeof this.siteLoad === 'function';
    this.gradW = options.setGradW ?? 0;
    this.time = options.start;
    this.intervalStart = options.start;
    this.power = options.initialW ?? this.target(options.start);
  }

  /** DER active power now (after the last `advance`), watts. */
  get derW(): number {
    return this.power;
  }

  /** Site active power now, watts (positive import). */
  get siteW(): number {
    return at(this.siteLoad, this.time) - this.power;
  }

  /** The ramp rate in use, hundredths of a percent of ratedW per second (0 = no limit). */
  get rampRate(): number {
    return this.softStart && this.softGradW !== undefined ? this.softGradW : this.gradW;
  }

  /**
   * The rate of a transition timed by a DERControl's `rampTms`, watts per second, while one is under way
   * (it then overrides `rampRate`); undefined otherwise.
   */
  get rampTmsRate(): number | undefined {
    return this.timedRate;
  }

  /**
   * What the DER heads for at `time` under the limits last applied: 0 when disconnected or de-energised;
   * otherwise the desired power, curtailed toward 0 by the generation and export limits (generation) or the
   * load and import limits (consumption), within the ratings.
   */
  target(time: number): number {
    if (!this.connected || !this.energized) return 0;
    const load = at(this.siteLoad, time);
    const want = Math.min(this.ratedW, Math.max(-this.ratedLoadW, at(this.desired, time)));
    const l = this.limits;
    if (want >= 0) {
      let upper = want;
      if (l.gen !== undefined) upper = Math.min(upper, l.gen);
      if (l.exp !== undefined) upper = Math.min(upper, l.exp + load);
      return Math.max(0, upper);
    }
    let lower = want;
    if (l.load !== undefined) lower = Math.max(lower, -l.load);
    if (l.imp !== undefined) lower = Math.max(lower, load - l.imp);
    return Math.min(0, lower);
  }

  /** Moves the simulation to `now`, ramping toward the target and accumulating energy for the readings. */
  advance(now: number): void {
    while (this.time < now) {
      const limit = this.variable ? Math.min(now, Math.floor(this.time) + 1) : now;
      const target = this.target(this.time);
      const load = at(this.siteLoad, this.time);
      const rate = this.timedRate ?? (this.rampRate * this.ratedW) / 10_000; // W per second
      let step = limit - this.time;
      let end = limit;
      let next = target;
      const ramping = this.power !== target && rate > 0 && this.connected && this.energized;
      if (ramping) {
        const reach = Math.abs(target - this.power) / rate;
        if (reach > step) next = this.power + Math.sign(target - this.power) * rate * step;
        else {
          step = reach;
          end = this.time + reach;
        }
      }
      if (ramping) {
        // Ramping: the trapezoid, then continue from where the ramp got to.
        const area = ((this.power + next) / 2) * step;
        this.derEnergy += area;
        this.siteEnergy += load * step - area;
      } else {
        // At the target (or a step change): flat at the new value.
        this.derEnergy += next * step;
        this.siteEnergy += (load - next) * step;
      }
      if (next === target) {
        this.softStart = false;
        this.timedRate = undefined;
      }
      this.power = next;
      this.time = end;
    }
    // Without a ramp limit the DER is at its target at every instant (power that varies with time is
    // integrated second by second above, but its value now is the value at `now`).
    if ((this.timedRate === undefined && this.rampRate === 0) || !this.connected || !this.energized)
      this.power = this.target(this.time);
  }

  /**
   * Takes in the controls of a scheduler tick at `now` (IEEE 2030.5-2018 §10.10): first advances to `now`
   * under the previous controls, then adopts the site limits in effect (`siteLimits`), `opModConnect`,
   * `opModEnergize`, the DefaultDERControl ramp rates `setGradW` / `setSoftGradW`, and the `rampTms` of
   * events that take over a site-limit mode (see the module comment).
   */
  apply(tick: SchedulerTick, now: number): void {
    this.advance(now);
    // rampTms of the events that start governing a site-limit mode with this tick.
    let rampTms: number | undefined;
    let handedOver = false;
    const governing: Partial<Record<string, string>> = {};
    for (const mode of SITE_LIMIT_MODES) {
      const c = tick.active[mode];
      if (c === undefined) continue;
      const key = `${c.source}:${c.mRID}`;
      governing[mode] = key;
      if (this.governing[mode] === key) continue;
      handedOver = true;
      if (c.source === 'event' && c.rampTms !== undefined) rampTms = Math.max(rampTms ?? 0, c.rampTms);
    }
    for (const mode of Object.keys(this.governing)) if (governing[mode] === undefined) handedOver = true;
    this.governing = governing;
    const limits = siteLimits(tick);
    this.limits.gen = limits.opModGenLimW?.watts;
    this.limits.load = limits.opModLoadLimW?.watts;
    this.limits.exp = limits.opModExpLimW?.watts;
    this.limits.imp = limits.opModImpLimW?.watts;
    const wasOperating = this.connected && this.energized;
    this.connected = tick.active.opModConnect?.value !== false;
    this.energized = tick.active.opModEnergize?.value !== false;
    const operating = this.connected && this.energized;
    if (!operating) this.power = 0;
    else if (!wasOperating) this.softStart = true;
    const grad = tick.defaultSettings.setGradW?.value;
    if (grad !== undefined) this.gradW = grad;
    this.softGradW = tick.defaultSettings.setSoftGradW?.value;
    if (handedOver) {
      this.timedRate = undefined;
      if (rampTms !== undefined && operating) {
        const gap = Math.abs(this.target(now) - this.power);
        if (rampTms === 0) this.power = this.target(now);
        else if (gap > 0) this.timedRate = gap / (rampTms / 100);
      }
    }
  }

  /**
   * The site and DER active power averaged since the previous readings (or the start), after advancing to
   * `now`; starts the next interval.
   */
  takeReadings(now: number): PowerReadings {
    this.advance(now);
    const duration = this.time - this.intervalStart;
    const readings: PowerReadings =
      duration > 0
        ? {
            siteW: this.siteEnergy / duration,
            derW: this.derEnergy / duration,
            start: this.intervalStart,
            duration,
          }
        : { siteW: this.siteW, derW: this.power, start: this.intervalStart, duration: 0 };
    this.intervalStart = this.time;
    this.derEnergy = 0;
    this.siteEnergy = 0;
    return readings;
  }
}
