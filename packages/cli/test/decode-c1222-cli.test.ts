import { absoluteApTitle, defaultMeterTables, encodeC1222Message } from '@meterkit/c1222';
import { concatBytes, toHex } from '@meterkit/core';
import t from 'tap';
import { runCli } from '../src/index.js';
import { captureIo } from './helpers.js';

const store = defaultMeterTables();

function message(
  services: Parameters<typeof encodeC1222Message>[0]['epsem']['services'],
  id: number,
): Uint8Array {
  return encodeC1222Message({
    acse: {
      type: 'c1222-acse',
      calledApTitle: absoluteApTitle('2.16.124.113620.1.22.0.42'),
      callingApInvocationId: id,
    },
    epsem: {
      type: 'epsem',
      control: { recoverySession: false, proxyServiceUsed: false, securityMode: 0, responseControl: 0 },
      services,
    },
  });
}

async function decode(args: string[]) {
  const io = captureIo();
  const code = await runCli(['decode', '--json', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

t.test('meterkit decode --table --st0 prints the C12.19 table of a read response', async (t) => {
  const resp = message([{ type: 'read-response', tableData: { data: store.read(1)! } }], 1);
  const r = await decode(['--table', 'ST1', '--st0', toHex(store.read(0)!), toHex(resp)]);
  t.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out) as {
    layers: { layer: string; value: { table: number; value: { type: string } } }[];
  };
  const table = out.layers.find((l) => l.layer === 'table');
  t.equal(table?.value.table, 1);
  t.equal(table?.value.value.type, 'GENERAL_MFG_ID_TBL');
});

t.test('a request and its response in one input: the table id comes from the request', async (t) => {
  const req = message([{ type: 'full-read', tableId: 0 }], 2);
  const resp = message([{ type: 'read-response', tableData: { data: store.read(0)! } }], 3);
  const r = await decode([toHex(concatBytes(req, resp))]);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /"layer":\s*"message-2\.table"/);
  t.match(r.out, /GEN_CONFIG_TBL/);
});

t.test('a bad --table is a usage error', async (t) => {
  const r = await decode(['--table', 'ST', '6000']);
  t.not(r.code, 0);
  t.match(r.err, /--table ST/);
});
