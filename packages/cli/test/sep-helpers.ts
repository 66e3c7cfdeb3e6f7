import { join } from 'node:path';
import { runCli } from '../src/index.js';
import { captureIo } from './helpers.js';

/** What one in-process CLI run printed, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the CLI in-process with `args` (and optional stdin) and collects its output. */
export async function runCliCaptured(args: string[], stdin?: Uint8Array): Promise<CliRun> {
  const io = captureIo(stdin === undefined ? {} : { stdin });
  const code = await runCli(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** A `sep serve` running in-process: its base URL, its exit, and what it wrote to stderr so far. */
export interface SepServer {
  readonly url: string;
  readonly done: Promise<number>;
  readonly err: () => string;
}

/**
 * Starts `sep serve --tcp 127.0.0.1:0 ...args` (IEEE 2030.5 test server) in-process and resolves
 * with its base URL once it listens (within 10 s).
 */
export async function serveSep(args: string[]): Promise<SepServer> {
  const io = captureIo();
  const done = runCli(['sep', 'serve', '--tcp', '127.0.0.1:0', ...args], io);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const m = /at (https?:\/\/[^/\s]+)\/dcap/.exec(io.stdout());
    if (m !== null) return { url: m[1] as string, done, err: io.stderr };
    if (Date.now() > deadline) throw new Error(`server did not start: ${io.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * `sep serve` options for mutual TLS (IEEE 2030.5 §6.11) with the server certificate, chain and
 * SERCA of a `sep pki init` directory, serving for `durationSeconds`.
 */
export function sepServerTlsArgs(pki: string, durationSeconds: number): string[] {
  return [
    '--tls',
    '--cert',
    join(pki, 'server.pem'),
    '--key-file',
    join(pki, 'server.key'),
    '--chain',
    join(pki, 'chain.pem'),
    '--ca',
    join(pki, 'serca.pem'),
    '--duration',
    String(durationSeconds),
  ];
}

/** Client options of the `sep` HTTP commands for mutual TLS with the device of a `sep pki init` directory. */
export function sepClientTlsArgs(pki: string): string[] {
  return [
    '--cert',
    join(pki, 'device.pem'),
    '--key-file',
    join(pki, 'device.key'),
    '--chain',
    join(pki, 'chain.pem'),
    '--ca',
    join(pki, 'serca.pem'),
  ];
}
