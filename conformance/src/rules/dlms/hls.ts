import { isMeterkitError } from '@meterkit/core';
import {
  type AuthenticationValue,
  decodeReplyToHlsAuthenticationRequest,
  decodeReplyToHlsAuthenticationResponse,
  type HlsExchange,
  SecurityContext,
  verifyClientHlsResponse,
  verifyServerHlsResponse,
} from '@meterkit/dlms';
import type { Keyring } from '../../keyring.js';
import { outcome, pass, type Rule, type RuleOutcome } from '../rule.js';

/** The DLMS UA authentication-mechanism-name OID arc (2.16.756.5.8.2.x). */
const MECHANISM_PREFIX = '2.16.756.5.8.2.';

interface HlsState {
  mechanism?: number | undefined;
  ctos?: Uint8Array | undefined;
  stoc?: Uint8Array | undefined;
  clientTitle?: Uint8Array | undefined;
  serverTitle?: Uint8Array | undefined;
}

function challenge(v: AuthenticationValue | undefined): Uint8Array | undefined {
  return v?.type === 'charstring' || v?.type === 'external' ? v.value : undefined;
}

function context(keys: Keyring, st: HlsState): SecurityContext | undefined {
  const entry =
    (st.serverTitle === undefined ? undefined : keys.dlmsKeys(st.serverTitle)) ??
    (st.clientTitle === undefined ? undefined : keys.dlmsKeys(st.clientTitle)) ??
    keys.onlyDlmsEntry();
  if (entry?.ek === undefined || entry.ak === undefined) return undefined;
  return new SecurityContext({
    globalUnicastEncryptionKey: entry.ek,
    authenticationKey: entry.ak,
    replay: false,
  });
}

function verify(
  side: 'client' | 'server',
  st: HlsState,
  keys: Keyring,
  response: Uint8Array,
  at: number,
): RuleOutcome {
  if (st.mechanism === undefined)
    return outcome('INCONCLUSIVE', 'no AARQ naming an HLS mechanism in the capture', at);
  if (st.mechanism !== 5)
    return outcome(
      'INCONCLUSIVE',
      `HLS mechanism ${st.mechanism} needs a secret the keyring does not hold`,
      at,
    );
  const ctx = context(keys, st);
  if (ctx === undefined || st.ctos === undefined || st.stoc === undefined)
    return outcome(
      'INCONCLUSIVE',
      'no EK and AK for this association, or a challenge is not in the capture',
      at,
    );
  const exchange: HlsExchange = {
    mechanism: 5,
    clientToServerChallenge: st.ctos,
    serverToClientChallenge: st.stoc,
    clientSystemTitle: st.clientTitle,
    serverSystemTitle: st.serverTitle,
  };
  try {
    if (side === 'client') verifyClientHlsResponse(exchange, { context: ctx }, response);
    else verifyServerHlsResponse(exchange, { context: ctx }, response);
    return pass(at);
  } catch (e) {
    if (!isMeterkitError(e)) throw e;
    return outcome(
      'FAIL',
      side === 'client'
        ? 'f(StoC) from the client does not verify'
        : 'f(CtoS) from the server does not verify',
      at,
    );
  }
}

/**
 * HLS pass 3 and 4: the client's f(StoC) in reply_to_HLS_authentication and the server's f(CtoS)
 * in its response are correct for the challenges of the AARQ and AARE (mechanism 5, HLS-GMAC, with
 * the keyring's EK and AK; other mechanisms need a secret: INCONCLUSIVE).
 */
export const dlmsHlsRule: Rule<HlsState> = {
  id: 'DLMS-SECURITY-HLS',
  protocol: 'dlms',
  statement: 'The HLS responses f(StoC) and f(CtoS) are correct for the AARQ and AARE challenges.',
  clause: 'IEC 62056-5-3 §9.2.2.2 (HLS passes 3 and 4), §9.2.7.4 (HLS-GMAC, mechanism 5)',
  scope: 'session',
  createState: () => ({}),
  check({ analysed, state, keys }) {
    const d = analysed.dlms;
    if (d === undefined || d.apdu === undefined) return undefined;
    const a = d.apdu;
    if (a.type === 'aarq') {
      const m = a.mechanismName;
      state.mechanism = m?.startsWith(MECHANISM_PREFIX)
        ? Number(m.slice(MECHANISM_PREFIX.length))
        : undefined;
      state.ctos = challenge(a.callingAuthenticationValue);
      state.clientTitle = a.callingApTitle;
      state.stoc = undefined;
      return undefined;
    }
    if (a.type === 'aare') {
      state.stoc = challenge(a.respondingAuthenticationValue);
      state.serverTitle = a.respondingApTitle;
      return undefined;
    }
    const plain = d.deciphered?.plaintext ?? d.apduBytes;
    if (plain === undefined) return undefined;
    if (plain[0] === 0xc3 && plain[1] === 0x01 && plain[4] === 0x0f) {
      try {
        const req = decodeReplyToHlsAuthenticationRequest(plain);
        return verify('client', state, keys, req.response, d.apduOffset);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        return undefined;
      }
    }
    if (plain[0] === 0xc7 && plain[1] === 0x01 && state.stoc !== undefined) {
      try {
        const res = decodeReplyToHlsAuthenticationResponse(plain);
        if (res.response === undefined) return undefined;
        const o = verify('server', state, keys, res.response, d.apduOffset);
        state.stoc = undefined;
        return o;
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        return undefined;
      }
    }
    return undefined;
  },
};
