/**
 * The HDLC inter-octet timeout (IEC 62056-46 §6.4.4.2) and RR/RNR flow control (§6.4.3.3): at the
 * sans-IO link level with a virtual clock, through the server port's receive queue, and through the
 * real client over a memory pair.
 */

import { connect } from 'node:net';
import { ErrorCode } from '@meterkit/core';
import { createMemoryPair } from '@meterkit/core/transport';
import t from 'tap';
import { DlmsClient, type HdlcChannel } from '../src/client/index.js';
import {
  decodeHdlcFrame,
  encodeHdlcFrame,
  HDLC_DEFAULT_INTER_OCTET_TIMEOUT_MS,
  HdlcDeframer,
  type HdlcFrame,
  hdlcAddress,
} from '../src/hdlc/index.js';
import { DEFAULT_SIMULATOR_PROFILE } from '../src/server/default-profile.js';
import { HdlcServerPort } from '../src/server/hdlc-server-port.js';
import { serveHdlcTcp } from '../src/server/serve.js';
import { MeterSimulator } from '../src/server/simulator.js';
import { HdlcLink, type HdlcLinkEvent, type HdlcLinkOptions } from '../src/session/hdlc-link.js';
import { aarq } from './server-helpers.js';

const CLIENT = hdlcAddress(16);
const SERVER = hdlcAddress(1, 17, 2);

function pair(client: Partial<HdlcLinkOptions> = {}, server: Partial<HdlcLinkOptions> = {}) {
  return {
    c: new HdlcLink({ role: 'client', localAddress: CLIENT, remoteAddress: SERVER, ...client }),
    s: new HdlcLink({ role: 'server', localAddress: SERVER, remoteAddress: CLIENT, ...server }),
  };
}

function outputs(l: HdlcLink): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = l.nextOutput(); o !== undefined; o = l.nextOutput()) out.push(o);
  return out;
}

function events(l: HdlcLink): HdlcLinkEvent[] {
  const out: HdlcLinkEvent[] = [];
  for (let e = l.nextEvent(); e !== undefined; e = l.nextEvent()) out.push(e);
  return out;
}

const kinds = (bs: readonly Uint8Array[]): string[] => bs.map((b) => decodeHdlcFrame(b, { llc: false }).type);
const frame = (b: Uint8Array): HdlcFrame => decodeHdlcFrame(b, { llc: false });

/** Connects a client and a server link directly (SNRM/UA) and drops the connect events. */
function connected(client: Partial<HdlcLinkOptions> = {}, server: Partial<HdlcLinkOptions> = {}) {
  const { c, s } = pair(client, server);
  c.connect();
  for (const b of outputs(c)) s.receive(b);
  for (const b of outputs(s)) c.receive(b);
  events(c);
  events(s);
  return { c, s };
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);

// ------------------------------------------------------------------ inter-octet timeout

/** The first `n` octets of a long I frame from the server to the client: header and HCS check out. */
function brokenOff(n: number): Uint8Array {
  return encodeHdlcFrame({
    type: 'i',
    destination: CLIENT,
    source: SERVER,
    sendSequence: 3,
    receiveSequence: 3,
    pollFinal: true,
    information: bytes(200),
  }).subarray(0, n);
}

