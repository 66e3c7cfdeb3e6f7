import { type AcseFieldSpec, decodeAcseFieldValues, encodeAcseFields } from './fields.js';
import type { AcseUserInformation, AcseUserInformationInput } from './user-information.js';

/**
 * RLRQ, the A-RELEASE request (IEC 62056-5-3 §8.2 ACSE, DLMS UA 1000-2 §9.4.2.3):
 * [APPLICATION 2] IMPLICIT SEQUENCE { reason [0] IMPLICIT Release-request-reason OPTIONAL,
 * user-information [30] OPTIONAL }.
 */
export interface Rlrq {
  readonly type: 'rlrq';
  /** reason: 0 normal, 1 urgent, 30 user-defined (`ReleaseRequestReason`). */
  readonly reason?: number | bigint | undefined;
  /** user-information: an InitiateRequest (ciphered) when the association used ciphering. */
  readonly userInformation?: AcseUserInformation | undefined;
  readonly raw?: Uint8Array | undefined;
}

/**
 * RLRE, the A-RELEASE response (IEC 62056-5-3 §8.2): [APPLICATION 3] IMPLICIT SEQUENCE
 * { reason [0] IMPLICIT Release-response-reason OPTIONAL, user-information [30] OPTIONAL }.
 */
export interface Rlre {
  readonly type: 'rlre';
  /** reason: 0 normal, 1 not-finished, 30 user-defined (`ReleaseResponseReason`). */
  readonly reason?: number | bigint | undefined;
  /** user-information: an InitiateResponse (ciphered) when the association used ciphering. */
  readonly userInformation?: AcseUserInformation | undefined;
  readonly raw?: Uint8Array | undefined;
}

/** Release-request-reason values (IEC 62056-5-3 §8.2). */
export const ReleaseRequestReason = { Normal: 0, Urgent: 1, UserDefined: 30 } as const;
/** Release-response-reason values (IEC 62056-5-3 §8.2). */
export const ReleaseResponseReason = { Normal: 0, NotFinished: 1, UserDefined: 30 } as const;

/** The name of a release reason (request or response), or undefined. */
export function releaseReasonName(kind: 'rlrq' | 'rlre', reason: number | bigint): string | undefined {
  if (reason === 0) return 'normal';
  if (reason === 30) return 'user-defined';
  if (reason === 1) return kind === 'rlrq' ? 'urgent' : 'not-finished';
  return undefined;
}

/** The RLRQ/RLRE fields by context tag (IEC 62056-5-3 §8.2). */
export const RELEASE_FIELDS: readonly AcseFieldSpec[] = [
  { tag: 0, key: 'reason', name: 'reason', kind: 'int-implicit' },
  { tag: 30, key: 'userInformation', name: 'user-information', kind: 'user-info' },
];

/** An RLRQ to encode. */
export type RlrqInput = Omit<Rlrq, 'raw' | 'userInformation'> & {
  readonly userInformation?: AcseUserInformationInput | undefined;
};
/** An RLRE to encode. */
export type RlreInput = Omit<Rlre, 'raw' | 'userInformation'> & {
  readonly userInformation?: AcseUserInformationInput | undefined;
};

/** Decodes the content octets of an RLRQ (after 62 len). */
export function decodeRlrqContent(content: Uint8Array, base: number, raw: Uint8Array): Rlrq {
  const v = decodeAcseFieldValues(content, base, RELEASE_FIELDS, 'rlrq');
  return { type: 'rlrq', reason: v[0], userInformation: v[1], raw } as Rlrq;
}

/** Decodes the content octets of an RLRE (after 63 len). */
export function decodeRlreContent(content: Uint8Array, base: number, raw: Uint8Array): Rlre {
  const v = decodeAcseFieldValues(content, base, RELEASE_FIELDS, 'rlre');
  return { type: 'rlre', reason: v[0], userInformation: v[1], raw } as Rlre;
}

/** Encodes an RLRQ (IEC 62056-5-3 §8.2). */
export function encodeRlrq(rlrq: RlrqInput): Uint8Array {
  return encodeAcseFields(2, rlrq, RELEASE_FIELDS, 'rlrq');
}

/** Encodes an RLRE (IEC 62056-5-3 §8.2). */
export function encodeRlre(rlre: RlreInput): Uint8Array {
  return encodeAcseFields(3, rlre, RELEASE_FIELDS, 'rlre');
}
