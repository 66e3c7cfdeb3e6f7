import { ErrorCode, MeterkitError } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';

/** Length of the wrapper header: version, source wPort, destination wPort, length (IEC 62056-47 §5.2). */
export const WRAPPER_HEADER_LENGTH = 8;
/** The only wrapper protocol version defined (IEC 62056-47 §5.2). */
export const WRAPPER_VERSION = 0x0001;

/**
 * A DLMS/COSEM transport layer wrapper PDU for TCP and UDP (IEC 62056-47 §5.2): version (0x0001),
 * source wPort, destination wPort, length of the APDU, then the APDU.
 */
export interface WrapperPdu {
  readonly type: 'wrapper';
  /** Version (always 0x0001 when decoded). */
  readonly version: number;
  /** Source wrapper port (the sending client or logical device). */
  readonly sourceWPort: number;
  /** Destination wrapper port. */
  readonly destinationWPort: number;
  /** The xDLMS/ACSE APDU (a view). Its length is the header's length field. */
  readonly payload: Uint8Array;
  /** The whole PDU (a view of the decoded input). */
  readonly raw?: Uint8Array | undefined;
}

/** Options of `decodeWrapperPdu`. */
export interface WrapperDecodeOptions {
  /** Absolute offset of `bytes[0]`, for error offsets (default 0). */
  readonly base?: number;
}

/**
 * Decodes one wrapper PDU that fills `bytes` exactly, as one UDP datagram does (IEC 62056-47 §5.2).
 * Errors: `FrameTooShort` (100) below the 8-octet header; `WrapperVersionInvalid` (122);
 * `FrameLengthMismatch` (103) when the length field disagrees with the datagram size.
 */
export function decodeWrapperPdu(bytes: Uint8Array, options: WrapperDecodeOptions = {}): WrapperPdu {
  const base = options.base ?? 0;
  if (bytes.length < WRAPPER_HEADER_LENGTH) {
    throw new MeterkitError(
      ErrorCode.FrameTooShort,
      `${bytes.length} octet(s) cannot hold the 8-octet wrapper header`,
      {
        offset: base,
        path: 'wrapper',
      },
    );
  }
  const version = (bytes[0]! << 8) | bytes[1]!;
  if (version !== WRAPPER_VERSION) {
    throw new MeterkitError(
      DlmsErrorCode.WrapperVersionInvalid,
      `wrapper version 0x${version.toString(16)} is not 0x0001`,
      {
        offset: base,
        path: 'wrapper.version',
      },
    );
  }
  const length = (bytes[6]! << 8) | bytes[7]!;
  if (length !== bytes.length - WRAPPER_HEADER_LENGTH) {
    throw new MeterkitError(
      ErrorCode.FrameLengthMismatch,
      `wrapper length field says ${length} octet(s), ${bytes.length - WRAPPER_HEADER_LENGTH} follow the header`,
      { offset: base + 6, path: 'wrapper.length' },
    );
  }
  // `bytes` is exactly the PDU, so it is its own `raw` (one view fewer than `readWrapperPdu`)
  return {
    type: 'wrapper',
    version,
    sourceWPort: (bytes[2]! << 8) | bytes[3]!,
    destinationWPort: (bytes[4]! << 8) | bytes[5]!,
    payload: bytes.subarray(WRAPPER_HEADER_LENGTH),
    raw: bytes,
  };
}

/** Builds the PDU at `buf[at..]` whose header was already checked. Hot path of the deframer. */
export function readWrapperPdu(buf: Uint8Array, at: number): WrapperPdu {
  const length = (buf[at + 6]! << 8) | buf[at + 7]!;
  return {
    type: 'wrapper',
    version: (buf[at]! << 8) | buf[at + 1]!,
    sourceWPort: (buf[at + 2]! << 8) | buf[at + 3]!,
    destinationWPort: (buf[at + 4]! << 8) | buf[at + 5]!,
    payload: buf.subarray(at + WRAPPER_HEADER_LENGTH, at + WRAPPER_HEADER_LENGTH + length),
    raw: buf.subarray(at, at + WRAPPER_HEADER_LENGTH + length),
  };
}

/** A wrapper PDU to encode; `version` defaults to 0x0001. */
export type WrapperPduInput = Omit<WrapperPdu, 'type' | 'version' | 'raw'> & {
  readonly type?: 'wrapper';
  readonly version?: number;
};

/**
 * Encodes a wrapper PDU (IEC 62056-47 §5.2). Ports and version must fit 16 bits and the payload
 * 65535 octets (`ValueOutOfRange`, 206, and `FrameTooLong`, 105).
 */
export function encodeWrapperPdu(pdu: WrapperPduInput): Uint8Array {
  const version = pdu.version ?? WRAPPER_VERSION;
  for (const [name, v] of [
    ['version', version],
    ['sourceWPort', pdu.sourceWPort],
    ['destinationWPort', pdu.destinationWPort],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `${name} ${v} outside 0..65535`, {
        path: `wrapper.${name}`,
      });
    }
  }
  if (pdu.payload.length > 0xffff) {
    throw new MeterkitError(ErrorCode.FrameTooLong, `payload of ${pdu.payload.length} octets exceeds 65535`, {
      path: 'wrapper.length',
    });
  }
  const out = new Uint8Array(WRAPPER_HEADER_LENGTH + pdu.payload.length);
  out[0] = version >>> 8;
  out[1] = version & 0xff;
  out[2] = pdu.sourceWPort >>> 8;
  out[3] = pdu.sourceWPort & 0xff;
  out[4] = pdu.destinationWPort >>> 8;
  out[5] = pdu.destinationWPort & 0xff;
  out[6] = pdu.payload.length >>> 8;
  out[7] = pdu.payload.length & 0xff;
  out.set(pdu.payload, WRAPPER_HEADER_LENGTH);
  return out;
}
