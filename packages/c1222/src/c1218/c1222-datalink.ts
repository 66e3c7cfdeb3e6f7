/**
 * The C12.22 serial datalink where it differs from C12.18 (the local port between a C12.22
 * Device and a C12.22 Communication Module, IEEE 1703 §6 / ANSI C12.22 §6): the same `EE` packets,
 * CRC, ACK/NAK, toggle bit and multi-packet rules, but
 *
 * - the identity byte holds LOCAL_ADDRESS_NUMBER (bits 3–7: 0 C12.22 Device, 1 Local Port 0,
 *   2 Local Port 1, 3–6 interfaces) and CHANNEL_NUMBER (bits 0–2);
 * - the control byte uses bits 0–1 as DATA_FORMAT (1 = C12.22 Device), bits 2–3 for an
 *   acknowledgment carried inside a packet and bit 4 for transparency (`c1222-transparency.ts`;
 *   the running link uses them with its `transparency` option);
 * - the packet data is a datalink (transport) service instead of a PSEM service: negotiate with a
 *   trailing channel count and an extended baud-rate list, get configuration, link control, send
 *   message (a native address and a whole ACSE APDU), get status, get registration status and send
 *   short message. Responses start with a response code (below 0x20), as in PSEM.
 *
 * The layouts follow the C12.22 working-group text as the only public implementation of this
 * datalink (Itron's C12.22 node stack) quotes and implements it. The get-configuration and
 * get-status, link-control and get-registration-status responses are typed from that stack's
 * builders and parsers (timyardley/c1222 on GitHub, a mirror of Itron's "C1222.net" release 0.1c,
 * `stack/c1222tl.c`). Transparency and in-packet acknowledgments are in
 * `c1222-transparency.ts`.
 */
import { ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';
import { type ApTitle, readApTitle, writeApTitle } from '../acse/ap-title.js';
import { responseCodeName } from '../epsem/codes.js';
import { C1218_BAUD_RATES } from '../session/baud-rates.js';

/** Service codes of the C12.22 datalink (IEEE 1703 §6). */
export const C1222DatalinkCode = {
  /** 60H–6BH: negotiate, low nibble = number of baud rates offered. */
  negotiate: 0x60,
  getConfiguration: 0x72,
  linkControl: 0x73,
  sendMessage: 0x74,
  getStatus: 0x75,
  getRegistrationStatus: 0x76,
  sendShortMessage: 0x77,
} as const;

/** Baud rates by the datalink's code: the C12.18 negotiate codes (`C1218_BAUD_RATES`), unchanged. */
export const C1222_DATALINK_BAUD_RATES: Readonly<Record<number, number>> = C1218_BAUD_RATES;

/** LOCAL_ADDRESS_NUMBER values of the identity byte. */
export const C1222LocalAddress = {
  device: 0,
  localPort0: 1,
  localPort1: 2,
  interface0: 3,
  interface1: 4,
  interface2: 5,
  interface3: 6,
} as const;

/** The identity byte: LOCAL_ADDRESS_NUMBER in bits 3–7, CHANNEL_NUMBER in bits 0–2. */
export function c1222DatalinkIdentity(localAddress: number, channel = 0): number {
  if (!Number.isInteger(localAddress) || localAddress < 0 || localAddress > 31 || localAddress === 29)
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `local address ${localAddress} is not 0–31 (29 is invalid)`,
    );
  if (!Number.isInteger(channel) || channel < 0 || channel > 7)
    throw new MeterkitError(ErrorCode.InvalidArgument, `channel ${channel} is not 0–7`);
  return (localAddress << 3) | channel;
}

/** Splits an identity byte into its two fields. */
export function decodeC1222DatalinkIdentity(identity: number): { localAddress: number; channel: number } {
  return { localAddress: identity >> 3, channel: identity & 0x07 };
}

/** The link control byte (service 73H). */
export interface C1222LinkControl {
  /** Bits 0–1: 0 keep, 1 enable, 2 disable, 3 reset the interface. */
  readonly interfaceControl: number;
  /** Bits 2–3: 0 keep, 1 disable, 2 enable auto registration, 3 force one registration. */
  readonly autoRegistrationControl: number;
  /** Bits 4–5: direct messaging control (0 keep). */
  readonly directMessagingControl: number;
  /** Bit 6. */
  readonly resetStatistics: boolean;
  /** Bit 7. */
  readonly reloadConfiguration: boolean;
}

