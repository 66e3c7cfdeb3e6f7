/**
 * CSIP-AUS client procedures end to end: our client ↔ our test server over mutual TLS 1.2 with
 * ECDHE-ECDSA-AES128-CCM8 on loopback, with a generated test PKI and a virtual clock, one server per
 * procedure. Covers ALL-04 (registration and PIN validation, direct and aggregator clients), the
 * subscription procedures ALL-15/16/17 (energise, connect and default ramp rate driven by
 * Notifications), the site-limit procedures GEN-01..08 and LOA-01..08 (active and default export,
 * generation, import and load limits, polled and subscribed), LOA-09 (cancelled import control) and
 * LOA-10 (primacy for loads), following the steps of bsgip/cactus-test-definitions
 * (`cactus_test_definitions/client/procedures/*.yaml`).
 *
 * The DER itself is simulated: after each tick the client reports what the controls make it do
 * through `SepClient.reportDERState` (DERStatus, DERSettings), and the limits in effect are read
 * with `siteLimits`. In the active-limit procedures a `SimulatedDer` ramps its power at setGradW under
 * the controls the client hands it, and the client posts the averaged site and DER active power to
 * two MirrorUsagePoints every postRate (`startPowerTelemetry`), so that the procedures' power criteria
 * (GEN-01/LOA-01 "readings-site-active-power", "readings-der-active-power") can be checked.
 */
import t, { type Test } from 'tap';
import { type ClientTick, SepClient, type SepClientOptions } from '../src/client/client.js';
import { SimulatedDer, type SimulatedDerOptions } from '../src/client/der-sim.js';
import { type SiteLimitMode, siteLimits } from '../src/client/der-state.js';
import { type RunningNotificationListener, startNotificationListener } from '../src/client/listener.js';
import { createSepHttpTransport, type SepClientTransport } from '../src/client/transport.js';
import { lfdiFromCertificate } from '../src/ids.js';
import { createDevice, createTestPki, type IssuedCertificate, type TestPki } from '../src/pki/test-pki.js';
import { seededRandom } from '../src/scheduler/random.js';
import type { TestServerConfig } from '../src/server/config.js';
import { type RunningSepServer, startSepServer } from '../src/server/listen.js';
import { SepTestServer } from '../src/server/server.js';
import type { SepTlsCredentials } from '../src/tls.js';

const T0 = 1_760_000_000;
/** DER rating used to express the procedures' "$(maxExportW * 2)" etc. */
const RATED_W = 5000;
const W = (watts: number) => ({ multiplier: 0, value: Math.round(watts) });
/** The default control of most CSIP-AUS procedures (SA TS 5573 Table 12.4.4 start-up values). */
const TS5573_DEFAULT = {
  DERControlBase: { opModImpLimW: W(0), opModExpLimW: W(0) },
  setGradW: 27,
};

const pki: TestPki = await createTestPki();
const aggregatorCert: IssuedCertificate = await createDevice(pki.mica);
const DEVICE_LFDI = lfdiFromCertificate(pki.device.certificatePem);
const AGGREGATOR_LFDI = lfdiFromCertificate(aggregatorCert.certificatePem);
const SERVER_LFDI = lfdiFromCertificate(pki.server.certificatePem);
const serverCreds: SepTlsCredentials = {
  key: pki.server.privateKeyPem,
  certificate: pki.server.certificatePem,
  chain: pki.chainPem,
  serca: pki.serca.certificatePem,
};
function creds(dev: IssuedCertificate): SepTlsCredentials {
  return {
    key: dev.privateKeyPem,
    certificate: dev.certificatePem,
    chain: pki.chainPem,
    serca: pki.serca.certificatePem,
  };
}

interface Lab {
  readonly sep: SepTestServer;
  readonly run: RunningSepServer;
  readonly client: SepClient;
  /** Virtual server time. */
  now(): number;
  /** Moves the virtual clock (never backwards). */
  at(time: number): void;
  /** Ticks the client at every wake-up until `end`, reporting the DER state after each tick. */
  runUntil(end: number): Promise<ClientTick[]>;
  /** Subscribes the client to `resource` through a TLS notification listener. */
  subscribe(resource: string): Promise<string>;
  /** Delivers queued Notifications, lets the client take them in, ticks and reports the DER state. */
  deliver(): Promise<ClientTick | undefined>;
  /** Notifications the client received. */
  readonly notifications: Record<string, unknown>[];
  /** `[subject, status, createdDateTime - T0]` of the Responses the server got for `mRID`. */
  responses(mRID: string): [number, number][];
  /** The values of the DER resources of `type` the client PUT, in order. */
  puts(type: string): Record<string, unknown>[];
  /** Starts a simulated DER now and the client's power telemetry from it. */
  startDer(options: Omit<SimulatedDerOptions, 'start'>): Promise<SimulatedDer>;
  /** The power readings the server received for `role`: `[received - T0, start - T0, duration, watts]`. */
  powerReadings(role: 'site' | 'der'): [number, number, number, number][];
}

