/**
 * The simulated DER (`client/der-sim.ts`) and the power telemetry the client posts from it
 * (`client/telemetry.ts`, `SepClient.startPowerTelemetry`): ramping at setGradW (sep.xsd: hundredths of a
 * percent of setMaxW per second, 0 = no limit), the CSIP-AUS site import / export / generation / load
 * limits, opModConnect / opModEnergize with the soft-start rate, interval averages, and the MirrorUsagePoint
 * readings posted every postRate (over the in-process loopback transport).
 */
import t from 'tap';
import { SepClient } from '../src/client/client.js';
import { SimulatedDer } from '../src/client/der-sim.js';
import { loopbackTransport } from '../src/client/loopback.js';
import { activePowerMirrorUsagePoint, activePowerReading, RoleFlag } from '../src/client/telemetry.js';
import { asAnyResource } from '../src/http/document.js';
import { lfdiFromCertificate } from '../src/ids.js';
import { createTestPki } from '../src/pki/test-pki.js';
import { DerScheduler } from '../src/scheduler/scheduler.js';
import { SepTestServer } from '../src/server/server.js';
import { encodeXml } from '../src/xml/codec.js';

const T0 = 1_780_000_000;
const W = (watts: number) => ({ multiplier: 0, value: watts });

/** A scheduler tick whose only control is a DefaultDERControl with `base` and `settings`. */
function defaults(base: Record<string, unknown>, settings: Record<string, number> = {}, at = T0) {
  const s = new DerScheduler();
  s.update(
    [{ mRID: 'p1', primacy: 1, DefaultDERControl: { mRID: 'd1', DERControlBase: base, ...settings } }],
    at,
  );
  return s.tick(at);
}

t.test('ramping at setGradW toward a limit, and interval averages', async (t) => {
  const der = new SimulatedDer({ ratedW: 5000, start: T0 });
  t.equal(der.derW, 5000, 'starts at the desired power');
  t.equal(der.siteW, -5000, 'the site exports it (no other load)');
  // setGradW 100 = 1 % of 5000 W per second = 50 W/s: 5000 → 2000 W takes 60 s.
  der.apply(defaults({ opModExpLimW: W(2000) }, { setGradW: 100 }), T0);
  t.equal(der.rampRate, 100);
  t.equal(der.target(T0), 2000);
  der.advance(T0 + 30);
  t.equal(der.derW, 3500, 'half way after 30 s');
  der.advance(T0 + 60);
  t.equal(der.derW, 2000);
  der.advance(T0 + 90);
  t.equal(der.derW, 2000, 'stays at the limit');
  const r = der.takeReadings(T0 + 120);
  // 60 s ramping from 5000 to 2000 (average 3500), then 60 s at 2000.
  t.same(r, { siteW: -2750, derW: 2750, start: T0, duration: 120 });
  t.same(der.takeReadings(T0 + 120), { siteW: -2000, derW: 2000, start: T0 + 120, duration: 0 });
  // The limit lifted: back up at the same rate.
  der.apply(defaults({}, { setGradW: 100 }), T0 + 120);
  der.advance(T0 + 150);
  t.equal(der.derW, 3500);
  // setGradW 0 means no limit: a step change.
  der.apply(defaults({ opModGenLimW: W(1000) }, { setGradW: 0 }), T0 + 150);
  der.advance(T0 + 151);
  t.equal(der.derW, 1000);
  // 30 s ramping 2000 → 3500 W (average 2750), then 2 s at 1000 W.
  const avg = (2750 * 30 + 1000 * 2) / 32;
  t.same(der.takeReadings(T0 + 152), { siteW: -avg, derW: avg, start: T0 + 120, duration: 32 });
});

