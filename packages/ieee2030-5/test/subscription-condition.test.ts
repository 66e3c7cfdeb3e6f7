/**
 * Conditional subscriptions (IEEE 2030.5-2018 §9, sep.xsd `Subscription.Condition`): the test server
 * notifies a subscriber with a Condition only when a Reading value the change brings is outside the
 * thresholds (level-triggered, each reading on its own, as the CSIP-AUS reference server does), and
 * refuses Conditions it cannot honour. The rules (`server/condition.ts`) are tested as
 * tables, then end to end over mutual CCM-8 TLS: our client subscribes with a Condition through a TLS
 * notification listener, the server's readings change on the virtual clock, and both the notify and
 * the no-notify cases are checked against an unconditional subscription to the same list.
 */
import { isMeterkitError } from '@meterkit/core';
import t from 'tap';
import { SepClient } from '../src/client/client.js';
import { startNotificationListener } from '../src/client/listener.js';
import { loopbackTransport } from '../src/client/loopback.js';
import { createSepHttpTransport } from '../src/client/transport.js';
import { lfdiFromCertificate } from '../src/ids.js';
import { createTestPki } from '../src/pki/test-pki.js';
import { handleAdmin } from '../src/server/admin.js';
import {
  conditionMet,
  outsideThresholds,
  parseCondition,
  readingValuesOf,
  type SubscriptionCondition,
} from '../src/server/condition.js';
import { startSepServer } from '../src/server/listen.js';
import { SepTestServer } from '../src/server/server.js';

const BAND: SubscriptionCondition = { attributeIdentifier: 0, lowerThreshold: 50, upperThreshold: 200 };

t.test('Condition: parsing and the level-triggered rule', async (t) => {
  t.same(parseCondition({ attributeIdentifier: 0, lowerThreshold: -5, upperThreshold: 5 }), {
    attributeIdentifier: 0,
    lowerThreshold: -5,
    upperThreshold: 5,
  });
  const bad: [unknown, string][] = [
    [{ attributeIdentifier: 1, lowerThreshold: 0, upperThreshold: 1 }, 'reserved attributeIdentifier'],
    [{ lowerThreshold: 0, upperThreshold: 1 }, 'missing attributeIdentifier'],
    [{ attributeIdentifier: 0, lowerThreshold: 0.5, upperThreshold: 1 }, 'non-integer threshold'],
    [{ attributeIdentifier: 0, lowerThreshold: 0, upperThreshold: 2 ** 47 }, 'beyond Int48'],
    [{ attributeIdentifier: 0, lowerThreshold: 9, upperThreshold: 1 }, 'lower above upper'],
    [null, 'not an object'],
  ];
  for (const [value, why] of bad) {
    try {
      parseCondition(value);
      t.fail(why);
    } catch (e) {
      t.ok(isMeterkitError(e, 207), why);
    }
  }
  t.same(
    [49, 50, 200, 201].map((v) => outsideThresholds(BAND, v)),
    [true, false, false, true],
    'the thresholds themselves are inside the band',
  );
  // [values a change brings, notify?]: any value outside the band, whatever came before.
  const table: [number[], boolean][] = [
    [[150], false],
    [[250], true],
    [[260], true],
    [[10], true],
    [[120, 60], false],
    [[120, 300], true],
    [[], false],
  ];
  for (const [values, want] of table) t.equal(conditionMet(BAND, values), want, `[${values}]`);
});