/** Starts a test server over mutual CCM-8 TLS for one procedure and a client for it. */
async function lab(
  t: Test,
  config: TestServerConfig,
  clientOptions: Partial<SepClientOptions> = {},
  device: IssuedCertificate = pki.device,
): Promise<Lab> {
  let vt = T0;
  const sep = new SepTestServer(config, { clock: () => vt });
  const run = await startSepServer(sep, { tls: serverCreds });
  t.teardown(run.close);
  const tr: SepClientTransport = createSepHttpTransport({
    baseUrl: run.url,
    tls: creds(device),
    serverPolicy: { allowedLfdis: [SERVER_LFDI] },
  });
  t.teardown(() => tr.close());
  const client = new SepClient({
    transport: tr,
    lfdi: DEVICE_LFDI,
    clock: () => vt,
    scheduler: { randomSource: seededRandom(5) },
    derSettings: { setMaxW: W(RATED_W), setGradW: 27, updatedTime: BigInt(T0) },
    ...clientOptions,
  });
  const notifications: Record<string, unknown>[] = [];
  const inbox: Record<string, unknown>[] = [];
  const mups = { site: '', der: '' };
  let listener: RunningNotificationListener | undefined;
  const tickAndReport = async (): Promise<ClientTick> => {
    const tick = await client.tick();
    await client.reportDERState(tick.schedule);
    return tick;
  };
  const self: Lab = {
    sep,
    run,
    client,
    notifications,
    now: () => vt,
    at: (time) => {
      vt = Math.max(vt, time);
    },
    async runUntil(end) {
      const ticks: ClientTick[] = [];
      for (;;) {
        ticks.push(await tickAndReport());
        const w = client.nextWakeup();
        if (w === undefined || w > end) break;
        vt = Math.max(vt, w);
      }
      vt = Math.max(vt, end);
      ticks.push(await tickAndReport());
      return ticks;
    },
    async subscribe(resource) {
      if (listener === undefined) {
        listener = await startNotificationListener({
          tls: creds(device),
          serverPolicy: { allowedLfdis: [SERVER_LFDI] },
          onNotification: (n) => {
            notifications.push(n);
            inbox.push(n);
          },
        });
        t.teardown(listener.close);
      }
      return client.subscribe(resource, listener.notificationURI);
    },
    async deliver() {
      await run.flushNotifications();
      if (inbox.length === 0) return undefined;
      let reread = false;
      for (const n of inbox.splice(0)) reread = (await client.handleNotification(n)) || reread;
      return reread ? tickAndReport() : undefined;
    },
    responses: (mRID) =>
      sep.responses
        .filter((r) => r.subject === mRID)
        .map((r) => [r.status ?? -1, Number(r.createdDateTime) - T0]),
    puts: (type) =>
      sep.received
        .filter((r) => r.method === 'PUT' && r.document.type === type)
        .map((r) => r.document.resource),
    async startDer(options) {
      const der = new SimulatedDer({ ...options, start: vt });
      const hrefs = await client.startPowerTelemetry(der);
      mups.site = hrefs.site;
      mups.der = hrefs.der;
      return der;
    },
    powerReadings: (role) =>
      sep.received
        .filter((r) => r.href === mups[role] && r.document.type === 'MirrorMeterReading')
        .map((r) => {
          const reading = r.document.resource['Reading'] as {
            value: number;
            timePeriod: { start: bigint; duration: number };
          };
          return [
            r.receivedAt - T0,
            Number(reading.timePeriod.start) - T0,
            reading.timePeriod.duration,
            reading.value,
          ];
        }),
  };
  return self;
}

function program(mRID: string, primacy: number, defaultControl?: Record<string, unknown>) {
  return { mRID, primacy, ...(defaultControl === undefined ? {} : { defaultControl }) };
}

/** The site limit in effect for `mode` as `[watts, source]`, or `null` when unconstrained. */
function limitOf(tick: ClientTick | undefined, mode: SiteLimitMode): [number, string] | null {
  const l = tick === undefined ? undefined : siteLimits(tick.schedule)[mode];
  return l === undefined ? null : [l.watts, l.source];
}

// ---------------------------------------------------------------------------- ALL-04

t.test('ALL-04: registration and PIN validation (out of band, PIN 111115)', async (t) => {
  const config: TestServerConfig = {
    pollRate: 60,
    endDevices: [{ lfdi: DEVICE_LFDI, pin: 111115 }],
    programs: [program('a0', 0, TS5573_DEFAULT)],
  };
  const l = await lab(t, config, { pin: 111115 });
  const reg = await l.client.register();
  t.equal(reg.inBand, false, 'registered out of band');
  t.equal(reg.registration?.['pIN'], 111115);
  const rgAt = l.sep.exchanges.findIndex((e) => e.uri === '/edev/1/rg' && e.status === 200);
  t.ok(rgAt >= 0, 'GET /edev/1/rg');
  // (h) the client goes on talking to the server after the PIN matched.
  await l.runUntil(T0 + 120);
  const after = l.sep.exchanges.slice(rgAt + 1).filter((e) => e.uri.startsWith('/fsa/1/derp'));
  t.equal(after.length, 3, 'DER programs polled at start, +60 s and +120 s');
  t.ok(
    l.sep.exchanges.every((e) => e.lfdi === DEVICE_LFDI),
    'every request authenticated by the device certificate',
  );

  // A different (well-formed) PIN is refused, and the client stops there.
  const wrong = await lab(t, config, { pin: 222220 });
  await t.rejects(wrong.client.register(), { code: 403 }, 'PIN mismatch');
  t.equal(wrong.sep.exchanges.at(-1)?.uri, '/edev/1/rg', 'nothing after reading the Registration');
  await t.rejects(wrong.client.pollPrograms(), { code: 404 }, 'not registered: no program poll');
  // A configured PIN with a wrong check digit is refused before comparing.
  const typo = await lab(t, config, { pin: 111111 });
  await t.rejects(typo.client.register(), { code: 403, message: /configured PIN/ });
  // A Registration whose pIN has a wrong check digit is refused even without a configured PIN.
  const badServer = await lab(t, { ...config, endDevices: [{ lfdi: DEVICE_LFDI, pin: 111111 }] });
  await t.rejects(badServer.client.register(), { code: 403, message: /check digit/ });
});

t.test('ALL-04 (aggregator client): the EndDevice registered for its PEN, PIN checked', async (t) => {
  // The EndDevice LFDI is the spec example with the trailing PEN digits of the aggregator.
  const endDeviceLfdi = '3e4f45ab31edfe5b67e343e5e4562e3100009e1c';
  const l = await lab(
    t,
    {
      pollRate: 60,
      aggregators: [AGGREGATOR_LFDI],
      endDevices: [{ lfdi: endDeviceLfdi, pin: 111115 }],
      programs: [program('a0', 0, TS5573_DEFAULT)],
    },
    { lfdi: endDeviceLfdi, pin: 111115 },
    aggregatorCert,
  );
  const reg = await l.client.register();
  t.equal(reg.endDeviceHref, '/edev/1');
  t.equal(reg.endDevice['lFDI'], endDeviceLfdi);
  t.equal(BigInt(reg.endDevice['sFDI'] as number), l.client.sfdi, 'sFDI derived from the EndDevice LFDI');
  t.equal(l.client.sfdi, 167261211391n, 'the spec example prefix gives SFDI 16726121139 + check digit 1');
  t.ok(
    l.sep.exchanges.every((e) => e.lfdi === AGGREGATOR_LFDI),
    'requests carry the aggregator certificate identity',
  );
  l.sep.addDERControl('/derp/1', {
    mRID: 'a4c1',
    interval: { start: T0 + 10, duration: 60 },
    DERControlBase: { opModExpLimW: W(1000) },
  });
  await l.runUntil(T0 + 100);
  t.same(l.responses('a4c1'), [
    [1, 0],
    [2, 10],
    [3, 70],
  ]);
  t.ok(
    l.sep.responses.every((r) => r.endDeviceLFDI === endDeviceLfdi && r.lfdi === AGGREGATOR_LFDI),
    'Responses name the EndDevice, sent by the aggregator',
  );
});