/** A C12.22 datalink service request. */
export type C1222DatalinkRequest =
  | {
      readonly type: 'dl-negotiate';
      /** Largest packet the sender receives (header and CRC included, at most 8192). */
      readonly packetSize: number;
      /** Most packets it reassembles into one message. */
      readonly numberOfPackets: number;
      /** Baud rate codes it supports (0–11 of them). */
      readonly baudRates: readonly number[];
      /** Concurrent channels it supports. */
      readonly numberOfChannels: number;
    }
  | { readonly type: 'dl-get-configuration' }
  | { readonly type: 'dl-link-control'; readonly control: C1222LinkControl }
  | {
      readonly type: 'dl-send-message' | 'dl-send-short-message';
      /** Destination native network address (empty on a local port). */
      readonly nativeAddress: Uint8Array;
      /** The ACSE APDU. */
      readonly apdu: Uint8Array;
    }
  | { readonly type: 'dl-get-status'; readonly statusControl: number }
  | { readonly type: 'dl-get-registration-status' };

/** A C12.22 datalink service response. */
export type C1222DatalinkResponse =
  | {
      readonly type: 'dl-negotiate-response';
      readonly packetSize: number;
      readonly numberOfPackets: number;
      /** The baud rate code chosen (the current one when none offered fits). */
      readonly baudRate: number;
      readonly numberOfChannels: number;
      /** The interface number of the responder. */
      readonly interfaceNumber: number;
    }
  | ({ readonly type: 'dl-get-configuration-response' } & C1222DatalinkConfiguration)
  | ({ readonly type: 'dl-get-status-response' } & C1222DatalinkStatus)
  | ({ readonly type: 'dl-link-control-response' } & C1222LinkControlResult)
  | ({ readonly type: 'dl-get-registration-status-response' } & C1222DatalinkRegistrationStatus)
  | {
      readonly type: 'dl-response';
      /** Response code (00 ok, 02 sns, …, as the PSEM codes). */
      readonly code: number;
      readonly name: string;
      /** What follows the code (opaque for link control and registration status). */
      readonly data: Uint8Array;
    };

/** NODE_TYPE bits named by the datalink's get-configuration response. */
export const C1222NodeType = { relay: 0x01, endDevice: 0x20 } as const;

/**
 * The body of an `ok` get-configuration response (service 72H, sent by the C12.22 Device to its
 * Communication Module): what the module needs to register the device. UIDs (ESN and AP titles)
 * are universal OID (06) or RELATIVE-OID (0D) TLVs; `0D 00` is "none", decoded as `undefined`.
 */
export interface C1222DatalinkConfiguration {
  /** Control byte bit 0 PASSTHROUGH_MODE. */
  readonly passthroughMode: boolean;
  /** Control byte bits 1–7 as received (no public source names them). */
  readonly controlReserved: number;
  /** The link control byte the module is to apply (same layout as service 73H's). */
  readonly linkControl: C1222LinkControl;
  /** NODE_TYPE (`C1222NodeType` bits). */
  readonly nodeType: number;
  /** DEVICE_CLASS, 4 octets. */
  readonly deviceClass: Uint8Array;
  /** Electronic serial number (a relative or absolute UID). */
  readonly esn: ApTitle | undefined;
  readonly nativeAddress: Uint8Array;
  readonly broadcastAddress: Uint8Array;
  readonly relayNativeAddress: Uint8Array;
  /** The device's AP title (optional tail of the response; `null` when sent as `0D 00`). */
  readonly nodeApTitle?: ApTitle | null;
  /** The master relay's AP title (optional, after the node AP title). */
  readonly masterRelayApTitle?: ApTitle | null;
  /** Retries and response timeout for the module's client side (optional, after both titles). */
  readonly clientResponseControl?: { readonly numberOfRetries: number; readonly responseTimeout: number };
}

/** One statistic of a get-status response: STATISTIC_CODE (UINT16) and value (INT48). */
export interface C1222DatalinkStatistic {
  readonly code: number;
  readonly value: number;
}

/**
 * The body of an `ok` get-status response (service 75H, sent by the Communication Module): the
 * interface name and status when STATUS_CONTROL was 0 or 1, then statistics (all of them for 0 and
 * 2, the changed ones for 3) up to the end.
 */
