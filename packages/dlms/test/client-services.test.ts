import { isMeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  BlockTransferReceiver,
  DlmsClientErrorCode,
  type ServiceRequest,
  ServiceTransaction,
} from '../src/client/index.js';
import {
  type DecodedApdu,
  type DlmsData,
  DlmsErrorCode,
  decodeApdu,
  encodeApdu,
  encodeData,
  type XdlmsApdu,
} from '../src/index.js';

const iip = (invokeId: number) => ({
  invokeId,
  serviceClass: 'confirmed' as const,
  priority: 'high' as const,
});
const GET: ServiceRequest = {
  type: 'get',
  items: [{ classId: 3, instanceId: '1-0:1.8.0.255', attributeId: 2 }],
};
const roundTrip = (a: XdlmsApdu): DecodedApdu => decodeApdu(encodeApdu(a));
const datablock = (n: number, last: boolean, raw: Uint8Array, id = 1) =>
  roundTrip({
    type: 'get-response-with-datablock',
    invokeIdAndPriority: iip(id),
    result: { lastBlock: last, blockNumber: n, result: { type: 'raw-data', rawData: raw } },
  });

t.test('get normal: request shape and answer', (t) => {
  const tx = new ServiceTransaction(GET, { invokeId: 5 });
  const rq = tx.start();
  t.equal(rq.type, 'get-request-normal');
  t.equal(encodeApdu(rq)[2], 0xc5);
  const step = tx.receive(
    roundTrip({
      type: 'get-response-normal',
      invokeIdAndPriority: iip(5),
      result: { type: 'data', data: { type: 'unsigned', value: 3 } },
    }),
  );
  t.same(step, {
    type: 'done',
    result: { type: 'get', results: [{ type: 'data', data: { type: 'unsigned', value: 3 } }] },
  });
  t.ok(tx.done);
  t.throws(
    () =>
      tx.receive(
        roundTrip({
          type: 'get-response-normal',
          invokeIdAndPriority: iip(5),
          result: { type: 'data', data: { type: 'unsigned', value: 3 } },
        }),
      ),
    { code: 404 },
  );
  t.end();
});

t.test('hostile get answers raise typed errors', (t) => {
  const answer = (a: XdlmsApdu) => () => new ServiceTransaction(GET, { invokeId: 1 }).receive(roundTrip(a));
  t.throws(
    answer({
      type: 'get-response-normal',
      invokeIdAndPriority: iip(2),
      result: { type: 'data', data: { type: 'null-data', value: null } },
    }),
    {
      code: DlmsClientErrorCode.InvokeIdMismatch,
    },
  );
  t.throws(answer({ type: 'set-response-normal', invokeIdAndPriority: iip(1), result: 'success' }), {
    code: DlmsClientErrorCode.UnexpectedResponse,
  });
  t.throws(
    answer({
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'invocation-counter-error',
      invocationCounter: 9,
    }),
    {
      code: DlmsErrorCode.ExceptionResponse,
    },
  );
  t.throws(
    () =>
      new ServiceTransaction(GET, { invokeId: 1 }).receive(decodeApdu(Uint8Array.of(0x0e, 0x06, 0x00, 0x01))),
    { code: DlmsErrorCode.ConfirmedServiceError },
  );
  t.throws(answer({ type: 'get-response-with-list', invokeIdAndPriority: iip(1), result: [] }), {
    code: DlmsClientErrorCode.UnexpectedResponse,
  });
  // out-of-order block numbers
  const tx = new ServiceTransaction(GET, { invokeId: 1 });
  t.throws(() => tx.receive(datablock(2, false, Uint8Array.of(1))), {
    code: DlmsErrorCode.BlockNumberMismatch,
  });
  const tx2 = new ServiceTransaction(GET, { invokeId: 1 });
  t.same(tx2.receive(datablock(1, false, Uint8Array.of(0x12))), {
    type: 'send',
    apdu: { type: 'get-request-next', invokeIdAndPriority: iip(1), blockNumber: 1 },
  });
  t.throws(() => tx2.receive(datablock(1, false, Uint8Array.of(0x00))), {
    code: DlmsErrorCode.BlockNumberMismatch,
  });
  // oversize
  const tx3 = new ServiceTransaction(GET, { invokeId: 1, maxResponseSize: 10 });
  tx3.receive(datablock(1, false, new Uint8Array(8)));
  t.throws(() => tx3.receive(datablock(2, false, new Uint8Array(8))), {
    code: DlmsClientErrorCode.ResponseTooLarge,
  });
  // lying length inside the joined data: octet-string claims 200 octets, 3 present
  const tx4 = new ServiceTransaction(GET, { invokeId: 1 });
  tx4.receive(datablock(1, false, Uint8Array.of(0x09, 0x81, 0xc8)));
  t.throws(() => tx4.receive(datablock(2, true, Uint8Array.of(1, 2, 3))), {
    code: DlmsErrorCode.BlockTransferFailed,
  });
  // empty middle block and server abort
  t.throws(
    () => new ServiceTransaction(GET, { invokeId: 1 }).receive(datablock(1, false, new Uint8Array(0))),
    { code: DlmsErrorCode.BlockTransferFailed },
  );
  t.throws(
    answer({
      type: 'get-response-with-datablock',
      invokeIdAndPriority: iip(1),
      result: {
        lastBlock: true,
        blockNumber: 1,
        result: { type: 'data-access-result', result: 'long-get-aborted' },
      },
    }),
    { code: DlmsErrorCode.BlockTransferFailed },
  );
  t.end();
});

