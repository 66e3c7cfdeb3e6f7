import { readFileSync } from 'node:fs';
import { ErrorCode, MeterkitError } from '@meterkit/core';

/** Reads a JSON file named by an option (profiles, configurations). */
export function readJsonFile(path: string, option: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new MeterkitError(
      ErrorCode.InputUnreadable,
      `--${option} ${path}: cannot read it: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new MeterkitError(ErrorCode.InvalidArgument, `--${option} ${path} is not valid JSON`);
  }
}

/**
 * Waits until SIGINT or SIGTERM, or `durationS` seconds when given (scripts and tests), then
 * resolves. Prints nothing: the caller says it stopped.
 */
export function untilStopped(durationS: number | undefined): Promise<string> {
  return new Promise((resolve) => {
    const finish = (why: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (timer !== undefined) clearTimeout(timer);
      resolve(why);
    };
    const onInt = (): void => finish('SIGINT');
    const onTerm = (): void => finish('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const timer =
      durationS === undefined ? undefined : setTimeout(() => finish('duration'), durationS * 1000);
  });
}
