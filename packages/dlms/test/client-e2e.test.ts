import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { collectingSink, fromHex, isMeterkitError } from '@meterkit/core';
import { createMemoryPair, TcpTransport } from '@meterkit/core/transport';
import t from 'tap';
import { DlmsClient, DlmsClientErrorCode } from '../src/client/index.js';
import {
  type CaptureObjectDefinition,
  captureObjectsToData,
  cosemDateTimeFromIso,
  type DlmsData,
  DlmsErrorCode,
  encodeCosemDateTime,
  SecurityContext,
} from '../src/index.js';
import { key, type ResponderOptions, ScriptedServer, serveHdlc, serveWrapper } from './client-responder.js';

const EK = fromHex('000102030405060708090a0b0c0d0e0f');
const AK = fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf');
const CLIENT_ST = fromHex('4d4b540000000001');
const SERVER_ST = fromHex('4d4d4d0000bc614e');

function energyObjects(rows = 3): Map<string, DlmsData> {
  const m = new Map<string, DlmsData>();
  m.set(key(3, '1-0:1.8.0.255', 2), { type: 'double-long-unsigned', value: 12345 });
  m.set(key(3, '1-0:1.8.0.255', 3), {
    type: 'structure',
    value: [
      { type: 'integer', value: -1 },
      { type: 'enum', value: 30 },
    ],
  });
  m.set(key(8, '0-0:1.0.0.255', 2), {
    type: 'octet-string',
    value: encodeCosemDateTime(cosemDateTimeFromIso('2026-11-23T01:00:00Z')),
  });
  const co: CaptureObjectDefinition[] = [
    { classId: 8, logicalName: '0-0:1.0.0.255', attributeIndex: 2, dataIndex: 0 },
    { classId: 3, logicalName: '1-0:1.8.0.255', attributeIndex: 2, dataIndex: 0 },
  ];
  m.set(key(7, '1-0:99.1.0.255', 3), captureObjectsToData(co));
  const buffer: DlmsData[] = [];
  for (let i = 0; i < rows; i++)
    buffer.push({
      type: 'structure',
      value: [
        {
          type: 'octet-string',
          value: encodeCosemDateTime(
            cosemDateTimeFromIso(`2026-11-22T${String(i % 24).padStart(2, '0')}:00:00Z`),
          ),
        },
        { type: 'double-long-unsigned', value: 1000 + i },
      ],
    });
  m.set(key(7, '1-0:99.1.0.255', 2), { type: 'array', value: buffer });
  return m;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

async function memoryClient(
  opts: ResponderOptions,
  clientOpts: Partial<Parameters<typeof DlmsClient.connect>[0]> = {},
  hdlc = false,
) {
  const [a, b] = createMemoryPair();
  const server = new ScriptedServer(opts);
  if (hdlc) serveHdlc(b, server);
  else serveWrapper(b, server);
  const client = await DlmsClient.connect({
    connection: hdlc
      ? { type: 'transport', transport: a, framing: 'hdlc', physicalAddress: 17, hdlcTimeoutMs: 200 }
      : { type: 'transport', transport: a, framing: 'wrapper' },
    timeoutMs: 2000,
    ...clientOpts,
  });
  return { client, server, transport: a };
}

t.test('plain association over a memory pair: get, set, action, with-list, release', async (t) => {
  const { client, server } = await memoryClient(
    { objects: energyObjects() },
    { priority: 'normal', firstInvokeId: 15 },
  );
  t.equal(client.association.state, 'associated');
  t.equal(client.negotiated?.serverMaxReceivePduSize, 1024);
  t.same(await client.get('1.0.1.8.0.255', { classId: 3 }), { type: 'double-long-unsigned', value: 12345 });
  const first = server.requests[0];
  t.same(first?.type === 'get-request-normal' && first.invokeIdAndPriority, {
    invokeId: 15,
    serviceClass: 'confirmed',
    priority: 'normal',
  });
  await client.set('0-0:96.1.0.255', { type: 'visible-string', value: 'abc' });
  t.same(server.objects.get(key(1, '0-0:96.1.0.255', 2)), { type: 'visible-string', value: 'abc' });
  const list = await client.getWithList([
    { classId: 3, instanceId: '1-0:1.8.0.255', attributeId: 2 },
    { classId: 1, instanceId: '0-0:96.1.9.255', attributeId: 2 },
  ]);
  t.same(list[1], { type: 'data-access-result', result: 'object-undefined' });
  const sl = await client.setWithList([
    {
      attribute: { classId: 1, instanceId: '0-0:96.1.1.255', attributeId: 2 },
      value: { type: 'unsigned', value: 1 },
    },
    {
      attribute: { classId: 1, instanceId: '0-0:96.1.2.255', attributeId: 2 },
      value: { type: 'unsigned', value: 2 },
    },
  ]);
  t.same(sl, ['success', 'success']);
  server.objects.set('action/9/0-0:10.0.0.255/1', { type: 'unsigned', value: 7 });
  t.same(
    await client.action('0-0:10.0.0.255', {
      classId: 9,
      method: 1,
      parameters: { type: 'integer', value: 0 },
    }),
    { type: 'unsigned', value: 7 },
  );
  await t.rejects(client.get('0-0:96.1.9.255'), { code: DlmsErrorCode.DataAccessFailed });
  const clock = await client.readClock();
  t.equal(clock.year, 2026);
  await client.setClock(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
  t.equal((await client.readClock()).month, 1);
  await client.release();
  t.equal(client.association.state, 'released');
  await t.rejects(client.get('1-0:1.8.0.255', { classId: 3 }), { code: DlmsClientErrorCode.NotAssociated });
  await client.close();
  await client.close();
});

t.test('profile read with block transfer, by entry and by range, with scalers', async (t) => {
  const { client } = await memoryClient({ objects: energyObjects(40), blockSize: 64 });
  const all = await client.readProfile('1-0:99.1.0.255');
  t.equal(all.rows.length, 40);
  t.equal(all.rows[1]!.cells[1]!.scaled, 100.1);
  t.equal(all.rows[1]!.cells[1]!.unit, 'Wh');
  t.equal(all.rows[0]!.cells[0]!.time?.startsWith('2026-11-22T00:00:00'), true);
  const some = await client.readProfile('1-0:99.1.0.255', { fromEntry: 2, toEntry: 4 });
  t.same(
    some.rows.map((r) => r.cells[1]!.data.value),
    [1001, 1002, 1003],
  );
  const range = await client.readProfile('1-0:99.1.0.255', { from: new Date(0), to: new Date() });
  t.equal(range.rows.length, 40);
  await client.close();
});

t.test('long set and action go out in blocks', async (t) => {
  const { client, server } = await memoryClient({ objects: energyObjects(), maxPduSize: 64, blockSize: 32 });
  const big: DlmsData = { type: 'octet-string', value: new Uint8Array(300).fill(7) };
  await client.set('0-0:128.0.0.255', big);
  t.same(server.objects.get(key(1, '0-0:128.0.0.255', 2)), big);
  t.same(await client.action('0-0:128.0.1.255', { classId: 9, method: 1, parameters: big }), {
    type: 'double-long-unsigned',
    value: 304,
  });
  server.objects.set('action/9/0-0:128.0.2.255/1', big);
  t.same(await client.action('0-0:128.0.2.255', { classId: 9, method: 1 }), big);
  await client.close();
});

t.test('general-block-transfer answers in windows', async (t) => {
  for (const window of [1, 3]) {
    const { client } = await memoryClient(
      { objects: energyObjects(30), blockSize: 48, gbtWindow: window },
      { gbtWindow: window },
    );
    const p = await client.readProfile('1-0:99.1.0.255');
    t.equal(p.rows.length, 30, `window ${window}`);
    await client.close();
  }
});

t.test('LLS: accepted with the right password, rejected with a hint otherwise', async (t) => {
  const ok = await memoryClient(
    { objects: energyObjects(), password: '12345678' },
    { authentication: { mechanism: 'low', password: '12345678' } },
  );
  t.equal(ok.client.association.state, 'associated');
  const printed = `${inspect(ok.client)} ${JSON.stringify(ok.client)} ${inspect(ok.client.association)}`;
  t.notMatch(printed, /12345678/, 'the password is never printed');
  await ok.client.close();
  const e = await failure(
    memoryClient({ password: '12345678' }, { authentication: { mechanism: 1, password: 'wrong' } }),
  );
  t.ok(
    isMeterkitError(e, DlmsErrorCode.AssociationRejected) &&
      /authentication-failure/.test(e.message) &&
      !/wrong/.test(e.message),
    String(e),
  );
});

t.test('suite 0 ciphering with HLS-GMAC and a dedicated key, recorded', async (t) => {
  for (const form of ['glo', 'ded', 'general-glo', 'general-ded'] as const) {
    const serverCtx = new SecurityContext({
      systemTitle: SERVER_ST,
      globalUnicastEncryptionKey: EK,
      authenticationKey: AK,
    });
    const clientCtx = new SecurityContext({
      systemTitle: CLIENT_ST,
      globalUnicastEncryptionKey: EK,
      authenticationKey: AK,
    });
    const sink = collectingSink();
    const { client, server } = await memoryClient(
      { objects: energyObjects(20), security: serverCtx, hls: 5, blockSize: 100 },
      {
        authentication: { mechanism: 5 },
        security: { context: clientCtx, form, dedicatedKey: true },
        capture: sink.sink,
      },
    );
    t.equal(client.association.state, 'associated', form);
    t.same(client.negotiated?.serverSystemTitle, SERVER_ST);
    t.same(await client.get('1-0:1.8.0.255', { classId: 3 }), { type: 'double-long-unsigned', value: 12345 });
    t.equal((await client.readProfile('1-0:99.1.0.255')).rows.length, 20);
    t.ok(server.requests.length > 3);
    t.ok(clientCtx.hasKey('dedicated-key'));
    await client.release();
    t.notOk(clientCtx.hasKey('dedicated-key'));
    await client.close();
  }
});

t.test('HLS-GMAC with the wrong key is refused', async (t) => {
  const serverCtx = new SecurityContext({
    systemTitle: SERVER_ST,
    globalUnicastEncryptionKey: EK,
    authenticationKey: AK,
  });
  const clientCtx = new SecurityContext({
    systemTitle: CLIENT_ST,
    globalUnicastEncryptionKey: EK,
    authenticationKey: EK,
  });
  const e = await failure(
    memoryClient(
      { security: serverCtx, hls: 5 },
      { authentication: { mechanism: 5 }, security: { context: clientCtx } },
    ),
  );
  t.ok(isMeterkitError(e, DlmsErrorCode.AssociationRejected), String(e));
});

t.test('HDLC over a memory pair', async (t) => {
  const { client } = await memoryClient({ objects: energyObjects(10) }, {}, true);
  t.equal((await client.readProfile('1-0:99.1.0.255')).rows.length, 10);
  await client.release();
  await client.close();
});

t.test('hostile answers: wrong invoke-id, timeouts, cancellation, exception-response', async (t) => {
  let mode = '';
  const { client } = await memoryClient({
    objects: energyObjects(),
    override: (rq, answer) => {
      if (mode === 'invoke' && rq.type === 'get-request-normal') {
        const a = Uint8Array.from(answer[0]!);
        a[2] = (a[2]! & 0xf0) | ((a[2]! + 1) & 0x0f);
        return [a];
      }
      if (mode === 'silent') return [];
      if (mode === 'exception') return [Uint8Array.of(0xd8, 0x01, 0x02)];
      return undefined;
    },
  });
  mode = 'invoke';
  await t.rejects(client.get('1-0:1.8.0.255', { classId: 3 }), {
    code: DlmsClientErrorCode.InvokeIdMismatch,
  });
  mode = 'silent';
  await t.rejects(client.get('1-0:1.8.0.255', { classId: 3, timeoutMs: 50 }), { code: 402 });
  const ac = new AbortController();
  const p = client.get('1-0:1.8.0.255', { classId: 3, signal: ac.signal });
  ac.abort();
  await t.rejects(p, { code: 405 });
  mode = 'exception';
  await t.rejects(client.get('1-0:1.8.0.255', { classId: 3 }), { code: DlmsErrorCode.ExceptionResponse });
  mode = '';
  t.same(await client.get('1-0:1.8.0.255', { classId: 3 }), { type: 'double-long-unsigned', value: 12345 });
  await client.close();
});

t.test('short-name referencing: read, write, object list', async (t) => {
  const objects = new Map<string, DlmsData>();
  objects.set('sn/4096', { type: 'unsigned', value: 9 });
  objects.set('sn/64008', { type: 'array', value: [] });
  const { client } = await memoryClient({ objects }, { referencing: 'short-name' });
  t.same(await client.read([{ variableName: 4096 }]), [
    { type: 'data', data: { type: 'unsigned', value: 9 } },
  ]);
  t.same(await client.write([{ variable: { variableName: 4104 }, value: { type: 'unsigned', value: 1 } }]), [
    'success',
  ]);
  t.same(await client.readObjectList(), []);
  await client.close();
});

t.test('TCP loopback with the wrapper, and a refused connection says what to check', async (t) => {
  const server = createServer((socket) => {
    const tr = new TcpTransport({ host: '127.0.0.1', port: 0 }, socket);
    serveWrapper(tr, new ScriptedServer({ objects: energyObjects() }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const sink = collectingSink();
  const client = await DlmsClient.connect({
    connection: { type: 'tcp', host: '127.0.0.1', port },
    capture: sink.sink,
    timeoutMs: 2000,
  });
  t.same(await client.get('1-0:1.8.0.255', { classId: 3 }), { type: 'double-long-unsigned', value: 12345 });
  await client.release();
  await client.close();
  t.ok(sink.length > 200, 'pcapng written');
  const file = sink.bytes();
  t.same(file.subarray(0, 4), Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a), 'pcapng section header');
  t.ok(
    Buffer.from(file).includes(Buffer.from([0x00, 0x01, 0x00, 0x10, 0x00, 0x01])),
    'the AARQ wrapper header is in the capture',
  );
  await new Promise<void>((r) => server.close(() => r()));
  const e = await failure(DlmsClient.connect({ connection: { type: 'tcp', host: '127.0.0.1', port } }));
  t.ok(isMeterkitError(e, 502) && /4059/.test(e.message), String(e));
});
