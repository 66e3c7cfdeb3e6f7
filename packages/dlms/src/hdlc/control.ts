import { ErrorCode, MeterkitError } from '@meterkit/core';

/**
 * The HDLC frame kinds IEC 62056-46 uses (§6.4.3, ISO/IEC 13239 §5.5): information (I), the
 * supervisory receive ready (RR) and receive not ready (RNR), and the unnumbered set normal
 * response mode (SNRM), disconnect (DISC), unnumbered acknowledge (UA), disconnected mode (DM),
 * frame reject (FRMR) and unnumbered information (UI).
 */
export type HdlcFrameKind = 'i' | 'rr' | 'rnr' | 'snrm' | 'disc' | 'ua' | 'dm' | 'frmr' | 'ui';

/** A decoded control field (IEC 62056-46 §6.4.3.4). Sequence numbers are modulo 8. */
export interface HdlcControl {
  readonly kind: HdlcFrameKind;
  /** The poll (command) / final (response) bit, bit 4. */
  readonly pollFinal: boolean;
  /** N(S), the send sequence number (I frames only; 0 otherwise). */
  readonly sendSequence: number;
  /** N(R), the receive sequence number (I, RR and RNR frames; 0 otherwise). */
  readonly receiveSequence: number;
}

/** Control field values with the P/F bit clear (ISO/IEC 13239 §5.5.3 as profiled by IEC 62056-46 §6.4.3.4). */
export const HdlcControlByte = {
  I: 0x00,
  RR: 0x01,
  RNR: 0x05,
  SNRM: 0x83,
  DISC: 0x43,
  UA: 0x63,
  DM: 0x0f,
  FRMR: 0x87,
  UI: 0x03,
  /** The P/F bit. */
  PollFinal: 0x10,
} as const;

/** For each control byte with P/F clear: kind index + 1, 0 when the byte is not a valid control field. */
const KIND_OF = new Uint8Array(256);
/** The kinds in the order used by `KIND_OF`. */
const KINDS: readonly HdlcFrameKind[] = ['i', 'rr', 'rnr', 'snrm', 'disc', 'ua', 'dm', 'frmr', 'ui'];
for (let c = 0; c < 256; c++) {
  if ((c & 1) === 0) KIND_OF[c] = 1;
  else if ((c & 0x0f) === 0x01) KIND_OF[c] = 2;
  else if ((c & 0x0f) === 0x05) KIND_OF[c] = 3;
}
KIND_OF[0x83] = KIND_OF[0x93] = 4;
KIND_OF[0x43] = KIND_OF[0x53] = 5;
KIND_OF[0x63] = KIND_OF[0x73] = 6;
KIND_OF[0x0f] = KIND_OF[0x1f] = 7;
KIND_OF[0x87] = KIND_OF[0x97] = 8;
KIND_OF[0x03] = KIND_OF[0x13] = 9;

/** The frame kind of a control byte, or undefined for a control field IEC 62056-46 does not use (REJ, SREJ, ...). */
export function hdlcFrameKindOf(control: number): HdlcFrameKind | undefined {
  const k = KIND_OF[control & 0xff]!;
  return k === 0 ? undefined : KINDS[k - 1];
}

/**
 * Decodes a control byte (IEC 62056-46 §6.4.3.4). Throws `FrameControlInvalid` (107) for control
 * fields the profile does not define.
 */
export function decodeHdlcControl(control: number, offset?: number): HdlcControl {
  const kind = hdlcFrameKindOf(control);
  if (kind === undefined) {
    throw new MeterkitError(
      ErrorCode.FrameControlInvalid,
      `control field 0x${control.toString(16).padStart(2, '0')} is not an IEC 62056-46 frame`,
      { offset, path: 'hdlc.control' },
    );
  }
  const pollFinal = (control & 0x10) !== 0;
  const receiveSequence = kind === 'i' || kind === 'rr' || kind === 'rnr' ? control >>> 5 : 0;
  const sendSequence = kind === 'i' ? (control >>> 1) & 7 : 0;
  return { kind, pollFinal, sendSequence, receiveSequence };
}

/** A sequence number 0–7, or `ValueOutOfRange` (206). */
function seq(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 7) {
    throw new MeterkitError(ErrorCode.ValueOutOfRange, `${what} ${v} outside 0..7`, { path: `hdlc.${what}` });
  }
  return v;
}

/**
 * Encodes a control field (IEC 62056-46 §6.4.3.4). Sequence numbers must be 0–7
 * (`ValueOutOfRange`, 206, otherwise); they are ignored for kinds that carry none.
 */
export function encodeHdlcControl(control: HdlcControl): number {
  const pf = control.pollFinal ? 0x10 : 0;
  switch (control.kind) {
    case 'i':
      return (
        (seq(control.receiveSequence, 'receiveSequence') << 5) |
        pf |
        (seq(control.sendSequence, 'sendSequence') << 1)
      );
    case 'rr':
      return (seq(control.receiveSequence, 'receiveSequence') << 5) | pf | HdlcControlByte.RR;
    case 'rnr':
      return (seq(control.receiveSequence, 'receiveSequence') << 5) | pf | HdlcControlByte.RNR;
    case 'snrm':
      return HdlcControlByte.SNRM | pf;
    case 'disc':
      return HdlcControlByte.DISC | pf;
    case 'ua':
      return HdlcControlByte.UA | pf;
    case 'dm':
      return HdlcControlByte.DM | pf;
    case 'frmr':
      return HdlcControlByte.FRMR | pf;
    case 'ui':
      return HdlcControlByte.UI | pf;
  }
}
