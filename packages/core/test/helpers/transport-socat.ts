import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when an executable is on PATH. */
export function haveCommand(command: string, args: string[] = ['-V']): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A socat pseudo-terminal pair: bytes written to `a` come out of `b` and back. */
export interface PtyPair {
  readonly a: string;
  readonly b: string;
  /** The socat process. */
  readonly process: ChildProcess;
  /** Stops socat (idempotent) and resolves once it exited. */
  stop(): Promise<void>;
  /** Stops socat and removes the temporary directory. */
  cleanup(): Promise<void>;
}

/**
 * Starts `socat -d -d pty,raw,echo=0,link=<dir>/a pty,raw,echo=0,link=<dir>/b` and waits for both
 * links to appear.
 */
export async function startPtyPair(timeoutMs = 3000): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const cleanup = async (): Promise<void> => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(a) && existsSync(b) && log.includes('starting data transfer loop'))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await cleanup();
      throw new Error(`socat did not create the pty pair: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { a, b, process: child, stop, cleanup };
}

/** `stty -F <path> -a`: the line settings the kernel really has for a tty. */
export function sttySettings(path: string): string {
  return execFileSync('stty', ['-F', path, '-a'], { encoding: 'utf8' });
}
