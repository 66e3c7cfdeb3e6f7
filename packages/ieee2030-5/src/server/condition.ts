/**
 * Conditional subscriptions (IEEE 2030.5-2018 §9 Subscription/Notification, sep.xsd `Condition`): a
 * Subscription may carry a Condition on the monitored attribute (attributeIdentifier 0 = the Reading
 * value) with a lower and an upper threshold; the server then notifies only when the condition is met.
 *
 * The rule (see docs/server.md for the sources): sep.xsd calls the Condition "a condition that must be
 * satisfied for the Notification to be triggered"; the CSIP-AUS reference server (bsgip/envoy) evaluates it
 * on each Reading a change brings and keeps the readings whose value is strictly below lowerThreshold or
 * strictly above upperThreshold. We do the same: a change meets the condition when any Reading it brings
 * (a posted or updated Reading, each MirrorMeterReading of a MirrorUsagePoint post, each Reading of a
 * MirrorReadingSet) has a value outside [lowerThreshold, upperThreshold]. It is level-triggered: every
 * such change notifies, whatever the previous value was.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { SepDocument } from '../http/document.js';

/** A Subscription's Condition (sep.xsd `Condition`). */
export interface SubscriptionCondition {
  /** 0 = Reading value; 1–255 reserved. */
  readonly attributeIdentifier: number;
  /** Int48. */
  readonly lowerThreshold: number;
  /** Int48. */
  readonly upperThreshold: number;
}

/** `Condition.attributeIdentifier` values (sep.xsd `Condition`). */
export const ConditionAttribute = {
  /** 0: the value of a Reading. */
  ReadingValue: 0,
} as const;

const INT48_MIN = -(2 ** 47);
const INT48_MAX = 2 ** 47 - 1;

function isInt48(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= INT48_MIN && v <= INT48_MAX;
}

/**
 * Checks a decoded `Condition` (sep.xsd `Condition`) a client sent in a Subscription: attributeIdentifier
 * must be 0 (the only defined value), both thresholds Int48 and lowerThreshold ≤ upperThreshold. Throws
 * `MeterkitError` ValueInvalid (path `Subscription.Condition.*`) otherwise.
 */
export function parseCondition(value: unknown): SubscriptionCondition {
  const c = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const id = c['attributeIdentifier'];
  if (id !== ConditionAttribute.ReadingValue) {
    throw new MeterkitError(
      ErrorCode.ValueInvalid,
      'Condition.attributeIdentifier must be 0 (Reading value)',
      {
        path: 'Subscription.Condition.attributeIdentifier',
      },
    );
  }
  const lower = c['lowerThreshold'];
  const upper = c['upperThreshold'];
  if (!isInt48(lower) || !isInt48(upper)) {
    throw new MeterkitError(ErrorCode.ValueInvalid, 'Condition thresholds must be Int48 values', {
      path: 'Subscription.Condition',
    });
  }
  if (lower > upper) {
    throw new MeterkitError(ErrorCode.ValueInvalid, 'Condition.lowerThreshold exceeds upperThreshold', {
      path: 'Subscription.Condition.lowerThreshold',
    });
  }
  return { attributeIdentifier: id, lowerThreshold: lower, upperThreshold: upper };
}

/** Whether `value` is outside the band [lowerThreshold, upperThreshold] (the thresholds themselves are inside). */
export function outsideThresholds(condition: SubscriptionCondition, value: number): boolean {
  return value < condition.lowerThreshold || value > condition.upperThreshold;
}

/**
 * Whether a change bringing the reading values `values` meets the condition (IEEE 2030.5-2018 §9, sep.xsd
 * `Condition`): at least one of them is outside the thresholds. A change without reading values never
 * meets it.
 */
export function conditionMet(condition: SubscriptionCondition, values: readonly number[]): boolean {
  return values.some((v) => outsideThresholds(condition, v));
}

type Fields = Record<string, unknown>;

function readingValue(r: unknown): number[] {
  const v = (r as Fields | undefined)?.['value'];
  return isInt48(v) ? [v] : [];
}

function readingsValues(list: unknown): number[] {
  return Array.isArray(list) ? list.flatMap(readingValue) : [];
}

function mirrorMeterReadingValues(m: Fields): number[] {
  const sets = Array.isArray(m['MirrorReadingSet']) ? (m['MirrorReadingSet'] as Fields[]) : [];
  return [...readingValue(m['Reading']), ...sets.flatMap((s) => readingsValues(s['Reading']))];
}

/**
 * The Reading values a resource representation carries (attributeIdentifier 0), each of them: a `Reading`'s
 * value; every Reading of a `ReadingList` or `MirrorReadingSet`; a `MirrorMeterReading`'s
 * Reading and the Readings of its MirrorReadingSets; the same for each MirrorMeterReading of a
 * `MirrorMeterReadingList` or `MirrorUsagePoint`, and of each MirrorUsagePoint of a `MirrorUsagePointList`.
 * Empty for any other resource.
 */
export function readingValuesOf(doc: SepDocument): number[] {
  const r = doc.resource;
  const mmrs = (v: unknown): number[] =>
    Array.isArray(v) ? (v as Fields[]).flatMap(mirrorMeterReadingValues) : [];
  switch (doc.type) {
    case 'Reading':
      return readingValue(r);
    case 'ReadingList':
    case 'MirrorReadingSet':
      return readingsValues(r['Reading']);
    case 'MirrorMeterReading':
      return mirrorMeterReadingValues(r);
    case 'MirrorMeterReadingList':
    case 'MirrorUsagePoint':
      return mmrs(r['MirrorMeterReading']);
    case 'MirrorUsagePointList':
      return Array.isArray(r['MirrorUsagePoint'])
        ? (r['MirrorUsagePoint'] as Fields[]).flatMap((m) => mmrs(m['MirrorMeterReading']))
        : [];
    default:
      return [];
  }
}
