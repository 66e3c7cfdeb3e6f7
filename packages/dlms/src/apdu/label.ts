import { MeterkitError } from '@meterkit/core';
import type { DlmsData } from '../axdr/data.js';
import { type CosemDateTime, decodeCosemDateTime } from '../axdr/date-time.js';
import { DlmsErrorCode } from '../errors.js';
import { obisName } from '../obis/names.js';
import { formatObis, type ObisCode } from '../obis/obis.js';
import { applyScaler, dlmsUnit, type ScalerUnit } from '../obis/units.js';

/**
 * Labelling of push bodies: walks a notification-body (IEC 62056-5-3 §8 Data-Notification), pairs
 * each value with the OBIS code (a six-octet octet-string, or its push_object_list entry) that
 * names it, and applies a scaler_unit (IEC 62056-6-2 §4.3.2) found in the same message. Profile
 * generic buffers are labelled against their capture objects by the cosem module.
 */

/** One labelled value. IEC 62056-5-3 §8, IEC 62056-6-2 §4.4.8. */
export interface LabeledValue {
  /** The OBIS code that names the value, or `null` when the message carries none for it. */
  readonly obis: ObisCode | null;
  /** The standard name of the OBIS code, when known (`obisName`). */
  readonly name: string | null;
  /** The value as decoded. */
  readonly value: DlmsData;
  /** The scaler_unit found in the same message, if any. */
  readonly scalerUnit: ScalerUnit | null;
  /** The value × 10^scaler, for numeric values with a scaler_unit. */
  readonly scaled: number | null;
  /** The unit symbol of `scalerUnit`, if any. */
  readonly unit: string | null;
  /** The value read as a date-time when it is a date-time or a 12-octet octet-string of a clock object. */
  readonly dateTime: CosemDateTime | null;
  /** Where the value sits in the body: indices from the root, e.g. `[2, 1]`. */
  readonly path: readonly number[];
  /** The attribute index, when a push_object_list names it. */
  readonly attributeIndex: number | null;
}

/** Options of `labelNotificationBody`. IEC 62056-5-3 §8, IEC 62056-6-2 §4.4.8. */
export interface LabelOptions {
  /**
   * Accept values that no OBIS code names (pushes without OBIS codes, e.g. Iskraemeco and Kaifa
   * value-only lists); they get `obis: null` and are reported in `tolerated`. Strict (default)
   * raises `AttributeValueInvalid` for them.
   */
  readonly allowMissingObis?: boolean;
}

/** The labelled values of a body, and what leniency tolerated. IEC 62056-5-3 §8, IEC 62056-6-2 §4.4.8. */
export interface LabeledBody {
  readonly items: readonly LabeledValue[];
  readonly tolerated: readonly string[];
}

function obisOf(d: DlmsData): ObisCode | null {
  if (d.type !== 'octet-string' || d.value.length !== 6) return null;
  if (d.value[0]! > 15) return null;
  return formatObis(d.value);
}

function scalerUnitOf(d: DlmsData | undefined): ScalerUnit | null {
  if (d === undefined || d.type !== 'structure' || d.value.length !== 2) return null;
  const s = d.value[0]!;
  const u = d.value[1]!;
  if (s.type !== 'integer' || u.type !== 'enum') return null;
  return { scaler: s.value, unit: u.value };
}

function numeric(d: DlmsData): number | bigint | null {
  switch (d.type) {
    case 'double-long':
    case 'double-long-unsigned':
    case 'integer':
    case 'long':
    case 'unsigned':
    case 'long-unsigned':
    case 'float32':
    case 'float64':
    case 'long64':
    case 'long64-unsigned':
      return d.value;
    default:
      return null;
  }
}

const CLOCK = /^0-\d+:1\.0\.0\.255$/;

function item(
  obis: ObisCode | null,
  value: DlmsData,
  su: ScalerUnit | null,
  path: number[],
  attributeIndex: number | null = null,
): LabeledValue {
  const n = su === null ? null : numeric(value);
  let dateTime: CosemDateTime | null = null;
  if (value.type === 'date-time') dateTime = value.value;
  else if (
    value.type === 'octet-string' &&
    value.value.length === 12 &&
    (obis === null || CLOCK.test(obis))
  ) {
    dateTime = decodeCosemDateTime(value.value);
  }
  return {
    obis,
    name: obis === null ? null : (obisName(obis) ?? null),
    value,
    scalerUnit: su,
    scaled: n === null || su === null ? null : applyScaler(n, su.scaler),
    unit: su === null ? null : (dlmsUnit(su.unit)?.symbol ?? null),
    dateTime,
    path,
    attributeIndex,
  };
}