// ---------------------------------------------------------------------------- ALL-15/16/17

/** Subscription procedures: the DER lists are polled only every 900 s; reactions come from Notifications. */
const SUBSCRIBED_POLL = 900;

t.test('ALL-15: energise / de-energise by Notification (subscription client)', async (t) => {
  const l = await lab(t, {
    pollRate: SUBSCRIBED_POLL,
    endDevices: [{ lfdi: DEVICE_LFDI }],
    programs: [program('a0', 0)],
  });
  await l.client.register();
  await l.subscribe('/derp/1/derc');
  l.at(T0 + 5);
  await l.runUntil(T0 + 5);
  t.equal(l.puts('DERStatus').length, 1, 'the initial DERStatus is reported');
  // (a, b) de-energise now for 300 s; the program's default control is set as well.
  l.at(T0 + 30);
  l.sep.addDERControl('/derp/1', {
    mRID: 'f151',
    interval: { start: T0 + 30, duration: 300 },
    DERControlBase: { opModEnergize: false },
  });
  l.sep.setDefaultDERControl('/derp/1', TS5573_DEFAULT);
  const off = await l.deliver();
  t.equal(off?.schedule.active.opModEnergize?.value, false, 'de-energised on the Notification');
  // (c, d) DERStatus with genConnectStatus bit 2 (operating) cleared.
  const st1 = l.puts('DERStatus').at(-1) as { genConnectStatus: { value: string; dateTime: bigint } };
  t.equal(Number.parseInt(st1.genConnectStatus.value, 16) & 0x04, 0, 'bit 2 cleared');
  t.equal(st1.genConnectStatus.dateTime, BigInt(T0 + 30), 'reported at once, not at the next poll');
  // (e, f) energise again: the newer control supersedes the first.
  l.at(T0 + 90);
  l.sep.addDERControl('/derp/1', {
    mRID: 'f152',
    interval: { start: T0 + 90, duration: 600 },
    DERControlBase: { opModEnergize: true },
  });
  const on = await l.deliver();
  t.equal(on?.schedule.active.opModEnergize?.value, true);
  const st2 = l.puts('DERStatus').at(-1) as { genConnectStatus: { value: string; dateTime: bigint } };
  t.equal(Number.parseInt(st2.genConnectStatus.value, 16) & 0x04, 0x04, 'bit 2 set');
  t.equal(st2.genConnectStatus.dateTime, BigInt(T0 + 90));
  t.same(l.responses('f151'), [
    [1, 30],
    [2, 30],
    [7, 90],
  ]);
  t.same(l.responses('f152'), [
    [1, 90],
    [2, 90],
  ]);
  t.ok(
    l.sep.exchanges.filter((e) => e.direction === 'notification').every((e) => e.status === 204),
    'every Notification transmitted',
  );
  t.ok(l.now() - T0 < SUBSCRIBED_POLL, 'all within the first poll period');
});

t.test('ALL-16: disconnect / reconnect by Notification (subscription client)', async (t) => {
  const l = await lab(t, {
    pollRate: SUBSCRIBED_POLL,
    endDevices: [{ lfdi: DEVICE_LFDI }],
    programs: [program('a0', 0)],
  });
  await l.client.register();
  await l.subscribe('/derp/1/derc');
  await l.runUntil(T0);
  l.at(T0 + 20);
  l.sep.addDERControl('/derp/1', {
    mRID: 'f161',
    interval: { start: T0 + 20, duration: 300 },
    DERControlBase: { opModConnect: false },
  });
  const off = await l.deliver();
  t.equal(off?.schedule.active.opModConnect?.value, false);
  const st1 = l.puts('DERStatus').at(-1) as {
    genConnectStatus: { value: string };
    operationalModeStatus: { value: number };
  };
  t.equal(Number.parseInt(st1.genConnectStatus.value, 16) & 0x01, 0, 'bit 0 (connected) cleared');
  t.equal(st1.operationalModeStatus.value, 1, 'operational mode Off');
  l.at(T0 + 80);
  l.sep.addDERControl('/derp/1', {
    mRID: 'f162',
    interval: { start: T0 + 80, duration: 600 },
    DERControlBase: { opModConnect: true },
  });
  await l.deliver();
  const st2 = l.puts('DERStatus').at(-1) as {
    genConnectStatus: { value: string };
    operationalModeStatus: { value: number };
  };
  t.equal(Number.parseInt(st2.genConnectStatus.value, 16) & 0x01, 0x01, 'bit 0 set again');
  t.equal(st2.operationalModeStatus.value, 2, 'operational mode');
  t.same(l.responses('f161'), [
    [1, 20],
    [2, 20],
    [7, 80],
  ]);
  t.equal(l.puts('DERStatus').length, 3, 'DERStatus PUT only when it changes: initial, off, on');
});

t.test('ALL-17: default ramp rate by Notification → DERSettings.setGradW', async (t) => {
  const l = await lab(t, {
    pollRate: SUBSCRIBED_POLL,
    endDevices: [{ lfdi: DEVICE_LFDI }],
    programs: [program('a0', 0, { DERControlBase: {} })],
  });
  await l.client.register();
  await l.subscribe('/derp/1/dderc');
  await l.runUntil(T0);
  t.equal(l.puts('DERSettings').at(-1)?.['setGradW'], 27, 'the nameplate setting before any default');
  l.at(T0 + 40);
  l.sep.setDefaultDERControl('/derp/1', { DERControlBase: {}, setGradW: 100 });
  const tick = await l.deliver();
  t.equal(tick?.schedule.defaultSettings.setGradW?.value, 100);
  const settings = l.puts('DERSettings').at(-1);
  t.equal(settings?.['setGradW'], 100, 'DERSettings PUT with setGradW 100 (1 %/s)');
  t.equal(settings?.['updatedTime'], BigInt(T0 + 40));
  t.same(settings?.['setMaxW'], W(RATED_W), 'nameplate values kept');
  t.equal(l.notifications[0]?.['subscribedResource'], '/derp/1/dderc');
  t.equal(l.puts('DERSettings').length, 2, 'unchanged settings are not PUT again');
  await l.runUntil(T0 + 60);
  t.equal(l.puts('DERSettings').length, 2);
});

