/**
 * Client ↔ test server end to end over real mutual TLS 1.2 / ECDHE-ECDSA-AES128-CCM8 on loopback,
 * with a generated test PKI and a virtual clock. Scenarios follow the public CSIP-AUS client
 * procedures (ALL-01..ALL-22, bsgip/cactus-test-definitions) and the SunSpec CSIP scheduling
 * scenarios (BASIC-018/021/024, CORE-021/022), as far as they apply to a client.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import t from 'tap';
import { type ClientTick, SepClient } from '../src/client/client.js';
import { startNotificationListener } from '../src/client/listener.js';
import { createSepHttpTransport, type SepClientTransport } from '../src/client/transport.js';
import { lfdiFromCertificate } from '../src/ids.js';
import { createDevice, createTestPki, type IssuedCertificate, type TestPki } from '../src/pki/test-pki.js';
import { seededRandom } from '../src/scheduler/random.js';
import { type RunningSepServer, startSepServer } from '../src/server/listen.js';
import { SepTestServer } from '../src/server/server.js';
import { type SepTlsCredentials, sepTlsClientOptions } from '../src/tls.js';

const T0 = 1_750_000_000;
const SKEW = 1000; // the device's local clock is this far behind the server

const pki: TestPki = await createTestPki();
const other: TestPki = await createTestPki({ mca: false });
const second: IssuedCertificate = await createDevice(pki.mica);
const third: IssuedCertificate = await createDevice(pki.mica);

const serverCreds: SepTlsCredentials = {
  key: pki.server.privateKeyPem,
  certificate: pki.server.certificatePem,
  chain: pki.chainPem,
  serca: pki.serca.certificatePem,
};
function creds(dev: IssuedCertificate, p: TestPki = pki): SepTlsCredentials {
  return {
    key: dev.privateKeyPem,
    certificate: dev.certificatePem,
    chain: p.chainPem,
    serca: pki.serca.certificatePem,
  };
}
const LFDI = lfdiFromCertificate(pki.device.certificatePem);
const LFDI2 = lfdiFromCertificate(second.certificatePem);
const LFDI3 = lfdiFromCertificate(third.certificatePem);
const SERVER_LFDI = lfdiFromCertificate(pki.server.certificatePem);

let vt = T0;
const sep = new SepTestServer(
  {
    pollRate: 60,
    endDevices: [
      { lfdi: LFDI, pin: 111115 },
      { lfdi: LFDI3, pin: 222220 },
    ],
    programs: [
      {
        mRID: 'b1',
        description: 'service point',
        primacy: 1,
        defaultControl: { DERControlBase: { opModExpLimW: { multiplier: 0, value: 5000 } }, setGradW: 27 },
      },
      { mRID: 'b2', description: 'system', primacy: 2 },
    ],
  },
  { clock: () => vt },
);
const run: RunningSepServer = await startSepServer(sep, { tls: serverCreds });
t.teardown(run.close);

function transport(dev: IssuedCertificate = pki.device, p: TestPki = pki): SepClientTransport {
  return createSepHttpTransport({
    baseUrl: run.url,
    tls: creds(dev, p),
    serverPolicy: { allowedLfdis: [SERVER_LFDI] },
  });
}

const tr = transport();
t.teardown(() => tr.close());
const client = new SepClient({
  transport: tr,
  lfdi: LFDI,
  clock: () => vt - SKEW,
  pin: 111115,
  scheduler: { randomSource: seededRandom(7) },
});

/** Runs the client loop on the virtual clock until `end`, ticking at every wake-up. */
async function runUntil(end: number): Promise<ClientTick[]> {
  const ticks: ClientTick[] = [];
  for (;;) {
    ticks.push(await client.tick());
    const w = client.nextWakeup();
    if (w === undefined || w > end) break;
    vt = Math.max(vt, w);
  }
  vt = end;
  ticks.push(await client.tick());
  return ticks;
}

function responsesFor(mRID: string): [number, number][] {
  return sep.responses
    .filter((r) => r.subject === mRID)
    .map((r) => [r.status ?? -1, Number(r.createdDateTime)]);
}

t.test('ALL-01: discovery, time sync and out-of-band registration with PIN', async (t) => {
  const found = await client.discover();
  for (const h of [
    '/dcap',
    '/tm',
    '/edev',
    '/edev/1',
    '/edev/1/rg',
    '/edev/1/fsa',
    '/fsa/1',
    '/fsa/1/derp',
    '/derp/1',
    '/derp/1/derc',
    '/derp/1/dderc',
    '/mup',
    '/rsps',
  ]) {
    t.ok(found.resources.has(h), `found ${h}`);
  }
  t.notOk(found.resources.has('/edev/2'), 'never sees another EndDevice');
  t.equal(found.failures.get('/edev/1/der/1/ders'), 404, 'unwritten PUT targets answer 404');
  const tm = await client.syncTime();
  t.equal(tm['currentTime'], BigInt(T0));
  t.ok(Math.abs(client.timeOffset - SKEW) < 1, 'offset learnt from /tm');
  t.equal(client.now(), T0);
  const reg = await client.register();
  t.equal(reg.endDeviceHref, '/edev/1');
  t.equal(reg.inBand, false);
  t.equal(reg.registration?.['pIN'], 111115);
  t.equal(reg.endDevice['lFDI'], LFDI);
  t.ok(
    sep.exchanges.every((e) => e.lfdi === LFDI),
    'every request identified by the certificate LFDI',
  );
});

