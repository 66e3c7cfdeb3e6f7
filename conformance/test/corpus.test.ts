import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { compareExpectation, listCorpusCases, readExpectation, runCorpusCase } from '../src/runner/corpus.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus');

t.test(
  'every corpus case gives its expected.json (regenerate only with npm run corpus:update)',
  async (t) => {
    const cases = await listCorpusCases(root);
    t.ok(cases.length >= 80, `${cases.length} cases`);
    for (const c of cases) {
      const expected = await readExpectation(c);
      const { actual } = await runCorpusCase(c);
      t.same(compareExpectation(expected, actual), [], c.name);
    }
  },
);

t.test('the corpus covers each protocol with clean and deliberately broken cases', async (t) => {
  const cases = await listCorpusCases(root);
  const names = cases.map((c) => c.name);
  for (const p of ['dlms', 'c1222', 'c1218', 'ieee2030-5'])
    t.ok(
      names.some((n) => n.startsWith(`${p}/`)),
      p,
    );
  const broken: Record<string, string> = {
    'dlms/broken-bad-fcs': 'DLMS-HDLC-FCS',
    'dlms/broken-wrong-tag': 'DLMS-SECURITY-TAG',
    'dlms/broken-missing-aare': 'DLMS-SESSION-AARQ-FIRST',
    'dlms/broken-replayed-counter': 'DLMS-SECURITY-IC',
    'dlms/broken-invoke-id': 'DLMS-SESSION-INVOKE-ID',
    'dlms/broken-hdlc-sequence': 'DLMS-HDLC-SEQUENCE',
    'dlms/broken-hls-response': 'DLMS-SECURITY-HLS',
    'c1218/broken-toggle-and-crc': 'C1218-TOGGLE',
    'ieee2030-5/broken-out-of-order-xml': 'SEP-XML-SCHEMA',
  };
  for (const [name, rule] of Object.entries(broken)) {
    const c = cases.find((x) => x.name === name);
    t.ok(c, name);
    if (c === undefined) continue;
    const x = await readExpectation(c);
    t.equal(x.verdict, 'FAIL', name);
    t.ok(
      x.findings.some((f) => f.rule === rule && f.verdict === 'FAIL'),
      `${name} fails ${rule}`,
    );
  }
  for (const name of [
    'dlms/hls-gmac-association',
    'dlms/wrapper-clean-session',
    'dlms/udp-push-session',
    'c1222/icsnpp-session',
  ]) {
    const c = cases.find((x) => x.name === name)!;
    t.equal((await readExpectation(c)).verdict, 'PASS', name);
  }
});

t.test('compareExpectation names each difference', async (t) => {
  const [c] = await listCorpusCases(root);
  const expected = await readExpectation(c!);
  t.same(compareExpectation(expected, expected), []);
  const changed = {
    ...expected,
    verdict: 'ERROR' as const,
    rules: { ...expected.rules, X: { FAIL: 1 } },
    findings: [],
  };
  const diffs = compareExpectation(expected, changed);
  t.ok(diffs.some((d) => d.startsWith('verdict')));
  t.ok(diffs.some((d) => d.startsWith('X:')));
});