t.test('Condition: the Reading values of each resource type', async (t) => {
  const r = (value: number) => ({ value, timePeriod: { start: 100n, duration: 60 } });
  const mmr = (...values: number[]) => ({
    mRID: 'aa',
    Reading: r(values[0] as number),
    MirrorReadingSet: [{ Reading: values.slice(1).map(r) }, {}],
  });
  t.same(readingValuesOf({ type: 'Reading', resource: r(7) }), [7]);
  t.same(readingValuesOf({ type: 'Reading', resource: {} }), []);
  t.same(readingValuesOf({ type: 'Reading', resource: { value: 2 ** 48 } }), [], 'not an Int48');
  t.same(readingValuesOf({ type: 'ReadingList', resource: { Reading: [r(1), r(3), r(2)] } }), [1, 3, 2]);
  t.same(readingValuesOf({ type: 'ReadingList', resource: {} }), []);
  t.same(readingValuesOf({ type: 'MirrorReadingSet', resource: { Reading: [r(8)] } }), [8]);
  t.same(readingValuesOf({ type: 'MirrorMeterReading', resource: mmr(9, 1, 6) }), [9, 1, 6]);
  t.same(readingValuesOf({ type: 'MirrorMeterReading', resource: { mRID: 'aa' } }), []);
  t.same(
    readingValuesOf({ type: 'MirrorUsagePoint', resource: { MirrorMeterReading: [mmr(1), mmr(2, 3)] } }),
    [1, 2, 3],
    'every MirrorMeterReading of a MirrorUsagePoint',
  );
  t.same(
    readingValuesOf({ type: 'MirrorMeterReadingList', resource: { MirrorMeterReading: [mmr(4)] } }),
    [4],
  );
  t.same(
    readingValuesOf({
      type: 'MirrorUsagePointList',
      resource: { MirrorUsagePoint: [{ MirrorMeterReading: [mmr(5)] }, {}] },
    }),
    [5],
  );
  t.same(readingValuesOf({ type: 'MirrorUsagePoint', resource: {} }), []);
  t.same(readingValuesOf({ type: 'MirrorUsagePointList', resource: {} }), []);
  t.same(readingValuesOf({ type: 'DERControlList', resource: {} }), []);
});

const T0 = 1_765_000_000;
const pki = await createTestPki();
const LFDI = lfdiFromCertificate(pki.device.certificatePem);
const SERVER_LFDI = lfdiFromCertificate(pki.server.certificatePem);
const deviceCreds = {
  key: pki.device.privateKeyPem,
  certificate: pki.device.certificatePem,
  chain: pki.chainPem,
  serca: pki.serca.certificatePem,
};

