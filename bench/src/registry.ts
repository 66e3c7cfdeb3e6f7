import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type BenchCase, isBenchCase } from './case.js';

/** The directory the case files live in (`src/cases` when run from source, `dist/cases` when built). */
export const CASES_DIR = new URL('./cases/', import.meta.url);

function isCaseFile(name: string): boolean {
  return (name.endsWith('.ts') && !name.endsWith('.d.ts')) || name.endsWith('.js');
}

/**
 * Checks a list of cases: names unique, every baseline names a case in the list. Throws `Error` (a
 * harness fault, not a codec error) otherwise.
 */
export function checkCases(cases: readonly BenchCase[]): readonly BenchCase[] {
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`bench case "${c.name}" is registered twice`);
    names.add(c.name);
  }
  for (const c of cases) {
    if (c.baseline !== undefined && !names.has(c.baseline)) {
      throw new Error(`bench case "${c.name}" names an unknown baseline "${c.baseline}"`);
    }
    if (c.baseline === c.name) throw new Error(`bench case "${c.name}" is its own baseline`);
  }
  return cases;
}

/**
 * Loads every case file in `dir` (sorted by file name) and collects their `cases` exports: adding a
 * file to `cases/` is all it takes to register new cases.
 */
export async function loadCases(dir: URL = CASES_DIR): Promise<readonly BenchCase[]> {
  const files = readdirSync(dir).filter(isCaseFile).sort();
  const all: BenchCase[] = [];
  for (const file of files) {
    let mod: unknown;
    try {
      mod = await import(pathToFileURL(new URL(file, dir).pathname).href);
    } catch (e) {
      throw new Error(`bench case file ${file} failed to load: ${(e as Error).message}`, { cause: e });
    }
    const list = (mod as { cases?: unknown }).cases;
    if (!Array.isArray(list) || !list.every(isBenchCase)) {
      throw new Error(`bench case file ${file} must export "cases: readonly BenchCase[]"`);
    }
    all.push(...list);
  }
  return checkCases(all);
}

/**
 * The cases whose names contain any of `filters` (case-insensitive; all when none), plus the
 * baselines they compare with, in registration order.
 */
export function selectCases(all: readonly BenchCase[], filters: readonly string[]): BenchCase[] {
  if (filters.length === 0) return [...all];
  const wanted = filters.map((f) => f.toLowerCase());
  const chosen = new Set(
    all.filter((c) => wanted.some((f) => c.name.toLowerCase().includes(f))).map((c) => c.name),
  );
  for (const c of all) {
    if (chosen.has(c.name) && c.baseline !== undefined) chosen.add(c.baseline);
  }
  return all.filter((c) => chosen.has(c.name));
}
