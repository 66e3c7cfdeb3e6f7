import type { CaseResult } from './runner.js';

/** One row of `npm run bench -- --json`. */
export interface JsonRow {
  readonly case: string;
  readonly ops_per_s: number;
  readonly mb_per_s: number | null;
  readonly baseline: string | null;
  readonly ratio: number | null;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The JSON form: one array, one row per case, numbers rounded to meaningful precision. */
export function toJsonRows(results: readonly CaseResult[]): JsonRow[] {
  return results.map((r) => ({
    case: r.name,
    ops_per_s: round(r.opsPerSec, 1),
    mb_per_s: r.mbPerSec === null ? null : round(r.mbPerSec, 2),
    baseline: r.baseline,
    ratio: r.ratio === null ? null : round(r.ratio, 3),
  }));
}

function fmt(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 10 ? 1 : 2);
}

/** A plain-text table for people. */
export function formatTable(results: readonly CaseResult[]): string {
  const header = ['case', 'ops/s', 'MB/s', 'baseline', 'ratio'];
  const rows = results.map((r) => [
    r.name,
    fmt(r.opsPerSec),
    r.mbPerSec === null ? '-' : fmt(r.mbPerSec),
    r.baseline ?? '-',
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 || i === 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