t.test('ALL-02 / ALL-03-REJ: in-band registration; a wrong PIN is rejected', async (t) => {
  const tr2 = transport(second);
  t.teardown(() => tr2.close());
  const c2 = new SepClient({ transport: tr2, lfdi: LFDI2, clock: () => vt });
  const reg = await c2.register();
  t.equal(reg.inBand, true);
  t.equal(reg.endDeviceHref, sep.endDeviceOf(LFDI2));
  t.equal(reg.registration?.['pIN'], 111115, 'default PIN');
  const tr3 = transport(third);
  t.teardown(() => tr3.close());
  const c3 = new SepClient({
    transport: tr3,
    lfdi: LFDI3,
    clock: () => vt,
    pin: 999990,
    inBandRegistration: false,
  });
  await t.rejects(c3.register(), { code: 403 }, 'PIN mismatch');
  const c4 = new SepClient({
    transport: tr2,
    lfdi: 'ab'.repeat(20),
    clock: () => vt,
    inBandRegistration: false,
  });
  await t.rejects(c4.register(), { code: 403 }, 'not registered and in-band off');
});

t.test('ALL-03, ALL-07..09, ALL-06, BASIC-027: DER information, telemetry and log events', async (t) => {
  await client.putConnectionPoint('4407001234');
  await client.putDERCapability({
    modesSupported: '00500040',
    rtgMaxW: { multiplier: 0, value: 5000 },
    type: 4,
    doeModesSupported: '0f',
  });
  await client.putDERSettings({
    setGradW: 27,
    setMaxW: { multiplier: 0, value: 5000 },
    updatedTime: BigInt(T0),
  });
  await client.putDERStatus({
    genConnectStatus: { dateTime: BigInt(T0), value: '01' },
    operationalModeStatus: { dateTime: BigInt(T0), value: 2 },
    readingTime: BigInt(T0),
  });
  await client.putDERAvailability({ readingTime: BigInt(T0), statWAvail: { multiplier: 0, value: 4000 } });
  const types = sep.received.filter((r) => r.lfdi === LFDI && r.method === 'PUT').map((r) => r.document.type);
  t.same(types, ['ConnectionPointType', 'DERCapability', 'DERSettings', 'DERStatus', 'DERAvailability']);
  const mup = await client.postMirrorUsagePoint({
    mRID: 'aa01',
    description: 'site',
    roleFlags: '03',
    serviceCategoryKind: 0,
    status: 1,
  });
  t.match(mup, /^\/mup\/\d+$/);
  await client.postMirrorMeterReadings(mup, [
    { mRID: 'ab01', Reading: { value: 1200 }, ReadingType: { powerOfTenMultiplier: 0, uom: 38 } },
    { mRID: 'ab02', Reading: { value: 230 }, ReadingType: { powerOfTenMultiplier: 0, uom: 29 } },
  ]);
  await client.postMirrorMeterReadings(mup, [{ mRID: 'ab01', Reading: { value: 1300 } }]);
  const stored = sep.representation(mup, LFDI)?.resource as { MirrorMeterReading: { mRID: string }[] };
  t.same(stored.MirrorMeterReading.map((m) => m.mRID).sort(), ['ab01', 'ab02']);
  const log = await client.postLogEvent({
    createdDateTime: BigInt(T0),
    functionSet: 22,
    logEventCode: 1,
    logEventID: 1,
    logEventPEN: 40732,
    profileID: 2,
  });
  t.match(log, /^\/edev\/1\/lel\/\d+$/);
});

