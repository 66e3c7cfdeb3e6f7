import { createServer, type Server } from 'node:net';
import { ErrorCode, isMeterkitError, type MeterkitError } from '@meterkit/core';
import { listenTcp, TcpTransport } from '@meterkit/core/transport';
import t from 'tap';
import { readExactly } from './helpers/transport-read.js';

const enc = new TextEncoder();

async function rawServer(
  onSocket: Parameters<typeof createServer>[1],
): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no address');
  return { server, port: a.port };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

t.test('client and server on 127.0.0.1 port 0 echo bytes', async (t) => {
  const listener = await listenTcp({ port: 0 });
  const { port, address } = listener.address();
  t.ok(port > 0, 'ephemeral port assigned');
  t.equal(address, '127.0.0.1');
  t.equal(listener.name, `tcp-listen://127.0.0.1:${port}`);
  t.match(listener.describe(), /listening, 0 connection/);
  const client = new TcpTransport({ host: '127.0.0.1', port, readTimeoutMs: 2000 });
  t.equal(client.name, `tcp://127.0.0.1:${port}`);
  t.equal(client.state, 'idle');
  await t.rejects(client.write(Uint8Array.of(1)), { code: ErrorCode.InvalidState }, 'write before open');
  const accepting = listener.accept({ timeoutMs: 2000 });
  await client.open();
  t.equal(client.state, 'open');
  const p1 = client.open();
  await p1;
  const server = await accepting;
  t.equal(server.state, 'open');
  t.match(server.name, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  t.equal(server.remoteAddress()?.port, client.localAddress()?.port);
  t.equal(listener.connections.length, 1);
  t.match(
    client.describe(),
    new RegExp(`^tcp://127\\.0\\.0\\.1:${port} \\(open, local 127\\.0\\.0\\.1:\\d+\\)$`),
  );

  await client.write(enc.encode('/?!\r\n'));
  const got = await readExactly(server, 5, 2000);
  t.same(got, enc.encode('/?!\r\n'));
  await server.write(got);
  t.same(await readExactly(client, 5, 2000), enc.encode('/?!\r\n'), 'echoed');
  await client.close();
  await listener.close();
  t.equal(listener.closed, true);
  t.equal(server.closed, true, 'listener close closes accepted connections');
});

t.test('split writes are reassembled by the reader; chunks carry no boundaries', async (t) => {
  const listener = await listenTcp({ port: 0 });
  const client = new TcpTransport({ host: '127.0.0.1', port: listener.address().port });
  const [server] = await Promise.all([listener.accept({ timeoutMs: 2000 }), client.open()]);
  const frame = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  for (const [from, to] of [
    [0, 1],
    [1, 100],
    [100, 299],
    [299, 300],
  ] as const) {
    await server.write(frame.subarray(from, to));
    await new Promise((r) => setTimeout(r, 5));
  }
  t.same(await readExactly(client, 300, 2000), frame);
  await listener.close();
  await client.close();
});

t.test('large transfer with a small high-water mark: backpressure, nothing lost', async (t) => {
  const listener = await listenTcp({ port: 0, connection: { highWaterMark: 16 * 1024 } });
  const client = new TcpTransport({ host: '127.0.0.1', port: listener.address().port });
  const [server] = await Promise.all([listener.accept({ timeoutMs: 2000 }), client.open()]);
  // 32 MiB: more than loopback socket buffers can absorb, so the writer must wait for the reader.
  const big = new Uint8Array(32 << 20);
  for (let i = 0; i < 251; i++) big[i] = (i * 7) & 0xff;
  for (let filled = 251; filled < big.length; filled *= 2) big.copyWithin(filled, 0, filled);
  let writeDone = false;
  const writing = client.write(big).then(() => {
    writeDone = true;
  });
  await new Promise((r) => setTimeout(r, 100));
  t.equal(writeDone, false, 'the write waits while the reader is paused');
  t.ok(server.bufferedBytes >= 16 * 1024 && server.bufferedBytes < big.length, 'reader paused near its mark');
  const got = await readExactly(server, big.length, 5000);
  await writing;
  t.equal(got.length, big.length);
  t.equal(Buffer.compare(got, big), 0, 'bytes intact');
  await listener.close();
  await client.close();
});

t.test('peer close: read rejects with TransportClosed, iteration ends quietly', async (t) => {
  const listener = await listenTcp({ port: 0 });
  const client = new TcpTransport({ host: '127.0.0.1', port: listener.address().port });
  const [server] = await Promise.all([listener.accept({ timeoutMs: 2000 }), client.open()]);
  const closed = new Promise<string>((resolve) => client.onClose((info) => resolve(info.by)));
  await server.write(enc.encode('bye'));
  await server.close();
  const chunks: Uint8Array[] = [];
  for await (const chunk of client) chunks.push(chunk);
  t.same(Buffer.concat(chunks), Buffer.from('bye'), 'data before the FIN is delivered');
  t.equal(await closed, 'peer');
  const err = await client.read({ timeoutMs: 1000 }).catch((e: unknown) => e);
  t.ok(isMeterkitError(err, ErrorCode.TransportClosed), 'TransportClosed');
  t.match((err as MeterkitError).message, /closed by peer/);
  await t.rejects(client.write(Uint8Array.of(1)), { code: ErrorCode.TransportClosed });
  await client.close();
  await listener.close();
});

t.test('peer reset (vanished): TransportClosed by error with ECONNRESET cause', async (t) => {
  const { server, port } = await rawServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.resetAndDestroy());
  });
  const client = new TcpTransport({ host: '127.0.0.1', port });
  await client.open();
  const reading = client.read({ timeoutMs: 2000 }).catch((e: unknown) => e);
  await client.write(Uint8Array.of(1));
  const err = await reading;
  t.ok(isMeterkitError(err, ErrorCode.TransportClosed), 'typed error, no hang');
  t.equal(client.closeInfo?.by, 'error');
  t.match(String((err as MeterkitError).message), /ECONNRESET/);
  const iterated = await (async () => {
    try {
      for await (const _ of client) return 'chunk';
      return 'ended';
    } catch (e) {
      return e;
    }
  })();
  t.ok(isMeterkitError(iterated, ErrorCode.TransportClosed), 'iteration throws after an abnormal close');
  await client.close();
  await closeServer(server);
});

