/**
 * The client side of a COSEM application association as a sans-IO state machine (IEC 62056-5-3
 * §9.4, DLMS UA 1000-2 §9.4.2): AARQ → AARE with no security (mechanism 0), LLS (1) or HLS (2–7);
 * HLS passes 3 and 4 through reply_to_HLS_authentication: an ACTION on Association LN (class 15
 * method 1 on 0-0:40.0.0.255), or with short-name referencing a READ with parameterized-access of
 * the Association SN method's short name (class 12 method 8, 0xFA58); ciphered associations (suites 0–2) with the InitiateRequest in
 * glo-initiate-request and an optional dedicated key; negotiated conformance and PDU size; release
 * with RLRQ/RLRE; logical-name or short-name referencing.
 *
 * The association only makes and checks bytes: `aarq()` gives the AARQ to send, `receiveAare()`
 * checks the answer, `hlsServiceRequest()` / `receiveHlsResult()` finish HLS in either referencing, `protect()` and
 * `unprotect()` cipher and decipher xDLMS APDUs with the association's security, and `rlrq()` /
 * `receiveRlre()` release it.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { type Aare, AssociationResult, acseDiagnosticName } from '../acse/aare.js';
import { decodeAcseApdu, encodeAcseApdu } from '../acse/acse-apdu.js';
import type { Conformance, ConformanceBit } from '../acse/conformance.js';
import { encodeInitiateRequest, type InitiateResponse } from '../acse/initiate.js';
import { applicationContextNameFor, mechanismNameFor } from '../acse/names.js';
import { decodeAcseUserInformation } from '../acse/user-information.js';
import type { ActionResponseWithOptionalData } from '../apdu/action.js';
import type { GetDataResult } from '../apdu/common.js';
import { ASSOCIATION_SN_BASE_NAME, firstMethodOffset } from '../cosem/short-names.js';
import { DlmsErrorCode } from '../errors.js';
import { serviceSpecificTagFor } from '../security/ciphered-tags.js';
import {
  type CipheringForm,
  cipherApdu,
  decipherApdu,
  type GeneralCipheringKeyInfo,
} from '../security/ciphering.js';
import { DlmsSecurityErrorCode } from '../security/errors.js';
import {
  clientHlsResponse,
  generateChallenge,
  type HlsExchange,
  type HlsMechanism,
  verifyServerHlsResponse,
} from '../security/hls.js';
import { ASSOCIATION_LN_CLASS_ID, REPLY_TO_HLS_AUTHENTICATION } from '../security/hls-action.js';
import type { SecurityContext } from '../security/security-context.js';
import { DlmsClientErrorCode } from './errors.js';
import type { MethodReference, ServiceRequest, ServiceResult, ShortNameReference } from './services.js';

/** Class id of Association SN (IEC 62056-6-2 §4.4.3). */
const ASSOCIATION_SN_CLASS_ID = 12;
/** reply_to_HLS_authentication is method 8 of Association SN (IEC 62056-6-2 §4.4.3). */
const SN_REPLY_TO_HLS_AUTHENTICATION = 8;

/**
 * Short name of reply_to_HLS_authentication of the current Association SN (IEC 62056-6-2 §4.4.3,
 * §4.1.3): base name 0xFA00 plus the class's first-method offset plus 8 per method before it.
 */
export const SN_REPLY_TO_HLS_AUTHENTICATION_NAME =
  ASSOCIATION_SN_BASE_NAME +
  firstMethodOffset(ASSOCIATION_SN_CLASS_ID, []) +
  8 * (SN_REPLY_TO_HLS_AUTHENTICATION - 1);

/** How the client authenticates (IEC 62056-5-3 §9.2.2, mechanism ids 0–7). */
export type ClientAuthentication =
  | { readonly mechanism: 0 | 'none' }
  /** LLS: the password (text or octets). Never printed. */
  | { readonly mechanism: 1 | 'low'; readonly password: string | Uint8Array }
  /** HLS 2, 3, 4, 6: the shared HLS secret. Never printed. */
  | {
      readonly mechanism: 2 | 3 | 4 | 6;
      readonly secret: string | Uint8Array;
      readonly challengeLength?: number;
    }
  /** HLS 5 (GMAC) and 7 (ECDSA): the keys come from the security context. */
  | { readonly mechanism: 5 | 7; readonly challengeLength?: number };

