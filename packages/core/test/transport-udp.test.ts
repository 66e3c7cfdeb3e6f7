import { ErrorCode, isMeterkitError, type MeterkitError } from '@meterkit/core';
import { bindUdp, type Datagram, UdpTransport } from '@meterkit/core/transport';
import t from 'tap';

const enc = new TextEncoder();

t.test('UDP client to a bound endpoint and back; datagram boundaries kept', async (t) => {
  const endpoint = await bindUdp({ port: 0 });
  const { port } = endpoint.address();
  t.ok(port > 0);
  t.equal(endpoint.name, `udp-listen://127.0.0.1:${port}`);
  const client = new UdpTransport({ host: '127.0.0.1', port, readTimeoutMs: 2000 });
  t.equal(client.kind, 'datagram');
  t.equal(client.name, `udp://127.0.0.1:${port}`);
  await client.open();
  const local = client.localAddress();
  t.ok(local !== undefined && local.port > 0);

  await client.write(enc.encode('one'));
  await client.write(enc.encode('two!'));
  await client.write(new Uint8Array(0));
  const d1 = await endpoint.receive({ timeoutMs: 2000 });
  const d2 = await endpoint.receive({ timeoutMs: 2000 });
  const d3 = await endpoint.receive({ timeoutMs: 2000 });
  t.same(d1.data, enc.encode('one'), 'first datagram alone');
  t.same(d2.data, enc.encode('two!'), 'second datagram alone');
  t.equal(d3.data.length, 0, 'an empty datagram is a datagram');
  t.same(d1.remote, { address: '127.0.0.1', port: local?.port, family: 'IPv4' }, 'sender address');

  await endpoint.reply(d1, enc.encode('re:one'));
  await endpoint.reply(d2, enc.encode('re:two'));
  t.same(await client.read(), enc.encode('re:one'));
  t.same(await client.read(), enc.encode('re:two'));
  t.match(client.describe(), /^udp:\/\/127\.0\.0\.1:\d+ \(open, local 127\.0\.0\.1:\d+\)$/);
  t.match(endpoint.describe(), /bound/);
  await client.close();
  await endpoint.close();
  t.equal(endpoint.closed, true);
  t.equal(endpoint.closeInfo?.by, 'local');
  await t.rejects(endpoint.receive(), { code: ErrorCode.TransportClosed });
  await t.rejects(endpoint.send(Uint8Array.of(1), { address: '127.0.0.1', port }), {
    code: ErrorCode.TransportClosed,
  });
});

t.test('endpoint push mode and iteration; send to any address', async (t) => {
  const server = await bindUdp({ port: 0 });
  const other = await bindUdp({ port: 0 });
  const seen: Datagram[] = [];
  const got = new Promise<void>((resolve) => {
    server.onDatagram((d) => {
      seen.push(d);
      if (seen.length === 2) resolve();
    });
  });
  await other.send(Uint8Array.of(1), server.address());
  await other.send(Uint8Array.of(2, 3), server.address());
  await got;
  t.same(
    seen.map((d) => [...d.data]),
    [[1], [2, 3]],
  );
  t.equal(seen[0]?.remote.port, other.address().port);

  const received: number[][] = [];
  const iterating = (async () => {
    for await (const d of other) received.push([...d.data]);
  })();
  await server.send(Uint8Array.of(9), other.address());
  await new Promise((r) => setTimeout(r, 50));
  await other.close();
  await iterating;
  t.same(received, [[9]], 'iteration ends quietly on close');
  let closedBy: string | undefined;
  other.onClose((info) => {
    closedBy = info.by;
  });
  await new Promise((r) => setImmediate(r));
  t.equal(closedBy, 'local');
  await server.close();
});

