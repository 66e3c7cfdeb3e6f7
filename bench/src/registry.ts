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

/** The cases one case file registers. */
export interface CaseFile {
  /** File name inside the cases directory, e.g. `dlms-security.ts`. */
  readonly file: string;
  readonly cases: readonly BenchCase[];
}

/** The case files in `dir`, sorted by name; `only` keeps the ones it names. */
export function caseFileNames(dir: URL = CASES_DIR, only?: readonly string[]): string[] {
  const files = readdirSync(dir).filter(isCaseFile).sort();
  return only === undefined ? files : files.filter((f) => only.includes(f));
}

/**
 * Loads the case files in `dir` (sorted by file name; only the files `only` names when given) and
 * collects each one's `cases` export: adding a file to `cases/` is all it takes to register new cases.
 */
export async function loadCaseFiles(dir: URL = CASES_DIR, only?: readonly string[]): Promise<CaseFile[]> {
  const out: CaseFile[] = [];
  for (const file of caseFileNames(dir, only)) {
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
    out.push({ file, cases: list });
  }
  // a subset may name baselines in files it did not load; the full set is checked when loaded whole
  if (only === undefined) checkCases(out.flatMap((f) => f.cases));
  return out;
}

/** Every case of every case file in `dir` (see `loadCaseFiles`), checked with `checkCases`. */
export async function loadCases(
  dir: URL = CASES_DIR,
  only?: readonly string[],
): Promise<readonly BenchCase[]> {
  return (await loadCaseFiles(dir, only)).flatMap((f) => f.cases);
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
