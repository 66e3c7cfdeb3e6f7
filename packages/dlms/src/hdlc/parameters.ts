import { ErrorCode, MeterkitError } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';

/**
 * One HDLC parameter of the SNRM/UA information field (IEC 62056-46 §6.4.4.4.3.2, ISO/IEC 13239
 * §5.5.3.2.2): parameter identifier, and its unsigned value in 1–4 big-endian octets.
 */
export interface HdlcParameter {
  /** Parameter identifier (`HdlcParameterId`). */
  readonly id: number;
  /** The unsigned value. */
  readonly value: number;
  /** Octets the value takes on the wire (1–4), so re-encoding is exact. */
  readonly size: 1 | 2 | 3 | 4;
}

/** Parameter identifiers of the HDLC parameter negotiation group (IEC 62056-46 §6.4.4.4.3.2). */
export const HdlcParameterId = {
  MaxInfoFieldLengthTransmit: 0x05,
  MaxInfoFieldLengthReceive: 0x06,
  WindowSizeTransmit: 0x07,
  WindowSizeReceive: 0x08,
} as const;

/** Format identifier (0x81) and HDLC parameter group identifier (0x80) of the information field. */
export const HDLC_PARAMETER_FORMAT_ID = 0x81;
/** Group identifier of the HDLC parameter negotiation group (ISO/IEC 13239 §5.5.3.2.2). */
export const HDLC_PARAMETER_GROUP_ID = 0x80;

/** The negotiable values (IEC 62056-46 §6.4.4.4.3.2), with the defaults the standard gives when absent. */
export interface HdlcNegotiatedValues {
  /** Maximum information field length the sender of the frame will transmit (default 128). */
  readonly maxInfoFieldLengthTransmit: number;
  /** Maximum information field length the sender of the frame can receive (default 128). */
  readonly maxInfoFieldLengthReceive: number;
  /** Window size transmit (default 1). */
  readonly windowSizeTransmit: number;
  /** Window size receive (default 1). */
  readonly windowSizeReceive: number;
}

/** Default negotiation values (IEC 62056-46 §6.4.4.4.3.2). */
export const HDLC_DEFAULT_VALUES: HdlcNegotiatedValues = {
  maxInfoFieldLengthTransmit: 128,
  maxInfoFieldLengthReceive: 128,
  windowSizeTransmit: 1,
  windowSizeReceive: 1,
};

const NAMES: Record<number, keyof HdlcNegotiatedValues> = {
  5: 'maxInfoFieldLengthTransmit',
  6: 'maxInfoFieldLengthReceive',
  7: 'windowSizeTransmit',
  8: 'windowSizeReceive',
};

