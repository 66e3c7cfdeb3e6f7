import { collectingSink, LinkType, PcapngWriter, TcpStreamRecorder } from '@meterkit/core';
import type { BenchCase } from '../case.js';
import { realHdlcFrames, totalBytes } from '../data.js';
import { CRC_BASELINE } from './crc16.js';

const frames = realHdlcFrames();
const bytes = totalBytes(frames);

/**
 * Recording cost: every real frame written as a pcapng enhanced packet block with synthetic
 * IPv4/TCP headers (what `--capture` does for each frame of a live session), against the bare CRC
 * pass over the same bytes.
 */
export const cases: readonly BenchCase[] = [
  {
    name: 'pcapng: record real frames as TCP',
    bytesPerOp: bytes,
    baseline: CRC_BASELINE,
    run: () => {
      const sink = collectingSink();
      const writer = new PcapngWriter(sink.sink);
      const recorder = new TcpStreamRecorder(writer, { handshake: false });
      let t = 1_700_000_000_000_000_000n;
      for (const f of frames) {
        recorder.record('server-to-client', f.bytes, t);
        t += 1_000_000n;
      }
      return sink.bytes().length;
    },
  },
  {
    name: 'pcapng: enhanced packet blocks only',
    bytesPerOp: bytes,
    baseline: CRC_BASELINE,
    run: () => {
      const sink = collectingSink();
      const writer = new PcapngWriter(sink.sink);
      const id = writer.addInterface({ linkType: LinkType.USER0, name: 'serial' });
      let t = 1_700_000_000_000_000_000n;
      for (const f of frames) {
        writer.writePacket(id, t, f.bytes);
        t += 1_000_000n;
      }
      return sink.bytes().length;
    },
  },
];
