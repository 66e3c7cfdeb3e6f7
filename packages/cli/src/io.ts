import { createColors } from 'picocolors';

/** Where a command reads and writes. Tests pass their own; `nodeIo()` is the real process. */
export interface CliIo {
  /** Writes to standard output (no newline added). */
  readonly out: (text: string) => void;
  /** Writes to standard error (no newline added). */
  readonly err: (text: string) => void;
  /** Reads all of standard input. */
  readonly readStdin: () => Promise<Uint8Array>;
  /** True when standard output is a terminal. */
  readonly stdoutIsTTY: boolean;
  /** True when standard error is a terminal. */
  readonly stderrIsTTY: boolean;
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The process's own standard streams and environment. */
export function nodeIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      const b = Buffer.concat(chunks);
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    },
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
  };
}

/** Colour functions, enabled only on a TTY and never when `NO_COLOR` is set (https://no-color.org). */
export function colorsFor(io: CliIo, forJson: boolean): ReturnType<typeof createColors> {
  const noColor = io.env['NO_COLOR'] !== undefined && io.env['NO_COLOR'] !== '';
  return createColors(io.stdoutIsTTY && !noColor && !forJson);
}
