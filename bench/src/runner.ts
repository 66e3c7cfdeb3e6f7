import type { BenchCase } from './case.js';

/** How long the runner spends on each case. */
export interface RunOptions {
  /** Warm-up time in ms (JIT settles, batch size is calibrated). Default 200. */
  readonly warmupMs?: number;
  /** Number of timed runs; the median is reported. Default 5. */
  readonly runs?: number;
  /** Length of each timed run in ms. Default 300. */
  readonly runMs?: number;
}

/** One case's result. */
export interface CaseResult {
  readonly name: string;
  /** Median operations per second over the timed runs. */
  readonly opsPerSec: number;
  /** Median throughput in MB/s (10^6 bytes), or null when the case has no `bytesPerOp`. */
  readonly mbPerSec: number | null;
  readonly bytesPerOp: number | null;
  /** The case compared with, or null. */
  readonly baseline: string | null;
  /**
   * This case's cost over the baseline's, measured in the same run: per byte when both cases declare
   * `bytesPerOp` (baseline MB/s ÷ this MB/s), otherwise per operation (baseline ops/s ÷ this ops/s).
   * 3 means "three times as expensive". Null without a baseline. For synchronous cases it is the
   * median over runs that alternate baseline and case, so both see the same machine load.
   */
  readonly ratio: number | null;
  /** ops/s of every timed run, in order. */
  readonly samples: readonly number[];
}

let sink = 0;

/** Folds a case's return value into a global so the work cannot be optimised away. */
function consume(value: unknown): void {
  if (typeof value === 'number') sink = (sink + value) | 0;
  else if (value !== undefined && value !== null) sink = (sink + 1) | 0;
}

/** The last folded value (read it somewhere so `consume` is never dead itself). */
export function blackhole(): number {
  return sink;
}

