import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { Keyring } from '../src/keyring.js';
import { replayCommandMain } from '../src/replay/command.js';
import { dlmsApduDecodeRule } from '../src/rules/index.js';
import { type RunProgress, runConformance } from '../src/runner/run.js';

const corpus = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus');
const clean = join(corpus, 'dlms/wrapper-clean-session/capture.pcapng');
const broken = join(corpus, 'dlms/broken-missing-aare/capture.pcapng');

t.test('a run hashes its inputs while reading them and numbers frames across inputs', async (t) => {
  const progress: RunProgress[] = [];
  const report = await runConformance([clean, broken], {
    frames: 'all',
    createdAt: new Date(0),
    onProgress: (p) => progress.push(p),
  });
  t.equal(report.schema, 'meterkit-conformance-report/1');
  t.equal(report.createdAt, '1970-01-01T00:00:00.000Z');
  const sha = createHash('sha256')
    .update(await readFile(clean))
    .digest('hex');
  t.equal(report.inputs[0]!.sha256, sha);
  t.equal(report.inputs[0]!.format, 'pcapng');
  t.equal(report.inputs[0]!.size, (await readFile(clean)).length);
  const firstFrames = report.inputs[0]!.frames;
  t.ok(firstFrames > 6);
  t.ok(report.frames.every((f) => f.hex.length > 0 && f.channel.startsWith('tcp ')));
  t.ok(
    report.frames.some((f) => f.frame > firstFrames),
    'the second input continues the numbering',
  );
  const fail = report.findings.find((f) => f.verdict === 'FAIL')!;
  t.equal(fail.rule, 'DLMS-SESSION-AARQ-FIRST');
  t.ok(fail.frame! > firstFrames);
  t.equal(report.summary.verdict, 'FAIL');
  t.equal(progress.at(-1)!.bytesRead, progress.at(-1)!.totalBytes);
});

t.test('options: rules, passFindings, frames, protocol override, keys', async (t) => {
  const r1 = await runConformance([clean], {
    rules: [dlmsApduDecodeRule],
    passFindings: false,
    frames: 'none',
  });
  t.same(
    r1.rules.map((r) => r.id),
    ['DLMS-APDU-DECODE'],
  );
  t.same(r1.findings, []);
  t.same(r1.frames, []);
  t.equal(r1.summary.verdict, 'PASS', 'PASS verdicts are counted though not listed');
  t.equal(r1.summary.byRule['DLMS-APDU-DECODE']!.PASS, 6);
  t.equal(r1.summary.total.PASS, 6);
  const r2 = await runConformance([clean], { rules: [dlmsApduDecodeRule], protocolOverride: 'c1218' });
  t.equal(r2.findings.length, 0, 'no DLMS rule runs on traffic forced to C12.18');
  const gb = join(corpus, 'dlms/gb-glo-get-request-auth-enc');
  const r3 = await runConformance([join(gb, 'capture.hex')], {
    protocolOverride: 'dlms',
    keys: await Keyring.load(join(gb, 'keyring.json')),
  });
  t.ok(r3.findings.some((f) => f.rule === 'DLMS-SECURITY-TAG' && f.verdict === 'PASS'));
  t.notMatch(JSON.stringify(r3), /000102030405060708090a0b0c0d0e0f/i, 'no key in the report');
});

t.test('an unreadable or broken input is an ERROR verdict, not a crash', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'runner-'));
  const bad = join(dir, 'bad.pcap');
  await writeFile(bad, Buffer.from('d4c3b2a10200040000000000000000000000040001000000ffffffff', 'hex'));
  const report = await runConformance([bad]);
  t.equal(report.summary.verdict, 'ERROR');
  t.ok(report.rules.some((r) => r.id === 'CAPTURE-READ'));
  await t.rejects(runConformance([join(dir, 'missing.pcapng')]));
});

t.test('replayCommandMain checks captures and writes every report form', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'replay-cmd-'));
  const out: string[] = [];
  const err: string[] = [];
  const fractions: number[] = [];
  const io = {
    stdout: (s: string) => out.push(s),
    stderr: (s: string) => err.push(s),
    progress: (f: number) => fractions.push(f),
  };
  for (const ext of ['json', 'xml', 'tap', 'html']) {
    const report = join(dir, `r.${ext}`);
    t.equal(await replayCommandMain({ captures: [clean], report, progress: true }, io), 0, ext);
    const text = await readFile(report, 'utf8');
    t.ok(text.length > 100, ext);
  }
  t.match(JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')), {
    schema: 'meterkit-conformance-report/1',
  });
  t.match(await readFile(join(dir, 'r.xml'), 'utf8'), /<testsuites/);
  t.match(await readFile(join(dir, 'r.tap'), 'utf8'), /^TAP version 14/);
  t.match(await readFile(join(dir, 'r.html'), 'utf8'), /<html/i);
  t.match(out[0], /^PASS: \d+ pass, 0 fail/);
  t.equal(fractions.at(-1), 1);
  t.equal(await replayCommandMain({ captures: [broken] }, io), 1);
  t.equal(await replayCommandMain({ captures: [] }, io), 2);
  t.equal(await replayCommandMain({ captures: [clean], keys: join(dir, 'none.json') }, io), 2);
  t.equal(await replayCommandMain({ captures: [clean], against: 'ftp://x' }, io), 2);
  t.match(err.join(''), /at least one capture/);
});
