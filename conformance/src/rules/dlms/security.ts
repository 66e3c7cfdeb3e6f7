import { ErrorCode, toHex } from '@meterkit/core';
import { outcome, pass, type Rule } from '../rule.js';

/** With the sender's keys in the keyring, every ciphered APDU's authentication tag verifies. */
export const dlmsSecurityTagRule: Rule = {
  id: 'DLMS-SECURITY-TAG',
  protocol: 'dlms',
  statement:
    'The GCM authentication tag of every authenticated ciphered APDU verifies with the keyring keys.',
  clause: 'IEC 62056-5-3 §9.2.7.2.4 (AES-GCM, authentication tag); DLMS UA 1000-2 §9.2.3.3',
  scope: 'frame',
  check({ analysed, keys }) {
    const d = analysed.dlms;
    if (d === undefined || d.apdu === undefined) return undefined;
    const env = d.apdu as { securityControl?: { authentication: boolean } };
    if (env.securityControl === undefined) return undefined;
    if (d.decipherError !== undefined) {
      const e = d.decipherError;
      if (e.code === ErrorCode.AuthenticationFailed)
        return outcome('FAIL', 'the authentication tag does not verify', d.apduOffset);
      return outcome('INCONCLUSIVE', `could not decipher: ${e.message}`, d.apduOffset);
    }
    if (d.deciphered === undefined)
      return outcome(
        'INCONCLUSIVE',
        keys.hasDlmsKeys ? 'no key for the sender system title' : 'no keyring: the tag cannot be checked',
        d.apduOffset,
      );
    if (!env.securityControl.authentication) return undefined;
    if (!d.deciphered.tagVerified)
      return outcome('INCONCLUSIVE', 'no authentication key for the sender', d.apduOffset);
    return pass(d.apduOffset);
  },
};

interface CounterState {
  /** Last invocation counter per direction and system title. */
  readonly last: Map<string, number>;
}

/** The invocation counter of each sender's ciphered APDUs increases strictly (no replay, no reuse). */
export const dlmsInvocationCounterRule: Rule<CounterState> = {
  id: 'DLMS-SECURITY-IC',
  protocol: 'dlms',
  statement: 'The invocation counter of the ciphered APDUs of each sender and key increases strictly.',
  clause: 'IEC 62056-5-3 §9.2.7.2.4.1 (IV uniqueness, invocation counter); DLMS UA 1000-2 §9.2.2.3',
  scope: 'session',
  createState: () => ({ last: new Map() }),
  check({ analysed, state }) {
    const d = analysed.dlms;
    if (d === undefined || d.apdu === undefined) return undefined;
    const env = d.apdu as { invocationCounter?: number; systemTitle?: Uint8Array; securityControl?: unknown };
    if (env.securityControl === undefined || env.invocationCounter === undefined) return undefined;
    const key = `${analysed.message.direction} ${env.systemTitle === undefined ? '' : toHex(env.systemTitle)}`;
    const prev = state.last.get(key);
    state.last.set(key, env.invocationCounter);
    const at = d.apduOffset + (env.systemTitle === undefined ? 3 : 12);
    if (prev === undefined) return pass(at);
    if (env.invocationCounter > prev) return pass(at);
    return outcome(
      'FAIL',
      env.invocationCounter === prev
        ? `invocation counter ${env.invocationCounter} used twice (replay)`
        : `invocation counter ${env.invocationCounter} below the previous ${prev}`,
      at,
    );
  },
};
