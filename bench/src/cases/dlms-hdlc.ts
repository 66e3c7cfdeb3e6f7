// The lead exports the framing API from '@meterkit/dlms'; until then the cases import the source
// of the referenced dlms project directly (tsc maps this onto its declarations).
import { concatBytes } from '@meterkit/core';
import { decodeHdlcFrame, encodeHdlcFrame, HdlcDeframer, type HdlcFrame } from '@meterkit/dlms';
import type { BenchCase } from '../case.js';
import { realHdlcFrames, totalBytes } from '../data.js';
import { CRC_BASELINE } from './crc16.js';

/**
 * HDLC framing (IEC 62056-46 §6.4) over the real-meter push frames: deframing a stream of them
 * (as a serial port delivers it, in chunks) plus decoding each frame, compared per byte with the
 * bare CRC-16 pass. The DLMS budget is `ratio <= 3` for the deframe+decode cases.
 */

const frames = realHdlcFrames();
const bytes = totalBytes(frames);
const stream = concatBytes(...frames.map((f) => f.bytes));
/** The stream cut into 64-octet reads, as a UART driver might hand them over. */
const chunks: Uint8Array[] = [];
for (let i = 0; i < stream.length; i += 64) chunks.push(stream.subarray(i, i + 64));
const decoded: HdlcFrame[] = frames.map((f) => decodeHdlcFrame(f.bytes));

/** Deframes `input` chunk by chunk; returns the number of frames (one CRC pass per frame). */
function deframe(input: readonly Uint8Array[]): number {
  const d = new HdlcDeframer();
  let n = 0;
  for (const c of input)
    for (const item of d.push(c)) if (item.type === 'frame') n += item.frame.information.length;
  return n;
}

export const cases: readonly BenchCase[] = [
  {
    name: 'dlms-hdlc: decode real frames',
    bytesPerOp: bytes,
    baseline: CRC_BASELINE,
    run: () => {
      let n = 0;
      for (const f of frames) n += decodeHdlcFrame(f.bytes).information.length;
      return n;
    },
  },
  {
    name: 'dlms-hdlc: deframe+decode real frames, one chunk',
    bytesPerOp: bytes,
    baseline: CRC_BASELINE,
    run: () => deframe([stream]),
  },
  {
    name: 'dlms-hdlc: deframe+decode real frames, 64-octet reads',
    bytesPerOp: bytes,
    baseline: CRC_BASELINE,
    run: () => deframe(chunks),
  },
  {
    name: 'dlms-hdlc: encode real frames',
    bytesPerOp: bytes,
    baseline: CRC_BASELINE,
    run: () => {
      let n = 0;
      for (const f of decoded) n += encodeHdlcFrame(f).length;
      return n;
    },
  },
];
