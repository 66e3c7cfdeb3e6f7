/** Helpers of the server and simulator tests: a scripted client's APDUs. */
import {
  ApplicationContextName,
  type Conformance,
  decodeAcseApdu,
  decodeApdu,
  encodeAcseApdu,
  encodeApdu,
  type InvokeIdAndPriority,
  mechanismNameFor,
  type SelectiveAccessDescriptor,
} from '../src/index.js';
import { DEFAULT_SIMULATOR_PROFILE } from '../src/server/default-profile.js';
import { MeterSimulator } from '../src/server/simulator.js';

export const T0 = Date.UTC(2026, 0, 15, 12, 7, 30);
export const IID: InvokeIdAndPriority = { invokeId: 1, serviceClass: 'confirmed', priority: 'high' };
export const ALL: Conformance = [
  'general-block-transfer',
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'block-transfer-with-action',
  'multiple-references',
  'get',
  'set',
  'selective-access',
  'action',
];

/** A simulator on a clock the test moves. */
export function simulator(): { sim: MeterSimulator; clock: { now: number } } {
  const clock = { now: T0 };
  return { sim: new MeterSimulator(DEFAULT_SIMULATOR_PROFILE, { now: () => clock.now }), clock };
}

/** A plain AARQ. */
export function aarq(
  options: {
    mechanism?: number;
    auth?: Uint8Array;
    pdu?: number;
    conformance?: Conformance;
    version?: number;
    context?: string;
    callingApTitle?: Uint8Array;
  } = {},
): Uint8Array {
  return encodeAcseApdu({
    type: 'aarq',
    applicationContextName: options.context ?? ApplicationContextName.LogicalNameNoCiphering,
    callingApTitle: options.callingApTitle,
    senderAcseRequirements: options.mechanism ? { unusedBits: 7, bytes: Uint8Array.of(0x80) } : undefined,
    mechanismName: options.mechanism ? mechanismNameFor(options.mechanism) : undefined,
    callingAuthenticationValue: options.auth ? { type: 'charstring', value: options.auth } : undefined,
    userInformation: {
      type: 'initiate-request',
      proposedDlmsVersionNumber: options.version ?? 6,
      proposedConformance: options.conformance ?? ALL,
      clientMaxReceivePduSize: options.pdu ?? 1024,
    },
  });
}

export function aare(bytes: Uint8Array) {
  const a = decodeAcseApdu(bytes);
  if (a.type !== 'aare') throw new Error(`not an AARE: ${a.type}`);
  return a;
}

export function get(
  classId: number,
  instanceId: string,
  attributeId: number,
  accessSelection: SelectiveAccessDescriptor | null = null,
): Uint8Array {
  return encodeApdu({
    type: 'get-request-normal',
    invokeIdAndPriority: IID,
    cosemAttributeDescriptor: { classId, instanceId, attributeId },
    accessSelection,
  });
}

export function only(list: Uint8Array[]): ReturnType<typeof decodeApdu> {
  if (list.length !== 1) throw new Error(`expected one APDU, got ${list.length}`);
  return decodeApdu(list[0]!);
}
