import { fromHex, isMeterkitError, toHex } from '@meterkit/core';
import { createMemoryPair, SerialTransport } from '@meterkit/core/transport';
import fc from 'fast-check';
import t, { type Test } from 'tap';
import {
  type C1222DatalinkRequest,
  c1222DatalinkIdentity,
  decodeC1222DatalinkIdentity,
  decodeC1222DatalinkRequest,
  decodeC1222DatalinkResponse,
  decodeC1222LinkControl,
  encodeC1222DatalinkRequest,
  encodeC1222DatalinkResponse,
} from '../src/c1218/c1222-datalink.js';
import { decodeC1218Packet } from '../src/c1218/packet.js';
import type { C1222Client } from '../src/client/c1222-client.js';
import { absoluteApTitle } from '../src/index.js';
import { AnsiMeter } from '../src/server/ansi-meter.js';
import { serveC1222LocalPort } from '../src/server/c1222-local-port-server.js';
import { C1218Link, type C1218LinkTrace } from '../src/session/c1218-link.js';
import { C1222LocalPortTransport } from '../src/session/c1222-local-port.js';
import { C1222SessionErrorCode } from '../src/session/errors.js';
import { resolveTableIndex, tableElementLayout } from '../src/tables/element-index.js';
import { clientToMeter, profile } from './helpers/ansi-meter-profile.js';
import { haveSocat, ptyPair, serialportInstalled } from './helpers/pty.js';

const LINK_ENABLE = {
  interfaceControl: 1,
  autoRegistrationControl: 0,
  directMessagingControl: 0,
  resetStatistics: false,
  reloadConfiguration: false,
};

t.test('datalink services: bytes both ways', (t) => {
  const cases: [C1222DatalinkRequest, string][] = [
    [
      { type: 'dl-negotiate', packetSize: 256, numberOfPackets: 4, baudRates: [6, 12], numberOfChannels: 1 },
      '62' + '0100' + '04' + '060c' + '01',
    ],
    [{ type: 'dl-get-configuration' }, '72'],
    [
      {
        type: 'dl-link-control',
        control: {
          interfaceControl: 3,
          autoRegistrationControl: 2,
          directMessagingControl: 0,
          resetStatistics: true,
          reloadConfiguration: false,
        },
      },
      '73' + '4b',
    ],
    [
      { type: 'dl-send-message', nativeAddress: fromHex('0a0b'), apdu: fromHex('600300a0') },
      '74020a0b600300a0',
    ],
    [{ type: 'dl-send-short-message', nativeAddress: new Uint8Array(0), apdu: fromHex('6000') }, '77006000'],
    [{ type: 'dl-get-status', statusControl: 1 }, '7501'],
    [{ type: 'dl-get-registration-status' }, '76'],
  ];
  for (const [req, hex] of cases) {
    t.equal(toHex(encodeC1222DatalinkRequest(req)), hex, req.type);
    t.same(decodeC1222DatalinkRequest(fromHex(hex)), req, `${req.type} decoded`);
  }
  const neg = cases[0]![0];
  const resp = fromHex('00' + '0200' + '02' + '0a' + '01' + '03');
  const typed = decodeC1222DatalinkResponse(resp, neg);
  t.same(typed, {
    type: 'dl-negotiate-response',
    packetSize: 512,
    numberOfPackets: 2,
    baudRate: 10,
    numberOfChannels: 1,
    interfaceNumber: 3,
  });
  t.equal(toHex(encodeC1222DatalinkResponse(typed)), toHex(resp));
  t.same(decodeC1222DatalinkResponse(fromHex('02')), {
    type: 'dl-response',
    code: 2,
    name: 'sns',
    data: new Uint8Array(0),
  });
  t.throws(() => decodeC1222DatalinkRequest(fromHex('7f')), { code: 212 });
  t.throws(() => decodeC1222DatalinkRequest(fromHex('7402aa')), { code: 201 });
  t.throws(() => decodeC1222DatalinkRequest(fromHex('7300ff')), { code: 208 });
  t.throws(() => decodeC1222DatalinkResponse(fromHex('30')), { code: 204 });
  t.throws(
    () => encodeC1222DatalinkRequest({ ...neg, baudRates: new Array(12).fill(6) } as C1222DatalinkRequest),
    {
      code: 211,
    },
  );
  t.throws(() => encodeC1222DatalinkRequest({ ...neg, packetSize: 9000 } as C1222DatalinkRequest), {
    code: 211,
  });
  t.same(decodeC1222LinkControl(0xff), {
    interfaceControl: 3,
    autoRegistrationControl: 3,
    directMessagingControl: 3,
    resetStatistics: true,
    reloadConfiguration: true,
  });
  t.equal(c1222DatalinkIdentity(1, 2), 0x0a, 'Local Port 0, channel 2');
  t.same(decodeC1222DatalinkIdentity(0x0a), { localAddress: 1, channel: 2 });
  t.throws(() => c1222DatalinkIdentity(29), { code: 600 }, '29 would look like EE');
  t.throws(() => c1222DatalinkIdentity(1, 8), { code: 600 });
  t.end();
});

