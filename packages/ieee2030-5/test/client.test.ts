/**
 * The 2030.5 client against the test server in process (loopback transport, virtual clock): list
 * walking, EndDevice-scoped programs found through the device FSA, cancellation (CSIP-AUS GEN-09), a
 * missing RegistrationLink (ALL-05), error paths, and the Notification listener and sender over
 * plain HTTP.
 */
import t from 'tap';
import { SepClient } from '../src/client/client.js';
import { startNotificationListener } from '../src/client/listener.js';
import { loopbackTransport } from '../src/client/loopback.js';
import { seededRandom } from '../src/scheduler/random.js';
import { httpNotificationSender } from '../src/server/listen.js';
import { SepTestServer } from '../src/server/server.js';
import { encodeXml } from '../src/xml/codec.js';

const A = '3e4f45ab31edfe5b67e343e5e4562e31984e23e5';
const T0 = 1_760_000_000;

function setup(programs = 5) {
  let vt = T0;
  const server = new SepTestServer(
    {
      pollRate: 60,
      endDevices: [{ lfdi: A, pin: 111115 }],
      programs: Array.from({ length: programs }, (_, i) => ({ mRID: `d${i}`, primacy: 10 + i })),
      fsa: [
        { mRID: 'f1', programs: ['/derp/1', '/derp/2', '/derp/3'] },
        { mRID: 'f2', programs: ['/derp/3', '/derp/4', '/derp/5'] },
      ],
    },
    { clock: () => vt },
  );
  const client = new SepClient({
    transport: loopbackTransport((r) => server.handle(r), A),
    lfdi: A,
    clock: () => vt,
    pageSize: 2,
    scheduler: { randomSource: seededRandom(3) },
  });
  return {
    server,
    client,
    at: (t: number) => {
      vt = t;
    },
  };
}

t.test('lists are walked page by page; programs keep FSA order without duplicates', async (t) => {
  const { server, client } = setup();
  t.equal(client.nextWakeup(), undefined);
  await t.rejects(client.pollPrograms(), { code: 404 }, 'register first');
  const reg = await client.register();
  t.equal(reg.endDeviceHref, '/edev/1');
  t.equal(client.derHref, '/edev/1/der/1');
  const programs = await client.pollPrograms();
  t.same(
    programs.map((p) => p.mRID),
    ['d0', 'd1', 'd2', 'd3', 'd4'],
  );
  const listGets = server.exchanges.filter((e) => e.uri.startsWith('/fsa/2/derp?'));
  t.same(
    listGets.map((e) => e.uri),
    ['/fsa/2/derp?s=0&l=2', '/fsa/2/derp?s=2&l=2'],
  );
  t.equal(client.nextWakeup(), T0 + 60);
  const d = await client.discover();
  t.ok(d.resources.has('/derp/5/derc'));
  const small = new SepClient({
    transport: loopbackTransport((r) => server.handle(r), A),
    lfdi: A,
    maxDiscovery: 3,
  });
  t.ok((await small.discover()).resources.size <= 4, 'discovery stops at maxDiscovery');
});

t.test('GEN-09: a cancelled control ends at once with EventCancelled; defaults return', async (t) => {
  const { server, client, at } = setup(1);
  server.setDefaultDERControl('/derp/1', {
    DERControlBase: { opModExpLimW: { multiplier: 0, value: 4000 } },
  });
  const c = server.addDERControl('/derp/1', {
    mRID: 'e1',
    interval: { start: T0 + 10, duration: 600 },
    DERControlBase: { opModExpLimW: { multiplier: 0, value: 0 } },
  });
  const c2 = server.addDERControl('/derp/1', {
    mRID: 'e2',
    interval: { start: T0 + 30, duration: 600 },
    randomizeStart: 5,
    DERControlBase: { opModGenLimW: { multiplier: 0, value: 100 } },
  });
  await client.register();
  await client.tick();
  at(T0 + 40);
  const active = await client.tick();
  t.same(active.schedule.active.opModExpLimW?.value, { multiplier: 0, value: 0 });
  server.cancelDERControl(c);
  server.cancelDERControl(c2, true);
  at(T0 + 50);
  await client.pollPrograms();
  at(T0 + 60);
  const after = await client.tick();
  t.same(after.schedule.active.opModExpLimW?.value, { multiplier: 0, value: 4000 });
  t.equal(after.schedule.active.opModExpLimW?.source, 'default');
  const statuses = server.responses.filter((r) => r.subject === 'e1').map((r) => r.status);
  t.same(statuses, [1, 2, 6]);
  const e2 = server.responses.filter((r) => r.subject === 'e2').map((r) => r.status);
  t.same(e2.slice(0, 2), [1, 2]);
  at(T0 + 120);
  await client.tick();
  t.same(
    server.responses.filter((r) => r.subject === 'e2').map((r) => r.status),
    [1, 2, 6],
    'cancelled with randomization ends within its random delay',
  );
});

