import { ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import t from 'tap';
import {
  type ActRegsTbl,
  type CurrentRegDataTbl,
  decodeTable,
  defaultMeterTableFile,
  defaultMeterTables,
  defaultMeterTableValues,
  encodeTable,
  type LpDataSetTbl,
  TableStore,
  type TableStoreFile,
  tableFromFileValue,
  tableToFileValue,
} from '../src/tables/index.js';

t.test('default meter tables are consistent and decode in their own context', async (t) => {
  const store = defaultMeterTables();
  const { tables } = defaultMeterTableValues();
  t.equal(store.ids().length, tables.length);
  for (const id of store.ids()) {
    const decoded = store.decode(id);
    t.equal(toHex(encodeTable(decoded, store.dependencies())), toHex(store.read(id)!), `table ${id} mirrors`);
  }
  t.match(store.context, { dataOrder: 0, tmFormat: 2, niFormat1: 10, niFormat2: 8, stdVersionNo: 2 });
  const st21 = store.decode(21) as ActRegsTbl;
  const st23 = store.decode(23) as CurrentRegDataTbl;
  t.equal(st23.tierDataBlock.length, st21.nbrTiers);
  t.equal(st23.totDataBlock.summations.length, st21.nbrSummations);
  const lp = store.decode(64) as LpDataSetTbl;
  t.equal(lp.lpDataSets.length, 2);
  t.equal(lp.lpDataSets[0]!.lpInt.length, 96);
  t.equal(store.read(64)!.length, 2 * (5 + 2 * 6 + 96 * (2 + 2 * 2)));
  t.same(store.decode(2048), { type: 'RAW_TBL', table: 2048, data: fromHex('4d4b0100') });
});

t.test('table store file: JSON round trip gives the same bytes', async (t) => {
  const store = defaultMeterTables();
  const file = defaultMeterTableFile();
  const text = JSON.stringify(file);
  const parsed = JSON.parse(text) as TableStoreFile;
  t.type(parsed.tables['0'], 'object', 'ST0 typed');
  t.equal(parsed.tables['2048'], '4d4b0100', 'manufacturer table as hex');
  t.same((parsed.tables['0'] as Record<string, unknown>)['deviceClass'], {
    $bytes: toHex(Uint8Array.from('MKSM', (c) => c.charCodeAt(0))),
  });
  const back = TableStore.fromFile(parsed);
  t.same(back.ids(), store.ids());
  for (const id of store.ids()) t.equal(toHex(back.read(id)!), toHex(store.read(id)!), `table ${id}`);
  // a hex-only file loads the same tables
  const hexOnly: TableStoreFile = {
    tables: Object.fromEntries(store.ids().map((id) => [String(id), toHex(store.read(id)!)])),
  };
  const fromHexFile = TableStore.fromFile(hexOnly);
  for (const id of store.ids()) t.equal(toHex(fromHexFile.read(id)!), toHex(store.read(id)!));
});

t.test('store editing and errors', async (t) => {
  const store = defaultMeterTables();
  const st23 = store.decode(23) as CurrentRegDataTbl;
  store.writeTable(23, { ...st23, nbrDemandResets: 8 });
  t.equal((store.decode(23) as CurrentRegDataTbl).nbrDemandResets, 8);
  // changing ST21 changes how ST23 is read
  const st21 = store.decode(21) as ActRegsTbl;
  store.writeTable(21, { ...st21, nbrTiers: 5 });
  t.ok(
    isMeterkitError(
      tryIt(() => store.decode(23)),
      ErrorCode.LengthOverrun,
    ),
  );
  store.delete(21);
  t.ok(
    isMeterkitError(
      tryIt(() => store.decode(23)),
      ErrorCode.InvalidArgument,
    ),
  );
  t.ok(
    isMeterkitError(
      tryIt(() => store.decode(99)),
      ErrorCode.InvalidArgument,
    ),
  );
  // a table that no longer decodes is written as hex in the file
  t.type(store.toFile().tables['23'], 'string');
  t.ok(
    isMeterkitError(
      tryIt(() => TableStore.fromFile({ tables: { x: '00' } })),
      ErrorCode.ValueInvalid,
    ),
  );
  t.ok(
    isMeterkitError(
      tryIt(() => TableStore.fromFile({} as TableStoreFile)),
      ErrorCode.ValueInvalid,
    ),
  );
  const st21File = defaultMeterTableFile().tables['21'] as Record<string, unknown>;
  const bad = tryIt(() =>
    TableStore.fromFile({ tables: { '21': { ...(st21File as object), nbrTiers: 999 } as never } }),
  );
  t.ok(isMeterkitError(bad, ErrorCode.ValueOutOfRange));
  t.match(bad, { path: /^tables\.21\./ });
  const missing = tryIt(() => TableStore.fromFile({ tables: { '23': { type: 'CURRENT_REG_DATA_TBL' } } }));
  t.ok(isMeterkitError(missing, ErrorCode.InvalidArgument), 'ST23 without ST21');
  const wrongShape = tryIt(() =>
    TableStore.fromFile({
      tables: { ...defaultMeterTableFile().tables, '23': { type: 'CURRENT_REG_DATA_TBL' } },
    }),
  );
  t.ok(isMeterkitError(wrongShape, ErrorCode.EncodeFailed), 'missing fields');
  t.ok(
    isMeterkitError(
      tryIt(() => TableStore.fromFile({ tables: { '21': { type: 'CLOCK_TBL' } } })),
      ErrorCode.ValueInvalid,
    ),
  );
  t.ok(
    isMeterkitError(
      tryIt(() => TableStore.fromFile({ tables: { '21': { type: 'ACT_REGS_TBL' } } })),
      ErrorCode.EncodeFailed,
    ),
  );
  t.ok(
    isMeterkitError(
      tryIt(() => TableStore.fromFile({ tables: { '21': 5 } })),
      ErrorCode.ValueInvalid,
    ),
  );
  t.ok(
    isMeterkitError(
      tryIt(() => tableFromFileValue({ $bigint: '1x' })),
      ErrorCode.ValueInvalid,
    ),
  );
  t.equal(tableFromFileValue({ $bigint: '-5' }), -5n);
  t.same(tableToFileValue({ a: 1n, b: [new Uint8Array([1])], c: undefined, d: null }), {
    a: { $bigint: '1' },
    b: [{ $bytes: '01' }],
    d: null,
  });
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  t.ok(
    isMeterkitError(
      tryIt(() => tableFromFileValue(deep as never)),
      ErrorCode.NestingTooDeep,
    ),
  );
  t.ok(
    isMeterkitError(
      tryIt(() => tableToFileValue(() => 1)),
      ErrorCode.EncodeFailed,
    ),
  );
  t.equal(decodeTable(5, store.read(5)!, store.dependencies()).type, 'DEVICE_IDENT_TBL');
});

function tryIt(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}
