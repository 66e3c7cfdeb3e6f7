/**
 * The server side of one DLMS/COSEM association as a sans-IO state machine (IEC 62056-5-3 §9.4:
 * ACSE association establishment and release; §9.3: the xDLMS GET, SET and ACTION services with
 * block transfer; §9.2: ciphering and HLS). APDU bytes go in, response APDU bytes come out; the
 * transport (wrapper, HDLC) only moves them.
 *
 * - AARQ → AARE: LN or SN application contexts, with or without ciphering; mechanisms 0 (none), 1 (LLS)
 *   and 2–7 (HLS: the AARE carries the server challenge and the association stays pending until
 *   reply_to_HLS_authentication verifies f(StoC) and returns f(CtoS)); the conformance block is the
 *   intersection of the client's and the server's; client-max-receive-pdu-size limits every answer.
 *   Refusals carry the standard's diagnostics (application-context-name-not-supported,
 *   authentication-mechanism-name-not-recognised, authentication-failure) or a
 *   confirmed-service-error (dlms-version-too-low, incompatible-conformance, pdu-size-too-short).
 * - GET normal/next/with-list, answered with get-response-with-datablock when the value does not
 *   fit the client's PDU size; SET normal/with-list and with datablocks; ACTION normal/with-list and
 *   with pblocks (long return data goes back in action-response-with-pblock); attribute 0 (all
 *   attributes as one structure); general-block-transfer in both directions (windows from the
 *   association's `gbtWindow` and the client's acknowledgements, streaming).
 * - Short-name associations (§9.3.13–§9.3.15): READ (attributes, selective access through
 *   parameterized-access, methods with return data; data-block-result blocks), WRITE and
 *   UNCONFIRMED-WRITE on base names; Association SN at 0xFA00 with reply_to_HLS_authentication.
 * - Ciphered associations (suites 0–2) accept glo-, ded-, general-glo/ded- and general-ciphered
 *   requests and answer in the same form; `authenticated-*` access modes need a request whose tag verified.
 * - RLRQ → RLRE. Anything else, or anything malformed, gets an exception-response; the session
 *   never throws on input.
 */
import { ErrorCode, isMeterkitError, MeterkitError, Reader, Writer } from '@meterkit/core';
import { type AareInput, AcseServiceUserDiagnostic, AssociationResult } from '../acse/aare.js';
import type { Aarq } from '../acse/aarq.js';
import { decodeAcseApdu, encodeAcseApdu } from '../acse/acse-apdu.js';
import type { Conformance } from '../acse/conformance.js';
import type { AcseDiagnostic } from '../acse/fields.js';
import { encodeInitiateResponse, type InitiateRequest } from '../acse/initiate.js';
import { applicationContextInfo, mechanismInfo, mechanismNameFor } from '../acse/names.js';
import type { Rlrq } from '../acse/release.js';
import { decodeAcseUserInformation } from '../acse/user-information.js';
import type { ActionRequest, ActionResponseWithOptionalData } from '../apdu/action.js';
import {
  type CosemAttributeDescriptor,
  type CosemMethodDescriptor,
  type GetDataResult,
  type InvokeIdAndPriority,
  readDataList,
  type SelectiveAccessDescriptor,
  writeGetDataResult,
} from '../apdu/common.js';
import type { GeneralBlockTransfer } from '../apdu/general-block-transfer.js';
import type { GetRequest } from '../apdu/get.js';
import { decodeApdu, encodeApdu, type XdlmsApdu } from '../apdu/registry.js';
import type { SetRequest } from '../apdu/set.js';
import type {
  ReadRequest,
  ReadResponseItem,
  UnconfirmedWriteRequest,
  VariableAccessSpecification,
  WriteRequest,
  WriteResponseItem,
} from '../apdu/short-name.js';
import { type DlmsData, encodeData, readData } from '../axdr/data.js';
import { ASSOCIATION_SN_BASE_NAME } from '../cosem/short-names.js';
import { isCipheredApduTag } from '../security/ciphered-tags.js';
import { type CipheringForm, cipherApdu, decipherApdu } from '../security/ciphering.js';
import {
  checkChallenge,
  generateChallenge,
  type HlsMechanism,
  serverHlsResponse,
  verifyClientHlsResponse,
} from '../security/hls.js';
import type { SecurityContext } from '../security/security-context.js';
import {
  attributeAccess,
  canInvoke,
  canRead,
  canWrite,
  isVisible,
  methodAccess,
  type ObjectAccess,
} from './access-rights.js';
import type { AssociationConfig } from './association-config.js';
import {
  type AssociationStatus,
  CURRENT_ASSOCIATION,
  CurrentAssociationObject,
} from './association-object.js';
import { CurrentAssociationSnObject } from './association-sn-object.js';
import { type AccessContext, isRefusal, type ServerObject } from './cosem-object.js';
import type { CosemObjectStore } from './object-store.js';
import { forkSecurityContext, syncInvocationCounters } from './security-fork.js';
import type { ShortNameTarget } from './short-names.js';

/** Options of a server session. IEC 62056-5-3 §9.4. */
export interface DlmsServerSessionOptions {
  /** The logical device's objects. */
  readonly store: CosemObjectStore;
  /** The association this client SAP gets (undefined: every AARQ is refused). */
  readonly association: AssociationConfig | undefined;
  /** The client SAP the transport saw. */
  readonly clientSap: number;
  /** The server SAP (logical device address). */
  readonly serverSap: number;
  /** The server's system title (8 octets), sent in the AARE when ciphering or HLS 5–7 is used. */
  readonly systemTitle?: Uint8Array | undefined;
  /** Clock source, ms since the epoch (default `Date.now`). */
  readonly now?: (() => number) | undefined;
  /** Largest request the server accepts after reassembly (default 65535). */
  readonly maxRequestSize?: number | undefined;
}

/** State of a session (IEC 62056-6-2 §4.4.4 association_status). */
export type DlmsServerSessionState = AssociationStatus;

interface Protection {
  /** The ciphered form the request came in, or undefined when plain. */
  readonly form: CipheringForm | undefined;
  readonly authenticated: boolean;
  /** The request came in general-block-transfer blocks. */
  readonly gbt: boolean;
}

interface LongTransfer {
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly payload: Uint8Array;
  readonly chunk: number;
  offset: number;
  blockNumber: number;
  readonly protection: Protection;
}

/**
 * Cuts the next block of a long response (IEC 62056-5-3 §9.3: the services' own block transfer of
 * responses): advances `t` past the block, numbers it and says whether it is the last.
 */
function takeBlock(t: LongTransfer): { readonly rawData: Uint8Array; readonly lastBlock: boolean } {
  const end = Math.min(t.payload.length, t.offset + t.chunk);
  const rawData = t.payload.subarray(t.offset, end);
  t.offset = end;
  t.blockNumber++;
  return { rawData, lastBlock: end >= t.payload.length };
}

interface PendingBlocks {
  readonly kind: 'set' | 'set-list' | 'action';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly descriptors: readonly {
    attribute?: CosemAttributeDescriptor;
    method?: CosemMethodDescriptor;
    selection: SelectiveAccessDescriptor | null;
  }[];
  readonly parts: Uint8Array[];
  size: number;
  blockNumber: number;
}

interface GbtOut {
  readonly blocks: Uint8Array[];
  /** Index of the next block to send. */
  next: number;
  /** Index of the first block of the window sent last (every block before it was acknowledged). */
  acked: number;
  readonly firstNumber: number;
  window: number;
}