t.test('conditional subscriptions over mutual CCM-8 TLS: notify and no-notify', async (t) => {
  let vt = T0;
  const sep = new SepTestServer(
    {
      endDevices: [{ lfdi: LFDI }],
      programs: [{ mRID: 'a1', primacy: 1 }],
      resources: [
        {
          href: '/upt/1/mr/1/r/1',
          type: 'Reading',
          resource: { subscribable: 2, timePeriod: { start: T0, duration: 60 }, value: 100 },
        },
        { href: '/upt/1/mr/2/r/1', type: 'Reading', resource: { subscribable: 1, value: 1 } },
      ],
      lists: [
        { href: '/upt/1/mr/1/r', type: 'ReadingList', items: ['/upt/1/mr/1/r/1'], subscribable: 3 },
        { href: '/upt/1/mr/1/rs', type: 'ReadingSetList', items: [], subscribable: 3 },
      ],
    },
    { clock: () => vt },
  );
  const run = await startSepServer(sep, {
    tls: {
      key: pki.server.privateKeyPem,
      certificate: pki.server.certificatePem,
      chain: pki.chainPem,
      serca: pki.serca.certificatePem,
    },
  });
  t.teardown(run.close);
  const got: Record<string, unknown>[] = [];
  const listener = await startNotificationListener({
    tls: deviceCreds,
    serverPolicy: { allowedLfdis: [SERVER_LFDI] },
    onNotification: (n) => got.push(n),
  });
  t.teardown(listener.close);
  const tr = createSepHttpTransport({
    baseUrl: run.url,
    tls: deviceCreds,
    serverPolicy: { allowedLfdis: [SERVER_LFDI] },
  });
  t.teardown(() => tr.close());
  const client = new SepClient({ transport: tr, lfdi: LFDI, clock: () => vt });
  await client.register();
  const uri = listener.notificationURI;
  const conditional = await client.subscribe('/upt/1/mr/1/r', uri, { limit: 10, condition: BAND });
  const plain = await client.subscribe('/upt/1/mr/1/r', uri, 10);
  const single = await client.subscribe('/upt/1/mr/1/r/1', uri, { limit: 1, condition: BAND });
  const noValues = await client.subscribe('/upt/1/mr/1/rs', uri, { condition: BAND });
  const stored = sep.representation(conditional, LFDI)?.resource as { Condition?: unknown };
  t.same(stored.Condition, BAND, 'the Condition is stored with the Subscription');

  // Readings arrive one a minute: 150 (inside), 250 (above the upper threshold), 260 (still above),
  // 120 (back inside), 10 (below the lower one), 300 (above again).
  const values = [150, 250, 260, 120, 10, 300];
  for (const [i, value] of values.entries()) {
    vt = T0 + 60 * (i + 1);
    sep.addListEntry('/upt/1/mr/1/r', { timePeriod: { start: vt, duration: 60 }, value });
    sep.addListEntry('/upt/1/mr/1/rs', { mRID: `0${i + 1}`, timePeriod: { start: vt, duration: 60 } });
    await run.flushNotifications();
  }
  const about = (sub: string) => got.filter((n) => n['subscriptionURI'] === sub);
  const latest = (n: Record<string, unknown>) => {
    const list = (
      n['Resource'] as { resource: { Reading?: { value: number; timePeriod: { start: bigint } }[] } }
    ).resource;
    const readings = [...(list.Reading ?? [])].sort((a, b) =>
      Number(b.timePeriod.start - a.timePeriod.start),
    );
    return readings[0]?.value;
  };
  t.same(
    about(conditional).map(latest),
    [250, 260, 10, 300],
    'notified for each reading outside the band, and only those',
  );
  t.same(about(plain).map(latest), values, 'the unconditional subscription hears every change');
  t.same(about(noValues), [], 'a resource without reading values never meets the condition');

  // A single Reading changed in place (admin updateResource).
  for (const value of [180, 199, 200, 201, 500, 40]) {
    sep.updateResource('/upt/1/mr/1/r/1', { value });
    await run.flushNotifications();
  }
  t.same(
    about(single).map((n) => (n['Resource'] as { resource: { value: number } }).resource.value),
    [201, 500, 40],
    'a Reading at a threshold is inside; 201, 500 and 40 are outside',
  );
  t.ok(
    sep.exchanges.filter((e) => e.direction === 'notification').every((e) => e.status === 204),
    'every Notification delivered over TLS',
  );

  // Conditions the server cannot honour are refused with 400.
  const refused = async (resource: string, condition: SubscriptionCondition, why: string) => {
    await t.rejects(client.subscribe(resource, uri, { condition }), { code: 401 }, why);
    t.equal(sep.exchanges.at(-1)?.status, 400, why);
  };
  await refused('/derp/1/derc', BAND, 'the resource supports no conditional subscription (subscribable 1)');
  await refused('/upt/1/mr/2/r/1', BAND, 'a Reading with subscribable 1');
  await refused('/upt/1/mr/1/r', { ...BAND, attributeIdentifier: 1 }, 'reserved attributeIdentifier');
  await refused('/upt/1/mr/1/r', { ...BAND, lowerThreshold: 300 }, 'lower threshold above the upper one');

  // Deleting the subscribed resource notifies (status 4) whatever the condition; unsubscribing works.
  got.length = 0;
  sep.deleteResource('/upt/1/mr/1/r/1');
  await run.flushNotifications();
  t.same(
    about(single).map((n) => n['status']),
    [4],
  );
  await client.unsubscribe(single);
  await client.unsubscribe(conditional);
  t.same(
    sep.activeSubscriptions().map((s) => s.href),
    [plain, noValues],
  );
});

