/**
 * What a DER client reports about the controls in effect (`client/der-state.ts`): CSIP-AUS site limits
 * in watts, DERStatus from opModConnect / opModEnergize and the DER's own condition, DERSettings with
 * the DefaultDERControl settings, and `SepClient.reportDERState` PUTting only what changed.
 */
import t from 'tap';
import { SepClient } from '../src/client/client.js';
import {
  activePowerWatts,
  ConnectStatusBit,
  derSettingsFor,
  derStatusFor,
  OperationalModeStatus,
  siteLimits,
} from '../src/client/der-state.js';
import { loopbackTransport } from '../src/client/loopback.js';
import { DerScheduler } from '../src/scheduler/scheduler.js';
import { SepTestServer } from '../src/server/server.js';

const T0 = 1_770_000_000;

function tickWith(programs: Parameters<DerScheduler['update']>[0], at = T0) {
  const s = new DerScheduler();
  s.update(programs, at);
  return s.tick(at);
}

t.test('activePowerWatts and siteLimits', async (t) => {
  t.equal(activePowerWatts({ multiplier: 3, value: 5 }), 5000);
  t.equal(activePowerWatts({ multiplier: -1, value: 15 }), 1.5);
  t.equal(activePowerWatts({ value: 5 }), undefined);
  t.equal(activePowerWatts(undefined), undefined);
  t.equal(activePowerWatts(true), undefined);
  const tick = tickWith([
    {
      mRID: 'p1',
      primacy: 1,
      DefaultDERControl: {
        mRID: 'd1',
        DERControlBase: {
          opModImpLimW: { multiplier: 3, value: 2 },
          opModExpLimW: { multiplier: 0, value: 1500 },
        },
      },
      DERControlList: {
        DERControl: [
          {
            mRID: 'e1',
            creationTime: T0,
            EventStatus: { currentStatus: 0 },
            interval: { start: T0, duration: 60 },
            DERControlBase: {
              opModExpLimW: { multiplier: 1, value: 30 },
              opModGenLimW: { multiplier: 0, value: 7 },
            },
          },
        ],
      },
    },
  ]);
  t.same(siteLimits(tick), {
    opModImpLimW: { watts: 2000, source: 'default', mRID: 'd1', programMRID: 'p1' },
    opModExpLimW: { watts: 300, source: 'event', mRID: 'e1', programMRID: 'p1' },
    opModGenLimW: { watts: 7, source: 'event', mRID: 'e1', programMRID: 'p1' },
  });
});

t.test('derStatusFor: connection, operation and the DER condition', async (t) => {
  const none = tickWith([]);
  const bits = (v: string) => Number.parseInt(v, 16);
  const st = derStatusFor(none, T0);
  t.equal(bits(st.genConnectStatus.value), 0x07, 'connected, available, operating');
  t.equal(st.operationalModeStatus.value, OperationalModeStatus.OperationalMode);
  t.equal(st.readingTime, BigInt(T0));
  const fault = derStatusFor(none, T0, { fault: true, available: false });
  t.equal(bits(fault.genConnectStatus.value), ConnectStatusBit.Connected | ConnectStatusBit.FaultError);
  t.equal(fault.operationalModeStatus.value, OperationalModeStatus.Off);
  const test = derStatusFor(none, T0, { test: true });
  t.equal(bits(test.genConnectStatus.value) & ConnectStatusBit.Test, ConnectStatusBit.Test);
  t.equal(test.operationalModeStatus.value, OperationalModeStatus.TestMode);
  const off = tickWith([
    { mRID: 'p', primacy: 1, DefaultDERControl: { mRID: 'd', DERControlBase: { opModEnergize: false } } },
  ]);
  t.equal(bits(derStatusFor(off, T0).genConnectStatus.value), 0x03, 'a default can de-energise too');
});

t.test('derSettingsFor merges the default settings in effect', async (t) => {
  const tick = tickWith([
    {
      mRID: 'p',
      primacy: 1,
      DefaultDERControl: { mRID: 'd', DERControlBase: {}, setGradW: 50, setESDelay: 300 },
    },
  ]);
  t.same(derSettingsFor(tick, { setMaxW: { multiplier: 0, value: 1 }, setGradW: 27, setSoftGradW: 9 }, T0), {
    setMaxW: { multiplier: 0, value: 1 },
    setGradW: 50,
    setSoftGradW: 9,
    setESDelay: 300,
    updatedTime: BigInt(T0),
  });
});

t.test(
  'SepClient.reportDERState PUTs DERStatus (and DERSettings if configured) when they change',
  async (t) => {
    const A = '3e4f45ab31edfe5b67e343e5e4562e31984e23e5';
    let vt = T0;
    const server = new SepTestServer(
      { endDevices: [{ lfdi: A }], programs: [{ mRID: 'a1', primacy: 1 }] },
      { clock: () => vt },
    );
    const client = new SepClient({
      transport: loopbackTransport((r) => server.handle(r), A),
      lfdi: A,
      clock: () => vt,
    });
    await t.rejects(client.reportDERState(), { code: 404 }, 'tick first');
    await client.register();
    await client.tick();
    const first = await client.reportDERState(undefined, { fault: false });
    t.ok(first.status !== undefined && first.settings === undefined, 'no derSettings option: status only');
    t.same(await client.reportDERState(), {}, 'nothing changed');
    server.addDERControl('/derp/1', {
      mRID: '91',
      interval: { start: T0, duration: 60 },
      DERControlBase: { opModConnect: false },
    });
    vt = T0 + 1000;
    await client.tick();
    vt = T0 + 1000;
    const tick = await client.tick();
    t.equal(tick.schedule.active.opModConnect, undefined, 'expired on receipt');
    t.same(await client.reportDERState(undefined, { fault: true }), {
      status: {
        genConnectStatus: { dateTime: BigInt(T0 + 1000), value: '13' },
        operationalModeStatus: { dateTime: BigInt(T0 + 1000), value: 1 },
        readingTime: BigInt(T0 + 1000),
      },
    });
    t.equal(server.received.filter((r) => r.document.type === 'DERStatus').length, 2);
  },
);

t.test(
  'SepClient re-reads DeviceCapability, EndDeviceList and DERList at their pollRate; failures wait',
  async (t) => {
    const A = '3e4f45ab31edfe5b67e343e5e4562e31984e23e5';
    let vt = T0;
    const server = new SepTestServer({ pollRate: 100, endDevices: [{ lfdi: A }] }, { clock: () => vt });
    const client = new SepClient({
      transport: loopbackTransport((r) => server.handle(r), A),
      lfdi: A,
      clock: () => vt,
    });
    await client.register();
    t.equal(client.nextWakeup(), T0 + 100);
    server.setPostRate('/edev/1', 30);
    server.deleteResource('/edev/1/der');
    vt = T0 + 100;
    await client.tick();
    t.equal(client.postRate, 30, 'the EndDevice is taken from the re-read EndDeviceList');
    const der = server.exchanges.filter((e) => e.uri.startsWith('/edev/1/der?'));
    t.same(
      der.map((e) => [e.time - T0, e.status]),
      [
        [0, 200],
        [100, 404],
      ],
      'a failed re-read does not stop the tick',
    );
    t.equal(client.derHref, '/edev/1/der/1', 'the DER last seen is kept');
    t.equal(client.nextWakeup(), T0 + 200);
  },
);
