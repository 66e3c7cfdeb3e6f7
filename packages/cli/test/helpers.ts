import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../src/io.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A fake IO capturing what the CLI writes. */
export function captureIo(
  options: { stdin?: Uint8Array; tty?: boolean; env?: Record<string, string> } = {},
): CliIo & {
  stdout: () => string;
  stderr: () => string;
} {
  let out = '';
  let err = '';
  return {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
    readStdin: async () => options.stdin ?? new Uint8Array(0),
    stdoutIsTTY: options.tty ?? false,
    stderrIsTTY: options.tty ?? false,
    env: options.env ?? {},
    stdout: () => out,
    stderr: () => err,
  };
}

/** Runs `meterkit` from source as a subprocess (what a user runs through `npm run meterkit`). */
export function runMeterkit(
  args: readonly string[],
  options: { input?: string | Uint8Array; env?: Record<string, string>; built?: boolean } = {},
): { status: number | null; stdout: string; stderr: string } {
  const nodeArgs = options.built
    ? ['packages/cli/bin/meterkit.js']
    : ['--conditions=meterkit-source', '--import', 'tsx', 'packages/cli/src/main.ts'];
  const r = spawnSync(process.execPath, [...nodeArgs, ...args], {
    cwd: ROOT,
    input: options.input,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
