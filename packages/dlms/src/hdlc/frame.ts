import { ErrorCode, MeterkitError } from '@meterkit/core';
import {
  checkHdlcAddress,
  type HdlcAddress,
  readHdlcAddress,
  scanHdlcAddress,
  writeHdlcAddress,
} from './address.js';
import { decodeHdlcControl, encodeHdlcControl, hdlcFrameKindOf } from './control.js';
import { decodeHdlcFrmrInfo, encodeHdlcFrmrInfo, type HdlcFrmrInfo } from './frmr.js';
import { detectLlc, type HdlcLlc, llcBytes } from './llc.js';
import { decodeHdlcParameters, encodeHdlcParameters, type HdlcParameter } from './parameters.js';

/** The HDLC flag octet that opens and closes each frame (IEC 62056-46 §6.4.1). */
export const HDLC_FLAG = 0x7e;
/** Largest value of the 11-bit frame length subfield (IEC 62056-46 §6.4.2.1). */
export const HDLC_MAX_FRAME_LENGTH = 0x7ff;
/** Smallest frame length: format (2) + destination (1) + source (1) + control (1) + FCS (2). */
export const HDLC_MIN_FRAME_LENGTH = 7;

/** The fields every HDLC frame type 3 has (IEC 62056-46 §6.4.2). */
export interface HdlcFrameCommon {
  /** The segmentation bit S of the frame format field: more segments of the same APDU follow. */
  readonly segmented: boolean;
  /** Destination address. */
  readonly destination: HdlcAddress;
  /** Source address. */
  readonly source: HdlcAddress;
  /** The P/F bit of the control field. */
  readonly pollFinal: boolean;
  /** The information field, after the LLC header when there is one (empty when absent). */
  readonly information: Uint8Array;
  /** The whole frame, opening flag to closing flag (a view of the decoded input). */
  readonly raw?: Uint8Array | undefined;
}

/** I frame: numbered information transfer (IEC 62056-46 §6.4.3.4). */
export interface HdlcIFrame extends HdlcFrameCommon {
  readonly type: 'i';
  /** N(S). */
  readonly sendSequence: number;
  /** N(R). */
  readonly receiveSequence: number;
  /** The LLC header before the information, when present (first or only segment). */
  readonly llc?: HdlcLlc | undefined;
}

/** RR frame: receive ready (IEC 62056-46 §6.4.3.4). */
export interface HdlcRrFrame extends HdlcFrameCommon {
  readonly type: 'rr';
  readonly receiveSequence: number;
}

/** RNR frame: receive not ready (IEC 62056-46 §6.4.3.4). */
export interface HdlcRnrFrame extends HdlcFrameCommon {
  readonly type: 'rnr';
  readonly receiveSequence: number;
}

/** SNRM frame: set normal response mode, optionally proposing link parameters (IEC 62056-46 §6.4.4.4.3.2). */
export interface HdlcSnrmFrame extends HdlcFrameCommon {
  readonly type: 'snrm';
  /** The proposed parameters, when the information field is present. */
  readonly parameters?: readonly HdlcParameter[] | undefined;
}

/** UA frame: unnumbered acknowledge, with the negotiated parameters after SNRM (IEC 62056-46 §6.4.4.4.3.2). */
export interface HdlcUaFrame extends HdlcFrameCommon {
  readonly type: 'ua';
  readonly parameters?: readonly HdlcParameter[] | undefined;
}

/** DISC frame: disconnect (IEC 62056-46 §6.4.3.4). */
export interface HdlcDiscFrame extends HdlcFrameCommon {
  readonly type: 'disc';
}

/** DM frame: disconnected mode (IEC 62056-46 §6.4.3.4). */
export interface HdlcDmFrame extends HdlcFrameCommon {
  readonly type: 'dm';
}

/** FRMR frame: frame reject (IEC 62056-46 §6.4.4.4.3.6). */
export interface HdlcFrmrFrame extends HdlcFrameCommon {
  readonly type: 'frmr';
  /** The decoded reject reason, when the information field is the standard 3 octets. */
  readonly frmr?: HdlcFrmrInfo | undefined;
}

/** UI frame: unnumbered information, used for pushes and broadcasts (IEC 62056-46 §6.4.3.4). */
export interface HdlcUiFrame extends HdlcFrameCommon {
  readonly type: 'ui';
  readonly llc?: HdlcLlc | undefined;
}

/** Any HDLC frame of IEC 62056-46, discriminated on `type`. */
export type HdlcFrame =
  | HdlcIFrame
  | HdlcRrFrame
  | HdlcRnrFrame
  | HdlcSnrmFrame
  | HdlcUaFrame
  | HdlcDiscFrame
  | HdlcDmFrame
  | HdlcFrmrFrame
  | HdlcUiFrame;