export interface C1222DatalinkStatus {
  readonly interfaceName?: string;
  /** INTERFACE_STATUS (bit 0: enabled, as the link control response reports it). */
  readonly interfaceStatus?: number;
  readonly statistics: readonly C1222DatalinkStatistic[];
}

/**
 * The body of an `ok` link control response (service 73H, sent by the Communication Module):
 * INTERFACE_STATUS, then the node's AP title as a UID (`0D 00` when it has none).
 */
export interface C1222LinkControlResult {
  /** INTERFACE_STATUS (bit 0: the interface is enabled). */
  readonly interfaceStatus: number;
  /** The AP title the module registered for the node; `undefined` when sent as `0D 00`. */
  readonly nodeApTitle: ApTitle | undefined;
}

/**
 * The body of an `ok` get-registration-status response (service 76H, sent by the Communication
 * Module that registers on the node's behalf): the relay it registered through, the master relay
 * and node AP titles (UIDs, `0D 00` = none), and three UINT16 registration timers.
 */
export interface C1222DatalinkRegistrationStatus {
  /** Native address of the relay the node registered through (one-octet length + octets). */
  readonly relayNativeAddress: Uint8Array;
  readonly masterRelayApTitle: ApTitle | undefined;
  readonly nodeApTitle: ApTitle | undefined;
  /** REG_POWER_UP_DELAY, seconds before registering after power-up. */
  readonly regPowerUpDelay: number;
  /** REG_PERIOD, minutes between registrations (0: no periodic registration). */
  readonly regPeriod: number;
  /** REG_COUNT_DOWN, minutes left until the next registration. */
  readonly regCountDown: number;
}

const LINK_CONTROL = (c: C1222LinkControl): number =>
  (c.interfaceControl & 3) |
  ((c.autoRegistrationControl & 3) << 2) |
  ((c.directMessagingControl & 3) << 4) |
  (c.resetStatistics ? 0x40 : 0) |
  (c.reloadConfiguration ? 0x80 : 0);

/** Decodes a link control byte. */
export function decodeC1222LinkControl(b: number): C1222LinkControl {
  return {
    interfaceControl: b & 3,
    autoRegistrationControl: (b >> 2) & 3,
    directMessagingControl: (b >> 4) & 3,
    resetStatistics: (b & 0x40) !== 0,
    reloadConfiguration: (b & 0x80) !== 0,
  };
}

function encodeFail(message: string, path: string): never {
  throw new MeterkitError(ErrorCode.EncodeFailed, message, { path });
}

/** Encodes a datalink service request (the packet data). */
export function encodeC1222DatalinkRequest(req: C1222DatalinkRequest): Uint8Array {
  const w = new Writer(16);
  switch (req.type) {
    case 'dl-negotiate':
      if (req.baudRates.length > 11) encodeFail('at most 11 baud rates', 'dl-negotiate.baud-rates');
      if (req.packetSize > 8192) encodeFail('packet size above 8192', 'dl-negotiate.packet-size');
      w.u8(C1222DatalinkCode.negotiate + req.baudRates.length)
        .u16(req.packetSize)
        .u8(req.numberOfPackets);
      for (const b of req.baudRates) w.u8(b);
      w.u8(req.numberOfChannels);
      break;
    case 'dl-get-configuration':
      w.u8(C1222DatalinkCode.getConfiguration);
      break;
    case 'dl-link-control':
      w.u8(C1222DatalinkCode.linkControl).u8(LINK_CONTROL(req.control));
      break;
    case 'dl-send-message':
    case 'dl-send-short-message':
      if (req.nativeAddress.length > 255)
        encodeFail('native address above 255 bytes', `${req.type}.native-address`);
      w.u8(
        req.type === 'dl-send-message' ? C1222DatalinkCode.sendMessage : C1222DatalinkCode.sendShortMessage,
      )
        .u8(req.nativeAddress.length)
        .bytes(req.nativeAddress)
        .bytes(req.apdu);
      break;
    case 'dl-get-status':
      w.u8(C1222DatalinkCode.getStatus).u8(req.statusControl);
      break;
    case 'dl-get-registration-status':
      w.u8(C1222DatalinkCode.getRegistrationStatus);
      break;
  }
  return w.finish();
}

