/**
 * The HTML report opened in a real browser: headless Chromium (Debian `chromium`, installed by
 * .ci/run) loads the file and dumps the DOM it built; the summary numbers must be there. Skips with
 * a message when Chromium is not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { toHtml } from '../src/report/index.js';
import { buildReport } from '../src/verdict.js';

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find(
  (c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0,
);

t.test('headless Chromium renders the HTML report with its summary numbers', (t) => {
  if (chromium === undefined) {
    t.comment('chromium is not installed: HTML report browser test skipped (CI installs Debian chromium)');
    t.pass('chromium not present');
    t.end();
    return;
  }
  const report = buildReport({
    toolVersion: '0.1.0',
    inputs: [{ path: 'push.pcapng', sha256: 'cd'.repeat(32), size: 99, format: 'pcapng', frames: 2 }],
    rules: [
      {
        id: 'DLMS-HDLC-FCS',
        protocol: 'dlms',
        statement: 'Every HDLC frame has a correct FCS',
        clause: 'IEC 62056-46 §6.4.2.6',
      },
    ],
    findings: [
      { rule: 'DLMS-HDLC-FCS', verdict: 'PASS', frame: 1 },
      { rule: 'DLMS-HDLC-FCS', verdict: 'PASS', frame: 2 },
      { rule: 'DLMS-HDLC-FCS', verdict: 'FAIL', frame: 3, offset: 2, message: 'FCS mismatch' },
    ],
    frames: [{ frame: 3, channel: 'serial', direction: 'server-to-client', hex: '7ea00703219300007e' }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-html-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'report.html');
  writeFileSync(file, toHtml(report));
  const r = spawnSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--dump-dom',
      pathToFileURL(file).href,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  t.equal(r.status, 0, 'chromium exited cleanly');
  const dom = r.stdout;
  t.match(dom, /<span id="count-PASS">2<\/span>/, 'two passes in the rendered summary');
  t.match(dom, /<span id="count-FAIL">1<\/span>/, 'one failure in the rendered summary');
  t.match(dom, /id="verdict"><span class="badge"[^>]*>FAIL</, 'overall verdict FAIL');
  t.match(dom, /<details class="frame failed" id="frame-3" open="">/, 'the failed frame is open');
  t.end();
});
