import type { ApTitle } from '@meterkit/c1222';
import { ErrorCode } from '@meterkit/core';
import { outcome, pass, type Rule } from '../rule.js';

/** Every C12.22 message decodes: ACSE, security and EPSEM. */
export const c1222DecodeRule: Rule = {
  id: 'C1222-DECODE',
  protocol: 'c1222',
  statement: 'Every C12.22 message decodes as an ACSE APDU carrying a well-formed EPSEM.',
  clause: 'IEEE 1703-2012 §5.3.4 (ACSE), §5.3.3 (EPSEM)',
  scope: 'frame',
  check({ analysed }) {
    const c = analysed.c1222;
    if (c === undefined) return undefined;
    const e = c.error;
    if (e === undefined) return pass();
    if (e.code === ErrorCode.AuthenticationFailed) return pass();
    return outcome('FAIL', `${e.message} (${e.path ?? 'c1222'})`, e.offset);
  },
};

/** With keys, the EAX' MAC of every mode 1 and mode 2 message verifies. */
export const c1222MacRule: Rule = {
  id: 'C1222-EAX-MAC',
  protocol: 'c1222',
  statement: "The EAX' MAC of every authenticated (mode 1) or encrypted (mode 2) message verifies.",
  clause: "IEEE 1703-2012 §5.3.5 (EAX' security, Annex I)",
  scope: 'frame',
  check({ analysed, keys }) {
    const c = analysed.c1222;
    if (c === undefined) return undefined;
    if (c.error?.code === ErrorCode.AuthenticationFailed)
      return outcome('FAIL', "the EAX' MAC does not verify");
    const m = c.message;
    if (m === undefined || m.security.mode === 0) return undefined;
    if (m.security.status === 'no-key')
      return outcome(
        'INCONCLUSIVE',
        keys.hasC1222Keys ? `no key for key id ${m.security.keyId}` : 'no keyring: the MAC cannot be checked',
      );
    return pass();
  },
};

function title(t: ApTitle | undefined): string | undefined {
  if (t === undefined) return undefined;
  return 'oid' in t ? t.oid : JSON.stringify(t);
}

interface PairingState {
  /** Requests by calling AP title and calling AP invocation id. */
  readonly open: Map<string, number>;
  seenRequest: boolean;
}

/**
 * A response is addressed back: its called-AP-title is the request's calling-AP-title and its
 * called-AP-invocation-id the request's calling-AP-invocation-id.
 */
export const c1222PairingRule: Rule<PairingState> = {
  id: 'C1222-PAIRING',
  protocol: 'c1222',
  statement:
    "Each response names the request's calling AP title and calling AP invocation id as called ones.",
  clause: 'IEEE 1703-2012 §5.3.4.3, §5.3.4.5 (called-AP-invocation-id of a response)',
  scope: 'session',
  createState: () => ({ open: new Map(), seenRequest: false }),
  check({ analysed, state }) {
    const a = analysed.c1222?.message?.acse;
    if (a === undefined) return undefined;
    const dir = analysed.message.direction;
    const isResponse =
      dir === 'server-to-client' || (dir === 'unknown' && a.calledApInvocationId !== undefined);
    if (!isResponse) {
      if (a.callingApInvocationId !== undefined) {
        state.seenRequest = true;
        state.open.set(
          `${title(a.callingApTitle)} ${String(a.callingApInvocationId)}`,
          analysed.message.frame,
        );
      }
      return undefined;
    }
    const id = a.calledApInvocationId ?? a.callingApInvocationId;
    if (id === undefined) return outcome('FAIL', 'a response without an AP invocation id');
    const key = `${title(a.calledApTitle)} ${String(id)}`;
    if (state.open.delete(key))
      return a.calledApInvocationId === undefined
        ? { verdict: 'PASS', message: 'the invocation id is echoed as calling-AP-invocation-id' }
        : pass();
    if (!state.seenRequest) return outcome('INCONCLUSIVE', 'a response with no request in the capture');
    return outcome('FAIL', `no request from ${title(a.calledApTitle)} with invocation id ${String(id)}`);
  },
};
