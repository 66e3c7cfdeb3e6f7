/**
 * The client side of C12.22 message exchange (IEEE 1703-2012 §5.3.4, §5.3.2.4) as a sans-IO
 * object: it builds request messages with the calling and called AP titles, a fresh
 * calling-AP-invocation-id per message, the key id and a fresh IV in the
 * calling-authentication-value, in security mode 0, 1 or 2; and it pairs each response with its
 * request through the called-AP-invocation-id the responder echoes (§5.3.4.5), decoding the
 * response services against the requests they answer.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { type ApTitle, apTitleAbsoluteOid, apTitleToString } from '../acse/ap-title.js';
import { type C1222Acse, decodeC1222Acse } from '../acse/apdu.js';
import { ResponseCode } from '../epsem/codes.js';
import type { ResponseControl, SecurityMode } from '../epsem/control.js';
import type { C1222Request } from '../epsem/request.js';
import type { C1222Response } from '../epsem/response.js';
import { type C1222Message, decodeC1222Message, encodeC1222Message } from '../message.js';
import type { C1222KeyStore } from '../security/eaxprime.js';
import { C1222SessionErrorCode } from './errors.js';

/** The C12.22 application context (IEEE 1703 §5.3.4.1). */
export const C1222_APPLICATION_CONTEXT = '2.16.124.113620.1.22';

/** Options of `C1222Association`. */
export interface C1222AssociationOptions {
  /** Our AP title (calling). */
  readonly callingApTitle: ApTitle;
  /** The peer's AP title (called). */
  readonly calledApTitle: ApTitle;
  /** Security mode of requests (default 0). */
  readonly securityMode?: SecurityMode;
  /** Keys for modes 1 and 2. */
  readonly keys?: C1222KeyStore;
  /** Key id placed in the calling-authentication-value (default 0). */
  readonly keyId?: number;
  /** Base OID for relative AP titles. */
  readonly baseOid?: string;
  /** Send the aSO-context element (A1); default true. */
  readonly applicationContext?: boolean;
  /** calling-AE-qualifier bits (A7). */
  readonly callingAeQualifier?: number;
  /** First calling-AP-invocation-id (default 1). */
  readonly firstInvocationId?: number;
  /** Response control of requests (default 0: always respond). */
  readonly responseControl?: ResponseControl;
  /** Source of 4-byte IVs (default `crypto.randomBytes`). */
  readonly iv?: () => Uint8Array;
}

/** A built request. */
export interface C1222OutgoingRequest {
  readonly bytes: Uint8Array;
  readonly invocationId: number;
}

/** A response paired with its request. */
export interface C1222PairedResponse {
  readonly invocationId: number;
  readonly requests: readonly C1222Request[];
  readonly responses: readonly C1222Response[];
  readonly message: C1222Message;
}

/** True when two AP titles name the same node (absolute forms compared when they can be made). */
export function sameApTitle(a: ApTitle | undefined, b: ApTitle | undefined, baseOid?: string): boolean {
  if (a === undefined || b === undefined) return a === b;
  try {
    return apTitleAbsoluteOid(a, baseOid) === apTitleAbsoluteOid(b, baseOid);
  } catch {
    return apTitleToString(a) === apTitleToString(b);
  }
}

function asNumber(v: number | bigint | undefined): number | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : -1) : v;
}

/** Client-side C12.22 request/response pairing (see the module comment). */
export class C1222Association {
  readonly options: C1222AssociationOptions;
  private nextId: number;
  private readonly pending = new Map<number, { requests: readonly C1222Request[]; mode: SecurityMode }>();

  constructor(options: C1222AssociationOptions) {
    this.options = options;
    this.nextId = options.firstInvocationId ?? 1;
    const mode = options.securityMode ?? 0;
    if (mode !== 0 && options.keys?.has(options.keyId ?? 0) !== true)
      throw new MeterkitError(
        ErrorCode.KeyMissing,
        `security mode ${mode} needs a key for key id ${options.keyId ?? 0}`,
      );
  }

