import type { Rule } from './rule.js';
import { outcome } from './rule.js';

/** Bytes between messages belong to no message: the stream must consist of whole frames only. */
export const captureDiscardedRule: Rule = {
  id: 'CAPTURE-DISCARDED',
  protocol: 'capture',
  statement: 'A byte stream consists of whole protocol messages, with no bytes between them.',
  clause: 'IEC 62056-46 §6.3; IEC 62056-47 §5; ANSI C12.18 §5.3; IEEE 1703 §5.3',
  scope: 'frame',
  check({ analysed }) {
    const m = analysed.message;
    if (m.type !== 'discarded') return undefined;
    return outcome('FAIL', `${m.bytes.length} byte(s) between messages: ${m.reason ?? 'unframed'}`, 0);
  },
};

/** Bytes missing from the capture make every rule that needs them inconclusive. */
export const captureGapRule: Rule = {
  id: 'CAPTURE-GAP',
  protocol: 'capture',
  statement: 'The capture holds every byte of each stream (no lost segments).',
  clause: 'RFC 9293 §3.4 (sequence numbers); capture completeness',
  scope: 'frame',
  check({ analysed }) {
    const m = analysed.message;
    if (m.type !== 'gap' || m.gap === undefined) return undefined;
    return outcome('INCONCLUSIVE', `${m.gap.missing} byte(s) missing from the capture (${m.gap.reason})`);
  },
};
