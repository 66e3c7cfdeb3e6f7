/**
 * What a DER client reports back about the controls in effect (IEEE 2030.5-2018 §10.10 DER function set;
 * CSIP-AUS / SA TS 5573 site limits): the CSIP-AUS site import, export, generation and load limits in watts,
 * the DERStatus connection and operational-mode status that follows from `opModConnect` / `opModEnergize`
 * (CSIP-AUS ALL-11/12/15/16), and the DERSettings that follow from the DefaultDERControl settings such as
 * `setGradW` (ALL-13/17). Pure functions of a scheduler tick.
 */
import type { SchedulerTick } from '../scheduler/types.js';

/** An ActivePower value (sep.xsd `ActivePower`: value × 10^multiplier watts). */
export interface ActivePowerValue {
  readonly multiplier: number;
  readonly value: number;
}

/** ActivePower in watts (sep.xsd `ActivePower`, `PowerOfTenMultiplierType`); `undefined` for a malformed value. */
export function activePowerWatts(power: unknown): number | undefined {
  const p = power as Partial<ActivePowerValue> | undefined;
  if (typeof p?.value !== 'number' || typeof p.multiplier !== 'number') return undefined;
  return p.value * 10 ** p.multiplier;
}

/** The CSIP-AUS site limit modes (CSIP-AUS v1.3 `DERControlBase` extensions, SA TS 5573). */
export const SITE_LIMIT_MODES = ['opModImpLimW', 'opModExpLimW', 'opModGenLimW', 'opModLoadLimW'] as const;

/** One CSIP-AUS site limit mode (CSIP-AUS v1.3 `DERControlBase` extensions). */
export type SiteLimitMode = (typeof SITE_LIMIT_MODES)[number];

/** A site limit in effect (SA TS 5573 site limits; IEEE 2030.5-2018 §10.10): watts, and whether an event or a DefaultDERControl sets it. */
export interface SiteLimit {
  readonly watts: number;
  readonly source: 'event' | 'default';
  /** mRID of the DERControl or DefaultDERControl. */
  readonly mRID: string;
  readonly programMRID: string;
}

/**
 * The CSIP-AUS site limits in effect (SA TS 5573: opModImpLimW import, opModExpLimW export, opModGenLimW
 * generation, opModLoadLimW load; CSIP-AUS GEN-01..08, LOA-01..08): each from the active event that sets
 * it or else from the highest-priority DefaultDERControl, in watts. A limit neither sets is absent
 * (unconstrained).
 */
export function siteLimits(tick: SchedulerTick): Partial<Record<SiteLimitMode, SiteLimit>> {
  const out: Partial<Record<SiteLimitMode, SiteLimit>> = {};
  for (const mode of SITE_LIMIT_MODES) {
    const c = tick.active[mode];
    const watts = activePowerWatts(c?.value);
    if (c === undefined || watts === undefined) continue;
    out[mode] = { watts, source: c.source, mRID: c.mRID, programMRID: c.programMRID };
  }
  return out;
}

/** Bits of `ConnectStatusType.value` (sep.xsd `ConnectStatusType`, HexBinary8). */
export const ConnectStatusBit = {
  Connected: 0x01,
  Available: 0x02,
  Operating: 0x04,
  Test: 0x08,
  FaultError: 0x10,
} as const;

/** `OperationalModeStatusType.value` (sep.xsd `OperationalModeStatusType`). */
export const OperationalModeStatus = {
  NotApplicable: 0,
  Off: 1,
  OperationalMode: 2,
  TestMode: 3,
} as const;

/** The physical state of the DER besides what the controls ask (sep.xsd `ConnectStatusType` bits Available, Test, Fault/Error). */
export interface DerCondition {
  /** Default true. */
  readonly available?: boolean;
  readonly fault?: boolean;
  readonly test?: boolean;
}

/**
 * The DERStatus a DER reports after applying the controls in `tick` (sep.xsd `DERStatus`, IEEE 2030.5-2018
 * §10.10; CSIP-AUS ALL-07/08, ALL-11/12, ALL-15/16): `genConnectStatus` Connected unless `opModConnect` is
 * false, Operating when connected and `opModEnergize` is not false (and no fault), Available unless stated;
 * `operationalModeStatus` Operational mode when operating, Off otherwise (Test mode in test). Times are `now`.
 */
export function derStatusFor(
  tick: SchedulerTick,
  now: number,
  condition: DerCondition = {},
): {
  readonly genConnectStatus: { readonly dateTime: bigint; readonly value: string };
  readonly operationalModeStatus: { readonly dateTime: bigint; readonly value: number };
  readonly readingTime: bigint;
} {
  const connected = tick.active.opModConnect?.value !== false;
  const energized = tick.active.opModEnergize?.value !== false;
  const fault = condition.fault === true;
  const operating = connected && energized && !fault;
  let bits = 0;
  if (connected) bits |= ConnectStatusBit.Connected;
  if (condition.available !== false) bits |= ConnectStatusBit.Available;
  if (operating) bits |= ConnectStatusBit.Operating;
  if (condition.test === true) bits |= ConnectStatusBit.Test;
  if (fault) bits |= ConnectStatusBit.FaultError;
  const mode =
    condition.test === true
      ? OperationalModeStatus.TestMode
      : operating
        ? OperationalModeStatus.OperationalMode
        : OperationalModeStatus.Off;
  const at = BigInt(now);
  return {
    genConnectStatus: { dateTime: at, value: bits.toString(16).padStart(2, '0') },
    operationalModeStatus: { dateTime: at, value: mode },
    readingTime: at,
  };
}

/**
 * The DERSettings a DER reports once it has adopted the DefaultDERControl settings in effect (sep.xsd
 * `DERSettings`, `DefaultDERControl`; CSIP-AUS ALL-13/17): `base` (the nameplate-derived settings, which must
 * carry `setMaxW`) with `setGradW`, `setSoftGradW` and the `setES*` values of the defaults in effect, and
 * `updatedTime` = `now`. A setting no default gives keeps its `base` value.
 */
export function derSettingsFor(
  tick: SchedulerTick,
  base: Readonly<Record<string, unknown>>,
  now: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const s of Object.values(tick.defaultSettings)) {
    if (s !== undefined) out[s.name] = s.value;
  }
  out['updatedTime'] = BigInt(now);
  return out;
}
