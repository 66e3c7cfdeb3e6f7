import { ErrorCode, MeterkitError } from '@meterkit/core';

/**
 * The FRMR information field (IEC 62056-46 §6.4.4.4.3.6, ISO/IEC 13239 §5.5.3.4.4, modulo 8):
 * the rejected frame's control field, the responder's V(S), C/R and V(R), and the reason bits.
 */
export interface HdlcFrmrInfo {
  /** Control field of the rejected frame. */
  readonly rejectedControl: number;
  /** V(S): the current send state variable of the station reporting the rejection. */
  readonly sendState: number;
  /** C/R: set when the rejected frame was a response. */
  readonly rejectedResponse: boolean;
  /** V(R): the current receive state variable of the station reporting the rejection. */
  readonly receiveState: number;
  /** W: the control field is undefined or not implemented. */
  readonly invalidControl: boolean;
  /** X: the frame carried an information field it must not have (W is set too). */
  readonly informationNotPermitted: boolean;
  /** Y: the information field is longer than the maximum the station accepts. */
  readonly informationTooLong: boolean;
  /** Z: N(R) is invalid. */
  readonly invalidReceiveSequence: boolean;
  /** V: N(S) is invalid. */
  readonly invalidSendSequence: boolean;
}

/**
 * Decodes a 3-octet FRMR information field (ISO/IEC 13239 §5.5.3.4.4). Returns undefined when the
 * field is not exactly 3 octets or sets reserved bits, so the caller keeps the bytes as they are.
 */
export function decodeHdlcFrmrInfo(info: Uint8Array): HdlcFrmrInfo | undefined {
  if (info.length !== 3) return undefined;
  const b1 = info[1]!;
  const b2 = info[2]!;
  if ((b1 & 0x01) !== 0 || (b2 & 0xe0) !== 0) return undefined;
  return {
    rejectedControl: info[0]!,
    sendState: (b1 >>> 1) & 7,
    rejectedResponse: (b1 & 0x10) !== 0,
    receiveState: b1 >>> 5,
    invalidControl: (b2 & 0x01) !== 0,
    informationNotPermitted: (b2 & 0x02) !== 0,
    informationTooLong: (b2 & 0x04) !== 0,
    invalidReceiveSequence: (b2 & 0x08) !== 0,
    invalidSendSequence: (b2 & 0x10) !== 0,
  };
}

/** Encodes a FRMR information field (ISO/IEC 13239 §5.5.3.4.4). */
export function encodeHdlcFrmrInfo(frmr: HdlcFrmrInfo): Uint8Array {
  const seq = (v: number): number => {
    if (!Number.isInteger(v) || v < 0 || v > 7)
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `FRMR state variable ${v} outside 0..7`, {
        path: 'hdlc.frmr',
      });
    return v;
  };
  if (!Number.isInteger(frmr.rejectedControl) || frmr.rejectedControl < 0 || frmr.rejectedControl > 0xff) {
    throw new MeterkitError(
      ErrorCode.ValueOutOfRange,
      `rejected control ${frmr.rejectedControl} outside 0..255`,
      {
        path: 'hdlc.frmr.rejectedControl',
      },
    );
  }
  return Uint8Array.of(
    frmr.rejectedControl,
    (seq(frmr.sendState) << 1) | (frmr.rejectedResponse ? 0x10 : 0) | (seq(frmr.receiveState) << 5),
    (frmr.invalidControl ? 0x01 : 0) |
      (frmr.informationNotPermitted ? 0x02 : 0) |
      (frmr.informationTooLong ? 0x04 : 0) |
      (frmr.invalidReceiveSequence ? 0x08 : 0) |
      (frmr.invalidSendSequence ? 0x10 : 0),
  );
}