t.test('get blocks reassemble, for a list too', (t) => {
  const value: DlmsData = { type: 'octet-string', value: new Uint8Array(50).fill(9) };
  const raw = encodeData(value);
  const tx = new ServiceTransaction(GET, { invokeId: 1 });
  tx.receive(datablock(1, false, raw.subarray(0, 20)));
  const done = tx.receive(datablock(2, true, raw.subarray(20)));
  t.same(done, { type: 'done', result: { type: 'get', results: [{ type: 'data', data: value }] } });
  const list: ServiceRequest = { type: 'get', items: [GET.items[0]!, GET.items[0]!] as never };
  const tl = new ServiceTransaction(list, { invokeId: 1 });
  t.equal(tl.start().type, 'get-request-with-list');
  const joined = Uint8Array.of(0x02, 0x00, ...raw, 0x01, 0x04);
  const d = tl.receive(datablock(1, true, joined));
  t.same(d.type === 'done' && d.result.results, [
    { type: 'data', data: value },
    { type: 'data-access-result', result: 'object-undefined' },
  ]);
  t.end();
});

t.test('set with blocks: acknowledgements are checked', (t) => {
  const big: DlmsData = { type: 'octet-string', value: new Uint8Array(200) };
  const rq: ServiceRequest = {
    type: 'set',
    items: [{ attribute: { classId: 1, instanceId: '0-0:1.0.0.255', attributeId: 2 }, value: big }],
  };
  const tx = new ServiceTransaction(rq, { invokeId: 3, maxRequestSize: 100 });
  const first = tx.start();
  t.equal(first.type, 'set-request-with-first-datablock');
  t.throws(
    () =>
      tx.receive(roundTrip({ type: 'set-response-datablock', invokeIdAndPriority: iip(3), blockNumber: 2 })),
    { code: DlmsErrorCode.BlockNumberMismatch },
  );
  const tx2 = new ServiceTransaction(rq, { invokeId: 3, maxRequestSize: 100 });
  tx2.start();
  let step = tx2.receive(
    roundTrip({ type: 'set-response-datablock', invokeIdAndPriority: iip(3), blockNumber: 1 }),
  );
  t.equal(step.type === 'send' && step.apdu.type, 'set-request-with-datablock');
  t.throws(
    () =>
      tx2.receive(
        roundTrip({
          type: 'set-response-last-datablock',
          invokeIdAndPriority: iip(3),
          result: 'success',
          blockNumber: 2,
        }),
      ),
    {
      code: DlmsClientErrorCode.UnexpectedResponse,
    },
  );
  let n = 2;
  for (
    ;
    step.type === 'send' && step.apdu.type === 'set-request-with-datablock' && !step.apdu.datablock.lastBlock;
    n++
  )
    step = tx2.receive(
      roundTrip({ type: 'set-response-datablock', invokeIdAndPriority: iip(3), blockNumber: n }),
    );
  t.equal(n, 4, 'four blocks of at most 64 octets');
  step = tx2.receive(
    roundTrip({
      type: 'set-response-last-datablock',
      invokeIdAndPriority: iip(3),
      result: 'success',
      blockNumber: n,
    }),
  );
  t.same(step, { type: 'done', result: { type: 'set', results: ['success'] } });
  t.throws(
    () =>
      new ServiceTransaction(rq, { invokeId: 3, maxRequestSize: 100, blockTransferAllowed: false }).start(),
    {
      code: DlmsClientErrorCode.ConformanceMissing,
    },
  );
  t.throws(() => new ServiceTransaction(rq, { invokeId: 16 }), { code: 600 });
  t.throws(() => new ServiceTransaction({ type: 'get', items: [] }, { invokeId: 1 }), { code: 600 });
  t.end();
});

