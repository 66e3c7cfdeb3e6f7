import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  absoluteApTitle,
  C1222KeyStore,
  type C1222Request,
  type C1222Response,
  decodeTable,
  defaultMeterTables,
  encodeC1218Request,
  encodeC1218Response,
  encodeC1222Message,
  segmentC1222Apdu,
} from '@meterkit/c1222';
import { concatBytes, fromHex, toHex } from '@meterkit/core';
import t from 'tap';
import type { C12DecodeContext } from '../src/decode/c1222.js';
import { c1218Decoder, c1222Decoder, parseTableOption, readC12TableOptions } from '../src/decode/c1222.js';
import { captureIo } from './helpers.js';

const store = defaultMeterTables();
const KEY = fromHex('6624c7e23034e4036fe5cb3a8b5dab44');
const keys = new Map([['c1222:0', KEY]]);

function message(services: (C1222Request | C1222Response)[], mode: 0 | 2 = 0, id = 5): Uint8Array {
  return encodeC1222Message(
    {
      acse: {
        type: 'c1222-acse',
        calledApTitle: absoluteApTitle('2.16.124.113620.1.22.0.42'),
        callingApTitle: absoluteApTitle('2.16.124.113620.1.22.0.7'),
        callingApInvocationId: id,
        ...(mode === 0
          ? {}
          : { callingAuthenticationValue: { type: 'c1222', keyId: 0, iv: fromHex('01020304') } }),
      },
      epsem: {
        type: 'epsem',
        control: { recoverySession: false, proxyServiceUsed: false, securityMode: mode, responseControl: 0 },
        services,
      },
    },
    { keys: new C1222KeyStore([[0, KEY]]) },
  );
}

const read = (id: number): C1222Response => ({ type: 'read-response', tableData: { data: store.read(id)! } });
const ctx = (extra: Partial<C12DecodeContext> = {}): C12DecodeContext => ({ keys, lenient: true, ...extra });
const input = (bytes: Uint8Array) => ({ bytes, text: undefined, origin: 'test' });

t.test('--table decodes the table data of a read response (with --st0 for the context)', (t) => {
  const resp = message([read(1)]);
  const r = c1222Decoder.decode(input(resp), ctx({ table: 1, st0: store.read(0)! }));
  const layer = r.layers.find((l) => l.layer === 'table');
  t.same(layer?.value, { table: 1, value: store.decode(1) }, 'ST1 GENERAL_MFG_ID_TBL');
  t.same(r.notes, []);
  const plain = c1222Decoder.decode(input(resp), ctx());
  t.notOk(
    plain.layers.some((l) => l.layer === 'table'),
    'without --table the data stays octets',
  );
  const noSt0 = c1222Decoder.decode(input(resp), ctx({ table: 1 }));
  t.ok(noSt0.layers.some((l) => l.layer === 'table'));
  t.match(noSt0.notes.join('\n'), /without ST0: the default context was assumed/);
  t.end();
});

t.test('a request/response pair: the request gives the table, an ST0 read gives the context', (t) => {
  const req = message(
    [
      { type: 'full-read', tableId: 0 },
      { type: 'full-read', tableId: 21 },
      { type: 'full-read', tableId: 23 },
    ],
    2,
  );
  const resp = message([read(0), read(21), read(23)], 2, 6);
  const r = c1222Decoder.decode(input(concatBytes(req, resp)), ctx());
  t.same(
    r.layers.map((l) => l.layer),
    [
      'message-1.acse',
      'message-1.security',
      'message-1.epsem',
      'message-2.acse',
      'message-2.security',
      'message-2.epsem',
      'message-2.table',
    ],
  );
  const tables = r.layers.find((l) => l.layer === 'message-2.table')!.value as {
    table: number;
    value: unknown;
  }[];
  t.same(
    tables.map((x) => x.table),
    [0, 21, 23],
  );
  t.same(
    tables[2]!.value,
    decodeTable(23, store.read(23)!, store.dependencies()),
    'ST23 with ST0 and ST21 from the input',
  );
  t.same(r.notes, []);
  t.end();
});