t.test('property: arbitrary datalink bytes only raise MeterkitError', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      for (const f of [() => decodeC1222DatalinkRequest(b), () => decodeC1222DatalinkResponse(b)]) {
        try {
          f();
        } catch (e) {
          if (!isMeterkitError(e)) return false;
        }
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass('only MeterkitError');
  t.end();
});

t.test('the link in its C12.22 form: DATA_FORMAT and identity on the wire, other formats dropped', (t) => {
  const trace: C1218LinkTrace[] = [];
  const a = new C1218Link({ role: 'client', identity: c1222DatalinkIdentity(1), dataFormat: 1 });
  const b = new C1218Link({ role: 'device', dataFormat: 1, trace: (e) => trace.push(e) });
  a.send(fromHex('7200'), 0);
  const wire = a.nextOutput()!;
  const packet = decodeC1218Packet(wire);
  t.equal(packet.identity, 0x08, 'LOCAL_ADDRESS_NUMBER 1 in bits 3–7');
  t.equal(packet.control.low, 1, 'DATA_FORMAT 1');
  b.receive(wire, 0);
  t.match(b.nextEvent(), { type: 'apdu' });
  const plain = new C1218Link({ role: 'client' });
  plain.send(fromHex('30'), 0);
  b.receive(plain.nextOutput()!, 1);
  t.equal(b.nextEvent(), undefined, 'a C12.18 packet is not delivered');
  t.ok(trace.some((e) => e.kind === 'discarded' && /DATA_FORMAT 0/.test(e.detail ?? '')));
  t.end();
});

async function exercise(t: Test, client: C1222Client, meter: AnsiMeter): Promise<void> {
  const id = await client.identify();
  t.equal(id.std, 3);
  t.same(await client.readTable(1), meter.tables.read(1));
  t.same(await client.readTable(64), meter.tables.read(64), 'a multi-packet send-message');
  const layout = tableElementLayout(76, meter.tables.dependencies())!;
  const entry = resolveTableIndex(layout, [5, 0], 1);
  t.same(
    await client.readTable(76, { index: [5, 0] }),
    meter.tables.read(76)!.subarray(entry.offset, entry.offset + entry.length),
    'index read',
  );
}

