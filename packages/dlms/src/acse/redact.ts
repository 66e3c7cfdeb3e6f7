import type { AcseApdu } from './acse-apdu.js';
import type { AuthenticationValue } from './authentication-value.js';
import type { AcseUserInformation } from './user-information.js';

const NOTHING = new Uint8Array(0);

function redactValue(v: AuthenticationValue | undefined): AuthenticationValue | undefined {
  if (v === undefined) return undefined;
  switch (v.type) {
    case 'bitstring':
      return { type: 'bitstring', value: { unusedBits: 0, bytes: NOTHING } };
    case 'other':
      return { type: 'other', mechanismName: v.mechanismName, value: NOTHING };
    default:
      return { type: v.type, value: NOTHING };
  }
}

function redactUserInformation(ui: AcseUserInformation | undefined): AcseUserInformation | undefined {
  if (ui?.type !== 'initiate-request' || ui.dedicatedKey === undefined) return ui;
  return { ...ui, dedicatedKey: NOTHING };
}

/**
 * A copy of an ACSE APDU (IEC 62056-5-3 §8.2) with its secrets emptied, for logs and JSON output:
 * the calling/responding authentication value (LLS password, HLS challenge) and the dedicated key
 * of an InitiateRequest become zero-length, and `raw` (which contains them) is dropped. Everything
 * else is kept.
 */
export function redactAcseSecrets(apdu: AcseApdu): AcseApdu {
  switch (apdu.type) {
    case 'aarq':
      return {
        ...apdu,
        callingAuthenticationValue: redactValue(apdu.callingAuthenticationValue),
        userInformation: redactUserInformation(apdu.userInformation),
        raw: undefined,
      };
    case 'aare':
      return {
        ...apdu,
        respondingAuthenticationValue: redactValue(apdu.respondingAuthenticationValue),
        userInformation: redactUserInformation(apdu.userInformation),
        raw: undefined,
      };
    default:
      return { ...apdu, userInformation: redactUserInformation(apdu.userInformation), raw: undefined };
  }
}
