import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { Argv } from 'yargs';

/** How a command prints its results. */
export type OutputMode = 'human' | 'json' | 'csv';

/** `--json` (and `--csv` where the output is tabular). */
export interface OutputArgs {
  readonly json: boolean;
  readonly csv?: boolean | undefined;
}

/**
 * Adds `--json` (JSON form; JSON Lines for streams) and, when `tabular`, `--csv` to a command.
 * The two exclude each other.
 */
export function withOutputOptions<T>(
  y: Argv<T>,
  options: { readonly tabular: boolean },
): Argv<T & OutputArgs> {
  const withJson = y.option('json', {
    type: 'boolean',
    default: false,
    describe: 'print the JSON form (JSON Lines for streams)',
  });
  if (!options.tabular) return withJson as Argv<T & OutputArgs>;
  return withJson
    .option('csv', { type: 'boolean', default: false, describe: 'print CSV (RFC 4180) with a header row' })
    .check((argv) => {
      if (argv['json'] === true && argv['csv'] === true)
        throw new MeterkitError(ErrorCode.InvalidArgument, '--json and --csv exclude each other: pick one');
      return true;
    }) as Argv<T & OutputArgs>;
}

/** The output mode the arguments ask for. */
export function outputMode(args: OutputArgs): OutputMode {
  if (args.json) return 'json';
  if (args.csv === true) return 'csv';
  return 'human';
}
