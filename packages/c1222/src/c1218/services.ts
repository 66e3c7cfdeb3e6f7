/**
 * PSEM services over C12.18 packets (ANSI C12.18-2006 §5.3.2): the same request/response codec as
 * C12.22 EPSEM services (`decodeRequest`, `decodeResponse`), restricted to the services C12.18
 * (and C12.21's authenticate) defines, and carried one APDU per packet or multi-packet
 * transmission. C12.18 logon has no session-idle-timeout and security no user id.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { type C1222Request, type C1222RequestType, decodeRequest, encodeRequest } from '../epsem/request.js';
import { type C1222Response, decodeResponse, encodeResponse } from '../epsem/response.js';
import { encodeC1218Packet } from './packet.js';
import { type C1218SegmentOptions, segmentC1218 } from './segment.js';

/** The request types C12.18 (with C12.21 authenticate) knows. */
export const C1218_REQUEST_TYPES: ReadonlySet<C1222RequestType> = new Set<C1222RequestType>([
  'identify',
  'terminate',
  'full-read',
  'partial-read-index',
  'default-read',
  'partial-read-offset',
  'full-write',
  'partial-write-index',
  'partial-write-offset',
  'logon',
  'security',
  'logoff',
  'authenticate',
  'negotiate',
  'wait',
]);

function checkC1218(req: C1222Request): void {
  if (!C1218_REQUEST_TYPES.has(req.type))
    throw new MeterkitError(ErrorCode.Unsupported, `${req.type} is not a C12.18 service`, {
      path: 'request',
    });
  if (req.type === 'logon' && req.sessionIdleTimeout !== undefined)
    throw new MeterkitError(ErrorCode.Unsupported, 'C12.18 logon has no session-idle-timeout', {
      path: 'request.logon',
    });
  if (req.type === 'security' && req.userId !== undefined)
    throw new MeterkitError(ErrorCode.Unsupported, 'C12.18 security has no user id', {
      path: 'request.security',
    });
}

/** Decodes the data of a C12.18 request APDU. */
export function decodeC1218Request(data: Uint8Array, offset = 0): C1222Request {
  const req = decodeRequest(data, {}, offset);
  checkC1218(req);
  return req;
}

/** Decodes the data of a C12.18 response APDU against the request it answers. */
export function decodeC1218Response(data: Uint8Array, request?: C1222Request, offset = 0): C1222Response {
  return decodeResponse(data, request, {}, offset);
}

/** Encodes a C12.18 request as wire packets (split per the negotiated packet size). */
export function encodeC1218Request(req: C1222Request, options: C1218SegmentOptions = {}): Uint8Array[] {
  checkC1218(req);
  return segmentC1218(encodeRequest(req), options).map(encodeC1218Packet);
}

/** Encodes a C12.18 response as wire packets. */
export function encodeC1218Response(resp: C1222Response, options: C1218SegmentOptions = {}): Uint8Array[] {
  return segmentC1218(encodeResponse(resp), options).map(encodeC1218Packet);
}
