import type { ConformanceReport } from '../verdict.js';

function line(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/#/g, '\\#');
}

/**
 * The TAP 14 form of a report: one test point per finding. PASS → `ok`; FAIL and ERROR → `not ok`
 * with a YAML block; INAPPLICABLE → `ok … # SKIP`; INCONCLUSIVE → `not ok … # TODO` (reported,
 * not counted as failure).
 */
export function toTap(report: ConformanceReport): string {
  const out: string[] = ['TAP version 14', `1..${report.findings.length}`];
  const rules = new Map(report.rules.map((r) => [r.id, r]));
  report.findings.forEach((f, i) => {
    const n = i + 1;
    const name = line(`${f.rule}${f.frame !== undefined ? ` frame ${f.frame}` : ''}`);
    const why = line(f.message ?? '');
    switch (f.verdict) {
      case 'PASS':
        out.push(`ok ${n} - ${name}`);
        break;
      case 'INAPPLICABLE':
        out.push(`ok ${n} - ${name} # SKIP ${why}`);
        break;
      case 'INCONCLUSIVE':
        out.push(`not ok ${n} - ${name} # TODO inconclusive: ${why}`);
        break;
      default: {
        out.push(`not ok ${n} - ${name}`);
        const r = rules.get(f.rule);
        out.push('  ---');
        out.push(`  verdict: ${f.verdict}`);
        if (r)
          out.push(`  clause: ${JSON.stringify(r.clause)}`, `  statement: ${JSON.stringify(r.statement)}`);
        if (f.message) out.push(`  message: ${JSON.stringify(f.message)}`);
        if (f.offset !== undefined) out.push(`  offset: ${f.offset}`);
        out.push('  ...');
      }
    }
  });
  const t = report.summary.total;
  out.push(
    `# verdict ${report.summary.verdict}: ${t.PASS} pass, ${t.FAIL} fail, ${t.ERROR} error, ${t.INCONCLUSIVE} inconclusive, ${t.INAPPLICABLE} inapplicable`,
  );
  const u = report.summary.unlisted;
  if (u !== undefined)
    out.push(
      `# not listed (report limits reached): ${u.PASS} pass, ${u.FAIL} fail, ${u.ERROR} error, ${u.INCONCLUSIVE} inconclusive, ${u.INAPPLICABLE} inapplicable`,
    );
  return `${out.join('\n')}\n`;
}
