import { stringifyJson } from '@meterkit/core';

/**
 * One JSON Lines record (https://jsonlines.org): the value in meterkit's JSON form (bytes as hex,
 * bigint as decimal string, `type` first, sorted keys) on one line, newline-terminated.
 */
export function jsonLine(value: unknown): string {
  return `${stringifyJson(value, 0)}\n`;
}