const PLAIN: Protection = { form: undefined, authenticated: false, gbt: false };
const HLS_METHOD = 1;
/** reply_to_HLS_authentication of Association SN (IEC 62056-6-2 §4.4.3, method 8). */
const SN_HLS_METHOD = 8;

function pduLimit(n: number): number {
  return n === 0 ? 0xffff : Math.min(n, 0xffff);
}

/** The overhead a ciphered envelope adds: tag, length (≤ 3), SC, IC, tag, and a system title for general forms. */
function cipherOverhead(form: CipheringForm | undefined): number {
  if (form === undefined) return 0;
  return form === 'general-glo' || form === 'general-ded' ? 30 : 21;
}

function formOf(tag: number): CipheringForm {
  if (tag === 0xdb) return 'general-glo';
  if (tag === 0xdc) return 'general-ded';
  if (tag === 0xdd) return 'general-ciphering';
  return (tag >= 0xd0 && tag <= 0xd7) || (tag >= 0x41 && tag <= 0x58) ? 'ded' : 'glo';
}

/** One association's server side (see the module comment). IEC 62056-5-3 §9.4. */
export class DlmsServerSession {
  readonly clientSap: number;
  readonly serverSap: number;
  private readonly store: CosemObjectStore;
  private readonly association: AssociationConfig | undefined;
  private readonly systemTitle: Uint8Array | undefined;
  private readonly now: () => number;
  private readonly maxRequestSize: number;
  private readonly current: CurrentAssociationObject;

  /** Current state. */
  state: DlmsServerSessionState = 'non-associated';
  /** Negotiated conformance (empty until associated). */
  conformance: Conformance = [];
  /** client-max-receive-pdu-size of the AARQ. */
  clientMaxReceivePduSize = 0;
  private applicationContextId = 1;
  private clientToServerChallenge: Uint8Array | undefined;
  private serverToClientChallenge: Uint8Array | undefined;
  private clientSystemTitle: Uint8Array | undefined;
  private longGet: LongTransfer | undefined;
  /** A long READ answer going out in data-block-result blocks (short-name referencing). */
  private longRead: LongTransfer | undefined;
  /** A long ACTION answer going out in action-response-with-pblock blocks. */
  private longAction: LongTransfer | undefined;
  private readonly currentSn: CurrentAssociationSnObject;
  private pending: PendingBlocks | undefined;
  private gbtIn: { parts: Uint8Array[]; size: number; next: number; first: number } | undefined;
  /** The blocks of the last complete GBT request, to recognise them when the client sends them again. */
  private lastGbtRequest: { first: number; parts: Uint8Array[] } | undefined;
  private gbtOut: GbtOut | undefined;
  private gbtBlockNumber = 0;
  /** The client's window for our GBT blocks, from its last block. */
  private pendingWindow = 1;
  /** Number of the client's last GBT block, acknowledged in ours. */
  private lastReceivedBlock = 0;
  /** The security context of the current association (a fork of the association's, see `forkSecurityContext`). */
  private security: SecurityContext | undefined;

  constructor(o: DlmsServerSessionOptions) {
    this.store = o.store;
    this.association = o.association;
    this.clientSap = o.clientSap;
    this.serverSap = o.serverSap;
    this.systemTitle = o.systemTitle;
    this.now = o.now ?? Date.now;
    this.maxRequestSize = o.maxRequestSize ?? 0xffff;
    this.current = new CurrentAssociationObject(this.store, () => ({
      clientSap: this.clientSap,
      serverSap: this.serverSap,
      applicationContextId: this.applicationContextId,
      mechanism: this.association?.mechanism ?? 0,
      conformance: this.conformance,
      serverMaxReceivePduSize: this.association?.maxPduSize ?? 0,
      clientMaxReceivePduSize: this.clientMaxReceivePduSize,
      status: this.state,
      defaultAccess: this.association?.defaultAccess,
    }));
    this.currentSn = new CurrentAssociationSnObject(this.store, (x) =>
      this.store.accessOf(x, this.clientSap, this.association?.defaultAccess),
    );
  }

  private get shortName(): boolean {
    return this.association?.referencing === 'short-name';
  }

  /** True once an association is open (HLS included). */
  get associated(): boolean {
    return this.state === 'associated';
  }

  /** The transport went away: forget the association (IEC 62056-5-3 §9.4.3: abort). */
  abort(): void {
    this.reset();
  }

  private reset(): void {
    this.state = 'non-associated';
    this.conformance = [];
    this.clientToServerChallenge = undefined;
    this.serverToClientChallenge = undefined;
    this.longGet = undefined;
    this.longRead = undefined;
    this.longAction = undefined;
    this.pending = undefined;
    this.gbtIn = undefined;
    this.gbtOut = undefined;
    this.lastGbtRequest = undefined;
    this.gbtBlockNumber = 0;
  }

  /**
   * Handles one APDU from the client and returns the APDUs to send back (none, one, or a window of
   * general-block-transfer blocks). Never throws on bad input: malformed or unexpected APDUs are
   * answered with an exception-response.
   */
  handle(apdu: Uint8Array): Uint8Array[] {
    try {
      const out = this.dispatch(apdu);
      this.syncCounters();
      return out;
    } catch (e) {
      this.syncCounters();
      if (!isMeterkitError(e)) throw e;
      this.longGet = undefined;
      this.longRead = undefined;
      this.longAction = undefined;
      this.pending = undefined;
      this.gbtIn = undefined;
      return [this.exception(this.state === 'associated' ? 'service-unknown' : 'service-not-allowed', e)];
    }
  }

  private syncCounters(): void {
    const template = this.association?.security;
    if (template !== undefined && this.security !== undefined && this.security !== template)
      syncInvocationCounters(template, this.security);
  }

  private exception(stateError: string, e?: MeterkitError): Uint8Array {
    const code = e?.code;
    const serviceError =
      code === ErrorCode.AuthenticationFailed || code === ErrorCode.Replay || code === ErrorCode.KeyMissing
        ? 'deciphering-error'
        : 'operation-not-possible';
    return exceptionApdu(stateError, serviceError);
  }

  private dispatch(apdu: Uint8Array): Uint8Array[] {
    if (apdu.length === 0) throw new MeterkitError(ErrorCode.Truncated, 'empty APDU', { path: 'apdu' });
    if (apdu.length > this.maxRequestSize) {
      return [exceptionApdu('service-not-allowed', 'pdu-too-long')];
    }
    const tag = apdu[0]!;
    const serverMax = this.association?.maxPduSize ?? 0;
    if (this.state !== 'non-associated' && serverMax > 0 && apdu.length > serverMax && tag !== 0xe0) {
      // longer than the server-max-receive-pdu-size the AARE announced (IEC 62056-5-3 §9.4.2.2)
      return [exceptionApdu('service-not-allowed', 'pdu-too-long')];
    }
    if (tag >= 0x60 && tag <= 0x63) {
      const acse = decodeAcseApdu(apdu);
      if (acse.type === 'aarq') return [this.onAarq(acse)];
      if (acse.type === 'rlrq') return [this.onRlrq(acse)];
      throw new MeterkitError(ErrorCode.UnexpectedTag, `${acse.type} is not a request`, { path: 'apdu' });
    }
    if (this.state === 'non-associated') {
      return [exceptionApdu('service-not-allowed', 'operation-not-possible')];
    }
    if (tag === 0xe0) return this.onGbt(apdu);
    // a new request: an earlier GBT answer is no longer wanted
    this.gbtOut = undefined;
    this.lastGbtRequest = undefined;
    return this.onRequest(apdu, false);
  }