t.test('action with pblocks and with-list', (t) => {
  const m = { classId: 9, instanceId: '0-0:10.0.0.255', methodId: 1 };
  const big: DlmsData = { type: 'octet-string', value: new Uint8Array(150) };
  const tx = new ServiceTransaction(
    { type: 'action', items: [{ ...m, parameters: big }] },
    { invokeId: 2, maxRequestSize: 80 },
  );
  t.equal(tx.start().type, 'action-request-with-first-pblock');
  const s = tx.receive(
    roundTrip({ type: 'action-response-next-pblock', invokeIdAndPriority: iip(2), blockNumber: 1 }),
  );
  t.equal(s.type === 'send' && s.apdu.type, 'action-request-with-pblock');
  const list = new ServiceTransaction(
    { type: 'action', items: [{ ...m, parameters: big }, m] },
    { invokeId: 2, maxRequestSize: 80 },
  );
  t.equal(list.start().type, 'action-request-with-list-and-first-pblock');
  const small = new ServiceTransaction({ type: 'action', items: [m, m] }, { invokeId: 2 });
  t.equal(small.start().type, 'action-request-with-list');
  const done = small.receive(
    roundTrip({
      type: 'action-response-with-list',
      invokeIdAndPriority: iip(2),
      listOfResponses: [
        { result: 'success', returnParameters: null },
        { result: 'hardware-fault', returnParameters: null },
      ],
    }),
  );
  t.equal(done.type === 'done' && done.result.results.length, 2);
  t.end();
});

t.test('general-block-transfer receiver', (t) => {
  const gbt = (n: number, last: boolean, streaming: boolean, data: Uint8Array) => ({
    type: 'general-block-transfer' as const,
    blockControl: { lastBlock: last, streaming, window: 2 },
    blockNumber: n,
    blockNumberAck: 0,
    blockData: data,
  });
  const r = new BlockTransferReceiver({ window: 2 });
  t.same(r.receive(gbt(1, false, true, Uint8Array.of(1))), { type: 'wait' });
  const ack = r.receive(gbt(2, false, false, Uint8Array.of(2)));
  t.equal(ack.type === 'ack' && ack.apdu.blockNumberAck, 2);
  t.same(r.receive(gbt(3, true, false, Uint8Array.of(3))), {
    type: 'complete',
    apdu: Uint8Array.of(1, 2, 3),
  });
  t.throws(() => new BlockTransferReceiver().receive(gbt(2, false, false, Uint8Array.of(1))), {
    code: DlmsErrorCode.BlockNumberMismatch,
  });
  t.throws(
    () => new BlockTransferReceiver({ maxSize: 1 }).receive(gbt(1, false, false, Uint8Array.of(1, 2))),
    { code: DlmsClientErrorCode.ResponseTooLarge },
  );
  t.throws(() => new BlockTransferReceiver().receive(gbt(1, false, false, new Uint8Array(0))), {
    code: DlmsErrorCode.BlockTransferFailed,
  });
  t.throws(() => new BlockTransferReceiver({ window: 0 }), { code: 600 });
  t.end();
});

t.test('arbitrary answers only ever raise MeterkitError', (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.integer({ min: 0, max: 15 }),
      (bytes, id) => {
        const tx = new ServiceTransaction(GET, { invokeId: id });
        try {
          tx.receive(decodeApdu(Uint8Array.of(0xc4, ...bytes)));
        } catch (e) {
          if (!isMeterkitError(e)) throw e;
        }
      },
    ),
    { numRuns: 500 },
  );
  t.pass('no other error');
  t.end();
});

