/**
 * SEP-HREF-RESOLVE (IEEE 2030.5-2018 §5.2.3, Annex A): every Link href resolves; a 404 on a link to a
 * client-updated resource (DERCapability, DERSettings, DERStatus, DERAvailability, CSIP-AUS
 * ConnectionPoint, ...) before the client has PUT it is INCONCLUSIVE, after the PUT it is a FAIL.
 */
import t from 'tap';
import { Keyring } from '../src/keyring.js';
import { MessageAnalyser, type RuleOutcome, sepHrefRule } from '../src/rules/index.js';
import type { SessionMessage } from '../src/session/frame-session.js';

const NS = 'xmlns="urn:ieee:std:2030.5:ns"';
const der = `<DER ${NS} href="/edev/1/der/1"><AssociatedUsagePointLink href="/upt/1"/><DERAvailabilityLink href="/edev/1/der/1/dera"/><DERCapabilityLink href="/edev/1/der/1/dercap"/><DERSettingsLink href="/edev/1/der/1/derg"/><DERStatusLink href="/edev/1/der/1/ders"/></DER>`;
const dercap = `<DERCapability ${NS} href="/edev/1/der/1/dercap"><modesSupported>00000001</modesSupported><rtgMaxW><multiplier>0</multiplier><value>5000</value></rtgMaxW><type>83</type></DERCapability>`;

function req(method: string, path: string, body = ''): string {
  return `${method} ${path} HTTP/1.1\r\nHost: dut\r\n${body === '' ? '' : `Content-Type: application/sep+xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`}\r\n${body}`;
}
function res(status: string, body = ''): string {
  return `HTTP/1.1 ${status}\r\n${body === '' ? 'Content-Length: 0\r\n' : `Content-Type: application/sep+xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`}\r\n${body}`;
}

function run(texts: readonly string[]): RuleOutcome[] {
  const analyser = new MessageAnalyser(Keyring.empty());
  const state = sepHrefRule.createState!();
  const out: RuleOutcome[] = [];
  texts.forEach((text, i) => {
    const m: SessionMessage = {
      type: 'message',
      frame: i + 1,
      channel: 'tcp 127.0.0.1:50000 > 127.0.0.1:80',
      direction: text.startsWith('HTTP/') ? 'server-to-client' : 'client-to-server',
      timestamp: undefined,
      protocol: 'ieee2030-5',
      bytes: new TextEncoder().encode(text),
      offset: 0,
    };
    const o = sepHrefRule.check({ analysed: analyser.analyse(m), state, keys: Keyring.empty() });
    if (o !== undefined) out.push(o);
  });
  out.push(...(sepHrefRule.finish?.(state, Keyring.empty()) ?? []));
  return out;
}

/** Outcome of the link to `href` (the rule names the href in every non-PASS message). */
const about = (o: readonly RuleOutcome[], href: string): RuleOutcome[] =>
  o.filter((x) => x.message?.includes(`${href} `) === true);

const readDer = [req('GET', '/edev/1/der/1'), res('200 OK', der)];

t.test('every link fetched with success passes', (t) => {
  const out = run([
    ...readDer,
    req('GET', '/upt/1'),
    res(
      '200 OK',
      `<UsagePoint ${NS} href="/upt/1"><roleFlags>0049</roleFlags><serviceCategoryKind>0</serviceCategoryKind><status>1</status></UsagePoint>`,
    ),
    req('PUT', '/edev/1/der/1/dercap', dercap),
    res('204 No Content'),
    req('GET', '/edev/1/der/1/dercap'),
    res('200 OK', dercap),
    ...['dera', 'derg', 'ders'].flatMap((p) => [req('PUT', `/edev/1/der/1/${p}`), res('204 No Content')]),
  ]);
  t.same(
    out.map((x) => x.verdict),
    ['PASS', 'PASS', 'PASS', 'PASS', 'PASS'],
  );
  t.end();
});

t.test('a 404 on a server-populated link fails', (t) => {
  const out = run([...readDer, req('GET', '/upt/1'), res('404 Not Found')]);
  const upt = about(out, '/upt/1');
  t.same(
    upt.map((x) => x.verdict),
    ['FAIL'],
  );
  t.match(upt[0]!.message, /answered 404/);
  t.equal(upt[0]!.frame, 2, 'frame of the body that named the link');
  t.end();
});