t.test('inter-octet timeout: a partial frame left idle is discarded, the next frame reads cleanly', (t) => {
  for (const mode of ['clock passed to receive()', 'timer and lineIdle()', 'timeout off'] as const) {
    t.test(mode, (t) => {
      const { c, s } = connected(mode === 'timeout off' ? { interOctetTimeoutMs: 0 } : {});
      c.send(Uint8Array.of(0xc0, 0x01, 0xc1));
      for (const b of outputs(c)) s.receive(b);
      t.equal(events(s)[0]?.type, 'apdu');
      s.send(bytes(60, 5));
      const answer = outputs(s)[0]!;
      t.equal(c.interOctetTimeoutMs, undefined, 'no partial frame: no inter-octet timer');
      // a frame breaks off after 20 octets (header and HCS check out) and the line goes silent
      const stale = brokenOff(20);
      c.receive(stale, 0);
      t.same(events(c), [], 'nothing delivered yet');
      if (mode === 'timeout off') {
        t.equal(c.interOctetTimeoutMs, undefined, 'no timer when the timeout is off');
        c.receive(answer, 10_000);
        t.same(
          events(c).filter((e) => e.type === 'apdu'),
          [],
          'without the inter-octet timeout the broken-off frame swallows the answer',
        );
        t.end();
        return;
      }
      t.equal(
        c.interOctetTimeoutMs,
        HDLC_DEFAULT_INTER_OCTET_TIMEOUT_MS,
        'the timer runs while a frame waits',
      );
      if (mode === 'timer and lineIdle()') {
        c.lineIdle();
        t.equal(c.interOctetTimeoutMs, undefined, 'nothing left to time out');
        c.receive(answer, 1);
      } else c.receive(answer, HDLC_DEFAULT_INTER_OCTET_TIMEOUT_MS + 1);
      const ev = events(c);
      t.match(ev[0], { type: 'discarded', reason: 'incomplete' }, 'the stale partial frame is a discard');
      t.same(
        [...(ev[0] as { bytes: Uint8Array }).bytes],
        [...stale.subarray(1)],
        'exactly its octets after the flag (which closed the frame before)',
      );
      t.same(
        ev.filter((e) => e.type === 'apdu').map((e) => (e.type === 'apdu' ? [...e.apdu] : [])),
        [[...bytes(60, 5)]],
        'the answer is delivered, never the partial frame',
      );
      t.equal(c.interOctetTimeoutMs, undefined);
      t.end();
    });
  }

  t.test('octets within the timeout join up', (t) => {
    const { c, s } = connected();
    c.send(Uint8Array.of(0xc0));
    for (const b of outputs(c)) s.receive(b);
    events(s);
    s.send(bytes(60, 9));
    const answer = outputs(s)[0]!;
    c.receive(answer.subarray(0, 20), 0);
    c.receive(answer.subarray(20), HDLC_DEFAULT_INTER_OCTET_TIMEOUT_MS);
    t.same(
      events(c).map((e) => e.type),
      ['apdu'],
      'a gap no longer than the timeout is not a break',
    );
    t.end();
  });

  t.test('the deframer checks its option and reports the timeout only with a candidate', (t) => {
    t.throws(() => new HdlcDeframer({ interOctetTimeoutMs: -1 }), { code: 600 });
    const d = new HdlcDeframer({ interOctetTimeoutMs: 50 });
    const ua = encodeHdlcFrame({ type: 'ua', destination: CLIENT, source: SERVER, pollFinal: true });
    t.same(
      d.push(ua, 0).map((i) => i.type),
      ['frame'],
    );
    t.equal(d.idleTimeoutMs, undefined, 'a lone closing flag is no partial frame');
    d.push(ua.subarray(0, 4), 100);
    t.equal(d.idleTimeoutMs, 50);
    // a long gap before the rest: the candidate is dropped, the rest is garbage up to the next flag
    t.same(
      d.push(ua.subarray(4), 1000).map((i) => (i.type === 'discarded' ? i.reason : i.type)),
      ['incomplete', 'garbage'],
    );
    t.end();
  });
  t.end();
});