t.test(
  'EndDevice-scoped programs: found through the device FSA, scheduled with the shared ones',
  async (t) => {
    let vt = T0;
    const B = '00112233445566778899aabbccddeeff00112233';
    const server = new SepTestServer(
      {
        pollRate: 60,
        endDevices: [
          {
            lfdi: A,
            programs: [
              {
                mRID: 'e0',
                primacy: 0,
                controls: [
                  {
                    mRID: 'ec01',
                    interval: { start: T0, duration: 600 },
                    DERControlBase: { opModExpLimW: { multiplier: 0, value: 1500 } },
                  },
                ],
              },
            ],
          },
          { lfdi: B },
        ],
        programs: [
          {
            mRID: 'd0',
            primacy: 5,
            defaultControl: { DERControlBase: { opModExpLimW: { multiplier: 0, value: 4000 } } },
          },
        ],
      },
      { clock: () => vt },
    );
    const clientOf = (lfdi: string) =>
      new SepClient({
        transport: loopbackTransport((r) => server.handle(r), lfdi),
        lfdi,
        clock: () => vt,
        pageSize: 2,
        scheduler: { randomSource: seededRandom(3) },
      });
    const client = clientOf(A);
    await client.register();
    t.same(
      (await client.pollPrograms()).map((p) => p.mRID),
      ['d0', 'e0'],
      'the shared FSA first, then the device FSA',
    );
    vt = T0 + 10;
    const tick = await client.tick();
    t.same(tick.schedule.active.opModExpLimW?.value, { multiplier: 0, value: 1500 });
    t.equal(tick.schedule.active.opModExpLimW?.programMRID, 'e0');
    t.ok(
      server.exchanges.some((e) => e.lfdi === A && e.uri.startsWith('/edev/1/derp/1/derc?')),
      'the control list read at /edev/1/derp/1/derc',
    );
    t.same(
      server.responses.filter((r) => r.subject === 'ec01').map((r) => r.status),
      [1, 2],
    );
    // Another device sees only the shared program.
    const other = clientOf(B);
    await other.register();
    t.same(
      (await other.pollPrograms()).map((p) => p.mRID),
      ['d0'],
    );
    t.equal((await other.tick()).schedule.active.opModExpLimW?.source, 'default');
  },
);

t.test('ALL-05 and error paths', async (t) => {
  const { server, client } = setup(1);
  // Before registration.
  await t.rejects(client.putDERStatus({ readingTime: 0n }), { code: 212 }, 'no DER yet');
  await t.rejects(client.subscribe('/derp', 'http://x/n'), { code: 404 });
  await t.rejects(client.get('/nowhere'), { code: 401 });
  // A server whose EndDevice has no RegistrationLink: a client holding a PIN refuses it.
  const edev = server.store.get('/edev/1');
  if (edev?.kind !== 'resource') throw new Error('no EndDevice');
  const {
    RegistrationLink: _r,
    SubscriptionListLink: _s,
    LogEventListLink: _l,
    ConnectionPointLink: _c,
    ...rest
  } = edev.resource;
  edev.resource = rest;
  const withPin = new SepClient({
    transport: loopbackTransport((r) => server.handle(r), A),
    lfdi: A,
    pin: 111115,
  });
  await t.rejects(withPin.register(), { code: 403 });
  const reg = await client.register();
  t.equal(reg.registration, undefined);
  await t.rejects(client.subscribe('/derp', 'http://x/n'), { code: 212 });
  await t.rejects(client.postLogEvent({}), { code: 212 });
  await t.rejects(client.putConnectionPoint('1'), { code: 212 });
  await t.rejects(client.unsubscribe('/edev/1/sub/9'), { code: 401 });
  await t.rejects(client.postMirrorMeterReadings('/dcap', [{ mRID: '01' }]), { code: 401 });
  server.deleteResource('/edev/1/der/1');
  await client.register();
  t.equal(client.derHref, undefined, 'no DER listed');
  // Notifications about other things are ignored; about the EndDevice, it is re-read.
  server.setPostRate('/edev/1', 77);
  t.ok(await client.handleNotification({ subscribedResource: '/edev/1' }));
  t.equal(client.postRate, 77);
  // DeviceCapability without the links a client needs.
  const bare = new SepTestServer({ endDevices: [{ lfdi: A }] });
  const dcap = bare.store.get('/dcap');
  if (dcap?.kind !== 'resource') throw new Error('no dcap');
  dcap.resource = { pollRate: 900 };
  const c2 = new SepClient({ transport: loopbackTransport((r) => bare.handle(r), A), lfdi: A });
  await t.rejects(c2.register(), { code: 403 });
  await t.rejects(c2.postMirrorUsagePoint({}), { code: 212 });
  const tm = await c2.syncTime();
  t.equal(typeof tm['currentTime'], 'bigint', 'falls back to /tm');
  const c3 = new SepClient({ transport: loopbackTransport((r) => bare.handle(r), A), lfdi: A });
  await t.rejects(c3.postMirrorUsagePoint({}), { code: 212 });
});