  // ---------------------------------------------------------------- association

  private aare(
    result: number,
    diagnostic: AcseDiagnostic,
    contextName: string,
    extra: Partial<AareInput> = {},
  ): Uint8Array {
    return encodeAcseApdu({
      type: 'aare',
      applicationContextName: contextName,
      result,
      resultSourceDiagnostic: diagnostic,
      ...extra,
    });
  }

  private reject(contextName: string, diagnostic: number): Uint8Array {
    this.reset();
    return this.aare(
      AssociationResult.RejectedPermanent,
      { type: 'acse-service-user', value: diagnostic },
      contextName,
    );
  }

  private initiateError(contextName: string, value: number): Uint8Array {
    this.reset();
    return this.aare(
      AssociationResult.RejectedPermanent,
      { type: 'acse-service-user', value: AcseServiceUserDiagnostic.NoReasonGiven },
      contextName,
      { userInformation: { type: 'confirmed-service-error', service: 1, error: 6, value } },
    );
  }

  private onAarq(aarq: Aarq): Uint8Array {
    this.reset();
    const cfg = this.association;
    const contextName = aarq.applicationContextName;
    const ctx = applicationContextInfo(contextName);
    if (cfg === undefined) return this.reject(contextName, AcseServiceUserDiagnostic.NoReasonGiven);
    if (
      ctx === undefined ||
      ctx.referencing !== (cfg.referencing ?? 'logical-name') ||
      ctx.ciphering !== cfg.ciphering
    )
      return this.reject(contextName, AcseServiceUserDiagnostic.ApplicationContextNameNotSupported);
    this.applicationContextId = ctx.id;
    const mech = aarq.mechanismName === undefined ? { id: 0 } : mechanismInfo(aarq.mechanismName);
    if (mech === undefined || mech.id !== cfg.mechanism) {
      return this.reject(
        contextName,
        mech === undefined || mech.id !== 0
          ? AcseServiceUserDiagnostic.AuthenticationMechanismNameNotRecognised
          : AcseServiceUserDiagnostic.AuthenticationMechanismNameRequired,
      );
    }
    const security =
      cfg.security === undefined || cfg.sharedReplayProtection === true
        ? cfg.security
        : forkSecurityContext(cfg.security);
    this.security = security;
    this.clientSystemTitle = aarq.callingApTitle;
    if (cfg.ciphering || cfg.mechanism >= 5) {
      // ciphering and HLS 5–7 work with both system titles; 5 and 7 and ciphering also with keys
      const needsContext = cfg.ciphering || cfg.mechanism !== 6;
      if (
        (needsContext && security === undefined) ||
        aarq.callingApTitle === undefined ||
        aarq.callingApTitle.length !== 8
      )
        return this.reject(contextName, AcseServiceUserDiagnostic.CallingApTitleNotRecognized);
      if (security !== undefined) security.peerSystemTitle = aarq.callingApTitle;
    }
    // authentication value: LLS password or HLS challenge
    const auth = aarq.callingAuthenticationValue;
    const authBytes = auth?.type === 'charstring' || auth?.type === 'external' ? auth.value : undefined;
    if (cfg.mechanism === 1) {
      const secret = cfg.secret;
      if (authBytes === undefined || secret === undefined || !sameBytes(authBytes, secret))
        return this.reject(contextName, AcseServiceUserDiagnostic.AuthenticationFailure);
    } else if (cfg.mechanism >= 2) {
      if (authBytes === undefined)
        return this.reject(contextName, AcseServiceUserDiagnostic.AuthenticationFailure);
      try {
        checkChallenge(authBytes);
      } catch {
        return this.reject(contextName, AcseServiceUserDiagnostic.AuthenticationFailure);
      }
      this.clientToServerChallenge = Uint8Array.from(authBytes);
    }
    // user-information: the (possibly ciphered) InitiateRequest
    const ui = aarq.userInformation;
    let initiate: InitiateRequest | undefined;
    let cipheredInitiate = false;
    if (ui?.type === 'initiate-request') initiate = ui;
    else if (ui?.type === 'ciphered' && cfg.ciphering && security !== undefined) {
      let plaintext: Uint8Array;
      try {
        plaintext = decipherApdu(security, ui.apdu.raw, { senderSystemTitle: aarq.callingApTitle }).plaintext;
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        return this.reject(contextName, AcseServiceUserDiagnostic.AuthenticationFailure);
      }
      const inner = decodeAcseUserInformation(plaintext);
      if (inner.type === 'initiate-request') initiate = inner;
      cipheredInitiate = true;
      if (inner.type === 'initiate-request' && inner.dedicatedKey !== undefined) {
        security.setKey('dedicated-key', inner.dedicatedKey);
      }
    }
    if (initiate === undefined) return this.reject(contextName, AcseServiceUserDiagnostic.NoReasonGiven);
    if (cfg.ciphering && !cipheredInitiate)
      return this.reject(contextName, AcseServiceUserDiagnostic.ApplicationContextNameNotSupported);
    if (initiate.proposedDlmsVersionNumber < 6) return this.initiateError(contextName, 1);
    const offered = new Set(initiate.proposedConformance);
    const conformance = cfg.conformance.filter((b) => offered.has(b));
    if (conformance.length === 0) return this.initiateError(contextName, 2);
    if (initiate.clientMaxReceivePduSize !== 0 && initiate.clientMaxReceivePduSize < 12)
      return this.initiateError(contextName, 3);
    this.conformance = conformance;
    this.clientMaxReceivePduSize = initiate.clientMaxReceivePduSize;
    const response = encodeInitiateResponse({
      negotiatedDlmsVersionNumber: 6,
      negotiatedConformance: conformance,
      serverMaxReceivePduSize: cfg.maxPduSize,
      vaaName: this.shortName ? ASSOCIATION_SN_BASE_NAME : 0x0007,
    });
    const userInformation =
      cfg.ciphering && security !== undefined
        ? { type: 'other' as const, content: cipherApdu(security, response, { form: 'glo' }) }
        : { type: 'other' as const, content: response };
    const withTitle = (cfg.ciphering || cfg.mechanism >= 5) && this.systemTitle !== undefined;
    if (cfg.mechanism >= 2) {
      this.serverToClientChallenge = generateChallenge(16);
      this.state = 'association-pending';
      return this.aare(
        AssociationResult.Accepted,
        { type: 'acse-service-user', value: AcseServiceUserDiagnostic.AuthenticationRequired },
        contextName,
        {
          respondingApTitle: withTitle ? this.systemTitle : undefined,
          responderAcseRequirements: { unusedBits: 7, bytes: Uint8Array.of(0x80) },
          mechanismName: mechanismNameFor(cfg.mechanism),
          respondingAuthenticationValue: { type: 'charstring', value: this.serverToClientChallenge },
          userInformation,
        },
      );
    }
    this.state = 'associated';
    return this.aare(
      AssociationResult.Accepted,
      { type: 'acse-service-user', value: AcseServiceUserDiagnostic.Null },
      contextName,
      {
        respondingApTitle: withTitle ? this.systemTitle : undefined,
        mechanismName: aarq.mechanismName,
        userInformation,
      },
    );
  }

