import { crc16x25, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { frameStream, type StreamFrame, type StreamFraming } from '../src/reassembly/index.js';

function frames(framing: StreamFraming, chunks: readonly Uint8Array[], gapAfter?: number): StreamFrame[] {
  const f = frameStream(framing);
  const out: StreamFrame[] = [];
  chunks.forEach((c, i) => {
    out.push(...f.push(c));
    if (gapAfter === i) out.push(...f.gap(10));
  });
  out.push(...f.end());
  return out;
}

function show(list: readonly StreamFrame[]): string[] {
  return list.map((f) =>
    f.type === 'frame'
      ? `${f.offset}:${toHex(f.bytes)}`
      : `${f.offset}:discarded ${toHex(f.bytes)} (${f.reason})`,
  );
}

const WRAP_A = '0001001000010005c001c10008';
const WRAP_B = '000100010010000cc40181000906053030303031';
const HDLC_A = '7ea0070321930f017e'; // SNRM-like, 7 bytes between flags
const HDLC_B = '7ea00b0321100102030405067e';
const ACSE_A = '6003a10100';
const ACSE_LONG = `6081${'83'}${'a1'}${'81'}${'80'}${'00'.repeat(128)}`;
function c1218(data: string): string {
  const body = fromHex(`ee0000${'00'}${(data.length / 2).toString(16).padStart(4, '0')}${data}`);
  const crc = crc16x25(body);
  return toHex(body) + (crc & 0xff).toString(16).padStart(2, '0') + (crc >> 8).toString(16).padStart(2, '0');
}
const C1218_A = c1218('20');
const C1218_B = c1218('3000080102');

const table: Array<{ framing: StreamFraming; input: string[]; expect: string[]; gapAfter?: number }> = [
  { framing: 'dlms-wrapper', input: [WRAP_A + WRAP_B], expect: [`0:${WRAP_A}`, `13:${WRAP_B}`] },
  {
    framing: 'dlms-wrapper',
    input: [`ffee${WRAP_A}`],
    expect: ['0:discarded ffee (no wrapper header (version 0x0001))', `2:${WRAP_A}`],
  },
  {
    framing: 'dlms-wrapper',
    input: [WRAP_A.slice(0, 10)],
    expect: [`0:discarded ${WRAP_A.slice(0, 10)} (stream ended inside a message)`],
  },
  {
    framing: 'dlms-wrapper',
    input: [WRAP_A.slice(0, 10), WRAP_B],
    gapAfter: 0,
    expect: [`0:discarded ${WRAP_A.slice(0, 10)} (message cut by a capture gap)`, `15:${WRAP_B}`],
  },
  { framing: 'hdlc', input: [HDLC_A + HDLC_B], expect: [`0:${HDLC_A}`, `9:${HDLC_B}`] },
  { framing: 'hdlc', input: [HDLC_A + HDLC_B.slice(2)], expect: [`0:${HDLC_A}`, `8:${HDLC_B}`] },
  {
    framing: 'hdlc',
    input: [`00${HDLC_A}`],
    expect: ['0:discarded 00 (no HDLC opening flag)', `1:${HDLC_A}`],
  },
  { framing: 'hdlc', input: [`7e7e7e${HDLC_A}`], expect: [`3:${HDLC_A}`] },
  {
    framing: 'hdlc',
    input: [`7e1100${HDLC_A}`],
    expect: [
      '0:discarded 7e (HDLC frame format is not type 3)',
      '1:discarded 1100 (no HDLC opening flag)',
      `3:${HDLC_A}`,
    ],
  },
  {
    framing: 'hdlc',
    input: [`7ea007032193000100${HDLC_A}`],
    expect: [
      '0:discarded 7e (HDLC closing flag missing)',
      '1:discarded a007032193000100 (no HDLC opening flag)',
      `9:${HDLC_A}`,
    ],
  },
  {
    framing: 'hdlc',
    input: ['7ea0030203'],
    expect: ['0:discarded 7e (HDLC frame length 3 too short)', '1:discarded a0030203 (no HDLC opening flag)'],
  },
  { framing: 'dlms', input: [HDLC_A, WRAP_A], expect: [`0:${HDLC_A}`, `9:${WRAP_A}`] },
  {
    framing: 'c1222',
    input: [ACSE_A + ACSE_LONG.slice(0, 20), ACSE_LONG.slice(20)],
    expect: [`0:${ACSE_A}`, `5:${ACSE_LONG}`],
  },
  {
    framing: 'c1222',
    input: [`016080${ACSE_A}`],
    expect: [
      '0:discarded 01 (no ACSE APDU tag 0x60)',
      '1:discarded 60 (indefinite BER length)',
      '2:discarded 80 (no ACSE APDU tag 0x60)',
      `3:${ACSE_A}`,
    ],
  },
  {
    framing: 'c1222',
    input: [`6085${ACSE_A}`],
    expect: [
      '0:discarded 60 (BER length of 5 octets)',
      '1:discarded 85 (no ACSE APDU tag 0x60)',
      `2:${ACSE_A}`,
    ],
  },
  {
    framing: 'c1218',
    input: [`06${C1218_A}15${C1218_B}`],
    expect: ['0:06', `1:${C1218_A}`, '10:15', `11:${C1218_B}`],
  },
  {
    framing: 'c1218',
    input: [`aa${C1218_A}`],
    expect: ['0:discarded aa (no C12.18 start 0xEE)', `1:${C1218_A}`],
  },
];

t.test('frameStream table', async (t) => {
  for (const c of table) {
    t.same(
      show(frames(c.framing, c.input.map(fromHex), c.gapAfter)),
      c.expect,
      `${c.framing} ${c.input.join(' ')}`,
    );
  }
});

t.test('length limits and bad framing names', async (t) => {
  const f = frameStream('dlms-wrapper', { maxFrameLength: 16 });
  t.match(show(f.push(fromHex('00010010000100ff'))), ['0:discarded 00 (wrapper length 255 above the limit)']);
  const g = frameStream('c1222', { maxFrameLength: 4 });
  t.match(show(g.push(fromHex('6003a10100'))), ['0:discarded 60 (ACSE APDU length 3 above the limit)']);
  const h = frameStream('c1218', { maxFrameLength: 8 });
  t.match(show(h.push(fromHex('ee000000ffff'))), ['0:discarded ee (C12.18 length 65535 above the limit)']);
  t.throws(() => frameStream('x' as StreamFraming), { code: 600 });
});

t.test('property: any chunking gives the same frames', async (t) => {
  const streamArb = fc.record({
    framing: fc.constantFrom<StreamFraming>('dlms-wrapper', 'hdlc', 'c1222', 'c1218'),
    payloads: fc.array(fc.uint8Array({ minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 8 }),
    cuts: fc.array(fc.nat(), { maxLength: 10 }),
  });
  const build = (framing: StreamFraming, p: Uint8Array): Uint8Array => {
    if (framing === 'dlms-wrapper')
      return fromHex(`000100100001${p.length.toString(16).padStart(4, '0')}${toHex(p)}`);
    if (framing === 'hdlc') {
      const body = p.filter((b) => b !== 0x7e);
      const len = body.length + 7;
      return fromHex(`7e${(0xa000 | len).toString(16)}032193${toHex(body)}00007e`);
    }
    if (framing === 'c1222')
      return fromHex(
        `60${p.length < 128 ? p.length.toString(16).padStart(2, '0') : `81${p.length.toString(16)}`}${toHex(p)}`,
      );
    return fromHex(c1218(toHex(p)));
  };
  fc.assert(
    fc.property(streamArb, fc.context(), ({ framing, payloads, cuts }, ctx) => {
      const built = payloads.map((p) => build(framing, p));
      const all = fromHex(built.map((b) => toHex(b)).join(''));
      const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
      const chunks: Uint8Array[] = [];
      let last = 0;
      for (const p of [...points, all.length]) {
        chunks.push(all.subarray(last, p));
        last = p;
      }
      const got = frames(framing, chunks);
      ctx.log(show(got).join(' | '));
      return (
        got.length === built.length &&
        got.every((f, i) => f.type === 'frame' && toHex(f.bytes) === toHex(built[i]!))
      );
    }),
    { numRuns: 500 },
  );
  t.pass('held for 500 runs');
});

t.test('property: arbitrary bytes never throw and every byte is accounted for', async (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom<StreamFraming>('dlms', 'dlms-wrapper', 'hdlc', 'c1222', 'c1218'),
      fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 6 }),
      (framing, chunks) => {
        try {
          const got = frames(framing, chunks);
          const total = chunks.reduce((n, c) => n + c.length, 0);
          // every byte is in exactly one frame or discard, except HDLC flags shared or filling between frames
          const seen = got.reduce((n, f) => n + f.bytes.length, 0);
          return framing === 'hdlc' || framing === 'dlms' ? seen <= total + got.length : seen === total;
        } catch (e) {
          return isMeterkitError(e);
        }
      },
    ),
    { numRuns: 500 },
  );
  t.pass('held for 500 runs');
});
