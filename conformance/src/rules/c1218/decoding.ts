import { type C1222Request, decodeC1218Request, decodeC1218Response } from '@meterkit/c1222';
import { bytesEqual, concatBytes, isMeterkitError } from '@meterkit/core';
import { outcome, pass, type Rule } from '../rule.js';

/** Octets before a packet's data: STP, identity, control, sequence number, length (ANSI C12.18 §5.3). */
const C1218_HEADER = 6;
/** Upper bound of one multi-packet transmission kept for decoding (255 packets of at most 8183 octets). */
const MAX_TRANSMISSION = 255 * 8183;

interface C1218DecodeState {
  /** Data of a multi-packet transmission still open, per direction. */
  readonly parts: Map<string, Uint8Array[]>;
  /** Bytes of the last packet, per direction (a retransmission repeats them). */
  readonly last: Map<string, Uint8Array>;
  /** The last request decoded: a response is decoded against it. */
  request?: C1222Request | undefined;
}

/**
 * Every PSEM request carried in C12.18 packets (a multi-packet transmission reassembled) decodes as
 * a C12.18 service, and every response decodes against the request it answers.
 */
export const c1218DecodeRule: Rule<C1218DecodeState> = {
  id: 'C1218-DECODE',
  protocol: 'c1218',
  statement:
    'Every PSEM request in C12.18 packets decodes as a C12.18 service, and every response against its request.',
  clause: 'ANSI C12.18-2006 §5.3.2 (multi-packet transmission), §5.4 (PSEM services); ANSI C12.19 table data',
  scope: 'session',
  createState: () => ({ parts: new Map(), last: new Map() }),
  check({ analysed, state }) {
    const p = analysed.c1218?.packet;
    if (p === undefined) return undefined;
    const dir = analysed.message.direction;
    const bytes = analysed.message.bytes;
    const prev = state.last.get(dir);
    state.last.set(dir, bytes);
    // an identical retransmission carries nothing new (ANSI C12.18 §5.4.3)
    if (prev !== undefined && bytesEqual(prev, bytes)) return undefined;
    let data = p.data;
    let single = true;
    if (p.control.multiPacket) {
      const open = state.parts.get(dir);
      if (p.control.firstPacket || open === undefined) state.parts.set(dir, [p.data]);
      else open.push(p.data);
      const parts = state.parts.get(dir)!;
      let size = 0;
      for (const x of parts) size += x.length;
      if (size > MAX_TRANSMISSION) {
        state.parts.delete(dir);
        return outcome('FAIL', `a multi-packet transmission longer than ${MAX_TRANSMISSION} octets`);
      }
      if (p.sequenceNumber > 0) return undefined;
      state.parts.delete(dir);
      single = parts.length === 1;
      if (!single) data = concatBytes(...parts);
      if (!p.control.firstPacket && single)
        return outcome('INCONCLUSIVE', 'the first packets of this transmission are not in the capture');
    }
    if (data.length === 0) return outcome('FAIL', 'a packet without an APDU', C1218_HEADER);
    const isRequest = dir === 'client-to-server' || (dir === 'unknown' && data[0]! >= 0x20);
    try {
      if (isRequest) {
        state.request = decodeC1218Request(data, C1218_HEADER);
      } else {
        decodeC1218Response(data, state.request, C1218_HEADER);
        state.request = undefined;
      }
      return pass(C1218_HEADER);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      if (isRequest) state.request = undefined;
      return outcome(
        'FAIL',
        `${isRequest ? 'request' : 'response'} does not decode: ${e.message} (${e.path ?? 'apdu'})`,
        single ? (e.offset ?? C1218_HEADER) : undefined,
      );
    }
  },
};
