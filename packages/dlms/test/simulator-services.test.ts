/** Attribute 0, long ACTION answers in pblocks, and general-block-transfer windows, end to end with the client. */
import { toHex } from '@meterkit/core';
import t from 'tap';
import { DlmsClient } from '../src/client/index.js';
import { decodeApdu, encodeApdu } from '../src/index.js';
import { CurrentAssociationSnObject } from '../src/server/association-sn-object.js';
import { serveHdlcTcp, serveWrapperTcp } from '../src/server/serve.js';
import { MeterSimulator } from '../src/server/simulator.js';
import { aarq, IID, T0 } from './server-helpers.js';
import { profileWith, recordAnswers } from './simulator-helpers.js';

const BIG = new Uint8Array(3000).map((_, i) => (i * 7) & 0xff);
const WITH_ATTRIBUTE0 = [
  'attribute0-supported-with-get',
  'block-transfer-with-get-or-read',
  'block-transfer-with-action',
  'general-block-transfer',
  'multiple-references',
  'selective-access',
  'get',
  'set',
  'action',
] as const;

function profile() {
  return profileWith(
    [
      { clientSap: 16, conformance: [...WITH_ATTRIBUTE0], maxPduSize: 256, defaultAccess: 'read-and-write' },
      { clientSap: 32, mechanism: 0, conformance: ['get', 'action', 'block-transfer-with-get-or-read'] },
      {
        clientSap: 48,
        conformance: [
          'get',
          'action',
          'general-block-transfer',
          'block-transfer-with-get-or-read',
          'selective-access',
        ],
        preferGeneralBlockTransfer: true,
        gbtWindow: 3,
        defaultAccess: 'read-and-write',
      },
    ],
    [
      {
        classId: 1,
        logicalName: '0-0:96.99.1.255',
        attributes: { '2': { type: 'unsigned', value: 7 } },
        methods: { '1': { type: 'octet-string', value: toHex(BIG) }, '2': null },
        access: { '*': 'read-and-write' },
      },
    ],
  );
}