t.test('admin API: update a resource, add a list entry, clear a default control', async (t) => {
  const sep = new SepTestServer({
    programs: [{ mRID: 'a1', primacy: 1, defaultControl: { DERControlBase: { opModConnect: true } } }],
    resources: [{ href: '/r/1', type: 'Reading', resource: { value: 1 } }],
    lists: [{ href: '/r', type: 'ReadingList', items: ['/r/1'] }],
  });
  t.same(handleAdmin(sep, 'POST', '/admin/resource', { href: '/r/1', resource: { value: 5 } }), [200, {}]);
  const updated = sep.representation('/r/1')?.resource as { value: number } | undefined;
  t.equal(updated?.value, 5);
  t.equal(handleAdmin(sep, 'POST', '/admin/resource', { href: '/nowhere', resource: {} })[0], 400);
  t.equal(handleAdmin(sep, 'POST', '/admin/resource', { href: '/r', resource: {} })[0], 400, 'a list');
  t.equal(
    handleAdmin(sep, 'POST', '/admin/resource', { href: '/r/1', resource: { value: 'x' } })[0],
    400,
    'must still fit sep.xsd',
  );
  t.same(handleAdmin(sep, 'POST', '/admin/list-entry', { list: '/r', resource: { value: 9 } }), [
    201,
    { href: '/r/2' },
  ]);
  t.equal(handleAdmin(sep, 'POST', '/admin/list-entry', { list: '/r/1', resource: {} })[0], 400);
  t.equal(sep.representation('/derp/1/dderc')?.type, 'DefaultDERControl');
  t.same(handleAdmin(sep, 'POST', '/admin/dderc/clear', { program: '/derp/1' }), [200, {}]);
  t.equal(sep.representation('/derp/1/dderc'), undefined, 'the DefaultDERControl is gone (404)');
  t.equal(sep.handle({ method: 'GET', path: '/derp/1/dderc' }).status, 404);
  t.equal(handleAdmin(sep, 'POST', '/admin/dderc/clear', { program: '/nowhere' })[0], 400);
  t.same(
    handleAdmin(sep, 'POST', '/admin/dderc', { program: '/derp/1', control: { DERControlBase: {} } })[0],
    201,
    'a default can be set again',
  );
});

t.test('a stored Subscription whose Condition does not parse stays silent', async (t) => {
  const sep = new SepTestServer({
    resources: [
      { href: '/r/1', type: 'Reading', resource: { value: 1, timePeriod: { start: 100, duration: 1 } } },
      {
        href: '/cfg/sub/1',
        type: 'Subscription',
        resource: {
          subscribedResource: '/r',
          Condition: { attributeIdentifier: 5, lowerThreshold: 0, upperThreshold: 1 },
          encoding: 0,
          level: '+S1',
          limit: 1,
          notificationURI: 'http://127.0.0.1:9/n',
        },
        puttable: true,
      },
      {
        href: '/cfg/sub/2',
        type: 'Subscription',
        resource: {
          subscribedResource: '/r',
          encoding: 0,
          level: '+S1',
          limit: 1,
          notificationURI: 'http://127.0.0.1:9/n',
        },
      },
    ],
    lists: [{ href: '/r', type: 'ReadingList', items: ['/r/1'], subscribable: 3 }],
  });
  // Configured subscriptions are active from the start, without any change under a SubscriptionList.
  t.same(
    sep.activeSubscriptions().map((s) => [s.href, s.condition?.lowerThreshold]),
    [
      ['/cfg/sub/1', -(2 ** 47)],
      ['/cfg/sub/2', undefined],
    ],
  );
  t.same(sep.takeNotifications(), [], 'nothing queued at start');
  const add = (value: number, start: number) => {
    sep.addListEntry('/r', { value, timePeriod: { start, duration: 1 } });
    return sep.takeNotifications().map((n) => n.subscription.href);
  };
  t.same(add(1_000_000, 200), ['/cfg/sub/2'], 'only the unconditional subscription is notified');
  // A Condition changed in place (PUT) applies from the next change on.
  sep.updateResource('/cfg/sub/1', {
    Condition: { attributeIdentifier: 0, lowerThreshold: 0, upperThreshold: 10 },
  });
  sep.takeNotifications();
  t.same(add(2_000_000, 300), ['/cfg/sub/1', '/cfg/sub/2'], 'above the new band: notified');
  t.same(add(5, 400), ['/cfg/sub/2'], 'inside: no notification');
  t.same(add(50, 500), ['/cfg/sub/1', '/cfg/sub/2'], 'above again: notified again');
  sep.deleteResource('/cfg/sub/1');
  t.same(
    sep.activeSubscriptions().map((s) => s.href),
    ['/cfg/sub/2'],
  );
});