t.test('C12.22 client and meter over a memory pair with the local-port datalink', async (t) => {
  const meter = new AnsiMeter(profile);
  const [a, b] = createMemoryPair();
  const server = serveC1222LocalPort(b, meter);
  const transport = new C1222LocalPortTransport({
    port: a,
    negotiate: { packetSize: 256, numberOfPackets: 8, baudRates: [6] },
    timeouts: { responseTimeoutMs: 1000 },
  });
  const client = clientToMeter(transport, 2);
  await client.open();
  t.match(transport.negotiated, { packetSize: 256, numberOfPackets: 8, baudRate: 6, numberOfChannels: 1 });
  t.equal(transport.link.packetSize, 256);
  await exercise(t, client, meter);
  const status = await transport.service({ type: 'dl-get-status', statusControl: 0 });
  t.same(status, {
    type: 'dl-get-status-response',
    interfaceName: 'meterkit local port',
    interfaceStatus: 1,
    statistics: [],
  });
  const stats = await transport.service({ type: 'dl-get-status', statusControl: 2 });
  t.same(stats, { type: 'dl-get-status-response', statistics: [] });
  const cfg = await transport.service({ type: 'dl-get-configuration' });
  t.match(cfg, { type: 'dl-response', name: 'sns' }, 'no configuration given to the server');
  server.stop();
  await client.close();
});

if (!haveSocat()) {
  t.comment('socat not installed: the C12.22 local-port pty test is skipped (apt-get install socat)');
  t.pass('skipped: no socat');
} else if (!(await serialportInstalled())) {
  t.comment('the serialport package is not installed: the C12.22 local-port pty test is skipped');
  t.pass('skipped: no serialport');
} else {
  t.test('C12.22 over the serial datalink on a socat pty, with a negotiated baud change', async (t) => {
    const pty = await ptyPair('meterkit-c1222-', 'module', 'meter');
    t.teardown(() => pty.cleanup());
    const meter = new AnsiMeter(profile);
    const meterPort = new SerialTransport({ path: pty.b, baudRate: 9600 });
    const modulePort = new SerialTransport({ path: pty.a, baudRate: 9600 });
    await meterPort.open();
    const server = serveC1222LocalPort(meterPort, meter);
    const transport = new C1222LocalPortTransport({
      port: modulePort,
      negotiate: { packetSize: 512, numberOfPackets: 4, baudRates: [10, 8] },
      timeouts: { responseTimeoutMs: 2000 },
    });
    const client = clientToMeter(transport, 1);
    await client.open();
    t.equal(modulePort.baudRate, 57600, 'the module switched to the negotiated rate');
    await waitFor(() => meterPort.baudRate === 57600, 5000).catch(() => undefined);
    t.equal(meterPort.baudRate, 57600, 'the meter switched after the ACK');
    await exercise(t, client, meter);
    server.stop();
    await client.close();
    await meterPort.close();
  });
}

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

t.test('local port: refusals and unsolicited services', async (t) => {
  const idle = new C1222LocalPortTransport({ port: createMemoryPair()[0] });
  await t.rejects(idle.service({ type: 'dl-get-registration-status' }), { code: 404 }, 'not open');
  const [a, b] = createMemoryPair();
  const device = new C1218Link({ role: 'device', dataFormat: 1 });
  const transport = new C1222LocalPortTransport({ port: a, timeouts: { responseTimeoutMs: 500 } });
  await transport.open();
  const received: Uint8Array[] = [];
  transport.onData((d) => received.push(d));
  const pump = () => {
    for (let o = device.nextOutput(); o !== undefined; o = device.nextOutput()) void b.write(o);
  };
  const events: Uint8Array[] = [];
  b.onData((chunk) => {
    device.receive(chunk, performance.now());
    for (let e = device.nextEvent(); e !== undefined; e = device.nextEvent())
      if (e.type === 'apdu') events.push(e.data);
    pump();
  });
  // the device refuses a send-message: write() rejects with ServiceError
  const w = transport.write(fromHex('600300a000'));
  await waitFor(() => !(events.length === 0));
  t.equal(toHex(events[0]!), '7400600300a000', 'send-message with an empty native address');
  device.send(fromHex('06'), performance.now(), false);
  pump();
  await t.rejects(
    w,
    { code: C1222SessionErrorCode.ServiceError },
    'a refused send-message is a ServiceError',
  );
  // an unsolicited get-status from the device is answered sns; a send-message is delivered
  device.send(
    encodeC1222DatalinkRequest({ type: 'dl-get-status', statusControl: 0 }),
    performance.now(),
    true,
  );
  pump();
  await waitFor(() => !(events.length < 2));
  t.equal(toHex(events[1]!), '02', 'sns');
  device.send(
    encodeC1222DatalinkRequest({
      type: 'dl-send-message',
      nativeAddress: new Uint8Array(0),
      apdu: fromHex('6000'),
    }),
    performance.now(),
    true,
  );
  pump();
  await waitFor(() => !(received.length === 0));
  t.equal(toHex(received[0]!), '6000', 'the APDU reached the transport');
  await waitFor(() => !(events.length < 3));
  t.equal(toHex(events[2]!), '00', 'and was acknowledged ok');
  await transport.close();
});

