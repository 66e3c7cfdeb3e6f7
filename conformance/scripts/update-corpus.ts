/**
 * Regenerates the conformance corpus: writes every case's capture and README from the shared
 * vectors, runs it, and writes `expected.json`. The only way `expected.json` changes: CI never
 * calls this, it compares (`test/corpus.test.ts`).
 *
 *   npm run -w @meterkit/conformance corpus:update [-- --vectors DIR] [-- --only NAME]
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCorpusCases, writeCorpusCases } from '../src/corpus/build.js';
import {
  compareExpectation,
  listCorpusCases,
  readExpectation,
  runCorpusCase,
  writeExpectation,
} from '../src/runner/corpus.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', 'corpus');
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const vectors = resolve(opt('--vectors') ?? join(here, '..', '..', '..', 'shared', 'vectors'));
const only = opt('--only');

if (existsSync(vectors)) {
  await writeCorpusCases(root, await buildCorpusCases(vectors));
} else {
  process.stdout.write(`no vectors at ${vectors}: keeping the captures, updating expected.json only\n`);
}
let changed = 0;
for (const c of await listCorpusCases(root)) {
  if (only !== undefined && c.name !== only) continue;
  const { actual } = await runCorpusCase(c);
  let diffs: string[] = ['new case'];
  try {
    diffs = compareExpectation(await readExpectation(c), actual);
  } catch {
    // no expected.json yet
  }
  if (diffs.length === 0) continue;
  changed++;
  process.stdout.write(`${c.name}: ${actual.verdict}\n${diffs.map((d) => `  ${d}`).join('\n')}\n`);
  await writeExpectation(c, actual);
}
process.stdout.write(`${changed} case(s) updated\n`);
