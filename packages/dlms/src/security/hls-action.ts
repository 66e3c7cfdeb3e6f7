/**
 * The reply_to_HLS_authentication exchange of HLS pass 3 and 4 (IEC 62056-6-2 §4.4.4, Association
 * LN method 1; IEC 62056-5-3 §9.2.2.2): the ACTION.request carrying f(StoC) and the
 * ACTION.response carrying f(CtoS), as bytes (action-request-normal / action-response-normal with
 * an octet-string parameter).
 */
import { ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';

/** Logical name of the current association, 0-0:40.0.0.255 (IEC 62056-6-2 §4.4.4). */
export const CURRENT_ASSOCIATION_LN: Uint8Array = Uint8Array.of(0, 0, 40, 0, 0, 255);
/** class_id of Association LN (IEC 62056-6-2 §4.4.4). */
export const ASSOCIATION_LN_CLASS_ID = 15;
/** Method id of reply_to_HLS_authentication. */
export const REPLY_TO_HLS_AUTHENTICATION = 1;

/** A decoded reply_to_HLS_authentication ACTION.request. */
export interface ReplyToHlsAuthenticationRequest {
  readonly type: 'reply-to-hls-authentication-request';
  readonly invokeIdAndPriority: number;
  /** The Association LN instance (normally 0-0:40.0.0.255). */
  readonly instance: Uint8Array;
  /** f(StoC). */
  readonly response: Uint8Array;
  readonly raw: Uint8Array;
}

/** A decoded reply_to_HLS_authentication ACTION.response. */
export interface ReplyToHlsAuthenticationResponse {
  readonly type: 'reply-to-hls-authentication-response';
  readonly invokeIdAndPriority: number;
  /** action-result (0 success). */
  readonly result: number;
  /** f(CtoS), when returned. */
  readonly response: Uint8Array | undefined;
  readonly raw: Uint8Array;
}

/** Encodes action-request-normal (C3 01) for reply_to_HLS_authentication with f(StoC). */
export function encodeReplyToHlsAuthenticationRequest(
  invokeIdAndPriority: number,
  response: Uint8Array,
  instance: Uint8Array = CURRENT_ASSOCIATION_LN,
): Uint8Array {
  if (instance.length !== 6)
    throw new MeterkitError(ErrorCode.EncodeFailed, 'the instance must be a 6-octet logical name');
  const w = new Writer(response.length + 20);
  w.u8(0xc3)
    .u8(0x01)
    .u8(invokeIdAndPriority)
    .u16(ASSOCIATION_LN_CLASS_ID)
    .bytes(instance)
    .i8(REPLY_TO_HLS_AUTHENTICATION);
  w.u8(0x01).u8(0x09).berLength(response.length).bytes(response);
  return w.finish();
}

/** Decodes a reply_to_HLS_authentication ACTION.request; anything else gives `UnexpectedTag` / `ValueInvalid`. */
export function decodeReplyToHlsAuthenticationRequest(bytes: Uint8Array): ReplyToHlsAuthenticationRequest {
  const r = new Reader(bytes);
  const p = 'action-request';
  if (r.u8(p) !== 0xc3 || r.u8(p) !== 0x01)
    r.fail(ErrorCode.UnexpectedTag, 'not an action-request-normal', p, 0);
  const invokeIdAndPriority = r.u8(`${p}.invoke-id-and-priority`);
  const classId = r.u16(`${p}.cosem-method-descriptor.class-id`);
  const instance = r.bytes(6, `${p}.cosem-method-descriptor.instance-id`);
  const method = r.u8(`${p}.cosem-method-descriptor.method-id`);
  if (classId !== ASSOCIATION_LN_CLASS_ID || method !== REPLY_TO_HLS_AUTHENTICATION) {
    r.fail(
      ErrorCode.ValueInvalid,
      `method ${classId}/${method} is not Association LN reply_to_HLS_authentication`,
      `${p}.cosem-method-descriptor`,
      3,
    );
  }
  if (
    r.u8(`${p}.method-invocation-parameters`) !== 0x01 ||
    r.u8(`${p}.method-invocation-parameters`) !== 0x09
  ) {
    r.fail(
      ErrorCode.ValueInvalid,
      'the parameter must be an octet-string',
      `${p}.method-invocation-parameters`,
    );
  }
  const response = r.bytes(
    r.berLengthBounded(`${p}.method-invocation-parameters`),
    `${p}.method-invocation-parameters`,
  );
  r.expectEnd(p);
  return { type: 'reply-to-hls-authentication-request', invokeIdAndPriority, instance, response, raw: bytes };
}

/** Encodes action-response-normal (C7 01) returning f(CtoS) (or only a result when `response` is undefined). */
export function encodeReplyToHlsAuthenticationResponse(
  invokeIdAndPriority: number,
  response: Uint8Array | undefined,
  result = 0,
): Uint8Array {
  const w = new Writer((response?.length ?? 0) + 12);
  w.u8(0xc7).u8(0x01).u8(invokeIdAndPriority).u8(result);
  if (response === undefined) w.u8(0x00);
  else w.u8(0x01).u8(0x00).u8(0x09).berLength(response.length).bytes(response);
  return w.finish();
}

/** Decodes the ACTION.response to reply_to_HLS_authentication. */
export function decodeReplyToHlsAuthenticationResponse(bytes: Uint8Array): ReplyToHlsAuthenticationResponse {
  const r = new Reader(bytes);
  const p = 'action-response';
  if (r.u8(p) !== 0xc7 || r.u8(p) !== 0x01)
    r.fail(ErrorCode.UnexpectedTag, 'not an action-response-normal', p, 0);
  const invokeIdAndPriority = r.u8(`${p}.invoke-id-and-priority`);
  const result = r.u8(`${p}.result`);
  const present = r.u8(`${p}.return-parameters`);
  let response: Uint8Array | undefined;
  if (present === 0x01) {
    const choice = r.u8(`${p}.return-parameters`);
    if (choice !== 0x00 || r.u8(`${p}.return-parameters.data`) !== 0x09) {
      r.fail(
        ErrorCode.ValueInvalid,
        'the return parameter must be data: octet-string',
        `${p}.return-parameters`,
      );
    }
    response = r.bytes(r.berLengthBounded(`${p}.return-parameters.data`), `${p}.return-parameters.data`);
  } else if (present !== 0x00) {
    r.fail(
      ErrorCode.ValueInvalid,
      `OPTIONAL flag ${present} is not 0 or 1`,
      `${p}.return-parameters`,
      r.pos - 1,
    );
  }
  r.expectEnd(p);
  return { type: 'reply-to-hls-authentication-response', invokeIdAndPriority, result, response, raw: bytes };
}
