import type { createColors } from 'picocolors';
import type { CliIo } from '../io.js';

/** What every command handler gets: the IO, colours, and a place to leave its exit code. */
export interface CommandContext {
  readonly io: CliIo;
  /** Colours (no-ops when off: not a TTY, `NO_COLOR`, or `--json`). */
  colors: ReturnType<typeof createColors>;
  /** Set by the handler; `runCli` returns it. */
  exitCode: number;
  /** `--debug`: print stack traces of failures. */
  debug: boolean;
}
