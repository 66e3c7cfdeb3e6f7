import { parseArgs, USAGE } from './cli.js';
import { loadCases, selectCases } from './registry.js';
import { formatTable, toJsonRows } from './report.js';
import { blackhole, runCases } from './runner.js';

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
  const all = await loadCases();
  const chosen = selectCases(all, args.filters);
  if (chosen.length === 0) {
    process.stderr.write(`no bench case matches ${args.filters.join(', ')}\n`);
    return 2;
  }
  const results = await runCases(chosen, args.options, (r) => {
    if (!args.json) process.stderr.write(`  ${r.name}\n`);
  });
  if (args.json) process.stdout.write(`${JSON.stringify(toJsonRows(results))}\n`);
  else process.stdout.write(`${formatTable(results)}\n`);
  return blackhole() === Number.MIN_SAFE_INTEGER ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