function now(): number {
  return performance.now();
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Warms `run` up for `warmupMs` and returns a batch size that takes about 1/20 of `runMs`. */
export function calibrate(run: () => unknown, warmupMs: number, runMs: number): number {
  let batch = 1;
  const target = Math.max(0.05, runMs / 20);
  const warmEnd = now() + warmupMs;
  do {
    const t0 = now();
    for (let i = 0; i < batch; i++) consume(run());
    const took = now() - t0;
    if (took < target && batch < 1 << 30) batch *= 2;
  } while (now() < warmEnd);
  return batch;
}

/** One timed run of about `runMs` in batches of `batch` calls: ops/s. */
export function timedRun(run: () => unknown, batch: number, runMs: number): number {
  let ops = 0;
  const t0 = now();
  let elapsed = 0;
  do {
    for (let i = 0; i < batch; i++) consume(run());
    ops += batch;
    elapsed = now() - t0;
  } while (elapsed < runMs);
  return (ops * 1000) / elapsed;
}

/** Times one case: warm-up with batch calibration, then `runs` timed runs. Returns ops/s per run. */
export function measure(c: BenchCase, options: RunOptions = {}): number[] {
  const runMs = options.runMs ?? 300;
  const batch = calibrate(c.run, options.warmupMs ?? 200, runMs);
  const samples: number[] = [];
  for (let r = 0; r < Math.max(1, options.runs ?? 5); r++) samples.push(timedRun(c.run, batch, runMs));
  return samples;
}

/**
 * Times a case and its baseline in alternating runs (baseline, case, baseline, case, ...), so both
 * see the same machine load; returns each one's ops/s per run. The ratio of a pair is then a fair
 * comparison even on a busy machine, where timing all baselines first and the cases later is not.
 */
export function measurePaired(
  c: BenchCase,
  base: BenchCase,
  options: RunOptions = {},
): { case: number[]; base: number[] } {
  const runMs = options.runMs ?? 300;
  const warm = options.warmupMs ?? 200;
  const baseBatch = calibrate(base.run, warm / 2, runMs);
  const batch = calibrate(c.run, warm, runMs);
  const out = { case: [] as number[], base: [] as number[] };
  for (let r = 0; r < Math.max(1, options.runs ?? 5); r++) {
    out.base.push(timedRun(base.run, baseBatch, runMs));
    out.case.push(timedRun(c.run, batch, runMs));
  }
  return out;
}

/**
 * Times an asynchronous case: `setup`, a warm-up, then `runs` timed runs in which each operation
 * is awaited before the next starts (the sequential rate a single client sees), then `teardown`.
 */
export async function measureAsync(c: BenchCase, options: RunOptions = {}): Promise<number[]> {
  const warmupMs = options.warmupMs ?? 200;
  const runs = Math.max(1, options.runs ?? 5);
  const runMs = options.runMs ?? 300;
  await c.setup?.();
  try {
    const warmEnd = now() + warmupMs;
    do consume(await c.run());
    while (now() < warmEnd);
    const samples: number[] = [];
    for (let r = 0; r < runs; r++) {
      let ops = 0;
      const t0 = now();
      let elapsed = 0;
      do {
        consume(await c.run());
        ops++;
        elapsed = now() - t0;
      } while (elapsed < runMs);
      samples.push((ops * 1000) / elapsed);
    }
    return samples;
  } finally {
    await c.teardown?.();
  }
}

/**
 * Runs `cases` in order and computes throughput and baseline ratios. `onResult` sees each result
 * as it is ready (for progress output). Synchronous cases run with `measure`, asynchronous ones
 * (`async: true`) with `measureAsync`.
 */
export async function runCases(
  cases: readonly BenchCase[],
  options: RunOptions = {},
  onResult?: (result: CaseResult) => void,
): Promise<CaseResult[]> {
  const measured = new Map<string, number[]>();
  const order = [...cases].sort(
    (a, b) => Number(a.baseline !== undefined) - Number(b.baseline !== undefined),
  );
  const byName = new Map(cases.map((c) => [c.name, c]));
  const pairedRatios = new Map<string, number>();
  for (const c of order) {
    let samples: number[];
    const base = c.baseline === undefined ? undefined : byName.get(c.baseline);
    if (c.async === true) samples = await measureAsync(c, options);
    else {
      await c.setup?.();
      try {
        if (base !== undefined && base.async !== true) {
          const paired = measurePaired(c, base, options);
          samples = paired.case;
          const perRun = paired.case.map((ops, i) => pairRatio(c, base, ops, paired.base[i]!));
          pairedRatios.set(c.name, median(perRun));
        } else samples = measure(c, options);
      } finally {
        await c.teardown?.();
      }
    }
    measured.set(c.name, samples);
  }
  const results = caseResults(cases, measured, pairedRatios);
  for (const r of results) onResult?.(r);
  return results;
}

/**
 * Builds the results of `cases` (in their order) from each case's timed-run samples and the paired
 * ratios measured for cases with a baseline; a case without a paired ratio but with a baseline gets
 * the ratio of the two medians.
 */
export function caseResults(
  cases: readonly BenchCase[],
  samples: ReadonlyMap<string, readonly number[]>,
  pairedRatios: ReadonlyMap<string, number>,
): CaseResult[] {
  const byName = new Map(cases.map((c) => [c.name, c]));
  const opsOf = (name: string) => median(samples.get(name)!);
  return cases.map((c) => {
    const ops = opsOf(c.name);
    const bytes = c.bytesPerOp ?? null;
    const base = c.baseline === undefined ? undefined : byName.get(c.baseline);
    let ratio: number | null = pairedRatios.get(c.name) ?? null;
    if (ratio === null && base !== undefined && samples.has(base.name)) {
      const baseOps = opsOf(base.name);
      ratio =
        bytes !== null && base.bytesPerOp !== undefined
          ? (baseOps * base.bytesPerOp) / (ops * bytes)
          : baseOps / ops;
    }
    return {
      name: c.name,
      opsPerSec: ops,
      mbPerSec: bytes === null ? null : (ops * bytes) / 1e6,
      bytesPerOp: bytes,
      baseline: base === undefined ? null : base.name,
      ratio,
      samples: [...samples.get(c.name)!],
    };
  });
}

/** This case's cost over its baseline's for one pair of runs (see `CaseResult.ratio`). */
export function pairRatio(c: BenchCase, base: BenchCase, caseOps: number, baseOps: number): number {
  return c.bytesPerOp !== undefined && base.bytesPerOp !== undefined
    ? (baseOps * base.bytesPerOp) / (caseOps * c.bytesPerOp)
    : baseOps / caseOps;
}
