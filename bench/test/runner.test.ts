import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import {
  type BenchCase,
  caseFileNames,
  checkCases,
  formatTable,
  isBenchCase,
  loadCaseFiles,
  loadCases,
  measure,
  measurePaired,
  parseArgs,
  runCases,
  selectCases,
  toJsonRows,
} from '../src/index.js';

const FAST = { warmupMs: 5, runs: 3, runMs: 5 };

/** A fake byte-processing case: sums `size` bytes. */
function summing(name: string, size: number, baseline?: string): BenchCase {
  const data = new Uint8Array(size).fill(1);
  return {
    name,
    bytesPerOp: size,
    ...(baseline === undefined ? {} : { baseline }),
    run: () => {
      let s = 0;
      for (let i = 0; i < data.length; i++) s += data[i]!;
      return s;
    },
  };
}

t.test('runner: JSON rows have the documented shape and ratios', async (t) => {
  const cases = [
    summing('fake: base', 64),
    summing('fake: same work', 64, 'fake: base'),
    { name: 'fake: no bytes', baseline: 'fake: base', run: () => 1 },
    { name: 'fake: alone', run: () => 'x' },
  ];
  const seen: string[] = [];
  const results = await runCases(checkCases(cases), FAST, (r) => seen.push(r.name));
  t.same(
    seen,
    cases.map((c) => c.name),
    'results come in registration order',
  );
  const rows = toJsonRows(results);
  const parsed: unknown = JSON.parse(JSON.stringify(rows));
  t.ok(Array.isArray(parsed));
  for (const row of rows) {
    t.same(Object.keys(row).sort(), ['baseline', 'case', 'mb_per_s', 'ops_per_s', 'ratio']);
    t.ok(row.ops_per_s > 0, `${row.case}: ops/s positive`);
  }
  const [base, same, noBytes, alone] = rows;
  t.match(base, { case: 'fake: base', baseline: null, ratio: null });
  t.ok(base!.mb_per_s! > 0);
  t.match(same, { baseline: 'fake: base' });
  t.ok(same!.ratio! > 0.05 && same!.ratio! < 20, `same work costs about the same (${same!.ratio})`);
  t.match(noBytes, { mb_per_s: null, baseline: 'fake: base' });
  t.ok(noBytes!.ratio! > 0, 'without bytes the ratio is per op (paired runs)');
  t.match(alone, { mb_per_s: null, baseline: null, ratio: null });
  t.equal(results[1]!.samples.length, 3, 'one sample per timed run');
  t.ok(results[1]!.ratio! > 0, 'per-byte ratio from paired runs');
  const table = formatTable(results);
  t.match(table, /^case\s+ops\/s\s+MB\/s\s+baseline\s+ratio/);
  t.match(table, /fake: same work .*×/);
  t.equal(table.split('\n').length, 2 + cases.length);
});

t.test('measure: median of runs, always at least one op', async (t) => {
  let calls = 0;
  const samples = measure({ name: 'slow', run: () => calls++ }, { warmupMs: 1, runs: 1, runMs: 1 });
  t.equal(samples.length, 1);
  t.ok(calls >= 2);
});

t.test('registry: select with baselines, reject duplicates and unknown baselines', async (t) => {
  const all = [summing('crc: a', 4), summing('codec: b', 4, 'crc: a'), summing('codec: c', 4)];
  t.same(
    selectCases(all, []).map((c) => c.name),
    ['crc: a', 'codec: b', 'codec: c'],
  );
  t.same(
    selectCases(all, ['B']).map((c) => c.name),
    ['crc: a', 'codec: b'],
    'baseline comes along',
  );
  t.same(
    selectCases(all, ['c: c', 'nothing']).map((c) => c.name),
    ['codec: c'],
  );
  t.same(selectCases(all, ['zzz']), []);
  t.throws(() => checkCases([summing('x', 1), summing('x', 1)]), /twice/);
  t.throws(() => checkCases([summing('x', 1, 'y')]), /unknown baseline/);
  t.throws(() => checkCases([summing('x', 1, 'x')]), /own baseline/);
  t.notOk(isBenchCase(null));
  t.notOk(isBenchCase({ name: 'x', run: () => 0, bytesPerOp: 0 }));
  t.ok(isBenchCase({ name: 'x', run: () => 0 }));
});

t.test('registry: loads the real case files, rejects malformed ones', async (t) => {
  const real = await loadCases();
  t.ok(
    real.some((c) => c.name === 'crc16-x25: real frames'),
    'the CRC baseline is registered',
  );
  t.ok(real.every((c) => c.baseline === undefined || real.some((b) => b.name === c.baseline)));
  const dir = t.testdir({ 'a.js': 'export const cases = [{ name: 1 }];\n', 'b.d.ts': 'ignored' });
  await t.rejects(loadCases(pathToFileURL(`${dir}/`)), /must export/);
  const broken = t.testdir({ 'x.js': 'throw new Error("boom");\n' });
  await t.rejects(loadCases(pathToFileURL(`${broken}/`)), /x\.js failed to load: boom/);
  const ok = t.testdir({ 'one.js': 'export const cases = [{ name: "one", run: () => 1 }];\n' });
  t.same(
    (await loadCases(pathToFileURL(`${ok}/`))).map((c) => c.name),
    ['one'],
  );
  // a child loads only its own files: baselines in files it did not load are not an error there
  const split = t.testdir({
    'base.js': 'export const cases = [{ name: "a", run: () => 1 }];\n',
    'dep.js': 'export const cases = [{ name: "b", baseline: "a", run: () => 1 }];\n',
  });
  const files = await loadCaseFiles(pathToFileURL(`${split}/`));
  t.same(
    files.map((f) => [f.file, f.cases.map((c) => c.name)]),
    [
      ['base.js', ['a']],
      ['dep.js', ['b']],
    ],
  );
  t.same(
    (await loadCases(pathToFileURL(`${split}/`), ['dep.js'])).map((c) => c.name),
    ['b'],
  );
  t.same(caseFileNames(pathToFileURL(`${split}/`), ['base.js', 'zzz.js']), ['base.js']);
});