/** A scheduler tick at `at` of one program: a DefaultDERControl with setGradW 100 (50 W/s at 5 kW) and `events`. */
function withEvents(
  events: readonly { mRID: string; start: number; duration: number; base: Record<string, unknown> }[],
  at: number,
) {
  const s = new DerScheduler();
  s.update(
    [
      {
        mRID: 'p1',
        primacy: 1,
        DefaultDERControl: { mRID: 'd1', DERControlBase: {}, setGradW: 100 },
        DERControlList: {
          DERControl: events.map((e) => ({
            mRID: e.mRID,
            creationTime: T0,
            EventStatus: { currentStatus: 0 },
            interval: { start: e.start, duration: e.duration },
            DERControlBase: e.base,
          })),
        },
      },
    ],
    at,
  );
  return s.tick(at);
}

t.test(
  'rampTms: an event reaches its new setting in rampTms hundredths of a second, overriding setGradW',
  async (t) => {
    const e1 = { mRID: 'e1', start: T0 + 10, duration: 100, base: { opModExpLimW: W(1000), rampTms: 2000 } };
    const e2 = { mRID: 'e2', start: T0 + 200, duration: 100, base: { opModGenLimW: W(500), rampTms: 0 } };
    const e3 = { mRID: 'e3', start: T0 + 300, duration: 100, base: { opModGenLimW: W(4500) } };
    const der = new SimulatedDer({ ratedW: 5000, start: T0 });
    der.apply(withEvents([e1, e2, e3], T0), T0);
    t.equal(der.derW, 5000);
    t.equal(der.rampTmsRate, undefined, 'no timed transition before the event');
    // e1 starts: 5000 → 1000 W in 20 s, 200 W/s instead of setGradW's 50 W/s.
    der.apply(withEvents([e1, e2, e3], T0 + 10), T0 + 10);
    t.equal(der.rampTmsRate, 200);
    der.advance(T0 + 20);
    t.equal(der.derW, 3000, 'half way after 10 s');
    // A tick with the same controls keeps the timed transition going.
    der.apply(withEvents([e1, e2, e3], T0 + 25), T0 + 25);
    t.equal(der.rampTmsRate, 200);
    der.advance(T0 + 30);
    t.equal(der.derW, 1000, 'at the new limit after rampTms');
    t.equal(der.rampTmsRate, undefined, 'the override ends at the target');
    // 20 s ramping 5000 → 1000 (average 3000) after 10 s at 5000, then 10 s at 1000.
    t.same(der.takeReadings(T0 + 40), {
      siteW: -(5000 * 10 + 3000 * 20 + 1000 * 10) / 40,
      derW: (5000 * 10 + 3000 * 20 + 1000 * 10) / 40,
      start: T0,
      duration: 40,
    });
    // e1 ends: the default governs again, and the way back up is at setGradW (50 W/s).
    der.apply(withEvents([e1, e2, e3], T0 + 110), T0 + 110);
    t.equal(der.rampTmsRate, undefined);
    der.advance(T0 + 130);
    t.equal(der.derW, 2000, 'setGradW after the event');
    der.advance(T0 + 200);
    t.equal(der.derW, 5000);
    // rampTms 0: a step change at once.
    der.apply(withEvents([e1, e2, e3], T0 + 200), T0 + 200);
    t.equal(der.derW, 500, 'rampTms 0 steps at once');
    // An event without rampTms ramps at setGradW: 500 → 4500 W at 50 W/s.
    der.apply(withEvents([e1, e2, e3], T0 + 300), T0 + 300);
    t.equal(der.rampTmsRate, undefined);
    der.advance(T0 + 310);
    t.equal(der.derW, 1000);
  },
);

