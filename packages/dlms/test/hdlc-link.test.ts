import { ErrorCode, MeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { decodeHdlcFrame, encodeHdlcFrame, hdlcAddress } from '../src/hdlc/index.js';
import { HdlcLink, type HdlcLinkEvent, type HdlcLinkOptions } from '../src/session/hdlc-link.js';

const CLIENT = hdlcAddress(16);
const SERVER = hdlcAddress(1, 17, 2);

function pair(client: Partial<HdlcLinkOptions> = {}, server: Partial<HdlcLinkOptions> = {}) {
  return {
    c: new HdlcLink({ role: 'client', localAddress: CLIENT, remoteAddress: SERVER, ...client }),
    s: new HdlcLink({ role: 'server', localAddress: SERVER, remoteAddress: CLIENT, ...server }),
  };
}

type Line = (bytes: Uint8Array, from: 'client' | 'server') => Uint8Array[];
const clean: Line = (b) => [b];

/**
 * Moves bytes between the two stations until neither has anything to say; fires the client's timer
 * when it is waiting and the line is quiet. `serve` answers each request the server receives.
 */
function run(
  c: HdlcLink,
  s: HdlcLink,
  options: { line?: Line; serve?: (apdu: Uint8Array) => Uint8Array; maxSteps?: number } = {},
): { client: HdlcLinkEvent[]; server: HdlcLinkEvent[]; frames: number; timeouts: number } {
  const line = options.line ?? clean;
  const client: HdlcLinkEvent[] = [];
  const server: HdlcLinkEvent[] = [];
  let frames = 0;
  let timeouts = 0;
  for (let step = 0; step < (options.maxSteps ?? 10_000); step++) {
    let moved = false;
    for (let o = c.nextOutput(); o; o = c.nextOutput()) {
      moved = true;
      frames++;
      for (const chunk of line(o, 'client')) s.receive(chunk);
    }
    for (let e = s.nextEvent(); e; e = s.nextEvent()) {
      server.push(e);
      if (e.type === 'apdu' && !e.ui && options.serve) s.send(options.serve(e.apdu));
    }
    for (let o = s.nextOutput(); o; o = s.nextOutput()) {
      moved = true;
      frames++;
      for (const chunk of line(o, 'server')) c.receive(chunk);
    }
    for (let e = c.nextEvent(); e; e = c.nextEvent()) client.push(e);
    if (!moved) {
      if (c.timeoutMs === undefined) break;
      timeouts++;
      c.timeout();
    }
  }
  return { client, server, frames, timeouts };
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

t.test('SNRM/UA negotiation takes the smaller of both sides', (t) => {
  const { c, s } = pair(
    {
      capabilities: {
        maxInfoFieldLengthTransmit: 512,
        maxInfoFieldLengthReceive: 1024,
        windowSizeTransmit: 7,
        windowSizeReceive: 7,
      },
    },
    {
      capabilities: {
        maxInfoFieldLengthTransmit: 256,
        maxInfoFieldLengthReceive: 300,
        windowSizeTransmit: 1,
        windowSizeReceive: 3,
      },
    },
  );
  c.connect();
  const snrm = decodeHdlcFrame(c.nextOutput()!);
  t.equal(snrm.type, 'snrm');
  s.receive(encodeHdlcFrame(snrm));
  const ua = s.nextOutput()!;
  c.receive(ua);
  const ce = c.nextEvent();
  const se = s.nextEvent();
  t.same(ce, {
    type: 'connected',
    parameters: { maxInfoTransmit: 300, maxInfoReceive: 256, windowTransmit: 3, windowReceive: 1 },
  });
  t.same(se, {
    type: 'connected',
    parameters: { maxInfoTransmit: 256, maxInfoReceive: 300, windowTransmit: 1, windowReceive: 3 },
  });
  t.equal(c.state, 'connected');
  t.equal(s.state, 'connected');
  t.end();
});

for (const [name, cw, sw, size] of [
  ['window 1, single frames', 1, 1, 40],
  ['window 1, segmented both ways', 1, 1, 1000],
  ['window 3 / 2, segmented both ways', 3, 2, 3000],
  ['window 7, long APDUs', 7, 7, 9000],
] as const) {
  t.test(`request/response: ${name}`, (t) => {
    const caps = (w: number) => ({
      maxInfoFieldLengthTransmit: 128,
      maxInfoFieldLengthReceive: 128,
      windowSizeTransmit: w,
      windowSizeReceive: w,
    });
    const { c, s } = pair({ capabilities: caps(cw) }, { capabilities: caps(sw) });
    c.connect();
    run(c, s);
    const request = bytes(size, 3);
    const response = bytes(size + 17, 7);
    c.send(request);
    const r = run(c, s, { serve: (apdu) => (apdu.length === request.length ? response : new Uint8Array(1)) });
    const got = r.server.filter((e) => e.type === 'apdu');
    t.equal(got.length, 1, 'the server got one request');
    t.same(got[0]?.type === 'apdu' ? [...got[0].apdu] : [], [...request]);
    const answer = r.client.filter((e) => e.type === 'apdu');
    t.equal(answer.length, 1, 'the client got one response');
    t.same(answer[0]?.type === 'apdu' ? [...answer[0].apdu] : [], [...response]);
    t.equal(r.timeouts, 0, 'no retries on a clean line');
    t.ok(c.idle);
    // a second exchange on the same link continues the sequence numbers
    c.send(Uint8Array.of(0xc0, 0x01));
    const r2 = run(c, s, { serve: () => Uint8Array.of(0xc4, 0x01) });
    t.same(
      r2.client.filter((e) => e.type === 'apdu').map((e) => (e.type === 'apdu' ? [...e.apdu] : [])),
      [[0xc4, 0x01]],
    );
    c.disconnect();
    const r3 = run(c, s);
    t.same(r3.client.at(-1), { type: 'disconnected', reason: 'local' });
    t.same(r3.server.at(-1), { type: 'disconnected', reason: 'peer' });
    t.end();
  });
}

t.test('the LLC header travels on the first segment only', (t) => {
  const { c, s } = pair({ capabilities: { maxInfoFieldLengthReceive: 32, maxInfoFieldLengthTransmit: 32 } });
  c.connect();
  run(c, s);
  c.send(bytes(70));
  const infos: Uint8Array[] = [];
  for (let o = c.nextOutput(); o; o = c.nextOutput()) {
    const f = decodeHdlcFrame(o, { llc: false });
    infos.push(f.information);
    t.ok(f.information.length <= 32);
    s.receive(o);
    for (let so = s.nextOutput(); so; so = s.nextOutput()) c.receive(so);
  }
  t.same([...infos[0]!.subarray(0, 3)], [0xe6, 0xe6, 0x00]);
  t.equal(infos.length, 3, '3 + 70 octets in segments of 32');
  t.notSame([...infos[1]!.subarray(0, 3)], [0xe6, 0xe6, 0x00]);
  t.end();
});

t.test('a refused connection (DM) and a frame reject (FRMR) end in typed errors', (t) => {
  const c = new HdlcLink({ role: 'client', localAddress: CLIENT, remoteAddress: SERVER });
  c.connect();
  c.nextOutput();
  c.receive(encodeHdlcFrame({ type: 'dm', pollFinal: true, destination: CLIENT, source: SERVER }));
  const e1 = c.nextEvent();
  t.equal(e1?.type === 'error' ? e1.error.code : 0, ErrorCode.Rejected);
  t.same(c.nextEvent(), { type: 'disconnected', reason: 'refused' });
  const { c: c2, s } = pair();
  c2.connect();
  run(c2, s);
  c2.receive(
    encodeHdlcFrame({
      type: 'frmr',
      pollFinal: true,
      destination: CLIENT,
      source: SERVER,
      information: Uint8Array.of(0x10, 0x00, 0x01),
    }),
  );
  const e2 = c2.nextEvent();
  t.equal(e2?.type === 'error' ? e2.error.code : 0, ErrorCode.Rejected);
  t.match(e2?.type === 'error' ? e2.error.message : '', /FRMR/);
  t.equal(c2.state, 'disconnected');
  t.end();
});

t.test('no answer: retries, then SessionTimeout with a hint', (t) => {
  const c = new HdlcLink({ role: 'client', localAddress: CLIENT, remoteAddress: SERVER, maxRetries: 2 });
  c.connect();
  let sent = 0;
  while (c.nextOutput()) sent++;
  t.equal(c.timeoutMs, 3000);
  c.timeout();
  c.timeout();
  while (c.nextOutput()) sent++;
  t.equal(sent, 3, 'SNRM sent three times');
  c.timeout();
  const e = c.nextEvent();
  t.equal(e?.type === 'error' ? e.error.code : 0, ErrorCode.SessionTimeout);
  t.match(
    e?.type === 'error' ? e.error.message : '',
    /no answer to SNRM after 3 attempts: check the server address/,
  );
  t.same(c.nextEvent(), { type: 'disconnected', reason: 'timeout' });
  t.equal(c.timeoutMs, undefined);
  t.end();
});

t.test('frames for other stations and broken frames are reported, not obeyed', (t) => {
  const { c, s } = pair();
  s.receive(
    encodeHdlcFrame({ type: 'snrm', pollFinal: true, destination: hdlcAddress(1, 18, 2), source: CLIENT }),
  );
  t.equal(s.nextEvent()?.type, 'discarded');
  t.equal(s.state, 'disconnected');
  s.receive(Uint8Array.of(0x7e, 0xa0, 0x07, 0x03, 0x21, 0x93, 0x0f, 0x02, 0x7e)); // bad FCS
  const d = s.nextEvent();
  t.equal(d?.type === 'discarded' ? d.reason : '', 'frame-check-failed');
  // an I frame while disconnected is answered with DM
  s.receive(
    encodeHdlcFrame({
      type: 'i',
      sendSequence: 0,
      receiveSequence: 0,
      pollFinal: true,
      destination: SERVER,
      source: CLIENT,
      information: Uint8Array.of(1),
    }),
  );
  t.equal(decodeHdlcFrame(s.nextOutput()!).type, 'dm');
  t.throws(() => s.connect(), { code: ErrorCode.InvalidState });
  t.throws(() => c.send(Uint8Array.of(1)), { code: ErrorCode.InvalidState });
  t.throws(
    () =>
      new HdlcLink({
        role: 'client',
        localAddress: CLIENT,
        remoteAddress: SERVER,
        capabilities: { windowSizeTransmit: 8 },
      }),
    {
      code: ErrorCode.InvalidArgument,
    },
  );
  t.end();
});

t.test('optical-head echo is suppressed', (t) => {
  const { c, s } = pair({ echo: true });
  const echoing: Line = (b, from) => {
    if (from === 'client') c.receive(b); // the head echoes everything the client sends
    return [b];
  };
  c.connect();
  const r = run(c, s, { line: echoing });
  t.equal(
    r.client.filter((e) => e.type === 'discarded' && e.reason === 'echo').length,
    1,
    'the SNRM echo was dropped',
  );
  t.equal(c.state, 'connected');
  c.send(bytes(300));
  const r2 = run(c, s, { line: echoing, serve: () => bytes(10) });
  t.equal(r2.client.filter((e) => e.type === 'apdu').length, 1);
  t.end();
});

t.test('UI frames deliver pushes', (t) => {
  const { c, s } = pair();
  c.connect();
  run(c, s);
  s.sendUnnumbered(Uint8Array.of(0x0f, 0, 0, 0, 1, 0));
  c.receive(s.nextOutput()!);
  t.same(c.nextEvent(), { type: 'apdu', apdu: Uint8Array.of(0x0f, 0, 0, 0, 1, 0), ui: true });
  t.end();
});

/** A seeded noisy line: drops, duplicates and corrupts whole writes and single bytes. */
function noisyLine(seed: number, rate: number): Line {
  let x = seed >>> 0 || 1;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
  return (b) => {
    const r = rnd();
    if (r < rate) return []; // lost
    if (r < rate * 2) {
      const copy = b.slice();
      copy[Math.floor(rnd() * copy.length)]! ^= 1 << Math.floor(rnd() * 8); // a flipped bit
      return [copy];
    }
    if (r < rate * 3) return [b, b]; // duplicated
    if (r < rate * 4) {
      const cut = Math.floor(rnd() * b.length);
      return [b.subarray(0, cut), Uint8Array.of(0x55), b.subarray(cut)]; // a stray byte mid-frame
    }
    return [b];
  };
}

t.test('a noisy line: the exchange completes or fails with a typed error, never hangs', (t) => {
  let completed = 0;
  let failed = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const { c, s } = pair({ maxRetries: 6 }, {});
    const line = noisyLine(seed, 0.04);
    c.connect();
    const r0 = run(c, s, { line, maxSteps: 2000 });
    if (c.state !== 'connected') {
      t.ok(
        r0.client.some((e) => e.type === 'error' && e.error instanceof MeterkitError),
        `seed ${seed}: typed failure`,
      );
      failed++;
      continue;
    }
    const request = bytes(600, seed);
    c.send(request);
    const r = run(c, s, { line, serve: (apdu) => Uint8Array.of(0xc4, apdu.length & 0xff), maxSteps: 5000 });
    const answers = r.client.filter((e) => e.type === 'apdu');
    const errors = r.client.filter((e) => e.type === 'error' && e.error.code === ErrorCode.SessionTimeout);
    if (answers.length > 0) {
      completed++;
      t.same(
        answers[0]?.type === 'apdu' ? [...answers[0].apdu] : [],
        [0xc4, 600 & 0xff],
        `seed ${seed}: right answer`,
      );
    } else {
      failed++;
      t.ok(errors.length > 0 || c.state !== 'connected', `seed ${seed}: gave up with a typed error`);
    }
  }
  t.ok(completed > 40, `most exchanges complete on a 4% noisy line (${completed} ok, ${failed} failed)`);
  t.end();
});

t.test('property: arbitrary bytes into either station never throw', (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
      const { c, s } = pair();
      c.connect();
      for (const ch of chunks) {
        c.receive(ch);
        s.receive(ch);
        while (c.nextEvent() || s.nextEvent() || c.nextOutput() || s.nextOutput());
      }
      c.timeout();
    }),
    { numRuns: 500 },
  );
  t.end();
});
