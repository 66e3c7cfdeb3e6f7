import type { RunOptions } from './runner.js';

/** Parsed command line of `npm run bench`. */
export interface BenchArgs {
  readonly filters: readonly string[];
  readonly json: boolean;
  readonly help: boolean;
  readonly options: RunOptions;
  /** Run every case file in the parent process instead of one child process per file. */
  readonly inProcess: boolean;
  /** Internal: the case a child process serves (JSON of `CaseChildPlan`), set by the parent. */
  readonly serve: string | undefined;
}

/** Usage text. */
export const USAGE = `usage: npm run bench -- [filter ...] [--json] [--runs N] [--time MS] [--warmup MS]

  filter      run only cases whose name contains it (case-insensitive), plus their baselines
  --json      print one JSON array of { case, ops_per_s, mb_per_s, baseline, ratio }
  --runs N    timed runs per case (median reported; default 5)
  --time MS   length of each timed run in ms (default 300)
  --warmup MS warm-up per case in ms (default 200)
  --in-process  measure every case in this process (default: one child process per case, a case
              and its baseline alternating runs in two processes, so neither's heap or JIT state
              tilts the other's numbers)`;

function positive(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`);
  return n;
}

/** Parses `argv` (without node and script). Throws `Error` with a one-line reason on bad flags. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const filters: string[] = [];
  let json = false;
  let help = false;
  let inProcess = false;
  let serve: string | undefined;
  const options: { runs?: number; runMs?: number; warmupMs?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--json':
        json = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      case '--in-process':
        inProcess = true;
        break;
      case '--serve':
        serve = value();
        if (serve === undefined) throw new Error('--serve needs a plan');
        break;
      case '--runs':
        options.runs = Math.round(positive('--runs', value()));
        break;
      case '--time':
        options.runMs = positive('--time', value());
        break;
      case '--warmup':
        options.warmupMs = positive('--warmup', value());
        break;
      default:
        if (flag!.startsWith('-')) throw new Error(`unknown option ${flag}`);
        filters.push(arg);
    }
  }
  return { filters, json, help, options, inProcess, serve };
}