type Loosen<F> = F extends unknown
  ? Omit<F, 'information' | 'segmented' | 'pollFinal' | 'raw'> & {
      readonly information?: Uint8Array | undefined;
      readonly segmented?: boolean | undefined;
      readonly pollFinal?: boolean | undefined;
      readonly raw?: Uint8Array | undefined;
    }
  : never;

/**
 * A frame to encode: as `HdlcFrame`, with `information`, `segmented` and `pollFinal` optional
 * (empty, false, false). For SNRM/UA, `parameters` (when given) is encoded instead of
 * `information`; for FRMR, `frmr` likewise.
 */
export type HdlcFrameInput = Loosen<HdlcFrame>;

/** Options of `decodeHdlcFrame`. */
export interface HdlcDecodeOptions {
  /** Absolute offset of `bytes[0]` in the caller's stream, for error offsets (default 0). */
  readonly base?: number;
  /**
   * Recognise an LLC header (E6 E6 00 / E6 E7 00) at the start of I and UI information fields
   * (default true). Turn off for continuation segments whose data might start with those octets.
   */
  readonly llc?: boolean;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Slicing-by-8 tables for the CRC-16/X-25 of the HCS and FCS (ISO/IEC 13239 §4.2.5, reflected
 * polynomial 0x8408): `FCS_TABLES[k * 256 + b]` is the register after feeding octet `b` followed by
 * `k` zero octets into a zero register. Eight octets then cost eight independent lookups instead of
 * eight dependent steps; the result is bit-identical to `crc16x25Update`.
 */
const FCS_TABLES = new Uint16Array(8 * 256);
for (let b = 0; b < 256; b++) {
  let c = b;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
  FCS_TABLES[b] = c;
}
for (let k = 1; k < 8; k++) {
  for (let b = 0; b < 256; b++) {
    const prev = FCS_TABLES[(k - 1) * 256 + b]!;
    FCS_TABLES[k * 256 + b] = (prev >>> 8) ^ FCS_TABLES[prev & 0xff]!;
  }
}

/** Continues a CRC-16/X-25 register over `buf[start..end)`, eight octets per step (same result as `crc16x25Update`). */
function fcsUpdate(state: number, buf: Uint8Array, start: number, end: number): number {
  const t = FCS_TABLES;
  let crc = state;
  let i = start;
  for (const last = end - 8; i <= last; i += 8) {
    crc ^= buf[i]! | (buf[i + 1]! << 8);
    crc =
      t[1792 + (crc & 0xff)]! ^
      t[1536 + (crc >>> 8)]! ^
      t[1280 + buf[i + 2]!]! ^
      t[1024 + buf[i + 3]!]! ^
      t[768 + buf[i + 4]!]! ^
      t[512 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!;
  }
  for (; i < end; i++) crc = (crc >>> 8) ^ t[(crc ^ buf[i]!) & 0xff]!;
  return crc;
}

/**
 * Decodes one HDLC frame format type 3 (IEC 62056-46 §6.4), opening flag to closing flag:
 * format (type 0xA, segmentation bit, 11-bit length), destination and source addresses (1/2/4
 * octets), control, HCS (when there is an information field), information, FCS (CRC-16/X-25, low
 * octet first). HCS and FCS are checked in a single CRC pass. Views, not copies.
 *
 * Errors (MeterkitError): `FrameTooShort` (100) below 3 octets; `FrameFormatInvalid` (104) for a
 * missing flag, a format type other than 3, or header/FCS octets that cannot fit; `FrameLengthMismatch`
 * (103) when the length field disagrees with the bytes; `FrameAddressInvalid` (106);
 * `FrameControlInvalid` (107); `HeaderCheckFailed` (102); `FrameCheckFailed` (101);
 * `HdlcParameterInvalid` (120) for a malformed SNRM/UA parameter field.
 */
export function decodeHdlcFrame(bytes: Uint8Array, options: HdlcDecodeOptions = {}): HdlcFrame {
  const base = options.base ?? 0;
  if (bytes.length < 3) {
    throw new MeterkitError(ErrorCode.FrameTooShort, `${bytes.length} octet(s) cannot hold an HDLC frame`, {
      offset: base,
      path: 'hdlc',
    });
  }
  if (bytes[0] !== HDLC_FLAG) {
    throw new MeterkitError(ErrorCode.FrameFormatInvalid, 'frame does not start with the flag 0x7E', {
      offset: base,
      path: 'hdlc.flag',
    });
  }
  const f0 = bytes[1]!;
  if ((f0 & 0xf0) !== 0xa0) {
    throw new MeterkitError(
      ErrorCode.FrameFormatInvalid,
      `frame format 0x${f0.toString(16)} is not type 3 (0xA)`,
      {
        offset: base + 1,
        path: 'hdlc.format',
      },
    );
  }
  const length = ((f0 & 7) << 8) | bytes[2]!;
  if (length + 2 !== bytes.length) {
    throw new MeterkitError(
      ErrorCode.FrameLengthMismatch,
      `length field says ${length} octet(s) between flags, ${bytes.length - 2} present`,
      { offset: base + 1, path: 'hdlc.format.length' },
    );
  }
  if (bytes[bytes.length - 1] !== HDLC_FLAG) {
    throw new MeterkitError(ErrorCode.FrameFormatInvalid, 'frame does not end with the flag 0x7E', {
      offset: base + bytes.length - 1,
      path: 'hdlc.flag',
    });
  }
  return decodeHdlcFrameAt(bytes, 0, bytes.length, base, options.llc ?? true);
}

/**
 * Decodes the frame `buf[start..end)` whose flags and length field were already checked by the
 * caller (`buf[start]` and `buf[end-1]` are flags, length = end - start - 2). Hot path of the
 * deframer; public callers use `decodeHdlcFrame`.
 */
export function decodeHdlcFrameAt(
  buf: Uint8Array,
  start: number,
  end: number,
  base: number,
  llc: boolean,
): HdlcFrame {
  const s = start + 1; // format field
  const e = end - 1; // closing flag
  const f0 = buf[s]!;
  if (e - s < HDLC_MIN_FRAME_LENGTH) {
    throw new MeterkitError(ErrorCode.FrameTooShort, `frame length ${e - s} is below the minimum 7`, {
      offset: base + s,
      path: 'hdlc.format.length',
    });
  }
  const dAt = s + 2;
  const dSize = scanHdlcAddress(buf, dAt, e - 4);
  if (dSize <= 0) throw addressError(dAt, base, 'destination', dSize);
  const sAt = dAt + dSize;
  const sSize = scanHdlcAddress(buf, sAt, e - 3);
  if (sSize <= 0) throw addressError(sAt, base, 'source', sSize);
  const cAt = sAt + sSize;
  const controlByte = buf[cAt]!;
  // decodeHdlcControl only runs for a control field the profile does not define: it throws FrameControlInvalid.
  const kind = hdlcFrameKindOf(controlByte) ?? decodeHdlcControl(controlByte, base + cAt).kind;
  const headerEnd = cAt + 1;
  const rest = e - headerEnd;
  let information = EMPTY;
  let l: HdlcLlc | undefined;
  let infoStart = -1;
  if (rest === 2) {
    if (fcsUpdate(0xffff, buf, s, e) !== 0xf0b8) throw fcsError(base, e - 2);
  } else if (rest < 5) {
    throw new MeterkitError(
      ErrorCode.FrameFormatInvalid,
      `${rest} octet(s) after the header hold neither FCS alone nor HCS, information and FCS`,
      { offset: base + headerEnd, path: 'hdlc' },
    );
  } else {
    const state = fcsUpdate(0xffff, buf, s, headerEnd);
    const hcs = ~state & 0xffff;
    if ((buf[headerEnd]! | (buf[headerEnd + 1]! << 8)) !== hcs) {
      throw new MeterkitError(ErrorCode.HeaderCheckFailed, 'header check sequence does not match', {
        offset: base + headerEnd,
        path: 'hdlc.hcs',
      });
    }
    if (fcsUpdate(state, buf, headerEnd, e) !== 0xf0b8) throw fcsError(base, e - 2);
    infoStart = headerEnd + 2;
    if (llc && (kind === 'i' || kind === 'ui')) {
      l = detectLlc(buf, infoStart, e - 2);
      if (l !== undefined) infoStart += 3;
    }
  }
  // The views `subarray` would give, with the backing store read once for both (Buffer and other
  // subclasses keep their own species through `subarray`).
  let raw: Uint8Array;
  if (buf.constructor === Uint8Array) {
    const store = buf.buffer;
    const o = buf.byteOffset;
    raw = new Uint8Array(store, o + start, end - start);
    if (infoStart >= 0) information = new Uint8Array(store, o + infoStart, e - 2 - infoStart);
  } else {
    raw = buf.subarray(start, end);
    if (infoStart >= 0) information = buf.subarray(infoStart, e - 2);
  }
  const segmented = (f0 & 0x08) !== 0;
  const destination = readHdlcAddress(buf, dAt, dSize as 1 | 2 | 4);
  const source = readHdlcAddress(buf, sAt, sSize as 1 | 2 | 4);
  const pollFinal = (controlByte & 0x10) !== 0;
  switch (kind) {
    case 'i':
    case 'ui': {
      if (kind === 'ui') {
        return { type: 'ui', segmented, destination, source, pollFinal, llc: l, information, raw };
      }
      return {
        type: 'i',
        segmented,
        destination,
        source,
        pollFinal,
        sendSequence: (controlByte >>> 1) & 7,
        receiveSequence: controlByte >>> 5,
        llc: l,
        information,
        raw,
      };
    }
    case 'rr':
    case 'rnr':
      return {
        type: kind,
        segmented,
        destination,
        source,
        pollFinal,
        receiveSequence: controlByte >>> 5,
        information,
        raw,
      };
    case 'snrm':
    case 'ua': {
      const parameters =
        information.length > 0 ? decodeHdlcParameters(information, base + headerEnd + 2) : undefined;
      return { type: kind, segmented, destination, source, pollFinal, parameters, information, raw };
    }
    case 'frmr':
      return {
        type: 'frmr',
        segmented,
        destination,
        source,
        pollFinal,
        frmr: decodeHdlcFrmrInfo(information),
        information,
        raw,
      };
    case 'disc':
    case 'dm':
      return { type: kind, segmented, destination, source, pollFinal, information, raw };
  }
}

function addressError(at: number, base: number, which: string, code: number): MeterkitError {
  return new MeterkitError(
    ErrorCode.FrameAddressInvalid,
    code === -3
      ? `${which} address has 3 octets (only 1, 2 or 4 are defined)`
      : `${which} address has no final octet (LSB 1) within 4 octets`,
    { offset: base + at, path: `hdlc.${which}` },
  );
}

function fcsError(base: number, at: number): MeterkitError {
  return new MeterkitError(ErrorCode.FrameCheckFailed, 'frame check sequence does not match', {
    offset: base + at,
    path: 'hdlc.fcs',
  });
}

/** The information field bytes a frame encodes (LLC excluded), following the `HdlcFrameInput` rules. */
function informationOf(frame: HdlcFrameInput): Uint8Array {
  if ((frame.type === 'snrm' || frame.type === 'ua') && frame.parameters !== undefined) {
    return encodeHdlcParameters(frame.parameters);
  }
  if (frame.type === 'frmr' && frame.frmr !== undefined) return encodeHdlcFrmrInfo(frame.frmr);
  return frame.information ?? EMPTY;
}

/**
 * Encodes an HDLC frame format type 3 (IEC 62056-46 §6.4), flags included, with HCS (when there is
 * an information field) and FCS. Throws `ValueOutOfRange` (206) for addresses or sequence numbers
 * that do not fit, and `FrameTooLong` (105) beyond the 11-bit length.
 */
export function encodeHdlcFrame(frame: HdlcFrameInput): Uint8Array {
  checkHdlcAddress(frame.destination);
  checkHdlcAddress(frame.source);
  const control = encodeHdlcControl({
    kind: frame.type,
    pollFinal: frame.pollFinal ?? false,
    sendSequence: frame.type === 'i' ? frame.sendSequence : 0,
    receiveSequence:
      frame.type === 'i' || frame.type === 'rr' || frame.type === 'rnr' ? frame.receiveSequence : 0,
  });
  const info = informationOf(frame);
  const llc =
    (frame.type === 'i' || frame.type === 'ui') && frame.llc !== undefined ? llcBytes(frame.llc) : EMPTY;
  const infoLength = llc.length + info.length;
  const headerLength = 2 + frame.destination.size + frame.source.size + 1;
  const length = headerLength + (infoLength > 0 ? 2 + infoLength : 0) + 2;
  if (length > HDLC_MAX_FRAME_LENGTH) {
    throw new MeterkitError(
      ErrorCode.FrameTooLong,
      `frame length ${length} exceeds the 11-bit maximum 2047`,
      {
        path: 'hdlc.format.length',
      },
    );
  }
  const out = new Uint8Array(length + 2);
  out[0] = HDLC_FLAG;
  out[1] = 0xa0 | (frame.segmented ? 0x08 : 0) | (length >>> 8);
  out[2] = length & 0xff;
  let p = writeHdlcAddress(out, 3, frame.destination);
  p = writeHdlcAddress(out, p, frame.source);
  out[p++] = control;
  let state = fcsUpdate(0xffff, out, 1, p);
  if (infoLength > 0) {
    const hcs = ~state & 0xffff;
    out[p++] = hcs & 0xff;
    out[p++] = hcs >>> 8;
    out.set(llc, p);
    out.set(info, p + llc.length);
    const infoEnd = p + infoLength;
    state = fcsUpdate(state, out, p - 2, infoEnd);
    p = infoEnd;
  }
  const fcs = ~state & 0xffff;
  out[p++] = fcs & 0xff;
  out[p++] = fcs >>> 8;
  out[p] = HDLC_FLAG;
  return out;
}
