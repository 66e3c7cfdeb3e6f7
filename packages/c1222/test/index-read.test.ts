import { readFileSync } from 'node:fs';
import { fromHex, isMeterkitError } from '@meterkit/core';
import { createMemoryPair } from '@meterkit/core/transport';
import fc from 'fast-check';
import t from 'tap';
import { C1222Client } from '../src/client/c1222-client.js';
import { ResponseCode } from '../src/epsem/codes.js';
import { absoluteApTitle, C1222KeyStore } from '../src/index.js';
import { AnsiMeter } from '../src/server/ansi-meter.js';
import { serveC1222Stream } from '../src/server/c1222-server.js';
import { parseAnsiMeterProfile } from '../src/server/profile.js';
import { C1222SessionErrorCode } from '../src/session/errors.js';
import { timeSizes } from '../src/tables/codec.js';
import {
  resolveTableIndex,
  resolveTableIndexForData,
  tableElementLayout,
} from '../src/tables/element-index.js';
import { dataBlkSize, lpBlockSize } from '../src/tables/index.js';

const profile = parseAnsiMeterProfile(
  readFileSync(new URL('../profiles/ansi-meter.json', import.meta.url), 'utf8'),
);

t.test('layouts match the table sizes and the engine offsets', (t) => {
  const meter = new AnsiMeter(profile);
  const deps = meter.tables.dependencies();
  for (const id of [23, 64, 74, 76]) {
    const bytes = meter.tables.read(id);
    if (bytes === undefined) continue;
    t.equal(tableElementLayout(id, deps)!.size, bytes.length, `ST${id} layout spans the table`);
  }
  t.equal(tableElementLayout(1, deps), undefined, 'ST1 has no modelled structure');
  const st21 = deps.st21!;
  const blk = dataBlkSize(deps.ctx, st21);
  const st23 = tableElementLayout(23, deps)!;
  // [0] NBR_DEMAND_RESETS, [1] TOT_DATA_BLOCK, [2] TIER_DATA_BLOCK[]
  t.same(resolveTableIndex(st23, [0], 1), { offset: 0, length: 1 });
  t.same(resolveTableIndex(st23, [1], 1), { offset: 1, length: blk });
  t.same(resolveTableIndex(st23, [2, 1], 1), { offset: 1 + 2 * blk, length: blk }, 'second tier block');
  t.same(resolveTableIndex(st23, [2, 0], 2), { offset: 1 + blk, length: 2 * blk }, 'two tier blocks');
  const lp = lpBlockSize(deps.ctx, deps.st61!, deps.st62!, 1);
  const st64 = tableElementLayout(64, deps)!;
  t.same(resolveTableIndex(st64, [0, 1], 1), { offset: lp, length: lp }, 'second load profile block');
  const stime = timeSizes(deps.ctx).stime;
  t.same(resolveTableIndex(st64, [0, 1, 0], 1), { offset: lp, length: stime }, 'BLK_END_TIME');
  const st76 = tableElementLayout(76, deps)!;
  const entry = timeSizes(deps.ctx).ltime + 2 + 6 + deps.st71!.eventDataLength;
  t.same(resolveTableIndex(st76, [5, 1], 1), { offset: 11 + entry, length: entry }, 'second event entry');
  t.same(resolveTableIndex(st76, [1], 1), { offset: 1, length: 2 }, 'NBR_VALID_ENTRIES');
  t.throws(() => resolveTableIndex(st76, [5, 9], 1), { code: 206 });
  t.throws(() => resolveTableIndex(st76, [9, 0], 1), { code: 206 });
  t.throws(() => resolveTableIndex(st76, [5, 1], 5), { code: 206 });
  t.throws(() => resolveTableIndex(st76, [], 1), { code: 206 });
  t.same(resolveTableIndexForData(st76, [5, 0], 2 * entry), { offset: 11, length: 2 * entry });
  t.throws(() => resolveTableIndexForData(st76, [5, 0], entry + 1), { code: 206 });
  t.throws(() => tableElementLayout(23, { ctx: deps.ctx }), { code: 600 });
  t.end();
});

