/**
 * One benchmark case: a named operation timed by the runner. Case files in `cases/` export
 * `cases: readonly BenchCase[]`; the runner finds them by scanning that directory.
 */
export interface BenchCase {
  /** Unique name, `<codec path>: <what>` (e.g. `crc16-x25: real frames`). Filters match on it. */
  readonly name: string;
  /**
   * Input bytes one operation processes. Gives MB/s and makes `ratio` a per-byte cost ratio;
   * leave it out for operations without a natural byte count.
   */
  readonly bytesPerOp?: number;
  /** Name of the case this one is compared with (run alongside it even when filtered out). */
  readonly baseline?: string;
  /**
   * One operation. Prepare inputs outside it (at module load). Return something derived from the
   * work (a CRC, a length, a decoded value) so the engine cannot drop the work as dead code.
   */
  readonly run: () => unknown;
  /**
   * Set for operations that are asynchronous (a request over a socket): `run` returns a promise,
   * and the runner awaits each operation in turn, so ops/s is the sequential rate.
   */
  readonly async?: boolean;
  /** Called once before the case is timed (start a server, open a connection). */
  readonly setup?: () => Promise<void> | void;
  /** Called once after it (close what `setup` opened). */
  readonly teardown?: () => Promise<void> | void;
}

/** Type guard for a loaded case module's `cases` export. */
export function isBenchCase(value: unknown): value is BenchCase {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.name === 'string' &&
    typeof c.run === 'function' &&
    (c.bytesPerOp === undefined || (typeof c.bytesPerOp === 'number' && c.bytesPerOp > 0)) &&
    (c.baseline === undefined || typeof c.baseline === 'string') &&
    (c.async === undefined || typeof c.async === 'boolean') &&
    (c.setup === undefined || typeof c.setup === 'function') &&
    (c.teardown === undefined || typeof c.teardown === 'function')
  );
}
