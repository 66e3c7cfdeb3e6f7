import { ErrorCode, isMeterkitError, MeterkitError, stringifyJson, toJsonValue } from '@meterkit/core';
import type { createColors } from 'picocolors';
import type { CliIo } from '../io.js';
import { lineChart } from '../output/chart.js';
import { probeC1222 } from './c1222.js';
import { DemoCapture, type DemoConnectionTap } from './capture.js';
import { probeDlms } from './dlms.js';
import type { DemoProbeResult, DemoRegister } from './result.js';
import { probeSep } from './sep.js';

/** One protocol of the tour: its name, the port its capture claims, and the probe. */
export interface DemoProbe {
  readonly protocol: DemoProbeResult['protocol'];
  /** IANA port written into the capture, so Wireshark's dissector applies (4059 DLMS, 1153 C12.22, 443 HTTPS). */
  readonly capturePort: number;
  readonly captureDescription: string;
  /** The session runs over TLS: its capture holds the TLS records and the session keys. */
  readonly captureTls?: boolean | undefined;
  readonly run: (tap: DemoConnectionTap | undefined) => Promise<DemoProbeResult>;
}

/** The three simulators of `meterkit demo`, in the order they run. */
export const DEMO_PROBES: readonly DemoProbe[] = [
  {
    protocol: 'dlms',
    capturePort: 4059,
    captureDescription: 'DLMS/COSEM over the IEC 62056-47 TCP wrapper (HLS-GMAC, suite 0 ciphered APDUs)',
    run: probeDlms,
  },
  {
    protocol: 'c1222',
    capturePort: 1153,
    captureDescription: "ANSI C12.22 over TCP (security mode 2, EAX')",
    run: probeC1222,
  },
  {
    protocol: 'ieee2030-5',
    capturePort: 443,
    captureDescription:
      'IEEE 2030.5 HTTP/1.1 over mutual TLS 1.2 CCM-8: the TLS records, session keys in a Decryption Secrets Block',
    captureTls: true,
    run: probeSep,
  },
];

/** What `runDemoTour` needs. */
export interface DemoTourOptions {
  readonly io: CliIo;
  readonly colors: ReturnType<typeof createColors>;
  readonly json: boolean;
  /** Write all sessions to this pcapng file. */
  readonly capture?: string | undefined;
  /** Width of the load profile chart in columns (default 48). */
  readonly chartWidth?: number | undefined;
  /** The probes to run (tests replace them). */
  readonly probes?: readonly DemoProbe[] | undefined;
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(3).replace(/\.?0+$/, '');
}

