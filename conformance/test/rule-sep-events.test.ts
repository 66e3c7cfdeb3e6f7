/**
 * SEP-EVENT-RESPONSE (IEEE 2030.5-2018 §12.1.3, Table 27): for each DERControl a GET returned, the
 * client POSTs Event Received at once and Event Started / Event Completed at the event's start and
 * end, within the tolerance; responses due after the capture ends are INCONCLUSIVE.
 */
import t from 'tap';
import { Keyring } from '../src/keyring.js';
import { ALL_RULES, MessageAnalyser, type RuleOutcome, sepEventResponseRule } from '../src/rules/index.js';
import type { SessionMessage } from '../src/session/frame-session.js';

const T0 = 1_700_000_000;
const MRID = 'A1B2C3D4E5F60718293A4B5C6D7E8F90';

function control(rr: string, start = T0 + 10, duration = 20, status = 0): string {
  return `<DERControlList xmlns="urn:ieee:std:2030.5:ns" href="/derp/0/derc" all="1" results="1"><DERControl href="/derp/0/derc/1" replyTo="/rsps/0/rsp" responseRequired="${rr}"><mRID>${MRID}</mRID><description>curtail</description><creationTime>${T0 - 100}</creationTime><EventStatus><currentStatus>${status}</currentStatus><dateTime>${T0 - 100}</dateTime><potentiallySuperseded>false</potentiallySuperseded></EventStatus><interval><duration>${duration}</duration><start>${start}</start></interval><DERControlBase><opModConnect>true</opModConnect></DERControlBase></DERControl></DERControlList>`;
}
const response = (status: number, at: number) =>
  `<DERControlResponse xmlns="urn:ieee:std:2030.5:ns"><createdDateTime>${Math.floor(at)}</createdDateTime><endDeviceLFDI>0102030405060708091011121314151617181920</endDeviceLFDI><status>${status}</status><subject>${MRID.toLowerCase()}</subject></DERControlResponse>`;

type Step = readonly [seconds: number, text: string];

function req(method: string, path: string, body = ''): string {
  return `${method} ${path} HTTP/1.1\r\nHost: dut\r\n${body === '' ? '' : `Content-Type: application/sep+xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`}\r\n${body}`;
}
function res(status: string, body = ''): string {
  return `HTTP/1.1 ${status}\r\n${body === '' ? 'Content-Length: 0\r\n' : `Content-Type: application/sep+xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`}\r\n${body}`;
}

function run(steps: readonly Step[], keys = Keyring.empty(), timed = true): RuleOutcome[] {
  const analyser = new MessageAnalyser(keys);
  const state = sepEventResponseRule.createState!();
  const out: RuleOutcome[] = [];
  steps.forEach(([s, text], i) => {
    const m: SessionMessage = {
      type: 'message',
      frame: i + 1,
      channel: 'tcp 127.0.0.1:50000 > 127.0.0.1:80',
      direction: text.startsWith('HTTP/') ? 'server-to-client' : 'client-to-server',
      timestamp: timed ? BigInt(Math.round((T0 + s) * 1000)) * 1_000_000n : undefined,
      protocol: 'ieee2030-5',
      bytes: new TextEncoder().encode(text),
      offset: 0,
    };
    const o = sepEventResponseRule.check({ analysed: analyser.analyse(m), state, keys });
    if (o !== undefined) out.push(o);
  });
  out.push(...(sepEventResponseRule.finish?.(state, keys) ?? []));
  return out;
}
const v = (o: readonly RuleOutcome[]) => o.map((x) => x.verdict);

const read = (rr = '03'): Step[] => [
  [0, req('GET', '/derp/0/derc')],
  [0.1, res('200 OK', control(rr))],
];
const post = (at: number, status: number): Step[] => [
  [at, req('POST', '/rsps/0/rsp', response(status, at))],
  [at + 0.05, res('201 Created')],
];

t.test('registered', async (t) => {
  t.ok(ALL_RULES.includes(sepEventResponseRule as never));
  t.equal(sepEventResponseRule.id, 'SEP-EVENT-RESPONSE');
});

t.test('received, started and completed, each when due: PASS', async (t) => {
  const out = run([...read(), ...post(0.5, 1), ...post(10.2, 2), ...post(30.3, 3)]);
  t.same(v(out), ['PASS', 'PASS', 'PASS']);
  t.same(
    out.map((o) => o.frame),
    [3, 5, 7],
    'each PASS names the Response frame',
  );
});

t.test('a late Event Started fails; a missing Event Completed fails once due', async (t) => {
  const out = run([...read(), ...post(0.5, 1), ...post(18, 2), ...post(45, 1)]);
  t.same(v(out), ['PASS', 'FAIL', 'FAIL']);
  t.match(out[1]!.message, /Event Started Response .* sent 3\.0 s after it was due/);
  t.match(out[2]!.message, /no Event Completed Response \(status 3\)/);
  t.equal(out[2]!.frame, 2, 'the missing response is reported at the event');
  const early = run([...read(), ...post(0.5, 1), ...post(2, 2), ...post(30, 3)]);
  t.match(early[1]!.message, /sent 3\.0 s before it was due/);
});

t.test('the tolerance comes from the keyring settings', async (t) => {
  const keys = Keyring.empty().withSettings({ sepResponseToleranceSeconds: 10 });
  t.same(v(run([...read(), ...post(0.5, 1), ...post(18, 2), ...post(30, 3)], keys)), [
    'PASS',
    'PASS',
    'PASS',
  ]);
});

t.test('responses due after the capture ends, or on another connection: INCONCLUSIVE', async (t) => {
  const out = run([...read(), ...post(0.5, 1), ...post(10.2, 2)]);
  t.same(v(out), ['PASS', 'PASS', 'INCONCLUSIVE']);
  t.match(out[2]!.message, /due by \d+ s, after the capture ends/);
  const none = run(read());
  t.same(v(none), ['INCONCLUSIVE']);
  t.match(none[0]!.message, /another/);
  t.same(v(run([...read(), ...post(0.5, 1)], Keyring.empty(), false)), [
    'INCONCLUSIVE',
    'INCONCLUSIVE',
    'INCONCLUSIVE',
  ]);
});

t.test('responseRequired 00 asks for nothing; 01 only for Event Received', async (t) => {
  t.same(v(run([...read('00'), ...post(0.5, 1)])), []);
  t.same(v(run([...read('01'), ...post(0.5, 1)])), ['PASS']);
  t.same(v(run([...read('01'), ...post(9, 1)])), ['FAIL']);
});