t.test('cli: flags and filters', async (t) => {
  t.same(parseArgs(['crc', '--json', '--runs', '3', '--time=50', '--warmup', '10']), {
    filters: ['crc'],
    json: true,
    help: false,
    options: { runs: 3, runMs: 50, warmupMs: 10 },
    inProcess: false,
    serve: undefined,
  });
  t.equal(parseArgs(['--in-process']).inProcess, true);
  t.equal(parseArgs(['--serve', '{"files":[],"case":"x"}']).serve, '{"files":[],"case":"x"}');
  t.throws(() => parseArgs(['--serve']), /needs a plan/);
  t.equal(parseArgs(['-h']).help, true);
  t.throws(() => parseArgs(['--runs']), /positive/);
  t.throws(() => parseArgs(['--time', '-1']), /positive/);
  t.throws(() => parseArgs(['--bogus']), /unknown option/);
});

t.test('npm run bench -- <filter> --json prints one JSON array', async (t) => {
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=meterkit-source',
      'bench/src/main.ts',
      'FCS check',
      '--json',
      '--time',
      '5',
      '--runs',
      '1',
      '--warmup',
      '5',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const rows: unknown = JSON.parse(out);
  t.ok(Array.isArray(rows));
  t.match(rows, [
    { case: 'crc16-x25: real frames', baseline: null, ratio: null, mb_per_s: Number, ops_per_s: Number },
    { case: 'crc16-x25: FCS check of real frames', baseline: 'crc16-x25: real frames', ratio: Number },
  ]);
  t.equal((rows as unknown[]).length, 2);
  // a baseline from another case file (the child loads both files), and the in-process mode
  for (const extra of [[], ['--in-process']]) {
    const out2 = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=meterkit-source',
        'bench/src/main.ts',
        'decode ST23',
        '--json',
        '--time=5',
        '--runs=2',
        '--warmup=5',
        ...extra,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const rows2 = JSON.parse(out2) as { case: string; ratio: number | null }[];
    t.same(
      rows2.map((r) => r.case),
      ['c1219: decode ST23 current register data (default meter)', 'crc16-x25: real frames'],
      `cases in registration order ${extra.join(' ')}`,
    );
    t.ok(rows2[0]!.ratio! > 0 && rows2[1]!.ratio === null, 'the paired ratio is measured');
  }
  const help = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=meterkit-source', 'bench/src/main.ts', '--help'],
    {
      encoding: 'utf8',
    },
  );
  t.match(help, /usage: npm run bench/);
  for (const bad of [['--nope'], ['no case is called this']]) {
    try {
      execFileSync(
        process.execPath,
        ['--import', 'tsx', '--conditions=meterkit-source', 'bench/src/main.ts', ...bad],
        {
          stdio: 'pipe',
        },
      );
      t.fail('should exit non-zero');
    } catch (e) {
      t.equal((e as { status: number }).status, 2, `${bad.join(' ')}: exit 2`);
    }
  }
});

t.test('runner: asynchronous cases are awaited one at a time, with setup and teardown', async (t) => {
  const events: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const cases = [
    {
      name: 'fake: async',
      async: true,
      setup: () => {
        events.push('setup');
      },
      teardown: async () => {
        events.push('teardown');
      },
      run: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        return 1;
      },
    },
    { name: 'fake: sync with setup', setup: () => void events.push('sync-setup'), run: () => 2 },
  ];
  const [asyncResult, syncResult] = await runCases(checkCases(cases), FAST);
  t.ok((asyncResult?.opsPerSec ?? 0) > 0);
  t.ok((syncResult?.opsPerSec ?? 0) > 0);
  t.equal(maxInFlight, 1, 'one operation at a time');
  t.same(events, ['setup', 'teardown', 'sync-setup']);
  t.notOk(isBenchCase({ name: 'x', run: () => 1, async: 'yes' }));
});

t.test('paired runs: a case doing four times the work of its baseline costs about 4x', async (t) => {
  const work = (n: number) => () => {
    let x = 0;
    for (let i = 0; i < n; i++) x = (x + i * 31) | 0;
    return x;
  };
  const base = { name: 'fake: unit', bytesPerOp: 100, run: work(2000) };
  const quad = { name: 'fake: quad', bytesPerOp: 100, baseline: 'fake: unit', run: work(8000) };
  const paired = measurePaired(quad, base, { warmupMs: 20, runs: 5, runMs: 20 });
  t.equal(paired.case.length, 5);
  t.equal(paired.base.length, 5);
  const [, q] = await runCases(checkCases([base, quad]), { warmupMs: 20, runs: 5, runMs: 20 });
  t.ok(q!.ratio! > 2 && q!.ratio! < 8, `ratio ${q!.ratio} is about 4`);
});