t.test('conditional subscription on a MirrorUsagePoint: each MirrorMeterReading is evaluated', async (t) => {
  let vt = T0;
  const sep = new SepTestServer({ endDevices: [{ lfdi: LFDI }] }, { clock: () => vt });
  const client = new SepClient({
    transport: loopbackTransport((r) => sep.handle(r), LFDI),
    lfdi: LFDI,
    clock: () => vt,
  });
  await client.register();
  const reading = (mRID: string, value: number) => ({
    mRID,
    Reading: { timePeriod: { start: BigInt(vt), duration: 60 }, value },
  });
  const mup = await client.postMirrorUsagePoint({
    mRID: 'ab01',
    roleFlags: '03',
    serviceCategoryKind: 0,
    status: 1,
    MirrorMeterReading: [
      { mRID: 'ab02', ReadingType: { kind: 37, uom: 38 } },
      { mRID: 'ab03', ReadingType: { kind: 37, uom: 38 } },
    ],
  });
  // Site power band: -2 kW .. +3 kW (watts).
  const band = { attributeIdentifier: 0, lowerThreshold: -2000, upperThreshold: 3000 };
  const sub = await client.subscribe(mup, 'http://127.0.0.1:9/n', { limit: 1, condition: band });
  const listSub = await client.subscribe('/mup', 'http://127.0.0.1:9/n', { limit: 1, condition: band });
  sep.takeNotifications();
  const post = async (values: [number, number]) => {
    vt += 60;
    await client.postMirrorMeterReadings(mup, [reading('ab02', values[0]), reading('ab03', values[1])]);
    return sep.takeNotifications().map((n) => n.subscription.href);
  };
  t.same(await post([100, 2500]), [], 'both readings inside the band');
  t.same(await post([100, 3500]), [sub, listSub], 'the second MirrorMeterReading is above the band');
  t.same(await post([-2500, 0]), [sub, listSub], 'the first is below it');
  t.same(await post([3000, -2000]), [], 'at the thresholds: inside');
  vt += 60;
  await client.postMirrorMeterReadings(mup, [reading('ab03', 9000)]);
  t.same(
    sep.takeNotifications().map((n) => n.subscription.href),
    [sub, listSub],
    'a single MirrorMeterReading posted alone',
  );
  // The posted readings update their MirrorMeterReadings and keep the ReadingType.
  const stored = sep.representation(mup, LFDI)?.resource as {
    MirrorMeterReading: { mRID: string; ReadingType?: unknown; Reading?: { value: number } }[];
  };
  t.same(
    stored.MirrorMeterReading.map((m) => [m.mRID, m.ReadingType !== undefined, m.Reading?.value]),
    [
      ['ab02', true, 3000],
      ['ab03', true, 9000],
    ],
  );
  // Re-posting the MirrorUsagePoint (same mRID) with a reading outside the band notifies too.
  vt += 60;
  await client.postMirrorUsagePoint({
    mRID: 'ab01',
    roleFlags: '03',
    serviceCategoryKind: 0,
    status: 1,
    MirrorMeterReading: [reading('ab02', -5000)],
  });
  t.same(
    sep.takeNotifications().map((n) => n.subscription.href),
    [sub, listSub],
  );
});
