import { ErrorCode, fromHex, isMeterkitError, MeterkitError, toHex } from '@meterkit/core';
import { createMemoryPair, SerialTransport } from '@meterkit/core/transport';
import fc from 'fast-check';
import t, { type Test } from 'tap';
import {
  applyC1222Transparency,
  C1222_DATALINK_ESC,
  encodeC1222AckPacket,
  readC1222TransparentPacket,
} from '../src/c1218/c1222-transparency.js';
import { C1222TransparentDeframer } from '../src/c1218/c1222-transparent-deframer.js';
import { C1218_STP, decodeC1218Packet, encodeC1218Packet } from '../src/c1218/packet.js';
import { AnsiMeter } from '../src/server/ansi-meter.js';
import { serveC1222LocalPort } from '../src/server/c1222-local-port-server.js';
import { C1218Link, type C1218LinkEvent, type C1218LinkTrace } from '../src/session/c1218-link.js';
import type { C1218Port } from '../src/session/c1218-link-driver.js';
import { C1222LocalPortTransport } from '../src/session/c1222-local-port.js';
import { clientToMeter, profile } from './helpers/ansi-meter-profile.js';
import { haveSocat, ptyPair, serialportInstalled } from './helpers/pty.js';

/** A payload made of nothing but the two bytes transparency escapes, and a few others between. */
function escapeHeavy(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i % 5 === 4 ? 0x42 : i % 2 === 0 ? 0xee : 0x1b));
}

/** Checks the framing of one wire packet: EE only at its start, a 1B always followed by CE or 3B. */
function assertEscaped(t: Test, wire: Uint8Array, what: string): void {
  t.equal(wire[0], C1218_STP, `${what}: starts with EE`);
  t.equal(wire[2]! & 0x10, 0x10, `${what}: TRANSPARENCY set`);
  let ok = true;
  for (let i = 1; i < wire.length; i++) {
    if (wire[i] === C1218_STP) ok = false;
    if (i >= 3 && wire[i] === C1222_DATALINK_ESC) {
      const next = wire[++i];
      if (next !== 0xce && next !== 0x3b) ok = false;
    }
  }
  t.ok(ok, `${what}: no bare EE, every 1B escapes EE or 1B`);
}

/** Decodes a wire packet with transparency removed. */
function unwire(wire: Uint8Array) {
  const r = readC1222TransparentPacket(wire);
  if (r === undefined || r.wireLength !== wire.length) throw new Error('not one whole packet');
  return decodeC1218Packet(r.packet);
}

/** Flips one bit of a data byte of a wire packet so that its CRC fails but the framing holds. */
function corrupt(wire: Uint8Array): Uint8Array {
  const out = wire.slice();
  for (let i = 7; i < out.length - 2; i++) {
    const b = out[i]!;
    if (b === C1218_STP || b === C1222_DATALINK_ESC || out[i - 1] === C1222_DATALINK_ESC) continue;
    if ((b ^ 1) === C1218_STP || (b ^ 1) === C1222_DATALINK_ESC) continue;
    out[i] = b ^ 1;
    return out;
  }
  throw new Error('nothing to corrupt');
}

interface Pumped {
  readonly clientWire: Uint8Array[];
  readonly deviceWire: Uint8Array[];
  readonly clientEvents: C1218LinkEvent[];
  readonly deviceEvents: C1218LinkEvent[];
}

/** Moves every output between two links until both are quiet; `tamper` may replace client outputs. */
function pump(
  client: C1218Link,
  device: C1218Link,
  now: number,
  tamper?: (bytes: Uint8Array) => Uint8Array,
): Pumped {
  const res: Pumped = { clientWire: [], deviceWire: [], clientEvents: [], deviceEvents: [] };
  for (let round = 0; round < 1000; round++) {
    let moved = false;
    for (let o = client.nextOutput(); o !== undefined; o = client.nextOutput()) {
      const sent = tamper === undefined ? o : tamper(o);
      res.clientWire.push(sent);
      device.receive(sent, now);
      moved = true;
    }
    for (let o = device.nextOutput(); o !== undefined; o = device.nextOutput()) {
      res.deviceWire.push(o);
      client.receive(o, now);
      moved = true;
    }
    if (!moved) break;
  }
  for (let e = client.nextEvent(); e !== undefined; e = client.nextEvent()) res.clientEvents.push(e);
  for (let e = device.nextEvent(); e !== undefined; e = device.nextEvent()) res.deviceEvents.push(e);
  return res;
}

