import { readFileSync } from 'node:fs';
import { MeterkitError } from '@meterkit/core';
import yargs from 'yargs';
import type { CommandContext } from './commands/context.js';
import { decodeCommand } from './commands/decode.js';
import './decode/adapters.js';
import { ansiCommand } from './commands/ansi.js';
import { demoCommand } from './commands/demo.js';
import { dlmsCommand } from './commands/dlms.js';
import { replayCommand } from './commands/replay.js';
import { sepCommand } from './commands/sep.js';
import { simulateCommand } from './commands/simulate.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { type CliIo, colorsFor } from './io.js';

/** The CLI package's version (read from its package.json, in `src/` and `dist/` alike). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const EPILOGUE = `Exit codes: 0 ok, 1 protocol or decode failure, 2 usage, 3 transport or timeout, 4 authentication or security.
Colour only on a terminal, never with NO_COLOR. Docs: packages/cli/README.md`;

/**
 * Runs `meterkit` with `argv` (without the node and script paths) and returns the exit code.
 * Never calls `process.exit`, so tests and embedders can run it in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const wantsJson = argv.includes('--json');
  const ctx: CommandContext = {
    io,
    colors: colorsFor(io, wantsJson),
    exitCode: ExitCode.Ok,
    debug: argv.includes('--debug'),
  };
  // yargs reads a bare `-` as a flag; carry it through as `@-` (also accepted from users)
  const args = argv.map((a) => (a === '-' ? '@-' : a));
  const parser = yargs(args)
    .scriptName('meterkit')
    .usage(
      '$0 <command> [options]\n\nProbe, simulate and decode DLMS/COSEM, ANSI C12.18/C12.22 and IEEE 2030.5 meters.',
    )
    .option('debug', {
      type: 'boolean',
      default: false,
      describe: 'print stack traces on failure',
      global: true,
    })
    .command(decodeCommand(ctx))
    .command(demoCommand(ctx))
    .command(dlmsCommand(ctx))
    .command(ansiCommand(ctx, 'c1218'))
    .command(ansiCommand(ctx, 'c1222'))
    .command(replayCommand(ctx))
    .command(sepCommand(ctx))
    .command(simulateCommand(ctx))
    .completion('completion', 'print a bash/zsh completion script')
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .alias('V', 'version')
    .epilogue(EPILOGUE)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(message);
    });
  try {
    let output = '';
    await parser.parseAsync(args, {}, (_err: unknown, _argv: unknown, out: string) => {
      output = out;
    });
    if (output) io.out(`${output}\n`);
    return ctx.exitCode;
  } catch (e) {
    return reportFailure(ctx, e);
  }
}

/** A command-line mistake (unknown option, missing argument). */
class UsageError extends Error {}

function reportFailure(ctx: CommandContext, e: unknown): number {
  const { io, colors } = ctx;
  if (e instanceof UsageError) {
    io.err(`${colors.red('meterkit: ')}${e.message.replace(/\s*\n\s*/g, ' ')}\nTry 'meterkit --help'.\n`);
    return ExitCode.Usage;
  }
  if (e instanceof MeterkitError) {
    io.err(`${colors.red('meterkit: ')}${e.toOneLine()}\n`);
    if (ctx.debug && e.stack) io.err(`${e.stack}\n`);
    return exitCodeFor(e);
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.err(`${colors.red('meterkit: internal error: ')}${err.message}\n`);
  if (ctx.debug && err.stack) io.err(`${err.stack}\n`);
  return ExitCode.ProtocolError;
}
