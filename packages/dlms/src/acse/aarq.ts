import type { BerBitString } from '@meterkit/core';
import type { AuthenticationValue } from './authentication-value.js';
import { type AcseFieldSpec, decodeAcseFieldValues, encodeAcseFields } from './fields.js';
import type { AcseUserInformation, AcseUserInformationInput } from './user-information.js';

/**
 * AARQ, the A-ASSOCIATE request (IEC 62056-5-3 §8.2 ACSE, DLMS UA 1000-2 §9.4.2.2):
 * [APPLICATION 0] IMPLICIT SEQUENCE with the fields the Green Book uses.
 */
export interface Aarq {
  readonly type: 'aarq';
  /** protocol-version [0] IMPLICIT BIT STRING DEFAULT {version1} (07 80). */
  readonly protocolVersion?: BerBitString | undefined;
  /** application-context-name [1] (dotted OID, see `ApplicationContextName`). */
  readonly applicationContextName: string;
  /** called-AP-title [2]: the server's system title. */
  readonly calledApTitle?: Uint8Array | undefined;
  /** called-AE-qualifier [3]. */
  readonly calledAeQualifier?: Uint8Array | undefined;
  /** called-AP-invocation-identifier [4]. */
  readonly calledApInvocationId?: number | bigint | undefined;
  /** called-AE-invocation-identifier [5]. */
  readonly calledAeInvocationId?: number | bigint | undefined;
  /** calling-AP-title [6]: the client's system title. */
  readonly callingApTitle?: Uint8Array | undefined;
  /** calling-AE-qualifier [7]: the client's public key certificate (HLS 7, suites 1 and 2). */
  readonly callingAeQualifier?: Uint8Array | undefined;
  /** calling-AP-invocation-identifier [8]. */
  readonly callingApInvocationId?: number | bigint | undefined;
  /** calling-AE-invocation-identifier [9]: the client user id. */
  readonly callingAeInvocationId?: number | bigint | undefined;
  /** sender-acse-requirements [10] IMPLICIT BIT STRING {authentication(0)}. */
  readonly senderAcseRequirements?: BerBitString | undefined;
  /** mechanism-name [11] IMPLICIT (dotted OID, see `MechanismName`). */
  readonly mechanismName?: string | undefined;
  /** calling-authentication-value [12]: the LLS password or HLS challenge. Secret. */
  readonly callingAuthenticationValue?: AuthenticationValue | undefined;
  /** implementation-information [29] IMPLICIT GraphicString. */
  readonly implementationInformation?: string | undefined;
  /** user-information [30]: the xDLMS InitiateRequest (possibly ciphered). */
  readonly userInformation?: AcseUserInformation | undefined;
  /** The whole APDU (a view of the decoded input). */
  readonly raw?: Uint8Array | undefined;
}

/** The AARQ fields by context tag (IEC 62056-5-3 §8.2). */
export const AARQ_FIELDS: readonly AcseFieldSpec[] = [
  { tag: 0, key: 'protocolVersion', name: 'protocol-version', kind: 'bits' },
  { tag: 1, key: 'applicationContextName', name: 'application-context-name', kind: 'oid', mandatory: true },
  { tag: 2, key: 'calledApTitle', name: 'called-AP-title', kind: 'octets' },
  { tag: 3, key: 'calledAeQualifier', name: 'called-AE-qualifier', kind: 'octets' },
  { tag: 4, key: 'calledApInvocationId', name: 'called-AP-invocation-id', kind: 'int' },
  { tag: 5, key: 'calledAeInvocationId', name: 'called-AE-invocation-id', kind: 'int' },
  { tag: 6, key: 'callingApTitle', name: 'calling-AP-title', kind: 'octets' },
  { tag: 7, key: 'callingAeQualifier', name: 'calling-AE-qualifier', kind: 'octets' },
  { tag: 8, key: 'callingApInvocationId', name: 'calling-AP-invocation-id', kind: 'int' },
  { tag: 9, key: 'callingAeInvocationId', name: 'calling-AE-invocation-id', kind: 'int' },
  { tag: 10, key: 'senderAcseRequirements', name: 'sender-acse-requirements', kind: 'bits' },
  { tag: 11, key: 'mechanismName', name: 'mechanism-name', kind: 'oid-implicit' },
  { tag: 12, key: 'callingAuthenticationValue', name: 'calling-authentication-value', kind: 'auth' },
  { tag: 29, key: 'implementationInformation', name: 'implementation-information', kind: 'graphic' },
  { tag: 30, key: 'userInformation', name: 'user-information', kind: 'user-info' },
];

/** An AARQ to encode (`raw` not needed; user-information by its fields). */
export type AarqInput = Omit<Aarq, 'raw' | 'userInformation'> & {
  readonly userInformation?: AcseUserInformationInput | undefined;
};

/** Decodes the content octets of an AARQ (after 60 len) starting at absolute offset `base`. */
export function decodeAarqContent(content: Uint8Array, base: number, raw: Uint8Array): Aarq {
  const v = decodeAcseFieldValues(content, base, AARQ_FIELDS, 'aarq');
  // one literal, keys in the order of AARQ_FIELDS
  return {
    type: 'aarq',
    protocolVersion: v[0],
    applicationContextName: v[1],
    calledApTitle: v[2],
    calledAeQualifier: v[3],
    calledApInvocationId: v[4],
    calledAeInvocationId: v[5],
    callingApTitle: v[6],
    callingAeQualifier: v[7],
    callingApInvocationId: v[8],
    callingAeInvocationId: v[9],
    senderAcseRequirements: v[10],
    mechanismName: v[11],
    callingAuthenticationValue: v[12],
    implementationInformation: v[13],
    userInformation: v[14],
    raw,
  } as Aarq;
}

/** Encodes an AARQ (IEC 62056-5-3 §8.2). */
export function encodeAarq(aarq: AarqInput): Uint8Array {
  return encodeAcseFields(0, aarq, AARQ_FIELDS, 'aarq');
}
