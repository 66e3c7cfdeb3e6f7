/**
 * Live replay adaptation against the IEEE 2030.5 test server over plain HTTP (IEEE 2030.5-2018
 * §5.2.3, §5.5.4): a DER client session recorded through a recording proxy is replayed against a
 * server where another device registered first, so the replayed EndDevice POST is answered with a
 * different Location. Mapping the captured hrefs to the device's (Location, list and link hrefs)
 * makes the replay pass; sent as captured, the requests name the other device's resources.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { recordSepSession, startSepScenario } from '../src/corpus/record-sep.js';
import { ReplayAdapter } from '../src/replay/adapt.js';
import { HttpReplayAdaptation } from '../src/replay/adapt-http.js';
import { connectTarget } from '../src/replay/command.js';
import { DEFAULT_REPLAY_MASKS } from '../src/replay/compare.js';
import { HttpResponseFramer } from '../src/replay/http-framer.js';
import { replaySession } from '../src/replay/replay.js';
import { buildReplayScript } from '../src/replay/script.js';
import { frameSession } from '../src/session/frame-session.js';
import { readSession } from '../src/session/read-session.js';

const dir = mkdtempSync(join(tmpdir(), 'replay-sep-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

t.test('href rewriting against a server that numbers the device differently', async (t) => {
  const recording = await startSepScenario();
  const file = join(dir, 'sep.pcapng');
  writeFileSync(file, await recordSepSession(recording));
  await recording.close();
  const steps = await buildReplayScript(frameSession(readSession(file)));
  t.ok(steps.length > 20);
  t.ok(
    steps.some((s) => dec(s.request).startsWith('GET /edev/1 ')),
    'the capture reads the EndDevice it registered',
  );
  const replay = async (adapter: ReplayAdapter) => {
    const dut = await startSepScenario({ otherDevice: true });
    const transport = await connectTarget(`tcp://127.0.0.1:${dut.port}`);
    try {
      return await replaySession(steps, {
        transport,
        adapter,
        timeoutMs: 2000,
        masks: [...DEFAULT_REPLAY_MASKS, '**.EventStatus'],
      });
    } finally {
      await transport.close();
      await dut.close();
    }
  };
  const raw = await replay(new ReplayAdapter({ hrefs: false }));
  t.equal(raw.verdict, 'FAIL', 'as captured: /edev/1 is the other device');
  const adapted = await replay(new ReplayAdapter());
  t.equal(
    adapted.verdict,
    'PASS',
    adapted.steps
      .filter((s) => s.verdict !== 'PASS')
      .map((s) => `${s.frame}: ${s.verdict} ${s.message ?? ''} ${s.differences.join('; ')}`)
      .join('\n'),
  );
  t.ok((adapted.adaptations.http.targets ?? 0) > 3, 'request targets rewritten');
  t.ok(
    adapted.steps.some((s) => dec(Buffer.from(s.sent, 'hex')).startsWith('GET /edev/2 ')),
    'the EndDevice is read at the href the device gave',
  );
});

t.test('href map: Location, list hrefs by element, longest parent, query kept', async (t) => {
  const a = new HttpReplayAdaptation();
  a.observe(
    [enc('HTTP/1.1 201 Created\r\nLocation: http://x/edev/3\r\nContent-Length: 0\r\n\r\n')],
    [enc('HTTP/1.1 201 Created\r\nLocation: /edev/7\r\nContent-Length: 0\r\n\r\n')],
  );
  t.equal(a.mapHref('/edev/3'), '/edev/7');
  t.equal(a.mapHref('/edev/3/der/1?s=0&l=4'), '/edev/7/der/1?s=0&l=4');
  t.equal(a.mapHref('/edev/30'), '/edev/30', 'only whole path segments');
  const body = (h: string, r: string) =>
    `<DERControlList xmlns="urn:ieee:std:2030.5:ns" all="1" results="1" href="/derp/1/derc"><DERControl href="${h}" replyTo="${r}"><mRID>01</mRID></DERControl></DERControlList>`;
  a.observe(
    [enc(`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n${body('/derp/1/derc/1', '/rsps/1/rsp')}`)],
    [enc(`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n${body('/derp/1/derc/9', '/rsps/2/rsp')}`)],
  );
  t.equal(a.mapHref('/rsps/1/rsp'), '/rsps/2/rsp');
  const post = a.adapt(
    enc(
      'POST /rsps/1/rsp HTTP/1.1\r\nContent-Length: 5\r\n\r\n<DERControlResponse xmlns="urn:ieee:std:2030.5:ns" href="/derp/1/derc/1"><subscribedResource>/edev/3</subscribedResource></DERControlResponse>',
    ),
  );
  const text = dec(post);
  t.match(text, /^POST \/rsps\/2\/rsp HTTP\/1\.1/);
  t.match(text, /href="\/derp\/1\/derc\/9"/);
  t.match(text, /<subscribedResource>\/edev\/7<\/subscribedResource>/);
  const len = Number(/Content-Length: (\d+)/.exec(text)![1]);
  t.equal(len, Buffer.byteLength(text.slice(text.indexOf('\r\n\r\n') + 4)), 'Content-Length recomputed');
  t.equal(a.counts.targets, 1);
  t.equal(a.counts.bodyReferences, 2);
  t.equal(
    dec(a.expected(enc('HTTP/1.1 201 Created\r\nLocation: /edev/3\r\n\r\n'))).includes('/edev/7'),
    true,
  );
});

t.test('HTTP response framer: split chunks, chunked bodies, bodiless statuses', async (t) => {
  const f = new HttpResponseFramer();
  const one = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
  const two = 'HTTP/1.1 204 No Content\r\n\r\n';
  const three = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
  const all = enc(one + two + three);
  const out = [...f.push(all.subarray(0, 10)), ...f.push(all.subarray(10, 50)), ...f.push(all.subarray(50))];
  t.same(
    out.map((x) => dec(x.bytes)),
    [one, two, three],
  );
});