  private onRlrq(rlrq: Rlrq): Uint8Array {
    const cfg = this.association;
    let userInformation: AareInput['userInformation'];
    if (this.state === 'associated' && rlrq.userInformation !== undefined && cfg !== undefined) {
      const response = encodeInitiateResponse({
        negotiatedDlmsVersionNumber: 6,
        negotiatedConformance: this.conformance,
        serverMaxReceivePduSize: cfg.maxPduSize,
        vaaName: this.shortName ? ASSOCIATION_SN_BASE_NAME : 0x0007,
      });
      const security = this.security ?? cfg.security;
      userInformation = {
        type: 'other',
        content:
          cfg.ciphering && security !== undefined
            ? cipherApdu(security, response, { form: 'glo' })
            : response,
      };
    }
    this.reset();
    return encodeAcseApdu({ type: 'rlre', reason: 0, userInformation });
  }

  // ---------------------------------------------------------------- xDLMS requests

  private limit(p: Protection): number {
    return pduLimit(this.clientMaxReceivePduSize) - cipherOverhead(p.form);
  }

  /** A complete (possibly ciphered) request APDU, from the line or reassembled from GBT blocks. */
  private onRequest(bytes: Uint8Array, gbt: boolean): Uint8Array[] {
    const cfg = this.association!;
    let plain = bytes;
    let protection: Protection = gbt ? { ...PLAIN, gbt } : PLAIN;
    if (isCipheredApduTag(bytes[0]!)) {
      if (!cfg.ciphering || this.security === undefined) {
        return [exceptionApdu('service-not-allowed', 'operation-not-possible')];
      }
      let d: ReturnType<typeof decipherApdu>;
      try {
        d = decipherApdu(this.security, bytes, { senderSystemTitle: this.clientSystemTitle });
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        return [exceptionApdu('service-not-allowed', 'deciphering-error')];
      }
      plain = d.plaintext;
      protection = { form: formOf(bytes[0]!), authenticated: d.tagVerified, gbt };
    } else if (cfg.ciphering) {
      return [exceptionApdu('service-not-allowed', 'operation-not-possible')];
    }
    const apdu = decodeApdu(plain);
    let response: XdlmsApdu | Uint8Array | undefined;
    const sn =
      apdu.type === 'read-request' ||
      apdu.type === 'write-request' ||
      apdu.type === 'unconfirmed-write-request';
    if (sn !== this.shortName) return [exceptionApdu('service-not-allowed', 'service-not-supported')];
    switch (apdu.type) {
      case 'read-request':
        response = this.onRead(apdu, protection);
        break;
      case 'write-request':
        response = this.onWrite(apdu, protection);
        break;
      case 'unconfirmed-write-request':
        this.onWrite(apdu, protection);
        return [];
      case 'get-request-normal':
      case 'get-request-next':
      case 'get-request-with-list':
        response = this.onGet(apdu, protection);
        break;
      case 'set-request-normal':
      case 'set-request-with-first-datablock':
      case 'set-request-with-datablock':
      case 'set-request-with-list':
      case 'set-request-with-list-and-first-datablock':
        response = this.onSet(apdu, protection);
        break;
      case 'action-request-normal':
      case 'action-request-with-list':
      case 'action-request-with-first-pblock':
      case 'action-request-with-pblock':
      case 'action-request-with-list-and-first-pblock':
      case 'action-request-next-pblock':
        response = this.onAction(apdu, protection);
        break;
      default:
        return [exceptionApdu('service-not-allowed', 'service-not-supported')];
    }
    return this.send(response instanceof Uint8Array ? response : encodeApdu(response), protection);
  }

  /** Ciphers a plain response as the request was, and cuts it into GBT blocks when needed. */
  private send(plain: Uint8Array, p: Protection): Uint8Array[] {
    const cfg = this.association!;
    const security = this.security ?? cfg.security;
    const out =
      p.form !== undefined && security !== undefined ? cipherApdu(security, plain, { form: p.form }) : plain;
    const limit = pduLimit(this.clientMaxReceivePduSize);
    if (!p.gbt && out.length <= limit) return [out];
    return this.startGbt(out, p.gbt ? this.pendingWindow : (cfg.gbtWindow ?? 1));
  }

  private context(p: Protection): AccessContext {
    return { clientSap: this.clientSap, authenticated: p.authenticated, now: this.now() };
  }

  private resolve(ln: string): ServerObject | undefined {
    if (ln === CURRENT_ASSOCIATION) return this.shortName ? this.currentSn : this.current;
    return this.store.get(ln);
  }

  private accessOf(o: ServerObject): ObjectAccess {
    return o === this.current || o === this.currentSn
      ? o.accessFor(this.clientSap)!
      : this.store.accessOf(o, this.clientSap, this.association?.defaultAccess);
  }

  /** Reads one attribute with the access checks; the GetDataResult to answer. */
  private read(
    d: CosemAttributeDescriptor,
    sel: SelectiveAccessDescriptor | null,
    p: Protection,
  ): GetDataResult {
    if (this.state !== 'associated') return { type: 'data-access-result', result: 'read-write-denied' };
    const o = this.resolve(d.instanceId);
    if (o === undefined || o.classId !== d.classId)
      return {
        type: 'data-access-result',
        result: o === undefined ? 'object-undefined' : 'object-class-inconsistent',
      };
    if (d.attributeId === 0) return this.readAll(o, sel, p);
    return this.readAttribute(o, d.attributeId, sel, p, 'selective-access');
  }

  /** Reads one attribute of a resolved object with the access checks. */
  private readAttribute(
    o: ServerObject,
    attributeId: number,
    sel: SelectiveAccessDescriptor | null,
    p: Protection,
    selectiveBit: 'selective-access' | 'parameterized-access',
  ): GetDataResult {
    const a = this.accessOf(o);
    if (!isVisible(a) || !o.attributeIds().includes(attributeId))
      return { type: 'data-access-result', result: 'object-undefined' };
    if (!canRead(attributeAccess(a, attributeId), p.authenticated))
      return { type: 'data-access-result', result: 'read-write-denied' };
    if (
      sel !== null &&
      (!this.conformance.includes(selectiveBit) ||
        !(o.selectorsOf(attributeId) ?? []).includes(sel.accessSelector))
    )
      return { type: 'data-access-result', result: 'scope-of-access-violated' };
    const v = o.get(attributeId, this.context(p), sel);
    return isRefusal(v) ? { type: 'data-access-result', result: v.refused } : { type: 'data', data: v };
  }

  /**
   * Attribute 0: every attribute of the object as one structure, in attribute order (IEC 62056-5-3
   * §9.3.6, attribute0-supported-with-get); an attribute this client may not read, or that cannot
   * be read, is null-data in it.
   */
  private readAll(o: ServerObject, sel: SelectiveAccessDescriptor | null, p: Protection): GetDataResult {
    if (!this.conformance.includes('attribute0-supported-with-get'))
      return { type: 'data-access-result', result: 'object-unavailable' };
    if (!isVisible(this.accessOf(o))) return { type: 'data-access-result', result: 'object-undefined' };
    if (sel !== null) return { type: 'data-access-result', result: 'scope-of-access-violated' };
    const value: DlmsData[] = o.attributeIds().map((id) => {
      const r = this.readAttribute(o, id, null, p, 'selective-access');
      return r.type === 'data' ? r.data : { type: 'null-data', value: null };
    });
    return { type: 'data', data: { type: 'structure', value } };
  }

