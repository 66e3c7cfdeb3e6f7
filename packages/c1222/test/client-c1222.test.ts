import { readFileSync } from 'node:fs';
import { collectingSink, fromHex, PcapngWriter, TcpStreamRecorder, UdpRecorder } from '@meterkit/core';
import { bindUdp, createMemoryPair, listenTcp, TcpTransport, UdpTransport } from '@meterkit/core/transport';
import t, { type Test } from 'tap';
import { C1222Client, type C1222ClientTrace } from '../src/client/c1222-client.js';
import { absoluteApTitle, C1222KeyStore } from '../src/index.js';
import { AnsiMeter } from '../src/server/ansi-meter.js';
import {
  type C1222ServerOptions,
  serveC1222Listener,
  serveC1222Stream,
  serveC1222Udp,
} from '../src/server/c1222-server.js';

async function listenC1222Tcp(meter: AnsiMeter, options: C1222ServerOptions = {}) {
  const listener = await listenTcp({ port: 0 });
  serveC1222Listener(listener, meter, options);
  return { port: listener.address().port, close: () => listener.close() };
}

import { parseAnsiMeterProfile } from '../src/server/profile.js';
import { C1222SessionErrorCode } from '../src/session/errors.js';
import { remoteConnect } from '../src/tables/index.js';

const profile = parseAnsiMeterProfile(
  readFileSync(new URL('../profiles/ansi-meter.json', import.meta.url), 'utf8'),
);
const KEY0 = fromHex(profile.keys!['0']!);
const CLIENT = absoluteApTitle('2.16.124.113620.1.22.0.7');
const METER = absoluteApTitle(profile.apTitle!);

async function exercise(t: Test, client: C1222Client, meter: AnsiMeter, mode: 0 | 1 | 2): Promise<void> {
  const id = await client.identify();
  t.equal(id.std, 3, 'C12.22 identification');
  t.same(await client.readTable(1), meter.tables.read(1));
  t.same(await client.readTable(23, { offset: 2, count: 6 }), meter.tables.read(23)!.subarray(2, 8));
  if (mode === 0) {
    // cleartext: writes need the password
    await t.rejects(client.runProcedure(remoteConnect(1)), { code: C1222SessionErrorCode.ServiceError });
    await client.logon({ user: 'head-end', password: 'meterkit-write', sessionIdleTimeout: 60 });
  }
  const r = await client.runProcedure(remoteConnect(1));
  t.equal(r.resultCode, 0);
  t.equal(meter.loadControl.get(1), 100);
  const paired = await client.exchange([
    { type: 'full-read', tableId: 0 },
    { type: 'full-read', tableId: 5 },
  ]);
  t.equal(paired.responses.length, 2, 'two services in one message, paired');
  t.equal(paired.message.security.mode, mode);
  await client.logoff();
}

for (const mode of [0, 1, 2] as const) {
  t.test(`TCP loopback, security mode ${mode}`, async (t) => {
    const meter = new AnsiMeter(profile);
    const server = await listenC1222Tcp(meter);
    t.teardown(() => server.close());
    const sink = collectingSink();
    const writer = new PcapngWriter(sink.sink);
    const recorder = new TcpStreamRecorder(writer, { server: { address: '127.0.0.1', port: 1153 } });
    const trace: C1222ClientTrace[] = [];
    const client = new C1222Client({
      transport: new TcpTransport({ host: '127.0.0.1', port: server.port }),
      callingApTitle: CLIENT,
      calledApTitle: METER,
      securityMode: mode,
      keys: new C1222KeyStore([[0, KEY0]]),
      recorder,
      trace: (e) => trace.push(e),
    });
    await client.open();
    await exercise(t, client, meter, mode);
    t.ok(sink.length > 1000, 'recorded');
    t.ok(trace.some((e) => e.direction === 'rx'));
    await client.close();
  });

  t.test(`UDP loopback, security mode ${mode}`, async (t) => {
    const meter = new AnsiMeter(profile);
    const endpoint = await bindUdp({ port: 0 });
    const stop = serveC1222Udp(endpoint, meter);
    t.teardown(async () => {
      stop();
      await endpoint.close();
    });
    const sink = collectingSink();
    const client = new C1222Client({
      transport: new UdpTransport({ host: '127.0.0.1', port: endpoint.address().port }),
      callingApTitle: CLIENT,
      calledApTitle: METER,
      securityMode: mode,
      keys: new C1222KeyStore([[0, KEY0]]),
      recorder: new UdpRecorder(new PcapngWriter(sink.sink)),
    });
    await client.open();
    await exercise(t, client, meter, mode);
    await client.close();
  });
}

