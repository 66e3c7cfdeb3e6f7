import { readFileSync } from 'node:fs';
import { fromHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { decodeApdu, decodeCosemDateTime, encodeData } from '../src/index.js';
import { objectAccessFromJson } from '../src/server/access-rights.js';
import { ClockObject } from '../src/server/clock-object.js';
import { dataFromJson, dataToJson, type JsonInput } from '../src/server/data-json.js';
import { DEFAULT_SIMULATOR_PROFILE } from '../src/server/default-profile.js';
import { DisconnectControlObject } from '../src/server/disconnect-control-object.js';
import { LoadCurve } from '../src/server/load-curve.js';
import { buildSimulatorModel, type SimulatorProfile } from '../src/server/profile.js';
import { MeterSimulator } from '../src/server/simulator.js';
import { dlmsData } from './axdr-arbitraries.js';
import { T0 } from './server-helpers.js';

t.test('the JSON data form: both spellings, every type, round trip', async (t) => {
  t.same(dataFromJson({ type: 'double-long-unsigned', value: 4027 }), {
    type: 'double-long-unsigned',
    value: 4027,
  });
  t.same(dataFromJson({ 'double-long-unsigned': 4027 }), { type: 'double-long-unsigned', value: 4027 });
  t.same(dataFromJson({ type: 'octet-string', value: '0102ff' }), {
    type: 'octet-string',
    value: fromHex('0102ff'),
  });
  t.same(dataFromJson({ type: 'octet-string', value: '1-0:1.8.0.255' }), {
    type: 'octet-string',
    value: fromHex('0100010800ff'),
  });
  t.same(dataFromJson({ type: 'octet-string', obis: '1.0.1.8.0.255' }), {
    type: 'octet-string',
    value: fromHex('0100010800ff'),
  });
  t.same(dataFromJson({ type: 'long64', value: '-9000000000000000000' }), {
    type: 'long64',
    value: -9000000000000000000n,
  });
  t.same(dataFromJson({ type: 'long64-unsigned', value: 7 }), { type: 'long64-unsigned', value: 7n });
  const dt = dataFromJson({ type: 'date-time', value: '2026-01-15T12:00:00Z' });
  t.equal(dt.type, 'date-time');
  t.same(
    dataFromJson({
      type: 'date',
      value: { year: 2026, month: 'daylight-savings-end', dayOfMonth: 'last-day', dayOfWeek: null },
    }),
    {
      type: 'date',
      value: { year: 2026, month: 'daylight-savings-end', dayOfMonth: 'last-day', dayOfWeek: null },
    },
  );
  t.same(dataFromJson({ type: 'time', value: { hour: 1, minute: 2, second: 3 } }), {
    type: 'time',
    value: { hour: 1, minute: 2, second: 3, hundredths: null },
  });
  t.same(
    dataFromJson({
      structure: [
        { boolean: true },
        { 'bit-string': '101' },
        { 'null-data': null },
        { float64: 1.5 },
        { 'utf8-string': 'é' },
      ],
    }).type,
    'structure',
  );
  for (const [bad, path] of [
    [[1], 'data'],
    [{ type: 'unsigned', value: 256 }, 'data'],
    [{ type: 'nope', value: 1 }, 'data'],
    [{ a: 1, b: 2 }, 'data'],
    [{ type: 'array', value: [{ type: 'integer', value: 'x' }] }, 'data[0]'],
    [{ type: 'boolean', value: 1 }, 'data'],
    [{ type: 'bit-string', value: '12' }, 'data'],
    [{ type: 'long64', value: 1.5 }, 'data'],
    [{ type: 'long64-unsigned', value: -1 }, 'data'],
    [{ type: 'octet-string', value: 3 }, 'data'],
    [{ type: 'visible-string', value: 3 }, 'data'],
    [{ type: 'float32', value: '1' }, 'data'],
    [{ type: 'date-time', value: 3 }, 'data'],
    [{ type: 'date', value: 3 }, 'data'],
    [{ type: 'time', value: 3 }, 'data'],
    [{ type: 'compact-array', value: [] }, 'data'],
  ] as [JsonInput, string][]) {
    t.throws(() => dataFromJson(bad), { code: 207, path }, JSON.stringify(bad));
  }
  // non-finite floats: written as text by the JSON form, read back (fast-check found Infinity)
  for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    for (const type of ['float32', 'float64'] as const) {
      const json = JSON.parse(JSON.stringify(dataToJson({ type, value: v }))) as JsonInput;
      t.same(dataFromJson(json), { type, value: v }, `${type} ${v} round trip`);
    }
  }
  let deep: JsonInput = { integer: 1 };
  for (let i = 0; i < 40; i++) deep = { array: [deep] };
  t.throws(() => dataFromJson(deep), { code: 209 });
  fc.assert(
    fc.property(dlmsData, (d) => {
      if (JSON.stringify(d, (_k, v) => (typeof v === 'bigint' ? 0 : v)).includes('compact-array'))
        return true;
      const back = dataFromJson(JSON.parse(JSON.stringify(dataToJson(d))) as JsonInput);
      return Buffer.from(encodeData(back)).equals(Buffer.from(encodeData(d)));
    }),
    { numRuns: 300 },
  );
});