  private onGet(apdu: GetRequest, p: Protection): XdlmsApdu | Uint8Array {
    const iid = apdu.invokeIdAndPriority;
    if (apdu.type === 'get-request-next') return this.nextGetBlock(iid, apdu.blockNumber);
    this.longGet = undefined;
    let payload: Uint8Array;
    let single: number;
    if (apdu.type === 'get-request-normal') {
      const r = this.read(apdu.cosemAttributeDescriptor, apdu.accessSelection, p);
      if (r.type === 'data-access-result')
        return { type: 'get-response-normal', invokeIdAndPriority: iid, result: r };
      payload = encodeData(r.data);
      single = 4 + payload.length;
    } else {
      if (!this.conformance.includes('multiple-references'))
        return {
          type: 'get-response-with-list',
          invokeIdAndPriority: iid,
          result: apdu.attributeDescriptorList.map(() => ({
            type: 'data-access-result' as const,
            result: 'other-reason',
          })),
        };
      const w = new Writer(256);
      w.berLength(apdu.attributeDescriptorList.length);
      for (const x of apdu.attributeDescriptorList)
        writeGetDataResult(w, this.read(x.cosemAttributeDescriptor, x.accessSelection, p));
      payload = w.finish();
      single = 3 + payload.length;
    }
    const limit = this.limit(p);
    if (single <= limit || p.gbt) {
      const head =
        apdu.type === 'get-request-normal'
          ? Uint8Array.of(0xc4, 0x01, iidByte(iid), 0x00)
          : Uint8Array.of(0xc4, 0x03, iidByte(iid));
      return join(head, payload);
    }
    if (!this.conformance.includes('block-transfer-with-get-or-read') || this.gbtPreferred()) {
      if (this.conformance.includes('general-block-transfer'))
        return join(
          apdu.type === 'get-request-normal'
            ? Uint8Array.of(0xc4, 0x01, iidByte(iid), 0x00)
            : Uint8Array.of(0xc4, 0x03, iidByte(iid)),
          payload,
        );
      return {
        type: 'get-response-normal',
        invokeIdAndPriority: iid,
        result: { type: 'data-access-result', result: 'other-reason' },
      };
    }
    const chunk = blockRoom(limit - 9);
    if (chunk < 1)
      return {
        type: 'get-response-normal',
        invokeIdAndPriority: iid,
        result: { type: 'data-access-result', result: 'other-reason' },
      };
    this.longGet = { invokeIdAndPriority: iid, payload, chunk, offset: 0, blockNumber: 0, protection: p };
    return this.getBlock(this.longGet);
  }

  /** The association asks for general-block-transfer over the services' own block transfer, and it is negotiated. */
  private gbtPreferred(): boolean {
    return (
      this.association?.preferGeneralBlockTransfer === true &&
      this.conformance.includes('general-block-transfer')
    );
  }

  private getBlock(t: LongTransfer): XdlmsApdu {
    const { rawData, lastBlock } = takeBlock(t);
    if (lastBlock) this.longGet = undefined;
    return {
      type: 'get-response-with-datablock',
      invokeIdAndPriority: t.invokeIdAndPriority,
      result: { lastBlock, blockNumber: t.blockNumber, result: { type: 'raw-data', rawData } },
    };
  }

  private nextGetBlock(iid: InvokeIdAndPriority, blockNumber: number): XdlmsApdu {
    const t = this.longGet;
    if (t === undefined || blockNumber !== t.blockNumber) {
      this.longGet = undefined;
      return {
        type: 'get-response-with-datablock',
        invokeIdAndPriority: iid,
        result: {
          lastBlock: true,
          blockNumber,
          result: {
            type: 'data-access-result',
            result: t === undefined ? 'no-long-get-in-progress' : 'data-block-number-invalid',
          },
        },
      };
    }
    return this.getBlock(t);
  }

  /** Writes one attribute with the access checks; the Data-Access-Result name. */
  private write(
    d: CosemAttributeDescriptor,
    sel: SelectiveAccessDescriptor | null,
    value: DlmsData,
    p: Protection,
  ): string {
    if (this.state !== 'associated') return 'read-write-denied';
    const o = this.resolve(d.instanceId);
    if (o === undefined) return 'object-undefined';
    if (o.classId !== d.classId) return 'object-class-inconsistent';
    const a = this.accessOf(o);
    if (!isVisible(a) || !o.attributeIds().includes(d.attributeId)) return 'object-undefined';
    if (!canWrite(attributeAccess(a, d.attributeId), p.authenticated)) return 'read-write-denied';
    if (sel !== null) return 'scope-of-access-violated';
    return o.set(d.attributeId, value, this.context(p));
  }

  private onSet(apdu: SetRequest, p: Protection): XdlmsApdu {
    const iid = apdu.invokeIdAndPriority;
    switch (apdu.type) {
      case 'set-request-normal':
        this.pending = undefined;
        return {
          type: 'set-response-normal',
          invokeIdAndPriority: iid,
          result: this.write(apdu.cosemAttributeDescriptor, apdu.accessSelection, apdu.value, p),
        };
      case 'set-request-with-list': {
        this.pending = undefined;
        if (apdu.valueList.length !== apdu.attributeDescriptorList.length)
          throw new MeterkitError(
            ErrorCode.ValueInvalid,
            'set-request-with-list: descriptors and values differ in number',
            { path: 'set-request' },
          );
        return {
          type: 'set-response-with-list',
          invokeIdAndPriority: iid,
          result: apdu.attributeDescriptorList.map((x, i) =>
            this.write(x.cosemAttributeDescriptor, x.accessSelection, apdu.valueList[i]!, p),
          ),
        };
      }
      case 'set-request-with-first-datablock':
      case 'set-request-with-list-and-first-datablock': {
        if (!this.conformance.includes('block-transfer-with-set-or-write'))
          return { type: 'set-response-normal', invokeIdAndPriority: iid, result: 'other-reason' };
        const list =
          apdu.type === 'set-request-with-first-datablock'
            ? [{ attribute: apdu.cosemAttributeDescriptor, selection: apdu.accessSelection }]
            : apdu.attributeDescriptorList.map((x) => ({
                attribute: x.cosemAttributeDescriptor,
                selection: x.accessSelection,
              }));
        this.pending = {
          kind: apdu.type === 'set-request-with-first-datablock' ? 'set' : 'set-list',
          invokeIdAndPriority: iid,
          descriptors: list,
          parts: [],
          size: 0,
          blockNumber: 0,
        };
        return this.setBlock(iid, apdu.datablock, p);
      }
      case 'set-request-with-datablock':
        return this.setBlock(iid, apdu.datablock, p);
    }
  }

  private setBlock(
    iid: InvokeIdAndPriority,
    b: { lastBlock: boolean; blockNumber: number; rawData: Uint8Array },
    p: Protection,
  ): XdlmsApdu {
    const t = this.pending;
    if (
      t === undefined ||
      (t.kind !== 'set' && t.kind !== 'set-list') ||
      b.blockNumber !== t.blockNumber + 1
    ) {
      this.pending = undefined;
      return {
        type: 'set-response-last-datablock',
        invokeIdAndPriority: iid,
        result: t === undefined ? 'no-long-set-in-progress' : 'data-block-number-invalid',
        blockNumber: b.blockNumber,
      };
    }
    t.blockNumber = b.blockNumber;
    t.size += b.rawData.length;
    if (t.size > this.maxRequestSize) {
      this.pending = undefined;
      return {
        type: 'set-response-last-datablock',
        invokeIdAndPriority: iid,
        result: 'long-set-aborted',
        blockNumber: b.blockNumber,
      };
    }
    t.parts.push(Uint8Array.from(b.rawData));
    if (!b.lastBlock)
      return { type: 'set-response-datablock', invokeIdAndPriority: iid, blockNumber: b.blockNumber };
    this.pending = undefined;
    const all = join(...t.parts);
    const r = new Reader(all);
    if (t.kind === 'set') {
      const value = readData(r);
      r.expectEnd('set-request.datablock');
      const d = t.descriptors[0]!;
      return {
        type: 'set-response-last-datablock',
        invokeIdAndPriority: iid,
        result: this.write(d.attribute!, d.selection, value, p),
        blockNumber: b.blockNumber,
      };
    }
    const values = readDataList(r, 'set-request.datablock');
    r.expectEnd('set-request.datablock');
    if (values.length !== t.descriptors.length)
      throw new MeterkitError(
        ErrorCode.ValueInvalid,
        'set-request-with-list: descriptors and values differ in number',
        { path: 'set-request' },
      );
    return {
      type: 'set-response-last-datablock-with-list',
      invokeIdAndPriority: iid,
      result: t.descriptors.map((d, i) => this.write(d.attribute!, d.selection, values[i]!, p)),
      blockNumber: b.blockNumber,
    };
  }

