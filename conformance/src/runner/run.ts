import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMeterkitError, type MeterkitError } from '@meterkit/core';
import { Keyring } from '../keyring.js';
import { type ProtocolFor, protocolForInput } from '../protocol-for.js';
import { ALL_RULES } from '../rules/index.js';
import type { AnyRule } from '../rules/rule.js';
import { ruleDefinition } from '../rules/rule.js';
import { readCaptureMessages } from '../session/capture-messages.js';
import { frameSession, type SessionMessageSink } from '../session/frame-session.js';
import { detectInputFormat, readSession, type SessionInputFormat } from '../session/read-session.js';
import type { SessionProtocol } from '../session/record.js';
import type { TlsKeyLog } from '../tls/keylog.js';
import {
  buildReport,
  type ConformanceReport,
  emptyCounts,
  type Finding,
  type FrameRecord,
  type InputInfo,
  type Verdict,
} from '../verdict.js';
import {
  DEFAULT_MAX_FINDINGS,
  DEFAULT_MAX_FRAMES,
  DEFAULT_MAX_PASS_FINDINGS,
  END_SEQ,
  mergeShardResults,
  type ReportFrames,
  ShardRunner,
  type VerdictLimits,
} from './shard.js';
import { LocalShard, type Shards, shardable, WorkerShards } from './workers.js';

/** The tool version written into reports. */
export const CONFORMANCE_TOOL_VERSION = '0.1.0';

/** Progress of a run: message bytes of the current input processed so far (an estimate of the position). */
export interface RunProgress {
  readonly input: string;
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly messages: number;
}

/** Options of `runConformance`. */
export interface RunConformanceOptions {
  /** Keys for deciphering and verifying (never printed). */
  readonly keys?: Keyring | undefined;
  /** TLS 1.2 session keys for captures (SSLKEYLOGFILE, `--keylog`), besides the captures' own DSBs (never printed). */
  readonly keyLog?: TlsKeyLog | undefined;
  /** Forces the protocol of every channel of every input. */
  readonly protocolOverride?: SessionProtocol | undefined;
  /** Forces the protocol of every channel of one input (by resolved path); beats `protocolOverride`. */
  readonly protocolFor?: ProtocolFor | undefined;
  /** The rules to run (default every rule). */
  readonly rules?: readonly AnyRule[] | undefined;
  /** Frames listed in the report (default `findings`: those with a verdict other than PASS). */
  readonly frames?: ReportFrames | undefined;
  /** Keep PASS findings (default true; off keeps a report of a huge capture small). */
  readonly passFindings?: boolean | undefined;
  /** Report time (default now). */
  readonly createdAt?: Date | undefined;
  readonly toolVersion?: string | undefined;
  /** Called every 1024 messages and at the end of each input with its progress. */
  readonly onProgress?: ((p: RunProgress) => void) | undefined;
  /** Most non-PASS findings listed (the first ones in run order); every verdict is still counted. Default 100 000. */
  readonly maxFindings?: number | undefined;
  /** Most PASS findings listed when `passFindings` is on; every PASS is still counted. Default 10 000. */
  readonly maxPassFindings?: number | undefined;
  /** Most frames listed. Default 10 000. */
  readonly maxFrames?: number | undefined;
  /**
   * Worker threads for pcap/pcapng inputs (default 0: the rules run on the calling thread). With
   * N ≥ 1 the calling thread reads, reassembles and frames, and the channels are sharded over N
   * workers by a hash of their id, each running the rules; one worker already puts reading and
   * rules on two cores (the fastest setting on a 2-core machine). The report is the same as a
   * single-threaded run's. Runs with custom rule objects or a keyring with keys stay on the calling
   * thread (neither can be handed to a worker).
   */
  readonly workers?: number | undefined;
}

async function sha256OfPath(path: string): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  const s = await stat(path);
  if (s.isDirectory()) {
    // a directory of HTTP exchanges: hash of each file's name and content, in name order
    for (const name of (await readdir(path)).sort()) {
      const b = await readFile(join(path, name));
      h.update(`${name}\0${b.length}\0`);
      h.update(b);
      size += b.length;
    }
    return { sha256: h.digest('hex'), size };
  }
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Uint8Array);
    size += (chunk as Uint8Array).length;
  }
  return { sha256: h.digest('hex'), size };
}

/**
 * Runs the conformance rules over inputs (captures, hex logs, JSONL, Gurux XML, HTTP directories):
 * each input is read as a stream (`readSession`), framed (`frameSession`), decoded once per message
 * (`MessageAnalyser`) and checked by every rule of its protocol; session rules keep state per
 * channel and conclude when the input ends. Produces the JSON master report (`buildReport`),
 * each input identified by its SHA-256. Frame numbers continue across inputs (the second input's
 * first frame follows the first input's last).
 */
