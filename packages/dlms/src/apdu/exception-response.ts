import type { Reader, Writer } from '@meterkit/core';
import { type DecodeContext, enumName, enumValue } from './common.js';

/** Tag of ExceptionResponse (IEC 62056-5-3 §8, [216]). */
export const EXCEPTION_RESPONSE_TAG = 0xd8;

/** state-error names of ExceptionResponse (IEC 62056-5-3 §8). */
export const STATE_ERROR: Readonly<Record<number, string>> = {
  1: 'service-not-allowed',
  2: 'service-unknown',
};

/** service-error choices of ExceptionResponse (IEC 62056-5-3 §8). */
export const EXCEPTION_SERVICE_ERROR: Readonly<Record<number, string>> = {
  1: 'operation-not-possible',
  2: 'service-not-supported',
  3: 'other-reason',
  4: 'pdu-too-long',
  5: 'deciphering-error',
  6: 'invocation-counter-error',
};

/** ExceptionResponse (IEC 62056-5-3 §8). */
export interface ExceptionResponse {
  readonly type: 'exception-response';
  /** state-error by name (or number when undefined). */
  readonly stateError: string | number;
  /** service-error by name (or number when undefined). */
  readonly serviceError: string | number;
  /** The expected invocation counter, present only with `invocation-counter-error`. */
  readonly invocationCounter: number | null;
}

/** Decodes an ExceptionResponse after its tag (IEC 62056-5-3 §8). */
export function readExceptionResponse(r: Reader, _ctx: DecodeContext): ExceptionResponse {
  const stateError = enumName(STATE_ERROR, r.u8('exception-response.state-error'));
  const se = r.u8('exception-response.service-error');
  const invocationCounter =
    se === 6 ? r.u32('exception-response.service-error.invocation-counter-error') : null;
  return {
    type: 'exception-response',
    stateError,
    serviceError: enumName(EXCEPTION_SERVICE_ERROR, se),
    invocationCounter,
  };
}

/** Encodes an ExceptionResponse with its tag (IEC 62056-5-3 §8). */
export function writeExceptionResponse(w: Writer, a: ExceptionResponse): void {
  const se = enumValue(EXCEPTION_SERVICE_ERROR, a.serviceError, 'service-error');
  w.u8(EXCEPTION_RESPONSE_TAG)
    .u8(enumValue(STATE_ERROR, a.stateError, 'state-error'))
    .u8(se);
  if (se === 6) w.u32(a.invocationCounter ?? 0);
}
