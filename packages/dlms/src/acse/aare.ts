import type { BerBitString } from '@meterkit/core';
import type { AuthenticationValue } from './authentication-value.js';
import {
  type AcseDiagnostic,
  type AcseFieldSpec,
  decodeAcseFieldValues,
  encodeAcseFields,
} from './fields.js';
import type { AcseUserInformation, AcseUserInformationInput } from './user-information.js';

/**
 * AARE, the A-ASSOCIATE response (IEC 62056-5-3 §8.2 ACSE, DLMS UA 1000-2 §9.4.2.2):
 * [APPLICATION 1] IMPLICIT SEQUENCE.
 */
export interface Aare {
  readonly type: 'aare';
  /** protocol-version [0] IMPLICIT BIT STRING DEFAULT {version1}. */
  readonly protocolVersion?: BerBitString | undefined;
  /** application-context-name [1] (dotted OID). */
  readonly applicationContextName: string;
  /** result [2]: 0 accepted, 1 rejected-permanent, 2 rejected-transient (`AssociationResult`). */
  readonly result: number | bigint;
  /** result-source-diagnostic [3]. */
  readonly resultSourceDiagnostic: AcseDiagnostic;
  /** responding-AP-title [4]: the server's system title. */
  readonly respondingApTitle?: Uint8Array | undefined;
  /** responding-AE-qualifier [5]: the server's public key certificate. */
  readonly respondingAeQualifier?: Uint8Array | undefined;
  /** responding-AP-invocation-id [6]. */
  readonly respondingApInvocationId?: number | bigint | undefined;
  /** responding-AE-invocation-id [7]. */
  readonly respondingAeInvocationId?: number | bigint | undefined;
  /** responder-acse-requirements [8] IMPLICIT BIT STRING {authentication(0)}. */
  readonly responderAcseRequirements?: BerBitString | undefined;
  /** mechanism-name [9] IMPLICIT (dotted OID). */
  readonly mechanismName?: string | undefined;
  /** responding-authentication-value [10]: the server's HLS challenge. */
  readonly respondingAuthenticationValue?: AuthenticationValue | undefined;
  /** implementation-information [29] IMPLICIT GraphicString. */
  readonly implementationInformation?: string | undefined;
  /** user-information [30]: InitiateResponse or ConfirmedServiceError (possibly ciphered). */
  readonly userInformation?: AcseUserInformation | undefined;
  readonly raw?: Uint8Array | undefined;
}

/** The AARE fields by context tag (IEC 62056-5-3 §8.2). */
export const AARE_FIELDS: readonly AcseFieldSpec[] = [
  { tag: 0, key: 'protocolVersion', name: 'protocol-version', kind: 'bits' },
  { tag: 1, key: 'applicationContextName', name: 'application-context-name', kind: 'oid', mandatory: true },
  { tag: 2, key: 'result', name: 'result', kind: 'int', mandatory: true },
  {
    tag: 3,
    key: 'resultSourceDiagnostic',
    name: 'result-source-diagnostic',
    kind: 'diagnostic',
    mandatory: true,
  },
  { tag: 4, key: 'respondingApTitle', name: 'responding-AP-title', kind: 'octets' },
  { tag: 5, key: 'respondingAeQualifier', name: 'responding-AE-qualifier', kind: 'octets' },
  { tag: 6, key: 'respondingApInvocationId', name: 'responding-AP-invocation-id', kind: 'int' },
  { tag: 7, key: 'respondingAeInvocationId', name: 'responding-AE-invocation-id', kind: 'int' },
  { tag: 8, key: 'responderAcseRequirements', name: 'responder-acse-requirements', kind: 'bits' },
  { tag: 9, key: 'mechanismName', name: 'mechanism-name', kind: 'oid-implicit' },
  { tag: 10, key: 'respondingAuthenticationValue', name: 'responding-authentication-value', kind: 'auth' },
  { tag: 29, key: 'implementationInformation', name: 'implementation-information', kind: 'graphic' },
  { tag: 30, key: 'userInformation', name: 'user-information', kind: 'user-info' },
];