// ---------------------------------------------------------------------------- GEN / LOA site limits

interface LimitProcedure {
  readonly id: string;
  readonly title: string;
  readonly mode: SiteLimitMode;
  readonly kind: 'active' | 'default';
  readonly subscribed: boolean;
}

const LIMIT_PROCEDURES: readonly LimitProcedure[] = [
  { id: 'GEN-01', title: 'active export limit', mode: 'opModExpLimW', kind: 'active', subscribed: false },
  { id: 'GEN-02', title: 'active generation limit', mode: 'opModGenLimW', kind: 'active', subscribed: false },
  { id: 'GEN-03', title: 'default export limit', mode: 'opModExpLimW', kind: 'default', subscribed: false },
  {
    id: 'GEN-04',
    title: 'default generation limit',
    mode: 'opModGenLimW',
    kind: 'default',
    subscribed: false,
  },
  { id: 'GEN-05', title: 'active export limit', mode: 'opModExpLimW', kind: 'active', subscribed: true },
  { id: 'GEN-06', title: 'active generation limit', mode: 'opModGenLimW', kind: 'active', subscribed: true },
  { id: 'GEN-07', title: 'default export limit', mode: 'opModExpLimW', kind: 'default', subscribed: true },
  {
    id: 'GEN-08',
    title: 'default generation limit',
    mode: 'opModGenLimW',
    kind: 'default',
    subscribed: true,
  },
  { id: 'LOA-01', title: 'active import limit', mode: 'opModImpLimW', kind: 'active', subscribed: false },
  { id: 'LOA-02', title: 'active load limit', mode: 'opModLoadLimW', kind: 'active', subscribed: false },
  { id: 'LOA-03', title: 'default import limit', mode: 'opModImpLimW', kind: 'default', subscribed: false },
  { id: 'LOA-04', title: 'default load limit', mode: 'opModLoadLimW', kind: 'default', subscribed: false },
  { id: 'LOA-05', title: 'active import limit', mode: 'opModImpLimW', kind: 'active', subscribed: true },
  { id: 'LOA-06', title: 'active load limit', mode: 'opModLoadLimW', kind: 'active', subscribed: true },
  { id: 'LOA-07', title: 'default import limit', mode: 'opModImpLimW', kind: 'default', subscribed: true },
  { id: 'LOA-08', title: 'default load limit', mode: 'opModLoadLimW', kind: 'default', subscribed: true },
];

/** Seconds between telemetry posts (the procedures' `mup_post_seconds`). */
const POST_RATE = 60;
/** setGradW of the active-limit procedures (6 %/s, so that a full ramp takes under 30 s). */
const FAST_GRAD = 600;

/**
 * The DefaultDERControl of the active-limit procedures (cactus GEN-01/02, LOA-01/02): import and export
 * limited to 0 W as in TS 5573, except the site limit that would hide the limit under test (raised to the
 * rating), and setGradW 600.
 */
function activeDefault(mode: SiteLimitMode): {
  DERControlBase: Partial<Record<SiteLimitMode, { multiplier: number; value: number }>>;
  setGradW: number;
} {
  const base: Partial<Record<SiteLimitMode, { multiplier: number; value: number }>> = {
    opModImpLimW: W(0),
    opModExpLimW: W(0),
  };
  if (mode === 'opModGenLimW') base.opModExpLimW = W(RATED_W);
  if (mode === 'opModLoadLimW') base.opModImpLimW = W(RATED_W);
  return { DERControlBase: base, setGradW: FAST_GRAD };
}

/**
 * The power criteria of the active-limit procedures (cactus GEN-01 / LOA-01 `readings-site-active-power`,
 * `readings-der-active-power`): readings posted every postRate, each covering the interval since the
 * previous post; site and DER power within 105 % of the rating on their side and never more than 5 % on
 * the other; before the 0 W control taken in at `zeroAt` the DER runs at full power, during the interval
 * holding `zeroAt` it ramps down at setGradW (the average is checked to the watt), and afterwards until
 * the control ends (`zeroEnd`) it stays at 0 W. `sign` is 1 for a generator, -1 for a load.
 */
function checkPowerReadings(t: Test, l: Lab, sign: number, zeroAt: number, zeroEnd: number): void {
  const site = l.powerReadings('site');
  const der = l.powerReadings('der');
  const elapsed = l.now() - T0;
  const times = Array.from({ length: Math.floor(elapsed / POST_RATE) }, (_, i) => (i + 1) * POST_RATE);
  t.same(
    site.map(([at]) => at),
    times,
    'site readings posted every postRate',
  );
  t.same(
    der.map(([at]) => at),
    times,
    'DER readings posted every postRate',
  );
  t.ok(
    [...site, ...der].every(([at, start, duration]) => start === at - POST_RATE && duration === POST_RATE),
    'each reading covers the interval since the previous post',
  );
  const inBand = (w: number) => w >= -0.05 * RATED_W && w <= 1.05 * RATED_W;
  t.ok(
    der.every(([, , , w]) => inBand(sign * w)),
    'DER power within its side of the rating',
  );
  t.ok(
    site.every(([, , , w]) => inBand(-sign * w)),
    'site power within its side of the rating',
  );
  const zero = zeroAt - T0;
  const rampSeconds = 10_000 / FAST_GRAD; // 100 % of the rating at setGradW hundredths of a percent per second
  for (const [i, [, start, , w]] of der.entries()) {
    const end = start + POST_RATE;
    let want: number;
    if (end <= zero) want = sign * RATED_W;
    else if (start >= zero + rampSeconds && end <= zeroEnd - T0) want = 0;
    else if (start <= zero && zero + rampSeconds <= end)
      want = (sign * RATED_W * (zero - start + rampSeconds / 2)) / POST_RATE;
    else continue;
    t.ok(Math.abs(w - want) <= 1, `DER reading ${start}..${end}: ${w} W (expected ${want.toFixed(1)})`);
    t.ok(
      Math.abs((site[i]?.[3] ?? Number.NaN) + w) <= 1,
      'the site is the inverse of the DER (no other load)',
    );
  }
}