t.test('wrong key: SecurityMechanismError (444); key the meter lacks: 444', async (t) => {
  const meter = new AnsiMeter(profile);
  const server = await listenC1222Tcp(meter);
  t.teardown(() => server.close());
  for (const [keyId, key] of [
    [0, fromHex('ffffffffffffffffffffffffffffffff')],
    [9, KEY0],
  ] as const) {
    const client = new C1222Client({
      transport: new TcpTransport({ host: '127.0.0.1', port: server.port }),
      callingApTitle: CLIENT,
      calledApTitle: METER,
      securityMode: 2,
      keyId,
      keys: new C1222KeyStore([[keyId, key]]),
    });
    await client.open();
    await t.rejects(client.readTable(1), { code: C1222SessionErrorCode.SecurityMechanismError });
    await client.close();
  }
});

t.test('the meter requires authentication when told to', async (t) => {
  const meter = new AnsiMeter(profile);
  const server = await listenC1222Tcp(meter, { minimumSecurityMode: 1 });
  t.teardown(() => server.close());
  const client = new C1222Client({
    transport: new TcpTransport({ host: '127.0.0.1', port: server.port }),
    callingApTitle: CLIENT,
    calledApTitle: METER,
  });
  await client.open();
  await t.rejects(client.readTable(1), { code: C1222SessionErrorCode.ServiceError });
  await client.close();
});

t.test('UDP: no answer is a ResponseTimeout (441) after the resends', async (t) => {
  const silent = await bindUdp({ port: 0 });
  t.teardown(() => silent.close());
  let received = 0;
  silent.onDatagram(() => received++);
  const client = new C1222Client({
    transport: new UdpTransport({ host: '127.0.0.1', port: silent.address().port }),
    callingApTitle: CLIENT,
    calledApTitle: METER,
    responseTimeoutMs: 30,
    retries: 2,
  });
  await client.open();
  await t.rejects(client.identify(), { code: C1222SessionErrorCode.ResponseTimeout });
  t.equal(received, 3, 'sent three times');
  t.same(client.association.outstanding, []);
  await client.close();
  await t.rejects(client.identify(), { code: 501 });
});

t.test('a stream out of step: the server closes, the client fails with StreamFramingError', async (t) => {
  const meter = new AnsiMeter(profile);
  const [a, b] = createMemoryPair();
  const rejects: string[] = [];
  serveC1222Stream(b, meter, { onReject: (r) => rejects.push(r) });
  await a.write(Uint8Array.of(0x61, 0x00));
  for (let i = 0; i < 200 && !b.closed; i++) await new Promise((r) => setTimeout(r, 5));
  t.same(rejects, ['stream out of step']);
  t.ok(b.closed);

  const [c, d] = createMemoryPair();
  const client = new C1222Client({
    transport: c,
    callingApTitle: CLIENT,
    calledApTitle: METER,
    responseTimeoutMs: 500,
  });
  const pending = client.identify();
  await d.write(Uint8Array.of(0x30, 0x00));
  await t.rejects(pending, { code: C1222SessionErrorCode.StreamFramingError });
});

t.test('garbage and foreign messages to the client are ignored', async (t) => {
  const meter = new AnsiMeter(profile);
  const [c, d] = createMemoryPair();
  serveC1222Stream(d, meter);
  const trace: C1222ClientTrace[] = [];
  const client = new C1222Client({
    transport: c,
    callingApTitle: CLIENT,
    calledApTitle: METER,
    trace: (e) => trace.push(e),
  });
  // a well-framed APDU that is not a response to anything
  await d.write(Uint8Array.of(0x60, 0x03, 0xa1, 0x01, 0x00));
  const id = await client.identify();
  t.equal(id.std, 3);
  t.ok(trace.some((e) => e.direction === 'rx' && e.detail !== undefined));
  await client.close();
});