/** The ciphering of a secured association (IEC 62056-5-3 §9.2.7). */
export interface ClientSecurity {
  /** Keys, system titles, invocation counters (suite 0, 1 or 2). */
  readonly context: SecurityContext;
  /**
   * How xDLMS APDUs are protected: `'glo'` / `'ded'` (service-specific), `'general-glo'`,
   * `'general-ded'`, `'general-ciphering'` (IEC 62056-5-3 §9.2.7.2.4; the key named by `keyInfo`).
   * Default `'glo'`. `'ded'` and `'general-ded'` need a dedicated key.
   */
  readonly form?: CipheringForm;
  /**
   * With `form: 'general-ciphering'`: how each request names its key (IEC 62056-5-3 §8.2 Key-Info).
   * `'identified-key'` (default) uses the global unicast key; `'wrapped-key'` a fresh key wrapped
   * with the context's master key (KEK); `'one-pass-diffie-hellman'` a key agreed with the
   * server's static key-agreement key (`peerKeyAgreementKey`, suites 1 and 2; signed with
   * `signingKey` when set); `'static-unified-model'` a key agreed from both static keys.
   */
  readonly keyInfo?: Exclude<GeneralCipheringKeyInfo, 'none'>;
  /** Default `'authenticated-encrypted'`. */
  readonly protection?: 'authenticated-encrypted' | 'authenticated' | 'encrypted';
  /**
   * The dedicated key sent in the (ciphered) InitiateRequest; `true` makes a fresh random key of
   * the suite's length. Installed into the context once the association is accepted.
   */
  readonly dedicatedKey?: Uint8Array | true;
}

/** Options of an association (IEC 62056-5-3 §9.4.2). */
export interface AssociationOptions {
  /** Default `'logical-name'`. */
  readonly referencing?: 'logical-name' | 'short-name';
  /** Default no authentication (public client). */
  readonly authentication?: ClientAuthentication;
  /** Ciphered association; omitted: plain APDUs. */
  readonly security?: ClientSecurity;
  /** proposed-conformance (default: `defaultConformance(referencing)`). */
  readonly conformance?: Conformance;
  /** client-max-receive-pdu-size (default 65535). */
  readonly maxReceivePduSize?: number;
  /** calling-AE-invocation-id: the client user id (IEC 62056-5-3 §9.4.2.2.4), when the meter wants one. */
  readonly userId?: number;
  /** Ask the server for HLS pass 4 (its f(CtoS)) and verify it; default true. */
  readonly verifyServer?: boolean;
  /**
   * The client system title (8 octets) sent as calling-AP-title when the association is not
   * ciphered: HLS mechanism 6 (SHA-256) hashes both system titles (IEC 62056-5-3 §9.2.2.2,
   * §9.2.4.8.2). A ciphered association takes it from its security context.
   */
  readonly systemTitle?: Uint8Array;
}

/** Association state (IEC 62056-5-3 §9.4.1). */
export type AssociationState =
  | 'idle'
  | 'awaiting-aare'
  | 'awaiting-hls'
  | 'associated'
  | 'releasing'
  | 'released'
  | 'failed';

/** What was negotiated (IEC 62056-5-3 §9.4.2.2: InitiateResponse). */
export interface NegotiatedParameters {
  readonly conformance: Conformance;
  /** server-max-receive-pdu-size: the longest APDU we may send (0 or absent means no limit: 65535). */
  readonly serverMaxReceivePduSize: number;
  readonly dlmsVersion: number;
  /** vaa-name: 0x0007 for LN, 0xFA00 for SN. */
  readonly vaaName: number;
  /** The server's system title (responding-AP-title), when given. */
  readonly serverSystemTitle: Uint8Array | undefined;
}

/** The result of `receiveAare`. */
export type AareOutcome =
  | { readonly type: 'associated'; readonly negotiated: NegotiatedParameters }
  /** HLS: send `hlsRequest()` as an ACTION and pass the answer to `receiveHlsResponse()`. */
  | { readonly type: 'hls-pending'; readonly negotiated: NegotiatedParameters };