function links(trace?: (e: C1218LinkTrace) => void): [C1218Link, C1218Link] {
  return [
    new C1218Link({ role: 'client', identity: 8, dataFormat: 1, transparency: true, packetSize: 64, trace }),
    new C1218Link({ role: 'device', identity: 0, dataFormat: 1, transparency: 'follow', packetSize: 64 }),
  ];
}

t.test('transparent link: EE/1B payload both ways, acknowledged in packets', (t) => {
  const [client, device] = links();
  t.equal(client.transparencyActive, true);
  t.equal(device.transparencyActive, false, 'the device starts with C12.18 framing');
  const payload = escapeHeavy(300);
  client.send(payload, 0);
  const r1 = pump(client, device, 0);
  t.same(r1.deviceEvents, [{ type: 'apdu', data: payload, packets: 6 }], 'reassembled intact');
  t.same(r1.clientEvents, [{ type: 'sent' }]);
  t.equal(device.transparencyActive, true, 'the device follows the TRANSPARENCY bit');
  t.equal(r1.clientWire.length, 6);
  for (const [i, w] of r1.clientWire.entries()) {
    assertEscaped(t, w, `client packet ${i}`);
    t.ok(w.length > unwire(w).data.length + 8, `client packet ${i} grew by its escapes`);
  }
  t.equal(r1.deviceWire.length, 6, 'one acknowledgment per packet');
  for (const w of r1.deviceWire) {
    t.not(w.length, 1, 'no single-byte ACK');
    const p = unwire(w);
    t.same(p.data, new Uint8Array(0));
    t.equal(p.control.low, 0x10 | (1 << 2) | 1, 'TRANSPARENCY, ACKNOWLEDGMENT positive, DATA_FORMAT 1');
  }
  t.same(r1.deviceWire[0], encodeC1222AckPacket({ positive: true, toggle: false }));

  const answer = escapeHeavy(120).reverse();
  device.send(answer, 1);
  const r2 = pump(client, device, 1);
  t.same(r2.clientEvents, [{ type: 'apdu', data: answer, packets: 3 }]);
  t.same(r2.deviceEvents, [{ type: 'sent' }]);
  for (const [i, w] of r2.deviceWire.entries()) assertEscaped(t, w, `device packet ${i}`);
  for (const w of r2.clientWire) t.equal(unwire(w).control.low, 0x15, 'client acknowledges in a packet');
  t.end();
});

t.test('transparent link: a corrupted packet is NAKed in a packet and resent', (t) => {
  const log: C1218LinkTrace[] = [];
  const [client, device] = links((e) => log.push(e));
  const payload = escapeHeavy(40);
  let corrupted: Uint8Array | undefined;
  client.send(payload, 0);
  const r = pump(client, device, 0, (bytes) => {
    if (corrupted !== undefined) return bytes;
    corrupted = corrupt(bytes);
    return corrupted;
  });
  t.equal(r.clientWire.length, 2, 'the packet went twice');
  t.not(toHex(r.clientWire[0]!), toHex(r.clientWire[1]!), 'first copy corrupted on the line');
  t.same(unwire(r.clientWire[1]!).data, payload, 'the resent packet is the original');
  t.equal(r.deviceWire.length, 2);
  t.equal(
    unwire(r.deviceWire[0]!).control.low! & 0x0c,
    2 << 2,
    'the device answered ACKNOWLEDGMENT negative',
  );
  t.equal(unwire(r.deviceWire[1]!).control.low! & 0x0c, 1 << 2, 'then positive');
  t.same(r.deviceEvents, [{ type: 'apdu', data: payload, packets: 1 }]);
  t.same(r.clientEvents, [{ type: 'sent' }]);
  t.same(
    log.map((e) => `${e.direction} ${e.kind}`),
    ['tx packet', 'rx nak', 'tx retransmit', 'rx ack'],
  );
  t.end();
});