/**
 * The DefaultDERControl of the default-limit procedures (cactus GEN-03/04/07/08, LOA-03/04/07/08): the TS 5573
 * start-up values, except that the generation and load procedures raise the export (import) limit to the
 * rating, since a 0 W export (import) limit would keep the DER at 0 W whatever its generation (load) limit.
 */
function defaultLimitDefault(mode: SiteLimitMode): {
  DERControlBase: Partial<Record<SiteLimitMode, { multiplier: number; value: number }>>;
  setGradW: number;
} {
  const base: Partial<Record<SiteLimitMode, { multiplier: number; value: number }>> = {
    ...TS5573_DEFAULT.DERControlBase,
  };
  if (mode === 'opModGenLimW') base.opModExpLimW = W(RATED_W);
  if (mode === 'opModLoadLimW') base.opModImpLimW = W(RATED_W);
  return { DERControlBase: base, setGradW: TS5573_DEFAULT.setGradW };
}

/**
 * The power criteria of the default-limit procedures (cactus `readings-site-active-power`,
 * `readings-der-active-power`): readings cover the run without gaps, each at least postRate long; site and
 * DER power stay on their side of the rating; each reading until the next 200 % control (`raisedAt`) is
 * the average of the DER power the procedure asks for: full power while the 200 % control governs (until
 * `cancelledAt`), a ramp at setGradW 27 to the 30 % default limit reached at `rampedAt`, then 30 %.
 * `sign` is 1 for a generator, -1 for a load.
 */
function checkDefaultPowerReadings(
  t: Test,
  l: Lab,
  sign: number,
  cancelledAt: number,
  rampedAt: number,
  raisedAt: number,
): void {
  const site = l.powerReadings('site');
  const der = l.powerReadings('der');
  t.ok(der.length >= 5 && site.length === der.length, `${der.length} site and DER readings`);
  t.ok(
    der.every(
      ([, start, duration], i) =>
        start === (i === 0 ? 0 : der[i - 1]![1] + der[i - 1]![2]) && duration >= POST_RATE,
    ),
    'DER readings cover the run without gaps, each at least postRate long',
  );
  t.same(
    site.map(([at, start, duration]) => [at, start, duration]),
    der.map(([at, start, duration]) => [at, start, duration]),
    'site readings over the same intervals',
  );
  const inBand = (w: number) => w >= -0.05 * RATED_W && w <= 1.05 * RATED_W;
  t.ok(
    der.every(([, , , w]) => inBand(sign * w)),
    'DER power within its side of the rating',
  );
  t.ok(
    site.every(([, , , w]) => inBand(-sign * w)),
    'site power within its side of the rating',
  );
  // The DER power the procedure asks for: full power, then down at setGradW 27 (0.27 %/s of 5 kW, 13.5 W/s)
  // from the cancellation until it reaches 30 % (by `rampedAt`), then flat. The 1 s trapezoids below
  // integrate it exactly but for the second where the ramp ends (well under 1 W on average).
  const power = (time: number) =>
    time <= cancelledAt ? RATED_W : Math.max(RATED_W * 0.3, RATED_W - 13.5 * (time - cancelledAt));
  const average = (from: number, to: number) => {
    let sum = 0;
    for (let x = from; x < to; x++) sum += (power(x) + power(x + 1)) / 2;
    return sum / (to - from);
  };
  let checked = 0;
  for (const [i, [, start, duration, w]] of der.entries()) {
    const from = T0 + start;
    if (from + duration > raisedAt) break;
    const want = sign * average(from, from + duration);
    t.ok(
      Math.abs(w - want) <= 1,
      `DER reading ${start}..${start + duration}: ${w} W (expected ${want.toFixed(1)})`,
    );
    t.ok(
      Math.abs((site[i]?.[3] ?? Number.NaN) + w) <= 1,
      'the site is the inverse of the DER (no other load)',
    );
    checked++;
  }
  t.ok(checked >= 5, `${checked} readings checked against the ramp from full power to 30 %`);
  const last = der.filter(
    ([, start, duration]) => T0 + start >= rampedAt && T0 + start + duration <= raisedAt,
  );
  t.ok(
    last.length > 0 && last.every(([, , , w]) => Math.abs(w - sign * RATED_W * 0.3) <= 1),
    'held at 30 % after the ramp',
  );
}

/**
 * Brings a change to the client: by Notification for a subscription client (at once), else by the
 * next program poll (within pollRate). Returns the tick that took it in and how long it took.
 */
async function propagate(
  l: Lab,
  p: LimitProcedure,
  pollRate: number,
): Promise<[ClientTick | undefined, number]> {
  const from = l.now();
  if (p.subscribed) return [await l.deliver(), 0];
  const ticks = await l.runUntil(from + pollRate);
  const polled = l.sep.exchanges.find((e) => e.time >= from && e.uri.startsWith('/derp/1/derc?'));
  return [ticks.at(-1), (polled?.time ?? Number.POSITIVE_INFINITY) - from];
}