t.test(
  'local-port meter: configuration, link control, status, a bad negotiate, a message it cannot answer',
  async (t) => {
    const meter = new AnsiMeter(profile);
    const [a, b] = createMemoryPair();
    const rejects: string[] = [];
    const configuration = {
      passthroughMode: false,
      controlReserved: 0,
      linkControl: {
        interfaceControl: 1,
        autoRegistrationControl: 2,
        directMessagingControl: 0,
        resetStatistics: false,
        reloadConfiguration: false,
      },
      nodeType: 0x20,
      deviceClass: fromHex('4d4b534d'),
      esn: { form: 'relative' as const, relative: '.7.42', universalTag: true },
      nativeAddress: fromHex('01'),
      broadcastAddress: new Uint8Array(0),
      relayNativeAddress: new Uint8Array(0),
      nodeApTitle: absoluteApTitle(profile.apTitle!),
    };
    const server = serveC1222LocalPort(b, meter, {
      onReject: (r) => rejects.push(r),
      configuration,
      interfaceName: 'optical',
    });
    const transport = new C1222LocalPortTransport({ port: a, timeouts: { responseTimeoutMs: 1000 } });
    await transport.open();
    t.same(await transport.service({ type: 'dl-get-configuration' }), {
      type: 'dl-get-configuration-response',
      ...configuration,
    });
    t.same(await transport.service({ type: 'dl-get-status', statusControl: 1 }), {
      type: 'dl-get-status-response',
      interfaceName: 'optical',
      interfaceStatus: 1,
      statistics: [],
    });
    const ok = { type: 'dl-response', code: 0 };
    t.match(
      await transport.service({
        type: 'dl-link-control',
        control: {
          interfaceControl: 1,
          autoRegistrationControl: 0,
          directMessagingControl: 0,
          resetStatistics: false,
          reloadConfiguration: false,
        },
      }),
      { type: 'dl-link-control-response', interfaceStatus: 1, nodeApTitle: meter.apTitle },
    );
    t.match(
      await transport.service({
        type: 'dl-link-control',
        control: { ...LINK_ENABLE, interfaceControl: 2 },
      }),
      { type: 'dl-link-control-response', interfaceStatus: 0 },
      'disabled',
    );
    t.match(await transport.service({ type: 'dl-get-status', statusControl: 1 }), { interfaceStatus: 0 });
    t.same(await transport.service({ type: 'dl-get-registration-status' }), {
      type: 'dl-get-registration-status-response',
      relayNativeAddress: new Uint8Array(0),
      masterRelayApTitle: undefined,
      nodeApTitle: meter.apTitle,
      regPowerUpDelay: 0,
      regPeriod: 0,
      regCountDown: 0,
    });
    t.match(
      await transport.service({
        type: 'dl-negotiate',
        packetSize: 8,
        numberOfPackets: 1,
        baudRates: [],
        numberOfChannels: 1,
      }),
      { type: 'dl-response', name: 'onp' },
    );
    t.match(
      await transport.service({
        type: 'dl-send-short-message',
        nativeAddress: new Uint8Array(0),
        apdu: fromHex('0102'),
      }),
      ok,
      'accepted, but not a C12.22 message: no answer follows',
    );
    server.stop();
    await transport.close();
  },
);
