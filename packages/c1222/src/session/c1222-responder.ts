/**
 * The responding side of C12.22 message exchange (IEEE 1703-2012 §5.3.4, §5.3.3) as a sans-IO
 * object: it verifies (and decrypts) a request message, hands each request service to a handler,
 * and builds the response message: called AP title = the requester's calling AP title,
 * called-AP-invocation-id = its calling-AP-invocation-id, the same security mode and key id with a
 * fresh IV, and the EPSEM response control honoured (always / on exception / never).
 *
 * A request whose EAX' tag does not verify, or whose key id is unknown, is answered in cleartext
 * with `sme` (security mechanism error); one below the required security mode with `isc`; one
 * addressed to another AP title with `uat`. Bytes that are not a C12.22 message get no answer.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, isMeterkitError, type MeterkitError } from '@meterkit/core';
import type { ApTitle } from '../acse/ap-title.js';
import { type C1222Acse, decodeC1222Acse } from '../acse/apdu.js';
import { ResponseCode, responseCodeName } from '../epsem/codes.js';
import type { SecurityMode } from '../epsem/control.js';
import type { C1222Request } from '../epsem/request.js';
import type { C1222Response } from '../epsem/response.js';
import { type C1222Message, decodeC1222Message, encodeC1222Message } from '../message.js';
import type { C1222KeyStore } from '../security/eaxprime.js';
import { sameApTitle } from './c1222-association.js';

/** What a service handler learns about the message a request came in. */
export interface C1222RequestContext {
  readonly callingApTitle: ApTitle | undefined;
  readonly securityMode: SecurityMode;
  /** True for a mode 1/2 message whose tag verified. */
  readonly authenticated: boolean;
  readonly keyId: number;
}

/** Answers one request service. */
export type C1222ServiceHandler = (request: C1222Request, context: C1222RequestContext) => C1222Response;

/** Options of `C1222Responder`. */
export interface C1222ResponderOptions {
  /** Our AP title. */
  readonly apTitle: ApTitle;
  readonly keys?: C1222KeyStore;
  readonly baseOid?: string;
  /** Lowest security mode accepted (default 0). */
  readonly minimumSecurityMode?: SecurityMode;
  /** Source of 4-byte IVs (default `crypto.randomBytes`). */
  readonly iv?: () => Uint8Array;
  /** Told about requests that got no answer or a security refusal (for logs). */
  readonly onReject?: (reason: string, error?: MeterkitError) => void;
}

/** Server-side C12.22 message handling (see the module comment). */
export class C1222Responder {
  readonly options: C1222ResponderOptions;
  private nextId = 1;

  constructor(options: C1222ResponderOptions) {
    this.options = options;
  }

  /**
   * Handles one received request message and returns the response message to send, or undefined
   * when none is due. Never throws on received bytes; a throwing handler is answered with `err`.
   */
  handle(bytes: Uint8Array, handler: C1222ServiceHandler): Uint8Array | undefined {
    const o = this.options;
    let message: C1222Message;
    try {
      message = decodeC1222Message(bytes, { keys: o.keys, baseOid: o.baseOid });
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      const acse = tryAcse(bytes, o.baseOid);
      if (acse === undefined) {
        o.onReject?.('not a C12.22 message', e);
        return undefined;
      }
      if (e.code === ErrorCode.AuthenticationFailed) {
        o.onReject?.('EAX tag does not verify', e);
        return this.refuse(acse, ResponseCode.sme);
      }
      o.onReject?.('malformed EPSEM', e);
      return this.refuse(acse, ResponseCode.err);
    }
    const acse = message.acse;
    if (message.security.mode !== 0 && message.security.status !== 'authenticated') {
      o.onReject?.(`no key for key id ${message.security.keyId}`);
      return this.refuse(acse, ResponseCode.sme);
    }
    if (message.security.mode < (o.minimumSecurityMode ?? 0)) {
      o.onReject?.(`security mode ${message.security.mode} below the required one`);
      return this.refuse(acse, ResponseCode.isc);
    }
    if (acse.calledApTitle !== undefined && !sameApTitle(acse.calledApTitle, o.apTitle, o.baseOid)) {
      o.onReject?.('addressed to another AP title');
      return this.refuse(acse, ResponseCode.uat);
    }
    const epsem = message.epsem!;
    const context: C1222RequestContext = {
      callingApTitle: acse.callingApTitle,
      securityMode: message.security.mode,
      authenticated: message.security.status === 'authenticated',
      keyId: message.security.keyId,
    };
    const responses: C1222Response[] = [];
    for (const s of epsem.services) {
      if (s.type.endsWith('-response')) continue;
      const req = s as C1222Request;
      let resp: C1222Response;
      try {
        resp = handler(req, context);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        resp = errorResponse(ResponseCode.err);
      }
      responses.push(resp);
    }
    const rc = epsem.control.responseControl;
    if (rc === 2) return undefined;
    if (rc === 1 && responses.every((r) => r.type !== 'error-response')) return undefined;
    if (responses.length === 0) return undefined;
    return this.respond(acse, message.security.mode, message.security.keyId, responses);
  }

  private refuse(acse: C1222Acse, code: number): Uint8Array | undefined {
    try {
      return this.respond(acse, 0, 0, [errorResponse(code)]);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      this.options.onReject?.('cannot address a refusal', e);
      return undefined;
    }
  }

  private respond(
    request: C1222Acse,
    mode: SecurityMode,
    keyId: number,
    responses: readonly C1222Response[],
  ): Uint8Array {
    const o = this.options;
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    const acse: { -readonly [K in keyof C1222Acse]: C1222Acse[K] } = {
      type: 'c1222-acse',
      callingApTitle: o.apTitle,
      callingApInvocationId: id,
    };
    if (request.applicationContext !== undefined) acse.applicationContext = request.applicationContext;
    if (request.callingApTitle !== undefined) acse.calledApTitle = request.callingApTitle;
    if (request.callingApInvocationId !== undefined)
      acse.calledApInvocationId = request.callingApInvocationId;
    if (mode !== 0) acse.callingAuthenticationValue = { type: 'c1222', keyId, iv: (o.iv ?? defaultIv)() };
    return encodeC1222Message(
      {
        acse,
        epsem: {
          type: 'epsem',
          control: {
            recoverySession: false,
            proxyServiceUsed: false,
            securityMode: mode,
            responseControl: 0,
          },
          services: responses,
        },
      },
      { keys: o.keys, baseOid: o.baseOid },
    );
  }
}

/** An error response with the standard abbreviation. */
export function errorResponse(code: number): C1222Response {
  return { type: 'error-response', code, name: responseCodeName(code), data: new Uint8Array(0) };
}

function tryAcse(bytes: Uint8Array, baseOid: string | undefined): C1222Acse | undefined {
  try {
    return decodeC1222Acse(bytes, { baseOid });
  } catch (e) {
    if (!isMeterkitError(e)) throw e;
    return undefined;
  }
}

function defaultIv(): Uint8Array {
  return new Uint8Array(randomBytes(4));
}