function isCaptureObject(d: DlmsData): boolean {
  if (d.type !== 'structure' || d.value.length !== 4) return false;
  const [c, ln, a, i] = d.value as [DlmsData, DlmsData, DlmsData, DlmsData];
  return (
    c.type === 'long-unsigned' &&
    ln.type === 'octet-string' &&
    ln.value.length === 6 &&
    a.type === 'integer' &&
    i.type === 'long-unsigned'
  );
}

/**
 * A push whose first value is its own push_object_list (IEC 62056-6-2 §4.4.8, Push setup
 * attribute 2): an array of capture object definitions, one per value of the body.
 */
function pushObjectList(body: DlmsData): readonly DlmsData[] | null {
  if (body.type !== 'structure' || body.value.length === 0) return null;
  const first = body.value[0]!;
  if (first.type !== 'array' || first.value.length !== body.value.length) return null;
  for (const c of first.value) if (!isCaptureObject(c)) return null;
  return first.value;
}

function isContainer(d: DlmsData): d is Extract<DlmsData, { type: 'array' | 'structure' }> {
  return d.type === 'structure' || d.type === 'array';
}

function walk(d: DlmsData, path: number[], out: LabeledValue[], depth: number): void {
  if (!isContainer(d)) {
    out.push(item(null, d, null, path));
    return;
  }
  const v = d.value;
  // A captured object: { obis, value } or { obis, value, scaler_unit }.
  if ((v.length === 2 || v.length === 3) && obisOf(v[0]!) !== null && !isContainer(v[1]!)) {
    const su = v.length === 3 ? scalerUnitOf(v[2]) : null;
    if (v.length === 2 || su !== null) {
      out.push(item(obisOf(v[0]!), v[1]!, su, [...path, 1]));
      return;
    }
  }
  // A flat list: obis, value[, scaler_unit], obis, value, ... mixed with nested containers.
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    const obis = obisOf(c);
    const next = v[i + 1];
    if (obis !== null && next !== undefined && !isContainer(next) && obisOf(next) === null) {
      const su = scalerUnitOf(v[i + 2]);
      out.push(item(obis, next, su, [...path, i + 1]));
      i += su === null ? 1 : 2;
      continue;
    }
    if (isContainer(c) && depth < 16) walk(c, [...path, i], out, depth + 1);
    else out.push(item(null, c, null, [...path, i]));
  }
}

/**
 * Labels the values of a data-notification body (IEC 62056-5-3 §8) or any push/profile data. A
 * body whose first value is its push_object_list (IEC 62056-6-2 §4.4.8) is labelled from that
 * list, position by position. Otherwise six-octet OBIS octet-strings are paired with the value they
 * name (as `{ obis, value }` structures, `{ obis, value, scaler_unit }` structures, or flat
 * `obis, value, ...` lists), a scaler_unit given beside the value is applied, and known OBIS codes
 * are named. Values that no OBIS
 * code names raise `AttributeValueInvalid` unless `allowMissingObis` is set.
 */
export function labelNotificationBody(body: DlmsData, options: LabelOptions = {}): LabeledBody {
  const items: LabeledValue[] = [];
  const list = pushObjectList(body);
  if (list !== null && body.type === 'structure') {
    for (let i = 0; i < list.length; i++) {
      const def = (list[i] as { value: readonly DlmsData[] }).value;
      const ln = def[1] as { value: Uint8Array };
      const attr = def[2] as { value: number };
      items.push(item(formatObis(ln.value), body.value[i]!, null, [i], attr.value));
    }
  } else walk(body, [], items, 0);
  let missing = 0;
  for (const x of items) if (x.obis === null) missing++;
  const tolerated: string[] = [];
  if (missing > 0) {
    if (options.allowMissingObis !== true) {
      throw new MeterkitError(
        DlmsErrorCode.AttributeValueInvalid,
        `${missing} value(s) have no OBIS code (set allowMissingObis for value-only pushes)`,
        { path: 'notification-body' },
      );
    }
    tolerated.push(`${missing} value(s) without an OBIS code`);
  }
  return { items, tolerated };
}