const LN_CONFORMANCE: readonly ConformanceBit[] = [
  'general-protection',
  'general-block-transfer',
  'attribute0-supported-with-set',
  'priority-mgmt-supported',
  'attribute0-supported-with-get',
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'block-transfer-with-action',
  'multiple-references',
  'data-notification',
  'access',
  'get',
  'set',
  'selective-access',
  'event-notification',
  'action',
];

const SN_CONFORMANCE: readonly ConformanceBit[] = [
  'read',
  'write',
  'unconfirmed-write',
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'multiple-references',
  'information-report',
  'parameterized-access',
];

/** The conformance a client proposes by default for each referencing (IEC 62056-5-3 §8.2). */
export function defaultConformance(referencing: 'logical-name' | 'short-name'): Conformance {
  return referencing === 'logical-name' ? LN_CONFORMANCE : SN_CONFORMANCE;
}

function mechanismId(a: ClientAuthentication): number {
  const m = a.mechanism;
  return m === 'none' ? 0 : m === 'low' ? 1 : m;
}

function bytesOf(v: string | Uint8Array): Uint8Array {
  return typeof v === 'string' ? new TextEncoder().encode(v) : v;
}

/** A client application association (see the module comment). IEC 62056-5-3 §9.4. */
export class ClientAssociation {
  private readonly options: AssociationOptions;
  private readonly referencing: 'logical-name' | 'short-name';
  private readonly auth: ClientAuthentication;
  private readonly mechanism: number;
  private ctos: Uint8Array | undefined;
  private stoc: Uint8Array | undefined;
  /** The server system title from the AARE responding-AP-title (HLS mechanisms 5–7). */
  private serverSystemTitle: Uint8Array | undefined;
  private dedicatedKey: Uint8Array | undefined;
  private negotiatedParameters: NegotiatedParameters | undefined;
  /** Current state. */
  state: AssociationState = 'idle';

