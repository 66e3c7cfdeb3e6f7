#!/usr/bin/env node
// Prints one plain closing line for the test run, e.g. "tests: 812 passed, 0 failed, 3 skipped",
// counted from the per-file results tap 21 saves under .tap/test-results (each top-level `t.test`
// of each file counts once; a file whose run failed outside any test counts as one failure).
// `--clean` removes old results first, so deleted test files do not linger in the count.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const dir = '.tap/test-results';
if (process.argv.includes('--clean')) {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
let passed = 0;
let failed = 0;
let skipped = 0;
const walk = (d) => {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.tap')) count(readFileSync(p, 'utf8'));
  }
};
const count = (text) => {
  let any = false;
  for (const line of text.split('\n')) {
    const m = /^(not )?ok \d+ - .*?(# (SKIP|TODO)\b.*)?$/.exec(line);
    if (!m) continue;
    any = true;
    if (m[3]) skipped++;
    else if (m[1]) failed++;
    else passed++;
  }
  if (!any) failed++;
};
if (existsSync(dir)) walk(dir);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
// CI installs every tool the tests need (.ci/run), so a skip there means a test proved nothing:
// fail the run instead of reporting it (locally a skip with its reason is fine).
if (process.env.CI && skipped > 0) {
  console.error(`CI: ${skipped} test(s) skipped; every test must run in CI (see the SKIP reasons above)`);
  process.exitCode = 1;
}
