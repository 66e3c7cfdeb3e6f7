import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from './case.js';
import type { CaseFile } from './registry.js';
import {
  type CaseResult,
  calibrate,
  caseResults,
  measure,
  measureAsync,
  median,
  pairRatio,
  type RunOptions,
  timedRun,
} from './runner.js';

/**
 * Process isolation for the runner. Every case is measured in a child process of its own (the same
 * Node with the same flags, so `--import tsx` and the source condition carry over) that loads only
 * the case file that registers it. A case with a baseline is timed against a second child holding
 * the baseline, the parent alternating one timed run in each (baseline, case, baseline, case...) so
 * both see the same machine load, as `measurePaired` does in one process.
 *
 * Why: in one process two cases share a heap, and one case's garbage is collected during the other's
 * runs. With node:crypto that is large (each cipher object is freed by the collector): measured with
 * bare AES-GCM decrypt as the baseline, the DLMS decipher case ran at the same speed as the baseline
 * in a process of its own but 1.3× slower when the two alternated in one process, while the
 * baseline ran ~7 % faster than alone (bench/README.md). Loading every case file into one process
 * tilted the numbers further.
 */

/** A request to a case child (see `serveCase`). */
type ChildRequest =
  | { readonly op: 'calibrate'; readonly warmupMs: number; readonly runMs: number }
  | { readonly op: 'run'; readonly batch: number; readonly runMs: number }
  | { readonly op: 'measure'; readonly options: RunOptions }
  | { readonly op: 'exit' };

/** What the child of one case is started with. */
export interface CaseChildPlan {
  /** Case files to load: the case's own, plus its baseline's when that lives elsewhere. */
  readonly files: readonly string[];
  /** The case this child measures. */
  readonly case: string;
}

/** One child process serving one case; requests are answered in order, one reply each. */
class CaseChild {
  private readonly proc: ChildProcess;
  private readonly waiting: { resolve: (reply: unknown) => void; reject: (e: Error) => void }[] = [];
  private failed: Error | undefined;

  constructor(plan: CaseChildPlan) {
    const main = fileURLToPath(import.meta.url).replace(/isolate\.(ts|js)$/, 'main.$1');
    this.proc = spawn(process.execPath, [...process.execArgv, main, '--serve', JSON.stringify(plan)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m) => this.waiting.shift()?.resolve(m));
    const fail = (e: Error) => {
      this.failed ??= e;
      for (const w of this.waiting.splice(0)) w.reject(this.failed);
    };
    this.proc.on('error', fail);
    this.proc.on('exit', (code) => {
      if (this.waiting.length > 0) fail(new Error(`bench child for "${plan.case}" exited with ${code}`));
    });
  }

  request<T>(req: ChildRequest): Promise<T> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: (m) => resolve(m as T), reject });
      this.proc.send(req);
    });
  }

  async close(): Promise<void> {
    if (this.proc.exitCode !== null || this.failed !== undefined) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.send({ op: 'exit' } satisfies ChildRequest);
    await exited;
  }
}

/**
 * Measures `chosen` (names, plus the baselines they name) one child process per case, file by file
 * in `files` order, and returns their results in registration order. `onMeasured` hears each case's
 * name when it has been timed, `onResult` sees the results at the end.
 */
export async function runCasesIsolated(
  files: readonly CaseFile[],
  chosen: readonly BenchCase[],
  options: RunOptions = {},
  onResult?: (result: CaseResult) => void,
  onMeasured?: (name: string) => void,
): Promise<CaseResult[]> {
  const fileOf = new Map<string, string>();
  const byName = new Map<string, BenchCase>();
  for (const f of files) {
    for (const c of f.cases) {
      fileOf.set(c.name, f.file);
      byName.set(c.name, c);
    }
  }
  const runMs = options.runMs ?? 300;
  const warmupMs = options.warmupMs ?? 200;
  const runs = Math.max(1, options.runs ?? 5);
  const samples = new Map<string, number[]>();
  const ratios = new Map<string, number>();
  const start = (c: BenchCase) => {
    const own = fileOf.get(c.name)!;
    const baseFile = c.baseline === undefined ? own : fileOf.get(c.baseline)!;
    return new CaseChild({ files: baseFile === own ? [own] : [own, baseFile], case: c.name });
  };
  for (const f of files) {
    const mine = chosen.filter((c) => fileOf.get(c.name) === f.file);
    const bases = new Map<string, { child: CaseChild; batch: number }>();
    try {
      for (const c of mine) {
        const base = c.baseline === undefined ? undefined : byName.get(c.baseline)!;
        const child = start(c);
        try {
          if (base === undefined || base.async === true || c.async === true) {
            samples.set(c.name, await child.request<number[]>({ op: 'measure', options }));
          } else {
            let b = bases.get(base.name);
            if (b === undefined) {
              const bc = start(base);
              b = {
                child: bc,
                batch: await bc.request<number>({ op: 'calibrate', warmupMs: warmupMs / 2, runMs }),
              };
              bases.set(base.name, b);
            }
            const batch = await child.request<number>({ op: 'calibrate', warmupMs, runMs });
            const own: number[] = [];
            const perRun: number[] = [];
            for (let r = 0; r < runs; r++) {
              const baseOps = await b.child.request<number>({ op: 'run', batch: b.batch, runMs });
              const ops = await child.request<number>({ op: 'run', batch, runMs });
              own.push(ops);
              perRun.push(pairRatio(c, base, ops, baseOps));
            }
            samples.set(c.name, own);
            ratios.set(c.name, median(perRun));
          }
        } finally {
          await child.close();
        }
        onMeasured?.(c.name);
      }
    } finally {
      for (const b of bases.values()) await b.child.close();
    }
  }
  const results = caseResults(chosen, samples, ratios);
  for (const r of results) onResult?.(r);
  return results;
}

/**
 * The child side: loads the plan's files, finds its case and answers the parent's requests over
 * the IPC channel until told to exit. A synchronous case's `setup` runs before its first timed
 * request and its `teardown` on exit.
 */
export async function serveCase(
  planJson: string,
  load: (files: readonly string[]) => Promise<readonly BenchCase[]>,
): Promise<void> {
  const plan = JSON.parse(planJson) as CaseChildPlan;
  const c = (await load(plan.files)).find((x) => x.name === plan.case);
  if (c === undefined) throw new Error(`bench case "${plan.case}" is not in ${plan.files.join(', ')}`);
  let setUp = false;
  const ensureSetup = async () => {
    if (!setUp && c.async !== true) await c.setup?.();
    setUp = true;
  };
  await new Promise<void>((resolve, reject) => {
    process.on('message', (req: ChildRequest) => {
      void (async () => {
        switch (req.op) {
          case 'calibrate':
            await ensureSetup();
            process.send!(calibrate(c.run, req.warmupMs, req.runMs));
            break;
          case 'run':
            process.send!(timedRun(c.run, req.batch, req.runMs));
            break;
          case 'measure':
            if (c.async === true) process.send!(await measureAsync(c, req.options));
            else {
              await ensureSetup();
              process.send!(measure(c, req.options));
            }
            break;
          case 'exit':
            if (setUp && c.async !== true) await c.teardown?.();
            process.disconnect();
            resolve();
        }
      })().catch(reject);
    });
  });
}
