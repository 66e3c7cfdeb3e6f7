/**
 * Conditional subscriptions (IEEE 2030.5-2018 §9 Subscription/Notification, sep.xsd `Condition`): a
 * Subscription may carry a Condition on the monitored attribute (attributeIdentifier 0 = the Reading
 * value) with a lower and an upper threshold; the server then notifies only when the condition is met.
 *
 * Our reading of the condition (sep.xsd only says "a condition that must be satisfied for the
 * Notification to be triggered"): it is met when the reading value leaves the band
 * [lowerThreshold, upperThreshold], i.e. when it crosses the upper threshold upwards or the lower
 * threshold downwards, or jumps from one side of the band to the other. It is edge-triggered: a
 * value that stays beyond the same threshold does not notify again, a value back inside the band
 * does not notify, and the next crossing does.
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

/** Where a reading value lies relative to a Condition's thresholds (IEEE 2030.5-2018 §9, sep.xsd `Condition`). */
export type ThresholdZone = 'below' | 'within' | 'above';

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

/** The zone of `value` relative to the thresholds (IEEE 2030.5-2018 §9, sep.xsd `Condition`). */
export function thresholdZone(condition: SubscriptionCondition, value: number): ThresholdZone {
  if (value < condition.lowerThreshold) return 'below';
  if (value > condition.upperThreshold) return 'above';
  return 'within';
}

/**
 * Whether a change that moved the reading from zone `previous` to `value` meets the condition: the value is
 * beyond a threshold and was not beyond the same one before (see the module comment).
 */
export function conditionMet(
  condition: SubscriptionCondition,
  previous: ThresholdZone,
  value: number,
): boolean {
  const zone = thresholdZone(condition, value);
  return zone !== 'within' && zone !== previous;
}

type Fields = Record<string, unknown>;

function startOf(r: Fields): bigint | number {
  const s = (r['timePeriod'] as { start?: unknown } | undefined)?.start;
  return typeof s === 'bigint' || typeof s === 'number' ? s : Number.NEGATIVE_INFINITY;
}

/** The value of the most recent Reading among `readings` (latest timePeriod.start; the first on ties). */
function latestValue(readings: readonly Fields[]): number | undefined {
  let best: Fields | undefined;
  for (const r of readings) {
    if (!isInt48(r['value'])) continue;
    if (best === undefined || startOf(r) > startOf(best)) best = r;
  }
  return best?.['value'] as number | undefined;
}

/**
 * The monitored Reading value of a resource representation (attributeIdentifier 0): a `Reading`'s value;
 * for a `ReadingList`, the latest Reading's; for a `MirrorMeterReading`, its Reading's or else the latest
 * in its MirrorReadingSets; for a `MirrorReadingSet`, the latest of its Readings. `undefined` when the
 * resource carries no reading value.
 */
export function readingValueOf(doc: SepDocument): number | undefined {
  const r = doc.resource;
  switch (doc.type) {
    case 'Reading':
      return isInt48(r['value']) ? r['value'] : undefined;
    case 'ReadingList':
    case 'MirrorReadingSet':
      return latestValue((r['Reading'] as Fields[] | undefined) ?? []);
    case 'MirrorMeterReading': {
      const own = (r['Reading'] as Fields | undefined)?.['value'];
      if (isInt48(own)) return own;
      const sets = (r['MirrorReadingSet'] as Fields[] | undefined) ?? [];
      return latestValue(sets.flatMap((s) => (s['Reading'] as Fields[] | undefined) ?? []));
    }
    default:
      return undefined;
  }
}