t.test('timeouts, oversize datagrams, bad addresses', async (t) => {
  const endpoint = await bindUdp({ port: 0, readTimeoutMs: 20 });
  await t.rejects(endpoint.receive(), { code: ErrorCode.TransportTimeout });
  await t.rejects(endpoint.send(new Uint8Array(70000), { address: '127.0.0.1', port: 9 }), {
    code: ErrorCode.InvalidArgument,
  });
  await t.rejects(endpoint.send(Uint8Array.of(1), { address: '', port: 9 }), {
    code: ErrorCode.InvalidArgument,
  });
  const failed = await endpoint
    .send(Uint8Array.of(1), { address: '127.0.0.1', port: 0 })
    .catch((e: unknown) => e);
  t.ok(isMeterkitError(failed, ErrorCode.TransportIo), 'a send the OS refuses is TransportIo');
  t.equal(endpoint.closed, false, 'the endpoint survives a failed send');

  const client = new UdpTransport({ host: '127.0.0.1', port: endpoint.address().port });
  await client.open();
  await t.rejects(client.write(new Uint8Array(70000)), { code: ErrorCode.InvalidArgument });
  await t.rejects(client.read({ timeoutMs: 20 }), { code: ErrorCode.TransportTimeout });
  await client.close();
  await client.close();
  await endpoint.close();
  await t.rejects(bindUdp({ port: -1 }), { code: ErrorCode.InvalidArgument });
  t.throws(() => new UdpTransport({ host: '', port: 1 }), { code: ErrorCode.InvalidArgument });
  t.equal(new UdpTransport({ host: '::1', port: 4059 }).name, 'udp://[::1]:4059');
});

t.test('bind conflict is TransportOpenFailed; abort before bind is Cancelled', async (t) => {
  const first = await bindUdp({ port: 0 });
  await t.rejects(bindUdp({ port: first.address().port }), { code: ErrorCode.TransportOpenFailed });
  const ac = new AbortController();
  ac.abort();
  await t.rejects(bindUdp({ port: 0, signal: ac.signal }), { code: ErrorCode.Cancelled });
  const client = new UdpTransport({ host: '127.0.0.1', port: 9, localPort: first.address().port });
  const err = await client.open().catch((e: unknown) => e);
  t.ok(isMeterkitError(err, ErrorCode.TransportOpenFailed), 'client bind conflict');
  await first.close();
});

t.test('peer port closed: ICMP unreachable closes the client with a typed error', async (t) => {
  const gone = await bindUdp({ port: 0 });
  const port = gone.address().port;
  await gone.close();
  const client = new UdpTransport({ host: '127.0.0.1', port });
  await client.open();
  const reading = client.read({ timeoutMs: 2000 }).catch((e: unknown) => e);
  await client.write(Uint8Array.of(1));
  const err = await reading;
  t.ok(isMeterkitError(err, ErrorCode.TransportClosed), 'TransportClosed, not a timeout');
  t.match((err as MeterkitError).message, /ECONNREFUSED/);
  t.equal(client.closeInfo?.by, 'error');
  await client.close();
});

t.test('unread datagrams beyond the high-water mark are dropped and counted', async (t) => {
  const endpoint = await bindUdp({ port: 0, highWaterMark: 100 });
  const client = new UdpTransport({ host: '127.0.0.1', port: endpoint.address().port, highWaterMark: 100 });
  await client.open();
  for (let i = 0; i < 5; i++) await client.write(new Uint8Array(60).fill(i));
  await new Promise((r) => setTimeout(r, 100));
  t.equal(endpoint.droppedDatagrams, 3, 'two queued (120 bytes), then dropping');
  t.same((await endpoint.receive()).data[0], 0);
  const second = await endpoint.receive();
  t.same(second.data[0], 1);
  t.match(endpoint.describe(), /3 dropped/);
  for (let i = 0; i < 3; i++) await endpoint.reply(second, new Uint8Array(60));
  await new Promise((r) => setTimeout(r, 100));
  t.equal(client.droppedDatagrams, 1);
  t.match(client.describe(), /1 dropped/);
  t.equal((await client.read({ timeoutMs: 1000 })).length, 60);
  t.equal((await client.read({ timeoutMs: 1000 })).length, 60);
  await endpoint.reply(second, Uint8Array.of(5));
  t.same(await client.read({ timeoutMs: 1000 }), Uint8Array.of(5), 'receiving again once drained');
  await client.close();
  await endpoint.close();
});

t.test('close during open and abort during open end the open with typed errors', async (t) => {
  const client = new UdpTransport({ host: '127.0.0.1', port: 9 });
  const opening = client.open();
  await client.close();
  await t.rejects(opening, { code: ErrorCode.TransportClosed });
  const ac = new AbortController();
  const other = new UdpTransport({ host: '127.0.0.1', port: 9 });
  const opening2 = other.open({ signal: ac.signal });
  ac.abort();
  await t.rejects(opening2, { code: ErrorCode.Cancelled });
  t.equal(other.state, 'closed');
  await other.close();
});
