import { SerialTransport } from '@meterkit/core/transport';
import t from 'tap';
import { haveCommand, startPtyPair } from '../../core/test/helpers/transport-socat.js';
import { decodeApdu, entryDescriptorToData, HdlcLink, hdlcAddress, OpticalSignOn } from '../src/index.js';
import { DEFAULT_SIMULATOR_PROFILE } from '../src/server/default-profile.js';
import { serveHdlcSerial } from '../src/server/serve.js';
import { MeterSimulator } from '../src/server/simulator.js';
import { aare, aarq, get, T0 } from './server-helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Mode E sign-on from the client end: returns once the line is in binary mode. */
async function signOn(port: SerialTransport): Promise<string> {
  const s = new OpticalSignOn({
    mode: 'E',
    maxBaud: 9600,
    baudSwitchDelayMs: 50,
    responseTimeoutMs: 1000,
    retries: 4,
  });
  const off = port.onData((chunk) => s.receive(chunk));
  try {
    s.start();
    const deadline = Date.now() + 8000;
    let waitingSince = Date.now();
    for (;;) {
      const a = s.nextAction();
      if (a === undefined) {
        if (Date.now() > deadline) throw new Error('sign-on timed out');
        const limit = s.timeoutMs;
        if (limit !== undefined && Date.now() - waitingSince > limit) {
          s.timeout(); // repeat the request, as a hand-held unit does
          waitingSince = Date.now();
        }
        await sleep(10);
        continue;
      }
      waitingSince = Date.now();
      if (a.type === 'set-line') await port.setFormat({ ...a.line });
      else if (a.type === 'write') await port.write(a.bytes);
      else if (a.type === 'wait') await sleep(a.ms);
      else if (a.type === 'failed') throw a.error;
      else if (a.type === 'ready') return `${a.identification.manufacturer} ${a.identification.maxBaud}`;
    }
  } finally {
    off();
  }
}

/** Drives a client HDLC link over the port until an event of `type`. */
async function until(
  link: HdlcLink,
  port: SerialTransport,
  type: string,
): Promise<{ type: string; apdu?: Uint8Array }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    for (let b = link.nextOutput(); b !== undefined; b = link.nextOutput()) await port.write(b);
    for (let e = link.nextEvent(); e !== undefined; e = link.nextEvent())
      if (e.type === type) return e as { type: string; apdu?: Uint8Array };
    if (Date.now() > deadline) throw new Error(`no ${type}`);
    try {
      link.receive(await port.read({ timeoutMs: link.timeoutMs ?? 200 }));
    } catch {
      link.timeout(); // nothing arrived in time: the link retries (or gives up)
    }
  }
}

t.test(
  'a meter on a cable: socat pty, mode E sign-on, HDLC, DLMS',
  {
    skip: haveCommand('socat')
      ? false
      : 'socat is not installed: the serial simulator test needs it (apt-get install socat)',
  },
  async (t) => {
    const pty = await startPtyPair();
    t.teardown(() => pty.cleanup());
    const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE, { now: () => T0 });
    const server = await serveHdlcSerial(sim, { path: pty.a, optical: true, baudRate: 9600 });
    t.teardown(() => server.close());
    const port = new SerialTransport({
      path: pty.b,
      baudRate: 300,
      dataBits: 7,
      parity: 'even',
      lock: false,
    });
    await port.open();
    t.teardown(() => port.close());
    for (const round of [1, 2]) {
      t.equal(await signOn(port), 'MKT 9600', `identification (round ${round})`);
      const link = new HdlcLink({
        role: 'client',
        localAddress: hdlcAddress(16),
        remoteAddress: hdlcAddress(1, 17),
        responseTimeoutMs: 1500,
      });
      link.connect();
      await until(link, port, 'connected');
      link.send(aarq());
      t.equal(aare((await until(link, port, 'apdu')).apdu!).result, 0, 'associated');
      link.send(
        get(7, '1-0:99.1.0.255', 2, {
          accessSelector: 2,
          accessParameters: entryDescriptorToData({
            fromEntry: 1,
            toEntry: 3,
            fromSelectedValue: 1,
            toSelectedValue: 0,
          }),
        }),
      );
      const r = decodeApdu((await until(link, port, 'apdu')).apdu!);
      t.ok(
        r.type === 'get-response-normal' &&
          r.result.type === 'data' &&
          r.result.data.type === 'array' &&
          r.result.data.value.length === 3,
        'three load profile entries',
      );
      link.disconnect();
      await until(link, port, 'disconnected');
      // the meter goes back to 300 baud for the next sign-on
      await port.setFormat({ baudRate: 300, dataBits: 7, parity: 'even', stopBits: 1 });
      await sleep(100);
    }
  },
);

t.test(
  'mode C readout and plain HDLC on a serial line',
  {
    skip: haveCommand('socat')
      ? false
      : 'socat is not installed: the serial simulator test needs it (apt-get install socat)',
  },
  async (t) => {
    const pty = await startPtyPair();
    t.teardown(() => pty.cleanup());
    const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE, { now: () => T0 });
    const server = await serveHdlcSerial(sim, { path: pty.a, optical: true, baudRate: 9600 });
    t.teardown(() => server.close());
    const port = new SerialTransport({
      path: pty.b,
      baudRate: 300,
      dataBits: 7,
      parity: 'even',
      lock: false,
    });
    await port.open();
    t.teardown(() => port.close());
    let readout: string | undefined;
    // a hand-held unit tries again when a readout is garbled; so does this test (at most 3 times)
    for (let attempt = 0; attempt < 3 && readout === undefined; attempt++) {
      await port.setFormat({ baudRate: 300, dataBits: 7, parity: 'even', stopBits: 1 });
      await sleep(attempt === 0 ? 0 : 600);
      const s = new OpticalSignOn({
        mode: 'C',
        maxBaud: 9600,
        baudSwitchDelayMs: 50,
        responseTimeoutMs: 2000,
      });
      const off = port.onData((chunk) => s.receive(chunk));
      s.start();
      const deadline = Date.now() + 6000;
      let failed = false;
      while (readout === undefined && !failed && Date.now() < deadline) {
        const a = s.nextAction();
        if (a === undefined) await sleep(10);
        else if (a.type === 'set-line') await port.setFormat({ ...a.line });
        else if (a.type === 'write') await port.write(a.bytes);
        else if (a.type === 'wait') await sleep(a.ms);
        else if (a.type === 'failed') failed = true;
        else if (a.type === 'readout') readout = a.readout.text;
        if (s.timeoutMs !== undefined && a === undefined && Date.now() > deadline - 100) s.timeout();
      }
      off();
    }
    t.match(readout, /1\.8\.0\(\d{6}\.\d{3}\*kWh\)/, 'the energy registers in the readout');

    // without the sign-on: HDLC at 9600 8N1 straight away
    const pty2 = await startPtyPair();
    t.teardown(() => pty2.cleanup());
    const plain = await serveHdlcSerial(sim, { path: pty2.a });
    t.teardown(() => plain.close());
    t.equal(plain.address, pty2.a);
    const port2 = new SerialTransport({ path: pty2.b, baudRate: 9600, lock: false });
    await port2.open();
    t.teardown(() => port2.close());
    const link = new HdlcLink({
      role: 'client',
      localAddress: hdlcAddress(16),
      remoteAddress: hdlcAddress(1, 17),
      responseTimeoutMs: 1500,
    });
    link.connect();
    await until(link, port2, 'connected');
    link.send(aarq());
    t.equal(aare((await until(link, port2, 'apdu')).apdu!).result, 0);
  },
);
