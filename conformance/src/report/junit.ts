import type { ConformanceReport, Finding } from '../verdict.js';

/** Escapes text for XML attribute and element content. */
export function escapeXml(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '&') out += '&amp;';
    else if (ch === '"') out += '&quot;';
    else if (ch === "'") out += '&apos;';
    // XML 1.0 forbids most control characters even when escaped
    else if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)
      out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

function caseName(f: Finding): string {
  return f.frame === undefined ? f.rule : `${f.rule} frame ${f.frame}`;
}

/**
 * The JUnit XML form of a report (the de-facto schema CI servers read): one `<testsuite>` per rule,
 * one `<testcase>` per finding; FAIL → `<failure>`, ERROR → `<error>`, INCONCLUSIVE and
 * INAPPLICABLE → `<skipped>` with the verdict in the message.
 */
export function toJUnit(report: ConformanceReport): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const t = report.summary.total;
  const skipped = t.INCONCLUSIVE + t.INAPPLICABLE;
  const tests = t.PASS + t.FAIL + t.ERROR + skipped;
  out.push(
    `<testsuites name="meterkit conformance" tests="${tests}" failures="${t.FAIL}" errors="${t.ERROR}" skipped="${skipped}">`,
  );
  for (const rule of report.rules) {
    const findings = report.findings.filter((f) => f.rule === rule.id);
    const c = report.summary.byRule[rule.id];
    const sk = (c?.INCONCLUSIVE ?? 0) + (c?.INAPPLICABLE ?? 0);
    out.push(
      `  <testsuite name="${escapeXml(rule.id)}" tests="${findings.length}" failures="${c?.FAIL ?? 0}" errors="${c?.ERROR ?? 0}" skipped="${sk}">`,
    );
    out.push(
      `    <properties><property name="clause" value="${escapeXml(rule.clause)}"/><property name="statement" value="${escapeXml(rule.statement)}"/></properties>`,
    );
    for (const f of findings) {
      const open = `    <testcase classname="${escapeXml(rule.protocol)}.${escapeXml(rule.id)}" name="${escapeXml(caseName(f))}"`;
      const msg = escapeXml(`${f.message ?? ''}${f.offset !== undefined ? ` (offset ${f.offset})` : ''}`);
      switch (f.verdict) {
        case 'PASS':
          out.push(`${open}/>`);
          break;
        case 'FAIL':
          out.push(
            `${open}><failure message="${msg}" type="FAIL">${escapeXml(rule.statement)}</failure></testcase>`,
          );
          break;
        case 'ERROR':
          out.push(`${open}><error message="${msg}" type="ERROR"/></testcase>`);
          break;
        default:
          out.push(`${open}><skipped message="${f.verdict}: ${msg}"/></testcase>`);
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