  /** Invokes one method with the access checks. */
  private invoke(
    d: CosemMethodDescriptor,
    parameters: DlmsData | null,
    p: Protection,
  ): ActionResponseWithOptionalData {
    const o = this.resolve(d.instanceId);
    if (o !== undefined && o.classId !== d.classId && this.state === 'associated')
      return { result: 'object-class-inconsistent', returnParameters: null };
    return this.invokeOn(o, d.methodId, parameters, p);
  }

  /** Invokes a method of a resolved object (LN or SN) with the access checks. */
  private invokeOn(
    o: ServerObject | undefined,
    methodId: number,
    parameters: DlmsData | null,
    p: Protection,
  ): ActionResponseWithOptionalData {
    const hls =
      (o === this.current && methodId === HLS_METHOD) || (o === this.currentSn && methodId === SN_HLS_METHOD);
    if (this.state !== 'associated' && !(hls && this.state === 'association-pending'))
      return { result: 'read-write-denied', returnParameters: null };
    if (o === undefined) return { result: 'object-undefined', returnParameters: null };
    const a = this.accessOf(o);
    if (!isVisible(a) || !o.methodIds().includes(methodId))
      return { result: 'object-undefined', returnParameters: null };
    if (!canInvoke(methodAccess(a, methodId), p.authenticated))
      return { result: 'read-write-denied', returnParameters: null };
    if (hls) return this.replyToHls(parameters);
    const r = o.action(methodId, parameters, this.context(p));
    return {
      result: r.result,
      returnParameters: r.data === undefined ? null : { type: 'data', data: r.data },
    };
  }

  /** reply_to_HLS_authentication (IEC 62056-6-2 §4.4.4 method 1; IEC 62056-5-3 §9.2.2.2 passes 3 and 4). */
  private replyToHls(parameters: DlmsData | null): ActionResponseWithOptionalData {
    const cfg = this.association!;
    if (
      this.state !== 'association-pending' ||
      parameters?.type !== 'octet-string' ||
      this.serverToClientChallenge === undefined ||
      this.clientToServerChallenge === undefined
    )
      return { result: 'read-write-denied', returnParameters: null };
    const exchange = {
      mechanism: cfg.mechanism as HlsMechanism,
      clientToServerChallenge: this.clientToServerChallenge,
      serverToClientChallenge: this.serverToClientChallenge,
      clientSystemTitle: this.clientSystemTitle,
      serverSystemTitle: this.systemTitle,
    };
    const secrets = { secret: cfg.secret, context: this.security };
    try {
      verifyClientHlsResponse(exchange, secrets, parameters.value);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      return { result: 'read-write-denied', returnParameters: null };
    }
    const fCtoS = serverHlsResponse(exchange, secrets);
    this.state = 'associated';
    return {
      result: 'success',
      returnParameters: { type: 'data', data: { type: 'octet-string', value: fCtoS } },
    };
  }

  private onAction(apdu: ActionRequest, p: Protection): XdlmsApdu {
    const iid = apdu.invokeIdAndPriority;
    switch (apdu.type) {
      case 'action-request-normal':
        this.pending = undefined;
        this.longAction = undefined;
        return this.actionAnswer(
          iid,
          this.invoke(apdu.cosemMethodDescriptor, apdu.methodInvocationParameters, p),
          p,
        );
      case 'action-request-with-list':
        this.pending = undefined;
        if (apdu.methodInvocationParameters.length !== apdu.cosemMethodDescriptorList.length)
          throw new MeterkitError(
            ErrorCode.ValueInvalid,
            'action-request-with-list: methods and parameters differ in number',
            { path: 'action-request' },
          );
        return {
          type: 'action-response-with-list',
          invokeIdAndPriority: iid,
          listOfResponses: apdu.cosemMethodDescriptorList.map((m, i) =>
            this.invoke(m, apdu.methodInvocationParameters[i]!, p),
          ),
        };
      case 'action-request-with-first-pblock':
      case 'action-request-with-list-and-first-pblock': {
        if (!this.conformance.includes('block-transfer-with-action'))
          return {
            type: 'action-response-normal',
            invokeIdAndPriority: iid,
            singleResponse: { result: 'other-reason', returnParameters: null },
          };
        const list =
          apdu.type === 'action-request-with-first-pblock'
            ? [apdu.cosemMethodDescriptor]
            : apdu.cosemMethodDescriptorList;
        this.pending = {
          kind: 'action',
          invokeIdAndPriority: iid,
          descriptors: list.map((m) => ({ method: m, selection: null })),
          parts: [],
          size: 0,
          blockNumber: 0,
        };
        return this.actionBlock(
          iid,
          apdu.pblock,
          p,
          apdu.type === 'action-request-with-list-and-first-pblock',
        );
      }
      case 'action-request-with-pblock':
        return this.actionBlock(iid, apdu.pblock, p, (this.pending?.descriptors.length ?? 1) > 1);
      case 'action-request-next-pblock': {
        const t = this.longAction;
        if (t === undefined || apdu.blockNumber !== t.blockNumber) {
          this.longAction = undefined;
          return {
            type: 'action-response-normal',
            invokeIdAndPriority: iid,
            singleResponse: {
              result: t === undefined ? 'no-long-action-in-progress' : 'long-action-aborted',
              returnParameters: null,
            },
          };
        }
        return this.actionBlockOut(t);
      }
    }
  }

  /**
   * The answer to one method: action-response-normal, or, when its return data does not fit the
   * client's PDU size, the first action-response-with-pblock (IEC 62056-5-3 §9.3.8, needs
   * block-transfer-with-action; general-block-transfer takes over when preferred or when only it
   * is negotiated).
   */
  private actionAnswer(
    iid: InvokeIdAndPriority,
    singleResponse: ActionResponseWithOptionalData,
    p: Protection,
  ): XdlmsApdu {
    const normal: XdlmsApdu = { type: 'action-response-normal', invokeIdAndPriority: iid, singleResponse };
    const rp = singleResponse.returnParameters;
    if (rp?.type !== 'data' || p.gbt) return normal;
    const payload = encodeData(rp.data);
    const limit = this.limit(p);
    if (payload.length + 6 <= limit) return normal;
    const gbt = this.conformance.includes('general-block-transfer');
    if (!this.conformance.includes('block-transfer-with-action') || this.gbtPreferred()) {
      if (gbt) return normal;
      return {
        type: 'action-response-normal',
        invokeIdAndPriority: iid,
        singleResponse: { result: 'other-reason', returnParameters: null },
      };
    }
    const chunk = blockRoom(limit - 9);
    this.longAction = { invokeIdAndPriority: iid, payload, chunk, offset: 0, blockNumber: 0, protection: p };
    return this.actionBlockOut(this.longAction);
  }