export async function runConformance(
  inputs: readonly string[],
  options: RunConformanceOptions = {},
): Promise<ConformanceReport> {
  const keys = options.keys ?? Keyring.empty();
  const rules = options.rules ?? ALL_RULES;
  const limits: VerdictLimits = {
    keepPass: options.passFindings ?? true,
    framesMode: options.frames ?? 'findings',
    maxFindings: options.maxFindings ?? DEFAULT_MAX_FINDINGS,
    maxPassFindings: options.maxPassFindings ?? DEFAULT_MAX_PASS_FINDINGS,
    maxFrames: options.maxFrames ?? DEFAULT_MAX_FRAMES,
  };
  const workers = shardable(rules, keys) ? Math.max(0, Math.floor(options.workers ?? 0)) : 0;
  const infos: InputInfo[] = [];
  const findings: Finding[] = [];
  const frames: FrameRecord[] = [];
  const counts = new Map<string, Record<Verdict, number>>();
  let listedPass = 0;
  let listedOther = 0;
  let frameBase = 0;
  let readError = false;
  for (const path of inputs) {
    const protocol = protocolForInput(path, options.protocolFor, options.protocolOverride);
    const format: SessionInputFormat = await detectInputFormat(path);
    const capture = format === 'pcap' || format === 'pcapng';
    // a capture is hashed from the chunks the reader reads; other inputs by a read of their own
    const hash = capture ? createHash('sha256') : undefined;
    let hashed = 0;
    let hashing: Promise<{ sha256: string; size: number }> | undefined = capture
      ? undefined
      : sha256OfPath(path);
    // awaited below; keeps a read failure from surfacing as an unhandled rejection meanwhile
    hashing?.catch(() => undefined);
    let lastFrame = 0;
    let messages = 0;
    let bytesRead = 0;
    const { size } = await stat(path);
    const progress = (): void => {
      if (options.onProgress !== undefined && (messages & 0x3ff) === 0)
        options.onProgress({ input: path, bytesRead: Math.min(bytesRead, size), totalBytes: size, messages });
    };
    const shards: Shards =
      workers >= 1 && capture
        ? await WorkerShards.start(workers, { rules, keys, frameBase, limits })
        : new LocalShard(new ShardRunner({ rules, keys, frameBase, limits }));
    let failure: MeterkitError | undefined;
    // every message and every channel end is one step: its number orders what it produced
    let step = 0;
    try {
      const sink: SessionMessageSink = {
        message: (message) => {
          messages++;
          bytesRead += message.bytes.length;
          if (message.frame > lastFrame) lastFrame = message.frame;
          shards.message(++step, message);
          progress();
        },
        finished: (channel) => shards.endChannel(++step, channel),
      };
      if (capture) {
        await readCaptureMessages(path, sink, {
          tlsKeyLog: options.keyLog,
          onChunk: (chunk) => {
            hash!.update(chunk);
            hashed += chunk.length;
          },
          ...(protocol === undefined ? {} : { protocol }),
          ...(shards.backpressure === undefined ? {} : { afterChunk: shards.backpressure }),
        });
      } else {
        const records = readSession(path, protocol === undefined ? {} : { protocol });
        for await (const message of frameSession(records)) sink.message(message);
      }
    } catch (e) {
      if (!isMeterkitError(e)) {
        await shards.close();
        throw e;
      }
      failure = e;
    }
    const result = await shards.finish();
    if (failure !== undefined) {
      readError = true;
      // after the input's findings, in run order
      result.findings.push({
        seq: END_SEQ * 4,
        sub: 0,
        finding: {
          rule: 'CAPTURE-READ',
          verdict: 'ERROR',
          frame: lastFrame + frameBase + 1,
          message: failure.message,
        },
      });
      result.counts.push(['CAPTURE-READ', { ...emptyCounts(), ERROR: 1 }]);
    }
    // inputs follow one another: append this one's within what the limits leave
    const merged = mergeShardResults([result], limits);
    for (const f of merged.findings) {
      if (f.verdict === 'PASS' ? listedPass++ < limits.maxPassFindings : listedOther++ < limits.maxFindings)
        findings.push(f);
    }
    for (const f of merged.frames) if (frames.length < limits.maxFrames) frames.push(f);
    for (const [id, c] of merged.counts) {
      const have = counts.get(id);
      if (have === undefined) counts.set(id, { ...c });
      else for (const v of Object.keys(c) as Verdict[]) have[v] += c[v];
    }
    options.onProgress?.({ input: path, bytesRead: size, totalBytes: size, messages });
    // a capture that failed to read to its end is hashed again from the start
    if (hash !== undefined && failure === undefined) {
      const digest = hash.digest('hex');
      hashing = Promise.resolve({ sha256: digest, size: hashed });
    }
    const { sha256, size: hashedSize } = await (hashing ?? sha256OfPath(path));
    infos.push({ path, sha256, size: hashedSize, format, frames: lastFrame });
    frameBase += lastFrame;
  }
  const defs = rules.map(ruleDefinition);
  if (readError)
    defs.push({
      id: 'CAPTURE-READ',
      protocol: 'capture',
      statement: 'The input reads to its end as a capture of its format.',
      clause: 'pcap / pcapng (IETF draft-ietf-opsawg-pcapng) and the meterkit input formats',
    });
  const report = buildReport({
    toolVersion: options.toolVersion ?? CONFORMANCE_TOOL_VERSION,
    createdAt: options.createdAt,
    inputs: infos,
    rules: defs,
    findings,
    frames,
  });
  // the summary counts every verdict, listed or not
  const total = emptyCounts();
  const byRule: Record<string, Record<Verdict, number>> = {};
  for (const d of defs) byRule[d.id] = emptyCounts();
  for (const [id, c] of counts) {
    byRule[id] ??= emptyCounts();
    const into = byRule[id]!;
    for (const v of Object.keys(c) as Verdict[]) {
      into[v] += c[v];
      total[v] += c[v];
    }
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
  // what the limits kept out of the list (PASS only counts when PASS findings are listed at all)
  const unlisted = emptyCounts();
  for (const v of Object.keys(total) as Verdict[]) unlisted[v] = total[v];
  for (const f of findings) unlisted[f.verdict]--;
  for (const v of Object.keys(unlisted) as Verdict[]) if (unlisted[v] < 0) unlisted[v] = 0;
  if (!limits.keepPass) unlisted.PASS = 0;
  const anyUnlisted = (Object.values(unlisted) as number[]).some((n) => n > 0);
  return { ...report, summary: { total, byRule, verdict, ...(anyUnlisted ? { unlisted } : {}) } };
}
