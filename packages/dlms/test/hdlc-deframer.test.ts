import { readFileSync } from 'node:fs';
import { concatBytes, crc16x25, ErrorCode, fromHex, MeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  decodeHdlcFrame,
  encodeHdlcFrame,
  HdlcDeframer,
  type HdlcDeframerItem,
  hdlcAddress,
} from '../src/hdlc/index.js';

interface Vector {
  id: string;
  kind: string;
  hex: string;
}
const load = (name: string): Vector[] =>
  (
    JSON.parse(readFileSync(new URL(`./vectors/framing/${name}`, import.meta.url), 'utf8')) as {
      entries: Vector[];
    }
  ).entries;
const frames = [...load('real-frames.json'), ...load('hdlc-frame-kinds.json')]
  .filter((v) => v.kind.startsWith('hdlc') || !v.kind.includes('-'))
  .map((v) => fromHex(v.hex));

function run(d: HdlcDeframer, chunks: readonly Uint8Array[]): HdlcDeframerItem[] {
  const out: HdlcDeframerItem[] = [];
  for (const c of chunks) out.push(...d.push(c));
  out.push(...d.flush());
  return out;
}

function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  out.push(bytes.slice(prev));
  return out;
}

/** Frames joined with shared flags (7E … 7E … 7E) or with extra idle flags. */
function joinFrames(list: readonly Uint8Array[], modes: readonly number[]): Uint8Array {
  const parts: Uint8Array[] = [];
  list.forEach((f, i) => {
    const mode = modes[i % modes.length] ?? 0;
    if (i > 0 && mode === 1) parts.push(f.subarray(1));
    else if (mode === 2) parts.push(Uint8Array.of(0x7e, 0x7e), f);
    else parts.push(f);
  });
  return concatBytes(...parts);
}

const framesOf = (items: readonly HdlcDeframerItem[]): string[] =>
  items.flatMap((i) => (i.type === 'frame' ? [toHex(i.frame.raw!)] : []));

/** Every item lies in the stream at its offset, in order, without overlap (a shared flag aside). */
function checkAccounting(
  t: { fail: (message: string) => unknown },
  stream: Uint8Array,
  items: readonly HdlcDeframerItem[],
): void {
  let last = -1;
  for (const item of items) {
    const bytes = item.type === 'frame' ? item.frame.raw! : item.bytes;
    if (item.offset < last) t.fail(`item at ${item.offset} overlaps the previous one ending at ${last}`);
    if (toHex(stream.subarray(item.offset, item.offset + bytes.length)) !== toHex(bytes))
      t.fail(`bytes at ${item.offset} differ`);
    last = item.offset + bytes.length - 1;
  }
}

t.test('real and table frames in one stream, fed whole', async (t) => {
  const stream = concatBytes(...frames);
  const items = run(new HdlcDeframer(), [stream]);
  t.same(
    framesOf(items),
    frames.map((f) => toHex(f)),
  );
  t.equal(items.length, frames.length, 'nothing discarded');
  checkAccounting(t, stream, items);
  for (const item of items) if (item.type === 'frame') t.same(item.frame, decodeHdlcFrame(item.frame.raw!));
});

t.test('property: any split of a stream of valid frames yields the same frames', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: frames.length - 1 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (pick, modes, cuts) => {
        const list = pick.map((i) => frames[i]!);
        const stream = joinFrames(list, modes);
        const items = run(new HdlcDeframer(), splitAt(stream, cuts));
        t.same(
          framesOf(items),
          list.map((f) => toHex(f)),
        );
        t.equal(items.filter((i) => i.type === 'discarded').length, 0);
        checkAccounting(t, stream, items);
      },
    ),
    { numRuns: 300 },
  );
});

t.test('property: garbage interleaved yields the same frames plus discarded items', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: frames.length - 1 }), fc.uint8Array({ maxLength: 40 })), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (pairs, cuts) => {
        const parts: Uint8Array[] = [];
        for (const [i, garbage] of pairs) parts.push(garbage, frames[i]!);
        const stream = concatBytes(...parts);
        const items = run(new HdlcDeframer(), splitAt(stream, cuts));
        t.same(
          framesOf(items),
          pairs.map(([i]) => toHex(frames[i]!)),
        );
        const discarded = items.filter((i) => i.type === 'discarded');
        const garbageBytes = pairs.reduce((n, [, g]) => n + g.filter((b) => b !== 0x7e).length, 0);
        if (garbageBytes > 0) t.ok(discarded.length > 0, 'garbage reported');
        checkAccounting(t, stream, items);
      },
    ),
    { numRuns: 300 },
  );
});

