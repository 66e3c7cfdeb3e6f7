/**
 * The fixed-size text fields of the PSEM logon and security services (ANSI C12.18-2006
 * §5.3.2.4.5 `<user>`: 10 bytes, §5.3.2.4.6 `<password>`: 20 bytes), padded with spaces.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';

const SPACE = 0x20;

/** Pads ASCII text (or bytes) with spaces to `n` bytes; longer input is `InvalidArgument` (600). */
export function padAscii(text: string | Uint8Array, n: number, path: string): Uint8Array {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  if (bytes.length > n)
    throw new MeterkitError(ErrorCode.InvalidArgument, `${path} is longer than ${n} bytes`, { path });
  const out = new Uint8Array(n).fill(SPACE);
  out.set(bytes);
  return out;
}