t.test('BASIC-018/021/024, ALL-18, ALL-21: overlapping controls, defaults and responses', async (t) => {
  vt = T0;
  sep.addDERControl('/derp/2', {
    mRID: 'c5a0',
    interval: { start: T0 + 100, duration: 600 },
    DERControlBase: { opModExpLimW: { multiplier: 0, value: 3000 } },
  });
  sep.addDERControl('/derp/1', {
    mRID: 'c1a0',
    interval: { start: T0 + 200, duration: 200 },
    DERControlBase: { opModExpLimW: { multiplier: 0, value: 1000 } },
  });
  sep.addDERControl('/derp/1', {
    mRID: 'c1b0',
    interval: { start: T0 + 150, duration: 100 },
    DERControlBase: { opModConnect: true },
  });
  const first = await client.tick();
  t.ok(first.polled);
  t.equal(first.schedule.active.opModExpLimW?.source, 'default');
  t.same(first.schedule.active.opModExpLimW?.value, { multiplier: 0, value: 5000 });
  t.equal(first.schedule.defaultSettings.setGradW?.value, 27);
  t.same(
    first.posted.map((p) => p.status),
    [201, 201, 201],
    'three EventReceived posted',
  );
  const ticks = await runUntil(T0 + 250);
  const mid = ticks.at(-1)?.schedule;
  t.same(
    mid?.active.opModExpLimW?.value,
    { multiplier: 0, value: 1000 },
    'service-point control wins (primacy 1)',
  );
  t.equal(mid?.active.opModConnect?.mRID, undefined, 'independent control already completed at 250');
  await runUntil(T0 + 800);
  t.same(
    responsesFor('c5a0'),
    [
      [1, T0],
      [2, T0 + 100],
      [7, T0 + 200],
    ],
    'system control: received, started, superseded',
  );
  t.same(responsesFor('c1a0'), [
    [1, T0],
    [2, T0 + 200],
    [3, T0 + 400],
  ]);
  t.same(
    responsesFor('c1b0'),
    [
      [1, T0],
      [2, T0 + 150],
      [3, T0 + 250],
    ],
    'independent mode runs alongside',
  );
  const last = await client.tick();
  t.equal(last.schedule.active.opModExpLimW?.source, 'default', 'back to the default');
  t.ok(sep.responses.every((r) => r.endDeviceLFDI === LFDI && r.type === 'DERControlResponse'));
});

t.test('ALL-22 / CORE-021: randomised start stays within bounds', async (t) => {
  const start = vt + 120;
  sep.addDERControl('/derp/1', {
    mRID: 'c1c0',
    interval: { start, duration: 120 },
    randomizeStart: 60,
    DERControlBase: { opModGenLimW: { multiplier: 0, value: 2000 } },
  });
  await runUntil(start + 400);
  const r = responsesFor('c1c0');
  t.same(
    r.map(([s]) => s),
    [1, 2, 3],
  );
  const started = r[1]?.[1] as number;
  t.ok(started >= start && started <= start + 60, `started at +${started - start} s`);
  t.equal((r[2]?.[1] as number) - started, 120, 'duration kept');
});

t.test('ALL-19 / ALL-20 / ALL-10: poll-rate and post-rate updates', async (t) => {
  sep.setPollRate('/fsa/1/derp', 30);
  await client.pollPrograms();
  t.equal(client.pollRate, 30);
  const before = sep.exchanges.filter((e) => e.uri.startsWith('/fsa/1/derp')).length;
  await runUntil(vt + 95);
  const after = sep.exchanges.filter((e) => e.uri.startsWith('/fsa/1/derp')).length;
  t.equal(after - before, 3, 'polled every 30 s');
  sep.setPostRate('/edev/1', 60);
  t.equal(client.postRate, 900);
  await client.refreshEndDevice();
  t.equal(client.postRate, 60);
});

t.test('ALL-14: subscription over TLS; a Notification brings a new control at once', async (t) => {
  let notified: (n: Record<string, unknown>) => void = () => {};
  let senders: (string | undefined)[] = [];
  const listener = await startNotificationListener({
    tls: creds(pki.device),
    serverPolicy: { allowedLfdis: [SERVER_LFDI] },
    onNotification: (n, sender) => {
      senders.push(sender);
      notified(n);
    },
  });
  t.teardown(listener.close);
  const subHref = await client.subscribe('/derp/1/derc', listener.notificationURI);
  t.equal(subHref, '/edev/1/sub/1');
  await client.pollPrograms();
  const arrived = new Promise<Record<string, unknown>>((resolve) => {
    notified = resolve;
  });
  const start = vt + 30;
  sep.addDERControl('/derp/1', {
    mRID: 'c1d0',
    interval: { start, duration: 60 },
    DERControlBase: { opModEnergize: false },
  });
  await run.flushNotifications();
  const n = await arrived;
  t.equal(n['subscribedResource'], '/derp/1/derc');
  t.equal((n['Resource'] as { type: string }).type, 'DERControlList');
  t.same(senders, [SERVER_LFDI], 'the server authenticated with its certificate');
  t.ok(await client.handleNotification(n));
  const tick = await client.tick();
  t.same(
    tick.posted.map((p) => [p.response.subject, p.response.status]),
    [['c1d0', 1]],
    'received before the next poll',
  );
  t.ok(sep.exchanges.some((e) => e.direction === 'notification' && e.status === 204));
  t.notOk(await client.handleNotification({ subscribedResource: '/unrelated' }));
  await client.unsubscribe(subHref);
  t.same(sep.activeSubscriptions(), []);
  senders = [];
});