t.test('tables that cannot be decoded, and partial reads, are noted, not fatal', (t) => {
  const r = c1222Decoder.decode(input(message([read(23)])), ctx({ table: 23, st0: store.read(0)! }));
  t.notOk(r.layers.some((l) => l.layer === 'table'));
  t.match(r.notes.join('\n'), /table 23 not decoded: .*ST21/);
  const pair = concatBytes(
    message([{ type: 'partial-read-offset', tableId: 23, offset: 0, octetCount: 4 }]),
    message([{ type: 'read-response', tableData: { data: store.read(23)!.subarray(0, 4) } }]),
  );
  const p = c1222Decoder.decode(input(pair), ctx());
  t.match(p.notes.join('\n'), /table 23: a partial read is shown as octets/);
  t.end();
});

t.test('C12.18: --table on a response packet, and a request, ACK, response transmission', (t) => {
  const respPackets = encodeC1218Response(read(1));
  const one = c1218Decoder.decode(input(respPackets[0]!), ctx({ table: 1, st0: store.read(0)! }));
  t.same(one.layers.find((l) => l.layer === 'table')?.value, { table: 1, value: store.decode(1) });
  const wire = concatBytes(
    ...encodeC1218Request({ type: 'full-read', tableId: 1 }),
    fromHex('06'),
    ...encodeC1218Response(read(1), { toggle: true }),
    fromHex('06'),
  );
  const r = c1218Decoder.decode(input(wire), ctx({ st0: store.read(0)! }));
  t.same(
    r.layers.map((l) => l.layer),
    ['message-1.service', 'message-2.service', 'message-2.table'],
  );
  t.same(r.layers[2]!.value, { table: 1, value: store.decode(1) });
  // a large table over several packets is reassembled
  const big = concatBytes(
    ...encodeC1218Request({ type: 'full-read', tableId: 64 }),
    ...encodeC1218Response(read(64), { packetSize: 64, toggle: true }),
  );
  t.throws(() => c1218Decoder.decode(input(big.subarray(0, big.length - 3)), ctx()), { code: 200 });
  const lp = c1218Decoder.decode(input(big), ctx({ st0: store.read(0)! }));
  t.match(lp.notes.join('\n'), /table 64 not decoded: .*ST61/, 'ST64 needs ST61 and ST62 from the input');
  t.end();
});

t.test('--table and --st0 option parsing', async (t) => {
  t.equal(parseTableOption('23'), 23);
  t.equal(parseTableOption('ST23'), 23);
  t.equal(parseTableOption('mt5'), 2053);
  t.equal(parseTableOption('0x17'), 23);
  t.equal(parseTableOption(7), 7);
  for (const bad of ['x', 'ST', '-1', 'MT4096', '70000'])
    t.throws(() => parseTableOption(bad), { code: 600 }, bad);
  const io = captureIo();
  t.same(await readC12TableOptions({}, io), {});
  const hex = toHex(store.read(0)!);
  t.same(await readC12TableOptions({ table: 'ST1', st0: hex }, io), { table: 1, st0: store.read(0) });
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-st0-'));
  const file = join(dir, 'st0.bin');
  writeFileSync(file, store.read(0)!);
  t.same((await readC12TableOptions({ st0: file }, io)).st0, store.read(0), 'a file name');
  t.same((await readC12TableOptions({ st0: `@${file}` }, io)).st0, store.read(0), '@file');
  await t.rejects(readC12TableOptions({ st0: 'zz' }, io), { code: 210 });
});

t.test('APDU segments in the input are shown and reassembled', (t) => {
  const resp = message([read(64)], 0, 9);
  const segs = segmentC1222Apdu(resp, 200);
  t.ok(segs.length > 3);
  const r = c1222Decoder.decode(input(concatBytes(...segs)), ctx({ table: 64 }));
  const names = r.layers.map((l) => l.layer);
  t.equal(names.filter((n) => n.endsWith('.segment')).length, segs.length, 'one segment layer each');
  t.ok(names.includes(`message-${segs.length}.epsem`), 'the APDU decoded after its last segment');
  t.match(r.notes.join('\n'), /reassembled from \d+ segments/);
  const partial = c1222Decoder.decode(input(concatBytes(...segs.slice(0, 2))), ctx());
  t.match(partial.notes.join('\n'), /segmented APDU is incomplete/);
  t.end();
});
