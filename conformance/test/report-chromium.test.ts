/**
 * The HTML report opened in a real browser: headless Chromium (Debian `chromium`, installed by
 * .ci/run) loads the report of a real corpus run, and the test reads the page through the Chrome
 * DevTools Protocol (over `--remote-debugging-pipe`): the summary counts as rendered text
 * (`innerText`, so hidden or unrendered elements would not count), the overall verdict, one table
 * row per rule with its counts, and the failed frames open. Everything is compared with the JSON
 * report's own numbers. Skips with a message when Chromium is not installed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t from 'tap';
import { Keyring } from '../src/keyring.js';
import { toHtml } from '../src/report/index.js';
import { runConformance } from '../src/runner/run.js';
import { VERDICTS } from '../src/verdict.js';

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find(
  (c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0,
);
const corpus = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus');

/** A minimal CDP client over the pipe (fd 3 to the browser, fd 4 from it; messages end with NUL). */
class Cdp {
  #next = 1;
  #buffer = '';
  readonly #waiting = new Map<number, (m: { result?: unknown; error?: { message: string } }) => void>();
  readonly #out: Writable;

  constructor(proc: ChildProcess) {
    this.#out = proc.stdio[3] as Writable;
    (proc.stdio[4] as Readable).on('data', (b: Buffer) => {
      this.#buffer += b.toString('utf8');
      for (let end = this.#buffer.indexOf('\0'); end >= 0; end = this.#buffer.indexOf('\0')) {
        const m = JSON.parse(this.#buffer.slice(0, end)) as {
          id?: number;
          result?: unknown;
          error?: { message: string };
        };
        this.#buffer = this.#buffer.slice(end + 1);
        if (m.id !== undefined) this.#waiting.get(m.id)?.(m);
      }
    });
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, (m) => {
        this.#waiting.delete(id);
        if (m.error !== undefined) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result as Record<string, unknown>);
      });
      this.#out.write(
        `${JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) })}\0`,
      );
    });
  }
}

t.test('headless Chromium renders the HTML report with its summary numbers', async (t) => {
  if (chromium === undefined) {
    t.comment('chromium is not installed: HTML report browser test skipped (CI installs Debian chromium)');
    t.pass('chromium not present');
    return;
  }
  const caseDir = join(corpus, 'dlms', 'broken-block-number');
  const report = await runConformance([join(caseDir, 'capture.hex')], {
    keys: Keyring.empty(),
    protocolOverride: 'dlms',
    createdAt: new Date(0),
  });
  t.ok(report.summary.total.FAIL > 0 && report.summary.total.PASS > 0, 'a report with passes and failures');
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-html-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, toHtml(report));

  const proc = spawn(
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
      '--remote-debugging-pipe',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const killer = setTimeout(() => proc.kill('SIGKILL'), 90_000);
  // one teardown, in order: stop Chromium, wait until it has exited (it writes into its profile
  // until then), then remove the directory (retrying: a helper process may still be closing files)
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  t.teardown(async () => {
    clearTimeout(killer);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });
  const cdp = new Cdp(proc);
  const { targetId } = (await cdp.send('Target.createTarget', { url: pathToFileURL(file).href })) as {
    targetId: string;
  };
  const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as {
    sessionId: string;
  };
  const evaluate = async (expression: string): Promise<unknown> => {
    const r = (await cdp.send(
      'Runtime.evaluate',
      { expression, returnByValue: true, awaitPromise: true },
      sessionId,
    )) as { result: { value?: unknown }; exceptionDetails?: unknown };
    if (r.exceptionDetails !== undefined)
      throw new Error(`page script failed: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  };
  // the new target may still be navigating to the file: retry until its document is the report
  for (let attempt = 0; ; attempt++) {
    try {
      const ready = await evaluate(
        `location.protocol === 'file:' && document.readyState === 'complete' && document.getElementById('count-PASS') !== null`,
      );
      if (ready === true) break;
    } catch (e) {
      if (attempt > 200) throw e;
    }
    if (attempt > 200) throw new Error('the report did not load');
    await new Promise((r) => setTimeout(r, 50));
  }
  const page = (await evaluate(`(() => {
    const counts = {};
    for (const v of ${JSON.stringify(VERDICTS)}) {
      const el = document.getElementById('count-' + v);
      counts[v] = { text: el.innerText, shown: el.getClientRects().length > 0 };
    }
    const rows = [...document.querySelectorAll('#rules tr')].slice(1).map((tr) => [...tr.cells].map((c) => c.innerText));
    return {
      title: document.title,
      verdict: document.getElementById('verdict').innerText.trim(),
      counts,
      rows,
      openFailed: [...document.querySelectorAll('details.frame.failed')].filter((d) => d.open).map((d) => d.id),
    };
  })()`)) as {
    title: string;
    verdict: string;
    counts: Record<string, { text: string; shown: boolean }>;
    rows: string[][];
    openFailed: string[];
  };
  await cdp.send('Browser.close').catch(() => undefined);

  t.equal(page.title, 'meterkit conformance report');
  t.equal(page.verdict, report.summary.verdict, 'the overall verdict as rendered');
  for (const v of VERDICTS) {
    t.equal(page.counts[v]?.text, String(report.summary.total[v]), `${v} count rendered`);
    t.ok(page.counts[v]?.shown, `${v} count is laid out on the page`);
  }
  t.equal(page.rows.length, report.rules.length, 'one row per rule');
  const block = page.rows.find((r) => r[0] === 'DLMS-SESSION-BLOCK-NUMBER');
  const c = report.summary.byRule['DLMS-SESSION-BLOCK-NUMBER']!;
  t.same(
    block?.slice(3),
    [c.PASS, c.FAIL, c.ERROR, c.INCONCLUSIVE, c.INAPPLICABLE].map(String),
    'per-rule counts',
  );
  const failedFrames = [
    ...new Set(report.findings.filter((f) => f.verdict === 'FAIL').map((f) => `frame-${f.frame}`)),
  ];
  t.same([...page.openFailed].sort(), failedFrames.sort(), 'each failed frame is open');
});
