import { bindUdp, listenTcp, TcpTransport, type Transport, UdpTransport } from '@meterkit/core/transport';
import t from 'tap';
import {
  decodeApdu,
  decodeWrapperPdu,
  encodeWrapperPdu,
  HdlcLink,
  hdlcAddress,
  WrapperDeframer,
} from '../src/index.js';
import { DEFAULT_SIMULATOR_PROFILE } from '../src/server/default-profile.js';
import type { SimulatorProfile } from '../src/server/profile.js';
import { deliverPushes, serveHdlcTcp, serveWrapperTcp, serveWrapperUdp } from '../src/server/serve.js';
import { MeterSimulator } from '../src/server/simulator.js';
import { aare, aarq, get, T0 } from './server-helpers.js';

function value(apdu: Uint8Array): unknown {
  const d = decodeApdu(apdu);
  if (d.type !== 'get-response-normal' || d.result.type !== 'data') throw new Error(`unexpected ${d.type}`);
  return d.result.data.type;
}

/** Reads wrapper PDUs from a stream until `n` arrived. */
async function readPdus(conn: Transport, deframer: WrapperDeframer, n: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  while (out.length < n) {
    const chunk = await conn.read({ timeoutMs: 3000 });
    for (const item of deframer.push(chunk)) if (item.type === 'pdu') out.push(item.pdu.payload);
  }
  return out;
}

t.test('wrapper over TCP: routing by wPort, association, get', async (t) => {
  const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE, { now: () => T0 });
  const server = await serveWrapperTcp(sim, { port: 0 });
  t.teardown(() => server.close());
  const conn = new TcpTransport({ host: '127.0.0.1', port: server.port });
  await conn.open();
  t.teardown(() => conn.close());
  const deframer = new WrapperDeframer();
  // a PDU for an unknown logical device, and one for an unknown client, get no answer
  await conn.write(encodeWrapperPdu({ sourceWPort: 16, destinationWPort: 9, payload: aarq() }));
  await conn.write(encodeWrapperPdu({ sourceWPort: 99, destinationWPort: 1, payload: aarq() }));
  const both = new Uint8Array([
    ...encodeWrapperPdu({ sourceWPort: 16, destinationWPort: 1, payload: aarq() }),
    ...encodeWrapperPdu({ sourceWPort: 16, destinationWPort: 1, payload: get(3, '1-0:1.8.0.255', 2) }),
  ]);
  await conn.write(both);
  const [a, g] = await readPdus(conn, deframer, 2);
  t.equal(aare(a!).result, 0);
  t.equal(value(g!), 'double-long-unsigned');
  t.match(server.address, /^127\.0\.0\.1:\d+$/);
});

t.test('wrapper over UDP: one session per peer', async (t) => {
  const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE, { now: () => T0 });
  const server = await serveWrapperUdp(sim, { port: 0 });
  t.teardown(() => server.close());
  const udp = new UdpTransport({ host: '127.0.0.1', port: server.port });
  await udp.open();
  t.teardown(() => udp.close());
  await udp.write(Uint8Array.of(0, 1, 0)); // not a wrapper PDU: dropped
  await udp.write(encodeWrapperPdu({ sourceWPort: 16, destinationWPort: 1, payload: aarq() }));
  const a = decodeWrapperPdu(await udp.read({ timeoutMs: 3000 }));
  t.same([a.sourceWPort, a.destinationWPort], [1, 16]);
  t.equal(aare(a.payload).result, 0);
  await udp.write(
    encodeWrapperPdu({ sourceWPort: 16, destinationWPort: 1, payload: get(8, '0-0:1.0.0.255', 2) }),
  );
  t.equal(value(decodeWrapperPdu(await udp.read({ timeoutMs: 3000 })).payload), 'octet-string');
});