t.test('transparent link: an acknowledgment riding on a data packet, and single-byte ACK/NAK', (t) => {
  const d = new C1222TransparentDeframer();
  const data = escapeHeavy(9);
  const raw = encodeC1218Packet({
    type: 'c1218-packet',
    identity: 0,
    control: { multiPacket: false, firstPacket: false, toggle: true, low: 0x10 | (1 << 2) | 1 },
    sequenceNumber: 0,
    data,
  });
  const wire = applyC1222Transparency(raw);
  const items = d.push(Uint8Array.of(0x06, 0x15, 0x99, ...wire));
  t.same(
    items.map((i) => i.type),
    ['ack', 'nak', 'discarded', 'ack', 'packet'],
  );
  const pk = items[4]!;
  t.ok(pk.type === 'packet' && toHex(pk.packet.data) === toHex(data) && !pk.duplicate);
  const again = d.push(wire);
  t.ok(again[1]!.type === 'packet' && again[1]!.duplicate, 'same toggle and CRC: duplicate');
  t.same(d.push(wire.subarray(0, 5)), [], 'incomplete packet held');
  t.equal(d.pending, 5);
  t.same(
    d.flush().map((i) => i.type),
    ['discarded'],
  );
  const long = Uint8Array.of(0xee, 0, 0x11, 0, 0xff, 0xff);
  t.same(
    d.push(long).map((i) => (i.type === 'discarded' ? i.reason : i.type)),
    ['length', 'garbage'],
    'a length over 8183 is refused and the rest skipped',
  );
  d.reset();
  t.equal(d.pending, 0);
  t.match(d.toString(), /C1222TransparentDeframer/);
  let refused: unknown;
  try {
    new C1218Link({ role: 'client', transparency: true });
  } catch (e) {
    refused = e;
  }
  t.ok(isMeterkitError(refused, ErrorCode.InvalidArgument), 'transparency needs a DATA_FORMAT');
  t.end();
});

t.test('transparent link: a long packet in pieces, and a partial packet NAKed in a packet', (t) => {
  const d = new C1222TransparentDeframer();
  const data = escapeHeavy(700);
  const wire = applyC1222Transparency(
    encodeC1218Packet({
      type: 'c1218-packet',
      identity: 0,
      control: { multiPacket: false, firstPacket: false, toggle: false, low: 0x11 },
      sequenceNumber: 0,
      data,
    }),
  );
  t.ok(wire.length > 1000, 'escapes nearly doubled it');
  t.same(d.push(wire.subarray(0, 500)), []);
  const items = d.push(wire.subarray(500));
  t.ok(items.length === 1 && items[0]!.type === 'packet' && toHex(items[0]!.packet.data) === toHex(data));

  const device = new C1218Link({ role: 'device', dataFormat: 1, transparency: true });
  device.receive(wire.subarray(0, 20), 0);
  t.equal(device.nextOutput(), undefined, 'waiting for the rest');
  device.tick(device.deadline()!);
  const nak = device.nextOutput()!;
  t.equal(unwire(nak).control.low, 0x10 | (2 << 2) | 1, 'inter-character timeout: NAK in a packet');
  t.end();
});

t.test('transparent link properties', (t) => {
  const escapeByte = fc.oneof(fc.constantFrom(0xee, 0x1b), fc.integer({ min: 0, max: 255 }));
  fc.assert(
    fc.property(
      fc
        .uint8Array({ minLength: 0, maxLength: 600 })
        .chain((b) =>
          fc.array(escapeByte, { minLength: b.length, maxLength: b.length }).map((a) => Uint8Array.from(a)),
        ),
      fc.integer({ min: 12, max: 200 }),
      (payload, packetSize) => {
        const client = new C1218Link({ role: 'client', dataFormat: 1, transparency: true, packetSize });
        const device = new C1218Link({ role: 'device', dataFormat: 1, transparency: 'follow', packetSize });
        client.send(payload, 0);
        const r = pump(client, device, 0);
        const ev = r.deviceEvents[0];
        return ev?.type === 'apdu' && toHex(ev.data) === toHex(payload);
      },
    ),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (chunks) => {
      const d = new C1222TransparentDeframer();
      try {
        for (const c of chunks) d.push(c);
        d.flush();
        return true;
      } catch (e) {
        return e instanceof MeterkitError;
      }
    }),
    { numRuns: 500 },
  );
  t.pass('held');
  t.end();
});