/** Decodes a datalink service request; `Unsupported` (212) for another code. */
export function decodeC1222DatalinkRequest(data: Uint8Array, offset = 0): C1222DatalinkRequest {
  const r = new Reader(data, 0, data.length, offset);
  const code = r.u8('dl.code');
  let req: C1222DatalinkRequest;
  if (code >= 0x60 && code <= 0x6b) {
    const packetSize = r.u16('dl-negotiate.packet-size');
    const numberOfPackets = r.u8('dl-negotiate.number-of-packets');
    const baudRates: number[] = [];
    for (let i = 0; i < code - 0x60; i++) baudRates.push(r.u8('dl-negotiate.baud-rate'));
    req = {
      type: 'dl-negotiate',
      packetSize,
      numberOfPackets,
      baudRates,
      numberOfChannels: r.u8('dl-negotiate.number-of-channels'),
    };
  } else if (code === C1222DatalinkCode.getConfiguration) req = { type: 'dl-get-configuration' };
  else if (code === C1222DatalinkCode.linkControl)
    req = { type: 'dl-link-control', control: decodeC1222LinkControl(r.u8('dl-link-control.control')) };
  else if (code === C1222DatalinkCode.sendMessage || code === C1222DatalinkCode.sendShortMessage) {
    const type = code === C1222DatalinkCode.sendMessage ? 'dl-send-message' : 'dl-send-short-message';
    const n = r.u8(`${type}.native-address-length`);
    const nativeAddress = r.bytes(n, `${type}.native-address`);
    req = { type, nativeAddress, apdu: r.rest() };
  } else if (code === C1222DatalinkCode.getStatus)
    req = { type: 'dl-get-status', statusControl: r.u8('dl-get-status.control') };
  else if (code === C1222DatalinkCode.getRegistrationStatus) req = { type: 'dl-get-registration-status' };
  else
    return r.fail(
      ErrorCode.Unsupported,
      `datalink service ${code.toString(16)} is not defined`,
      'dl.code',
      0,
    );
  r.expectEnd('dl');
  return req;
}

/** Encodes a datalink service response. */
export function encodeC1222DatalinkResponse(resp: C1222DatalinkResponse): Uint8Array {
  const w = new Writer(8);
  if (resp.type === 'dl-negotiate-response')
    w.u8(0)
      .u16(resp.packetSize)
      .u8(resp.numberOfPackets)
      .u8(resp.baudRate)
      .u8(resp.numberOfChannels)
      .u8(resp.interfaceNumber);
  else if (resp.type === 'dl-get-configuration-response') writeConfiguration(w.u8(0), resp);
  else if (resp.type === 'dl-get-status-response') writeStatus(w.u8(0), resp);
  else if (resp.type === 'dl-link-control-response') {
    w.u8(0).u8(resp.interfaceStatus);
    writeUid(w, resp.nodeApTitle);
  } else if (resp.type === 'dl-get-registration-status-response') writeRegistrationStatus(w.u8(0), resp);
  else w.u8(resp.code).bytes(resp.data);
  return w.finish();
}

/**
 * Decodes a datalink service response, typed against the request it answers (a negotiate
 * answered `ok` gives `dl-negotiate-response`).
 */
export function decodeC1222DatalinkResponse(
  data: Uint8Array,
  request?: C1222DatalinkRequest,
  offset = 0,
): C1222DatalinkResponse {
  const r = new Reader(data, 0, data.length, offset);
  const code = r.u8('dl-response.code');
  if (code >= 0x20)
    r.fail(ErrorCode.UnexpectedTag, `${code.toString(16)} is not a response code`, 'dl-response.code', 0);
  if (code === 0 && request?.type === 'dl-negotiate') {
    const resp: C1222DatalinkResponse = {
      type: 'dl-negotiate-response',
      packetSize: r.u16('dl-negotiate-response.packet-size'),
      numberOfPackets: r.u8('dl-negotiate-response.number-of-packets'),
      baudRate: r.u8('dl-negotiate-response.baud-rate'),
      numberOfChannels: r.u8('dl-negotiate-response.number-of-channels'),
      interfaceNumber: r.u8('dl-negotiate-response.interface-number'),
    };
    r.expectEnd('dl-negotiate-response');
    return resp;
  }
  if (code === 0 && request?.type === 'dl-get-configuration')
    return { type: 'dl-get-configuration-response', ...readConfiguration(r) };
  if (code === 0 && request?.type === 'dl-get-status')
    return { type: 'dl-get-status-response', ...readStatus(r, request.statusControl) };
  if (code === 0 && request?.type === 'dl-link-control') {
    const p = 'dl-link-control-response';
    const interfaceStatus = r.u8(`${p}.interface-status`);
    const nodeApTitle = readUid(r, `${p}.node-ap-title`);
    r.expectEnd(p);
    return { type: p, interfaceStatus, nodeApTitle };
  }
  if (code === 0 && request?.type === 'dl-get-registration-status')
    return { type: 'dl-get-registration-status-response', ...readRegistrationStatus(r) };
  return { type: 'dl-response', code, name: responseCodeName(code), data: r.rest() };
}