t.test('rampTms: the longest of several takes the transition; none while the DER is off', async (t) => {
  const a = { mRID: 'a', start: T0 + 10, duration: 100, base: { opModExpLimW: W(3000), rampTms: 1000 } };
  const b = { mRID: 'b', start: T0 + 10, duration: 100, base: { opModGenLimW: W(1000), rampTms: 4000 } };
  const der = new SimulatedDer({ ratedW: 5000, start: T0 });
  der.apply(withEvents([a, b], T0), T0);
  der.apply(withEvents([a, b], T0 + 10), T0 + 10);
  t.equal(der.target(T0 + 10), 1000);
  t.equal(der.rampTmsRate, 100, '4000 W over the longer 40 s');
  der.advance(T0 + 50);
  t.equal(der.derW, 1000);
  const off = {
    mRID: 'off',
    start: T0 + 60,
    duration: 100,
    base: { opModEnergize: false, opModExpLimW: W(0), rampTms: 1000 },
  };
  der.apply(withEvents([off], T0 + 60), T0 + 60);
  t.equal(der.derW, 0, 'de-energised at once');
  t.equal(der.rampTmsRate, undefined);
});

t.test('the nameplate setGradW applies until a DefaultDERControl sets one', async (t) => {
  const der = new SimulatedDer({ ratedW: 1000, setGradW: 1000, start: T0 }); // 10 %/s = 100 W/s
  const none = new DerScheduler().tick(T0);
  der.apply({ ...none, active: defaults({ opModGenLimW: W(0) }).active }, T0);
  der.advance(T0 + 5);
  t.equal(der.derW, 500);
  der.advance(T0 + 20);
  t.equal(der.derW, 0);
});

t.test('site limits: export and import with other site load, generation and load limits', async (t) => {
  // A generator of 4 kW on a site with 1 kW of other load: export = 4000 - 1000.
  const gen = new SimulatedDer({ ratedW: 4000, siteLoadW: 1000, start: T0 });
  t.equal(gen.siteW, -3000);
  gen.apply(defaults({ opModExpLimW: W(1500) }), T0);
  t.equal(gen.target(T0), 2500, 'export 1500 W plus the 1000 W load');
  gen.advance(T0 + 1);
  t.equal(gen.derW, 2500, 'no ramp rate: at once');
  t.equal(gen.siteW, -1500);
  gen.apply(defaults({ opModExpLimW: W(1500), opModGenLimW: W(2000) }), T0 + 1);
  t.equal(gen.target(T0 + 1), 2000, 'the tighter of the generation and export limits');
  gen.apply(defaults({ opModExpLimW: W(0), opModImpLimW: W(0) }), T0 + 1);
  t.equal(gen.target(T0 + 1), 1000, 'export 0: the DER covers the site load only');
  gen.apply(defaults({ opModGenLimW: W(0), opModImpLimW: W(0) }), T0 + 1);
  t.equal(gen.target(T0 + 1), 0, 'an import limit never makes a generator exceed what it may generate');

  // A 3 kW load (e.g. storage charging) on a site with 500 W of other load.
  const load = new SimulatedDer({
    ratedW: 3000,
    ratedLoadW: 3000,
    desiredW: -3000,
    siteLoadW: 500,
    start: T0,
  });
  t.equal(load.siteW, 3500, 'the site imports the DER load plus the rest');
  load.apply(defaults({ opModImpLimW: W(2000) }), T0);
  t.equal(load.target(T0), -1500, 'import 2000 W less the 500 W load');
  load.apply(defaults({ opModImpLimW: W(2000), opModLoadLimW: W(1000) }), T0);
  t.equal(load.target(T0), -1000, 'the tighter of the load and import limits');
  load.apply(defaults({ opModImpLimW: W(0) }), T0);
  t.equal(load.target(T0), 0, 'import 0 with 500 W of other load: the DER load stops (it cannot generate)');
  load.apply(defaults({ opModExpLimW: W(0) }), T0);
  t.equal(load.target(T0), -3000, 'an export limit does not constrain a load');

  const clipped = new SimulatedDer({ ratedW: 1000, desiredW: 9000, start: T0 });
  t.equal(clipped.derW, 1000, 'the desired power is clipped to the rating');
  const noLoad = new SimulatedDer({ ratedW: 1000, desiredW: -500, start: T0 });
  t.equal(noLoad.derW, 0, 'a generator-only DER (ratedLoadW 0) cannot consume');
  const initial = new SimulatedDer({ ratedW: 1000, initialW: 200, start: T0 });
  t.equal(initial.derW, 200);
});

