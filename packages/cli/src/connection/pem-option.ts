import { readFileSync } from 'node:fs';
import { ErrorCode, MeterkitError } from '@meterkit/core';

/**
 * Reads the PEM file named by a command-line option (`--cert`, `--key-file`, `--ca`, `--chain`):
 * RFC 7468 text, returned as is. An unreadable file raises `MeterkitError` InputUnreadable naming
 * the option and the path (never the content, which may be a private key).
 */
export function readPemOption(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new MeterkitError(
      ErrorCode.InputUnreadable,
      `--${option} ${path}: cannot read it: ${(e as NodeJS.ErrnoException).code ?? 'error'} (check the path and its permissions)`,
    );
  }
}