/** Reads a UID TLV (06 or 0D, one-octet length); `0D 00` / `06 00` is none. */
function readUid(r: Reader, path: string): ApTitle | undefined {
  const at = r.pos;
  const tag = r.u8(path);
  if (tag !== 0x06 && tag !== 0x0d)
    r.fail(ErrorCode.UnexpectedTag, `UID tag 0x${tag.toString(16)} is not 06 or 0D`, path, at);
  if (r.peekU8(path) === 0) {
    r.u8(path);
    return undefined;
  }
  r.pos = at;
  return readApTitle(r, undefined, path);
}

function writeUid(w: Writer, uid: ApTitle | null | undefined): void {
  if (uid === undefined || uid === null) w.u8(0x0d).u8(0);
  else writeApTitle(w, uid.form === 'relative' ? { ...uid, universalTag: true } : uid);
}

function readShortItem(r: Reader, path: string): Uint8Array {
  return r.bytes(r.u8(`${path}.length`), path);
}

function writeShortItem(w: Writer, b: Uint8Array, path: string): void {
  if (b.length > 255)
    throw new MeterkitError(ErrorCode.ValueOutOfRange, `${b.length} octets do not fit a one-octet length`, {
      path,
    });
  w.u8(b.length).bytes(b);
}

function readConfiguration(r: Reader): C1222DatalinkConfiguration {
  const p = 'dl-get-configuration-response';
  const control = r.u8(`${p}.control`);
  const linkControl = decodeC1222LinkControl(r.u8(`${p}.link-control`));
  const nodeType = r.u8(`${p}.node-type`);
  const deviceClass = r.bytes(4, `${p}.device-class`);
  const esn = readUid(r, `${p}.esn`);
  const nativeAddress = readShortItem(r, `${p}.native-address`);
  const broadcastAddress = readShortItem(r, `${p}.broadcast-address`);
  const relayNativeAddress = readShortItem(r, `${p}.relay-native-address`);
  const c: { -readonly [K in keyof C1222DatalinkConfiguration]: C1222DatalinkConfiguration[K] } = {
    passthroughMode: (control & 1) !== 0,
    controlReserved: control & 0xfe,
    linkControl,
    nodeType,
    deviceClass,
    esn,
    nativeAddress,
    broadcastAddress,
    relayNativeAddress,
  };
  if (!r.atEnd) c.nodeApTitle = readUid(r, `${p}.node-ap-title`) ?? null;
  if (!r.atEnd) c.masterRelayApTitle = readUid(r, `${p}.master-relay-ap-title`) ?? null;
  if (!r.atEnd)
    c.clientResponseControl = {
      numberOfRetries: r.u8(`${p}.number-of-retries`),
      responseTimeout: r.u16(`${p}.response-timeout`),
    };
  r.expectEnd(p);
  return c;
}

