/**
 * The C12.22 serial datalink where it differs from C12.18 (the local port between a C12.22
 * Device and a C12.22 Communication Module, IEEE 1703 §6 / ANSI C12.22 §6): the same `EE` packets,
 * CRC, ACK/NAK, toggle bit and multi-packet rules, but
 *
 * - the identity byte holds LOCAL_ADDRESS_NUMBER (bits 3–7: 0 C12.22 Device, 1 Local Port 0,
 *   2 Local Port 1, 3–6 interfaces) and CHANNEL_NUMBER (bits 0–2);
 * - the control byte uses bits 0–1 as DATA_FORMAT (1 = C12.22 Device), bits 2–3 for an
 *   acknowledgment carried inside a packet and bit 4 for transparency (neither used here: ACK and
 *   NAK stay single bytes, as in C12.18);
 * - the packet data is a datalink (transport) service instead of a PSEM service: negotiate with a
 *   trailing channel count and an extended baud-rate list, get configuration, link control, send
 *   message (a native address and a whole ACSE APDU), get status, get registration status and send
 *   short message. Responses start with a response code (below 0x20), as in PSEM.
 *
 * The layouts follow the C12.22 working-group text as the only public implementation of this
 * datalink (Itron's C12.22 node stack) quotes it. Get configuration and the status services are
 * carried as opaque response data.
 */
import { ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';
import { responseCodeName } from '../epsem/codes.js';

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

/** Baud rates by the datalink's code (C12.18's list extended with 38400–256000). */
export const C1222_DATALINK_BAUD_RATES: Readonly<Record<number, number>> = {
  1: 300,
  2: 600,
  3: 1200,
  4: 2400,
  5: 4800,
  6: 9600,
  7: 14400,
  8: 19200,
  9: 28800,
  10: 57600,
  11: 38400,
  12: 115200,
  13: 128000,
  14: 256000,
};

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
  | {
      readonly type: 'dl-response';
      /** Response code (00 ok, 02 sns, …, as the PSEM codes). */
      readonly code: number;
      readonly name: string;
      /** What follows the code (opaque for the configuration and status services). */
      readonly data: Uint8Array;
    };

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
  return { type: 'dl-response', code, name: responseCodeName(code), data: r.rest() };
}