t.test('read timeout rejects with TransportTimeout; the connection stays usable', async (t) => {
  const listener = await listenTcp({ port: 0 });
  const client = new TcpTransport({ host: '127.0.0.1', port: listener.address().port });
  const [server] = await Promise.all([listener.accept({ timeoutMs: 2000 }), client.open()]);
  const err = await client.read({ timeoutMs: 30 }).catch((e: unknown) => e);
  t.ok(isMeterkitError(err, ErrorCode.TransportTimeout));
  t.match(
    (err as MeterkitError).toOneLine(),
    /^E500 transport-timeout: tcp:\/\/127\.0\.0\.1:\d+: read timed out after 30 ms$/,
  );
  await server.write(Uint8Array.of(42));
  t.same(await client.read({ timeoutMs: 2000 }), Uint8Array.of(42));
  await listener.close();
  await client.close();
});

t.test('connect refused: TransportOpenFailed naming ECONNREFUSED, transport closed', async (t) => {
  const { server, port } = await rawServer(() => {});
  await closeServer(server);
  const client = new TcpTransport({ host: '127.0.0.1', port, connectTimeoutMs: 2000 });
  const err = await client.open().catch((e: unknown) => e);
  t.ok(isMeterkitError(err, ErrorCode.TransportOpenFailed));
  t.match((err as MeterkitError).message, /ECONNREFUSED/);
  t.equal(client.state, 'closed');
  t.equal(client.closeInfo?.by, 'error');
  await t.rejects(client.open(), { code: ErrorCode.TransportClosed });
  await client.close();
});

t.test('open aborted: Cancelled; close during open: TransportClosed', async (t) => {
  const listener = await listenTcp({ port: 0 });
  const port = listener.address().port;
  const ac = new AbortController();
  ac.abort();
  const aborted = new TcpTransport({ host: '127.0.0.1', port });
  await t.rejects(aborted.open({ signal: ac.signal }), { code: ErrorCode.Cancelled });
  t.equal(aborted.state, 'idle', 'a pre-aborted open leaves the transport untouched');
  await aborted.close();

  const late = new AbortController();
  const racing = new TcpTransport({ host: '127.0.0.1', port });
  const opening = racing.open({ signal: late.signal });
  late.abort();
  await t.rejects(opening, { code: ErrorCode.Cancelled });
  t.equal(racing.state, 'closed');

  const closing = new TcpTransport({ host: '127.0.0.1', port });
  const opening2 = closing.open();
  t.equal(closing.state, 'opening');
  t.equal(closing.open(), opening2, 'concurrent opens share one promise');
  await closing.close();
  await t.rejects(opening2, { code: ErrorCode.TransportClosed });
  await listener.close();
});

t.test('listener: push mode, accept timeout, address in use, closeConnections false', async (t) => {
  const listener = await listenTcp({ port: 0, acceptTimeoutMs: 20, closeConnections: false });
  const port = listener.address().port;
  await t.rejects(listener.accept(), { code: ErrorCode.TransportTimeout });
  await t.rejects(listenTcp({ port }), { code: ErrorCode.TransportOpenFailed }, 'EADDRINUSE');
  const accepted: TcpTransport[] = [];
  const got = new Promise<void>((resolve) => {
    listener.onConnection((c) => {
      accepted.push(c);
      resolve();
    });
  });
  const client = new TcpTransport({ host: '127.0.0.1', port });
  await client.open();
  await got;
  t.equal(accepted.length, 1);
  await listener.close();
  t.equal(accepted[0]?.closed, false, 'connections survive the listener when asked to');
  await t.rejects(listener.accept(), { code: ErrorCode.TransportClosed });
  const iterated: TcpTransport[] = [];
  for await (const c of listener) iterated.push(c);
  t.same(iterated, [], 'iterating a closed listener ends at once');
  await accepted[0]?.close();
  await client.close();
});

t.test('bad options are InvalidArgument', async (t) => {
  t.throws(() => new TcpTransport({ host: '', port: 1 }), { code: ErrorCode.InvalidArgument });
  t.throws(() => new TcpTransport({ host: 'x', port: 70000 }), { code: ErrorCode.InvalidArgument });
  t.throws(() => new TcpTransport({ host: 'x', port: 1, localPort: -1 }), {
    code: ErrorCode.InvalidArgument,
  });
  t.throws(() => new TcpTransport({ host: 'x', port: 1, connectTimeoutMs: -5 }), {
    code: ErrorCode.InvalidArgument,
  });
  await t.rejects(listenTcp({ port: 1.5 }), { code: ErrorCode.InvalidArgument });
  t.equal(new TcpTransport({ host: '::1', port: 4059 }).name, 'tcp://[::1]:4059');
});