  /** Invocation ids still waiting for their response. */
  get outstanding(): number[] {
    return [...this.pending.keys()];
  }

  /** Builds a request message carrying `services` (in one EPSEM). */
  buildRequest(services: readonly C1222Request[]): C1222OutgoingRequest {
    const o = this.options;
    const invocationId = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    const mode = o.securityMode ?? 0;
    const acse: { -readonly [K in keyof C1222Acse]: C1222Acse[K] } = {
      type: 'c1222-acse',
      calledApTitle: o.calledApTitle,
      callingApTitle: o.callingApTitle,
      callingApInvocationId: invocationId,
    };
    if (o.applicationContext !== false) acse.applicationContext = C1222_APPLICATION_CONTEXT;
    if (o.callingAeQualifier !== undefined) acse.callingAeQualifier = o.callingAeQualifier;
    if (mode !== 0) {
      const iv = (o.iv ?? defaultIv)();
      acse.callingAuthenticationValue = { type: 'c1222', keyId: o.keyId ?? 0, iv };
    }
    const bytes = encodeC1222Message(
      {
        acse,
        epsem: {
          type: 'epsem',
          control: {
            recoverySession: false,
            proxyServiceUsed: false,
            securityMode: mode,
            responseControl: o.responseControl ?? 0,
          },
          services,
        },
      },
      { keys: o.keys, baseOid: o.baseOid },
    );
    this.pending.set(invocationId, { requests: services, mode });
    return { bytes, invocationId };
  }

  /** Forgets a request whose response will not come (timeout, cancel). */
  forget(invocationId: number): void {
    this.pending.delete(invocationId);
  }

  /**
   * Decodes a response message and pairs it with its request. Throws `UnexpectedResponse` (401)
   * for an unknown invocation id or a message not addressed to us, `SecurityMechanismError` (444)
   * when the peer refused our security (`sme`), `AuthenticationFailed` (300) when a secured
   * request gets an unauthenticated or forged answer.
   */
  acceptResponse(bytes: Uint8Array): C1222PairedResponse {
    const o = this.options;
    const acse = decodeC1222Acse(bytes, { baseOid: o.baseOid });
    const invocationId = asNumber(acse.calledApInvocationId);
    const entry = invocationId === undefined ? undefined : this.pending.get(invocationId);
    if (invocationId === undefined || entry === undefined)
      throw new MeterkitError(
        ErrorCode.UnexpectedResponse,
        `response for unknown invocation id ${String(acse.calledApInvocationId)}`,
        { path: 'acse.called-ap-invocation-id' },
      );
    if (!sameApTitle(acse.calledApTitle, o.callingApTitle, o.baseOid))
      throw new MeterkitError(ErrorCode.UnexpectedResponse, 'response is addressed to another AP title', {
        path: 'acse.called-ap-title',
      });
    const message = decodeC1222Message(bytes, {
      keys: o.keys,
      baseOid: o.baseOid,
      requests: entry.requests,
      requireAuthentication: false,
    });
    const services = message.epsem?.services ?? [];
    const responses = services.filter((s): s is C1222Response => s.type.endsWith('-response'));
    if (
      responses.some((r) => r.type === 'error-response' && r.code === ResponseCode.sme) &&
      (entry.mode !== 0 || message.security.mode === 0)
    ) {
      this.pending.delete(invocationId);
      throw new MeterkitError(
        C1222SessionErrorCode.SecurityMechanismError,
        'the peer refused the security of the request (sme)',
        { path: 'epsem.response' },
      );
    }
    if (entry.mode !== 0 && message.security.status !== 'authenticated') {
      this.pending.delete(invocationId);
      throw new MeterkitError(
        ErrorCode.AuthenticationFailed,
        `a secured request got a ${message.security.status} response`,
        { path: 'epsem.control' },
      );
    }
    this.pending.delete(invocationId);
    return { invocationId, requests: entry.requests, responses, message };
  }
}

function defaultIv(): Uint8Array {
  return new Uint8Array(randomBytes(4));
}
