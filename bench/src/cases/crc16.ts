import { crc16x25, crc16x25Check } from '@meterkit/core';
import type { BenchCase } from '../case.js';
import { realHdlcFrames, totalBytes } from '../data.js';

/** Name of the baseline every codec path compares with: a bare CRC-16 pass plus a copy. */
export const CRC_BASELINE = 'crc16-x25: real frames';

const frames = realHdlcFrames();
const bytes = totalBytes(frames);
const scratch = new Uint8Array(Math.max(...frames.map((f) => f.bytes.length)));

/**
 * CRC-16/X-25 (ISO/IEC 13239 §4.2.5, the HDLC FCS) over the real-meter HDLC frames. The baseline
 * copies each frame into a scratch buffer and runs the table-driven CRC over the copy: the least
 * work any decoder of the same bytes must do, so codec cases state their cost as a multiple of it.
 */
export const cases: readonly BenchCase[] = [
  {
    name: CRC_BASELINE,
    bytesPerOp: bytes,
    run: () => {
      let acc = 0;
      for (const f of frames) {
        scratch.set(f.bytes);
        acc ^= crc16x25(scratch, 0, f.bytes.length);
      }
      return acc;
    },
  },
  {
    name: 'crc16-x25: FCS check of real frames',
    bytesPerOp: bytes,
    baseline: CRC_BASELINE,
    run: () => {
      let ok = 0;
      for (const f of frames) if (crc16x25Check(f.bytes, 1, f.bytes.length - 1)) ok++;
      return ok;
    },
  },
];