/** Association-result values (IEC 62056-5-3 §8.2). */
export const AssociationResult = {
  Accepted: 0,
  RejectedPermanent: 1,
  RejectedTransient: 2,
} as const;

const RESULT_NAMES = ['accepted', 'rejected-permanent', 'rejected-transient'];

/** The name of an Association-result value, or undefined. */
export function associationResultName(result: number | bigint): string | undefined {
  return typeof result === 'number' ? RESULT_NAMES[result] : undefined;
}

const USER_DIAGNOSTICS = [
  'null',
  'no-reason-given',
  'application-context-name-not-supported',
  'calling-AP-title-not-recognized',
  'calling-AP-invocation-identifier-not-recognized',
  'calling-AE-qualifier-not-recognized',
  'calling-AE-invocation-identifier-not-recognized',
  'called-AP-title-not-recognized',
  'called-AP-invocation-identifier-not-recognized',
  'called-AE-qualifier-not-recognized',
  'called-AE-invocation-identifier-not-recognized',
  'authentication-mechanism-name-not-recognised',
  'authentication-mechanism-name-required',
  'authentication-failure',
  'authentication-required',
];
const PROVIDER_DIAGNOSTICS = ['null', 'no-reason-given', 'no-common-acse-version'];

/** acse-service-user diagnostic values (IEC 62056-5-3 §8.2, Associate-source-diagnostic). */
export const AcseServiceUserDiagnostic = {
  Null: 0,
  NoReasonGiven: 1,
  ApplicationContextNameNotSupported: 2,
  CallingApTitleNotRecognized: 3,
  CallingApInvocationIdentifierNotRecognized: 4,
  CallingAeQualifierNotRecognized: 5,
  CallingAeInvocationIdentifierNotRecognized: 6,
  CalledApTitleNotRecognized: 7,
  CalledApInvocationIdentifierNotRecognized: 8,
  CalledAeQualifierNotRecognized: 9,
  CalledAeInvocationIdentifierNotRecognized: 10,
  AuthenticationMechanismNameNotRecognised: 11,
  AuthenticationMechanismNameRequired: 12,
  AuthenticationFailure: 13,
  AuthenticationRequired: 14,
} as const;

/** acse-service-provider diagnostic values (IEC 62056-5-3 §8.2). */
export const AcseServiceProviderDiagnostic = {
  Null: 0,
  NoReasonGiven: 1,
  NoCommonAcseVersion: 2,
} as const;

/** The standard's name of a result-source-diagnostic, or undefined when it names none. */
export function acseDiagnosticName(d: AcseDiagnostic): string | undefined {
  return (d.type === 'acse-service-user' ? USER_DIAGNOSTICS : PROVIDER_DIAGNOSTICS)[d.value];
}

/** An AARE to encode. */
export type AareInput = Omit<Aare, 'raw' | 'userInformation'> & {
  readonly userInformation?: AcseUserInformationInput | undefined;
};

/** Decodes the content octets of an AARE (after 61 len) starting at absolute offset `base`. */
export function decodeAareContent(content: Uint8Array, base: number, raw: Uint8Array): Aare {
  const v = decodeAcseFieldValues(content, base, AARE_FIELDS, 'aare');
  // one literal, keys in the order of AARE_FIELDS
  return {
    type: 'aare',
    protocolVersion: v[0],
    applicationContextName: v[1],
    result: v[2],
    resultSourceDiagnostic: v[3],
    respondingApTitle: v[4],
    respondingAeQualifier: v[5],
    respondingApInvocationId: v[6],
    respondingAeInvocationId: v[7],
    responderAcseRequirements: v[8],
    mechanismName: v[9],
    respondingAuthenticationValue: v[10],
    implementationInformation: v[11],
    userInformation: v[12],
    raw,
  } as Aare;
}

/** Encodes an AARE (IEC 62056-5-3 §8.2). */
export function encodeAare(aare: AareInput): Uint8Array {
  return encodeAcseFields(1, aare, AARE_FIELDS, 'aare');
}