/** The kebab-case name of a parameter identifier, or undefined for identifiers outside the group. */
export function hdlcParameterName(id: number): string | undefined {
  const n = NAMES[id];
  return n === undefined ? undefined : n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The values a parameter list sets, defaults for the rest (IEC 62056-46 §6.4.4.4.3.2). */
export function hdlcNegotiatedValues(parameters: readonly HdlcParameter[] | undefined): HdlcNegotiatedValues {
  const out: { -readonly [K in keyof HdlcNegotiatedValues]: number } = { ...HDLC_DEFAULT_VALUES };
  for (const p of parameters ?? []) {
    const name = NAMES[p.id];
    if (name !== undefined) out[name] = p.value;
  }
  return out;
}

function minimalSize(value: number): 1 | 2 | 3 | 4 {
  return value <= 0xff ? 1 : value <= 0xffff ? 2 : value <= 0xffffff ? 3 : 4;
}

/**
 * Builds a parameter list from values (IEC 62056-46 §6.4.4.4.3.2), in identifier order, each value
 * in its shortest encoding. Only the values given are included.
 */
export function hdlcParameters(values: Partial<HdlcNegotiatedValues>): HdlcParameter[] {
  const out: HdlcParameter[] = [];
  for (const id of [5, 6, 7, 8]) {
    const v = values[NAMES[id]!];
    if (v !== undefined) out.push({ id, value: v, size: minimalSize(v) });
  }
  return out;
}

/**
 * Decodes the SNRM/UA information field (IEC 62056-46 §6.4.4.4.3.2): format identifier 0x81,
 * group identifier 0x80, group length, then parameters (identifier, length 1–4, value).
 * Malformed content throws `HdlcParameterInvalid` (120); a length past the end `LengthOverrun` (201).
 * `offset` is the absolute offset of `info[0]`, for errors.
 */
export function decodeHdlcParameters(info: Uint8Array, offset = 0): HdlcParameter[] {
  const path = 'hdlc.information.parameters';
  const bad = (msg: string, at: number): never => {
    throw new MeterkitError(DlmsErrorCode.HdlcParameterInvalid, msg, { offset: offset + at, path });
  };
  if (info.length < 3)
    bad(`parameter field of ${info.length} octet(s) is shorter than its 3-octet header`, 0);
  if (info[0] !== HDLC_PARAMETER_FORMAT_ID)
    bad(`format identifier 0x${info[0]!.toString(16)} is not 0x81`, 0);
  if (info[1] !== HDLC_PARAMETER_GROUP_ID) bad(`group identifier 0x${info[1]!.toString(16)} is not 0x80`, 1);
  const groupLength = info[2]!;
  if (groupLength !== info.length - 3) {
    throw new MeterkitError(
      groupLength > info.length - 3 ? ErrorCode.LengthOverrun : ErrorCode.TrailingBytes,
      `group length ${groupLength} but ${info.length - 3} octet(s) follow`,
      { offset: offset + 2, path },
    );
  }
  const out: HdlcParameter[] = [];
  let i = 3;
  while (i < info.length) {
    if (i + 2 > info.length) bad('parameter header cut short', i);
    const id = info[i]!;
    const len = info[i + 1]!;
    if (len < 1 || len > 4) bad(`parameter 0x${id.toString(16)} has length ${len}, not 1-4`, i + 1);
    if (i + 2 + len > info.length) {
      throw new MeterkitError(
        ErrorCode.LengthOverrun,
        `parameter 0x${id.toString(16)} value runs past the group`,
        {
          offset: offset + i + 1,
          path,
        },
      );
    }
    let value = 0;
    for (let k = 0; k < len; k++) value = value * 256 + info[i + 2 + k]!;
    out.push({ id, value, size: len as 1 | 2 | 3 | 4 });
    i += 2 + len;
  }
  return out;
}

/** Encodes the SNRM/UA information field (IEC 62056-46 §6.4.4.4.3.2). */
export function encodeHdlcParameters(parameters: readonly HdlcParameter[]): Uint8Array {
  let len = 0;
  for (const p of parameters) len += 2 + p.size;
  if (len > 0xff) {
    throw new MeterkitError(
      DlmsErrorCode.HdlcParameterInvalid,
      `parameter group of ${len} octets exceeds 255`,
      {
        path: 'hdlc.information.parameters',
      },
    );
  }
  const out = new Uint8Array(3 + len);
  out[0] = HDLC_PARAMETER_FORMAT_ID;
  out[1] = HDLC_PARAMETER_GROUP_ID;
  out[2] = len;
  let i = 3;
  for (const p of parameters) {
    const max = 2 ** (8 * p.size) - 1;
    if (
      !Number.isInteger(p.id) ||
      p.id < 0 ||
      p.id > 0xff ||
      ![1, 2, 3, 4].includes(p.size) ||
      !Number.isInteger(p.value) ||
      p.value < 0 ||
      p.value > max
    ) {
      throw new MeterkitError(
        ErrorCode.ValueOutOfRange,
        `parameter 0x${p.id.toString(16)} value ${p.value} does not fit ${p.size} octet(s)`,
        {
          path: 'hdlc.information.parameters',
        },
      );
    }
    out[i] = p.id;
    out[i + 1] = p.size;
    let v = p.value;
    for (let k = p.size - 1; k >= 0; k--) {
      out[i + 2 + k] = v % 256;
      v = Math.floor(v / 256);
    }
    i += 2 + p.size;
  }
  return out;
}