for (const p of LIMIT_PROCEDURES) {
  const how = p.subscribed ? 'subscription client' : 'polling client';
  t.test(`${p.id}: ${p.title} (${p.mode}, ${p.kind} control, ${how})`, async (t) => {
    const pollRate = p.subscribed ? SUBSCRIBED_POLL : 60;
    const defaults = p.kind === 'active' ? activeDefault(p.mode) : defaultLimitDefault(p.mode);
    const l = await lab(t, {
      pollRate,
      postRate: POST_RATE,
      endDevices: [{ lfdi: DEVICE_LFDI }],
      programs: [program('a0', 0, defaults)],
    });
    await l.client.register();
    // Every procedure runs a simulated DER at full power: a generator for the export and generation
    // limits, a load for the import and load limits.
    const sign = p.mode === 'opModExpLimW' || p.mode === 'opModGenLimW' ? 1 : -1;
    const der = await l.startDer({ ratedW: RATED_W, ratedLoadW: RATED_W, desiredW: sign * RATED_W });
    if (p.subscribed) {
      await l.subscribe('/derp/1/derc');
      await l.subscribe('/derp/1/dderc');
    }
    // Precondition: a control at 200 % of the rating lifts the limit for the DER to run at full power.
    l.sep.addDERControl('/derp/1', {
      mRID: 'c200',
      interval: { start: T0, duration: p.kind === 'active' ? 300 : 900 },
      DERControlBase: { [p.mode]: W(RATED_W * 2) },
    });
    const first = await l.runUntil(T0);
    t.same(limitOf(first.at(-1), p.mode), [RATED_W * 2, 'event'], 'the 200 % control is in effect');
    const untouched = p.mode === 'opModExpLimW' ? 'opModImpLimW' : 'opModExpLimW';
    t.same(
      limitOf(first.at(-1), untouched),
      [defaults.DERControlBase[untouched]?.value, 'default'],
      'other modes keep the default control',
    );
    const waitLimit = p.subscribed ? 0 : pollRate;

    if (p.kind === 'active') {
      // (a, b, c) a 0 W control now, superseding the 200 % one.
      await l.runUntil(T0 + 90);
      l.sep.addDERControl('/derp/1', {
        mRID: 'c000',
        interval: { start: T0 + 90, duration: 300 },
        DERControlBase: { [p.mode]: W(0) },
      });
      const [zero, took] = await propagate(l, p, pollRate);
      t.same(limitOf(zero, p.mode), [0, 'event'], 'the 0 W limit is in effect');
      t.ok(took <= waitLimit, `taken in after ${took} s (≤ ${waitLimit} s)`);
      const startedAt = l.responses('c000').find(([s]) => s === 2)?.[1] as number;
      t.same(l.responses('c200'), [
        [1, 0],
        [2, 0],
        [7, startedAt],
      ]);
      // The 0 W control completes; the default (0 W for import/export, none for gen/load) returns.
      const end = await l.runUntil(T0 + startedAt + 300 + pollRate);
      t.same(
        l.responses('c000').map(([s]) => s),
        [1, 2, 3],
      );
      const fallback = p.mode === 'opModImpLimW' || p.mode === 'opModExpLimW' ? [0, 'default'] : null;
      t.same(limitOf(end.at(-1), p.mode), fallback, 'back to the default control');
      checkPowerReadings(t, l, sign, T0 + startedAt, T0 + 90 + 300);
      // After the 0 W control, the default's 0 W import/export limit keeps the DER at 0; a generation or
      // load limit has no default, so the DER ramps back to full power.
      t.equal(der.derW, fallback === null ? sign * RATED_W : 0, 'DER power after the 0 W control');
      return;
    }

    // (a, b) the DefaultDERControl sets the mode to 30 % while the 200 % control runs: the event wins.
    l.at(T0 + 30);
    l.sep.setDefaultDERControl('/derp/1', {
      DERControlBase: { ...defaults.DERControlBase, [p.mode]: W(RATED_W * 0.3) },
      setGradW: 27,
    });
    const [withDefault] = await propagate(l, p, pollRate);
    t.same(
      limitOf(withDefault, p.mode),
      [RATED_W * 2, 'event'],
      'an active control takes precedence over the default',
    );
    // (c, d) the active control is cancelled: the 30 % default applies.
    l.at(l.now() + 10);
    l.sep.cancelDERControl('/derp/1/derc/1');
    const cancelledFrom = l.now();
    const [cancelled, took] = await propagate(l, p, pollRate);
    t.same(limitOf(cancelled, p.mode), [RATED_W * 0.3, 'default'], 'the default limit after cancellation');
    t.ok(took <= waitLimit, `cancellation taken in after ${took} s`);
    // (d) "DER should ramp down to 30 % at the rate of setGradW (0.27 %/s)": 13.5 W/s for 5 kW, so
    // 100 s after the cancellation it has come down 1350 W, and after 260 s it is at 30 %.
    const tc = cancelledFrom + took;
    await l.runUntil(tc + 100);
    t.ok(Math.abs(der.derW - sign * (RATED_W - 1350)) < 1e-6, `ramping at setGradW 27: ${der.derW} W`);
    await l.runUntil(tc + 260);
    t.equal(der.derW, sign * RATED_W * 0.3, 'at the 30 % default limit');
    t.same(
      l.responses('c200').map(([s]) => s),
      [1, 2, 6],
    );
    // (e, f, g) a new 200 % control for 600 s, then the default again when it completes.
    // The DER keeps running (and posting its telemetry) at the 30 % limit for two minutes.
    await l.runUntil(l.now() + 120);
    const raisedAt = l.now();
    l.sep.addDERControl('/derp/1', {
      mRID: 'c201',
      interval: { start: l.now(), duration: 600 },
      DERControlBase: { [p.mode]: W(RATED_W * 2) },
    });
    const [again] = await propagate(l, p, pollRate);
    t.same(limitOf(again, p.mode), [RATED_W * 2, 'event']);
    checkDefaultPowerReadings(t, l, sign, tc, tc + 260, raisedAt);
    const ended = await l.runUntil(l.now() + 600 + 1);
    t.same(
      limitOf(ended.at(-1), p.mode),
      [RATED_W * 0.3, 'default'],
      'the default after the control completes',
    );
    t.same(
      l.responses('c201').map(([s]) => s),
      [1, 2, 3],
    );
    // (h, i) the default control is removed and a 0 W control created: the event governs, and once it
    // ends the mode is unconstrained (no default left).
    l.at(l.now() + 30);
    l.sep.addDERControl('/derp/1', {
      mRID: 'c002',
      interval: { start: l.now(), duration: 600 },
      DERControlBase: { [p.mode]: W(0) },
    });
    l.sep.clearDefaultDERControl('/derp/1');
    const [last] = await propagate(l, p, pollRate);
    t.same(limitOf(last, p.mode), [0, 'event']);
    t.same(limitOf(last, untouched), null, 'the removed default no longer limits other modes');
    if (p.subscribed) {
      t.ok(
        l.notifications.some((n) => n['subscribedResource'] === '/derp/1/dderc' && n['status'] === 4),
        'the removal is notified (status 4, resource deleted)',
      );
    }
    const done = await l.runUntil(l.now() + 600 + pollRate);
    t.same(limitOf(done.at(-1), p.mode), null, 'unconstrained after the control');
  });
}

