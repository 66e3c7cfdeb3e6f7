/**
 * M-Bus long frames (EN 13757-2 §5.4, FT1.2 format class): `68 L L 68 C A CI data CS 16`. Some
 * meters (Kaifa in Austria, on the customer interface) carry DLMS APDUs in them, the APDU split
 * over consecutive frames after a two-octet STSAP/DTSAP header.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';

/** A decoded M-Bus long frame. */
export interface MbusLongFrame {
  readonly type: 'mbus-long-frame';
  /** C field (function code, FCB/FCV or ACD/DFC bits). */
  readonly control: number;
  /** A field (primary address; 0xFD secondary addressing, 0xFE/0xFF broadcast). */
  readonly address: number;
  /** CI field (control information: the application protocol of the user data). */
  readonly ci: number;
  /** The user data after CI (a view). */
  readonly userData: Uint8Array;
  /** The whole frame (a view). */
  readonly raw: Uint8Array;
}

/** The arithmetic checksum of an M-Bus frame: the sum of C..data modulo 256 (EN 13757-2 §5.3). */
export function mbusChecksum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum = (sum + bytes[i]!) & 0xff;
  return sum;
}

/**
 * Decodes one long frame. Errors: `FrameTooShort` (100), `FrameFormatInvalid` (104) for wrong start
 * or stop characters or unequal length fields, `FrameLengthMismatch` (103), `FrameCheckFailed` (101).
 */
export function decodeMbusLongFrame(bytes: Uint8Array, base = 0): MbusLongFrame {
  const path = 'mbus';
  if (bytes.length < 9)
    throw new MeterkitError(
      ErrorCode.FrameTooShort,
      `${bytes.length} octets cannot hold an M-Bus long frame`,
      { offset: base, path },
    );
  if (bytes[0] !== 0x68 || bytes[3] !== 0x68) {
    throw new MeterkitError(ErrorCode.FrameFormatInvalid, 'an M-Bus long frame starts 68 L L 68', {
      offset: base,
      path,
    });
  }
  if (bytes[1] !== bytes[2])
    throw new MeterkitError(ErrorCode.FrameFormatInvalid, 'the two length fields differ', {
      offset: base + 2,
      path: `${path}.L`,
    });
  const length = bytes[1]!;
  if (length < 3)
    throw new MeterkitError(ErrorCode.FrameFormatInvalid, `length ${length} is below C + A + CI`, {
      offset: base + 1,
      path: `${path}.L`,
    });
  if (bytes.length !== length + 6) {
    throw new MeterkitError(
      ErrorCode.FrameLengthMismatch,
      `L = ${length} needs ${length + 6} octets, got ${bytes.length}`,
      {
        offset: base + 1,
        path: `${path}.L`,
      },
    );
  }
  if (bytes[length + 5] !== 0x16) {
    throw new MeterkitError(ErrorCode.FrameFormatInvalid, 'an M-Bus frame ends with 16', {
      offset: base + length + 5,
      path,
    });
  }
  if (mbusChecksum(bytes, 4, 4 + length) !== bytes[4 + length]) {
    throw new MeterkitError(ErrorCode.FrameCheckFailed, 'M-Bus checksum does not match', {
      offset: base + 4 + length,
      path: `${path}.CS`,
    });
  }
  return {
    type: 'mbus-long-frame',
    control: bytes[4]!,
    address: bytes[5]!,
    ci: bytes[6]!,
    userData: bytes.subarray(7, 4 + length),
    raw: bytes,
  };
}

/** Encodes a long frame (length and checksum computed). */
export function encodeMbusLongFrame(frame: {
  readonly control: number;
  readonly address: number;
  readonly ci: number;
  readonly userData: Uint8Array;
}): Uint8Array {
  const length = 3 + frame.userData.length;
  if (length > 255)
    throw new MeterkitError(
      ErrorCode.FrameTooLong,
      `user data of ${frame.userData.length} octets exceeds 252`,
    );
  const out = new Uint8Array(length + 6);
  out[0] = 0x68;
  out[1] = length;
  out[2] = length;
  out[3] = 0x68;
  out[4] = frame.control;
  out[5] = frame.address;
  out[6] = frame.ci;
  out.set(frame.userData, 7);
  out[4 + length] = mbusChecksum(out, 4, 4 + length);
  out[5 + length] = 0x16;
  return out;
}