t.test('TLS refusals: a foreign CA and a non-CCM-8 cipher list', async (t) => {
  const foreign = transport(other.device, other);
  t.teardown(() => foreign.close());
  const before = sep.exchanges.length;
  await t.rejects(foreign.request('GET', '/dcap'), { code: 503 }, 'certificate from another CA');
  const gcm = new Promise<number>((resolve, reject) => {
    const req = https.request(`${run.url}/dcap`, {
      ...sepTlsClientOptions(creds(pki.device)),
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
      agent: false,
    });
    req.on('response', (res) => resolve(res.statusCode ?? 0));
    req.on('error', reject);
    req.end();
  });
  await t.rejects(gcm, 'non-CCM-8 client refused');
  t.equal(sep.exchanges.length, before, 'no request reached the server');
  t.throws(() => createSepHttpTransport({ baseUrl: run.url }), { code: 600 });
  await t.rejects(tr.request('GET', 'https://elsewhere.example/dcap'), { code: 600 });
});

t.test('our client negotiates TLS 1.2 ECDHE-ECDSA-AES128-CCM8', async (t) => {
  const seen = await new Promise<[string, string]>((resolve, reject) => {
    const req = https.request(`${run.url}/dcap`, { ...sepTlsClientOptions(creds(pki.device)), agent: false });
    req.on('response', (res) => {
      const s = res.socket as TLSSocket;
      resolve([String(s.getProtocol()), s.getCipher().name]);
      res.resume();
    });
    req.on('error', reject);
    req.end();
  });
  t.same(seen, ['TLSv1.2', 'ECDHE-ECDSA-AES128-CCM8']);
});

t.test(
  'openssl s_client -tls1_2 -cipher ECDHE-ECDSA-AES128-CCM8 with a device certificate interoperates',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sep-openssl-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string): string => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const args = [
      's_client',
      '-connect',
      `127.0.0.1:${run.port}`,
      '-tls1_2',
      '-cipher',
      'ECDHE-ECDSA-AES128-CCM8',
      '-cert',
      file('device.pem', pki.device.certificatePem),
      '-key',
      file('device.key', pki.device.privateKeyPem),
      '-cert_chain',
      file('chain.pem', pki.chainPem),
      '-CAfile',
      file('serca.pem', pki.serca.certificatePem),
      '-verify_return_error',
      '-ign_eof',
    ];
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString('latin1');
      });
      child.on('error', reject);
      child.on('close', () => resolve(text));
      setTimeout(() => child.kill(), 8000).unref();
      child.stdin.end(
        'GET /dcap HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/sep+xml\r\nConnection: close\r\n\r\n',
      );
    });
    t.match(out, /Cipher is ECDHE-ECDSA-AES128-CCM8/);
    t.match(out, /Protocol\s*: TLSv1\.2/);
    t.match(out, /HTTP\/1\.1 200/);
    t.match(out, /<DeviceCapability xmlns="urn:ieee:std:2030\.5:ns"/);
    t.equal(sep.exchanges.at(-1)?.lfdi, LFDI, 'identified by the device certificate');
  },
);

t.test(
  'identity policies: a server accepting only another LFDI answers 403; a listener refusing the server',
  async (t) => {
    const picky = new SepTestServer({ endDevices: [{ lfdi: LFDI }] }, { clock: () => vt });
    const pickyRun = await startSepServer(picky, { tls: serverCreds, peerPolicy: { allowedLfdis: [LFDI2] } });
    t.teardown(pickyRun.close);
    const tr2 = createSepHttpTransport({ baseUrl: pickyRun.url, tls: creds(pki.device) });
    t.teardown(() => tr2.close());
    t.equal((await tr2.request('GET', '/dcap')).status, 403);
    t.equal(picky.exchanges.length, 0, 'refused before reaching the handler');
    // A listener that accepts notifications only from another server.
    const listener = await startNotificationListener({
      tls: creds(pki.device),
      serverPolicy: { allowedLfdis: ['00'.repeat(20)] },
      onNotification: () => t.fail('must not be called'),
    });
    t.teardown(listener.close);
    const sub = await client.subscribe('/derp/2/derc', listener.notificationURI);
    sep.addDERControl('/derp/2', {
      mRID: 'c2f0',
      interval: { start: vt + 5000, duration: 60 },
      DERControlBase: { opModConnect: true },
    });
    await run.flushNotifications();
    const note = sep.exchanges.filter((e) => e.direction === 'notification').at(-1);
    t.equal(note?.status, 403);
    t.equal(note?.uri, listener.notificationURI);
    await client.unsubscribe(sub);
  },
);