  private actionBlockOut(t: LongTransfer): XdlmsApdu {
    const { rawData, lastBlock } = takeBlock(t);
    if (lastBlock) this.longAction = undefined;
    return {
      type: 'action-response-with-pblock',
      invokeIdAndPriority: t.invokeIdAndPriority,
      pblock: { lastBlock, blockNumber: t.blockNumber, rawData },
    };
  }

  private actionBlock(
    iid: InvokeIdAndPriority,
    b: { lastBlock: boolean; blockNumber: number; rawData: Uint8Array },
    p: Protection,
    list: boolean,
  ): XdlmsApdu {
    const t = this.pending;
    if (t === undefined || t.kind !== 'action' || b.blockNumber !== t.blockNumber + 1) {
      this.pending = undefined;
      return {
        type: 'action-response-normal',
        invokeIdAndPriority: iid,
        singleResponse: {
          result: t === undefined ? 'no-long-action-in-progress' : 'long-action-aborted',
          returnParameters: null,
        },
      };
    }
    t.blockNumber = b.blockNumber;
    t.size += b.rawData.length;
    if (t.size > this.maxRequestSize) {
      this.pending = undefined;
      return {
        type: 'action-response-normal',
        invokeIdAndPriority: iid,
        singleResponse: { result: 'long-action-aborted', returnParameters: null },
      };
    }
    t.parts.push(Uint8Array.from(b.rawData));
    if (!b.lastBlock)
      return { type: 'action-response-next-pblock', invokeIdAndPriority: iid, blockNumber: b.blockNumber };
    this.pending = undefined;
    const r = new Reader(join(...t.parts));
    if (!list) {
      const value = readData(r);
      r.expectEnd('action-request.pblock');
      return this.actionAnswer(iid, this.invoke(t.descriptors[0]!.method!, value, p), p);
    }
    const values = readDataList(r, 'action-request.pblock');
    r.expectEnd('action-request.pblock');
    if (values.length !== t.descriptors.length)
      throw new MeterkitError(
        ErrorCode.ValueInvalid,
        'action-request-with-list: methods and parameters differ in number',
        { path: 'action-request' },
      );
    return {
      type: 'action-response-with-list',
      invokeIdAndPriority: iid,
      listOfResponses: t.descriptors.map((d, i) => this.invoke(d.method!, values[i]!, p)),
    };
  }

  // ---------------------------------------------------------------- short-name services

  private resolveShortName(name: number): ShortNameTarget | undefined {
    return this.store.shortNames.resolve(name, this.currentSn);
  }

  /** One READ item: an attribute (selective access through parameterized-access) or a method with return data. */
  private readItem(v: VariableAccessSpecification, p: Protection): ReadResponseItem {
    if (v.type !== 'variable-name' && v.type !== 'parameterized-access')
      return { type: 'data-access-error', result: 'other-reason' };
    const target = this.resolveShortName(v.variableName);
    const pending = this.state === 'association-pending';
    if (this.state !== 'associated' && !(pending && target?.object === this.currentSn))
      return { type: 'data-access-error', result: 'read-write-denied' };
    if (target === undefined) return { type: 'data-access-error', result: 'object-undefined' };
    if (target.kind === 'method') {
      const r = this.invokeOn(
        target.object,
        target.methodId,
        v.type === 'parameterized-access' ? v.parameter : null,
        p,
      );
      if (r.result !== 'success') return { type: 'data-access-error', result: dataAccessOf(r.result) };
      const rp = r.returnParameters;
      if (rp?.type === 'data') return { type: 'data', data: rp.data };
      return { type: 'data', data: { type: 'null-data', value: null } };
    }
    if (pending) return { type: 'data-access-error', result: 'read-write-denied' };
    const sel =
      v.type === 'parameterized-access'
        ? { accessSelector: v.selector, accessParameters: v.parameter }
        : null;
    const r = this.readAttribute(target.object, target.attributeId, sel, p, 'parameterized-access');
    return r.type === 'data' ? r : { type: 'data-access-error', result: r.result };
  }

  /** READ (IEC 62056-5-3 §9.3.13); long answers go out in data-block-result blocks. */
  private onRead(apdu: ReadRequest, p: Protection): XdlmsApdu | Uint8Array {
    const specs = apdu.variableAccessSpecification;
    if (!this.conformance.includes('read'))
      return exceptionApdu('service-not-allowed', 'service-not-supported');
    const first = specs[0];
    if (specs.length === 1 && first?.type === 'block-number-access') {
      const t = this.longRead;
      if (t === undefined || first.blockNumber !== t.blockNumber) {
        this.longRead = undefined;
        return {
          type: 'read-response',
          items: [
            {
              type: 'data-access-error',
              result: t === undefined ? 'no-long-get-in-progress' : 'data-block-number-invalid',
            },
          ],
        };
      }
      return this.readBlock(t);
    }
    this.longRead = undefined;
    const items =
      specs.length > 1 && !this.conformance.includes('multiple-references')
        ? specs.map((): ReadResponseItem => ({ type: 'data-access-error', result: 'other-reason' }))
        : specs.map((v) => this.readItem(v, p));
    const response: XdlmsApdu = { type: 'read-response', items };
    const plain = encodeApdu(response);
    const limit = this.limit(p);
    if (plain.length <= limit || p.gbt) return plain;
    if (!this.conformance.includes('block-transfer-with-get-or-read') || this.gbtPreferred()) {
      if (this.conformance.includes('general-block-transfer')) return plain;
      return {
        type: 'read-response',
        items: specs.map((): ReadResponseItem => ({ type: 'data-access-error', result: 'other-reason' })),
      };
    }
    // the raw data of the blocks is the list of results after the read-response tag
    this.longRead = {
      invokeIdAndPriority: { invokeId: 0, serviceClass: 'confirmed', priority: 'normal' },
      payload: plain.subarray(1),
      chunk: blockRoom(limit - 8),
      offset: 0,
      blockNumber: 0,
      protection: p,
    };
    return this.readBlock(this.longRead);
  }

  private readBlock(t: LongTransfer): XdlmsApdu {
    const { rawData, lastBlock } = takeBlock(t);
    if (lastBlock) this.longRead = undefined;
    return {
      type: 'read-response',
      items: [{ type: 'data-block-result', lastBlock, blockNumber: t.blockNumber, rawData }],
    };
  }

  /** WRITE and UNCONFIRMED-WRITE (IEC 62056-5-3 §9.3.14, §9.3.15): attributes, or methods without return data. */
  private onWrite(apdu: WriteRequest | UnconfirmedWriteRequest, p: Protection): XdlmsApdu {
    const specs = apdu.variableAccessSpecification;
    const bit = apdu.type === 'write-request' ? 'write' : 'unconfirmed-write';
    const allowed =
      this.conformance.includes(bit) &&
      (specs.length <= 1 || this.conformance.includes('multiple-references')) &&
      apdu.listOfData.length === specs.length;
    const items = specs.map((v, i): WriteResponseItem => {
      if (!allowed) return { type: 'data-access-error', result: 'other-reason' };
      const result = this.writeItem(v, apdu.listOfData[i]!, p);
      return result === 'success' ? { type: 'success' } : { type: 'data-access-error', result };
    });
    return { type: 'write-response', items };
  }

