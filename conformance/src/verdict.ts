/**
 * The conformance result model: rules, verdicts, findings and the JSON master report every other
 * report form (JUnit, TAP, HTML) is derived from.
 *
 * Verdicts follow the DLMS UA conformance testing vocabulary (DLMS UA 1001-1 "Yellow Book":
 * PASSED / FAILED / INCONCLUSIVE / INAPPLICABLE) plus ERROR for a harness or input failure.
 */
import type { MeterkitErrorJson } from '@meterkit/core';

/** The verdict of one rule on one frame, exchange or capture. */
export type Verdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE' | 'INAPPLICABLE' | 'ERROR';

/** Every verdict, in report order (worst first). */
export const VERDICTS: readonly Verdict[] = ['FAIL', 'ERROR', 'INCONCLUSIVE', 'PASS', 'INAPPLICABLE'];

/** The protocols a rule can belong to. */
export type RuleProtocol = 'dlms' | 'c1222' | 'c1218' | 'ieee2030-5' | 'capture';

/** A rule: a stable id, a one-line statement and the clause it checks. */
export interface RuleDefinition {
  /** Stable id, e.g. `DLMS-HDLC-FCS`. Never reused for another statement. */
  readonly id: string;
  readonly protocol: RuleProtocol;
  /** What must hold, in one line. */
  readonly statement: string;
  /** The clause it checks, e.g. `IEC 62056-46 §6.4.2.6`. */
  readonly clause: string;
}

/** One verdict of one rule. */
export interface Finding {
  readonly rule: string;
  readonly verdict: Verdict;
  /** 1-based frame number in the capture, when the finding is about a frame. */
  readonly frame?: number | undefined;
  /** Byte offset inside that frame's bytes. */
  readonly offset?: number | undefined;
  /** Why: required for every verdict but PASS. */
  readonly message?: string | undefined;
}

/** One input file, identified by its hash so a report can be tied to exactly what was checked. */
export interface InputInfo {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly format: string;
  readonly frames: number;
}

/** One frame of the normalised session, as the report shows it. */
export interface FrameRecord {
  /** 1-based, in capture order. */
  readonly frame: number;
  /** e.g. `tcp 127.0.0.1:50000 > 127.0.0.1:4059`, `serial`, `hexlog`. */
  readonly channel: string;
  readonly direction: 'client-to-server' | 'server-to-client' | 'unknown';
  /** ISO time, when the input has one. */
  readonly timestamp?: string | undefined;
  readonly protocol?: string | undefined;
  /** The frame's bytes, hex. */
  readonly hex: string;
  /** The decoded tree (JSON form), when decoding worked. */
  readonly decoded?: unknown;
  /** The decode error, when it did not. */
  readonly error?: MeterkitErrorJson | undefined;
}

/** Counts of verdicts. */
export type VerdictCounts = Readonly<Record<Verdict, number>>;

/** The JSON master report. */
export interface ConformanceReport {
  readonly schema: 'meterkit-conformance-report/1';
  readonly tool: { readonly name: string; readonly version: string };
  /** ISO time the report was made. */
  readonly createdAt: string;
  readonly inputs: readonly InputInfo[];
  readonly rules: readonly RuleDefinition[];
  readonly findings: readonly Finding[];
  readonly frames: readonly FrameRecord[];
  readonly summary: {
    readonly total: VerdictCounts;
    readonly byRule: Readonly<Record<string, VerdictCounts>>;
    /** The overall verdict: FAIL if any rule failed, else ERROR, else INCONCLUSIVE, else PASS (or INAPPLICABLE when nothing applied). */
    readonly verdict: Verdict;
    /**
     * Findings counted in `total` but not listed in `findings` because a report limit was reached
     * (`maxFindings`, `maxPassFindings`); absent when every counted finding is listed. PASS findings
     * left out on purpose (`passFindings: false`) are not counted here.
     */
    readonly unlisted?: VerdictCounts;
  };
}

/** Zero counts. */
export function emptyCounts(): Record<Verdict, number> {
  return { PASS: 0, FAIL: 0, INCONCLUSIVE: 0, INAPPLICABLE: 0, ERROR: 0 };
}

/** Builds the summary (totals, per-rule counts, overall verdict) of a set of findings. */
export function summarise(
  rules: readonly RuleDefinition[],
  findings: readonly Finding[],
): ConformanceReport['summary'] {
  const total = emptyCounts();
  const byRule: Record<string, Record<Verdict, number>> = {};
  for (const r of rules) byRule[r.id] = emptyCounts();
  for (const f of findings) {
    total[f.verdict]++;
    byRule[f.rule] ??= emptyCounts();
    byRule[f.rule]![f.verdict]++;
  }
  const verdict: Verdict =
    total.FAIL > 0
      ? 'FAIL'
      : total.ERROR > 0
        ? 'ERROR'
        : total.INCONCLUSIVE > 0
          ? 'INCONCLUSIVE'
          : total.PASS > 0
            ? 'PASS'
            : 'INAPPLICABLE';
  return { total, byRule, verdict };
}

/** Assembles a report from its parts (the summary is computed here). */
export function buildReport(parts: {
  readonly toolVersion: string;
  readonly createdAt?: Date;
  readonly inputs: readonly InputInfo[];
  readonly rules: readonly RuleDefinition[];
  readonly findings: readonly Finding[];
  readonly frames: readonly FrameRecord[];
}): ConformanceReport {
  return {
    schema: 'meterkit-conformance-report/1',
    tool: { name: 'meterkit', version: parts.toolVersion },
    createdAt: (parts.createdAt ?? new Date()).toISOString(),
    inputs: parts.inputs,
    rules: parts.rules,
    findings: parts.findings,
    frames: parts.frames,
    summary: summarise(parts.rules, parts.findings),
  };
}