function writeConfiguration(w: Writer, c: C1222DatalinkConfiguration): void {
  const p = 'dl-get-configuration-response';
  if (c.deviceClass.length !== 4)
    throw new MeterkitError(ErrorCode.ValueOutOfRange, 'DEVICE_CLASS must be 4 octets', {
      path: `${p}.device-class`,
    });
  w.u8((c.passthroughMode ? 1 : 0) | (c.controlReserved & 0xfe));
  w.u8(LINK_CONTROL(c.linkControl)).u8(c.nodeType).bytes(c.deviceClass);
  writeUid(w, c.esn);
  writeShortItem(w, c.nativeAddress, `${p}.native-address`);
  writeShortItem(w, c.broadcastAddress, `${p}.broadcast-address`);
  writeShortItem(w, c.relayNativeAddress, `${p}.relay-native-address`);
  const tail =
    c.clientResponseControl !== undefined
      ? 3
      : c.masterRelayApTitle !== undefined
        ? 2
        : c.nodeApTitle !== undefined
          ? 1
          : 0;
  if (tail >= 1) writeUid(w, c.nodeApTitle);
  if (tail >= 2) writeUid(w, c.masterRelayApTitle);
  if (c.clientResponseControl !== undefined)
    w.u8(c.clientResponseControl.numberOfRetries).u16(c.clientResponseControl.responseTimeout);
}

const INT48_SIGN = 2 ** 47;
const INT48_RANGE = 2 ** 48;

function readStatus(r: Reader, statusControl: number): C1222DatalinkStatus {
  const p = 'dl-get-status-response';
  const info =
    statusControl === 0 || statusControl === 1
      ? {
          interfaceName: String.fromCharCode(
            ...r.bytes(r.u8(`${p}.interface-name.length`), `${p}.interface-name`),
          ),
          interfaceStatus: r.u8(`${p}.interface-status`),
        }
      : {};
  if (r.remaining % 8 !== 0)
    r.fail(ErrorCode.Truncated, `statistics take 8 octets each, ${r.remaining} are left`, `${p}.statistics`);
  const statistics: C1222DatalinkStatistic[] = [];
  while (!r.atEnd) {
    const code = r.u16(`${p}.statistics.code`);
    const v = r.u16(`${p}.statistics.value`) * 2 ** 32 + r.u32(`${p}.statistics.value`);
    statistics.push({ code, value: v >= INT48_SIGN ? v - INT48_RANGE : v });
  }
  return { ...info, statistics };
}

function writeStatus(w: Writer, s: C1222DatalinkStatus): void {
  const p = 'dl-get-status-response';
  if (s.interfaceName !== undefined) {
    const name = Uint8Array.from(s.interfaceName, (ch) => ch.charCodeAt(0));
    if (name.some((b, i) => b !== s.interfaceName!.charCodeAt(i) || b > 0xff))
      throw new MeterkitError(ErrorCode.ValueOutOfRange, 'interface name must be ISO 8859-1', {
        path: `${p}.interface-name`,
      });
    writeShortItem(w, name, `${p}.interface-name`);
    w.u8(s.interfaceStatus ?? 0);
  }
  for (const st of s.statistics) {
    if (!Number.isInteger(st.value) || st.value < -INT48_SIGN || st.value >= INT48_SIGN)
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `statistic ${st.code} value does not fit INT48`, {
        path: `${p}.statistics.value`,
      });
    const u = st.value < 0 ? st.value + INT48_RANGE : st.value;
    w.u16(st.code)
      .u16(Math.floor(u / 2 ** 32))
      .u32(u % 2 ** 32);
  }
}

function readRegistrationStatus(r: Reader): C1222DatalinkRegistrationStatus {
  const p = 'dl-get-registration-status-response';
  const relayNativeAddress = readShortItem(r, `${p}.relay-native-address`);
  const masterRelayApTitle = readUid(r, `${p}.master-relay-ap-title`);
  const nodeApTitle = readUid(r, `${p}.node-ap-title`);
  const status: C1222DatalinkRegistrationStatus = {
    relayNativeAddress,
    masterRelayApTitle,
    nodeApTitle,
    regPowerUpDelay: r.u16(`${p}.reg-power-up-delay`),
    regPeriod: r.u16(`${p}.reg-period`),
    regCountDown: r.u16(`${p}.reg-count-down`),
  };
  r.expectEnd(p);
  return status;
}

function writeRegistrationStatus(w: Writer, s: C1222DatalinkRegistrationStatus): void {
  const p = 'dl-get-registration-status-response';
  writeShortItem(w, s.relayNativeAddress, `${p}.relay-native-address`);
  writeUid(w, s.masterRelayApTitle);
  writeUid(w, s.nodeApTitle);
  w.u16(s.regPowerUpDelay).u16(s.regPeriod).u16(s.regCountDown);
}