t.test('a client without transparency still gets single-byte ACKs from a following meter', (t) => {
  const client = new C1218Link({ role: 'client', dataFormat: 1, packetSize: 64 });
  const device = new C1218Link({ role: 'device', dataFormat: 1, transparency: 'follow', packetSize: 64 });
  const payload = escapeHeavy(30);
  client.send(payload, 0);
  const r = pump(client, device, 0);
  t.same(r.deviceWire, [Uint8Array.of(0x06)]);
  t.equal(device.transparencyActive, false);
  t.same(r.deviceEvents, [{ type: 'apdu', data: payload, packets: 1 }]);
  device.reset();
  t.end();
});

/** Replaces the port's `write` so that its first data packet is corrupted on the way out once. */
function corruptFirstPacket(port: C1218Port): { readonly corrupted: () => boolean } {
  const write = port.write.bind(port);
  let done = false;
  port.write = (bytes: Uint8Array) => {
    if (done || (readC1222TransparentPacket(bytes)?.packet.length ?? 0) <= 8) return write(bytes);
    done = true;
    return write(corrupt(bytes));
  };
  return { corrupted: () => done };
}

async function session(t: Test, modulePort: C1218Port, meterPort: C1218Port, baudRates: number[]) {
  const meter = new AnsiMeter(profile);
  const meterTrace: C1218LinkTrace[] = [];
  const server = serveC1222LocalPort(meterPort, meter, { trace: (e) => meterTrace.push(e) });
  const moduleTrace: C1218LinkTrace[] = [];
  const transport = new C1222LocalPortTransport({
    port: modulePort,
    transparency: true,
    negotiate: { packetSize: 128, numberOfPackets: 8, baudRates },
    timeouts: { responseTimeoutMs: 300 },
    trace: (e) => moduleTrace.push(e),
  });
  const tamper = corruptFirstPacket(modulePort);
  const client = clientToMeter(transport, 1);
  await client.open();
  t.ok(tamper.corrupted(), 'the negotiate packet was corrupted on the line');
  t.ok(
    moduleTrace.some((e) => e.direction === 'rx' && e.kind === 'nak'),
    'the meter NAKed it',
  );
  t.ok(
    moduleTrace.some((e) => e.kind === 'retransmit'),
    'and the module resent it',
  );
  t.equal(server.link.transparencyActive, true, 'the meter follows the module');
  const st52 = meter.tables.read(52)!;
  const clock = escapeHeavy(st52.length);
  await client.writeTable(52, clock);
  t.same(await client.readTable(52), clock, 'an EE/1B table written and read back');
  const st1 = await client.readTable(1);
  t.same(st1, meter.tables.read(1));
  const sent = moduleTrace.filter((e) => e.direction === 'tx' && (e.kind === 'packet' || e.kind === 'ack'));
  t.ok(sent.length > 4);
  t.ok(
    sent.every((e) => e.hex !== undefined && e.hex.length > 2 && (fromHex(e.hex)[2]! & 0x10) === 0x10),
    'every packet and acknowledgment of the module is transparent',
  );
  const meterAcks = meterTrace.filter((e) => e.direction === 'tx' && e.kind === 'ack');
  t.ok(meterAcks.length > 0 && meterAcks.every((e) => e.hex !== '06'), 'the meter acknowledged in packets');
  t.ok(
    moduleTrace.some((e) => e.kind === 'packet' && e.direction === 'tx' && e.hex!.includes('1bce')),
    'EE bytes were escaped on the wire',
  );
  server.stop();
  await client.close();
}

t.test('C12.22 local port with transparency over a memory pair', async (t) => {
  const [a, b] = createMemoryPair();
  await session(t, a, b, [6]);
});

const skip = !haveSocat()
  ? 'socat not installed (apt-get install socat)'
  : !(await serialportInstalled())
    ? 'the serialport package is not installed'
    : false;
t.test('C12.22 local port with transparency over a socat pty', { skip }, async (t) => {
  const pty = await ptyPair('meterkit-c1222t-', 'module', 'meter');
  t.teardown(() => pty.cleanup());
  const meterPort = new SerialTransport({ path: pty.b, baudRate: 9600 });
  const modulePort = new SerialTransport({ path: pty.a, baudRate: 9600 });
  await meterPort.open();
  await session(t, modulePort, meterPort, [6]);
  await meterPort.close();
});
