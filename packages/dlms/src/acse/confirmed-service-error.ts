import { ErrorCode, MeterkitError, type Reader } from '@meterkit/core';

/**
 * xDLMS ConfirmedServiceError (IEC 62056-5-3 §8.2), tag 0x0E: which service failed, and the
 * ServiceError CHOICE with its enumerated value. In an AARE it says why the InitiateRequest was
 * refused (service `initiate-error`, error `initiate`).
 */
export interface ConfirmedServiceError {
  readonly type: 'confirmed-service-error';
  /** The ConfirmedServiceError CHOICE tag: 1 initiateError, 5 read, 6 write, … (`ConfirmedServiceErrorService`). */
  readonly service: number;
  /** The ServiceError CHOICE tag: 0 application-reference … 6 initiate … 10 other (`ServiceErrorChoice`). */
  readonly error: number;
  /** The enumerated value within that choice (see `serviceErrorValueName`). */
  readonly value: number;
  readonly raw?: Uint8Array | undefined;
}

/** A-XDR tag of ConfirmedServiceError (IEC 62056-5-3 §8.2). */
export const CONFIRMED_SERVICE_ERROR_TAG = 0x0e;

/** ConfirmedServiceError CHOICE tags (IEC 62056-5-3 §8.2); 2–4 and 7–19 are not used within DLMS. */
export const ConfirmedServiceErrorService: Readonly<Record<number, string>> = {
  1: 'initiate-error',
  2: 'get-status',
  3: 'get-name-list',
  4: 'get-variable-attribute',
  5: 'read',
  6: 'write',
  7: 'get-data-set-attribute',
  8: 'get-ti-attribute',
  9: 'change-scope',
  10: 'start',
  11: 'stop',
  12: 'resume',
  13: 'make-usable',
  14: 'initiate-load',
  15: 'load-segment',
  16: 'terminate-load',
  17: 'initiate-up-load',
  18: 'up-load-segment',
  19: 'terminate-up-load',
};

/** ServiceError CHOICE tags (IEC 62056-5-3 §8.2). */
export const ServiceErrorChoice: Readonly<Record<number, string>> = {
  0: 'application-reference',
  1: 'hardware-resource',
  2: 'vde-state-error',
  3: 'service',
  4: 'definition',
  5: 'access',
  6: 'initiate',
  7: 'load-data-set',
  8: 'change-scope',
  9: 'task',
  10: 'other',
};

const VALUE_NAMES: Readonly<Record<number, readonly string[]>> = {
  0: [
    'other',
    'time-elapsed',
    'application-unreachable',
    'application-reference-invalid',
    'application-context-unsupported',
    'provider-communication-error',
    'deciphering-error',
  ],
  1: [
    'other',
    'memory-unavailable',
    'processor-resource-unavailable',
    'mass-storage-unavailable',
    'other-resource-unavailable',
  ],
  2: ['other', 'no-dlms-context', 'loading-data-set', 'status-nochange', 'status-inoperable'],
  3: ['other', 'pdu-size', 'service-unsupported'],
  4: ['other', 'object-undefined', 'object-class-inconsistent', 'object-attribute-inconsistent'],
  5: ['other', 'scope-of-access-violated', 'object-access-invalid', 'hardware-fault', 'object-unavailable'],
  6: [
    'other',
    'dlms-version-too-low',
    'incompatible-conformance',
    'pdu-size-too-short',
    'refused-by-the-vde-handler',
  ],
  7: [
    'other',
    'primitive-out-of-sequence',
    'not-loadable',
    'dataset-size-too-large',
    'not-awaited-segment',
    'interpretation-failure',
    'storage-failure',
    'data-set-not-ready',
  ],
  9: ['other', 'no-remote-control', 'ti-stopped', 'ti-running', 'ti-unusable'],
};

/** The name of a ServiceError value (IEC 62056-5-3 §8.2), or undefined when the standard names none. */
export function serviceErrorValueName(error: number, value: number): string | undefined {
  return VALUE_NAMES[error]?.[value];
}

/** Reads the ConfirmedServiceError fields after its tag (IEC 62056-5-3 §8.2); the reader must end with it. */
export function readConfirmedServiceError(
  r: Reader,
  raw: Uint8Array,
  path = 'confirmed-service-error',
): ConfirmedServiceError {
  const service = r.u8(`${path}.service`);
  if (ConfirmedServiceErrorService[service] === undefined) {
    r.fail(ErrorCode.ValueInvalid, `ConfirmedServiceError choice ${service} is not defined`, path, r.pos - 1);
  }
  const error = r.u8(`${path}.service-error`);
  if (ServiceErrorChoice[error] === undefined) {
    r.fail(
      ErrorCode.ValueInvalid,
      `ServiceError choice ${error} is not defined`,
      `${path}.service-error`,
      r.pos - 1,
    );
  }
  const value = r.u8(`${path}.service-error.value`);
  r.expectEnd(path);
  return { type: 'confirmed-service-error', service, error, value, raw };
}

/** Encodes a ConfirmedServiceError with its tag (IEC 62056-5-3 §8.2). */
export function encodeConfirmedServiceError(x: Omit<ConfirmedServiceError, 'raw' | 'type'>): Uint8Array {
  for (const v of [x.service, x.error, x.value]) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) {
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `ConfirmedServiceError field ${v} outside 0..255`, {
        path: 'confirmed-service-error',
      });
    }
  }
  return Uint8Array.of(CONFIRMED_SERVICE_ERROR_TAG, x.service, x.error, x.value);
}