  constructor(options: AssociationOptions = {}) {
    this.options = options;
    this.referencing = options.referencing ?? 'logical-name';
    this.auth = options.authentication ?? { mechanism: 0 };
    this.mechanism = mechanismId(this.auth);
    if (this.mechanism < 0 || this.mechanism > 7 || !Number.isInteger(this.mechanism))
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `authentication mechanism ${this.mechanism} is not 0..7`,
      );
    if ((this.mechanism === 5 || this.mechanism === 7) && options.security === undefined)
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `HLS mechanism ${this.mechanism} needs a security context (security.context)`,
      );
    const max = options.maxReceivePduSize ?? 65535;
    if (!Number.isInteger(max) || max < 12 || max > 65535)
      throw new MeterkitError(ErrorCode.InvalidArgument, `maxReceivePduSize ${max} is not 12..65535`);
  }

  /** The negotiated parameters once the AARE was accepted. */
  get negotiated(): NegotiatedParameters | undefined {
    return this.negotiatedParameters;
  }

  /** True when xDLMS APDUs are ciphered in this association. */
  get ciphered(): boolean {
    return this.options.security !== undefined;
  }

  /**
   * The most octets the protection adds to an APDU (IEC 62056-5-3 §9.2.7.2.4): envelope tag and
   * length, security header, tag, and for the general forms the system titles and key-info.
   */
  get protectionOverhead(): number {
    const sec = this.options.security;
    if (sec === undefined) return 0;
    const form = sec.form ?? 'glo';
    // tag, length (up to 3), SC, IC (4), authentication tag (12)
    const base = 21;
    if (form !== 'general-ciphering') return form === 'glo' || form === 'ded' ? base : base + 9;
    const suite = sec.context.suite;
    // transaction-id, originator and recipient system titles (each 1 + 8), empty date-time and other-information
    const info = 29;
    const keyInfo =
      sec.keyInfo === 'wrapped-key'
        ? 5 + suite.keyLength + 8
        : sec.keyInfo === 'one-pass-diffie-hellman'
          ? 6 + 2 * suite.coordinateLength + suite.signatureLength
          : 6;
    return base + info + keyInfo;
  }

  /** The security context, when ciphered. */
  get securityContext(): SecurityContext | undefined {
    return this.options.security?.context;
  }

  /** Logical-name or short-name referencing. */
  get referencingMode(): 'logical-name' | 'short-name' {
    return this.referencing;
  }

  /** The AARQ to send (IEC 62056-5-3 §9.4.2.2.2). Moves to `awaiting-aare`. */
  aarq(): Uint8Array {
    if (this.state === 'associated' || this.state === 'awaiting-hls' || this.state === 'releasing')
      throw new MeterkitError(ErrorCode.InvalidState, `cannot send an AARQ while ${this.state}`);
    const sec = this.options.security;
    const ctx = sec?.context;
    if (ctx !== undefined && ctx.systemTitle === undefined)
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        'a ciphered association needs the client system title',
      );
    const callingApTitle = ctx?.systemTitle ?? this.options.systemTitle;
    if (this.mechanism === 6 && callingApTitle?.length !== 8)
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        'HLS mechanism 6 needs the 8-octet client system title (systemTitle, or the security context)',
      );
    if (sec?.dedicatedKey !== undefined) {
      this.dedicatedKey =
        sec.dedicatedKey === true ? generateChallenge(ctx!.suite.keyLength) : sec.dedicatedKey;
    }
    const initiate = encodeInitiateRequest({
      dedicatedKey: this.dedicatedKey,
      proposedDlmsVersionNumber: 6,
      proposedConformance: this.options.conformance ?? defaultConformance(this.referencing),
      clientMaxReceivePduSize: this.options.maxReceivePduSize ?? 65535,
    });
    const userInfo =
      ctx !== undefined
        ? cipherApdu(ctx, initiate, { form: 'glo', protection: 'authenticated-encrypted' })
        : initiate;
    let authValue: Uint8Array | undefined;
    if (this.mechanism === 1) authValue = bytesOf((this.auth as { password: string | Uint8Array }).password);
    else if (this.mechanism >= 2) {
      const len = (this.auth as { challengeLength?: number }).challengeLength ?? 16;
      this.ctos = generateChallenge(len);
      authValue = this.ctos;
    }
    const bytes = encodeAcseApdu({
      type: 'aarq',
      applicationContextName: applicationContextNameFor(this.referencing, ctx !== undefined),
      callingApTitle,
      callingAeInvocationId: this.options.userId,
      senderAcseRequirements: this.mechanism > 0 ? { bytes: Uint8Array.of(0x80), unusedBits: 7 } : undefined,
      mechanismName: this.mechanism > 0 ? mechanismNameFor(this.mechanism) : undefined,
      callingAuthenticationValue:
        authValue !== undefined ? { type: 'charstring', value: authValue } : undefined,
      userInformation: { type: 'other', content: userInfo },
    });
    this.state = 'awaiting-aare';
    return bytes;
  }

  /**
   * Checks the AARE (IEC 62056-5-3 §9.4.2.2.3). Throws `AssociationRejected` (424) with the
   * diagnostic and a hint, `ConfirmedServiceError` (420) when the InitiateRequest was refused.
   */
  receiveAare(bytes: Uint8Array): AareOutcome {
    if (this.state !== 'awaiting-aare')
      throw new MeterkitError(ErrorCode.InvalidState, `an AARE is not expected while ${this.state}`);
    let aare: Aare;
    try {
      const apdu = decodeAcseApdu(bytes);
      if (apdu.type !== 'aare')
        throw new MeterkitError(DlmsClientErrorCode.UnexpectedResponse, `expected an AARE, got ${apdu.type}`);
      aare = apdu;
    } catch (e) {
      this.state = 'failed';
      throw e;
    }
    const ctx = this.options.security?.context;
    let ui = aare.userInformation;
    try {
      if (ui?.type === 'ciphered') {
        if (ctx === undefined)
          throw new MeterkitError(
            DlmsClientErrorCode.UnexpectedResponse,
            'the AARE is ciphered but the association is not',
          );
        if (aare.respondingApTitle !== undefined) ctx.peerSystemTitle = aare.respondingApTitle;
        const d = decipherApdu(ctx, ui.apdu.raw, { direction: 'response' });
        ui = decodeAcseUserInformation(d.plaintext, 0, 'aare.user-information');
      }
    } catch (e) {
      this.state = 'failed';
      throw e;
    }
    const result = Number(aare.result);
    if (result !== AssociationResult.Accepted) {
      this.state = 'failed';
      const diag =
        acseDiagnosticName(aare.resultSourceDiagnostic) ?? String(aare.resultSourceDiagnostic.value);
      let detail = '';
      if (ui?.type === 'confirmed-service-error')
        detail = ` (InitiateRequest refused: service error ${ui.error}/${ui.value}: check the conformance, the DLMS version and the PDU size)`;
      throw new MeterkitError(
        DlmsErrorCode.AssociationRejected,
        `the association was rejected (${result === 1 ? 'permanent' : 'transient'}): ${diag}${detail}${hintFor(aare.resultSourceDiagnostic.value)}`,
      );
    }
    if (ui?.type !== 'initiate-response') {
      this.state = 'failed';
      throw new MeterkitError(
        DlmsClientErrorCode.UnexpectedResponse,
        `the AARE user-information holds ${ui?.type ?? 'nothing'}, not an InitiateResponse`,
      );
    }
    const ir: InitiateResponse = ui;
    this.negotiatedParameters = {
      conformance: ir.negotiatedConformance,
      serverMaxReceivePduSize: ir.serverMaxReceivePduSize === 0 ? 65535 : ir.serverMaxReceivePduSize,
      dlmsVersion: ir.negotiatedDlmsVersionNumber,
      vaaName: ir.vaaName,
      serverSystemTitle: aare.respondingApTitle,
    };
    this.serverSystemTitle = aare.respondingApTitle;
    if (ctx !== undefined && aare.respondingApTitle !== undefined)
      ctx.peerSystemTitle = aare.respondingApTitle;
    if (this.dedicatedKey !== undefined) ctx!.setKey('dedicated-key', this.dedicatedKey);
    if (this.mechanism >= 2) {
      const v = aare.respondingAuthenticationValue;
      if (v === undefined || (v.type !== 'charstring' && v.type !== 'other')) {
        this.state = 'failed';
        throw new MeterkitError(
          DlmsErrorCode.HlsAuthenticationFailed,
          'the AARE has no server challenge (responding-authentication-value) for HLS',
        );
      }
      this.stoc = v.value;
      this.state = 'awaiting-hls';
      return { type: 'hls-pending', negotiated: this.negotiatedParameters };
    }
    this.state = 'associated';
    return { type: 'associated', negotiated: this.negotiatedParameters };
  }

  /**
   * HLS pass 3 in logical-name referencing: the ACTION reply_to_HLS_authentication carrying
   * f(StoC) (IEC 62056-5-3 §9.2.2.2). A short-name association uses `hlsShortNameRequest()`.
   */
  hlsRequest(): MethodReference {
    if (this.state !== 'awaiting-hls')
      throw new MeterkitError(ErrorCode.InvalidState, `no HLS exchange is pending (${this.state})`);
    if (this.referencing === 'short-name')
      throw new MeterkitError(
        ErrorCode.InvalidState,
        'a short-name association has no Association LN: use hlsShortNameRequest() (a READ of 0xFA58)',
      );
    const response = clientHlsResponse(this.exchange(), this.secrets());
    return {
      classId: ASSOCIATION_LN_CLASS_ID,
      instanceId: '0-0:40.0.0.255',
      methodId: REPLY_TO_HLS_AUTHENTICATION,
      parameters: { type: 'octet-string', value: response },
    };
  }

  /**
   * HLS pass 3 in short-name referencing (IEC 62056-5-3 §9.2.2.2, §9.3.13): the READ with
   * parameterized-access (selector 0) of Association SN's reply_to_HLS_authentication
   * (0xFA58) whose parameter is f(StoC); the READ answer carries f(CtoS).
   */
  hlsShortNameRequest(): ShortNameReference {
    if (this.state !== 'awaiting-hls')
      throw new MeterkitError(ErrorCode.InvalidState, `no HLS exchange is pending (${this.state})`);
    const response = clientHlsResponse(this.exchange(), this.secrets());
    return {
      variableName: SN_REPLY_TO_HLS_AUTHENTICATION_NAME,
      selector: 0,
      parameter: { type: 'octet-string', value: response },
    };
  }

  /**
   * HLS pass 3 as a service request for this association's referencing: an ACTION on Association
   * LN, or a READ of Association SN's method (IEC 62056-5-3 §9.2.2.2).
   */
  hlsServiceRequest(): ServiceRequest {
    return this.referencing === 'short-name'
      ? { type: 'read', items: [this.hlsShortNameRequest()] }
      : { type: 'action', items: [this.hlsRequest()] };
  }

  /**
   * HLS pass 4 from the result of `hlsServiceRequest()`: the ACTION response, or the READ result
   * (data: f(CtoS); data-access-result: refused). Throws `HlsAuthenticationFailed` (324).
   */
  receiveHlsResult(result: ServiceResult): void {
    if (result.type === 'action') {
      this.receiveHlsResponse(result.results[0] ?? { result: 'other-reason', returnParameters: null });
      return;
    }
    if (result.type === 'read') {
      this.receiveHlsReadResult(result.results[0] ?? { type: 'data-access-result', result: 'other-reason' });
      return;
    }
    this.state = 'failed';
    throw new MeterkitError(
      DlmsClientErrorCode.UnexpectedResponse,
      `HLS pass 4 came as a ${result.type} result, not an ACTION or READ`,
    );
  }

  /**
   * HLS pass 4 in short-name referencing: the READ result of 0xFA58 (IEC 62056-5-3 §9.2.2.2).
   * Throws `HlsAuthenticationFailed` (324) when it is a data-access-result or f(CtoS) does not verify.
   */
  receiveHlsReadResult(result: GetDataResult): void {
    this.receiveHlsResponse(
      result.type === 'data'
        ? {
            result: 'success',
            returnParameters: result.data.type === 'null-data' ? null : { type: 'data', data: result.data },
          }
        : { result: result.result, returnParameters: null },
    );
  }

  /**
   * HLS pass 4: checks the server's f(CtoS) in the ACTION response (IEC 62056-5-3 §9.2.2.2).
   * Throws `HlsAuthenticationFailed` (324) when it does not verify or the action failed.
   */
  receiveHlsResponse(response: ActionResponseWithOptionalData): void {
    if (this.state !== 'awaiting-hls')
      throw new MeterkitError(ErrorCode.InvalidState, `no HLS exchange is pending (${this.state})`);
    try {
      if (response.result !== 'success') {
        throw new MeterkitError(
          DlmsErrorCode.HlsAuthenticationFailed,
          `the server refused our HLS response (${String(response.result)}): check the HLS secret or keys and the client address`,
        );
      }
      if (this.options.verifyServer !== false) {
        const rp = response.returnParameters;
        if (rp?.type !== 'data' || rp.data.type !== 'octet-string')
          throw new MeterkitError(DlmsErrorCode.HlsAuthenticationFailed, 'the server did not return f(CtoS)');
        verifyServerHlsResponse(this.exchange(), this.secrets(), rp.data.value);
      }
    } catch (e) {
      this.state = 'failed';
      throw e;
    }
    this.state = 'associated';
  }

  /** Ciphers a plain xDLMS APDU for sending (IEC 62056-5-3 §9.2.7); plain associations return it as is. */
  protect(plain: Uint8Array): Uint8Array {
    const sec = this.options.security;
    if (sec === undefined) return plain;
    const form = sec.form ?? 'glo';
    if ((form === 'glo' || form === 'ded') && serviceSpecificTagFor(plain[0] ?? 0, form) === undefined)
      return cipherApdu(sec.context, plain, {
        form: form === 'glo' ? 'general-glo' : 'general-ded',
        protection: sec.protection,
      });
    if (form === 'general-ciphering')
      return cipherApdu(sec.context, plain, {
        form,
        protection: sec.protection,
        keyInfo: sec.keyInfo ?? 'identified-key',
      });
    return cipherApdu(sec.context, plain, { form, protection: sec.protection });
  }

  /**
   * Deciphers a received APDU when it is ciphered (IEC 62056-5-3 §9.2.7); a plain APDU in a
   * ciphered association is accepted only for exception-response and confirmed-service-error.
   */
  unprotect(bytes: Uint8Array): Uint8Array {
    const ctx = this.options.security?.context;
    const tag = bytes[0] ?? 0;
    const ciphered = isCiphered(tag);
    if (!ciphered) {
      if (ctx !== undefined && tag !== 0xd8 && tag !== 0x0e && tag !== 0x63 && tag !== 0x61)
        throw new MeterkitError(
          DlmsSecurityErrorCode.SecurityPolicyViolation,
          `the server answered a ciphered association with a plain APDU (tag 0x${tag.toString(16)})`,
        );
      return bytes;
    }
    if (ctx === undefined)
      throw new MeterkitError(
        DlmsClientErrorCode.UnexpectedResponse,
        'the server sent a ciphered APDU but the association has no security context',
      );
    return decipherApdu(ctx, bytes, { direction: 'response' }).plaintext;
  }

  /** The RLRQ to send (IEC 62056-5-3 §9.4.4). */
  rlrq(): Uint8Array {
    if (this.state !== 'associated' && this.state !== 'awaiting-hls')
      throw new MeterkitError(ErrorCode.InvalidState, `cannot release while ${this.state}`);
    this.state = 'releasing';
    return encodeAcseApdu({ type: 'rlrq', reason: 0 });
  }

  /** Checks the RLRE (IEC 62056-5-3 §9.4.4). Throws `ReleaseRefused` (431) when not normal. */
  receiveRlre(bytes: Uint8Array): void {
    if (this.state !== 'releasing')
      throw new MeterkitError(ErrorCode.InvalidState, `an RLRE is not expected while ${this.state}`);
    const apdu = decodeAcseApdu(bytes);
    if (apdu.type !== 'rlre')
      throw new MeterkitError(DlmsClientErrorCode.UnexpectedResponse, `expected an RLRE, got ${apdu.type}`);
    if (apdu.reason !== undefined && Number(apdu.reason) !== 0) {
      this.state = 'associated';
      throw new MeterkitError(
        DlmsClientErrorCode.ReleaseRefused,
        `the server did not release (reason ${apdu.reason})`,
      );
    }
    this.released();
  }

  /** Marks the association gone (link dropped, or released at the link layer). */
  released(): void {
    this.state = 'released';
    if (this.dedicatedKey !== undefined) this.options.security?.context.removeKey('dedicated-key');
    this.negotiatedParameters = undefined;
  }

  private exchange(): HlsExchange {
    const own = this.options.security?.context.systemTitle ?? this.options.systemTitle;
    return {
      mechanism: this.mechanism as HlsMechanism,
      clientToServerChallenge: this.ctos!,
      serverToClientChallenge: this.stoc!,
      ...(own !== undefined ? { clientSystemTitle: own } : {}),
      ...(this.serverSystemTitle !== undefined ? { serverSystemTitle: this.serverSystemTitle } : {}),
    };
  }

  private secrets(): { secret?: Uint8Array; context?: SecurityContext } {
    const a = this.auth as { secret?: string | Uint8Array };
    return {
      ...(a.secret !== undefined ? { secret: bytesOf(a.secret) } : {}),
      ...(this.options.security !== undefined ? { context: this.options.security.context } : {}),
    };
  }

  /** Printed form (util.inspect) without secrets. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ClientAssociation ${JSON.stringify(this.toJSON())}`;
  }

  /** JSON form without secrets. */
  toJSON(): Record<string, unknown> {
    return {
      state: this.state,
      referencing: this.referencing,
      mechanism: this.mechanism,
      ciphered: this.ciphered,
    };
  }
}

function isCiphered(tag: number): boolean {
  return (
    (tag >= 0x21 && tag <= 0x58) ||
    (tag >= 0xc8 && tag <= 0xd7) ||
    tag === 0xdb ||
    tag === 0xdc ||
    tag === 0xdd
  );
}

function hintFor(diagnostic: number): string {
  switch (diagnostic) {
    case 2:
      return ': try the other referencing (--referencing ln|sn) or ciphering';
    case 11:
    case 12:
    case 13:
    case 14:
      return ': check the client address (public client 16 has no password), the password/secret and the mechanism';
    default:
      return '';
  }
}
