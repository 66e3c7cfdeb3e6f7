import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { Keyring } from '../keyring.js';
import type { SessionProtocol } from '../session/record.js';
import type { ConformanceReport, Verdict } from '../verdict.js';
import { runConformance } from './run.js';

/** The stored expectation of one corpus case: what CI compares each run with. */
export interface CorpusExpectation {
  readonly schema: 'meterkit-corpus-expected/1';
  readonly inputs: readonly { readonly file: string; readonly sha256: string; readonly frames: number }[];
  readonly verdict: Verdict;
  /** Non-zero verdict counts per rule. */
  readonly rules: Readonly<Record<string, Partial<Record<Verdict, number>>>>;
  /** Every finding other than PASS, in report order. */
  readonly findings: readonly {
    readonly rule: string;
    readonly verdict: Verdict;
    readonly frame?: number | undefined;
    readonly offset?: number | undefined;
    readonly message?: string | undefined;
  }[];
}

/** One case directory: `corpus/<protocol>/<case>/` with a capture, `expected.json`, README and optional `keyring.json`, `options.json`. */
export interface CorpusCase {
  readonly name: string;
  readonly dir: string;
  readonly inputs: readonly string[];
  readonly keyring?: string | undefined;
  readonly protocol?: SessionProtocol | undefined;
}

const NOT_INPUTS = new Set(['expected.json', 'README.md', 'keyring.json', 'options.json']);

/** Lists the cases of a corpus directory (two levels: protocol, case), sorted by name. */
export async function listCorpusCases(root: string): Promise<CorpusCase[]> {
  const out: CorpusCase[] = [];
  for (const protocol of (await readdir(root)).sort()) {
    const pdir = join(root, protocol);
    if (!(await stat(pdir)).isDirectory()) continue;
    for (const name of (await readdir(pdir)).sort()) {
      const dir = join(pdir, name);
      if (!(await stat(dir)).isDirectory()) continue;
      const files = (await readdir(dir)).sort();
      const inputs = files.filter((f) => !NOT_INPUTS.has(f)).map((f) => join(dir, f));
      let p: SessionProtocol | undefined;
      if (files.includes('options.json')) {
        const o = JSON.parse(await readFile(join(dir, 'options.json'), 'utf8')) as {
          protocol?: SessionProtocol;
        };
        p = o.protocol;
      }
      out.push({
        name: `${protocol}/${name}`,
        dir,
        inputs,
        keyring: files.includes('keyring.json') ? join(dir, 'keyring.json') : undefined,
        protocol: p,
      });
    }
  }
  return out;
}

/** The expectation a report gives (paths relative to the case directory, no times). */
export function corpusExpectation(report: ConformanceReport, dir: string): CorpusExpectation {
  const rules: Record<string, Partial<Record<Verdict, number>>> = {};
  for (const [id, counts] of Object.entries(report.summary.byRule)) {
    const nz: Partial<Record<Verdict, number>> = {};
    for (const [v, n] of Object.entries(counts)) if (n > 0) nz[v as Verdict] = n;
    if (Object.keys(nz).length > 0) rules[id] = nz;
  }
  return {
    schema: 'meterkit-corpus-expected/1',
    inputs: report.inputs.map((i) => ({
      file: relative(dir, i.path) || basename(i.path),
      sha256: i.sha256,
      frames: i.frames,
    })),
    verdict: report.summary.verdict,
    rules,
    findings: report.findings
      .filter((f) => f.verdict !== 'PASS')
      .map((f) => ({
        rule: f.rule,
        verdict: f.verdict,
        frame: f.frame,
        offset: f.offset,
        message: f.message,
      })),
  };
}

/** Runs one corpus case and returns its report and expectation. */
export async function runCorpusCase(
  c: CorpusCase,
): Promise<{ report: ConformanceReport; actual: CorpusExpectation }> {
  const keys = c.keyring === undefined ? undefined : await Keyring.load(c.keyring);
  const report = await runConformance(c.inputs, {
    keys,
    protocolOverride: c.protocol,
    createdAt: new Date(0),
  });
  return { report, actual: corpusExpectation(report, c.dir) };
}

/** Lists the differences between an expectation and a run (empty when they agree). */
export function compareExpectation(expected: CorpusExpectation, actual: CorpusExpectation): string[] {
  const diffs: string[] = [];
  const e = JSON.parse(JSON.stringify(expected)) as CorpusExpectation;
  const a = JSON.parse(JSON.stringify(actual)) as CorpusExpectation;
  if (e.verdict !== a.verdict) diffs.push(`verdict: expected ${e.verdict}, got ${a.verdict}`);
  if (JSON.stringify(e.inputs) !== JSON.stringify(a.inputs))
    diffs.push('inputs differ (file, SHA-256 or frame count)');
  const ids = new Set([...Object.keys(e.rules), ...Object.keys(a.rules)]);
  for (const id of [...ids].sort()) {
    const x = JSON.stringify(e.rules[id] ?? {});
    const y = JSON.stringify(a.rules[id] ?? {});
    if (x !== y) diffs.push(`${id}: expected ${x}, got ${y}`);
  }
  const n = Math.max(e.findings.length, a.findings.length);
  for (let i = 0; i < n; i++) {
    const x = JSON.stringify(e.findings[i] ?? null);
    const y = JSON.stringify(a.findings[i] ?? null);
    if (x !== y) diffs.push(`finding ${i}: expected ${x}, got ${y}`);
  }
  return diffs;
}

/** Reads a case's `expected.json`. */
export async function readExpectation(c: CorpusCase): Promise<CorpusExpectation> {
  try {
    return JSON.parse(await readFile(join(c.dir, 'expected.json'), 'utf8')) as CorpusExpectation;
  } catch (e) {
    throw new MeterkitError(ErrorCode.InputUnreadable, `${c.name}: no readable expected.json`, { cause: e });
  }
}

/** Writes a case's `expected.json` (only the explicit update script calls this). */
export async function writeExpectation(c: CorpusCase, x: CorpusExpectation): Promise<void> {
  await writeFile(join(c.dir, 'expected.json'), `${JSON.stringify(x, null, 2)}\n`);
}