t.test('inter-octet timeout at the server port: a broken-off frame does not spoil the SNRM', (t) => {
  const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
  t.teardown(() => sim.close());
  const snrm = encodeHdlcFrame({ type: 'snrm', destination: SERVER, source: CLIENT, pollFinal: true });
  const long = encodeHdlcFrame({
    type: 'ui',
    destination: SERVER,
    source: CLIENT,
    pollFinal: false,
    information: bytes(100),
  }).subarray(0, 12);

  const byClock = new HdlcServerPort(sim, { interOctetTimeoutMs: 30 });
  t.same(byClock.receive(long, 0), [], 'a partial frame waits');
  t.equal(byClock.idleTimeoutMs, 30);
  t.same(kinds(byClock.receive(snrm, 100)), ['ua'], 'after the gap the SNRM is read cleanly');
  t.ok(byClock.connected);

  const byTimer = new HdlcServerPort(sim, { interOctetTimeoutMs: 30 });
  byTimer.receive(long);
  t.same(byTimer.lineIdle(), [], 'the timer ran out: the partial frame is dropped');
  t.equal(byTimer.idleTimeoutMs, undefined);
  t.same(kinds(byTimer.receive(snrm)), ['ua']);

  const off = new HdlcServerPort(sim, { interOctetTimeoutMs: 0 });
  off.receive(long, 0);
  t.equal(off.idleTimeoutMs, undefined);
  t.same(off.receive(snrm, 100), [], 'without the timeout the SNRM disappears into the partial frame');
  t.end();
});

t.test('inter-octet timeout through the client over a memory pair', async (t) => {
  const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
  t.teardown(() => sim.close());
  const run = async (interOctetTimeoutMs: number): Promise<{ ms: number; discarded: number }> => {
    const [a, b] = createMemoryPair();
    const port = new HdlcServerPort(sim, { maxInfoLength: 512 });
    let inject: Uint8Array | undefined;
    b.onData((chunk) => {
      for (const o of port.receive(chunk)) {
        if (inject !== undefined) {
          // a broken-off frame just before the answer, then a silent line
          const stale = inject;
          inject = undefined;
          void b.write(stale).then(() => new Promise((r) => setTimeout(r, 80)).then(() => b.write(o)));
        } else void b.write(o);
      }
    });
    const client = await DlmsClient.connect({
      connection: {
        type: 'transport',
        transport: a,
        framing: 'hdlc',
        physicalAddress: 17,
        hdlcTimeoutMs: 600,
        hdlcInterOctetTimeoutMs: interOctetTimeoutMs,
        hdlcCapabilities: { maxInfoFieldLengthReceive: 512, maxInfoFieldLengthTransmit: 512 },
      },
      timeoutMs: 8000,
    });
    try {
      inject = brokenOff(24);
      const started = performance.now();
      const v = await client.get('1-0:1.8.0.255', { classId: 3 });
      const ms = performance.now() - started;
      t.equal(v.type, 'double-long-unsigned', 'the answer is read');
      const channel = client.channel as HdlcChannel;
      await client.release();
      return { ms, discarded: channel.discarded };
    } finally {
      await client.close();
    }
  };
  const on = await run(25);
  t.ok(on.ms < 600, `with the timeout the answer comes without a retransmission (${Math.round(on.ms)} ms)`);
  t.ok(on.discarded >= 1, 'the client counted the dropped partial frame');
  // without it, the broken-off frame swallows the answer and every repeat of it until the retries
  // run out
  await t.rejects(run(0), { code: ErrorCode.SessionTimeout });
});

// ------------------------------------------------------------------ RR/RNR flow control

