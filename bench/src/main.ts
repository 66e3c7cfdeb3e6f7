import { parseArgs, USAGE } from './cli.js';
import { runCasesIsolated, serveCase } from './isolate.js';
import { loadCaseFiles, selectCases } from './registry.js';
import { formatTable, toJsonRows } from './report.js';
import { blackhole, type CaseResult, runCases } from './runner.js';

/** `npm run bench -- [filter ...] [--json]`: see bench/README.md. */
async function main(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.serve !== undefined) {
    await serveCase(args.serve, async (only) =>
      (await loadCaseFiles(undefined, only)).flatMap((f) => f.cases),
    );
    return blackhole() === Number.MIN_SAFE_INTEGER ? 1 : 0;
  }
  const files = await loadCaseFiles();
  const all = files.flatMap((f) => f.cases);
  const chosen = selectCases(all, args.filters);
  if (chosen.length === 0) {
    process.stderr.write(`no bench case matches ${args.filters.join(', ')}\n`);
    return 2;
  }
  let results: CaseResult[];
  if (args.inProcess) {
    results = await runCases(chosen, args.options, (r) => {
      if (!args.json) process.stderr.write(`  ${r.name}\n`);
    });
  } else {
    results = await runCasesIsolated(files, chosen, args.options, undefined, (name) => {
      if (!args.json) process.stderr.write(`  ${name}\n`);
    });
  }
  if (args.json) process.stdout.write(`${JSON.stringify(toJsonRows(results))}\n`);
  else process.stdout.write(`${formatTable(results)}\n`);
  return blackhole() === Number.MIN_SAFE_INTEGER ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
