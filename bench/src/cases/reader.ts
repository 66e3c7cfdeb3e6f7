import { Reader } from '@meterkit/core';
import type { BenchCase } from '../case.js';
import { realHdlcFrames, totalBytes } from '../data.js';
import { CRC_BASELINE } from './crc16.js';

const frames = realHdlcFrames();
const bytes = totalBytes(frames);

/** `Reader` (the bounds-checked byte reader every codec uses) over the real-meter HDLC frames. */
export const cases: readonly BenchCase[] = [
  {
    name: 'reader: u8 over real frames',
    bytesPerOp: bytes,
    baseline: CRC_BASELINE,
    run: () => {
      let acc = 0;
      for (const f of frames) {
        const r = new Reader(f.bytes);
        while (!r.atEnd) acc += r.u8();
      }
      return acc;
    },
  },
  {
    name: 'reader: u32/u16 big-endian over real frames',
    bytesPerOp: bytes,
    baseline: CRC_BASELINE,
    run: () => {
      let acc = 0;
      for (const f of frames) {
        const r = new Reader(f.bytes);
        while (r.remaining >= 4) acc ^= r.u32();
        while (r.remaining >= 2) acc ^= r.u16();
        if (!r.atEnd) acc ^= r.u8();
      }
      return acc;
    },
  },
  {
    name: 'reader: 8-byte views over real frames',
    bytesPerOp: bytes,
    baseline: CRC_BASELINE,
    run: () => {
      let acc = 0;
      for (const f of frames) {
        const r = new Reader(f.bytes);
        while (r.remaining >= 8) acc += r.bytes(8)[0]!;
        acc += r.rest().length;
      }
      return acc;
    },
  },
];