t.test('property: every resolved range lies inside the table', (t) => {
  const meter = new AnsiMeter(profile);
  const deps = meter.tables.dependencies();
  const layouts = [23, 64, 76].map((id) => ({ id, layout: tableElementLayout(id, deps)! }));
  fc.assert(
    fc.property(
      fc.constantFrom(...layouts),
      fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 5 }),
      ({ id, layout }, index, count) => {
        try {
          const r = resolveTableIndex(layout, index, count);
          return r.offset >= 0 && r.length > 0 && r.offset + r.length <= meter.tables.read(id)!.length;
        } catch (e) {
          return isMeterkitError(e, 206);
        }
      },
    ),
    { numRuns: 500 },
  );
  t.pass('ranges stay inside');
  t.end();
});

t.test('the simulated meter answers partial reads and writes by index', async (t) => {
  const meter = new AnsiMeter({ ...profile, writableTables: [52, 76] });
  const [a, b] = createMemoryPair();
  serveC1222Stream(b, meter);
  const client = new C1222Client({
    transport: a,
    callingApTitle: absoluteApTitle('2.16.124.113620.1.22.0.7'),
    calledApTitle: absoluteApTitle(profile.apTitle!),
    securityMode: 2,
    keys: new C1222KeyStore([[0, fromHex(profile.keys!['0']!)]]),
  });
  await client.open();
  const deps = meter.tables.dependencies();
  const lp = lpBlockSize(deps.ctx, deps.st61!, deps.st62!, 1);
  const st64 = meter.tables.read(64)!;
  t.same(await client.readTable(64, { index: [0, 1] }), st64.subarray(lp, 2 * lp), 'ST64 block 1');
  const blk = dataBlkSize(deps.ctx, deps.st21!);
  t.same(
    await client.readTable(23, { index: [2, 0], count: 2 }),
    meter.tables.read(23)!.subarray(1 + blk, 1 + 3 * blk),
    'ST23 tier blocks',
  );
  const entry = timeSizes(deps.ctx).ltime + 2 + 6 + deps.st71!.eventDataLength;
  const newEntry = new Uint8Array(entry).fill(0x11);
  await client.writeTable(76, newEntry, { index: [5, 1] });
  t.same(meter.tables.read(76)!.subarray(11 + entry, 11 + 2 * entry), newEntry, 'ST76 entry 1 written');
  t.same(await client.readTable(76, { index: [5, 1] }), newEntry, 'and read back by index');
  const code = async (p: Promise<unknown>) => {
    try {
      await p;
      return -1;
    } catch (e) {
      return isMeterkitError(e, C1222SessionErrorCode.ServiceError)
        ? (e.message.match(/\b(sns|iar|onp)\b/)?.[1] ?? e.message)
        : String(e);
    }
  };
  t.equal(await code(client.readTable(1, { index: [0] })), 'sns', 'ST1 has no element structure');
  t.equal(await code(client.readTable(76, { index: [5, 7] })), 'iar', 'entry past the log');
  t.equal(
    await code(client.writeTable(76, new Uint8Array(3), { index: [5, 1] })),
    'onp',
    'not a whole entry',
  );
  const resp = meter
    .createSession('c1222')
    .handle({ type: 'partial-read-index', tableId: 64, index: [0, 0, 2, 1], elementCount: 1 }, {});
  const nbrChns = deps.st61!.sets[0]!.nbrChns;
  const layout = tableElementLayout(64, deps)!;
  const interval = resolveTableIndex(layout, [0, 0, 2, 1], 1);
  t.same(
    resp,
    {
      type: 'read-response',
      tableData: { data: st64.subarray(interval.offset, interval.offset + interval.length) },
    },
    'interval 1 of block 0 (LP_INT is field 2: BLK_END_TIME, END_READINGS, LP_INT)',
  );
  t.ok(interval.length > nbrChns, 'status and channel values');
  const denied = meter
    .createSession('c1218')
    .handle({ type: 'partial-read-index', tableId: 64, index: [0], elementCount: 1 }, {});
  t.same(
    denied,
    { type: 'error-response', code: ResponseCode.isss, name: 'isss', data: new Uint8Array(0) },
    'C12.18 needs a session',
  );
  await client.close();
});