t.test('profiles: the JSON file equals the built-in profile; bad profiles say where', async (t) => {
  const file = JSON.parse(
    readFileSync(new URL('../profiles/default.json', import.meta.url), 'utf8'),
  ) as SimulatorProfile;
  t.same(file, DEFAULT_SIMULATOR_PROFILE);
  const base = DEFAULT_SIMULATOR_PROFILE;
  const onPush = () => {};
  const build = (p: unknown) => buildSimulatorModel(p as SimulatorProfile, { start: T0, onPush });
  const m = build(base);
  t.equal(m.store.objects().length, base.objects.length);
  t.same([...m.associations.keys()], [16, 1, 32]);
  const bad: [string, unknown][] = [
    ['systemTitle', { ...base, systemTitle: '0102' }],
    ['associations', { ...base, associations: 3 }],
    ['objects', { ...base, objects: 3 }],
    ['associations[0].clientSap', { ...base, associations: [{ clientSap: 0 }] }],
    ['associations[0].mechanism', { ...base, associations: [{ clientSap: 5, mechanism: 9 }] }],
    ['associations[0]', { ...base, associations: [{ clientSap: 5, mechanism: 1 }] }],
    ['associations[0].security', { ...base, associations: [{ clientSap: 5, mechanism: 5 }] }],
    [
      'associations[0].conformance',
      { ...base, associations: [{ clientSap: 5, conformance: ['get', 'teleport'] }] },
    ],
    ['associations[1]', { ...base, associations: [{ clientSap: 5 }, { clientSap: 5 }] }],
    [
      'associations[0].security.authenticationKey',
      { ...base, associations: [{ clientSap: 5, security: { authenticationKey: 'zz' } }] },
    ],
    ['objects[0].classId', { ...base, objects: [{ classId: -1, logicalName: '1-0:1.8.0.255' }] }],
    ['objects[0].logicalName', { ...base, objects: [{ classId: 1, logicalName: 'x' }] }],
    [
      'objects[0].live',
      { ...base, objects: [{ classId: 1, logicalName: '0-0:1.0.0.255', live: { kind: 'clock' } }] },
    ],
    [
      'objects[0].live.kind',
      { ...base, objects: [{ classId: 1, logicalName: '0-0:1.0.0.255', live: { kind: 'wind' } }] },
    ],
    [
      'objects[0].live.averagePower',
      {
        ...base,
        objects: [{ classId: 3, logicalName: '1-0:1.8.0.255', live: { kind: 'energy', averagePower: -1 } }],
      },
    ],
    [
      'objects[0].live.captureObjects',
      {
        ...base,
        objects: [
          { classId: 7, logicalName: '1-0:99.1.0.255', live: { kind: 'load-profile', captureObjects: 1 } },
        ],
      },
    ],
    [
      'objects[0].attributes',
      { ...base, objects: [{ classId: 1, logicalName: '0-0:1.0.0.255', attributes: { 1: { integer: 1 } } }] },
    ],
    [
      'objects[0].access',
      { ...base, objects: [{ classId: 1, logicalName: '0-0:1.0.0.255', access: { x: 'read-only' } }] },
    ],
    [
      'objects.0.access',
      { ...base, objects: [{ classId: 1, logicalName: '0-0:1.0.0.255', access: { 16: 'read' } }] },
    ],
    [
      'objects',
      {
        ...base,
        objects: [
          { classId: 1, logicalName: '0-0:1.0.0.255' },
          { classId: 1, logicalName: '0.0.1.0.0.255' },
        ],
      },
    ],
  ];
  for (const [path, p] of bad) {
    t.throws(() => build(p), { code: 207 }, path);
  }
  t.same(
    objectAccessFromJson({
      default: 'read-only',
      attributes: { '2': 'read-and-write' },
      methods: { '1': 'access' },
    }).methods.get(1),
    'access',
  );
  t.throws(() => objectAccessFromJson(3), { code: 207 });
  t.throws(() => objectAccessFromJson({ attributes: { '0': 'read-only' } }), { code: 207 });
  t.throws(() => objectAccessFromJson({ methods: { '1': 'sometimes' } }), { code: 207 });
  t.equal(objectAccessFromJson('authenticated-read-and-write').defaultMethod, 'authenticated-access');
  t.equal(objectAccessFromJson('write-only').defaultMethod, 'access');
});

