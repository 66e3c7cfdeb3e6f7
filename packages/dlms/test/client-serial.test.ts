import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectingSink } from '@meterkit/core';
import { createMemoryPair, SerialTransport, type Transport } from '@meterkit/core/transport';
import t, { type Test } from 'tap';
import { DlmsClient, opticalSignOnModeE } from '../src/client/index.js';
import { type DlmsData, OpticalDevice } from '../src/index.js';
import { key, ScriptedServer, serveHdlc } from './client-responder.js';

const objects = (): Map<string, DlmsData> =>
  new Map<string, DlmsData>([[key(3, '1-0:1.8.0.255', 2), { type: 'double-long-unsigned', value: 4242 }]]);

/** The meter side of an optical port: IEC 62056-21 sign-on, then HDLC with the scripted server. */
function opticalMeter(
  port: Transport & { setFormat?: (f: object) => Promise<void> },
  server: ScriptedServer,
): void {
  const device = new OpticalDevice({ manufacturer: 'MKt', identification: 'SIM1', maxBaud: 9600 });
  let hdlc = false;
  port.onData((chunk) => {
    if (hdlc) return;
    device.receive(chunk);
    for (let a = device.nextAction(); a !== undefined; a = device.nextAction()) {
      if (a.type === 'write') void port.write(a.bytes);
      else if (a.type === 'set-line' && device.state === 'binary') {
        hdlc = true;
        void port.setFormat?.({ baudRate: a.line.baudRate, dataBits: 8, parity: 'none' });
        serveHdlc(port, server);
      }
    }
  });
}

t.test('mode E sign-on then HDLC over a memory pair', async (t) => {
  const [a, b] = createMemoryPair();
  const formats: object[] = [];
  const line = Object.assign(a, {
    setFormat: async (f: object) => {
      formats.push(f);
    },
  });
  opticalMeter(b, new ScriptedServer({ objects: objects() }));
  const r = await opticalSignOnModeE(line, { baudSwitchDelayMs: 5 });
  t.equal(r.baudRate, 9600);
  t.equal(r.identification.manufacturer.toUpperCase(), 'MKT');
  t.same(formats[0], { baudRate: 300, dataBits: 7, parity: 'even', stopBits: 1 });
  t.same(formats.at(-1), { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
  const client = await DlmsClient.connect({
    connection: { type: 'transport', transport: a, framing: 'hdlc', physicalAddress: 17, hdlcTimeoutMs: 300 },
    timeoutMs: 2000,
  });
  t.same(await client.get('1-0:1.8.0.255', { classId: 3 }), { type: 'double-long-unsigned', value: 4242 });
  await client.close();
});

t.test('no identification: the error says what to check', async (t) => {
  const [a] = createMemoryPair();
  const line = Object.assign(a, { setFormat: async () => undefined });
  await t.rejects(opticalSignOnModeE(line, { responseTimeoutMs: 20, retries: 1 }), {
    code: 402,
    message: /probe/,
  });
  const ac = new AbortController();
  ac.abort();
  await t.rejects(opticalSignOnModeE(line, { signal: ac.signal }), { code: 405 });
});

t.test('HDLC: connecting can be cancelled', async (t) => {
  const [a] = createMemoryPair();
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 20);
  await t.rejects(
    DlmsClient.connect({
      connection: { type: 'transport', transport: a, framing: 'hdlc', hdlcTimeoutMs: 1000 },
      signal: ac.signal,
    }),
    { code: 405 },
  );
});

t.test('HDLC: no answer to SNRM gives a hint', async (t) => {
  const [a] = createMemoryPair();
  await t.rejects(
    DlmsClient.connect({
      connection: { type: 'transport', transport: a, framing: 'hdlc', hdlcTimeoutMs: 10, hdlcRetries: 1 },
    }),
    { code: 402, message: /no answer to SNRM.*server-address/ },
  );
});

function socatPair(t: Test): Promise<{ a: string; b: string } | undefined> {
  if (!['/usr/bin/socat', '/usr/local/bin/socat', '/bin/socat'].some((p) => existsSync(p)))
    return Promise.resolve(undefined);
  const dir = mkdtempSync(join(tmpdir(), 'mk-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const p = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  t.teardown(() => {
    p.kill();
  });
  return new Promise((resolve) => {
    const started = Date.now();
    const poll = (): void => {
      if (existsSync(a) && existsSync(b)) resolve({ a, b });
      else if (Date.now() - started > 3000) resolve(undefined);
      else setTimeout(poll, 20);
    };
    poll();
  });
}

const SOCAT = ['/usr/bin/socat', '/usr/local/bin/socat', '/bin/socat'].some((p) => existsSync(p));

t.test(
  'serial pty (socat): mode E sign-on, HDLC, recorded',
  { skip: SOCAT ? false : 'socat is not installed (apt-get install socat): serial end-to-end test skipped' },
  async (t) => {
    const pair = await socatPair(t);
    if (pair === undefined) {
      t.fail('socat did not create the pty pair');
      return;
    }
    const meterPort = new SerialTransport({
      path: pair.b,
      baudRate: 300,
      dataBits: 7,
      parity: 'even',
      lock: false,
    });
    await meterPort.open();
    t.teardown(() => meterPort.close());
    opticalMeter(meterPort, new ScriptedServer({ objects: objects() }));
    const sink = collectingSink();
    const client = await DlmsClient.connect({
      connection: {
        type: 'serial',
        path: pair.a,
        modeE: { baudSwitchDelayMs: 20 },
        physicalAddress: 17,
        hdlcTimeoutMs: 500,
      },
      capture: sink.sink,
      timeoutMs: 3000,
    });
    t.equal(client.identification?.identification, 'SIM1');
    t.same(await client.get('1-0:1.8.0.255', { classId: 3 }), { type: 'double-long-unsigned', value: 4242 });
    await client.release();
    await client.close();
    t.ok(sink.length > 100, 'pcapng written');
  },
);
