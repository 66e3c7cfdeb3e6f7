import { toHex } from '@meterkit/core';
import {
  type CosemDateTime,
  cosemDateTimeToIso,
  type DlmsData,
  decodeCosemDateTime,
  formatObis,
} from '@meterkit/dlms';

/** ISO 8601 text of a COSEM date-time, or undefined when it has unspecified fields that stop that. */
export function dateTimeText(dt: CosemDateTime): string | undefined {
  try {
    return cosemDateTimeToIso(dt);
  } catch {
    return undefined;
  }
}

/**
 * One line for people showing a COSEM value (IEC 62056-6-2 §4.1.5): numbers as numbers, text in
 * quotes, 12-octet strings that are date-times as ISO 8601, 6-octet strings as OBIS codes only
 * when `obisHint`, other octet-strings as hex, containers as `{…}` / `[…]` of their items.
 */
export function formatDlmsData(d: DlmsData, obisHint = false): string {
  switch (d.type) {
    case 'null-data':
    case 'dont-care':
      return 'null';
    case 'array':
      return `[${d.value.map((v) => formatDlmsData(v, obisHint)).join(', ')}]`;
    case 'structure':
      return `{${d.value.map((v) => formatDlmsData(v, obisHint)).join(', ')}}`;
    case 'compact-array':
      return `[${d.value.elements.map((v) => formatDlmsData(v, obisHint)).join(', ')}]`;
    case 'octet-string': {
      if (d.value.length === 12) {
        try {
          const iso = dateTimeText(decodeCosemDateTime(d.value));
          if (iso !== undefined) return iso;
        } catch {
          // not a date-time
        }
      }
      if (obisHint && d.value.length === 6) return formatObis(d.value);
      return toHex(d.value);
    }
    case 'visible-string':
    case 'utf8-string':
      return JSON.stringify(d.value);
    case 'date-time':
      return dateTimeText(d.value) ?? JSON.stringify(d.value);
    case 'date':
    case 'time':
      return JSON.stringify(d.value);
    case 'bit-string':
      return `bits ${d.value}`;
    case 'boolean':
      return d.value ? 'true' : 'false';
    default:
      return String(d.value);
  }
}

/** The numeric value of simple numeric data, else undefined. */
export function numericValue(d: DlmsData): number | undefined {
  if (typeof d.value === 'number') return d.value;
  if (typeof d.value === 'bigint') return Number(d.value);
  return undefined;
}

/** value × 10^scaler, rounded to the scaler's decimals so 0.1 steps do not print as 0.30000000000000004. */
export function scaleValue(value: number, scaler: number): number {
  const scaled = value * 10 ** scaler;
  return scaler < 0 ? Number(scaled.toFixed(-scaler)) : scaled;
}
