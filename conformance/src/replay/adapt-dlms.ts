import { crc16x25, isMeterkitError } from '@meterkit/core';
import {
  type AuthenticationValue,
  type CipheringForm,
  cipherApdu,
  clientHlsResponse,
  decipherApdu,
  decodeApdu,
  decodeCipheredApdu,
  type HlsMechanism,
  type HlsSecrets,
  isCipheredApduTag,
  SecurityContext,
  type SecuritySuiteId,
} from '@meterkit/dlms';
import type { DlmsKeyEntry, Keyring } from '../keyring.js';

/** The DLMS UA authentication-mechanism-name OID arc (2.16.756.5.8.2.x). */
const MECHANISM_PREFIX = '2.16.756.5.8.2.';
const REQUEST_TAGS = new Set([0xc0, 0xc1, 0xc3]);

/** Where the APDU sits in a wrapper PDU, an HDLC I-frame or a bare APDU (IEC 62056-47 §5, IEC 62056-46 §6.4). */
interface ApduSpan {
  readonly kind: 'wrapper' | 'hdlc' | 'bare';
  readonly start: number;
  readonly end: number;
}

/** Index where the HCS starts (after addresses and control), or undefined. IEC 62056-46 §6.4.2. */
function hdlcHeaderEnd(b: Uint8Array): number | undefined {
  let i = 3;
  while (i < b.length && (b[i]! & 1) === 0) i++;
  i++;
  while (i < b.length && (b[i]! & 1) === 0) i++;
  i++;
  i++;
  return i + 2 < b.length ? i : undefined;
}

function locate(b: Uint8Array): ApduSpan | undefined {
  if (b[0] === 0x00 && b[1] === 0x01 && b.length > 8) return { kind: 'wrapper', start: 8, end: b.length };
  if (b[0] === 0x7e && b.length > 12) {
    // segmented frames (format S bit) carry part of an APDU only: left alone
    if ((b[1]! & 0x08) !== 0) return undefined;
    const h = hdlcHeaderEnd(b);
    if (h === undefined || (b[h - 1]! & 1) !== 0) return undefined;
    let start = h + 2;
    if (b[start] === 0xe6 && (b[start + 1] === 0xe6 || b[start + 1] === 0xe7) && b[start + 2] === 0x00)
      start += 3;
    return start < b.length - 3 ? { kind: 'hdlc', start, end: b.length - 3 } : undefined;
  }
  return b.length > 0 ? { kind: 'bare', start: 0, end: b.length } : undefined;
}

function fixFcs(b: Uint8Array): void {
  const fcs = crc16x25(b, 1, b.length - 3);
  b[b.length - 3] = fcs & 0xff;
  b[b.length - 2] = fcs >> 8;
}

function challengeOf(v: AuthenticationValue | undefined): Uint8Array | undefined {
  return v?.type === 'charstring' || v?.type === 'external' ? v.value : undefined;
}

/** The ciphering form of a ciphered APDU tag (IEC 62056-5-3 §8.2, Table "ciphered APDUs"). */
function formOf(tag: number): CipheringForm | undefined {
  if (tag === 0xdb) return 'general-glo';
  if (tag === 0xdc) return 'general-ded';
  if ((tag >= 0x21 && tag <= 0x38) || (tag >= 0xc8 && tag <= 0xcf)) return 'glo';
  if ((tag >= 0x41 && tag <= 0x58) || (tag >= 0xd0 && tag <= 0xd7)) return 'ded';
  return undefined;
}

/** The dedicated key of a plain InitiateRequest (01, present 01, length, key; IEC 62056-5-3 §8.2). */
function dedicatedKeyOf(p: Uint8Array): Uint8Array | undefined {
  if (p[0] !== 0x01 || p[1] !== 0x01) return undefined;
  const n = p[2]!;
  return (n === 16 || n === 32) && p.length >= 3 + n ? p.slice(3, 3 + n) : undefined;
}

