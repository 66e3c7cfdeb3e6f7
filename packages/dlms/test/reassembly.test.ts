import { readFileSync } from 'node:fs';
import { ErrorCode, fromHex, isMeterkitError, Reader, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  decodeHdlcFrame,
  encodeHdlcFrame,
  type HdlcIFrame,
  type HdlcUiFrame,
  hdlcAddress,
} from '../src/hdlc/index.js';
import {
  BlockReassembler,
  HdlcSegmentReassembler,
  reassembleBlocks,
  reassembleHdlcSegments,
  type TransferBlock,
  transferBlockOf,
} from '../src/reassembly/index.js';

interface Vector {
  id: string;
  hex: string;
  expected: { apdu?: { last_block: boolean; block_number: number; block_data_length: number } };
}
const vectors = (
  JSON.parse(readFileSync(new URL('./vectors/framing/real-frames.json', import.meta.url), 'utf8')) as {
    entries: Vector[];
  }
).entries;

function code(fn: () => unknown): number | string {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return isMeterkitError(e) ? e.code : `foreign ${String(e)}`;
  }
}

/** Minimal general-block-transfer header split for the test (the APDU codec owns GBT decoding). */
function gbtBlock(apdu: Uint8Array): TransferBlock {
  const r = new Reader(apdu);
  if (r.u8() !== 0xe0) throw new Error('not GBT');
  const control = r.u8();
  const blockNumber = r.u16();
  r.u16();
  const n = r.berLengthBounded();
  return { blockNumber, lastBlock: (control & 0x80) !== 0, content: r.bytes(n) };
}

t.test('Landis+Gyr E450 push: GBT blocks over three HDLC frames, LLC on the first only', async (t) => {
  const ids = ['ams-landis-gyr-gh740-1', 'ams-landis-gyr-gh740-2', 'ams-landis-gyr-gh740-3'];
  const frames = ids.map(
    (id) => decodeHdlcFrame(fromHex(vectors.find((v) => v.id === id)!.hex)) as HdlcUiFrame,
  );
  t.same(
    frames.map((f) => f.llc),
    ['response', undefined, undefined],
  );
  const blocks = frames.map((f) => gbtBlock(f.information));
  ids.forEach((id, i) => {
    const exp = vectors.find((v) => v.id === id)!.expected.apdu!;
    t.equal(blocks[i]!.blockNumber, exp.block_number);
    t.equal(blocks[i]!.lastBlock, exp.last_block);
    t.equal(blocks[i]!.content.length, exp.block_data_length);
  });
  const apdu = reassembleBlocks(blocks);
  t.equal(apdu.length, 112 + 108 + 121);
  t.equal(apdu[0], 0x0f, 'a data-notification');
  t.equal(toHex(apdu.subarray(0, 5)), '0f0021a433');
  // each HDLC frame is a complete (unsegmented) APDU of its own
  const r = new HdlcSegmentReassembler();
  t.same(
    frames.map((f) => r.push(f)?.frames),
    [1, 1, 1],
  );
});

t.test('HDLC segments: LLC on the first segment only, N(S) sequence checked', async (t) => {
  const apdu = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
  apdu.set([0xe6, 0xe7, 0x00], 128); // LLC-looking octets at the start of the 2nd segment are data
  const dest = hdlcAddress(16);
  const src = hdlcAddress(1, 17);
  const seg = (i: number, part: Uint8Array, more: boolean, ns: number): HdlcIFrame =>
    decodeHdlcFrame(
      encodeHdlcFrame({
        type: 'i',
        destination: dest,
        source: src,
        segmented: more,
        sendSequence: ns,
        receiveSequence: 1,
        pollFinal: !more,
        llc: i === 0 ? 'response' : undefined,
        information: part,
      }),
    ) as HdlcIFrame;
  const frames = [
    seg(0, apdu.subarray(0, 128), true, 6),
    seg(1, apdu.subarray(128, 256), true, 7),
    seg(2, apdu.subarray(256), false, 0),
  ];
  t.equal(frames[1]!.llc, 'response', 'the decoder sees an LLC header in the continuation');
  const out = reassembleHdlcSegments(frames);
  t.equal(toHex(out.apdu), toHex(apdu), 'but reassembly keeps those octets');
  t.equal(out.llc, 'response');
  t.equal(out.frames, 3);
  t.equal(
    code(() => reassembleHdlcSegments([frames[0]!, frames[2]!])),
    ErrorCode.ReassemblyFailed,
    'gap',
  );
  t.equal(
    code(() => reassembleHdlcSegments([frames[0]!, frames[0]!, frames[1]!])),
    ErrorCode.ReassemblyFailed,
    'duplicate',
  );
  t.equal(
    code(() => reassembleHdlcSegments(frames.slice(0, 2))),
    ErrorCode.ReassemblyFailed,
    'missing last',
  );
  t.equal(
    code(() => reassembleHdlcSegments([...frames, frames[2]!])),
    ErrorCode.ReassemblyFailed,
    'frames after the last',
  );
  const other = decodeHdlcFrame(
    encodeHdlcFrame({
      type: 'i',
      destination: dest,
      source: hdlcAddress(1, 18),
      segmented: false,
      sendSequence: 7,
      receiveSequence: 1,
      information: fromHex('00'),
    }),
  ) as HdlcIFrame;
  t.equal(
    code(() => reassembleHdlcSegments([frames[0]!, other])),
    ErrorCode.ReassemblyFailed,
    'other address',
  );
  const ui = decodeHdlcFrame(
    encodeHdlcFrame({ type: 'ui', destination: dest, source: src, information: fromHex('00') }),
  ) as HdlcUiFrame;
  t.equal(
    code(() => reassembleHdlcSegments([frames[0]!, ui])),
    ErrorCode.ReassemblyFailed,
    'other frame type',
  );
  const small = new HdlcSegmentReassembler({ maxApduLength: 200 });
  t.equal(small.push(frames[0]!), undefined);
  t.ok(small.inProgress);
  t.equal(
    code(() => small.push(frames[1]!)),
    ErrorCode.FrameTooLong,
  );
  t.notOk(small.inProgress, 'reset after an error');
  // UI segments carry no N(S)
  const uiSeg = (part: string, more: boolean, llc?: 'response'): HdlcUiFrame =>
    decodeHdlcFrame(
      encodeHdlcFrame({
        type: 'ui',
        destination: dest,
        source: src,
        segmented: more,
        llc,
        information: fromHex(part),
      }),
    ) as HdlcUiFrame;
  t.equal(
    toHex(
      reassembleHdlcSegments([uiSeg('0f01', true, 'response'), uiSeg('0203', true), uiSeg('04', false)]).apdu,
    ),
    '0f01020304',
  );
});

