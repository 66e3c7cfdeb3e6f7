import type { ConformanceReport, FrameRecord, Verdict } from '../verdict.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const COLORS: Record<Verdict, string> = {
  PASS: '#1a7f37',
  FAIL: '#cf222e',
  ERROR: '#8250df',
  INCONCLUSIVE: '#9a6700',
  INAPPLICABLE: '#57606a',
};

function badge(v: Verdict): string {
  return `<span class="badge" style="background:${COLORS[v]}">${v}</span>`;
}

function hexRows(hex: string, mark?: number): string {
  const rows: string[] = [];
  for (let i = 0; i < hex.length; i += 32) {
    const cells: string[] = [];
    for (let j = i; j < Math.min(hex.length, i + 32); j += 2) {
      const byte = j / 2;
      const h = hex.slice(j, j + 2);
      cells.push(byte === mark ? `<mark>${h}</mark>` : h);
    }
    rows.push(`${(i / 2).toString(16).padStart(6, '0')}  ${cells.join(' ')}`);
  }
  return rows.join('\n');
}

function frameBlock(
  f: FrameRecord,
  failures: readonly { rule: string; message?: string | undefined; offset?: number | undefined }[],
): string {
  const open = failures.length > 0 ? ' open' : '';
  const mark = failures.find((x) => x.offset !== undefined)?.offset;
  const fails = failures
    .map(
      (x) =>
        `<li><code>${escapeHtml(x.rule)}</code> ${escapeHtml(x.message ?? '')}${x.offset !== undefined ? ` (offset ${x.offset})` : ''}</li>`,
    )
    .join('');
  const decoded =
    f.decoded !== undefined
      ? JSON.stringify(f.decoded, null, 2)
      : f.error
        ? JSON.stringify(f.error, null, 2)
        : '';
  return `<details class="frame${failures.length > 0 ? ' failed' : ''}" id="frame-${f.frame}"${open}>
<summary>#${f.frame} ${escapeHtml(f.direction)} ${escapeHtml(f.channel)} ${f.protocol ? escapeHtml(f.protocol) : ''} ${f.timestamp ? escapeHtml(f.timestamp) : ''} — ${f.hex.length / 2} bytes</summary>
${fails ? `<ul class="failures">${fails}</ul>` : ''}<div class="cols"><pre class="hex">${hexRows(f.hex, mark)}</pre><pre class="tree">${escapeHtml(decoded)}</pre></div>
</details>`;
}

/** The line saying how many counted findings a report limit kept out of the lists (empty when none). */
function unlistedNote(u: ConformanceReport['summary']['unlisted']): string {
  if (u === undefined) return '';
  const parts = (['FAIL', 'ERROR', 'INCONCLUSIVE', 'PASS', 'INAPPLICABLE'] as const)
    .filter((v) => u[v] > 0)
    .map((v) => `${u[v]} ${v}`);
  return `<p id="unlisted"><strong>Not listed:</strong> ${parts.join(', ')} finding(s) are counted above but not listed below (report limits reached).</p>`;
}

/**
 * A self-contained HTML report (no scripts or external resources): the overall verdict and counts
 * (elements `#verdict`, `#count-PASS`, `#count-FAIL`, … for tools that read them), a per-rule table,
 * the inputs with their SHA-256, and the frame list with the decoded tree and hex beside each
 * failure (failed frames are open).
 */
export function toHtml(report: ConformanceReport): string {
  const s = report.summary;
  const counts = (['PASS', 'FAIL', 'ERROR', 'INCONCLUSIVE', 'INAPPLICABLE'] as const)
    .map((v) => `<div class="count">${badge(v)} <span id="count-${v}">${s.total[v]}</span></div>`)
    .join('');
  const ruleRows = report.rules
    .map((r) => {
      const c = s.byRule[r.id];
      const cells = (['PASS', 'FAIL', 'ERROR', 'INCONCLUSIVE', 'INAPPLICABLE'] as const)
        .map((v) => `<td>${c?.[v] ?? 0}</td>`)
        .join('');
      return `<tr><td><code>${escapeHtml(r.id)}</code></td><td>${escapeHtml(r.statement)}</td><td>${escapeHtml(r.clause)}</td>${cells}</tr>`;
    })
    .join('\n');
  const inputs = report.inputs
    .map(
      (i) =>
        `<tr><td>${escapeHtml(i.path)}</td><td>${escapeHtml(i.format)}</td><td>${i.size}</td><td>${i.frames}</td><td><code>${escapeHtml(i.sha256)}</code></td></tr>`,
    )
    .join('\n');
  const byFrame = new Map<
    number,
    { rule: string; message?: string | undefined; offset?: number | undefined }[]
  >();
  for (const f of report.findings) {
    if (f.frame === undefined || (f.verdict !== 'FAIL' && f.verdict !== 'ERROR')) continue;
    const list = byFrame.get(f.frame) ?? [];
    list.push(f);
    byFrame.set(f.frame, list);
  }
  const frames = report.frames.map((f) => frameBlock(f, byFrame.get(f.frame) ?? [])).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>meterkit conformance report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1f2328}
.badge{color:#fff;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:600}
.counts{display:flex;gap:1.5em;margin:1em 0}.count span:last-child{font-size:20px;font-weight:600}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
pre{margin:0;font:12px/1.35 ui-monospace,monospace;white-space:pre-wrap}
.frame{border:1px solid #d0d7de;border-radius:6px;margin:4px 0;padding:4px 8px}.frame.failed{border-color:#cf222e}
.cols{display:flex;gap:2em}.hex{flex:0 0 auto}.tree{flex:1 1 auto;max-height:30em;overflow:auto}mark{background:#ffd8d3}
</style></head><body>
<h1>meterkit conformance report</h1>
<p>Verdict: <span id="verdict">${badge(s.verdict)}</span> · ${escapeHtml(report.tool.name)} ${escapeHtml(report.tool.version)} · ${escapeHtml(report.createdAt)}</p>
<div class="counts">${counts}</div>${unlistedNote(s.unlisted)}
<h2>Rules</h2>
<table id="rules"><tr><th>rule</th><th>statement</th><th>clause</th><th>pass</th><th>fail</th><th>error</th><th>inconclusive</th><th>inapplicable</th></tr>
${ruleRows}
</table>
<h2>Inputs</h2>
<table id="inputs"><tr><th>path</th><th>format</th><th>bytes</th><th>frames</th><th>SHA-256</th></tr>
${inputs}
</table>
<h2>Frames</h2>
${frames}
</body></html>
`;
}