/** Options of the DLMS adaptation. */
export interface DlmsAdaptOptions {
  readonly keys: Keyring;
  /** Added (mod 16) to every request invoke-id. */
  readonly invokeIdShift: number;
  /** First invocation counter of re-ciphered client APDUs (default: highest captured + 1). */
  readonly invocationCounter?: number | undefined;
  /** Re-cipher client APDUs with fresh invocation counters (default true; needs EK/AK). */
  readonly reCipher: boolean;
  /** Answer the DUT's own HLS challenge in pass 3 (default true; needs the keys or HLS secret). */
  readonly hls: boolean;
}

/**
 * What must change when a captured DLMS client side is replayed (IEC 62056-5-3): invoke-ids
 * (§8.2), invocation counters of ciphered APDUs (§9.2.7.2.4.1: the captured APDU is deciphered with
 * its captured IC and enciphered again with the next fresh one: glo-, ded-, general-glo- and
 * general-ded- forms and the AARQ's glo-initiate-request, whose dedicated key is kept for ded-), and the HLS pass-3 response f(StoC) (§9.2.2.2), computed from the
 * challenge the device under test sent in its own AARE (mechanisms 2–7; 7 with the client's
 * `signingKey` from the keyring). Lengths never change, so HDLC only needs a new FCS.
 */
export class DlmsReplayAdaptation {
  readonly #o: DlmsAdaptOptions;
  #nextIc: number | undefined;
  #clientTitle: Uint8Array | undefined;
  #serverTitle: Uint8Array | undefined;
  #mechanism: number | undefined;
  #ctos: Uint8Array | undefined;
  #stoc: Uint8Array | undefined;
  #suite: SecuritySuiteId = 0;
  /** The dedicated key the captured AARQ sent (it is sent again, so ded- APDUs keep using it). */
  #dedicatedKey: Uint8Array | undefined;
  /** What was adapted, counted by kind. */
  readonly counts = { invokeIds: 0, reciphered: 0, hlsResponses: 0, skipped: 0 };
  /** Why an adaptation could not be made (first occurrence of each reason). */
  readonly problems = new Set<string>();

  constructor(options: DlmsAdaptOptions) {
    this.#o = options;
    this.#nextIc = options.invocationCounter;
  }

  /** Looks at every captured client message first: the highest invocation counter used. */
  prepare(requests: readonly Uint8Array[]): void {
    if (this.#nextIc !== undefined) return;
    let max = 0;
    for (const r of requests) {
      const s = locate(r);
      if (s === undefined) continue;
      const ic = this.#capturedIc(r.subarray(s.start, s.end));
      if (ic !== undefined && ic > max) max = ic;
    }
    this.#nextIc = max + 1;
  }

  #capturedIc(apdu: Uint8Array): number | undefined {
    let a = apdu;
    if (a[0] === 0x60) {
      const ui = this.#initiateSpan(a);
      if (ui === undefined) return undefined;
      a = a.subarray(ui.start, ui.end);
    }
    if (!isCipheredApduTag(a[0]!)) return undefined;
    try {
      return decodeCipheredApdu(a).invocationCounter;
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      return undefined;
    }
  }

