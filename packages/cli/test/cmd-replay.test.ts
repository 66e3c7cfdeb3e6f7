import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../src/index.js';
import { captureIo, ROOT } from './helpers.js';

function captureOf(dir: string): string {
  const d = join(ROOT, 'conformance/corpus', dir);
  const f = readdirSync(d).find((n) => !n.endsWith('.json') && !n.endsWith('.md'));
  return join(d, f!);
}

t.test('meterkit replay: a clean capture passes, a broken one fails with exit 1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-replay-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clean = captureIo();
  t.equal(
    await runCli(['replay', captureOf('dlms/wrapper-clean-session'), '--report', join(dir, 'r.json')], clean),
    0,
  );
  t.match(clean.stdout(), /^PASS: \d+ pass, 0 fail/m);
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as {
    schema: string;
    summary: { verdict: string };
  };
  t.equal(report.schema, 'meterkit-conformance-report/1');
  t.equal(report.summary.verdict, 'PASS');
  const broken = captureIo();
  t.equal(
    await runCli(['replay', captureOf('dlms/broken-bad-fcs'), '--report', join(dir, 'r.xml')], broken),
    1,
  );
  t.match(broken.stdout(), /FAIL/);
  t.match(readFileSync(join(dir, 'r.xml'), 'utf8'), /<failure /);
  const missing = captureIo();
  t.equal(await runCli(['replay', join(dir, 'nope.pcapng')], missing), 2);
  t.match(missing.stderr(), /E602 input-unreadable/);
});