t.test('DERControl rampTms: the DER reaches the new export limit in rampTms, not at setGradW', async (t) => {
  const l = await lab(t, {
    pollRate: 60,
    postRate: POST_RATE,
    endDevices: [{ lfdi: DEVICE_LFDI }],
    programs: [program('a0', 0, defaultLimitDefault('opModGenLimW'))],
  });
  // An export limit of 1000 W from T0 + 60 for 300 s, to be reached in 40 s (rampTms 4000), where
  // setGradW 27 (13.5 W/s) would take 296 s.
  l.sep.addDERControl('/derp/1', {
    mRID: 'c0a1',
    interval: { start: T0 + 60, duration: 300 },
    DERControlBase: { opModExpLimW: W(1000), rampTms: 4000 },
  });
  await l.client.register();
  const der = await l.startDer({ ratedW: RATED_W, desiredW: RATED_W });
  await l.runUntil(T0 + 60);
  t.same(limitOf((await l.runUntil(T0 + 80)).at(-1), 'opModExpLimW'), [1000, 'event']);
  t.equal(der.derW, 3000, 'half way after 20 s: 100 W/s');
  await l.runUntil(T0 + 100);
  t.equal(der.derW, 1000, 'at the limit after rampTms (setGradW would still be at 4460 W)');
  await l.runUntil(T0 + 360);
  t.same(
    l.responses('c0a1').map(([st]) => st),
    [1, 2, 3],
  );
  // Back on the default: up again at setGradW 27, 13.5 W/s.
  await l.runUntil(T0 + 460);
  t.equal(der.derW, 1000 + 1350, 'setGradW after the event');
  // The telemetry shows it: [60, 120) holds 40 s of ramp (average 3000 W) and 20 s at 1000 W.
  const reading = l.powerReadings('der').find(([, start]) => start === 60);
  t.ok(
    reading !== undefined && Math.abs(reading[3] - (3000 * 40 + 1000 * 20) / 60) <= 1,
    `DER reading ${reading?.[3]} W`,
  );
  t.same(l.powerReadings('der').find(([, start]) => start === 120)?.[3], 1000, 'then flat at the limit');
});

t.test(
  'GEN-01 / LOA-02 criterion "all polls at the correct time": each resource at its pollRate',
  async (t) => {
    const l = await lab(t, {
      pollRate: 60,
      endDevices: [{ lfdi: DEVICE_LFDI }],
      programs: [program('a0', 0, TS5573_DEFAULT)],
    });
    await l.client.register();
    await l.client.postMirrorUsagePoint({ mRID: 'aa01', roleFlags: '03', serviceCategoryKind: 0, status: 1 });
    await l.runUntil(T0 + 300);
    const getsOf = (path: string) => [
      ...new Set(
        l.sep.exchanges
          .filter((e) => e.method === 'GET' && (e.uri === path || e.uri.startsWith(`${path}?`)))
          .map((e) => e.time - T0),
      ),
    ];
    const every60 = [0, 60, 120, 180, 240, 300];
    for (const path of [
      '/dcap',
      '/edev',
      '/edev/1/der',
      '/edev/1/fsa',
      '/fsa/1/derp',
      '/derp/1/dderc',
      '/derp/1/derc',
    ])
      t.same(getsOf(path), every60, `GET ${path} every 60 s`);
    t.same(
      getsOf('/mup'),
      every60.slice(1),
      'the MirrorUsagePointList too, once the client mirrors readings',
    );
    // A new pollRate on the DeviceCapability is followed from the next read on.
    l.sep.setPollRate('/dcap', 120);
    await l.runUntil(T0 + 600);
    t.same(
      getsOf('/dcap').filter((s) => s > 300),
      [360, 480, 600],
    );
  },
);

t.test('LOA-09: a cancelled import control ends at once; the default import limit returns', async (t) => {
  const l = await lab(t, {
    pollRate: 60,
    endDevices: [{ lfdi: DEVICE_LFDI }],
    programs: [program('a0', 0, { DERControlBase: { opModImpLimW: W(RATED_W * 0.3) } })],
  });
  await l.client.register();
  l.sep.addDERControl('/derp/1', {
    mRID: 'd901',
    interval: { start: T0, duration: 300 },
    DERControlBase: { opModExpLimW: W(RATED_W * 2), opModImpLimW: W(RATED_W * 2) },
  });
  const on = await l.runUntil(T0 + 120);
  t.same(limitOf(on.at(-1), 'opModImpLimW'), [RATED_W * 2, 'event']);
  l.sep.cancelDERControl('/derp/1/derc/1');
  const off = await l.runUntil(T0 + 180);
  t.same(limitOf(off.at(-1), 'opModImpLimW'), [RATED_W * 0.3, 'default']);
  t.same(limitOf(off.at(-1), 'opModExpLimW'), null, 'the export limit the control set is gone too');
  t.same(l.responses('d901'), [
    [1, 0],
    [2, 0],
    [6, 180],
  ]);
});

