import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/**
 * Garbage-collector settings for a process whose job is a long replay (the `meterkit replay`
 * command, the scale bench). Process-wide V8 flags, so a library run never sets them by itself:
 * call this once, early, in a process dedicated to replaying captures.
 *
 * - `--no-allocation-site-pretenuring`: V8 decided early in a run that some of the reader's
 *   per-packet objects live long and allocated them straight in the old generation, where they died
 *   young: reading a 1 GB capture caused 58 full collections and an old generation ~4.6× the live
 *   heap. Without it: 14, and reading ran 11.1 s instead of 16.5 s.
 * - `--heap-growing-percent=50`: the next full collection comes when the old generation has grown
 *   by half of what survived the last one (V8's default lets it reach several times the live heap).
 *   Peak RSS of reading the same 1 GB capture: 127 MB instead of 201 MB (live heap ~26 MB).
 *
 * Both are read by V8 at every collection, so setting them after start-up takes effect. Returns
 * the flags set.
 */
export function tuneHeapForReplay(): readonly string[] {
  const flags = ['--no-allocation-site-pretenuring', '--heap-growing-percent=50'];
  for (const f of flags) setFlagsFromString(f);
  return flags;
}

/** Capture bytes from which `defaultReplayWorkers` moves the rules to a worker thread. */
export const WORKER_THRESHOLD_BYTES = 16 * 1024 * 1024;

/**
 * The worker threads `meterkit replay` uses when `--workers` is not given: one (reading on the main
 * thread, rules on the worker: two cores busy) for captures of 16 MiB or more on a machine with
 * more than one core, none otherwise (a worker's start-up, ~0.1 s compiled, is not worth it for a
 * small capture).
 */
export function defaultReplayWorkers(captureBytes: number, cores: number = availableParallelism()): number {
  return cores > 1 && captureBytes >= WORKER_THRESHOLD_BYTES ? 1 : 0;
}
