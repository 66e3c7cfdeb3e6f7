import { ErrorCode } from '@meterkit/core';
import { hdlcNegotiatedValues } from '@meterkit/dlms';
import { outcome, pass, type Rule } from '../rule.js';

const FCS_CODES = new Set<number>([ErrorCode.FrameCheckFailed, ErrorCode.HeaderCheckFailed]);

/** HCS and FCS of every HDLC frame verify (CRC-16/X-25). */
export const dlmsHdlcCheckSequenceRule: Rule = {
  id: 'DLMS-HDLC-FCS',
  protocol: 'dlms',
  statement: 'The HCS and FCS of every HDLC frame are the CRC-16/X-25 of the octets they cover.',
  clause: 'IEC 62056-46 §6.4.2.6, §6.4.2.7 (ISO/IEC 13239 §4.2.5)',
  scope: 'frame',
  check({ analysed }) {
    const d = analysed.dlms;
    if (d === undefined || (d.hdlc === undefined && d.hdlcError === undefined)) return undefined;
    const e = d.hdlcError;
    if (e !== undefined && FCS_CODES.has(e.code)) return outcome('FAIL', e.message, e.offset);
    if (e !== undefined)
      return outcome('INCONCLUSIVE', `the frame does not decode far enough: ${e.message}`, e.offset);
    return pass();
  },
};

/** The HDLC length field and the wrapper length field equal the octets present. */
export const dlmsLengthRule: Rule = {
  id: 'DLMS-FRAME-LENGTH',
  protocol: 'dlms',
  statement: 'The HDLC frame length field and the wrapper length field equal the number of octets present.',
  clause: 'IEC 62056-46 §6.4.2.2; IEC 62056-47 §5.2',
  scope: 'frame',
  check({ analysed }) {
    const d = analysed.dlms;
    if (d === undefined) return undefined;
    const e = d.hdlcError ?? d.wrapperError;
    if (d.hdlc === undefined && d.wrapper === undefined && e === undefined) return undefined;
    if (
      e !== undefined &&
      (e.code === ErrorCode.FrameLengthMismatch ||
        e.code === ErrorCode.LengthOverrun ||
        e.code === ErrorCode.Truncated)
    )
      return outcome('FAIL', e.message, e.offset);
    if (e !== undefined && FCS_CODES.has(e.code)) return pass();
    if (e !== undefined) return outcome('FAIL', e.message, e.offset);
    return pass();
  },
};

interface SequenceState {
  /** Next N(S) expected per direction. */
  readonly next: Map<string, number>;
}

/**
 * I-frames of each direction carry N(S) = previous N(S) + 1 (mod 8), restarting at 0 after SNRM/UA;
 * a repeated N(S) with the same content is a retransmission.
 */
export const dlmsHdlcSequenceRule: Rule<SequenceState> = {
  id: 'DLMS-HDLC-SEQUENCE',
  protocol: 'dlms',
  statement: 'Each I-frame carries the next send sequence number N(S) of its direction (modulo 8).',
  clause: 'IEC 62056-46 §6.4.3.3; ISO/IEC 13239 §5.3.2',
  scope: 'session',
  createState: () => ({ next: new Map() }),
  check({ analysed, state }) {
    const f = analysed.dlms?.hdlc;
    if (f === undefined) return undefined;
    const dir = analysed.message.direction;
    if (f.type === 'snrm' || f.type === 'ua' || f.type === 'disc') {
      state.next.clear();
      return undefined;
    }
    if (f.type !== 'i') return undefined;
    const want = state.next.get(dir);
    state.next.set(dir, (f.sendSequence + 1) & 7);
    if (want === undefined) return pass();
    if (f.sendSequence === want) return pass();
    if (f.sendSequence === ((want + 7) & 7))
      return outcome('INCONCLUSIVE', `N(S)=${f.sendSequence} repeated: a retransmission`, 3);
    return outcome('FAIL', `N(S)=${f.sendSequence}, expected ${want}`, 3);
  },
};

interface WindowState {
  /** Consecutive I-frames per direction since the last one with the poll/final bit. */
  readonly run: Map<string, number>;
  window: number;
}

/**
 * A sender sends at most `window` I-frames before handing over with the poll/final bit
 * (window sizes from the UA's parameters, default 1).
 */
export const dlmsHdlcWindowRule: Rule<WindowState> = {
  id: 'DLMS-HDLC-WINDOW',
  protocol: 'dlms',
  statement: 'No side sends more I-frames in one turn than the negotiated window size.',
  clause: 'IEC 62056-46 §6.4.4.4.3.2 (window-size parameters of SNRM/UA)',
  scope: 'session',
  createState: () => ({ run: new Map(), window: 1 }),
  check({ analysed, state }) {
    const f = analysed.dlms?.hdlc;
    if (f === undefined) return undefined;
    const dir = analysed.message.direction;
    if (f.type === 'ua') {
      state.run.clear();
      const v = hdlcNegotiatedValues(f.parameters);
      state.window = Math.max(v.windowSizeTransmit, v.windowSizeReceive);
      return undefined;
    }
    if (f.type === 'snrm' || f.type === 'disc') {
      state.run.clear();
      return undefined;
    }
    if (f.type !== 'i') return undefined;
    const n = (state.run.get(dir) ?? 0) + 1;
    state.run.set(dir, f.pollFinal ? 0 : n);
    if (n > state.window)
      return outcome('FAIL', `${n} I-frames in one turn, the window is ${state.window}`, 3);
    return pass();
  },
};