t.test('load curve: deterministic, increasing, shaped', async (t) => {
  const c = new LoadCurve({ averagePower: 500, origin: T0 - 86_400_000, initialEnergy: 1000 });
  t.equal(c.energyAt(T0 - 2 * 86_400_000), 1000, 'before the origin');
  const day = c.energyAt(T0) - 1000;
  t.ok(day > 500 * 24 * 0.5 && day < 500 * 24 * 2, `a day's energy is plausible (${day.toFixed(0)} Wh)`);
  t.equal(
    new LoadCurve({ averagePower: 500, origin: T0 - 86_400_000, initialEnergy: 1000 }).energyAt(T0),
    c.energyAt(T0),
    'deterministic',
  );
  let prev = 0;
  let ok = true;
  for (let k = 0; k < 200; k++) {
    const e = c.energyAt(T0 + k * 450_000);
    if (e < prev) ok = false;
    prev = e;
  }
  t.ok(ok, 'never decreases');
  const sun = new LoadCurve({ averagePower: 300, shape: 'generation', origin: 0 });
  const midnight = Math.floor(T0 / 86_400_000) * 86_400_000;
  t.equal(sun.powerOf(midnight / 900_000), 0, 'no generation at midnight');
  t.ok(sun.powerOf((midnight + 13 * 3_600_000) / 900_000) > 300, 'generation peaks at 13:00');
  const flat = new LoadCurve({ averagePower: 100, shape: 'flat', origin: 0 });
  t.ok(Math.abs(flat.powerOf(5) - 100) <= 10);
});

t.test('clock: live time, set moves it, deviation', async (t) => {
  const c = new ClockObject({
    logicalName: '0-0:1.0.0.255',
    attributes: new Map([[3, { type: 'long', value: -60 }]]),
  });
  const ctx = { clientSap: 1, authenticated: true, now: T0 };
  const v = c.get(2, ctx, null);
  t.equal('type' in v && v.type === 'octet-string' ? decodeCosemDateTime(v.value).deviation : undefined, -60);
  t.equal(c.realTimeOf(c.dateTimeAt(T0 + 3_000)), T0 + 3_000);
  const later = c.timeAt(T0 + 3_600_000);
  t.equal(c.set(2, later, ctx), 'success');
  t.equal(c.offsetMs, 3_600_000);
  t.equal(c.set(2, { type: 'date-time', value: c.dateTimeAt(T0) }, ctx), 'success');
  t.equal(c.set(2, { type: 'unsigned', value: 1 }, ctx), 'type-unmatched');
  t.equal(c.set(1, { type: 'octet-string', value: new Uint8Array(6) }, ctx), 'read-write-denied');
  t.equal(c.set(9, { type: 'enum', value: 1 }, ctx), 'object-undefined');
  t.same(c.get(2, ctx, { accessSelector: 1, accessParameters: { type: 'null-data', value: null } }), {
    refused: 'scope-of-access-violated',
  });
  t.equal(c.status, 0);
});

t.test('disconnect control: modes', async (t) => {
  const ctx = { clientSap: 1, authenticated: true, now: T0 };
  const mode = (m: number) =>
    new DisconnectControlObject({
      logicalName: '0-0:96.3.10.255',
      attributes: new Map([[4, { type: 'enum', value: m }]]),
    });
  const d1 = mode(1);
  t.same(d1.action(1, { type: 'integer', value: 0 }, ctx), { result: 'success' });
  t.same([d1.outputState, d1.controlState], [false, 0]);
  d1.action(2, { type: 'integer', value: 0 }, ctx);
  t.same([d1.outputState, d1.controlState], [true, 1]);
  const d2 = mode(2);
  d2.action(1, null, ctx);
  d2.action(2, null, ctx);
  t.same([d2.outputState, d2.controlState], [false, 2], 'ready for reconnection');
  const d0 = mode(0);
  t.same(d0.action(1, null, ctx), { result: 'temporary-failure' });
  t.same(d0.action(2, null, ctx), { result: 'temporary-failure' });
  t.same(d1.action(3, null, ctx), { result: 'object-undefined' });
  t.same(d1.action(1, { type: 'boolean', value: true }, ctx), { result: 'type-unmatched' });
  t.equal(d1.set(2, { type: 'boolean', value: true }, ctx), 'read-write-denied');
  t.equal(d1.set(4, { type: 'enum', value: 2 }, ctx), 'success');
});

t.test('push setup: method 1, schedule, readout', async (t) => {
  let now = T0;
  const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE, { now: () => now });
  const seen: string[] = [];
  const off = sim.onPush((e) => seen.push(e.pushSetup));
  const push = sim.store.get('0-0:25.9.0.255')!;
  t.same(push.action(1, { type: 'integer', value: 0 }, { clientSap: 1, authenticated: true, now }), {
    result: 'success',
  });
  t.same(push.action(1, { type: 'boolean', value: true }, { clientSap: 1, authenticated: true, now }), {
    result: 'type-unmatched',
  });
  t.same(push.action(2, null, { clientSap: 1, authenticated: true, now }), { result: 'object-undefined' });
  t.same(seen, ['0-0:25.9.0.255']);
  const e = sim.push();
  const n = decodeApdu(e.apdu);
  t.equal(n.type, 'data-notification');
  t.same(e.destination, { transportService: 1, destination: '127.0.0.1:4059', message: 0 });
  sim.startSchedules();
  sim.close();
  off();
  now += 1000;
  const sets = sim.readoutDataSets();
  t.same(
    sets.map((s) => s.address),
    ['1.8.0', '2.8.0', '3.8.0', '4.8.0'],
  );
  t.match(sets[0]!.values[0]!.value, /^\d{6}\.\d{3}$/);
  t.equal(sets[0]!.values[0]!.unit, 'kWh');
});
