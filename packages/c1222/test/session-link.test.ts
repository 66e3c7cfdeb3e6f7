import { isMeterkitError, MeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { C1218_ACK, C1218_NAK, decodeC1218Packet } from '../src/index.js';
import { C1218Link, type C1218LinkEvent, type C1218LinkTrace } from '../src/session/c1218-link.js';
import { C1222SessionErrorCode } from '../src/session/errors.js';

/**
 * Two links joined by a simulated half-duplex line with a fake clock. `filter` sees every chunk
 * written (with its direction and a running count) and returns what reaches the other side
 * (undefined drops it).
 */
class Line {
  now = 0;
  readonly client: C1218Link;
  readonly device: C1218Link;
  readonly clientEvents: C1218LinkEvent[] = [];
  readonly deviceEvents: C1218LinkEvent[] = [];
  readonly wire: { from: 'client' | 'device'; bytes: Uint8Array }[] = [];
  count = 0;
  filter: (from: 'client' | 'device', bytes: Uint8Array, n: number) => Uint8Array | undefined = (_f, b) => b;
  /** Device echo: answer every APDU with this function of the request. */
  answer: ((req: Uint8Array) => Uint8Array) | undefined = (req) => Uint8Array.from(req, (b) => b ^ 0xff);

  constructor(
    clientOpts: Partial<ConstructorParameters<typeof C1218Link>[0]> = {},
    deviceOpts: Partial<ConstructorParameters<typeof C1218Link>[0]> = {},
  ) {
    this.client = new C1218Link({ role: 'client', ...clientOpts });
    this.device = new C1218Link({ role: 'device', ...deviceOpts });
  }

  /** Moves bytes and events until nothing moves; then advances time to the next deadline. */
  run(until: () => boolean, maxMs = 60_000): void {
    const start = this.now;
    for (let guard = 0; guard < 10_000; guard++) {
      let moved = this.shuttle();
      if (until()) return;
      if (!moved) {
        const d = [this.client.deadline(), this.device.deadline()].filter((x) => x !== undefined) as number[];
        if (d.length === 0) return;
        this.now = Math.max(this.now, Math.min(...d));
        if (this.now - start > maxMs) return;
        this.client.tick(this.now);
        this.device.tick(this.now);
        moved = true;
      }
    }
  }

  private shuttle(): boolean {
    let moved = false;
    for (const [from, link, peer] of [
      ['client', this.client, this.device],
      ['device', this.device, this.client],
    ] as const) {
      for (let out = link.nextOutput(); out !== undefined; out = link.nextOutput()) {
        moved = true;
        this.wire.push({ from, bytes: out });
        const passed = this.filter(from, out, this.count++);
        if (passed !== undefined) peer.receive(passed, this.now);
      }
    }
    for (let ev = this.client.nextEvent(); ev !== undefined; ev = this.client.nextEvent()) {
      moved = true;
      this.clientEvents.push(ev);
    }
    for (let ev = this.device.nextEvent(); ev !== undefined; ev = this.device.nextEvent()) {
      moved = true;
      this.deviceEvents.push(ev);
      if (ev.type === 'apdu' && this.answer !== undefined) this.device.send(this.answer(ev.data), this.now);
    }
    return moved;
  }

  clientApdus(): Uint8Array[] {
    return this.clientEvents.flatMap((e) => (e.type === 'apdu' ? [e.data] : []));
  }
  deviceApdus(): Uint8Array[] {
    return this.deviceEvents.flatMap((e) => (e.type === 'apdu' ? [e.data] : []));
  }
  clientErrors(): MeterkitError[] {
    return this.clientEvents.flatMap((e) => (e.type === 'error' ? [e.error] : []));
  }
}

const inverted = (b: Uint8Array) => Uint8Array.from(b, (x) => x ^ 0xff);
const isPacket = (b: Uint8Array) => b.length > 1 && b[0] === 0xee;

t.test('a request and its response, each acknowledged', async (t) => {
  const trace: C1218LinkTrace[] = [];
  const line = new Line({ trace: (e) => trace.push(e) });
  line.client.send(Uint8Array.of(0x20), line.now);
  line.run(() => line.clientApdus().length === 1 && !line.device.busy);
  t.same(line.deviceApdus(), [Uint8Array.of(0x20)]);
  t.same(line.clientApdus(), [Uint8Array.of(0xdf)]);
  t.same(
    line.wire.map((w) => `${w.from}:${w.bytes.length === 1 ? w.bytes[0] : 'packet'}`),
    ['client:packet', 'device:6', 'device:packet', 'client:6'],
  );
  t.ok(line.clientEvents.some((e) => e.type === 'sent'));
  t.same(line.clientErrors(), []);
  t.ok(trace.some((e) => e.direction === 'tx' && e.kind === 'packet' && e.hex?.startsWith('ee') === true));
  t.ok(trace.some((e) => e.direction === 'rx' && e.kind === 'ack'));
  // the wire bytes of the ident request are the research note's worked example
  t.equal(Buffer.from(line.wire[0]!.bytes).toString('hex'), 'ee0000000001201310');
});

t.test('toggle bit alternates per new packet', async (t) => {
  const line = new Line();
  for (let i = 0; i < 3; i++) {
    line.client.send(Uint8Array.of(0x20 + i), line.now);
    line.run(() => line.clientApdus().length === i + 1);
  }
  const toggles = line.wire
    .filter((w) => w.from === 'client' && isPacket(w.bytes))
    .map((w) => decodeC1218Packet(w.bytes).control.toggle);
  t.same(toggles, [false, true, false]);
});

t.test('multi-packet transfer with a negotiated packet size and count', async (t) => {
  const line = new Line({ packetSize: 32, maxPackets: 8 }, { packetSize: 32, maxPackets: 8 });
  const apdu = Uint8Array.from({ length: 150 }, (_, i) => i);
  line.client.send(apdu, line.now);
  line.run(() => line.clientApdus().length === 1);
  t.same(line.deviceApdus()[0], apdu);
  t.same(line.clientApdus()[0], inverted(apdu));
  const packets = line.wire
    .filter((w) => w.from === 'client' && isPacket(w.bytes))
    .map((w) => decodeC1218Packet(w.bytes));
  t.equal(packets.length, 7);
  t.ok(packets[0]!.control.multiPacket && packets[0]!.control.firstPacket);
  t.same(
    packets.map((p) => p.sequenceNumber),
    [6, 5, 4, 3, 2, 1, 0],
  );
  t.equal(line.client.maxApduSize, 24 * 8);
  t.throws(() => line.client.send(new Uint8Array(24 * 8 + 1), line.now), { code: 105 });
  t.throws(() => line.client.setPacketParameters(8, 1), { code: 600 });
  t.throws(() => line.client.setPacketParameters(64, 0), { code: 600 });
});

t.test('a dropped packet is sent again after the response timeout', async (t) => {
  const line = new Line();
  let dropped = false;
  line.filter = (from, b) => {
    if (from === 'client' && isPacket(b) && !dropped) {
      dropped = true;
      return undefined;
    }
    return b;
  };
  line.client.send(Uint8Array.of(0x30, 0x00, 0x01), line.now);
  line.run(() => line.clientApdus().length === 1);
  t.equal(line.clientApdus().length, 1);
  t.equal(line.deviceApdus().length, 1);
  t.ok(line.now >= 2000, 'waited the 2 s response timeout');
  t.equal(line.wire.filter((w) => w.from === 'client' && isPacket(w.bytes)).length, 2);
});

t.test('a corrupted packet is refused with NAK and sent again', async (t) => {
  const line = new Line();
  let corrupted = 0;
  line.filter = (_from, b) => {
    if (isPacket(b) && corrupted < 2) {
      corrupted++;
      const c = Uint8Array.from(b);
      c[c.length - 3]! ^= 0x10;
      return c;
    }
    return b;
  };
  line.client.send(Uint8Array.of(0x30, 0x00, 0x01), line.now);
  line.run(() => line.clientApdus().length === 1);
  t.same(line.clientApdus(), [inverted(Uint8Array.of(0x30, 0x00, 0x01))]);
  t.equal(line.wire.filter((w) => w.bytes.length === 1 && w.bytes[0] === C1218_NAK).length, 2);
  t.equal(line.now, 0, 'NAK makes the sender repeat at once');
});

t.test('a lost ACK leads to a duplicate, acknowledged and dropped by its toggle bit', async (t) => {
  const line = new Line();
  let lost = false;
  line.answer = undefined; // the device does not answer; the client does not wait for a response
  line.filter = (from, b) => {
    if (from === 'device' && b.length === 1 && b[0] === C1218_ACK && !lost) {
      lost = true;
      return undefined;
    }
    return b;
  };
  line.client.send(Uint8Array.of(0x52), line.now, false);
  line.run(() => line.clientEvents.some((e) => e.type === 'sent'));
  t.equal(line.deviceApdus().length, 1, 'the repeat was not delivered again');
  t.equal(line.wire.filter((w) => w.from === 'client' && isPacket(w.bytes)).length, 2);
});

t.test("the peer's answer stands in for a lost ACK", async (t) => {
  const line = new Line();
  let lost = false;
  line.filter = (from, b) => {
    if (from === 'device' && b.length === 1 && b[0] === C1218_ACK && !lost) {
      lost = true;
      return undefined;
    }
    return b;
  };
  line.client.send(Uint8Array.of(0x20), line.now);
  line.run(() => line.clientApdus().length === 1);
  line.run(() => false, 10_000);
  t.same(line.clientErrors(), [], 'no response timeout afterwards');
  t.equal(line.wire.filter((w) => w.from === 'client' && isPacket(w.bytes)).length, 1, 'no retransmission');
});

t.test('retries exhausted is a typed error (440)', async (t) => {
  const line = new Line({ retries: 2 });
  line.filter = (from, b) => (from === 'client' ? undefined : b);
  line.client.send(Uint8Array.of(0x20), line.now);
  line.run(() => line.clientErrors().length > 0);
  const [e] = line.clientErrors();
  t.ok(isMeterkitError(e, C1222SessionErrorCode.LinkRetriesExhausted));
  t.equal(line.wire.length, 3, 'first try and two retries');
  t.equal(line.now, 6000);
  t.notOk(line.client.busy);
});

t.test('NAK after NAK also exhausts the retries', async (t) => {
  const line = new Line({ retries: 1 });
  line.filter = (from, b) => {
    if (from === 'client' && isPacket(b)) {
      const c = Uint8Array.from(b);
      c[6]! ^= 1;
      return c;
    }
    return b;
  };
  line.client.send(Uint8Array.of(0x20), line.now);
  line.run(() => line.clientErrors().length > 0);
  t.ok(isMeterkitError(line.clientErrors()[0], 440));
});

t.test('no response is a typed response timeout (441)', async (t) => {
  const line = new Line({ timeouts: { channelTrafficTimeoutMs: 3000 } });
  line.answer = undefined;
  line.client.send(Uint8Array.of(0x20), line.now);
  line.run(() => line.clientErrors().length > 0);
  t.ok(isMeterkitError(line.clientErrors()[0], C1222SessionErrorCode.ResponseTimeout));
  t.equal(line.now, 3000);
});

t.test('an incomplete packet is dropped after the inter-character timeout and refused', async (t) => {
  const link = new C1218Link({ role: 'device' });
  const pkt = Uint8Array.of(0xee, 0, 0, 0, 0, 1, 0x20, 0x13, 0x10);
  link.receive(pkt.subarray(0, 5), 0);
  t.equal(link.deadline(), 500);
  link.tick(499);
  t.equal(link.nextOutput(), undefined);
  link.tick(500);
  t.same(link.nextOutput(), Uint8Array.of(C1218_NAK));
  link.receive(pkt, 600);
  t.same(link.nextOutput(), Uint8Array.of(C1218_ACK));
  const ev = link.nextEvent();
  t.same(ev, { type: 'apdu', data: Uint8Array.of(0x20), packets: 1 });
});

t.test('a partial multi-packet APDU survives an inter-character timeout', async (t) => {
  const line = new Line({ packetSize: 16 }, { packetSize: 16 });
  line.answer = undefined;
  let cut = false;
  line.filter = (from, b, n) => {
    if (from === 'client' && isPacket(b) && n > 2 && !cut) {
      cut = true;
      return b.subarray(0, 7);
    }
    return b;
  };
  const apdu = Uint8Array.from({ length: 30 }, (_, i) => i + 1);
  line.client.send(apdu, line.now, false);
  line.run(() => line.deviceApdus().length === 1);
  t.same(line.deviceApdus()[0], apdu);
});

t.test('device: channel traffic timeout returns to the base state', async (t) => {
  const link = new C1218Link({ role: 'device', packetSize: 128 });
  link.receive(Uint8Array.of(0xee, 0, 0, 0, 0, 1, 0x20, 0x13, 0x10), 0);
  t.equal(link.deadline(), 6000);
  link.tick(6000);
  const events = [];
  for (let e = link.nextEvent(); e !== undefined; e = link.nextEvent()) events.push(e.type);
  t.same(events, ['apdu', 'channel-timeout']);
  t.equal(link.packetSize, 64, 'packet size back to the default');
  t.equal(link.deadline(), undefined);
});

t.test('device: the wait service holds the channel open longer', async (t) => {
  const link = new C1218Link({ role: 'device' });
  link.receive(Uint8Array.of(0xee, 0, 0, 0, 0, 1, 0x20, 0x13, 0x10), 0);
  t.equal(link.deadline(), 6000);
  link.holdChannel(10_000, 100);
  t.equal(link.deadline(), 16_100);
  new C1218Link({ role: 'client' }).holdChannel(5, 0);
});

t.test('stray ACK/NAK and garbage are ignored', async (t) => {
  const trace: C1218LinkTrace[] = [];
  const link = new C1218Link({ role: 'client', trace: (e) => trace.push(e) });
  link.receive(Uint8Array.of(C1218_ACK, C1218_NAK, 0x41, 0x42), 0);
  t.equal(link.nextOutput(), undefined);
  t.equal(link.nextEvent(), undefined);
  t.same(
    trace.map((e) => e.kind),
    ['ack', 'ignored', 'nak', 'ignored', 'discarded'],
  );
  t.throws(() => new C1218Link({ role: 'client', retries: -1 }), { code: 600 });
});

t.test('arbitrary bytes and timings never throw', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 3000 })), {
        maxLength: 12,
      }),
      fc.constantFrom<'client' | 'device'>('client', 'device'),
      (chunks, role) => {
        const link = new C1218Link({ role, packetSize: 24 });
        let now = 0;
        if (role === 'client') link.send(Uint8Array.of(0x20, 1, 2, 3), now);
        for (const [bytes, dt] of chunks) {
          now += dt;
          link.receive(bytes, now);
          link.tick(now);
          while (link.nextOutput() !== undefined);
          while (link.nextEvent() !== undefined);
        }
        return true;
      },
    ),
    { numRuns: 400 },
  );
  t.pass('no throw');
});

