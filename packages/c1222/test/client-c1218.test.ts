import { readFileSync } from 'node:fs';
import { collectingSink, isMeterkitError, MeterkitError, PcapngWriter, SerialRecorder } from '@meterkit/core';
import { createMemoryPair, type MemoryTransport } from '@meterkit/core/transport';
import t from 'tap';
import { C1218Client } from '../src/client/c1218-client.js';
import { AnsiMeter } from '../src/server/ansi-meter.js';
import { serveC1218 } from '../src/server/c1218-server.js';
import { parseAnsiMeterProfile } from '../src/server/profile.js';
import type { C1218LinkTrace } from '../src/session/c1218-link.js';
import { C1222SessionErrorCode } from '../src/session/errors.js';
import {
  decodeGenConfigTbl,
  decodeTable,
  remoteDisconnect,
  tableContextFromGenConfig,
} from '../src/tables/index.js';

const profileText = readFileSync(new URL('../profiles/ansi-meter.json', import.meta.url), 'utf8');

/** A memory transport with recorded serial controls, standing in for a probe's port. */
function withControls(port: MemoryTransport) {
  const calls: string[] = [];
  return Object.assign(port, {
    calls,
    setBaudRate: async (b: number) => {
      calls.push(`baud ${b}`);
    },
    setSignals: async (s: { rts?: boolean; dtr?: boolean }) => {
      calls.push(`rts ${s.rts} dtr ${s.dtr}`);
    },
  });
}

function setup(timeouts = {}) {
  const meter = new AnsiMeter(parseAnsiMeterProfile(profileText));
  const [a, b] = createMemoryPair();
  const clientPort = withControls(a);
  const meterPort = withControls(b);
  const server = serveC1218(meterPort, meter, { baseBaudRate: 9600 });
  const trace: C1218LinkTrace[] = [];
  const sink = collectingSink();
  const recorder = new SerialRecorder(new PcapngWriter(sink.sink), { name: 'memory' });
  const client = new C1218Client({
    port: clientPort,
    signals: { rts: true, dtr: false },
    timeouts,
    trace: (e) => trace.push(e),
    recorder,
    baudSwitchDelayMs: 1,
  });
  return { meter, server, client, clientPort, meterPort, trace, sink };
}

t.test('C12.18 session: identify, negotiate, logon, read, write, procedure, logoff, terminate', async (t) => {
  const { meter, server, client, clientPort, meterPort, trace, sink } = setup();
  t.teardown(() => server.stop());
  await client.start({
    negotiate: { packetSize: 256, numberOfPackets: 8, baudRates: [12, 6] },
    logon: { userId: 2, user: 'tester', password: 'meterkit-write' },
  });
  t.same(clientPort.calls, ['rts true dtr false', 'baud 115200'], 'probe power, then the negotiated baud');
  t.equal(client.link.packetSize, 256);
  t.equal(client.link.maxPackets, 8);
  t.equal(server.link.packetSize, 256, 'the meter applied the negotiated packet size');
  t.same(meterPort.calls, ['baud 115200']);
  t.equal(server.session.state, 'session');
  t.equal(server.session.access, 'write');

  await client.wait(5);
  const st0 = await client.readTable(0);
  t.same(st0, meter.tables.read(0));
  const st64 = await client.readTable(64);
  t.same(st64, meter.tables.read(64), 'a multi-packet read');
  t.ok(st64.length > 248 * 4, 'needs more than four packets');
  const part = await client.readTable(1, { offset: 4, count: 8 });
  t.same(part, meter.tables.read(1)!.subarray(4, 12));
  const st1 = decodeTable(1, await client.readTable(1), {
    ctx: tableContextFromGenConfig(decodeGenConfigTbl(st0)),
  });
  t.equal(st1.type, 'GENERAL_MFG_ID_TBL');

  // write part of ST52 and read it back
  const clock = Uint8Array.from(meter.tables.read(52)!);
  clock[0] = 30;
  await client.writeTable(52, clock.subarray(0, 1), { offset: 0 });
  t.same((await client.readTable(52))[0], 30);

  const result = await client.runProcedure(remoteDisconnect(0));
  t.match(result, { procedure: 21, resultCode: 0, resultName: 'procedure-completed', sequenceNumber: 1 });
  t.equal(meter.loadControl.get(0), 0);
  const bad = await client.runProcedure({ type: 'raw', number: 99 }, { allowFailure: true });
  t.equal(bad.resultCode, 6);
  await t.rejects(client.runProcedure({ type: 'raw', number: 2047, manufacturer: true }), {
    code: C1222SessionErrorCode.ProcedureFailed,
  });

  await t.rejects(client.readTable(4000), { code: C1222SessionErrorCode.ServiceError });
  await t.rejects(client.writeTable(1, new Uint8Array(32)), { code: C1222SessionErrorCode.ServiceError });
  await client.end();
  t.equal(server.session.state, 'base', 'terminate returned the meter to its base state');
  t.ok(trace.some((e) => e.kind === 'packet' && e.direction === 'tx'));
  t.ok(trace.some((e) => e.kind === 'ack' && e.direction === 'rx'));
  t.ok(sink.length > 500, 'the session was recorded');
  const pwHex = Buffer.from('meterkit-write').toString('hex');
  t.notOk(
    trace.some((e) => e.hex?.includes(pwHex)),
    'the password never appears in the debug log',
  );
  t.ok(trace.some((e) => e.hex?.includes('password hidden')));
  t.notMatch(JSON.stringify(meter) + String(meter), /meterkit-write|6624c7e2/, 'the meter prints no secrets');
  await t.rejects(client.identify(), { code: 501 }, 'closed client');
});