t.test('property: any segmentation reassembles to the APDU', async (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 600 }),
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 0, max: 7 }),
      (apdu, size, ns0) => {
        const frames: HdlcIFrame[] = [];
        for (let at = 0, i = 0; at < apdu.length; at += size, i++) {
          const more = at + size < apdu.length;
          frames.push(
            decodeHdlcFrame(
              encodeHdlcFrame({
                type: 'i',
                destination: hdlcAddress(1),
                source: hdlcAddress(1, 1),
                segmented: more,
                sendSequence: (ns0 + i) & 7,
                receiveSequence: 0,
                llc: i === 0 ? 'command' : undefined,
                information: apdu.subarray(at, at + size),
              }),
              { llc: i === 0 },
            ) as HdlcIFrame,
          );
        }
        t.equal(toHex(reassembleHdlcSegments(frames).apdu), toHex(apdu));
      },
    ),
    { numRuns: 200 },
  );
});

t.test('block reassembly: order, gaps, duplicates', async (t) => {
  const b = (n: number, last: boolean, hex: string): TransferBlock => ({
    blockNumber: n,
    lastBlock: last,
    content: fromHex(hex),
  });
  t.equal(toHex(reassembleBlocks([b(1, false, '01'), b(2, false, '0203'), b(3, true, '')])), '010203');
  t.equal(toHex(reassembleBlocks([b(5, true, 'aa')], { firstBlockNumber: 5 })), 'aa');
  t.same(
    transferBlockOf({ blockControl: { lastBlock: true }, blockNumber: 4, blockData: fromHex('0102') }),
    { blockNumber: 4, lastBlock: true, content: fromHex('0102') },
    'from a decoded general-block-transfer',
  );
  t.equal(
    code(() => reassembleBlocks([b(1, false, '01'), b(3, true, '03')])),
    ErrorCode.ReassemblyFailed,
    'gap',
  );
  t.equal(
    code(() => reassembleBlocks([b(1, false, '01'), b(1, false, '01'), b(2, true, '')])),
    ErrorCode.ReassemblyFailed,
    'duplicate',
  );
  t.equal(
    code(() => reassembleBlocks([b(2, true, '01')])),
    ErrorCode.ReassemblyFailed,
    'does not start at 1',
  );
  t.equal(
    code(() => reassembleBlocks([b(1, false, '01')])),
    ErrorCode.ReassemblyFailed,
    'no last block',
  );
  t.equal(
    code(() => reassembleBlocks([b(1, true, '01'), b(2, true, '')])),
    ErrorCode.ReassemblyFailed,
    'after last',
  );
  const r = new BlockReassembler({ maxLength: 2 });
  t.equal(r.push(b(1, false, '01')), undefined);
  t.ok(r.inProgress);
  t.equal(r.expectedBlockNumber, 2);
  t.equal(
    code(() => r.push(b(2, true, '0203'))),
    ErrorCode.FrameTooLong,
  );
  t.equal(r.expectedBlockNumber, 1, 'reset after an error');
  t.notOk(r.inProgress);
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 30 }), { minLength: 1, maxLength: 10 }), (parts) => {
      const blocks = parts.map((p, i) => ({
        blockNumber: i + 1,
        lastBlock: i === parts.length - 1,
        content: p,
      }));
      t.equal(toHex(reassembleBlocks(blocks)), parts.map((p) => toHex(p)).join(''));
    }),
    { numRuns: 200 },
  );
});