t.test('attribute 0, ACTION with pblocks and GBT windows over the TCP wrapper', async (t) => {
  const sim = new MeterSimulator(profile());
  const answers = recordAnswers(sim);
  const server = await serveWrapperTcp(sim, { port: 0 });
  t.teardown(() => server.close());
  const connect = (clientAddress: number, extra: Partial<Parameters<typeof DlmsClient.connect>[0]> = {}) =>
    DlmsClient.connect({
      connection: { type: 'tcp', host: '127.0.0.1', port: server.port, clientAddress },
      timeoutMs: 5000,
      ...extra,
    });

  await t.test('attribute 0: every attribute as one structure', async (t) => {
    const client = await connect(16);
    t.teardown(() => client.close());
    t.ok(client.negotiated?.conformance.includes('attribute0-supported-with-get'));
    const all = await client.get('1-0:1.8.0.255', { classId: 3, attribute: 0 });
    t.equal(all.type, 'structure');
    const parts = all.type === 'structure' ? all.value : [];
    t.equal(parts.length, 3, 'logical_name, value, scaler_unit');
    t.same(parts[0], await client.get('1-0:1.8.0.255', { classId: 3, attribute: 1 }));
    t.same(parts[2], await client.get('1-0:1.8.0.255', { classId: 3, attribute: 3 }));
    t.equal(parts[1]?.type, 'double-long-unsigned');
    // the whole load profile object does not fit 256 octets: attribute 0 comes in blocks too
    const profileAll = await client.get('1-0:99.1.0.255', { classId: 7, attribute: 0 });
    t.equal(profileAll.type === 'structure' ? profileAll.value.length : 0, 8);
    const buffer = profileAll.type === 'structure' ? profileAll.value[1] : undefined;
    t.equal(buffer?.type === 'array' ? buffer.value.length : 0, 10000, 'the buffer inside attribute 0');
    await t.rejects(
      client.get('1-0:99.1.0.255', {
        classId: 7,
        attribute: 0,
        access: { accessSelector: 2, accessParameters: { type: 'null-data', value: null } },
      }),
      {
        code: 422,
      },
    );
  });

  await t.test('attribute 0 is refused when the association does not offer it', async (t) => {
    const client = await connect(32);
    t.teardown(() => client.close());
    await t.rejects(client.get('1-0:1.8.0.255', { classId: 3, attribute: 0 }), {
      code: 422,
      message: /object-unavailable/,
    });
  });

  await t.test('a long method return comes back in action-response-with-pblock', async (t) => {
    const client = await connect(16, { maxReceivePduSize: 512 });
    t.teardown(() => client.close());
    answers.length = 0;
    const r = await client.action('0-0:96.99.1.255', { classId: 1, method: 1 });
    t.same(r, { type: 'octet-string', value: BIG });
    const blocks = answers.map((a) => decodeApdu(a)).filter((a) => a.type === 'action-response-with-pblock');
    t.ok(blocks.length >= 6, `${blocks.length} pblocks of at most 512 octets`);
    t.ok(answers.every((a) => a.length <= 512));
    t.equal(await client.action('0-0:96.99.1.255', { classId: 1, method: 2 }), undefined, 'no return data');
  });

  await t.test('long parameters go out in pblocks and a long return comes back in pblocks', async (t) => {
    const client = await connect(16, { maxReceivePduSize: 300 });
    t.teardown(() => client.close());
    t.equal(client.negotiated?.serverMaxReceivePduSize, 256);
    const r = await client.action('0-0:96.99.1.255', {
      classId: 1,
      method: 1,
      parameters: { type: 'octet-string', value: new Uint8Array(1000) },
    });
    t.same(r, { type: 'octet-string', value: BIG });
  });

  await t.test('without block-transfer-with-action a too long return is other-reason', async (t) => {
    const client = await connect(32, { maxReceivePduSize: 512 });
    t.teardown(() => client.close());
    await t.rejects(client.action('0-0:96.99.1.255', { classId: 1, method: 1 }), {
      code: 423,
      message: /other-reason/,
    });
  });

  await t.test('general-block-transfer in windows of the client', async (t) => {
    const client = await connect(48, { maxReceivePduSize: 256, gbtWindow: 5 });
    t.teardown(() => client.close());
    answers.length = 0;
    const p = await client.readProfile('1-0:99.1.0.255', { fromEntry: 1, toEntry: 400 });
    t.equal(p.rows.length, 400);
    const gbt = answers.filter((a) => a[0] === 0xe0).map((a) => decodeApdu(a));
    t.ok(gbt.length > 20, `${gbt.length} GBT blocks`);
    // window sizes: blocks up to one without the streaming bit
    const windows: number[] = [];
    let size = 0;
    for (const g of gbt) {
      if (g.type !== 'general-block-transfer') continue;
      size++;
      if (!g.blockControl.streaming) {
        windows.push(size);
        size = 0;
      }
    }
    t.equal(windows[0], 3, 'the first window is the profile gbtWindow');
    t.ok(
      windows.slice(1, -1).every((w) => w === 5),
      'then the client window',
    );
    t.ok(
      gbt.every((g) => g.type === 'general-block-transfer' && g.blockControl.window === 3),
      'every block announces the server window (gbtWindow)',
    );
    const streamed = gbt.filter(
      (g) => g.type === 'general-block-transfer' && g.blockControl.streaming,
    ).length;
    t.ok(streamed > gbt.length / 2, 'most blocks stream inside a window');
    t.notOk(
      answers.some((a) => decodeApdu(a).type === 'get-response-with-datablock'),
      'GBT preferred over the GET datablocks',
    );
    // a long method return also goes by GBT when preferred
    answers.length = 0;
    t.same(await client.action('0-0:96.99.1.255', { classId: 1, method: 1 }), {
      type: 'octet-string',
      value: BIG,
    });
    t.ok(answers.some((a) => a[0] === 0xe0));
  });

  await t.test('GBT windows over HDLC/TCP', async (t) => {
    const hdlc = await serveHdlcTcp(sim, { port: 0 });
    t.teardown(() => hdlc.close());
    const client = await DlmsClient.connect({
      connection: {
        type: 'hdlc-tcp',
        host: '127.0.0.1',
        port: hdlc.port,
        clientAddress: 48,
        physicalAddress: 17,
      },
      maxReceivePduSize: 256,
      gbtWindow: 4,
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    answers.length = 0;
    const p = await client.readProfile('1-0:99.1.0.255', { fromEntry: 1, toEntry: 200 });
    t.equal(p.rows.length, 200);
    t.ok(answers.filter((a) => a[0] === 0xe0).length > 10);
  });
});

t.test('action-request-next-pblock out of place', async (t) => {
  const sim = new MeterSimulator(profile(), { now: () => T0 });
  const s = sim.createSession(16, 1)!;
  s.handle(aarq({ conformance: [...WITH_ATTRIBUTE0], pdu: 512 }));
  const next = (blockNumber: number) =>
    decodeApdu(
      s.handle(encodeApdu({ type: 'action-request-next-pblock', invokeIdAndPriority: IID, blockNumber }))[0]!,
    );
  t.match(next(1), { singleResponse: { result: 'no-long-action-in-progress' } });
  const first = decodeApdu(
    s.handle(
      encodeApdu({
        type: 'action-request-normal',
        invokeIdAndPriority: IID,
        cosemMethodDescriptor: { classId: 1, instanceId: '0-0:96.99.1.255', methodId: 1 },
        methodInvocationParameters: null,
      }),
    )[0]!,
  );
  t.match(first, { type: 'action-response-with-pblock', pblock: { lastBlock: false, blockNumber: 1 } });
  t.match(next(4), { singleResponse: { result: 'long-action-aborted' } });
  t.throws(() => new MeterSimulator(profileWith([{ clientSap: 16, gbtWindow: 64 }])), { code: 207 });
  t.throws(
    () =>
      new MeterSimulator(
        profileWith(
          [{ clientSap: 16 }],
          [{ classId: 1, logicalName: '0-0:96.99.2.255', methods: { '0': null } }],
        ),
      ),
    { code: 207 },
  );
});

t.test('ACTION with-list in pblocks, and pblock errors', async (t) => {
  const sim = new MeterSimulator(profile(), { now: () => T0 });
  const s = sim.createSession(16, 1)!;
  s.handle(aarq({ conformance: [...WITH_ATTRIBUTE0], pdu: 4096 }));
  const send = (apdu: Parameters<typeof encodeApdu>[0]) => decodeApdu(s.handle(encodeApdu(apdu))[0]!);
  const m = { classId: 1, instanceId: '0-0:96.99.1.255', methodId: 2 };
  // two null-data parameters as a list: 02 00 00, cut in two blocks
  t.match(
    send({
      type: 'action-request-with-list-and-first-pblock',
      invokeIdAndPriority: IID,
      cosemMethodDescriptorList: [m, m],
      pblock: { lastBlock: false, blockNumber: 1, rawData: Uint8Array.of(2, 0) },
    }),
    { type: 'action-response-next-pblock', blockNumber: 1 },
  );
  t.match(
    send({
      type: 'action-request-with-pblock',
      invokeIdAndPriority: IID,
      pblock: { lastBlock: true, blockNumber: 2, rawData: Uint8Array.of(0) },
    }),
    { type: 'action-response-with-list', listOfResponses: [{ result: 'success' }, { result: 'success' }] },
  );
  t.match(
    send({
      type: 'action-request-with-pblock',
      invokeIdAndPriority: IID,
      pblock: { lastBlock: true, blockNumber: 2, rawData: Uint8Array.of(0) },
    }),
    { singleResponse: { result: 'no-long-action-in-progress' } },
  );
  send({
    type: 'action-request-with-first-pblock',
    invokeIdAndPriority: IID,
    cosemMethodDescriptor: m,
    pblock: { lastBlock: false, blockNumber: 1, rawData: Uint8Array.of(0) },
  });
  t.match(
    send({
      type: 'action-request-with-pblock',
      invokeIdAndPriority: IID,
      pblock: { lastBlock: true, blockNumber: 3, rawData: Uint8Array.of(0) },
    }),
    { singleResponse: { result: 'long-action-aborted' } },
  );
});

t.test('the Association SN object on its own', async (t) => {
  const sim = new MeterSimulator(profile(), { now: () => T0 });
  const o = new CurrentAssociationSnObject(sim.store, () => ({
    defaultAttribute: 'read-only',
    defaultMethod: 'no-access',
    attributes: new Map(),
    methods: new Map(),
  }));
  const ctx = { clientSap: 16, authenticated: false, now: T0 };
  t.same(o.selectorsOf(2), undefined);
  t.same(o.get(2, ctx, { accessSelector: 1, accessParameters: { type: 'null-data', value: null } }), {
    refused: 'scope-of-access-violated',
  });
  t.same(o.get(9, ctx, null), { refused: 'object-undefined' });
  t.equal(o.set(2, { type: 'null-data', value: null }, ctx), 'read-write-denied');
  t.same(o.action(8, null, ctx), { result: 'read-write-denied' });
  t.equal(o.valueAt(2, T0), undefined);
  t.ok(o.objectList().length > 5);
});
