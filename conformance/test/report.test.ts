import { XMLParser, XMLValidator } from 'fast-xml-parser';
import t from 'tap';
import { escapeHtml, escapeXml, toHtml, toJUnit, toTap } from '../src/report/index.js';
import { buildReport, type Finding, type RuleDefinition, summarise } from '../src/verdict.js';

const rules: RuleDefinition[] = [
  {
    id: 'DLMS-HDLC-FCS',
    protocol: 'dlms',
    statement: 'Every HDLC frame has a correct FCS',
    clause: 'IEC 62056-46 §6.4.2.6',
  },
  { id: 'DLMS-APDU-DECODES', protocol: 'dlms', statement: 'Every APDU decodes', clause: 'IEC 62056-5-3 §8' },
  {
    id: 'DLMS-SEC-IC',
    protocol: 'dlms',
    statement: 'Invocation counters increase',
    clause: 'IEC 62056-5-3 §9.2.4.7',
  },
];
const findings: Finding[] = [
  { rule: 'DLMS-HDLC-FCS', verdict: 'PASS', frame: 1 },
  {
    rule: 'DLMS-HDLC-FCS',
    verdict: 'FAIL',
    frame: 2,
    offset: 5,
    message: 'FCS 0x1234 where 0xabcd was computed <&>',
  },
  { rule: 'DLMS-APDU-DECODES', verdict: 'PASS', frame: 1 },
  { rule: 'DLMS-APDU-DECODES', verdict: 'ERROR', frame: 2, message: 'frame unusable' },
  { rule: 'DLMS-SEC-IC', verdict: 'INAPPLICABLE', message: 'no keys given' },
  { rule: 'DLMS-SEC-IC', verdict: 'INCONCLUSIVE', frame: 1, message: 'only one ciphered APDU' },
];
const report = buildReport({
  toolVersion: '0.1.0',
  createdAt: new Date(Date.UTC(2026, 10, 23)),
  inputs: [{ path: 'push.pcapng', sha256: 'ab'.repeat(32), size: 1234, format: 'pcapng', frames: 2 }],
  rules,
  findings,
  frames: [
    {
      frame: 1,
      channel: 'serial',
      direction: 'server-to-client',
      protocol: 'dlms',
      hex: '7ea0070321930f017e',
      decoded: { type: 'snrm' },
    },
    {
      frame: 2,
      channel: 'serial',
      direction: 'server-to-client',
      hex: '7ea00703219300007e',
      error: { code: 101, name: 'frame-check-failed', message: 'FCS' },
    },
  ],
});

t.test('summary counts and the overall verdict', (t) => {
  t.same(report.summary.total, { PASS: 2, FAIL: 1, INCONCLUSIVE: 1, INAPPLICABLE: 1, ERROR: 1 });
  t.equal(report.summary.verdict, 'FAIL');
  t.same(report.summary.byRule['DLMS-SEC-IC'], {
    PASS: 0,
    FAIL: 0,
    INCONCLUSIVE: 1,
    INAPPLICABLE: 1,
    ERROR: 0,
  });
  t.equal(summarise(rules, [{ rule: 'X', verdict: 'ERROR' }]).verdict, 'ERROR');
  t.equal(summarise(rules, [{ rule: 'X', verdict: 'INCONCLUSIVE' }]).verdict, 'INCONCLUSIVE');
  t.equal(summarise(rules, [{ rule: 'X', verdict: 'PASS' }]).verdict, 'PASS');
  t.equal(summarise(rules, []).verdict, 'INAPPLICABLE');
  t.equal(report.schema, 'meterkit-conformance-report/1');
  t.equal(report.createdAt, '2026-11-23T00:00:00.000Z');
  t.end();
});

t.test('JUnit: well-formed, one suite per rule, verdicts mapped', (t) => {
  const xml = toJUnit(report);
  t.equal(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
  const suites = doc.testsuites;
  t.equal(suites.tests, '6');
  t.equal(suites.failures, '1');
  t.equal(suites.errors, '1');
  t.equal(suites.skipped, '2');
  t.equal(suites.testsuite.length, 3);
  const fcs = suites.testsuite[0];
  t.equal(fcs.name, 'DLMS-HDLC-FCS');
  t.match(fcs.testcase[1].failure.message, /FCS 0x1234 where 0xabcd was computed <&> \(offset 5\)/);
  t.equal(escapeXml('a\u0001<'), 'a\\x01&lt;');
  t.end();
});

t.test('TAP: a plan, one point per finding, skips and todos', (t) => {
  const tap = toTap(report).split('\n');
  t.equal(tap[0], 'TAP version 14');
  t.equal(tap[1], '1..6');
  t.equal(tap[2], 'ok 1 - DLMS-HDLC-FCS frame 1');
  t.equal(tap[3], 'not ok 2 - DLMS-HDLC-FCS frame 2');
  t.ok(tap.includes('  verdict: FAIL'));
  t.ok(tap.includes('  clause: "IEC 62056-46 §6.4.2.6"'));
  t.ok(tap.some((l) => l === 'ok 5 - DLMS-SEC-IC # SKIP no keys given'));
  t.ok(tap.some((l) => l.startsWith('not ok 6 - DLMS-SEC-IC frame 1 # TODO inconclusive')));
  t.match(tap.at(-2), /^# verdict FAIL: 2 pass, 1 fail, 1 error, 1 inconclusive, 1 inapplicable$/);
  t.end();
});

t.test('HTML: self-contained, summary numbers by id, failures open with hex marked', (t) => {
  const html = toHtml(report);
  t.notMatch(html, /<script|<link|src=/, 'no scripts or external resources');
  t.match(html, /<span id="verdict"><span class="badge"[^>]*>FAIL<\/span><\/span>/);
  t.match(html, /<span id="count-PASS">2<\/span>/);
  t.match(html, /<span id="count-FAIL">1<\/span>/);
  t.match(html, /<details class="frame failed" id="frame-2" open>/);
  t.match(html, /<mark>[0-9a-f]{2}<\/mark>/, 'the failing offset is marked in the hex');
  t.match(html, /FCS 0x1234 where 0xabcd was computed &lt;&amp;&gt;/);
  t.match(html, /abababab/);
  t.equal(escapeHtml(`<a href="x">'`), '&lt;a href=&quot;x&quot;&gt;&#39;');
  t.end();
});