t.test('Notification listener (plain HTTP) and sender', async (t) => {
  const got: unknown[] = [];
  const listener = await startNotificationListener({ onNotification: (n) => got.push(n) });
  t.teardown(listener.close);
  const uri = listener.notificationURI;
  const post = (body: string, type = 'application/sep+xml', method = 'POST', url = uri) =>
    fetch(url, { method, headers: { 'content-type': type }, ...(method === 'GET' ? {} : { body }) }).then(
      (r) => r.status,
    );
  const note = encodeXml({
    type: 'Notification',
    resource: { subscribedResource: '/derp', status: 0, subscriptionURI: '/edev/1/sub/1' },
  });
  t.equal(await post(note), 204);
  t.equal(await post(note, 'text/plain'), 415);
  t.equal(await post('<oops'), 400);
  t.equal(
    await post(
      encodeXml({
        type: 'Time',
        resource: {
          currentTime: 0n,
          dstEndTime: 0n,
          dstOffset: 0,
          dstStartTime: 0n,
          quality: 7,
          tzOffset: 0,
        },
      }),
    ),
    400,
  );
  t.equal(await post('', 'application/sep+xml', 'GET'), 405);
  t.equal(await post(note, 'application/sep+xml', 'POST', uri.replace('/notify', '/other')), 405);
  t.equal(got.length, 1);
  const send = httpNotificationSender();
  t.equal(await send(uri, note), 204);
  t.equal(await send('not a uri', note), 0);
  t.equal(await send('https://127.0.0.1:9/n', note), 0, 'https without credentials');
  t.equal(await send('http://127.0.0.1:9/n', note), 0, 'unreachable');
  t.equal(got.length, 2);
});

t.test('SunSpec BASIC-016 / BASIC-019 and CSIP-AUS ALL-11/12/13 on a virtual clock', async (t) => {
  let vt = T0;
  const server = new SepTestServer(
    {
      endDevices: [{ lfdi: A }],
      programs: [
        { mRID: 'a2', primacy: 2, defaultControl: { DERControlBase: { opModMaxLimW: 80 }, setGradW: 10 } },
        { mRID: 'a1', primacy: 1, defaultControl: { DERControlBase: { opModMaxLimW: 50 }, setGradW: 20 } },
      ],
    },
    { clock: () => vt },
  );
  const client = new SepClient({
    transport: loopbackTransport((r) => server.handle(r), A),
    lfdi: A,
    clock: () => vt,
  });
  await client.register();
  // BASIC-016: two programs, two defaults, no controls → the higher-priority (primacy 1) default.
  let tick = await client.tick();
  t.equal(tick.schedule.active.opModMaxLimW?.value, 50);
  t.equal(tick.schedule.active.opModMaxLimW?.programMRID, 'a1');
  t.equal(tick.schedule.defaultSettings.setGradW?.value, 20, 'ALL-13: default ramp rate');
  // BASIC-019: two non-overlapping similar controls; ALL-11/12: energise and connect controls.
  server.addDERControl('/derp/2', {
    mRID: '51',
    interval: { start: T0 + 100, duration: 100 },
    DERControlBase: { opModMaxLimW: 30 },
  });
  server.addDERControl('/derp/2', {
    mRID: '52',
    interval: { start: T0 + 300, duration: 100 },
    DERControlBase: { opModMaxLimW: 20 },
  });
  server.addDERControl('/derp/1', {
    mRID: '53',
    interval: { start: T0 + 500, duration: 100 },
    DERControlBase: { opModConnect: false, opModEnergize: false },
  });
  const seen: [number, unknown, unknown][] = [];
  for (const at of [T0 + 150, T0 + 250, T0 + 350, T0 + 550, T0 + 650]) {
    vt = at;
    await client.pollPrograms();
    tick = await client.tick();
    seen.push([at - T0, tick.schedule.active.opModMaxLimW?.value, tick.schedule.active.opModEnergize?.value]);
  }
  t.same(seen, [
    [150, 30, undefined],
    [250, 50, undefined],
    [350, 20, undefined],
    [550, 50, false],
    [650, 50, undefined],
  ]);
});