t.test('LOA-10: primacy for loads across two FSAs (5 programs at primacy 1, 10 at primacy 2)', async (t) => {
  const programs = [
    ...Array.from({ length: 5 }, (_, i) => program(`1${i}`, 1)),
    ...Array.from({ length: 10 }, (_, i) => program(`2${i}`, 2)),
  ];
  const l = await lab(t, {
    pollRate: 60,
    endDevices: [{ lfdi: DEVICE_LFDI }],
    programs,
    fsa: [
      { mRID: 'f1', programs: Array.from({ length: 5 }, (_, i) => `/derp/${i + 1}`) },
      { mRID: 'f2', programs: Array.from({ length: 10 }, (_, i) => `/derp/${i + 6}`) },
    ],
  });
  l.sep.setDefaultDERControl('/derp/1', { DERControlBase: { opModExpLimW: W(0) }, setGradW: 167 });
  l.sep.setDefaultDERControl('/derp/6', { DERControlBase: { opModExpLimW: W(0) }, setGradW: 167 });
  await l.client.register();
  await l.runUntil(T0);
  // (a, b) DERP 1's default sets the import limit to 30 %.
  l.sep.setDefaultDERControl('/derp/1', {
    DERControlBase: { opModExpLimW: W(0), opModImpLimW: W(RATED_W * 0.3) },
    setGradW: 167,
  });
  let tick = (await l.runUntil(T0 + 60)).at(-1);
  t.same(limitOf(tick, 'opModImpLimW'), [RATED_W * 0.3, 'default']);
  t.equal(tick?.schedule.active.opModImpLimW?.programMRID, '10');
  const add = (href: string, mRID: string, duration: number, base: Record<string, unknown>) =>
    l.sep.addDERControl(href, { mRID, interval: { start: l.now(), duration }, DERControlBase: base });
  // (c, d) DERC1 on DERP 6 (primacy 2) at 200 %: an event beats any default.
  l.at(T0 + 200);
  add('/derp/6', 'dc01', 600, { opModImpLimW: W(RATED_W * 2) });
  tick = (await l.runUntil(T0 + 240)).at(-1);
  t.same(limitOf(tick, 'opModImpLimW'), [RATED_W * 2, 'event']);
  // (e, f, g) DERC2 on DERP 1 (primacy 1) at 0 W for 840 s: it supersedes DERC1.
  l.at(T0 + 300);
  add('/derp/1', 'dc02', 840, { opModImpLimW: W(0) });
  tick = (await l.runUntil(T0 + 360)).at(-1);
  t.same(limitOf(tick, 'opModImpLimW'), [0, 'event']);
  t.same(
    l.responses('dc01').map(([s]) => s),
    [1, 2, 7],
    'DERC1 superseded by the higher-priority DERC2',
  );
  // (h) DERC2 completes; (i, j, k) DERC3 on DERP 6 at 200 % runs 300 s and completes; (l) default again.
  await l.runUntil(T0 + 1200);
  t.same(
    l.responses('dc02').map(([s]) => s),
    [1, 2, 3],
  );
  add('/derp/6', 'dc03', 300, { opModImpLimW: W(RATED_W * 2) });
  tick = (await l.runUntil(T0 + 1260)).at(-1);
  t.same(limitOf(tick, 'opModImpLimW'), [RATED_W * 2, 'event']);
  tick = (await l.runUntil(T0 + 1620)).at(-1);
  t.same(
    l.responses('dc03').map(([s]) => s),
    [1, 2, 3],
  );
  t.same(limitOf(tick, 'opModImpLimW'), [RATED_W * 0.3, 'default'], 'DERP 1 default after DERC3');
  // (m..r) DERC4 on DERP 1 (load limit 0 W + disconnect, 300 s) and DERC5 on DERP 6 (import 200 %,
  // 1200 s) set different modes: both run; DERC4 completes, DERC5 goes on.
  add('/derp/1', 'dc04', 300, { opModLoadLimW: W(0), opModConnect: false });
  add('/derp/6', 'dc05', 1200, { opModImpLimW: W(RATED_W * 2) });
  tick = (await l.runUntil(T0 + 1680)).at(-1);
  t.same([...(tick?.schedule.activeEvents ?? [])].sort(), ['dc04', 'dc05']);
  t.same(limitOf(tick, 'opModLoadLimW'), [0, 'event']);
  const disconnected = l.puts('DERStatus').at(-1) as { genConnectStatus: { value: string } };
  t.equal(Number.parseInt(disconnected.genConnectStatus.value, 16) & 0x01, 0, 'DERC4 disconnects the DER');
  tick = (await l.runUntil(T0 + 2000)).at(-1);
  t.same(
    l.responses('dc04').map(([s]) => s),
    [1, 2, 3],
  );
  t.same(limitOf(tick, 'opModImpLimW'), [RATED_W * 2, 'event'], 'DERC5 still in effect (q)');
  t.same(limitOf(tick, 'opModLoadLimW'), null);
  // (s, t) DERC6 on DERP 6 at 50 %: same program and mode, created later: DERC5 is superseded.
  add('/derp/6', 'dc06', 300, { opModImpLimW: W(RATED_W * 0.5) });
  tick = (await l.runUntil(T0 + 2060)).at(-1);
  t.same(limitOf(tick, 'opModImpLimW'), [RATED_W * 0.5, 'event']);
  t.same(
    l.responses('dc05').map(([s]) => s),
    [1, 2, 7],
  );
  t.same(
    l.responses('dc06').map(([s]) => s),
    [1, 2],
  );
});

t.test('ALL-18 (user responses): opt-out and partial opt-out reach the server', async (t) => {
  const l = await lab(t, { pollRate: 60, endDevices: [{ lfdi: DEVICE_LFDI }], programs: [program('a0', 0)] });
  await l.client.register();
  l.sep.addDERControl('/derp/1', {
    mRID: 'b801',
    interval: { start: T0 + 100, duration: 100 },
    DERControlBase: { opModExpLimW: W(0) },
  });
  l.sep.addDERControl('/derp/1', {
    mRID: 'b802',
    interval: { start: T0 + 10, duration: 300 },
    DERControlBase: { opModGenLimW: W(0) },
  });
  await l.runUntil(T0 + 20);
  t.ok(l.client.optOut('b801'));
  t.ok(l.client.optOut('b802'));
  t.notOk(l.client.optIn('none'));
  await l.runUntil(T0 + 400);
  t.same(l.responses('b801'), [
    [1, 0],
    [4, 20],
    [10, 200],
  ]);
  t.same(l.responses('b802'), [
    [1, 0],
    [2, 10],
    [8, 20],
  ]);
});

t.test('ALL-18 (rejections): not applicable (252) and expired (254) reach the server', async (t) => {
  const l = await lab(
    t,
    { pollRate: 60, endDevices: [{ lfdi: DEVICE_LFDI }], programs: [program('a0', 0)] },
    { scheduler: { randomSource: seededRandom(5), supportedModes: ['opModExpLimW', 'opModImpLimW'] } },
  );
  await l.client.register();
  l.at(T0 + 1000);
  l.sep.addDERControl('/derp/1', {
    mRID: 'b811',
    interval: { start: T0 + 1100, duration: 100 },
    DERControlBase: { opModFixedW: 50 },
  });
  l.sep.addDERControl('/derp/1', {
    mRID: 'b812',
    interval: { start: T0, duration: 100 },
    DERControlBase: { opModExpLimW: W(0) },
  });
  await l.runUntil(T0 + 1300);
  t.same(l.responses('b811'), [[252, 1000]], 'a mode this DER does not support');
  t.same(l.responses('b812'), [[254, 1000]], 'over before it was received');
});
