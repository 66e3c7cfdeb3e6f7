import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CapturePacket, readCapture } from '@meterkit/conformance';

/** A socat pseudo-terminal pair: bytes written to `a` come out of `b` and back. */
export interface PtyPair {
  readonly a: string;
  readonly b: string;
  readonly process: ChildProcess;
  cleanup(): Promise<void>;
}

/** Starts `socat pty,raw,echo=0,link=<dir>/a pty,raw,echo=0,link=<dir>/b` and waits for both links. */
export async function startPtyPair(timeoutMs = 3000): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-cli-pty-'));
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
  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
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
  return { a, b, process: child, cleanup };
}

/** Every packet of a capture file. */
export async function capturePackets(path: string): Promise<CapturePacket[]> {
  const out: CapturePacket[] = [];
  async function* source(): AsyncGenerator<Uint8Array> {
    yield new Uint8Array(readFileSync(path));
  }
  for await (const p of readCapture(source())) out.push(p);
  return out;
}

/** Why the socat tests cannot run here (socat missing), or false when they can. CI installs socat. */
export function socatMissing(): string | false {
  const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  return r.error === undefined ? false : 'socat is not installed here (CI installs it): no pty pair';
}