  /** Span of a ciphered InitiateRequest in an AARQ's user-information (BE L 04 L 21 …). */
  #initiateSpan(aarq: Uint8Array): { start: number; end: number } | undefined {
    for (let i = aarq.length - 6; i > 1; i--) {
      if (aarq[i] !== 0xbe || aarq[i + 2] !== 0x04 || aarq[i + 4] !== 0x21) continue;
      if (aarq[i + 1] !== aarq[i + 3]! + 2 || i + 2 + aarq[i + 1]! !== aarq.length) continue;
      return { start: i + 4, end: aarq.length };
    }
    return undefined;
  }

  #entry(): DlmsKeyEntry | undefined {
    const k = this.#o.keys;
    return (
      (this.#clientTitle === undefined ? undefined : k.dlmsKeys(this.#clientTitle)) ??
      (this.#serverTitle === undefined ? undefined : k.dlmsKeys(this.#serverTitle)) ??
      k.onlyDlmsEntry()
    );
  }

  #context(): SecurityContext | undefined {
    const e = this.#entry();
    if (e?.ek === undefined || this.#clientTitle === undefined) return undefined;
    return new SecurityContext({
      suite: this.#suite,
      systemTitle: this.#clientTitle,
      peerSystemTitle: this.#serverTitle,
      globalUnicastEncryptionKey: e.ek,
      authenticationKey: e.ak,
      dedicatedKey: this.#dedicatedKey,
      replay: false,
    });
  }

  #takeIc(): number {
    const ic = this.#nextIc ?? 1;
    this.#nextIc = (ic + 1) >>> 0;
    return ic;
  }

  /** The message to send for a captured client message (a copy). */
  adapt(captured: Uint8Array): Uint8Array {
    const out = captured.slice();
    const s = locate(out);
    if (s === undefined) return out;
    const apdu = out.subarray(s.start, s.end);
    const changed = this.#adaptApdu(apdu);
    if (changed && s.kind === 'hdlc') fixFcs(out);
    return out;
  }

  /** Rewrites `apdu` in place; true when something changed. */
  #adaptApdu(apdu: Uint8Array): boolean {
    const tag = apdu[0]!;
    if (tag === 0x60) return this.#adaptAarq(apdu);
    if (isCipheredApduTag(tag)) return this.#recipher(apdu);
    return this.#adaptPlain(apdu);
  }

  #adaptPlain(apdu: Uint8Array): boolean {
    let changed = false;
    if (this.#o.hls && this.#isHlsReply(apdu)) changed = this.#answerChallenge(apdu);
    if (this.#o.invokeIdShift !== 0 && REQUEST_TAGS.has(apdu[0]!) && apdu.length > 2) {
      const iip = apdu[2]!;
      apdu[2] = (iip & 0xf0) | (((iip & 0x0f) + this.#o.invokeIdShift) & 0x0f);
      this.counts.invokeIds++;
      changed = true;
    }
    return changed;
  }

  #adaptAarq(apdu: Uint8Array): boolean {
    try {
      const a = decodeApdu(apdu);
      if (a.type === 'aarq') {
        this.#clientTitle = a.callingApTitle;
        const m = a.mechanismName;
        this.#mechanism = m?.startsWith(MECHANISM_PREFIX)
          ? Number(m.slice(MECHANISM_PREFIX.length))
          : undefined;
        this.#ctos = challengeOf(a.callingAuthenticationValue);
        this.#stoc = undefined;
      }
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      return false;
    }
    const ui = this.#initiateSpan(apdu);
    if (ui === undefined) return false;
    return this.#recipher(apdu.subarray(ui.start, ui.end));
  }

  /** Deciphers `ciphered` with its captured IC and enciphers it again with a fresh one, in place. */
  #recipher(ciphered: Uint8Array): boolean {
    if (!this.#o.reCipher) return false;
    const form = formOf(ciphered[0]!);
    if (form === undefined) {
      this.problems.add(
        `ciphered APDU tag 0x${ciphered[0]!.toString(16)} is not re-ciphered (glo- and general-glo only)`,
      );
      this.counts.skipped++;
      return false;
    }
    let env: ReturnType<typeof decodeCipheredApdu>;
    try {
      env = decodeCipheredApdu(ciphered);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      return false;
    }
    this.#suite = (env.securityControl.suite <= 2 ? env.securityControl.suite : 0) as SecuritySuiteId;
    const sender =
      env.type === 'general-glo-ciphering' || env.type === 'general-ded-ciphering'
        ? env.systemTitle
        : undefined;
    if (sender !== undefined && sender.length === 8 && this.#clientTitle === undefined)
      this.#clientTitle = sender;
    const ctx = this.#context();
    if (ctx === undefined) {
      this.problems.add('no EK for the client system title in the keyring: ciphered APDUs sent as captured');
      this.counts.skipped++;
      return false;
    }
    try {
      const d = decipherApdu(ctx, ciphered, { replayCheck: false, senderSystemTitle: this.#clientTitle });
      if (d.protection === 'none') return false;
      const plain = d.plaintext.slice();
      const dedicated = dedicatedKeyOf(plain);
      if (dedicated !== undefined) this.#dedicatedKey = dedicated;
      this.#adaptPlain(plain);
      const fresh = cipherApdu(ctx, plain, {
        form,
        protection: d.protection,
        broadcast: env.securityControl.broadcastKey,
        invocationCounter: this.#takeIc(),
      });
      if (fresh.length !== ciphered.length) {
        this.problems.add('a re-ciphered APDU changed length: sent as captured');
        return false;
      }
      ciphered.set(fresh);
      this.counts.reciphered++;
      return true;
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      this.problems.add(`cannot re-cipher a captured APDU: ${e.message}`);
      this.counts.skipped++;
      return false;
    }
  }

  #isHlsReply(p: Uint8Array): boolean {
    // action-request-normal, Association LN (class 15) method 1 reply_to_HLS_authentication, octet-string
    return (
      p.length > 17 &&
      p[0] === 0xc3 &&
      p[1] === 0x01 &&
      p[3] === 0x00 &&
      p[4] === 0x0f &&
      p[11] === 0x01 &&
      p[12] === 0x01 &&
      p[13] === 0x09
    );
  }

  /** Mechanism 7: the client's ECDSA private key from the keyring (suite 1 for P-256, 2 for P-384). */
  #ecdsaSecrets(): HlsSecrets | undefined {
    const key =
      this.#clientTitle === undefined ? undefined : this.#o.keys.dlmsKeys(this.#clientTitle)?.signingKey;
    if (key === undefined) return undefined;
    const suite = key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 2 : 1;
    return {
      context: new SecurityContext({
        suite,
        systemTitle: this.#clientTitle,
        peerSystemTitle: this.#serverTitle,
        signingKey: key,
        replay: false,
      }),
    };
  }

  /** Replaces f(StoC) in a reply_to_HLS_authentication request with the answer to the DUT's challenge. */
  #answerChallenge(p: Uint8Array): boolean {
    const len = p[14]!;
    if (len >= 0x80 || 15 + len !== p.length) return false;
    const m = this.#mechanism;
    if (m === undefined || m < 2 || m > 7 || this.#ctos === undefined || this.#stoc === undefined) {
      this.problems.add('no HLS challenge from the device under test: f(StoC) sent as captured');
      return false;
    }
    let secrets: HlsSecrets | undefined;
    if (m === 7) secrets = this.#ecdsaSecrets();
    else if (m === 5) {
      const ctx = this.#context();
      secrets = ctx === undefined ? undefined : { context: ctx, invocationCounter: this.#takeIc() };
    } else {
      const secret = (this.#entry() ?? this.#o.keys.onlyHlsSecretEntry())?.hlsSecret;
      secrets = secret === undefined ? undefined : { secret };
    }
    if (secrets === undefined) {
      this.problems.add(
        m === 7
          ? "HLS mechanism 7 needs the client's signingKey in the keyring: f(StoC) sent as captured"
          : `no keys for HLS mechanism ${m} in the keyring: f(StoC) sent as captured`,
      );
      return false;
    }
    try {
      const f = clientHlsResponse(
        {
          mechanism: m as HlsMechanism,
          clientToServerChallenge: this.#ctos,
          serverToClientChallenge: this.#stoc,
          clientSystemTitle: this.#clientTitle,
          serverSystemTitle: this.#serverTitle,
        },
        secrets,
      );
      if (f.length !== len) {
        this.problems.add('f(StoC) for the new challenge has another length: sent as captured');
        return false;
      }
      p.set(f, 15);
      this.counts.hlsResponses++;
      return true;
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      this.problems.add(`cannot compute f(StoC): ${e.message}`);
      return false;
    }
  }

  /** Learns from the device's answers: its system title and HLS challenge (AARE). */
  observe(received: readonly Uint8Array[]): void {
    for (const r of received) {
      const s = locate(r);
      if (s === undefined || r[s.start] !== 0x61) continue;
      try {
        const a = decodeApdu(r.subarray(s.start, s.end));
        if (a.type !== 'aare') continue;
        if (a.respondingApTitle !== undefined) this.#serverTitle = a.respondingApTitle;
        this.#stoc = challengeOf(a.respondingAuthenticationValue);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
      }
    }
  }
}