t.test('Responses whose POST fails are sent again on the next tick', async (t) => {
  let vt = T0;
  const server = new SepTestServer(
    { endDevices: [{ lfdi: A }], programs: [{ mRID: 'a1', primacy: 1 }] },
    { clock: () => vt },
  );
  let down = false;
  const inner = loopbackTransport((r) => server.handle(r), A);
  const client = new SepClient({
    transport: {
      request: (m, p, b) =>
        down && m === 'POST' ? Promise.reject(new Error('link down')) : inner.request(m, p, b),
      close: () => inner.close(),
    },
    lfdi: A,
    clock: () => vt,
  });
  await client.register();
  server.addDERControl('/derp/1', {
    mRID: '61',
    interval: { start: T0 + 10, duration: 10 },
    DERControlBase: { opModConnect: true },
  });
  down = true;
  const failed = await client.tick();
  t.same(
    failed.posted.map((p) => p.status),
    [0],
  );
  t.equal(client.unsentResponses.length, 1);
  down = false;
  vt = T0 + 15;
  const retried = await client.tick();
  t.same(
    retried.posted.map((p) => [p.response.status, p.status]),
    [
      [1, 201],
      [2, 201],
    ],
  );
  t.equal(client.unsentResponses.length, 0);
  t.same(
    server.responses.map((r) => r.status),
    [1, 2],
  );
});

t.test('HTTP transport: timeouts, oversized answers, plain HTTP', async (t) => {
  const { createServer } = await import('node:http');
  const raw = createServer((req, res) => {
    if (req.url === '/slow') return;
    res.writeHead(200, { 'content-type': 'application/sep+xml', 'set-cookie': ['a=1', 'b=2'] });
    res.end(req.url === '/big' ? 'x'.repeat(5000) : 'ok');
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    raw.closeAllConnections();
    raw.close();
  });
  const { port } = raw.address() as { port: number };
  const { createSepHttpTransport } = await import('../src/client/transport.js');
  const tr = createSepHttpTransport({
    baseUrl: `http://127.0.0.1:${port}`,
    timeoutMs: 100,
    maxBodyBytes: 1000,
  });
  t.teardown(() => tr.close());
  const ok = await tr.request('PUT', '/x', '<a/>');
  t.equal(ok.status, 200);
  t.equal(new TextDecoder().decode(ok.body), 'ok');
  t.equal(ok.headers['set-cookie'], 'a=1, b=2');
  await t.rejects(tr.request('GET', '/slow'), { code: 500 });
  await t.rejects(tr.request('GET', '/big'), { code: 503 });
});

t.test('P-02: a program removed from the FSA aborts its active control (EventAbortedProgram)', async (t) => {
  const { server, client, at } = setup(2);
  server.addDERControl('/derp/2', {
    mRID: '71',
    interval: { start: T0 + 10, duration: 600 },
    DERControlBase: { opModConnect: false },
  });
  server.addDERControl('/derp/1', {
    mRID: '72',
    interval: { start: T0 + 10, duration: 600 },
    DERControlBase: { opModGenLimW: { multiplier: 0, value: 10 } },
  });
  await client.register();
  await client.tick();
  at(T0 + 20);
  t.same([...(await client.tick()).schedule.activeEvents].sort(), ['71', '72']);
  t.ok(server.deleteResource('/derp/2'));
  at(T0 + 30);
  await client.pollPrograms();
  const tick = await client.tick();
  t.same(tick.schedule.activeEvents, ['72']);
  t.same(
    server.responses.filter((r) => r.subject === '71').map((r) => r.status),
    [1, 2, 14],
  );
  t.same(
    client.programs.map((p) => p.mRID),
    ['d0'],
  );
});
