import { bytesEqual, ErrorCode } from '@meterkit/core';
import { outcome, pass, type Rule } from '../rule.js';

/** Every C12.18 packet's CRC verifies (CRC-16/X-25, low octet first). */
export const c1218CrcRule: Rule = {
  id: 'C1218-CRC',
  protocol: 'c1218',
  statement: 'The CRC of every C12.18 packet is the CRC-16/X-25 of the packet, low octet first.',
  clause: 'ANSI C12.18-2006 §5.3.7 (CRC)',
  scope: 'frame',
  check({ analysed }) {
    const c = analysed.c1218;
    if (c === undefined || c.control !== undefined) return undefined;
    if (c.error?.code === ErrorCode.FrameCheckFailed)
      return outcome('FAIL', c.error.message, Math.max(0, analysed.message.bytes.length - 2));
    if (c.error !== undefined)
      return outcome('FAIL', `the packet does not decode: ${c.error.message}`, c.error.offset);
    return pass();
  },
};

interface ToggleState {
  /** Last packet per direction. */
  readonly last: Map<string, { toggle: boolean; bytes: Uint8Array }>;
}

/**
 * Consecutive packets of a direction alternate the toggle bit; the same toggle twice is legal
 * only for a retransmission of the identical packet.
 */
export const c1218ToggleRule: Rule<ToggleState> = {
  id: 'C1218-TOGGLE',
  protocol: 'c1218',
  statement:
    'Each new packet of a direction inverts the toggle bit; a repeated toggle bit is an identical retransmission.',
  clause: 'ANSI C12.18-2006 §5.3.3 (CTRL, toggle bit), §5.4.3 (duplicate packets)',
  scope: 'session',
  createState: () => ({ last: new Map() }),
  check({ analysed, state }) {
    const p = analysed.c1218?.packet;
    if (p === undefined) return undefined;
    const dir = analysed.message.direction;
    const prev = state.last.get(dir);
    const bytes = analysed.message.bytes;
    state.last.set(dir, { toggle: p.control.toggle, bytes });
    if (prev === undefined) return pass(2);
    if (prev.toggle !== p.control.toggle) return pass(2);
    if (bytesEqual(prev.bytes, bytes)) return pass(2);
    return outcome('FAIL', `toggle bit ${p.control.toggle ? 1 : 0} repeated on a different packet`, 2);
  },
};
