import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { writeDlmsCapture } from '../../bench/scale/dlms-capture.js';
import { Keyring } from '../src/keyring.js';
import { toHtml } from '../src/report/html.js';
import { toTap } from '../src/report/tap.js';
import { dlmsApduDecodeRule, dlmsInvokeIdRule } from '../src/rules/index.js';
import { runConformance } from '../src/runner/run.js';
import { END_SEQ, mergeShardResults, type ShardResult, type VerdictLimits } from '../src/runner/shard.js';
import { applyBatch, shardable } from '../src/runner/workers.js';

const corpus = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus');
const brokenIc = join(corpus, 'dlms/broken-replayed-counter/capture.pcapng');
const brokenAare = join(corpus, 'dlms/broken-missing-aare/capture.pcapng');

t.test('worker shards give the same report as one thread', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'meterkit-workers-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const generated = join(dir, 'dlms.pcapng');
  // several hundred short connections, then two broken sessions with FAIL findings
  writeDlmsCapture(generated, 300_000);
  const inputs = [generated, brokenAare, brokenIc];
  const base = { createdAt: new Date(0), frames: 'all' as const, maxFrames: 300, maxPassFindings: 2000 };
  const one = await runConformance(inputs, base);
  t.ok(one.summary.total.PASS > 5000, 'the generated capture is checked');
  t.equal(one.summary.verdict, 'FAIL');
  t.equal(one.frames.length, 300, 'frames listed up to the limit');
  t.equal(
    one.findings.filter((f) => f.verdict === 'PASS').length,
    2000,
    'PASS findings listed up to the limit',
  );
  t.same(await runConformance(inputs, { ...base, workers: 3 }), one, '3 workers');
  t.same(
    await runConformance(inputs, { ...base, workers: 1 }),
    one,
    'one worker (reading and rules on two threads)',
  );
  t.same(await runConformance(inputs, { ...base, workers: 0 }), one, 'workers: 0 is the calling thread');
  // without PASS findings and with a small findings limit, the same detail is cut
  const small = await runConformance(inputs, { createdAt: new Date(0), passFindings: false, maxFindings: 1 });
  t.same(small.summary.total, one.summary.total, 'every verdict counted either way');
  t.same(small.summary.byRule, one.summary.byRule);
  t.equal(small.summary.verdict, one.summary.verdict);
  t.same(small.findings, [one.findings.find((f) => f.verdict !== 'PASS')]);
  // the summary says what the limits kept out of the lists
  const listed = (r: typeof one, v: 'PASS' | 'FAIL' | 'ERROR' | 'INCONCLUSIVE' | 'INAPPLICABLE') =>
    r.findings.filter((f) => f.verdict === v).length;
  t.equal(
    one.summary.unlisted?.PASS,
    one.summary.total.PASS - 2000,
    'PASS findings beyond the limit counted',
  );
  t.equal(small.summary.unlisted?.PASS, 0, 'PASS findings left out on purpose are not "unlisted"');
  const nonPass = ['FAIL', 'ERROR', 'INCONCLUSIVE', 'INAPPLICABLE'] as const;
  t.equal(
    nonPass.reduce((n, v) => n + (small.summary.unlisted?.[v] ?? 0), 0),
    nonPass.reduce((n, v) => n + small.summary.total[v] - listed(small, v), 0),
    'every non-PASS finding beyond the first is counted as not listed',
  );
  t.ok(toHtml(small).includes('id="unlisted"'), 'the HTML report says so');
  t.match(toTap(small), /# not listed \(report limits reached\): 0 pass, \d+ fail/, 'the TAP report says so');
});

t.test('a capture is hashed while read, and whole when it fails part-way', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'meterkit-hash-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const whole = join(dir, 'whole.pcapng');
  writeDlmsCapture(whole, 100_000);
  const bytes = await readFile(whole);
  const cut = join(dir, 'cut.pcapng');
  await writeFile(cut, bytes.subarray(0, bytes.length - 10));
  for (const path of [whole, cut]) {
    const report = await runConformance([path], {});
    const sha = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
    t.equal(report.inputs[0]!.sha256, sha);
    t.equal(report.inputs[0]!.size, (await readFile(path)).length);
  }
  const failed = await runConformance([cut], {});
  t.equal(failed.summary.byRule['CAPTURE-READ']?.ERROR, 1, 'the cut is reported');
});

