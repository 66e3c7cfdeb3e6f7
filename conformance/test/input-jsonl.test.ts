import { isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { JsonlSessionWriter, parseJsonlSessionLine, readJsonlSession } from '../src/input/jsonl.js';
import type { SessionRecord } from '../src/session/record.js';
import { formatIsoNanos, parseIsoNanos } from '../src/session/time.js';

async function all(text: string, options = {}): Promise<SessionRecord[]> {
  const out: SessionRecord[] = [];
  for await (const r of readJsonlSession([text], options)) out.push(r);
  return out;
}

t.test('reads the documented format', async (t) => {
  const text = [
    '{"meterkit":"session","version":1,"role":"client"}',
    '{"t":"2026-11-23T01:02:03.000000001Z","dir":"tx","channel":"tcp 10.0.0.1:50000 > 10.0.0.2:4059","hex":"0001"}',
    '',
    '{"t":"1795395723000000002","dir":"rx","channel":"c","hex":"02","protocol":"dlms","comment":"x"}',
    '{"t":5,"dir":"client-to-server","hex":"","gap":12}',
  ].join('\n');
  const recs = await all(text);
  t.same(
    recs.map((r) => [
      r.frame,
      r.channel,
      r.direction,
      r.timestamp,
      toHex(r.bytes),
      r.protocol,
      r.gap?.missing,
      r.comment,
    ]),
    [
      [
        2,
        'tcp 10.0.0.1:50000 > 10.0.0.2:4059',
        'client-to-server',
        1795395723000000001n,
        '0001',
        undefined,
        undefined,
        undefined,
      ],
      [4, 'c', 'server-to-client', 1795395723000000002n, '02', 'dlms', undefined, 'x'],
      [5, 'jsonl', 'client-to-server', 5n, '', undefined, 12, undefined],
    ],
  );
  const server = await all('{"meterkit":"session","version":1,"role":"server"}\n{"dir":"tx","hex":"01"}\n', {
    protocol: 'c1222',
  });
  t.same(
    [server[0]!.direction, server[0]!.protocol, server[0]!.timestamp],
    ['server-to-client', 'c1222', undefined],
  );
});

t.test('malformed lines fail with their line offset', async (t) => {
  const bad: Array<[string, number]> = [
    ['nope', 207],
    ['[1]', 207],
    ['{}', 207],
    ['{"hex":"0g"}', 210],
    ['{"hex":"00","dir":"up"}', 207],
    ['{"hex":"00","t":"yesterday"}', 207],
    ['{"hex":"00","t":-1}', 207],
    ['{"hex":"00","channel":3}', 207],
    ['{"hex":"00","protocol":"modbus"}', 207],
    ['{"hex":"00","gap":0}', 207],
    ['{"hex":"00","comment":1}', 207],
  ];
  for (const [line, code] of bad) {
    t.throws(() => parseJsonlSessionLine(line, 3, 40), { code, offset: 40 }, line);
  }
  await t.rejects(all('{"meterkit":"session","role":"both"}\n'), { code: 207 });
  await t.rejects(all('{"meterkit": nope\n'), { code: 207 });
  await t.rejects(all('{"hex":"00"}\n{"hex":"zz"}\n'), { code: 210, offset: 13, path: 'line 2.hex' });
});

t.test('writer output reads back as the same records', async (t) => {
  const records: SessionRecord[] = [
    {
      frame: 1,
      channel: 'serial',
      direction: 'client-to-server',
      timestamp: 1_700_000_000_123_456_789n,
      protocol: 'dlms',
      bytes: Uint8Array.of(0x7e, 0xa0),
    },
    {
      frame: 2,
      channel: 'serial',
      direction: 'server-to-client',
      timestamp: undefined,
      bytes: Uint8Array.of(1),
      comment: 'ack',
    },
    {
      frame: 3,
      channel: 'serial',
      direction: 'unknown',
      timestamp: 0n,
      bytes: new Uint8Array(0),
      gap: { missing: 4, reason: 'lost' },
    },
  ];
  for (const role of ['client', 'server'] as const) {
    let text = '';
    const w = new JsonlSessionWriter((line) => (text += line), { role });
    for (const r of records) w.write(r);
    const back = await all(text);
    t.same(
      back.map((r) => [r.direction, r.timestamp, toHex(r.bytes), r.protocol, r.gap?.missing, r.comment]),
      records.map((r) => [r.direction, r.timestamp, toHex(r.bytes), r.protocol, r.gap?.missing, r.comment]),
      role,
    );
    t.same(
      back.map((r) => r.frame),
      [2, 3, 4],
    );
  }
});

t.test('time helpers', async (t) => {
  t.equal(formatIsoNanos(1n), '1970-01-01T00:00:00.000000001Z');
  t.throws(() => formatIsoNanos(-1n), { code: 600 });
  t.equal(parseIsoNanos('2026-13-01T00:00:00Z'), undefined);
  t.equal(parseIsoNanos('2026-01-01 00:00:00,5'), 1767225600500000000n);
  t.equal(parseIsoNanos('2026-01-01T00:00:00-0130'), 1767231000000000000n);
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 253402300799999999999n }),
      (ns) => parseIsoNanos(formatIsoNanos(ns)) === ns,
    ),
    { numRuns: 300 },
  );
});

t.test('property: arbitrary lines only ever fail with MeterkitError', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.json().map((j) => j),
        fc.jsonValue().map((v) => JSON.stringify({ hex: '00', t: v })),
      ),
      async (line) => {
        try {
          await all(line);
          return true;
        } catch (e) {
          return isMeterkitError(e);
        }
      },
    ),
    { numRuns: 300 },
  );
  t.pass('held for 300 runs');
});
