/**
 * Builders for the transport band of `MeterkitError` (500–503) plus `Cancelled` and
 * `InvalidArgument`, with the OS error code (e.g. `ECONNREFUSED`) folded into the message.
 */
import { ErrorCode, MeterkitError } from '../errors.js';

/** `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1` style text for an underlying error. */
export function causeText(cause: unknown): string {
  if (cause instanceof MeterkitError) return cause.message;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && !cause.message.includes(code)) return `${code}: ${cause.message}`;
    return cause.message;
  }
  return String(cause);
}

function withCause(message: string, cause: unknown): string {
  return cause === undefined ? message : `${message}: ${causeText(cause)}`;
}

/** `TransportTimeout` (500). */
export function timeoutError(name: string, what: string, ms: number): MeterkitError {
  return new MeterkitError(ErrorCode.TransportTimeout, `${name}: ${what} timed out after ${ms} ms`);
}

/** `TransportClosed` (501). */
export function closedError(name: string, why: string, cause?: unknown): MeterkitError {
  return new MeterkitError(ErrorCode.TransportClosed, withCause(`${name}: ${why}`, cause), { cause });
}

/** `TransportOpenFailed` (502). */
export function openFailedError(name: string, cause: unknown, what = 'open failed'): MeterkitError {
  return new MeterkitError(ErrorCode.TransportOpenFailed, withCause(`${name}: ${what}`, cause), { cause });
}

/** `TransportIo` (503). */
export function ioError(name: string, what: string, cause?: unknown): MeterkitError {
  return new MeterkitError(ErrorCode.TransportIo, withCause(`${name}: ${what} failed`, cause), { cause });
}

/** `Cancelled` (405), keeping the signal's reason as the cause. */
export function cancelledError(name: string, what: string, signal: AbortSignal): MeterkitError {
  return new MeterkitError(ErrorCode.Cancelled, `${name}: ${what} aborted`, { cause: signal.reason });
}

/** `InvalidArgument` (600). */
export function invalidArgument(message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidArgument, message);
}

/** `InvalidState` (404): the operation does not fit the transport's state (e.g. write before open). */
export function invalidState(message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidState, message);
}

/** Throws `InvalidArgument` unless `value` is undefined or a finite number >= 0. */
export function checkTimeout(label: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
    throw invalidArgument(`${label} must be a finite number >= 0, got ${value}`);
  }
}

/** Throws `InvalidArgument` unless `port` is an integer 0–65535. */
export function checkPort(label: string, port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalidArgument(`${label} must be an integer 0-65535, got ${port}`);
  }
}