t.test('server busy: RNR holds the client back, RR lets it go on', (t) => {
  const { c, s } = connected();
  s.setBusy(true);
  t.ok(s.busy);
  // the client's request arrives while the server is busy: dropped, not acknowledged, RNR
  const request = Uint8Array.of(0xc0, 0x01, 0xc1, 0x00, 0x03);
  c.send(request);
  for (const b of outputs(c)) s.receive(b);
  t.match(events(s), [{ type: 'discarded', reason: 'busy' }], 'the I frame is dropped while busy');
  const rnr = outputs(s);
  t.same(kinds(rnr), ['rnr']);
  t.match(frame(rnr[0]!), { pollFinal: true, receiveSequence: 0 }, 'N(R) does not acknowledge it');
  for (const b of rnr) c.receive(b);
  t.ok(c.peerReceiveBusy, 'the client knows the server is busy');
  t.notOk(c.idle, 'not idle while the server is busy');
  t.equal(c.timeoutMs, 100, 'the busy poll timer runs');
  // a second request must wait: no I frame goes out while the server is busy
  c.send(Uint8Array.of(0xc0, 0x01, 0xc2));
  t.same(outputs(c), [], 'no I frame after RNR');
  c.timeout();
  const poll = outputs(c);
  t.same(kinds(poll), ['rr'], 'the client polls with RR, not with I frames');
  for (const b of poll) s.receive(b);
  t.same(kinds(outputs(s)), ['rnr'], 'still busy');
  for (const b of outputs(s)) c.receive(b);
  // (the RNR above was consumed by kinds(); feed a fresh one by polling again)
  s.setBusy(false);
  c.timeout(); // no answer to the poll: retry it
  const poll2 = outputs(c);
  t.same(kinds(poll2), ['rr']);
  for (const b of poll2) s.receive(b);
  const rr = outputs(s);
  t.same(kinds(rr), ['rr'], 'ready again: RR');
  for (const b of rr) c.receive(b);
  t.notOk(c.peerReceiveBusy, 'RR clears the busy condition');
  // the client resends the dropped frame (go-back-N from N(R)) and goes on with the next
  const resent = outputs(c);
  t.same(kinds(resent), ['i']);
  t.match(frame(resent[0]!), { sendSequence: 0 }, 'the frame the server dropped, again');
  for (const b of resent) s.receive(b);
  const got = events(s);
  t.same(
    got.filter((e) => e.type === 'apdu').map((e) => (e.type === 'apdu' ? [...e.apdu] : [])),
    [[...request]],
    'the server now takes the request',
  );
  s.send(Uint8Array.of(0xc4, 0x01));
  for (const b of outputs(s)) c.receive(b);
  t.same(events(c).filter((e) => e.type === 'apdu').length, 1, 'the answer arrives');
  const next = outputs(c);
  t.same(kinds(next), ['i'], 'then the held-back request goes out');
  t.match(frame(next[0]!), { sendSequence: 1 });
  t.end();
});

t.test('client busy: the server sends no I frames after RNR and resumes on RR', (t) => {
  const { c, s } = connected();
  c.send(Uint8Array.of(0xc0, 0x01, 0xc1));
  for (const b of outputs(c)) s.receive(b);
  events(s);
  // the client becomes busy before the server answers
  c.setBusy(true);
  s.send(bytes(10, 3));
  const answer = outputs(s);
  t.same(kinds(answer), ['i']);
  for (const b of answer) c.receive(b);
  t.match(events(c), [{ type: 'discarded', reason: 'busy' }], 'the busy client drops the I frame');
  const rnr = outputs(c);
  t.same(kinds(rnr), ['rnr'], 'and polls with RNR, N(R) unchanged');
  t.match(frame(rnr[0]!), { pollFinal: true, receiveSequence: 0 });
  for (const b of rnr) s.receive(b);
  const held = outputs(s);
  t.same(kinds(held), ['rr'], 'the server sends no I frame to a busy client, only RR (F=1)');
  for (const b of held) c.receive(b);
  // ready again: the client says RR at once and the server sends the dropped frame again
  c.setBusy(false);
  t.notOk(c.busy);
  const rr = outputs(c);
  t.same(kinds(rr), ['rr']);
  for (const b of rr) s.receive(b);
  const again = outputs(s);
  t.same(kinds(again), ['i'], 'the server resumes with the unacknowledged frame');
  t.match(frame(again[0]!), { sendSequence: 0 });
  for (const b of again) c.receive(b);
  t.same(
    events(c).map((e) => (e.type === 'apdu' ? [...e.apdu] : e.type)),
    [[...bytes(10, 3)]],
    'the answer is delivered once',
  );
  t.end();
});

