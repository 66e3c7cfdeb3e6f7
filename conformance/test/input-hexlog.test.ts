import { isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { parseHexLogLine, readHexLog } from '../src/input/hexlog.js';
import type { SessionRecord } from '../src/session/record.js';

async function all(text: string | string[], options = {}): Promise<SessionRecord[]> {
  const out: SessionRecord[] = [];
  for await (const r of readHexLog(Array.isArray(text) ? text : [text], options)) out.push(r);
  return out;
}

const lines: Array<[string, { dir: string; ts?: bigint; hex: string; comment?: string } | undefined]> = [
  ['7E A0 07 03 21 93 0F 01 7E', { dir: 'unknown', hex: '7ea0070321930f017e' }],
  [
    '> 00 01 00 10 00 01 00 02 c0 01',
    { dir: 'client-to-server', hex: '00010010000100 02c001'.replace(' ', '') },
  ],
  ['< 0001000100100001 c4', { dir: 'server-to-client', hex: '0001000100100001c4' }],
  ['TX: 7e:a0:07', { dir: 'client-to-server', hex: '7ea007' }],
  ['rx 7ea007', { dir: 'server-to-client', hex: '7ea007' }],
  ['S->C 06', { dir: 'server-to-client', hex: '06' }],
  ['C->S ee00', { dir: 'client-to-server', hex: 'ee00' }],
  [
    '2026-11-23T01:02:03.123456789Z > 0a0b',
    { dir: 'client-to-server', ts: 1795395723123456789n, hex: '0a0b' },
  ],
  ['2026-11-23T03:02:03+02:00 0a', { dir: 'unknown', ts: 1795395723000000000n, hex: '0a' }],
  ['12.5 < 0a  # reply', { dir: 'server-to-client', ts: 12_500_000_000n, hex: '0a', comment: 'reply' }],
  ['1700000000 > 0a', { dir: 'client-to-server', ts: 1_700_000_000_000_000_000n, hex: '0a' }],
  ['> 1234 5678', { dir: 'client-to-server', hex: '12345678' }],
  ['1234 5678', { dir: 'unknown', hex: '12345678' }],
  ['   # only a comment', undefined],
  ['', undefined],
];

t.test('hex log lines', async (t) => {
  for (const [line, want] of lines) {
    const got = parseHexLogLine(line, 1, 0);
    if (want === undefined) {
      t.equal(got, undefined, JSON.stringify(line));
      continue;
    }
    t.same(
      { dir: got?.direction, ts: got?.timestamp, hex: got && toHex(got.bytes), comment: got?.comment },
      { dir: want.dir, ts: want.ts, hex: want.hex, comment: want.comment },
      line,
    );
  }
  t.equal(
    parseHexLogLine('> 0a', 1, 0, 'server')?.direction,
    'server-to-client',
    'role server flips > and TX',
  );
});

t.test('bad lines fail with HexInvalid at the line start', async (t) => {
  const text = '> 0a0b\n# fine\n< 0a0g\n';
  await t.rejects(all(text), { code: 210, offset: 14, path: 'line 3' });
  await t.rejects(all('> 0a\n>\n'), { code: 210, offset: 5, path: 'line 2' });
  await t.rejects(all('> 0x\n'), { code: 210, offset: 0, path: 'line 1' });
  await t.rejects(all('abc\n'), { code: 210, path: 'line 1' });
});

t.test(
  'records: line numbers, channel, protocol by content or override, CRLF and split chunks',
  async (t) => {
    const recs = await all(['> 7ea0070321930f01', '7e\r\n\r\n< 6003a10100\n', '# end'], { channel: 'probe' });
    t.same(
      recs.map((r) => [r.frame, r.channel, r.direction, r.protocol, toHex(r.bytes)]),
      [
        [1, 'probe', 'client-to-server', 'dlms', '7ea0070321930f017e'],
        [3, 'probe', 'server-to-client', 'c1222', '6003a10100'],
      ],
    );
    const forced = await all('> 0102\n', { protocol: 'c1218' });
    t.equal(forced[0]!.protocol, 'c1218');
    const bytesIn: SessionRecord[] = [];
    for await (const r of readHexLog([new TextEncoder().encode('> 01\n< 02')])) bytesIn.push(r);
    t.same(
      bytesIn.map((r) => toHex(r.bytes)),
      ['01', '02'],
    );
  },
);

t.test('property: arbitrary text only ever fails with MeterkitError', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.string({ maxLength: 40 }), { maxLength: 5 }), async (chunks) => {
      try {
        await all(chunks);
        return true;
      } catch (e) {
        return isMeterkitError(e);
      }
    }),
    { numRuns: 300 },
  );
  t.pass('held for 300 runs');
});

t.test('property: generated lines round-trip', async (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 32 }),
      fc.constantFrom('', '> ', '< ', 'TX ', 'RX ', 'C->S ', 'S->C '),
      fc.option(fc.bigInt({ min: 0n, max: 4_000_000_000_000_000_000n }), { nil: undefined }),
      (bytes, marker, ns) => {
        const ts =
          ns === undefined
            ? ''
            : `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')} `;
        const got = parseHexLogLine(`${ts}${marker}${toHex(bytes, ' ')}`, 1, 0);
        return got !== undefined && toHex(got.bytes) === toHex(bytes) && got.timestamp === ns;
      },
    ),
    { numRuns: 300 },
  );
  t.pass('held for 300 runs');
});
