import { stat, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ErrorCode, isMeterkitError, MeterkitError, stringifyJson } from '@meterkit/core';
import { SerialTransport, TcpTransport, type Transport, UdpTransport } from '@meterkit/core/transport';
import { Keyring } from '../keyring.js';
import { parseProtocolFor, protocolForInput, unknownProtocolForFiles } from '../protocol-for.js';
import { toHtml } from '../report/html.js';
import { toJUnit } from '../report/junit.js';
import { toTap } from '../report/tap.js';
import { defaultReplayWorkers } from '../runner/heap.js';
import { type RunProgress, runConformance } from '../runner/run.js';
import { frameSession } from '../session/frame-session.js';
import { readSession } from '../session/read-session.js';
import type { SessionProtocol } from '../session/record.js';
import { readKeyLogFile } from '../tls/keylog.js';
import type { ConformanceReport } from '../verdict.js';
import { ReplayAdapter } from './adapt.js';
import { DEFAULT_REPLAY_MASKS } from './compare.js';
import { type ReplayResult, replaySession } from './replay.js';
import { buildReplayScript } from './script.js';

/** Arguments of `meterkit replay` (parsed by the CLI). */
export interface ReplayCommandArgs {
  /** Captures to check (several) or to replay (the first, with `against`). */
  readonly captures: readonly string[];
  /** Keyring file. */
  readonly keys?: string | undefined;
  /** TLS key log file (SSLKEYLOGFILE, NSS format) to decrypt TLS 1.2 captures; never printed. */
  readonly keylog?: string | undefined;
  /** Report file: `.json` (master form), `.xml` (JUnit), `.tap`, `.html`. */
  readonly report?: string | undefined;
  /** Device under test: `tcp://host:port`, `udp://host:port`, `serial:///dev/ttyUSB0?baud=9600`. */
  readonly against?: string | undefined;
  readonly protocol?: SessionProtocol | undefined;
  /** `FILE=PROTOCOL` values: the protocol of every channel of one capture (beats `protocol`). */
  readonly protocolFor?: readonly string[] | undefined;
  /**
   * Worker threads for pcap/pcapng inputs (channels sharded over them; same report as one thread).
   * Default: `defaultReplayWorkers` of the inputs' total size.
   */
  readonly workers?: number | undefined;
  /** Channel of the capture to replay (default the first client channel). */
  readonly channel?: string | undefined;
  /** Extra masks (dotted paths, `*` and `**`) added to the default ones. */
  readonly masks?: readonly string[] | undefined;
  /** Renumber invoke-ids by this shift when replaying (default 0). */
  readonly invokeIdShift?: number | undefined;
  /** sep.xsd (and the schemas it imports) for SEP-XSD-VALID; overrides the keyring's `settings.sepSchema`. */
  readonly schema?: readonly string[] | undefined;
  /** Tolerance (s) of SEP-EVENT-RESPONSE; overrides the keyring's `settings.sepResponseToleranceSeconds`. */
  readonly responseTolerance?: number | undefined;
  /** Replay: first DLMS invocation counter of re-ciphered APDUs (default: the highest captured + 1). */
  readonly invocationCounter?: number | undefined;
  /** Replay: send captured messages unchanged apart from invoke-ids (no re-ciphering, HLS, IV or href adaptation). */
  readonly noAdapt?: boolean | undefined;
  readonly timeoutMs?: number | undefined;
  /** Show a progress bar on `io.progress`. */
  readonly progress?: boolean | undefined;
}

/** Where the command writes. */
export interface ReplayCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Progress line (a terminal rewrites it in place); called with a fraction 0..1 and a label. */
  readonly progress?: ((fraction: number, label: string) => void) | undefined;
  /** Transport factory (tests inject one; default opens TCP, UDP or serial from the URL). */
  readonly connect?: ((url: string) => Promise<Transport>) | undefined;
}

/** Opens the transport a `--against` URL names. */
export async function connectTarget(url: string): Promise<Transport> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `--against ${url}: not a URL (tcp://host:port, udp://host:port, serial:///dev/tty…)`,
    );
  }
  const port = Number(u.port);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  let t: Transport;
  if (u.protocol === 'tcp:' && port > 0) t = new TcpTransport({ host, port });
  else if (u.protocol === 'udp:' && port > 0) t = new UdpTransport({ host, port });
  else if (u.protocol === 'serial:' && u.pathname.length > 1)
    t = new SerialTransport({ path: u.pathname, baudRate: Number(u.searchParams.get('baud') ?? '9600') });
  else
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `--against ${url}: use tcp://host:port, udp://host:port or serial:///path?baud=N`,
    );
  await t.open();
  return t;
}

/** Renders a report in the form its file name asks for. */
export function renderReport(report: ConformanceReport, path: string): string {
  switch (extname(path).toLowerCase()) {
    case '.xml':
      return toJUnit(report);
    case '.tap':
      return toTap(report);
    case '.html':
    case '.htm':
      return toHtml(report);
    default:
      return `${stringifyJson(report, 2)}\n`;
  }
}