t.test('a 404 on a client-updated link before any PUT is inconclusive', (t) => {
  const out = run([
    ...readDer,
    ...['dera', 'dercap', 'derg', 'ders'].flatMap((p) => [
      req('GET', `/edev/1/der/1/${p}`),
      res('404 Not Found'),
    ]),
  ]);
  for (const [href, type] of [
    ['/edev/1/der/1/dera', 'DERAvailability'],
    ['/edev/1/der/1/dercap', 'DERCapability'],
    ['/edev/1/der/1/derg', 'DERSettings'],
    ['/edev/1/der/1/ders', 'DERStatus'],
  ] as const) {
    const o = about(out, href);
    t.same(
      o.map((x) => x.verdict),
      ['INCONCLUSIVE'],
      href,
    );
    t.match(o[0]!.message, new RegExp(`client-updated ${type} was answered 404 before the client wrote it`));
  }
  t.end();
});

t.test('the CSIP-AUS ConnectionPoint link (csipaus namespace) counts as client-updated', (t) => {
  const edev = `<EndDevice ${NS} xmlns:csipaus="https://csipaus.org/ns" href="/edev/1"><csipaus:ConnectionPointLink href="/edev/1/cp"/><sFDI>111111111111</sFDI><changedTime>0</changedTime></EndDevice>`;
  const out = run([
    req('GET', '/edev/1'),
    res('200 OK', edev),
    req('GET', '/edev/1/cp'),
    res('404 Not Found'),
  ]);
  const cp = about(out, '/edev/1/cp');
  t.same(
    cp.map((x) => x.verdict),
    ['INCONCLUSIVE'],
  );
  t.match(cp[0]!.message, /client-updated ConnectionPoint/);
  t.end();
});

t.test('a 404 before the PUT and a 200 after it passes', (t) => {
  const out = run([
    ...readDer,
    req('GET', '/edev/1/der/1/dercap'),
    res('404 Not Found'),
    req('PUT', '/edev/1/der/1/dercap', dercap),
    res('204 No Content'),
    req('GET', '/edev/1/der/1/dercap'),
    res('200 OK', dercap),
  ]);
  t.same(about(out, '/edev/1/der/1/dercap'), [], 'no FAIL or INCONCLUSIVE for dercap');
  t.same(
    out.map((x) => x.verdict).sort(),
    ['INCONCLUSIVE', 'INCONCLUSIVE', 'INCONCLUSIVE', 'INCONCLUSIVE', 'PASS'],
    'dercap passes, the four unfetched links stay inconclusive',
  );
  t.end();
});

t.test('a 404 on a client-updated link after the client wrote it fails', (t) => {
  const out = run([
    ...readDer,
    req('PUT', '/edev/1/der/1/dercap', dercap),
    res('204 No Content'),
    req('GET', '/edev/1/der/1/dercap'),
    res('404 Not Found'),
  ]);
  const o = about(out, '/edev/1/der/1/dercap');
  t.same(
    o.map((x) => x.verdict),
    ['FAIL'],
  );
  t.match(o[0]!.message, /answered 404 after the client wrote it/);
  t.end();
});

t.test('a rejected PUT does not count as written', (t) => {
  const out = run([
    ...readDer,
    req('PUT', '/edev/1/der/1/ders', '<bad/>'),
    res('400 Bad Request'),
    req('GET', '/edev/1/der/1/ders'),
    res('404 Not Found'),
  ]);
  t.same(
    about(out, '/edev/1/der/1/ders').map((x) => x.verdict),
    ['INCONCLUSIVE'],
  );
  t.end();
});

t.test('an unfetched link stays inconclusive', (t) => {
  const out = run(readDer);
  t.same(
    out.map((x) => x.verdict),
    ['INCONCLUSIVE', 'INCONCLUSIVE', 'INCONCLUSIVE', 'INCONCLUSIVE', 'INCONCLUSIVE'],
  );
  t.match(about(out, '/upt/1')[0]!.message, /not fetched/);
  t.end();
});