t.test('property: arbitrary bytes never throw and stay bounded', async (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.constantFrom(...frames),
          fc
            .uint8Array({ maxLength: 8 })
            .map((b) => concatBytes(Uint8Array.of(0x7e, 0xa0 | ((b[0] ?? 0) % 8)), b)),
        ),
        { maxLength: 10 },
      ),
      fc.integer({ min: 7, max: 2047 }),
      (chunks, max) => {
        const d = new HdlcDeframer({ maxFrameLength: max });
        const all: HdlcDeframerItem[] = [];
        for (const c of chunks) {
          all.push(...d.push(c));
          if (d.buffered > max + 2 + 2) t.fail(`buffered ${d.buffered} > ${max + 2}`);
        }
        all.push(...d.flush());
        t.equal(d.buffered, 0);
        checkAccounting(t, concatBytes(...chunks), all);
      },
    ),
    { numRuns: 400 },
  );
});

t.test('discard reasons and codes', async (t) => {
  const ui = encodeHdlcFrame({
    type: 'ui',
    destination: hdlcAddress(0x7f),
    source: hdlcAddress(1, 17),
    llc: 'response',
    information: fromHex('0f00000001'),
  });
  const badFcs = ui.slice();
  badFcs[badFcs.length - 2] = badFcs[badFcs.length - 2]! ^ 1;
  const badHcs = ui.slice();
  badHcs[8] = badHcs[8]! ^ 1;
  const items = run(new HdlcDeframer(), [concatBytes(fromHex('0102'), badFcs, badHcs, ui)]);
  t.match(items[0], { type: 'discarded', reason: 'garbage', offset: 0 });
  t.match(items[1], {
    type: 'discarded',
    reason: 'frame-check-failed',
    code: ErrorCode.FrameCheckFailed,
    offset: 2,
  });
  t.match(items[2], { type: 'discarded', reason: 'header-check-failed', code: ErrorCode.HeaderCheckFailed });
  t.equal(items.at(-1)!.type, 'frame');
  t.equal(items.at(-1)!.offset, 2 + 2 * ui.length);

  // a frame split over reads that fails its FCS is dropped, the frame after it kept
  const split = new HdlcDeframer();
  const splitItems = [
    ...split.push(badFcs.subarray(0, 10)),
    ...split.push(concatBytes(badFcs.subarray(10), ui)),
  ];
  t.match(splitItems, [
    { type: 'discarded', reason: 'frame-check-failed', offset: 0 },
    { type: 'frame', offset: ui.length },
  ]);
  // a lying length is rejected by its HCS before its bytes arrive
  const d = new HdlcDeframer();
  const early = d.push(fromHex('7ea7ff4103131234e6e700'));
  t.match(early, [{ type: 'discarded', reason: 'header-check-failed' }]);
  t.equal(d.buffered, 0);
  // a bad address or control is rejected as soon as it is seen
  t.match(new HdlcDeframer().push(fromHex('7ea7ff00000000')), [
    { type: 'discarded', reason: 'address-invalid' },
  ]);
  t.match(new HdlcDeframer().push(fromHex('7ea7ff000205')), [
    { type: 'discarded', reason: 'address-invalid' },
  ]);
  t.match(new HdlcDeframer().push(fromHex('7ea7ff4100000000')), [
    { type: 'discarded', reason: 'address-invalid' },
  ]);
  t.match(new HdlcDeframer().push(fromHex('7ea7ff410309')), [
    { type: 'discarded', reason: 'control-invalid' },
  ]);
  t.match(new HdlcDeframer().push(fromHex('7ea009410313')), [
    { type: 'discarded', reason: 'format-invalid' },
  ]);
  t.same(new HdlcDeframer().push(fromHex('7ea00a')), [], 'waits for the header');
  const waiting = new HdlcDeframer();
  t.same(waiting.push(fromHex('7ea0204103')), [], 'waits');
  t.equal(waiting.buffered, 5);
  t.match(waiting.flush(), [
    { type: 'discarded', reason: 'incomplete', code: ErrorCode.FrameLengthMismatch, offset: 0 },
  ]);
  t.match(new HdlcDeframer().push(fromHex('7ea003')), [
    { type: 'discarded', reason: 'length-invalid', code: ErrorCode.FrameTooShort },
  ]);
  t.match(new HdlcDeframer().push(fromHex('7e1234')), [{ type: 'discarded', reason: 'not-a-frame' }]);
  const short = new HdlcDeframer();
  short.push(fromHex('7ea0'));
  t.match(short.flush(), [{ type: 'discarded', reason: 'incomplete', code: ErrorCode.FrameTooShort }]);
  const lone = new HdlcDeframer();
  t.same(lone.push(fromHex('7e')), []);
  t.same(lone.flush(), [], 'a lone flag is not garbage');
  // closing flag missing where the length puts it
  const noClose = ui.slice();
  noClose[noClose.length - 1] = 0;
  t.match(run(new HdlcDeframer(), [noClose]), [{ type: 'discarded', reason: 'closing-flag-missing' }]);
  // a valid-FCS SNRM with a broken parameter field
  const snrm = encodeHdlcFrame({
    type: 'snrm',
    destination: hdlcAddress(1, 17),
    source: hdlcAddress(16),
    pollFinal: true,
    information: fromHex('828000'),
  });
  t.match(run(new HdlcDeframer(), [snrm]), [{ type: 'discarded', reason: 'information-invalid' }]);
  const rej = fromHex('7ea00703033900007e'); // REJ (not in IEC 62056-46) with a correct FCS
  const fcs = crc16x25(rej, 1, 6);
  rej[6] = fcs & 0xff;
  rej[7] = fcs >>> 8;
  t.match(run(new HdlcDeframer(), [rej]), [
    { type: 'discarded', reason: 'control-invalid', code: ErrorCode.FrameControlInvalid },
  ]);
});

