/**
 * Serial test plumbing shared by the pty tests: whether socat and the serialport package are there,
 * and a socat pty pair whose two links pass bytes to each other.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether `socat` runs on this machine. */
export function haveSocat(): boolean {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether the optional `serialport` package can be loaded. */
export async function serialportInstalled(): Promise<boolean> {
  try {
    await import('serialport');
    return true;
  } catch {
    return false;
  }
}

/** A pty pair: `a` and `b` are the two link paths; `cleanup` stops socat and removes them. */
export interface PtyPair {
  readonly a: string;
  readonly b: string;
  readonly cleanup: () => Promise<void>;
}

/**
 * Starts `socat` with two raw ptys linked at `<tmp>/<nameA>` and `<tmp>/<nameB>` and waits (up to
 * 3 s) until it is passing data; bytes written to one link come out of the other.
 */
export async function ptyPair(prefix: string, nameA: string, nameB: string): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const a = join(dir, nameA);
  const b = join(dir, nameB);
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 3000;
  while (!(existsSync(a) && existsSync(b) && log.includes('starting data transfer loop'))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await cleanup();
      throw new Error(`socat did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { a, b, cleanup };
}