t.test('opModConnect / opModEnergize: stop at once, restart at setSoftGradW', async (t) => {
  const der = new SimulatedDer({ ratedW: 2000, start: T0 });
  der.apply(defaults({ opModConnect: false }, { setGradW: 100, setSoftGradW: 50 }), T0 + 10);
  t.equal(der.derW, 0, 'disconnected: 0 W at once');
  t.equal(der.target(T0 + 10), 0);
  der.advance(T0 + 20);
  t.same(der.takeReadings(T0 + 20), { siteW: -1000, derW: 1000, start: T0, duration: 20 });
  der.apply(defaults({ opModConnect: true }, { setGradW: 100, setSoftGradW: 50 }), T0 + 20);
  t.equal(der.rampRate, 50, 'reconnected: the soft-start rate');
  der.advance(T0 + 30);
  t.equal(der.derW, 100, '0.5 % of 2000 W per second for 10 s');
  der.advance(T0 + 300);
  t.equal(der.derW, 2000);
  t.equal(der.rampRate, 100, 'the normal rate once the target is reached');
  der.apply(defaults({ opModEnergize: false }, { setGradW: 100 }), T0 + 300);
  t.equal(der.derW, 0, 'de-energised: 0 W at once');
  der.apply(defaults({}, { setGradW: 100 }), T0 + 310);
  t.equal(der.rampRate, 100, 'no setSoftGradW: the normal rate');
  der.advance(T0 + 320);
  t.equal(der.derW, 200);
});

t.test('power that varies with time is followed second by second', async (t) => {
  // PV: 1000 W rising by 10 W/s; other load 300 W; export limit 500 W → DER 800 W.
  const der = new SimulatedDer({
    ratedW: 5000,
    desiredW: (time) => 1000 + 10 * (time - T0),
    siteLoadW: () => 300,
    start: T0,
  });
  t.equal(der.derW, 1000);
  der.advance(T0 + 10);
  t.equal(der.derW, 1100, 'no limit: it follows the available power');
  der.apply(defaults({ opModExpLimW: W(500) }), T0 + 10);
  der.advance(T0 + 20);
  t.equal(der.derW, 800);
  t.equal(der.siteW, -500);
  der.advance(T0 + 20.5);
  t.equal(der.derW, 800, 'a fraction of a second');
});

t.test('telemetry resources fit sep.xsd', async (t) => {
  const site = activePowerMirrorUsagePoint({
    role: 'site',
    mRID: 'ab01',
    readingMRID: 'ab02',
    intervalLength: 60,
  });
  const der = activePowerMirrorUsagePoint({
    role: 'der',
    mRID: 'ab03',
    readingMRID: 'ab04',
    intervalLength: 300,
    description: 'inverter 1',
  });
  t.equal(site['roleFlags'], '03');
  t.equal(der['roleFlags'], (RoleFlag.IsMirror | RoleFlag.IsDER | RoleFlag.IsSubmeter).toString(16));
  t.equal(der['description'], 'inverter 1');
  const xml = encodeXml(
    asAnyResource({ type: 'MirrorUsagePoint', resource: { ...site, deviceLFDI: 'ab'.repeat(20) } }),
  );
  t.match(xml, /<uom>38<\/uom>/);
  t.match(xml, /<kind>37<\/kind>/);
  t.match(xml, /<dataQualifier>2<\/dataQualifier>/);
  const reading = activePowerReading('ab02', -1234.6, T0 + 0.4, 59.6);
  t.same(reading, {
    mRID: 'ab02',
    Reading: { timePeriod: { duration: 60, start: BigInt(T0) }, value: -1235 },
  });
  t.match(
    encodeXml(asAnyResource({ type: 'MirrorMeterReading', resource: reading })),
    /<value>-1235<\/value>/,
  );
});