/** `12345678 Wh` → `12345.678 kWh`: energies of five digits or more in kilo units. */
export function formatQuantity(value: number, unit: string): string {
  if (/^(Wh|varh|VAh|W|var|VA)$/.test(unit) && Math.abs(value) >= 10_000)
    return `${formatNumber(value / 1000)} k${unit}`;
  return `${formatNumber(value)}${unit ? ` ${unit}` : ''}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The human-readable section of one probe. */
export function renderProbe(
  r: DemoProbeResult,
  c: ReturnType<typeof createColors>,
  chartWidth = 48,
): string[] {
  const lines: string[] = [];
  lines.push(`${c.bold(`== ${r.title}`)} ${c.green('ok')} ${c.dim(`(${r.elapsedMs} ms)`)}`);
  lines.push(`  ${c.dim(r.session)}`);
  lines.push(`  ${c.bold('identity')}`);
  const keys = Object.keys(r.identity);
  const w = Math.max(0, ...keys.map((k) => k.length));
  for (const k of keys) lines.push(`    ${c.cyan(pad(k, w))}  ${r.identity[k]}`);
  if (r.registers.length > 0) {
    lines.push(`  ${c.bold('registers')}`);
    const nw = Math.max(...r.registers.map((x: DemoRegister) => x.name.length));
    const vals = r.registers.map((x) => formatQuantity(x.value, x.unit));
    const vw = Math.max(...vals.map((v) => v.length));
    r.registers.forEach((x, i) => {
      lines.push(`    ${c.cyan(pad(x.name, nw))}  ${(vals[i] ?? '').padStart(vw)}  ${c.dim(x.source)}`);
    });
  }
  if (r.loadProfile !== undefined) {
    const p = r.loadProfile;
    lines.push(`  ${c.bold('load profile')} ${c.dim(`${p.label}, ${p.values.length} intervals`)}`);
    for (const l of lineChart(p.values, {
      width: chartWidth,
      height: 6,
      unit: p.unit,
      from: p.from,
      to: p.to,
    }))
      lines.push(`    ${l}`);
  }
  if (r.programs !== undefined) {
    lines.push(`  ${c.bold('DER programs')}`);
    for (const p of r.programs)
      lines.push(
        `    ${c.cyan(p.mRID)}  primacy ${p.primacy}  ${p.description}${p.controls.length ? c.dim(`  controls ${p.controls.join(', ')}`) : ''}`,
      );
  }
  if (r.activeControls !== undefined) {
    lines.push(`  ${c.bold('active control')}`);
    if (r.activeControls.length === 0) lines.push(`    ${c.dim('(none)')}`);
    for (const a of r.activeControls) {
      const when =
        a.start !== undefined && a.end !== undefined
          ? `  active since ${new Date(a.start * 1000).toISOString().slice(11, 16)} until ${new Date(a.end * 1000).toISOString().slice(11, 16)} UTC`
          : '';
      lines.push(
        `    ${c.cyan(a.mode)} = ${c.bold(a.value)}  ${a.source === 'event' ? `event ${a.mRID}` : `default of program ${a.programMRID}`}${c.dim(when)}`,
      );
    }
  }
  if (r.defaultSettings !== undefined && r.defaultSettings.length > 0)
    lines.push(`    ${c.dim(`default settings: ${r.defaultSettings.join(', ')}`)}`);
  if (r.responses !== undefined && r.responses.length > 0) {
    lines.push(`  ${c.bold('responses posted')}`);
    for (const x of r.responses) lines.push(`    ${x}`);
  }
  return lines;
}

/** The JSON form of a probe result (without the timing, which varies). */
function jsonResult(r: DemoProbeResult): Record<string, unknown> {
  const { elapsedMs: _ms, ...rest } = r;
  return { ...rest, status: 'ok' };
}

function asMeterkitError(e: unknown, protocol: string): MeterkitError {
  const inner = isMeterkitError(e)
    ? e
    : new MeterkitError(ErrorCode.TransportIo, e instanceof Error ? e.message : String(e), { cause: e });
  return new MeterkitError(inner.code, `demo: the ${protocol} probe failed: ${inner.message}`, {
    cause: inner,
  });
}

/**
 * `meterkit demo`: starts each simulator in-process on loopback, probes it with the real client
 * over a real socket, prints what it found (or one JSON document with `json`), and with `capture`
 * writes every session to one pcapng file. Throws the first failure (after running the others)
 * as a one-line `MeterkitError`.
 */
export async function runDemoTour(options: DemoTourOptions): Promise<void> {
  const { io, colors: c } = options;
  const probes = options.probes ?? DEMO_PROBES;
  const capture =
    options.capture === undefined ? undefined : new DemoCapture(options.capture, 'meterkit demo');
  const results: DemoProbeResult[] = [];
  const failures: { protocol: string; error: unknown }[] = [];
  if (!options.json)
    io.out(
      `${c.bold('meterkit demo')}: three simulators on loopback, each probed by the real client over a real socket\n\n`,
    );
  try {
    for (const probe of probes) {
      const tap = capture?.connection(probe.capturePort, probe.captureDescription, probe.captureTls === true);
      try {
        const r = await probe.run(tap);
        results.push(r);
        if (!options.json) io.out(`${renderProbe(r, c, options.chartWidth).join('\n')}\n\n`);
      } catch (e) {
        tap?.close();
        failures.push({ protocol: probe.protocol, error: e });
        if (!options.json) io.out(`${c.bold(`== ${probe.protocol}`)} ${c.red('failed')}\n\n`);
      }
    }
  } finally {
    capture?.close();
  }
  if (options.json) {
    io.out(
      `${stringifyJson(
        toJsonValue({
          type: 'meterkit-demo',
          results: results.map(jsonResult),
          failed: failures.map((f) => f.protocol),
          ...(capture === undefined ? {} : { capture: { path: options.capture, packets: capture.packets } }),
        }),
      )}\n`,
    );
  } else if (capture !== undefined) {
    io.out(`capture: ${capture.packets} packets in ${options.capture} (one interface per session)\n`);
  }
  const first = failures[0];
  if (first !== undefined) throw asMeterkitError(first.error, first.protocol);
}