function summaryLine(report: ConformanceReport): string {
  const t = report.summary.total;
  return `${report.summary.verdict}: ${t.PASS} pass, ${t.FAIL} fail, ${t.INCONCLUSIVE} inconclusive, ${t.ERROR} error (${report.inputs.length} input(s), ${report.rules.length} rules)\n`;
}

function replayText(r: ReplayResult): string {
  const lines = [`replay against ${r.target}: ${r.verdict}`];
  const a = r.adaptations;
  const done = [...Object.entries(a.dlms), ...Object.entries(a.c1222), ...Object.entries(a.http)].filter(
    ([k, n]) => n > 0 && k !== 'skipped',
  );
  if (done.length > 0) lines.push(`  adapted: ${done.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  for (const p of a.problems) lines.push(`  not adapted: ${p}`);
  for (const s of r.steps) {
    if (s.verdict === 'PASS') continue;
    lines.push(`  frame ${s.frame}: ${s.verdict}${s.message === undefined ? '' : ` (${s.message})`}`);
    for (const d of s.differences.slice(0, 5)) lines.push(`    ${d}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `meterkit replay <capture...> [--keys keyring] [--report out.html|.json|.xml|.tap] [--against URL]`:
 * without `--against`, runs the conformance rules over the captures and writes the report; with it,
 * replays the first capture's client side against the device and compares its answers. Returns
 * the exit code: 0 when nothing failed, 1 on FAIL, 2 on a usage or input error (one line on stderr).
 */
export async function replayCommandMain(args: ReplayCommandArgs, io: ReplayCommandIo): Promise<number> {
  try {
    if (args.captures.length === 0)
      throw new MeterkitError(ErrorCode.InvalidArgument, 'give at least one capture');
    const keys = (args.keys === undefined ? Keyring.empty() : await Keyring.load(args.keys)).withSettings({
      sepSchema: args.schema,
      sepResponseToleranceSeconds: args.responseTolerance,
    });
    const protocolFor = parseProtocolFor(args.protocolFor ?? []);
    const unknown = unknownProtocolForFiles(args.captures, protocolFor);
    if (unknown.length > 0)
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `--protocol-for names ${unknown.join(', ')}, which is not among the captures`,
      );
    if (args.against !== undefined) {
      const protocol = protocolForInput(args.captures[0]!, protocolFor, args.protocol);
      const messages = frameSession(
        readSession(args.captures[0]!, protocol === undefined ? {} : { protocol }),
      );
      const steps = await buildReplayScript(messages, { channel: args.channel });
      if (steps.length === 0)
        throw new MeterkitError(
          ErrorCode.InvalidArgument,
          'the capture has no client-to-server message to replay',
        );
      const transport = await (io.connect ?? connectTarget)(args.against);
      let result: ReplayResult;
      try {
        result = await replaySession(steps, {
          transport,
          keys,
          masks: [...DEFAULT_REPLAY_MASKS, ...(args.masks ?? [])],
          timeoutMs: args.timeoutMs,
          adapter: new ReplayAdapter({
            invokeIdShift: args.invokeIdShift ?? 0,
            keys,
            invocationCounter: args.invocationCounter,
            ...(args.noAdapt === true ? { reCipher: false, hls: false, c1222: false, hrefs: false } : {}),
          }),
          onStep: args.progress ? (_r, i, n) => io.progress?.((i + 1) / n, `step ${i + 1}/${n}`) : undefined,
        });
      } finally {
        await transport.close();
      }
      io.stdout(replayText(result));
      if (args.report !== undefined) await writeFile(args.report, `${stringifyJson(result, 2)}\n`);
      return result.verdict === 'FAIL' ? 1 : 0;
    }
    const onProgress = args.progress
      ? (p: RunProgress) => io.progress?.(p.totalBytes === 0 ? 1 : p.bytesRead / p.totalBytes, p.input)
      : undefined;
    const keyLog = args.keylog === undefined ? undefined : await readKeyLogFile(args.keylog);
    let workers = args.workers;
    if (workers === undefined) {
      let bytes = 0;
      for (const path of args.captures) bytes += (await stat(path).catch(() => undefined))?.size ?? 0;
      workers = defaultReplayWorkers(bytes);
    }
    const report = await runConformance(args.captures, {
      keys,
      keyLog,
      protocolOverride: args.protocol,
      protocolFor,
      workers,
      onProgress,
    });
    io.stdout(summaryLine(report));
    if (args.report !== undefined) await writeFile(args.report, renderReport(report, args.report));
    return report.summary.verdict === 'FAIL' ? 1 : report.summary.verdict === 'ERROR' ? 2 : 0;
  } catch (e) {
    if (!isMeterkitError(e)) throw e;
    io.stderr(`meterkit replay: ${e.toOneLine()}\n`);
    return 2;
  }
}