t.test('short-name read and write answers', (t) => {
  const rq: ServiceRequest = { type: 'read', items: [{ variableName: 0x1000 }] };
  const tx = new ServiceTransaction(rq, { invokeId: 0 });
  t.same(tx.start(), {
    type: 'read-request',
    variableAccessSpecification: [{ type: 'variable-name', variableName: 0x1000 }],
  });
  const raw = Uint8Array.of(0x01, 0x00, 0x11, 0x05);
  let s = tx.receive(
    roundTrip({
      type: 'read-response',
      items: [{ type: 'data-block-result', lastBlock: false, blockNumber: 1, rawData: raw.subarray(0, 2) }],
    }),
  );
  t.same(s.type === 'send' && s.apdu, {
    type: 'read-request',
    variableAccessSpecification: [{ type: 'block-number-access', blockNumber: 1 }],
  });
  s = tx.receive(
    roundTrip({
      type: 'read-response',
      items: [{ type: 'data-block-result', lastBlock: true, blockNumber: 2, rawData: raw.subarray(2) }],
    }),
  );
  t.same(s.type === 'done' && s.result.results, [{ type: 'data', data: { type: 'unsigned', value: 5 } }]);
  const p = new ServiceTransaction(
    { type: 'read', items: [{ variableName: 8, selector: 1, parameter: { type: 'unsigned', value: 1 } }] },
    { invokeId: 0 },
  );
  const started = p.start();
  t.equal(
    started.type === 'read-request' && started.variableAccessSpecification[0]!.type,
    'parameterized-access',
  );
  t.throws(
    () => p.receive(roundTrip({ type: 'read-response', items: [{ type: 'block-number', blockNumber: 1 }] })),
    { code: DlmsClientErrorCode.UnexpectedResponse },
  );
  const w = new ServiceTransaction(
    { type: 'write', items: [{ variable: { variableName: 8 }, value: { type: 'unsigned', value: 1 } }] },
    { invokeId: 0 },
  );
  w.start();
  t.throws(
    () => w.receive(roundTrip({ type: 'write-response', items: [{ type: 'block-number', blockNumber: 1 }] })),
    {
      code: DlmsClientErrorCode.UnexpectedResponse,
    },
  );
  const w2 = new ServiceTransaction(
    { type: 'write', items: [{ variable: { variableName: 8 }, value: { type: 'unsigned', value: 1 } }] },
    { invokeId: 0 },
  );
  const d = w2.receive(
    roundTrip({
      type: 'write-response',
      items: [{ type: 'data-access-error', result: 'read-write-denied' }],
    }),
  );
  t.same(d.type === 'done' && d.result.results, ['read-write-denied']);
  t.end();
});

t.test('set with-list in blocks and result counts', (t) => {
  const item = {
    attribute: { classId: 1, instanceId: '0-0:1.0.0.255', attributeId: 2 },
    value: { type: 'octet-string', value: new Uint8Array(100) } as DlmsData,
  };
  const tx = new ServiceTransaction(
    { type: 'set', items: [item, item] },
    { invokeId: 1, maxRequestSize: 120 },
  );
  t.equal(tx.start().type, 'set-request-with-list-and-first-datablock');
  let s = tx.receive(
    roundTrip({ type: 'set-response-datablock', invokeIdAndPriority: iip(1), blockNumber: 1 }),
  );
  let n = 2;
  while (s.type === 'send' && 'datablock' in s.apdu && !s.apdu.datablock.lastBlock)
    s = tx.receive(
      roundTrip({ type: 'set-response-datablock', invokeIdAndPriority: iip(1), blockNumber: n++ }),
    );
  t.throws(
    () =>
      tx.receive(
        roundTrip({
          type: 'set-response-last-datablock-with-list',
          invokeIdAndPriority: iip(1),
          result: ['success'],
          blockNumber: n,
        }),
      ),
    { code: DlmsClientErrorCode.UnexpectedResponse },
  );
  const small = new ServiceTransaction(
    {
      type: 'set',
      items: [
        { ...item, value: { type: 'unsigned', value: 1 } },
        { ...item, value: { type: 'unsigned', value: 2 } },
      ],
    },
    { invokeId: 1 },
  );
  t.equal(small.start().type, 'set-request-with-list');
  t.throws(
    () =>
      small.receive(
        roundTrip({ type: 'set-response-with-list', invokeIdAndPriority: iip(1), result: ['success'] }),
      ),
    {
      code: DlmsClientErrorCode.UnexpectedResponse,
    },
  );
  t.end();
});