t.test('runs that cannot be sharded stay in one thread', async (t) => {
  t.ok(shardable([dlmsApduDecodeRule, dlmsInvokeIdRule], Keyring.empty()));
  const custom = { ...dlmsApduDecodeRule, id: 'LAB-CUSTOM' };
  t.notOk(shardable([custom], Keyring.empty()), 'a rule object not built in');
  const keys = Keyring.parse(
    JSON.stringify({ dlms: [{ systemTitle: '4d4b540000000001', ek: '000102030405060708090a0b0c0d0e0f' }] }),
  );
  t.notOk(shardable([dlmsApduDecodeRule], keys), 'a keyring with keys');
  // and the run still works, single-threaded
  const report = await runConformance([brokenIc], { keys, workers: 2, createdAt: new Date(0) });
  t.same(report, await runConformance([brokenIc], { keys, createdAt: new Date(0) }));
});

t.test('shard results merge in run order and within the limits', async (t) => {
  const limits: VerdictLimits = {
    keepPass: true,
    framesMode: 'all',
    maxFindings: 2,
    maxPassFindings: 1,
    maxFrames: 1,
  };
  const f = (rule: string, verdict: 'PASS' | 'FAIL', frame: number) => ({ rule, verdict, frame });
  const a: ShardResult = {
    findings: [
      { seq: 3, sub: 0, finding: f('A', 'FAIL', 3) },
      { seq: 1, sub: 0, finding: f('A', 'PASS', 1) },
    ],
    frames: [{ seq: 3, sub: 0, frame: { frame: 3, channel: 'x', direction: 'unknown', hex: '00' } }],
    counts: [['A', { PASS: 1, FAIL: 1, INCONCLUSIVE: 0, INAPPLICABLE: 0, ERROR: 0 }]],
  };
  const b: ShardResult = {
    findings: [
      { seq: 2, sub: 1, finding: f('B', 'FAIL', 2) },
      { seq: END_SEQ + 1, sub: 0, finding: f('B', 'FAIL', 9) },
      { seq: 2, sub: 0, finding: f('B', 'PASS', 2) },
    ],
    frames: [{ seq: 2, sub: 0, frame: { frame: 2, channel: 'y', direction: 'unknown', hex: '01' } }],
    counts: [['B', { PASS: 1, FAIL: 2, INCONCLUSIVE: 0, INAPPLICABLE: 0, ERROR: 0 }]],
  };
  const merged = mergeShardResults([a, b], limits);
  t.same(
    merged.findings.map((x) => `${x.rule}${x.verdict}${x.frame}`),
    ['APASS1', 'BFAIL2', 'AFAIL3'],
    'first PASS and first two others, in run order',
  );
  t.same(
    merged.frames.map((x) => x.frame),
    [2],
  );
  t.same(merged.counts.get('B'), { PASS: 1, FAIL: 2, INCONCLUSIVE: 0, INAPPLICABLE: 0, ERROR: 0 });
});

t.test('a batch carries every message field across', async (t) => {
  const seen: unknown[] = [];
  const shard = {
    message: (seq: number, m: unknown) => seen.push([seq, m]),
    endChannel: (seq: number, channel: string) => seen.push([seq, channel]),
  };
  const meta = new Float64Array(15 * 2);
  meta.set([0, 7, 3, 0, 1, 2, 3, 5, 0, 2, 1700000000, 123, 4, 4, 5]);
  meta.set([1, 8, 0, 0], 15);
  applyBatch(
    {
      type: 'batch',
      meta,
      bytes: Uint8Array.of(0xaa, 0xbb),
      strings: ['tcp a > b', 'client-to-server', 'dlms', 'gap', 'lost', 'why'],
    },
    shard as never,
  );
  t.same(seen, [
    [
      7,
      {
        type: 'gap',
        frame: 3,
        channel: 'tcp a > b',
        direction: 'client-to-server',
        timestamp: 1_700_000_000_000_000_123n,
        protocol: 'dlms',
        bytes: Uint8Array.of(0xaa, 0xbb),
        offset: 5,
        reason: 'why',
        gap: { missing: 4, reason: 'lost' },
        xml: undefined,
      },
    ],
    [8, 'tcp a > b'],
  ]);
});
