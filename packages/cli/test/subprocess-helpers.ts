import { type ChildProcess, spawn } from 'node:child_process';
import { ROOT } from './helpers.js';

/**
 * The `meterkit` command. Under `npm test` the pretest step has just built every package, so the
 * built command runs (about 7× faster to start than compiling the sources through tsx, which
 * matters with dozens of subprocesses on 2 cores); run alone (`npx tap <file>`), or with
 * `MK_TEST_FROM_SOURCE=1`, it runs from source as `npm run meterkit` does.
 */
export const MAIN =
  process.env.npm_lifecycle_event === 'test' && process.env.MK_TEST_FROM_SOURCE === undefined
    ? ['packages/cli/bin/meterkit.js']
    : ['--conditions=meterkit-source', '--import', 'tsx', 'packages/cli/src/main.ts'];

/** What a `meterkit` subprocess did. */
export interface MeterkitRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** At most this many `meterkit` subprocesses at once, so per-request timeouts hold on 2 cores. */
const MAX_RUNNING = 3;
let running = 0;
const waiting: (() => void)[] = [];

async function slot(): Promise<() => void> {
  while (running >= MAX_RUNNING) await new Promise<void>((r) => waiting.push(r));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/**
 * Runs `meterkit` as a subprocess without blocking this process (so several run at once, and a
 * simulator or proxy in this process keeps serving). Killed after `timeoutMs`.
 */
export async function meterkit(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<MeterkitRun> {
  const release = await slot();
  try {
    return await spawnMeterkit(args, options);
  } finally {
    release();
  }
}

function spawnMeterkit(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number },
): Promise<MeterkitRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...MAIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A `meterkit simulate …` subprocess, running until `stop()`. */
export interface SimulatorProcess {
  readonly child: ChildProcess;
  /** What it printed on stdout so far (the listening line). */
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM and waits for the exit: its code, and stderr. */
  stop(): Promise<{ code: number | null; stderr: string }>;
}

/** Starts `meterkit <args>` and waits until its stdout matches `ready`. */
export async function startSimulator(
  args: readonly string[],
  ready: RegExp,
  timeoutMs = 45_000,
): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, [...MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  while (!ready.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`meterkit ${args.join(' ')} did not start: ${out}${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      return { code, stderr: err };
    },
  };
}

/** The port of the first `<scheme>://127.0.0.1:<port>` in `text`. */
export function portOf(text: string, scheme: string): number {
  const m = new RegExp(`${scheme}://127\\.0\\.0\\.1:(\\d+)`).exec(text);
  if (m === null) throw new Error(`no ${scheme} address in: ${text}`);
  return Number(m[1]);
}

/** True when `text` holds a JavaScript stack frame (`    at …`). */
export function hasStack(text: string): boolean {
  return /\n\s+at /.test(text);
}