t.test('HDLC over TCP: SNRM/UA, segmented answers, DISC, DM for strangers', async (t) => {
  const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE, { now: () => T0 });
  const server = await serveHdlcTcp(sim, { port: 0 });
  t.teardown(() => server.close());
  const conn = new TcpTransport({ host: '127.0.0.1', port: server.port });
  await conn.open();
  t.teardown(() => conn.close());
  const link = new HdlcLink({
    role: 'client',
    localAddress: hdlcAddress(16),
    remoteAddress: hdlcAddress(1, 17),
    capabilities: { maxInfoFieldLengthReceive: 128, maxInfoFieldLengthTransmit: 128 },
  });
  const flush = async (): Promise<void> => {
    for (let b = link.nextOutput(); b !== undefined; b = link.nextOutput()) await conn.write(b);
  };
  const next = async (type: string): Promise<{ type: string; apdu?: Uint8Array }> => {
    for (;;) {
      for (let e = link.nextEvent(); e !== undefined; e = link.nextEvent())
        if (e.type === type) return e as { type: string; apdu?: Uint8Array };
      link.receive(await conn.read({ timeoutMs: 3000 }));
      await flush();
    }
  };
  link.connect();
  await flush();
  await next('connected');
  link.send(aarq());
  await flush();
  t.equal(aare((await next('apdu')).apdu!).result, 0);
  // the object list is longer than one 128-octet frame: segments
  link.send(get(15, '0-0:40.0.0.255', 2));
  await flush();
  const r = decodeApdu((await next('apdu')).apdu!);
  t.ok(r.type === 'get-response-normal' || r.type === 'get-response-with-datablock');
  link.disconnect();
  await flush();
  await next('disconnected');
  // a client SAP without an association gets DM
  const stranger = new HdlcLink({
    role: 'client',
    localAddress: hdlcAddress(99),
    remoteAddress: hdlcAddress(1, 17),
    maxRetries: 0,
    responseTimeoutMs: 2000,
  });
  stranger.connect();
  for (let b = stranger.nextOutput(); b !== undefined; b = stranger.nextOutput()) await conn.write(b);
  stranger.receive(await conn.read({ timeoutMs: 3000 }));
  const ev = [];
  for (let e = stranger.nextEvent(); e !== undefined; e = stranger.nextEvent()) ev.push(e.type);
  t.ok(ev.includes('disconnected') || ev.includes('error'), `DM refuses the link (${ev.join(',')})`);
});

function profileWithDestination(transportService: number, destination: string): SimulatorProfile {
  const objects = DEFAULT_SIMULATOR_PROFILE.objects.map((o) =>
    o.classId === 40
      ? {
          ...o,
          attributes: {
            ...o.attributes,
            '3': {
              type: 'structure',
              value: [
                { type: 'enum', value: transportService },
                { type: 'visible-string', value: destination },
                { type: 'enum', value: 0 },
              ],
            },
          },
        }
      : o,
  );
  return { ...DEFAULT_SIMULATOR_PROFILE, objects };
}

t.test('pushes: data-notification over UDP and TCP to the send destination', async (t) => {
  const udp = await bindUdp({ port: 0 });
  t.teardown(() => udp.close());
  const sim = new MeterSimulator(profileWithDestination(1, `127.0.0.1:${udp.address().port}`), {
    now: () => T0,
  });
  const stop = deliverPushes(sim);
  t.teardown(stop);
  const e = sim.push();
  t.equal(e.pushSetup, '0-0:25.9.0.255');
  const d = await udp.receive({ timeoutMs: 3000 });
  const pdu = decodeWrapperPdu(d.data);
  t.same([pdu.sourceWPort, pdu.destinationWPort], [1, 102]);
  const n = decodeApdu(pdu.payload);
  t.equal(n.type, 'data-notification');
  if (n.type === 'data-notification') {
    t.equal(n.notificationBody.type, 'structure');
    t.equal((n.notificationBody.value as unknown[]).length, 4);
    t.not(n.dateTime, null);
  }
  const tcp = await listenTcp({ port: 0 });
  t.teardown(() => tcp.close());
  const sim2 = new MeterSimulator(profileWithDestination(0, `127.0.0.1:${tcp.address().port}`), {
    now: () => T0,
  });
  const errors: unknown[] = [];
  t.teardown(deliverPushes(sim2, { onError: (err) => errors.push(err) }));
  sim2.push('0-0:25.9.0.255');
  const conn = await tcp.accept({ timeoutMs: 3000 });
  const [payload] = await readPdus(conn, new WrapperDeframer(), 1);
  t.equal(decodeApdu(payload!).type, 'data-notification');
  const sim3 = new MeterSimulator(profileWithDestination(1, 'nowhere'), { now: () => T0 });
  t.teardown(deliverPushes(sim3, { onError: (err) => errors.push(err) }));
  sim3.push();
  t.equal(errors.length, 1, 'a bad destination is reported');
  t.throws(() => sim3.push('0-0:99.9.9.255'), { code: 207 });
});