  private writeItem(v: VariableAccessSpecification, value: DlmsData, p: Protection): string {
    if (v.type !== 'variable-name' && v.type !== 'parameterized-access') return 'other-reason';
    if (this.state !== 'associated') return 'read-write-denied';
    const target = this.resolveShortName(v.variableName);
    if (target === undefined) return 'object-undefined';
    if (target.kind === 'method')
      return dataAccessOf(this.invokeOn(target.object, target.methodId, value, p).result);
    if (v.type === 'parameterized-access') return 'scope-of-access-violated';
    const o = target.object;
    const a = this.accessOf(o);
    if (!isVisible(a)) return 'object-undefined';
    if (!canWrite(attributeAccess(a, target.attributeId), p.authenticated)) return 'read-write-denied';
    return o.set(target.attributeId, value, this.context(p));
  }

  // ---------------------------------------------------------------- general-block-transfer

  private onGbt(bytes: Uint8Array): Uint8Array[] {
    if (!this.conformance.includes('general-block-transfer'))
      return [exceptionApdu('service-not-allowed', 'service-not-supported')];
    const g = decodeApdu(bytes) as GeneralBlockTransfer;
    if (g.blockData.length === 0) {
      // an acknowledgement: continue (or repeat) our transfer from the block after blockNumberAck;
      // the transfer is kept until its last block is acknowledged or the next request comes
      const out = this.gbtOut;
      if (out === undefined) return [];
      out.window = Math.max(1, g.blockControl.window);
      out.next = Math.max(0, Math.min(out.blocks.length, g.blockNumberAck - out.firstNumber + 1));
      if (out.next >= out.blocks.length) {
        this.gbtOut = undefined;
        return [];
      }
      return this.gbtWindow();
    }
    const endOfWindow = !g.blockControl.streaming || g.blockControl.lastBlock;
    const inp = this.gbtIn;
    if (inp === undefined && this.isRepeatOfLastRequest(g)) {
      // the client sent blocks of its complete request again: our answer was lost on the way
      const out = this.gbtOut;
      if (out === undefined || !endOfWindow) return [];
      out.next = out.acked;
      return this.gbtWindow();
    }
    const current = inp ?? { parts: [], size: 0, next: g.blockNumber, first: g.blockNumber };
    if (g.blockNumber !== current.next) {
      if (inp === undefined || g.blockNumber > current.next + 63 || g.blockNumber + 63 < current.next) {
        this.gbtIn = undefined;
        throw new MeterkitError(
          ErrorCode.ReassemblyFailed,
          `general-block-transfer block ${g.blockNumber}, expected ${current.next}`,
          { path: 'general-block-transfer.block-number' },
        );
      }
      // a block sent again (we hold it) or one after a lost block (not kept): at the end of the
      // window, acknowledge the last block held in sequence so that the client sends from there
      return endOfWindow ? [this.gbtAck(current.next - 1)] : [];
    }
    current.parts.push(Uint8Array.from(g.blockData));
    current.size += g.blockData.length;
    current.next++;
    if (current.size > this.maxRequestSize) {
      this.gbtIn = undefined;
      return [exceptionApdu('service-not-allowed', 'pdu-too-long')];
    }
    // a new request: the previous answer is no longer wanted
    this.gbtOut = undefined;
    this.lastGbtRequest = undefined;
    if (!g.blockControl.lastBlock) {
      this.gbtIn = current;
      if (g.blockControl.streaming) return [];
      return [this.gbtAck(g.blockNumber)];
    }
    this.gbtIn = undefined;
    this.pendingWindow = Math.max(1, g.blockControl.window);
    this.lastReceivedBlock = g.blockNumber;
    this.lastGbtRequest = { first: current.first, parts: current.parts };
    return this.onRequest(join(...current.parts), true);
  }

  /** True when `g` is a block of the last complete GBT request, sent again with the same data. */
  private isRepeatOfLastRequest(g: GeneralBlockTransfer): boolean {
    const last = this.lastGbtRequest;
    if (last === undefined) return false;
    const part = last.parts[g.blockNumber - last.first];
    return part !== undefined && sameBytes(part, g.blockData);
  }

  /** An acknowledgement of the client's blocks up to `blockNumberAck`, announcing our window. */
  private gbtAck(blockNumberAck: number): Uint8Array {
    return this.gbtApdu(
      false,
      false,
      this.receiveWindow(),
      ++this.gbtBlockNumber,
      blockNumberAck,
      new Uint8Array(0),
    );
  }

  /** The window this server announces for the client's GBT blocks: the association's `gbtWindow`. */
  private receiveWindow(): number {
    return Math.max(1, Math.min(63, this.association?.gbtWindow ?? 1));
  }

  private gbtApdu(
    lastBlock: boolean,
    streaming: boolean,
    window: number,
    blockNumber: number,
    blockNumberAck: number,
    blockData: Uint8Array,
  ): Uint8Array {
    return encodeApdu({
      type: 'general-block-transfer',
      blockControl: { lastBlock, streaming, window },
      blockNumber,
      blockNumberAck,
      blockData,
    });
  }

  private startGbt(apdu: Uint8Array, window: number): Uint8Array[] {
    const size = Math.max(1, pduLimit(this.clientMaxReceivePduSize) - 10);
    const blocks: Uint8Array[] = [];
    for (let at = 0; at < apdu.length; at += size)
      blocks.push(apdu.subarray(at, Math.min(apdu.length, at + size)));
    this.gbtOut = {
      blocks,
      next: 0,
      acked: 0,
      firstNumber: this.gbtBlockNumber + 1,
      window: Math.max(1, Math.min(63, window)),
    };
    return this.gbtWindow();
  }

  private gbtWindow(): Uint8Array[] {
    const out = this.gbtOut!;
    const res: Uint8Array[] = [];
    out.acked = out.next;
    const end = Math.min(out.blocks.length, out.next + out.window);
    for (let i = out.next; i < end; i++) {
      const last = i === out.blocks.length - 1;
      const number = out.firstNumber + i;
      this.gbtBlockNumber = Math.max(this.gbtBlockNumber, number);
      res.push(
        this.gbtApdu(
          last,
          !last && i < end - 1,
          this.receiveWindow(),
          number,
          this.lastReceivedBlock,
          out.blocks[i]!,
        ),
      );
    }
    out.next = end;
    return res;
  }
}

/** An exception-response (IEC 62056-5-3 §8) with its state-error and service-error names. */
function exceptionApdu(stateError: string, serviceError: string): Uint8Array {
  return encodeApdu({ type: 'exception-response', stateError, serviceError, invocationCounter: null });
}

/** The Data-Access-Result for an Action-Result (the same values, except the long-action ones). IEC 62056-5-3 §8. */
function dataAccessOf(result: string | number): string {
  if (result === 'long-action-aborted') return 'long-get-aborted';
  if (result === 'no-long-action-in-progress') return 'no-long-get-in-progress';
  return typeof result === 'number' ? 'other-reason' : result;
}

/** The most raw-data octets that fit in `room` octets together with their A-XDR length. */
function blockRoom(room: number): number {
  if (room - 1 <= 127) return room - 1;
  if (room - 2 <= 255) return Math.max(127, room - 2);
  return Math.max(255, room - 3);
}

function iidByte(iid: InvokeIdAndPriority): number {
  return (
    (iid.invokeId & 0x0f) |
    (iid.serviceClass === 'confirmed' ? 0x40 : 0) |
    (iid.priority === 'high' ? 0x80 : 0)
  );
}

function join(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