t.test('lossy line property: every APDU arrives intact or a typed error is reported', async (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 120 }),
      fc.array(fc.constantFrom('pass', 'drop', 'flip', 'cut'), { minLength: 1, maxLength: 40 }),
      (apdu, plan) => {
        const line = new Line({ packetSize: 32, maxPackets: 8 }, { packetSize: 32, maxPackets: 8 });
        line.filter = (_from, b, n) => {
          const what = plan[n % plan.length];
          if (what === 'drop') return undefined;
          if (what === 'flip' && b.length > 3) {
            const c = Uint8Array.from(b);
            c[b.length - 1]! ^= 0x55;
            return c;
          }
          if (what === 'cut' && b.length > 4) return b.subarray(0, b.length - 2);
          return b;
        };
        line.client.send(apdu, line.now);
        line.run(() => line.clientApdus().length > 0 || line.clientErrors().length > 0, 600_000);
        const got = line.clientApdus();
        if (got.length > 0) {
          if (Buffer.compare(Buffer.from(got[0]!), Buffer.from(inverted(apdu))) !== 0) return false;
          // the device saw the request exactly once
          return line.deviceApdus().every((d) => Buffer.compare(Buffer.from(d), Buffer.from(apdu)) === 0);
        }
        return line.clientErrors().every((e) => e instanceof MeterkitError && [440, 441].includes(e.code));
      },
    ),
    { numRuns: 200 },
  );
  t.pass('held');
});
