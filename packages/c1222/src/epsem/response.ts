/**
 * PSEM responses (ANSI C12.18-2006 §5.3.2, IEEE 1703-2012 §5.3.2.4): a response code (0x00–0x12)
 * and, for `ok`, a body whose layout depends on the request it answers. `decodeResponse` takes
 * that request; without it an `ok` body is kept as bytes (`ok-response`).
 */
import { ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';
import { type ApTitle, readApTitle, writeApTitle } from '../acse/ap-title.js';
import { ResponseCode, responseCodeName } from './codes.js';
import type { C1222Request, ServiceDecodeOptions } from './request.js';
import { readTableData, type TableData, writeTableData } from './table-data.js';

/** One feature of the identification response (IEEE 1703 §5.3.2.4.1 `<feature>`). */
export type IdentFeature =
  | { readonly feature: 'security-mechanism'; readonly mechanism: ApTitle }
  | {
      readonly feature: 'session-ctrl';
      /** Bit 7: sessionless services supported. */
      readonly sessionlessSupported: boolean;
      /** Bits 0–6: number of concurrent sessions supported. */
      readonly nbrSessionsSupported: number;
    }
  | { readonly feature: 'device-class'; readonly deviceClass: ApTitle }
  | { readonly feature: 'device-identity'; readonly format: number; readonly identification: Uint8Array };

/** Feature codes of the identification response. */
export const IdentFeatureCode = {
  securityMechanism: 0x04,
  sessionCtrl: 0x05,
  deviceClass: 0x06,
  deviceIdentity: 0x07,
} as const;

/** A PSEM response (discriminated on `type`). */
export type C1222Response =
  | {
      /** Any non-`ok` code (C12.18 §5.3.1 / IEEE 1703 §5.3.2.3). */
      readonly type: 'error-response';
      readonly code: number;
      /** Abbreviation (`isc`, `bsy`, …). */
      readonly name: string;
      /** rqtl: the largest request the responder accepts. */
      readonly maxRequestSize?: number;
      /** rstl: the largest response the responder can send. */
      readonly maxResponseSize?: number;
      /** Any further bytes after the code (and size). */
      readonly data: Uint8Array;
    }
  | {
      /** `ok` with a body not decoded further (no request known, or one with an empty ok body). */
      readonly type: 'ok-response';
      readonly data: Uint8Array;
    }
  | {
      readonly type: 'identify-response';
      /** 0 = C12.18, 1 = C12.21, 3 = C12.22. */
      readonly std: number;
      readonly ver: number;
      readonly rev: number;
      readonly features: readonly IdentFeature[];
    }
  | { readonly type: 'read-response'; readonly tableData: TableData }
  | { readonly type: 'logon-response'; readonly sessionIdleTimeout?: number }
  | {
      readonly type: 'negotiate-response';
      readonly packetSize: number;
      readonly numberOfPackets: number;
      readonly baudRate: number;
    }
  | { readonly type: 'authenticate-response'; readonly data: Uint8Array }
  | {
      readonly type: 'registration-response';
      readonly apTitle: ApTitle;
      readonly registrationDelay: number;
      readonly registrationPeriod: number;
      readonly registrationInfo: number;
    }
  | { readonly type: 'resolve-response'; readonly localAddress: Uint8Array }
  | { readonly type: 'trace-response'; readonly apTitles: readonly ApTitle[] };

/** The `type` of a response. */
export type C1222ResponseType = C1222Response['type'];

function readFeatures(r: Reader, path: string, options: ServiceDecodeOptions): IdentFeature[] {
  const out: IdentFeature[] = [];
  for (;;) {
    const at = r.pos;
    const code = r.u8(`${path}.feature`);
    if (code === 0) return out;
    switch (code) {
      case IdentFeatureCode.securityMechanism:
        out.push({
          feature: 'security-mechanism',
          mechanism: readApTitle(r, options.baseOid, `${path}.security-mechanism`),
        });
        break;
      case IdentFeatureCode.sessionCtrl: {
        const b = r.u8(`${path}.session-ctrl`);
        out.push({
          feature: 'session-ctrl',
          sessionlessSupported: (b & 0x80) !== 0,
          nbrSessionsSupported: b & 0x7f,
        });
        break;
      }
      case IdentFeatureCode.deviceClass:
        out.push({
          feature: 'device-class',
          deviceClass: readApTitle(r, options.baseOid, `${path}.device-class`),
        });
        break;
      case IdentFeatureCode.deviceIdentity: {
        const n = r.u8(`${path}.device-identity.length`);
        if (n < 1)
          r.fail(
            ErrorCode.LengthInvalid,
            'device identity needs its format byte',
            `${path}.device-identity`,
            r.pos - 1,
          );
        const format = r.u8(`${path}.device-identity.format`);
        out.push({
          feature: 'device-identity',
          format,
          identification: r.bytes(n - 1, `${path}.device-identity`),
        });
        break;
      }
      default:
        r.fail(
          ErrorCode.Unsupported,
          `unknown identification feature 0x${code.toString(16)}`,
          `${path}.feature`,
          at,
        );
    }
  }
}

/**
 * Decodes one response service (code + body) filling `bytes`, against the request it answers
 * when known. `offset` is its absolute offset, for errors.
 */
export function decodeResponse(
  bytes: Uint8Array,
  request?: C1222Request,
  options: ServiceDecodeOptions = {},
  offset = 0,
): C1222Response {
  const r = new Reader(bytes, 0, bytes.length, offset);
  const code = r.u8('response.code');
  if (code >= 0x20)
    r.fail(ErrorCode.UnexpectedTag, `0x${code.toString(16)} is not a response code`, 'response.code', 0);
  if (code !== ResponseCode.ok) {
    const name = responseCodeName(code);
    let resp: C1222Response;
    if (code === ResponseCode.rqtl)
      resp = {
        type: 'error-response',
        code,
        name,
        maxRequestSize: r.u32('response.max-request-size'),
        data: r.rest(),
      };
    else if (code === ResponseCode.rstl)
      resp = {
        type: 'error-response',
        code,
        name,
        maxResponseSize: r.u32('response.max-response-size'),
        data: r.rest(),
      };
    else resp = { type: 'error-response', code, name, data: r.rest() };
    return resp;
  }
  const path = `response.${request?.type ?? 'ok'}`;
  let resp: C1222Response;
  switch (request?.type) {
    case 'identify':
      resp = {
        type: 'identify-response',
        std: r.u8(`${path}.std`),
        ver: r.u8(`${path}.ver`),
        rev: r.u8(`${path}.rev`),
        features: readFeatures(r, path, options),
      };
      break;
    case 'full-read':
    case 'partial-read-index':
    case 'partial-read-offset':
    case 'default-read':
      resp = { type: 'read-response', tableData: readTableData(r, path, options) };
      break;
    case 'logon':
      resp = r.atEnd
        ? { type: 'logon-response' }
        : { type: 'logon-response', sessionIdleTimeout: r.u16(`${path}.session-idle-timeout`) };
      break;
    case 'negotiate':
      resp = {
        type: 'negotiate-response',
        packetSize: r.u16(`${path}.packet-size`),
        numberOfPackets: r.u8(`${path}.nbr-packets`),
        baudRate: r.u8(`${path}.baud-rate`),
      };
      break;
    case 'authenticate': {
      const n = r.u8(`${path}.length`);
      resp = { type: 'authenticate-response', data: r.bytes(n, `${path}.data`) };
      break;
    }
    case 'registration':
      resp = {
        type: 'registration-response',
        apTitle: readApTitle(r, options.baseOid, `${path}.ap-title`),
        registrationDelay: r.u16(`${path}.registration-delay`),
        registrationPeriod: r.u24(`${path}.registration-period`),
        registrationInfo: r.u8(`${path}.registration-info`),
      };
      break;
    case 'resolve': {
      const n = r.berLengthBounded(`${path}.local-address-length`);
      resp = { type: 'resolve-response', localAddress: r.bytes(n, `${path}.local-address`) };
      break;
    }
    case 'trace': {
      const apTitles: ApTitle[] = [];
      while (!r.atEnd) apTitles.push(readApTitle(r, options.baseOid, `${path}.ap-title`));
      resp = { type: 'trace-response', apTitles };
      break;
    }
    default:
      resp = { type: 'ok-response', data: r.rest() };
  }
  r.expectEnd(path);
  return resp;
}

/** Writes one response service (code + body). */
export function writeResponse(w: Writer, resp: C1222Response): void {
  if (resp.type === 'error-response') {
    if (resp.code === 0 || resp.code >= 0x20)
      throw new MeterkitError(
        ErrorCode.EncodeFailed,
        `0x${resp.code.toString(16)} is not an error response code`,
        {
          path: 'response.code',
        },
      );
    w.u8(resp.code);
    if (resp.code === ResponseCode.rqtl) w.u32(resp.maxRequestSize ?? 0);
    if (resp.code === ResponseCode.rstl) w.u32(resp.maxResponseSize ?? 0);
    w.bytes(resp.data);
    return;
  }
  w.u8(ResponseCode.ok);
  switch (resp.type) {
    case 'ok-response':
      w.bytes(resp.data);
      break;
    case 'identify-response':
      w.u8(resp.std).u8(resp.ver).u8(resp.rev);
      for (const f of resp.features) {
        switch (f.feature) {
          case 'security-mechanism':
            w.u8(IdentFeatureCode.securityMechanism);
            writeApTitle(w, f.mechanism);
            break;
          case 'session-ctrl':
            w.u8(IdentFeatureCode.sessionCtrl).u8(
              (f.sessionlessSupported ? 0x80 : 0) | (f.nbrSessionsSupported & 0x7f),
            );
            break;
          case 'device-class':
            w.u8(IdentFeatureCode.deviceClass);
            writeApTitle(w, f.deviceClass);
            break;
          case 'device-identity':
            w.u8(IdentFeatureCode.deviceIdentity)
              .u8(f.identification.length + 1)
              .u8(f.format)
              .bytes(f.identification);
            break;
        }
      }
      w.u8(0);
      break;
    case 'read-response':
      writeTableData(w, resp.tableData);
      break;
    case 'logon-response':
      if (resp.sessionIdleTimeout !== undefined) w.u16(resp.sessionIdleTimeout);
      break;
    case 'negotiate-response':
      w.u16(resp.packetSize).u8(resp.numberOfPackets).u8(resp.baudRate);
      break;
    case 'authenticate-response':
      w.u8(resp.data.length).bytes(resp.data);
      break;
    case 'registration-response':
      writeApTitle(w, resp.apTitle);
      w.u16(resp.registrationDelay).u24(resp.registrationPeriod).u8(resp.registrationInfo);
      break;
    case 'resolve-response':
      w.berLength(resp.localAddress.length).bytes(resp.localAddress);
      break;
    case 'trace-response':
      for (const t of resp.apTitles) writeApTitle(w, t);
      break;
  }
}

/** Encodes one response service to bytes. */
export function encodeResponse(resp: C1222Response): Uint8Array {
  const w = new Writer(32);
  writeResponse(w, resp);
  return w.finish();
}