t.test('wrong password is PasswordRejected (443); read access cannot write', async (t) => {
  const { server, client } = setup();
  t.teardown(() => server.stop());
  await client.start({ logon: { user: 'x' } });
  const pw = (s: string) => new TextEncoder().encode(s.padEnd(20, ' '));
  await t.rejects(client.call({ type: 'security', password: pw('nope') }), {
    code: C1222SessionErrorCode.PasswordRejected,
  });
  // a second logon in session state is out of sequence
  await t.rejects(client.logon({}), { code: C1222SessionErrorCode.ServiceError });
  await client.call({ type: 'security', password: pw('meterkit-read') });
  t.equal(server.session.access, 'read');
  await t.rejects(client.writeTable(52, new Uint8Array(7)), { code: 442 });
  await t.rejects(client.call({ type: 'negotiate', packetSize: 64, numberOfPackets: 1, baudRates: [] }), {
    code: 442,
  });
  await t.rejects(client.request({ type: 'disconnect' }), { code: 212 }, 'not a C12.18 service');
  await client.end();
});

t.test('services out of sequence are refused with isss', async (t) => {
  const { server, client } = setup();
  t.teardown(() => server.stop());
  await client.open();
  const r = await client.request({ type: 'full-read', tableId: 0 });
  t.match(r, { type: 'error-response', name: 'isss' });
  await client.identify();
  const s = await client.request({ type: 'security', password: new Uint8Array(20) });
  t.match(s, { type: 'error-response', name: 'isss' });
  client.close();
});

t.test('a silent meter: retries exhausted (440) and closed port (501)', async (t) => {
  const [a, b] = createMemoryPair();
  const client = new C1218Client({ port: a, timeouts: { responseTimeoutMs: 20 }, retries: 2 });
  await client.open();
  await t.rejects(client.identify(), { code: C1222SessionErrorCode.LinkRetriesExhausted });
  const chunks: Uint8Array[] = [];
  b.onData((c) => chunks.push(c));
  await new Promise((r) => setTimeout(r, 10));
  const noSignals = new C1218Client({ port: b, signals: { rts: true } });
  await t.rejects(noSignals.open(), { code: 600 });
  const pending = client.identify();
  await a.close();
  const closed = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(
    isMeterkitError(closed, 501) && closed instanceof MeterkitError,
    'pending request fails with TransportClosed',
  );
  await t.rejects(client.identify(), { code: 501 });
});

t.test('the meter answers garbage and hostile packets without dying', async (t) => {
  const meter = new AnsiMeter(parseAnsiMeterProfile(profileText));
  const [a, b] = createMemoryPair();
  const server = serveC1218(b, meter);
  t.teardown(() => server.stop());
  const got: Uint8Array[] = [];
  a.onData((c) => got.push(c));
  // a valid packet carrying an unknown service code
  await a.write(Uint8Array.of(0xee, 0, 0, 0, 0, 1, 0x99, 0x00, 0x00));
  await a.write(Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff));
  for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  t.ok(got.length > 0, 'the meter still talks');
  const client = new C1218Client({ port: a });
  const id = await client.identify();
  t.equal(id.std, 0);
  client.close();
});
