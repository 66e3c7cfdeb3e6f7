/** Options of `lineChart`. */
export interface LineChartOptions {
  /** Plot columns (values are resampled to fit); default 60. */
  readonly width?: number;
  /** Plot rows; default 8. */
  readonly height?: number;
  /** Unit shown after the axis labels. */
  readonly unit?: string;
  /** Labels under the first and last column (e.g. the first and last timestamps). */
  readonly from?: string;
  readonly to?: string;
}

function formatAxis(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e12 || a < 1e-3)) return v.toExponential(2);
  return Number.isInteger(v) ? String(v) : v.toFixed(a >= 100 ? 1 : 3).replace(/\.?0+$/, '');
}

/** Averages `values` into `width` buckets (or keeps them when they fit). */
function resample(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const a = Math.floor((i * values.length) / width);
    const b = Math.max(a + 1, Math.floor(((i + 1) * values.length) / width));
    let sum = 0;
    for (let j = a; j < b; j++) sum += values[j] ?? 0;
    out.push(sum / (b - a));
  }
  return out;
}

/**
 * A small terminal line chart of a series (load profiles): `height` rows with the maximum and
 * minimum on the y axis, one column per (resampled) value, a point per column joined to its
 * neighbour by vertical strokes. Non-finite values are skipped. Returns the lines (no colour).
 */
export function lineChart(series: readonly number[], options: LineChartOptions = {}): string[] {
  const values = series.filter((v) => Number.isFinite(v));
  if (values.length === 0) return ['(no values to chart)'];
  const height = Math.max(2, options.height ?? 8);
  const points = resample(values, Math.max(2, options.width ?? 60));
  let min = Math.min(...points);
  let max = Math.max(...points);
  if (min === max) {
    min -= 1;
    max += 1;
  }
  const rowOf = (v: number): number => Math.round(((v - min) / (max - min)) * (height - 1));
  const grid = Array.from({ length: height }, () => Array<string>(points.length).fill(' '));
  let prev: number | undefined;
  points.forEach((v, x) => {
    const r = rowOf(v);
    if (prev !== undefined && Math.abs(prev - r) > 1) {
      const [lo, hi] = prev < r ? [prev, r] : [r, prev];
      for (let k = lo + 1; k < hi; k++) (grid[k] as string[])[x] = '│';
    }
    (grid[r] as string[])[x] = '•';
    prev = r;
  });
  const unit = options.unit ? ` ${options.unit}` : '';
  const top = formatAxis(max) + unit;
  const bottom = formatAxis(min) + unit;
  const labelWidth = Math.max(top.length, bottom.length);
  const lines: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    const label = r === height - 1 ? top : r === 0 ? bottom : '';
    lines.push(`${label.padStart(labelWidth)} ┤${(grid[r] as string[]).join('')}`.trimEnd());
  }
  lines.push(`${' '.repeat(labelWidth)} └${'─'.repeat(points.length)}`);
  if (options.from !== undefined || options.to !== undefined) {
    const from = options.from ?? '';
    const to = options.to ?? '';
    const gap = Math.max(1, points.length + 1 - from.length - to.length);
    lines.push(`${' '.repeat(labelWidth + 1)}${from}${' '.repeat(gap)}${to}`.trimEnd());
  }
  return lines;
}
