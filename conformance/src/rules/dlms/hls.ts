import type { KeyObject } from 'node:crypto';
import { isMeterkitError } from '@meterkit/core';
import {
  type AuthenticationValue,
  DlmsErrorCode,
  decodeReplyToHlsAuthenticationRequest,
  decodeReplyToHlsAuthenticationResponse,
  type HlsExchange,
  type HlsMechanism,
  type HlsSecrets,
  SecurityContext,
  verifyClientHlsResponse,
  verifyServerHlsResponse,
} from '@meterkit/dlms';
import type { DlmsKeyEntry, Keyring } from '../../keyring.js';
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

function entryOf(keys: Keyring, title: Uint8Array | undefined): DlmsKeyEntry | undefined {
  return title === undefined ? undefined : keys.dlmsKeys(title);
}

/** The association's entry: the server's system title, else the client's, else the only one. */
function associationEntry(keys: Keyring, st: HlsState): DlmsKeyEntry | undefined {
  return entryOf(keys, st.serverTitle) ?? entryOf(keys, st.clientTitle) ?? keys.onlyDlmsEntry();
}

/** Suite 1 (P-256) or 2 (P-384) from a public key's curve (IEC 62056-5-3 §9.2.3.4). */
function suiteOfKey(key: KeyObject): 1 | 2 {
  return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 2 : 1;
}

/** The secrets that verify `side`'s response, or why they are missing. */
function secretsFor(side: 'client' | 'server', st: HlsState, keys: Keyring): HlsSecrets | string {
  const m = st.mechanism;
  if (m === 5) {
    const entry = associationEntry(keys, st);
    if (entry?.ek === undefined || entry.ak === undefined)
      return 'no EK and AK for this association, or a challenge is not in the capture';
    return {
      context: new SecurityContext({
        globalUnicastEncryptionKey: entry.ek,
        authenticationKey: entry.ak,
        replay: false,
      }),
    };
  }
  if (m === 7) {
    // the signer's public key: the client signs f(StoC), the server f(CtoS)
    const signer = side === 'client' ? st.clientTitle : st.serverTitle;
    const key = entryOf(keys, signer)?.signingPublicKey;
    if (key === undefined)
      return `HLS mechanism 7 needs the ${side}'s public key (publicKey or certificate in the keyring)`;
    return { context: new SecurityContext({ suite: suiteOfKey(key), peerSigningKey: key }) };
  }
  const secret = (associationEntry(keys, st) ?? keys.onlyHlsSecretEntry())?.hlsSecret;
  if (secret === undefined) return `HLS mechanism ${m} needs a secret the keyring does not hold`;
  return { secret };
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
  if (st.mechanism < 2 || st.mechanism > 7)
    return outcome('INCONCLUSIVE', `mechanism ${st.mechanism} is not an HLS mechanism`, at);
  const secrets = secretsFor(side, st, keys);
  if (typeof secrets === 'string') return outcome('INCONCLUSIVE', secrets, at);
  if (st.ctos === undefined || st.stoc === undefined)
    return outcome(
      'INCONCLUSIVE',
      st.mechanism === 5
        ? 'no EK and AK for this association, or a challenge is not in the capture'
        : 'a challenge is not in the capture',
      at,
    );
  if (
    (st.mechanism === 6 || st.mechanism === 7) &&
    (st.clientTitle === undefined || st.serverTitle === undefined)
  )
    return outcome(
      'INCONCLUSIVE',
      `HLS mechanism ${st.mechanism} needs both system titles from the AARQ and AARE`,
      at,
    );
  const exchange: HlsExchange = {
    mechanism: st.mechanism as HlsMechanism,
    clientToServerChallenge: st.ctos,
    serverToClientChallenge: st.stoc,
    clientSystemTitle: st.clientTitle,
    serverSystemTitle: st.serverTitle,
  };
  try {
    if (side === 'client') verifyClientHlsResponse(exchange, secrets, response);
    else verifyServerHlsResponse(exchange, secrets, response);
    return pass(at);
  } catch (e) {
    if (!isMeterkitError(e)) throw e;
    if (e.code !== DlmsErrorCode.HlsAuthenticationFailed)
      return outcome('INCONCLUSIVE', `the response cannot be checked: ${e.message}`, at);
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
 * in its response are correct for the challenges of the AARQ and AARE. Mechanism 2 (AES-ECB), 3
 * (MD5), 4 (SHA-1) and 6 (SHA-256) with the keyring's `hlsSecret`; 5 (HLS-GMAC) with its EK and
 * AK; 7 (ECDSA) with the signer's public key or certificate. Without them: INCONCLUSIVE.
 */
export const dlmsHlsRule: Rule<HlsState> = {
  id: 'DLMS-SECURITY-HLS',
  protocol: 'dlms',
  statement: 'The HLS responses f(StoC) and f(CtoS) are correct for the AARQ and AARE challenges.',
  clause: 'IEC 62056-5-3 §9.2.2.2 (HLS passes 3 and 4), §9.2.7.4 (mechanisms 2–7, Table 29)',
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
