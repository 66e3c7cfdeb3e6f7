import { ErrorCode, MeterkitError } from '@meterkit/core';

/**
 * Process exit codes of `meterkit` (documented in the package README). Stable: scripts depend on them.
 */
export const ExitCode = {
  /** Everything worked. */
  Ok: 0,
  /** The input or the device's answer could not be decoded, or the protocol failed. */
  ProtocolError: 1,
  /** The command line was wrong (unknown option, bad argument, unreadable input file). */
  Usage: 2,
  /** The transport failed: no connection, timeout, closed port. */
  Transport: 3,
  /** Authentication or security failed: wrong key, bad MAC, refused credentials. */
  Security: 4,
} as const;

/** An exit code value. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Maps an error to the exit code its band implies (3xx → 4, 5xx → 3, 6xx → 2 but 601 → 1, else 1). */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (!(error instanceof MeterkitError)) return ExitCode.ProtocolError;
  const band = Math.floor(error.code / 100);
  switch (band) {
    case 3:
      return ExitCode.Security;
    case 5:
      return ExitCode.Transport;
    case 6:
      // "not implemented" is about meterkit, not about how it was called
      return error.code === ErrorCode.NotImplemented ? ExitCode.ProtocolError : ExitCode.Usage;
    default:
      return ExitCode.ProtocolError;
  }
}
