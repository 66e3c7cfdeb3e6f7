import { concatBytes, ErrorCode, isMeterkitError, MeterkitError } from '@meterkit/core';
import { type CloseInfo, createMemoryPair } from '@meterkit/core/transport';
import fc from 'fast-check';
import t from 'tap';
import { readExactly } from './helpers/transport-read.js';

const enc = new TextEncoder();

t.test('memory pair moves bytes both ways and starts open', async (t) => {
  const [a, b] = createMemoryPair();
  t.equal(a.state, 'open');
  t.equal(a.kind, 'stream');
  t.equal(a.name, 'memory://a');
  t.equal(b.name, 'memory://b');
  await a.open();
  await a.write(enc.encode('ping'));
  t.same(await b.read({ timeoutMs: 1000 }), enc.encode('ping'));
  await b.write(enc.encode('pong'));
  t.same(await a.read({ timeoutMs: 1000 }), enc.encode('pong'));
  t.equal(a.bytesWritten, 4);
  t.match(a.describe(), /^memory:\/\/a \(open, 4 bytes written\)$/);
  await a.close();
  await b.close();
});

t.test('writes are copied: reusing the buffer does not change what the peer reads', async (t) => {
  const [a, b] = createMemoryPair();
  const buf = Uint8Array.of(1, 2, 3);
  await a.write(buf);
  buf.fill(9);
  t.same(await b.read({ timeoutMs: 1000 }), Uint8Array.of(1, 2, 3));
  await a.close();
});

t.test('maxChunkSize splits writes into separate reads, in order', async (t) => {
  const [a, b] = createMemoryPair({ maxChunkSize: 3, latencyMs: 1, names: ['client', 'meter'] });
  t.equal(b.name, 'memory://meter');
  await a.write(Uint8Array.of(1, 2, 3, 4, 5, 6, 7));
  await a.write(Uint8Array.of(8));
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < 4; i++) chunks.push(await b.read({ timeoutMs: 1000 }));
  t.same(
    chunks.map((c) => [...c]),
    [[1, 2, 3], [4, 5, 6], [7], [8]],
  );
  await a.close();
});

t.test('property: any writes arrive intact and in order whatever the chunking', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 16 }),
      async (writes, maxChunkSize) => {
        const [a, b] = createMemoryPair({ maxChunkSize });
        for (const w of writes) await a.write(w);
        const expected = concatBytes(...writes);
        const got = await readExactly(b, expected.length, 1000);
        await a.close();
        return got.length === expected.length && got.every((x, i) => x === expected[i]);
      },
    ),
    { numRuns: 200 },
  );
  t.pass('property held');
});

t.test('read timeout rejects with TransportTimeout and leaves the transport usable', async (t) => {
  const [a, b] = createMemoryPair({ readTimeoutMs: 20 });
  const started = Date.now();
  await t.rejects(b.read(), { code: ErrorCode.TransportTimeout, name: 'MeterkitError' });
  t.ok(Date.now() - started >= 15, 'waited about the default timeout');
  await t.rejects(b.read({ timeoutMs: 5 }), { code: ErrorCode.TransportTimeout });
  await a.write(Uint8Array.of(7));
  t.same(await b.read(), Uint8Array.of(7));
  await a.close();
});

t.test('abort signal cancels a read but not the transport', async (t) => {
  const [a, b] = createMemoryPair();
  const ac = new AbortController();
  const pending = b.read({ signal: ac.signal });
  ac.abort(new Error('user gave up'));
  await t.rejects(pending, { code: ErrorCode.Cancelled });
  await t.rejects(b.read({ signal: ac.signal }), { code: ErrorCode.Cancelled }, 'already aborted');
  await t.resolves(a.open({ signal: ac.signal }), 'open of an open transport resolves at once');
  t.equal(b.state, 'open');
  await a.write(Uint8Array.of(1));
  t.same(await b.read({ timeoutMs: 1000 }), Uint8Array.of(1));
  await a.close();
});

t.test('closing one end closes the other after pending bytes arrive', async (t) => {
  const [a, b] = createMemoryPair({ latencyMs: 2 });
  const closes: CloseInfo[] = [];
  b.onClose((info) => closes.push(info));
  await a.write(enc.encode('last words'));
  await a.close();
  t.equal(a.state, 'closed');
  t.equal(a.closeInfo?.by, 'local');
  t.same(await b.read({ timeoutMs: 1000 }), enc.encode('last words'), 'bytes sent before close still arrive');
  const err = await b.read({ timeoutMs: 1000 }).catch((e: unknown) => e);
  t.ok(isMeterkitError(err, ErrorCode.TransportClosed), 'then TransportClosed');
  t.equal(b.closeInfo?.by, 'peer');
  t.equal(closes.length, 1);
  t.equal(closes[0]?.error.code, ErrorCode.TransportClosed);
  await t.rejects(b.write(Uint8Array.of(1)), { code: ErrorCode.TransportClosed });
  await t.rejects(b.open(), { code: ErrorCode.TransportClosed }, 'closed transports do not reopen');
  t.match(b.describe(), /closed by peer/);
});

t.test('close is idempotent and rejects pending reads', async (t) => {
  const [a, b] = createMemoryPair();
  const pending = a.read();
  const p1 = a.close();
  const p2 = a.close();
  t.equal(p1, p2, 'same promise');
  await p1;
  await t.rejects(pending, { code: ErrorCode.TransportClosed });
  await b.close();
  let late: CloseInfo | undefined;
  a.onClose((info) => {
    late = info;
  });
  await new Promise((r) => setImmediate(r));
  t.equal(late?.by, 'local', 'onClose after close still fires');
});

t.test('async iteration yields chunks and ends quietly when the peer closes', async (t) => {
  const [a, b] = createMemoryPair({ maxChunkSize: 2 });
  await a.write(Uint8Array.of(1, 2, 3, 4, 5));
  await a.close();
  const got: number[][] = [];
  for await (const chunk of b) got.push([...chunk]);
  t.same(got, [[1, 2], [3, 4], [5]]);
});

t.test('push mode: onData receives chunks and they are not queued', async (t) => {
  const [a, b] = createMemoryPair();
  const seen: number[] = [];
  const off = b.onData((chunk) => seen.push(...chunk));
  await a.write(Uint8Array.of(1, 2));
  await new Promise((r) => setImmediate(r));
  t.same(seen, [1, 2]);
  t.equal(b.bufferedBytes, 0);
  off();
  await a.write(Uint8Array.of(3));
  t.same(await b.read({ timeoutMs: 1000 }), Uint8Array.of(3), 'pull mode again after unsubscribe');
  t.same(seen, [1, 2]);
  await a.close();
});

t.test('bad arguments are InvalidArgument', async (t) => {
  t.throws(() => createMemoryPair({ maxChunkSize: 0 }), { code: ErrorCode.InvalidArgument });
  t.throws(() => createMemoryPair({ latencyMs: -1 }), { code: ErrorCode.InvalidArgument });
  t.throws(() => createMemoryPair({ highWaterMark: 0 }), { code: ErrorCode.InvalidArgument });
  const [a] = createMemoryPair();
  await t.rejects(a.write('text' as unknown as Uint8Array), { code: ErrorCode.InvalidArgument });
  await t.rejects(a.read({ timeoutMs: Number.NaN }), { code: ErrorCode.InvalidArgument });
  await a.close();
  t.ok(new MeterkitError(ErrorCode.TransportClosed, 'x').codeName === 'transport-closed');
});
