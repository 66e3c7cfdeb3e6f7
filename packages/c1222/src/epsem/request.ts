/**
 * PSEM request services with typed bodies: ANSI C12.18-2006 §5.3.2 and IEEE 1703-2012 §5.3.2.4
 * (identification, read, write, logon, security, logoff, authenticate, negotiate, wait,
 * terminate, disconnect, registration, deregistration, resolve, trace). The same codec serves
 * C12.18 packets and C12.22 EPSEM services; C12.22-only fields (logon session-idle-timeout,
 * security user-id) are optional and decoded by length.
 */
import { ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';
import { type ApTitle, readApTitle, writeApTitle } from '../acse/ap-title.js';
import { RequestCode } from './codes.js';
import { readTableData, type TableData, type TableDataOptions, writeTableData } from './table-data.js';

/** Length of the logon user field (C12.18 §5.3.2.4.5). */
export const LOGON_USER_LENGTH = 10;
/** Length of the security password field (C12.18 §5.3.2.4.6). */
export const SECURITY_PASSWORD_LENGTH = 20;
/** Length of the registration device class (IEEE 1703 §5.3.2.4.10, same size as ED_CLASS). */
export const DEVICE_CLASS_LENGTH = 4;

/** A PSEM request (discriminated on `type`). */
export type C1222Request =
  | { readonly type: 'identify' }
  | { readonly type: 'terminate' }
  | { readonly type: 'disconnect' }
  | { readonly type: 'full-read'; readonly tableId: number }
  | {
      readonly type: 'partial-read-index';
      readonly tableId: number;
      /** 1–9 indices (the code is 0x30 + count). */
      readonly index: readonly number[];
      readonly elementCount: number;
    }
  | { readonly type: 'default-read' }
  | {
      readonly type: 'partial-read-offset';
      readonly tableId: number;
      readonly offset: number;
      readonly octetCount: number;
    }
  | { readonly type: 'full-write'; readonly tableId: number; readonly tableData: TableData }
  | {
      readonly type: 'partial-write-index';
      readonly tableId: number;
      readonly index: readonly number[];
      readonly tableData: TableData;
    }
  | {
      readonly type: 'partial-write-offset';
      readonly tableId: number;
      readonly offset: number;
      readonly tableData: TableData;
    }
  | {
      readonly type: 'logon';
      readonly userId: number;
      /** 10 bytes. */
      readonly user: Uint8Array;
      /** C12.22 only: requested session idle timeout in seconds. */
      readonly sessionIdleTimeout?: number;
    }
  | {
      readonly type: 'security';
      /** 20 bytes. Never printed by meterkit tools. */
      readonly password: Uint8Array;
      /** C12.22 only. */
      readonly userId?: number;
    }
  | { readonly type: 'logoff' }
  | { readonly type: 'authenticate'; readonly data: Uint8Array }
  | {
      readonly type: 'negotiate';
      readonly packetSize: number;
      readonly numberOfPackets: number;
      /** 0–11 baud rate codes (the code is 0x60 + count). */
      readonly baudRates: readonly number[];
    }
  | { readonly type: 'wait'; readonly seconds: number }
  | {
      readonly type: 'registration';
      readonly nodeType: number;
      readonly connectionType: number;
      /** 4 bytes. */
      readonly deviceClass: Uint8Array;
      readonly apTitle: ApTitle;
      readonly electronicSerialNumber: ApTitle;
      readonly nativeAddress: Uint8Array;
      /** Seconds (3 bytes). */
      readonly registrationPeriod: number;
      /** Present when nodeType bit 7 is set. */
      readonly myDomainPattern?: Uint8Array;
    }
  | { readonly type: 'deregistration'; readonly apTitle: ApTitle }
  | { readonly type: 'resolve'; readonly apTitle: ApTitle }
  | { readonly type: 'trace'; readonly apTitle: ApTitle };

/** The `type` of a request. */
export type C1222RequestType = C1222Request['type'];

/** Node-type bits of the registration service (IEEE 1703 §5.3.2.4.10). */
export const NodeType = {
  relay: 0x01,
  masterRelay: 0x02,
  host: 0x04,
  notificationHost: 0x08,
  authenticationHost: 0x10,
  endDevice: 0x20,
  myDomainPatternFlag: 0x80,
} as const;

/** Options of the service decoders. */
export interface ServiceDecodeOptions extends TableDataOptions {
  /** Base OID for relative AP titles inside services. */
  readonly baseOid?: string;
}

/** Decodes one request service (code + body) filling `bytes`. `offset` is its absolute offset. */
export function decodeRequest(
  bytes: Uint8Array,
  options: ServiceDecodeOptions = {},
  offset = 0,
): C1222Request {
  const r = new Reader(bytes, 0, bytes.length, offset);
  const code = r.u8('request.code');
  const path = `request.0x${code.toString(16).padStart(2, '0')}`;
  let req: C1222Request;
  if (code === RequestCode.identify) req = { type: 'identify' };
  else if (code === RequestCode.terminate) req = { type: 'terminate' };
  else if (code === RequestCode.disconnect) req = { type: 'disconnect' };
  else if (code === RequestCode.logoff) req = { type: 'logoff' };
  else if (code === RequestCode.defaultRead) req = { type: 'default-read' };
  else if (code === RequestCode.fullRead) req = { type: 'full-read', tableId: r.u16(`${path}.table-id`) };
  else if (code >= 0x31 && code <= 0x39) {
    const tableId = r.u16(`${path}.table-id`);
    const index: number[] = [];
    for (let i = 0; i < code - 0x30; i++) index.push(r.u16(`${path}.index`));
    req = { type: 'partial-read-index', tableId, index, elementCount: r.u16(`${path}.element-count`) };
  } else if (code === RequestCode.partialReadOffset) {
    req = {
      type: 'partial-read-offset',
      tableId: r.u16(`${path}.table-id`),
      offset: r.u24(`${path}.offset`),
      octetCount: r.u16(`${path}.octet-count`),
    };
  } else if (code === RequestCode.fullWrite) {
    req = {
      type: 'full-write',
      tableId: r.u16(`${path}.table-id`),
      tableData: readTableData(r, path, options),
    };
  } else if (code >= 0x41 && code <= 0x49) {
    const tableId = r.u16(`${path}.table-id`);
    const index: number[] = [];
    for (let i = 0; i < code - 0x40; i++) index.push(r.u16(`${path}.index`));
    req = { type: 'partial-write-index', tableId, index, tableData: readTableData(r, path, options) };
  } else if (code === RequestCode.partialWriteOffset) {
    req = {
      type: 'partial-write-offset',
      tableId: r.u16(`${path}.table-id`),
      offset: r.u24(`${path}.offset`),
      tableData: readTableData(r, path, options),
    };
  } else if (code === RequestCode.logon) {
    const userId = r.u16(`${path}.user-id`);
    const user = r.bytes(LOGON_USER_LENGTH, `${path}.user`);
    req = r.atEnd
      ? { type: 'logon', userId, user }
      : { type: 'logon', userId, user, sessionIdleTimeout: r.u16(`${path}.session-idle-timeout`) };
  } else if (code === RequestCode.security) {
    const password = r.bytes(SECURITY_PASSWORD_LENGTH, `${path}.password`);
    req = r.atEnd
      ? { type: 'security', password }
      : { type: 'security', password, userId: r.u16(`${path}.user-id`) };
  } else if (code === RequestCode.authenticate) {
    const n = r.u8(`${path}.length`);
    req = { type: 'authenticate', data: r.bytes(n, `${path}.data`) };
  } else if (code >= 0x60 && code <= 0x6b) {
    const packetSize = r.u16(`${path}.packet-size`);
    const numberOfPackets = r.u8(`${path}.nbr-packets`);
    const baudRates: number[] = [];
    for (let i = 0; i < code - 0x60; i++) baudRates.push(r.u8(`${path}.baud-rate`));
    req = { type: 'negotiate', packetSize, numberOfPackets, baudRates };
  } else if (code === RequestCode.wait) {
    req = { type: 'wait', seconds: r.u8(`${path}.time`) };
  } else if (code === RequestCode.registration) {
    const nodeType = r.u8(`${path}.node-type`);
    const connectionType = r.u8(`${path}.connection-type`);
    const deviceClass = r.bytes(DEVICE_CLASS_LENGTH, `${path}.device-class`);
    const apTitle = readApTitle(r, options.baseOid, `${path}.ap-title`);
    const electronicSerialNumber = readApTitle(r, options.baseOid, `${path}.electronic-serial-number`);
    const n = r.berLengthBounded(`${path}.native-address-length`);
    const nativeAddress = r.bytes(n, `${path}.native-address`);
    const registrationPeriod = r.u24(`${path}.registration-period`);
    const base = {
      type: 'registration',
      nodeType,
      connectionType,
      deviceClass,
      apTitle,
      electronicSerialNumber,
      nativeAddress,
      registrationPeriod,
    } as const;
    if (nodeType & NodeType.myDomainPatternFlag) {
      const m = r.u8(`${path}.my-domain-pattern-length`);
      req = { ...base, myDomainPattern: r.bytes(m, `${path}.my-domain-pattern`) };
    } else req = base;
  } else if (
    code === RequestCode.deregistration ||
    code === RequestCode.resolve ||
    code === RequestCode.trace
  ) {
    const type =
      code === RequestCode.deregistration
        ? 'deregistration'
        : code === RequestCode.resolve
          ? 'resolve'
          : 'trace';
    req = { type, apTitle: readApTitle(r, options.baseOid, `${path}.ap-title`) };
  } else {
    return r.fail(
      ErrorCode.Unsupported,
      `unknown request code 0x${code.toString(16).padStart(2, '0')}`,
      'request.code',
      0,
    );
  }
  r.expectEnd(path);
  return req;
}

/** The request code a request is sent with (0x31–0x39 etc. depend on the index count). */
export function requestCode(req: C1222Request): number {
  switch (req.type) {
    case 'identify':
      return RequestCode.identify;
    case 'terminate':
      return RequestCode.terminate;
    case 'disconnect':
      return RequestCode.disconnect;
    case 'logoff':
      return RequestCode.logoff;
    case 'default-read':
      return RequestCode.defaultRead;
    case 'full-read':
      return RequestCode.fullRead;
    case 'partial-read-index':
      return 0x30 + req.index.length;
    case 'partial-read-offset':
      return RequestCode.partialReadOffset;
    case 'full-write':
      return RequestCode.fullWrite;
    case 'partial-write-index':
      return 0x40 + req.index.length;
    case 'partial-write-offset':
      return RequestCode.partialWriteOffset;
    case 'logon':
      return RequestCode.logon;
    case 'security':
      return RequestCode.security;
    case 'authenticate':
      return RequestCode.authenticate;
    case 'negotiate':
      return 0x60 + req.baudRates.length;
    case 'wait':
      return RequestCode.wait;
    case 'registration':
      return RequestCode.registration;
    case 'deregistration':
      return RequestCode.deregistration;
    case 'resolve':
      return RequestCode.resolve;
    case 'trace':
      return RequestCode.trace;
  }
}

function encodeFail(message: string, path: string): never {
  throw new MeterkitError(ErrorCode.EncodeFailed, message, { path });
}

function fixed(bytes: Uint8Array, n: number, path: string): Uint8Array {
  if (bytes.length !== n) encodeFail(`${path} must be ${n} bytes, not ${bytes.length}`, path);
  return bytes;
}

/** Writes one request service (code + body). */
export function writeRequest(w: Writer, req: C1222Request): void {
  const path = `request.${req.type}`;
  switch (req.type) {
    case 'partial-read-index':
    case 'partial-write-index':
      if (req.index.length < 1 || req.index.length > 9) encodeFail('1 to 9 indices allowed', `${path}.index`);
      break;
    case 'negotiate':
      if (req.baudRates.length > 11) encodeFail('at most 11 baud rates', `${path}.baud-rates`);
      break;
  }
  w.u8(requestCode(req));
  switch (req.type) {
    case 'full-read':
      w.u16(req.tableId);
      break;
    case 'partial-read-index':
      w.u16(req.tableId);
      for (const i of req.index) w.u16(i);
      w.u16(req.elementCount);
      break;
    case 'partial-read-offset':
      w.u16(req.tableId).u24(req.offset).u16(req.octetCount);
      break;
    case 'full-write':
      w.u16(req.tableId);
      writeTableData(w, req.tableData);
      break;
    case 'partial-write-index':
      w.u16(req.tableId);
      for (const i of req.index) w.u16(i);
      writeTableData(w, req.tableData);
      break;
    case 'partial-write-offset':
      w.u16(req.tableId).u24(req.offset);
      writeTableData(w, req.tableData);
      break;
    case 'logon':
      w.u16(req.userId).bytes(fixed(req.user, LOGON_USER_LENGTH, `${path}.user`));
      if (req.sessionIdleTimeout !== undefined) w.u16(req.sessionIdleTimeout);
      break;
    case 'security':
      w.bytes(fixed(req.password, SECURITY_PASSWORD_LENGTH, `${path}.password`));
      if (req.userId !== undefined) w.u16(req.userId);
      break;
    case 'authenticate':
      w.u8(req.data.length).bytes(req.data);
      break;
    case 'negotiate':
      w.u16(req.packetSize).u8(req.numberOfPackets);
      for (const b of req.baudRates) w.u8(b);
      break;
    case 'wait':
      w.u8(req.seconds);
      break;
    case 'registration':
      w.u8(req.nodeType)
        .u8(req.connectionType)
        .bytes(fixed(req.deviceClass, DEVICE_CLASS_LENGTH, `${path}.device-class`));
      writeApTitle(w, req.apTitle);
      writeApTitle(w, req.electronicSerialNumber);
      w.berLength(req.nativeAddress.length).bytes(req.nativeAddress).u24(req.registrationPeriod);
      if (req.nodeType & NodeType.myDomainPatternFlag) {
        const m = req.myDomainPattern ?? new Uint8Array(0);
        w.u8(m.length).bytes(m);
      } else if (req.myDomainPattern !== undefined) {
        encodeFail('my-domain-pattern needs node-type bit 7', `${path}.my-domain-pattern`);
      }
      break;
    case 'deregistration':
    case 'resolve':
    case 'trace':
      writeApTitle(w, req.apTitle);
      break;
    default:
      break;
  }
}

/** Encodes one request service to bytes. */
export function encodeRequest(req: C1222Request): Uint8Array {
  const w = new Writer(32);
  writeRequest(w, req);
  return w.finish();
}