t.test('the server port answers RNR while its receive queue is full', (t) => {
  const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
  t.teardown(() => sim.close());
  t.throws(() => new HdlcServerPort(sim, { receiveQueueLimit: 0 }), { code: 600 });
  const port = new HdlcServerPort(sim, { receiveQueueLimit: 1 });
  const c = new HdlcLink({ role: 'client', localAddress: CLIENT, remoteAddress: SERVER });
  const exchange = (): Uint8Array[] => {
    const back: Uint8Array[] = [];
    for (const b of outputs(c)) back.push(...port.receive(b));
    for (const b of back) c.receive(b);
    return back;
  };
  c.connect();
  t.same(kinds(exchange()), ['ua']);
  // an AARQ for the public client
  c.send(aarq());
  const first = exchange();
  t.same(kinds(first), ['rnr'], 'the request fills the queue: RNR (F=1) acknowledges it');
  t.equal(port.pending, 1);
  t.ok(port.busy);
  t.ok(c.peerReceiveBusy);
  c.timeout(); // the busy poll
  t.same(kinds(exchange()), ['rnr'], 'still busy while the meter works');
  t.same(port.process(), [], 'the meter answers; the answer waits for a poll');
  t.notOk(port.busy, 'room in the queue again');
  c.timeout();
  const answer = exchange();
  t.same(kinds(answer), ['i'], 'the next poll gets the AARE');
  const apdu = events(c).find((e) => e.type === 'apdu');
  t.equal(apdu?.type === 'apdu' ? apdu.apdu[0] : undefined, 0x61, 'an AARE');
  t.end();
});

t.test('the simulator with a receive queue and a slow meter, through the real client', async (t) => {
  const profile = {
    ...DEFAULT_SIMULATOR_PROFILE,
    hdlc: { ...DEFAULT_SIMULATOR_PROFILE.hdlc, receiveQueueLimit: 1, processingDelayMs: 150 },
  };
  const sim = new MeterSimulator(profile);
  t.teardown(() => sim.close());
  const server = await serveHdlcTcp(sim, { host: '127.0.0.1', port: 0 });
  t.teardown(() => server.close());
  const client = await DlmsClient.connect({
    connection: {
      type: 'hdlc-tcp',
      host: '127.0.0.1',
      port: server.port,
      physicalAddress: 17,
      hdlcTimeoutMs: 1000,
      hdlcRetries: 1,
    },
    timeoutMs: 5000,
  });
  try {
    const link = (client.channel as HdlcChannel).link;
    let busySeen = 0;
    const watch = setInterval(() => {
      if (link.peerReceiveBusy) busySeen++;
    }, 10);
    const v = await client.get('1-0:1.8.0.255', { classId: 3 });
    clearInterval(watch);
    t.equal(v.type, 'double-long-unsigned', 'the answer comes once the meter is done');
    t.ok(busySeen > 0, 'the client saw RNR while the meter worked');
    await client.release();
  } finally {
    await client.close();
  }
});

t.test('the HDLC/TCP simulator drops a broken-off frame after its inter-octet timeout', async (t) => {
  const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
  t.teardown(() => sim.close());
  const server = await serveHdlcTcp(sim, { host: '127.0.0.1', port: 0 });
  t.teardown(() => server.close());
  const socket = connect(server.port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  const long = encodeHdlcFrame({
    type: 'ui',
    destination: SERVER,
    source: CLIENT,
    pollFinal: false,
    information: bytes(100),
  });
  socket.write(long.subarray(0, 12));
  await new Promise((r) => setTimeout(r, 120)); // the line goes silent mid-frame
  socket.write(encodeHdlcFrame({ type: 'snrm', destination: SERVER, source: CLIENT, pollFinal: true }));
  const deadline = Date.now() + 2000;
  while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.same(kinds([new Uint8Array(Buffer.concat(received))]), ['ua'], 'the SNRM after the gap is answered');
});