t.test('maxFrameLength drops long frames and keeps the next ones', async (t) => {
  const big = encodeHdlcFrame({
    type: 'ui',
    destination: hdlcAddress(1),
    source: hdlcAddress(1),
    information: new Uint8Array(300).fill(0x55),
  });
  const small = encodeHdlcFrame({
    type: 'rr',
    destination: hdlcAddress(1),
    source: hdlcAddress(1),
    receiveSequence: 3,
    pollFinal: true,
  });
  const items = run(new HdlcDeframer({ maxFrameLength: 128 }), [concatBytes(big, small)]);
  t.match(items[0], { type: 'discarded', reason: 'length-invalid', code: ErrorCode.FrameTooLong });
  t.same(framesOf(items), [toHex(small)]);
  t.throws(() => new HdlcDeframer({ maxFrameLength: 3000 }), MeterkitError);
  t.throws(() => new HdlcDeframer({ maxFrameLength: 6 }), MeterkitError);
});

t.test('optical-head echo is dropped when announced', async (t) => {
  const snrm = fromHex('7ea0082003279373857e');
  const ua = fromHex('7ea0210502217380bc8180140502010006020100070400000001080400000001696d7e');
  const d = new HdlcDeframer();
  d.expectEcho(snrm);
  const items = [...d.push(snrm.subarray(0, 4)), ...d.push(concatBytes(snrm.subarray(4), ua))];
  t.match(items, [
    { type: 'discarded', reason: 'echo', offset: 0 },
    { type: 'frame', offset: snrm.length },
  ]);
  t.equal(items[1]!.type === 'frame' && items[1]!.frame.type, 'ua');
  // without the announcement the echo is an ordinary frame
  t.same(framesOf(run(new HdlcDeframer(), [snrm])), [toHex(snrm)]);
  // a second, unannounced copy passes; echoDepth 0 disables echo suppression
  const d2 = new HdlcDeframer({ echoDepth: 0 });
  d2.expectEcho(snrm);
  t.equal(d2.push(snrm)[0]!.type, 'frame');
  const d3 = new HdlcDeframer({ echoDepth: 1 });
  d3.expectEcho(ua);
  d3.expectEcho(snrm);
  t.match(d3.push(concatBytes(ua, snrm)), [{ type: 'frame' }, { type: 'discarded', reason: 'echo' }]);
  d3.reset();
  t.equal(d3.buffered, 0);
  t.same(d3.push(new Uint8Array(0)), []);
});