t.test('SepClient.startPowerTelemetry: readings every postRate, failures, stop', async (t) => {
  const pki = await createTestPki();
  const lfdi = lfdiFromCertificate(pki.device.certificatePem);
  let vt = T0;
  const sep = new SepTestServer(
    {
      pollRate: 600,
      postRate: 60,
      endDevices: [{ lfdi }],
      programs: [
        {
          mRID: 'a1',
          primacy: 1,
          defaultControl: { DERControlBase: { opModExpLimW: W(1000) }, setGradW: 200 },
        },
      ],
    },
    { clock: () => vt },
  );
  let down = false;
  const client = new SepClient({
    transport: loopbackTransport((r) => {
      if (down) throw new Error('network down');
      return sep.handle(r);
    }, lfdi),
    lfdi,
    clock: () => vt,
  });
  const der = new SimulatedDer({ ratedW: 3000, start: T0 });
  await t.rejects(client.startPowerTelemetry(der), { code: 404 }, 'register() first');
  await client.register();
  const first = await client.tick();
  t.equal(first.telemetry, undefined, 'nothing to post before telemetry starts');
  const hrefs = await client.startPowerTelemetry(der);
  t.same(hrefs, { site: '/mup/1', der: '/mup/2' });
  const mup = sep.representation('/mup/2', lfdi)?.resource as { roleFlags: string; deviceLFDI: string };
  t.equal(mup.roleFlags, '49');
  t.equal(mup.deviceLFDI, lfdi);
  t.equal(client.nextWakeup(), T0 + 60, 'the next post is a wake-up');
  // The client hands the DER the default's 1000 W export limit at setGradW 200 (2 %/s = 60 W/s).
  vt = T0 + 30;
  t.equal((await client.tick()).telemetry, undefined, 'not due yet');
  t.equal(der.target(vt), 1000);
  vt = T0 + 60;
  const due = await client.tick();
  // 3000 → 1000 W at 60 W/s takes 33.3 s (average 2000 W), then 1000 W for the rest of the minute.
  const ramp = 2000 / 60;
  const avg = (2000 * ramp + 1000 * (60 - ramp)) / 60;
  t.ok(Math.abs((due.telemetry?.readings.derW ?? 0) - avg) < 1e-3, `DER average ${avg.toFixed(1)} W`);
  t.ok(Math.abs((due.telemetry?.readings.siteW ?? 0) + avg) < 1e-3, 'the site exports it');
  t.same([due.telemetry?.readings.start, due.telemetry?.readings.duration], [T0, 60]);
  t.same([due.telemetry?.siteStatus, due.telemetry?.derStatus], [201, 201]);
  const posted = sep.received.filter((r) => r.document.type === 'MirrorMeterReading');
  t.same(
    posted.map((r) => [r.href, (r.document.resource['Reading'] as { value: number }).value]),
    [
      ['/mup/1', -Math.round(avg)],
      ['/mup/2', Math.round(avg)],
    ],
  );
  // A post that fails on the network is reported with status 0; the next interval starts anyway.
  vt = T0 + 120;
  down = true;
  const failed = await client.tick();
  down = false;
  t.same([failed.telemetry?.siteStatus, failed.telemetry?.derStatus], [0, 0]);
  t.same(failed.telemetry?.readings, { siteW: -1000, derW: 1000, start: T0 + 60, duration: 60 });
  t.equal(client.nextWakeup(), T0 + 180);
  // A new postRate is used from the next post on.
  sep.setPostRate('/edev/1', 120);
  t.equal((await client.refreshEndDevice())['postRate'], 120);
  vt = T0 + 180;
  const next = await client.tick();
  t.same(next.telemetry?.readings, { siteW: -1000, derW: 1000, start: T0 + 120, duration: 60 });
  t.equal(client.nextWakeup(), T0 + 300);
  client.stopPowerTelemetry();
  vt = T0 + 400;
  t.equal((await client.tick()).telemetry, undefined, 'stopped');
});
