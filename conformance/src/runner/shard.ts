import { toHex } from '@meterkit/core';
import type { Keyring } from '../keyring.js';
import type { AnyRule } from '../rules/rule.js';
import type { SessionMessage } from '../session/frame-session.js';
import { emptyCounts, type Finding, type FrameRecord, type Verdict } from '../verdict.js';
import { layerError, RuleRunner } from './rule-runner.js';

/** Which frames a report lists. */
export type ReportFrames = 'all' | 'findings' | 'none';

/** Default most non-PASS findings a report lists (all are counted in the summary). */
export const DEFAULT_MAX_FINDINGS = 100_000;
/** Default most PASS findings a report lists when PASS findings are kept (all are counted). */
export const DEFAULT_MAX_PASS_FINDINGS = 10_000;
/** Default most frames a report lists. */
export const DEFAULT_MAX_FRAMES = 10_000;

/** How much of a run's detail is kept: verdicts are always counted, only the first ones listed. */
export interface VerdictLimits {
  readonly keepPass: boolean;
  readonly framesMode: ReportFrames;
  readonly maxFindings: number;
  readonly maxPassFindings: number;
  readonly maxFrames: number;
}

/**
 * Where a finding or frame falls in the run's order: `seq` is the position of the message (or
 * channel end) that produced it in the input's message sequence; channels concluded when the input
 * ends come after every message, in the order of their first message. `sub` orders what one step
 * produced. Sorting by (`seq`, `sub`) gives the single-threaded order whatever the sharding.
 */
export interface RunKey {
  readonly seq: number;
  readonly sub: number;
}

/** A finding with its place in the run. */
export interface KeyedFinding extends RunKey {
  readonly finding: Finding;
}

/** A listed frame with its place in the run. */
export interface KeyedFrame extends RunKey {
  readonly frame: FrameRecord;
}

/** What one shard (the whole input when single-threaded) found. */
export interface ShardResult {
  readonly findings: KeyedFinding[];
  readonly frames: KeyedFrame[];
  /** Every verdict counted, by rule id, in the order rules first gave one. */
  readonly counts: [string, Record<Verdict, number>][];
}

/** Sequence numbers of channels concluded at the end of the input start here (after any message). */
export const END_SEQ = 2 ** 50;

function isoTime(ns: bigint | undefined): string | undefined {
  if (ns === undefined) return undefined;
  const ms = ns / 1_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(ms)).toISOString().slice(0, 19)}.${frac}Z`;
}

/** Keeps the first `limit` items by key of a stream that arrives in key order per shard. */
class FirstN<T extends RunKey> {
  readonly items: T[] = [];
  constructor(readonly limit: number) {}
  add(item: T): void {
    if (this.items.length < this.limit) this.items.push(item);
  }
}

/**
 * Runs the rules over the messages of one input, or of one shard of its channels: every message is
 * given with its sequence number, channel ends with theirs. Verdicts are counted per rule; findings
 * and frames are listed up to the limits (the first ones in run order, since a shard sees its
 * messages in order), so memory does not grow with the input.
 */
export class ShardRunner {
  readonly #runner: RuleRunner;
  readonly #limits: VerdictLimits;
  readonly #counts = new Map<string, Record<Verdict, number>>();
  readonly #pass: FirstN<KeyedFinding>;
  readonly #other: FirstN<KeyedFinding>;
  readonly #frames: FirstN<KeyedFrame>;
  /** First message sequence number of each channel with session state, for the end order. */
  readonly #firstSeq = new Map<string, number>();
  #seq = 0;
  #sub = 0;
  #frameBase: number;

  constructor(options: {
    readonly rules: readonly AnyRule[];
    readonly keys: Keyring;
    readonly frameBase: number;
    readonly limits: VerdictLimits;
  }) {
    this.#limits = options.limits;
    this.#frameBase = options.frameBase;
    this.#pass = new FirstN(options.limits.keepPass ? options.limits.maxPassFindings : 0);
    this.#other = new FirstN(options.limits.maxFindings);
    this.#frames = new FirstN(options.limits.maxFrames);
    this.#runner = new RuleRunner({
      rules: options.rules,
      keys: options.keys,
      // PASS findings are handed over only while the list has room; the runner counts them all
      passFindings: this.#pass.limit > 0,
      frameBase: options.frameBase,
      onFinding: (f) => this.#onFinding(f),
    });
  }

  #onFinding(f: Finding): void {
    const keyed = { seq: this.#seq, sub: this.#sub++, finding: f };
    if (f.verdict === 'PASS') {
      this.#pass.add(keyed);
      if (this.#pass.items.length >= this.#pass.limit) this.#runner.passFindings = false;
      return;
    }
    this.#other.add(keyed);
    let c = this.#counts.get(f.rule);
    if (c === undefined) {
      c = emptyCounts();
      this.#counts.set(f.rule, c);
    }
    c[f.verdict]++;
  }

  /** Checks message number `seq` of the input. */
  message(seq: number, m: SessionMessage): void {
    this.#seq = seq;
    this.#sub = 0;
    if (!this.#firstSeq.has(m.channel)) this.#firstSeq.set(m.channel, seq);
    const { analysed, flagged } = this.#runner.check(m);
    const mode = this.#limits.framesMode;
    if (mode === 'all' || (mode === 'findings' && flagged)) {
      if (this.#frames.items.length < this.#frames.limit)
        this.#frames.add({
          seq,
          sub: 0,
          frame: {
            frame: m.frame + this.#frameBase,
            channel: m.channel,
            direction: m.direction,
            timestamp: isoTime(m.timestamp),
            protocol: m.protocol,
            hex: toHex(m.bytes),
            error: layerError(analysed)?.toJSON(),
          },
        });
    }
  }

  /** The channel ended at step `seq`: its session rules conclude and its state is dropped. */
  endChannel(seq: number, channel: string): void {
    if (!this.#firstSeq.has(channel)) return;
    this.#firstSeq.delete(channel);
    this.#seq = seq;
    this.#sub = 0;
    this.#runner.endChannel(channel);
  }

  /** Concludes every channel still open (in the order of their first message) and returns the result. */
  finish(): ShardResult {
    for (const [channel, first] of [...this.#firstSeq]) {
      this.#seq = END_SEQ + first;
      this.#sub = 0;
      this.#runner.endChannel(channel);
    }
    this.#firstSeq.clear();
    // channels the runner holds that had no message here (none in practice): conclude them last
    this.#seq = END_SEQ * 2;
    this.#sub = 0;
    this.#runner.finish();
    for (const [id, n] of this.#runner.passCounts) {
      let c = this.#counts.get(id);
      if (c === undefined) {
        c = emptyCounts();
        this.#counts.set(id, c);
      }
      c.PASS += n;
    }
    return {
      findings: [...this.#other.items, ...this.#pass.items],
      frames: this.#frames.items,
      counts: [...this.#counts],
    };
  }
}

function byKey(a: RunKey, b: RunKey): number {
  return a.seq - b.seq || a.sub - b.sub;
}

/** Merges shard results into run order, keeping the first findings and frames within the limits. */
export function mergeShardResults(
  results: readonly ShardResult[],
  limits: VerdictLimits,
): { findings: Finding[]; frames: FrameRecord[]; counts: Map<string, Record<Verdict, number>> } {
  const pass: KeyedFinding[] = [];
  const other: KeyedFinding[] = [];
  const frames: KeyedFrame[] = [];
  const counts = new Map<string, Record<Verdict, number>>();
  for (const r of results) {
    for (const f of r.findings) (f.finding.verdict === 'PASS' ? pass : other).push(f);
    frames.push(...r.frames);
  }
  for (const r of results) {
    for (const [id, c] of r.counts) {
      const have = counts.get(id);
      if (have === undefined) counts.set(id, { ...c });
      else for (const v of Object.keys(c) as Verdict[]) have[v] += c[v];
    }
  }
  pass.sort(byKey);
  other.sort(byKey);
  frames.sort(byKey);
  const listed = [
    ...other.slice(0, limits.maxFindings),
    ...pass.slice(0, limits.keepPass ? limits.maxPassFindings : 0),
  ].sort(byKey);
  return {
    findings: listed.map((f) => f.finding),
    frames: frames.slice(0, limits.maxFrames).map((f) => f.frame),
    counts,
  };
}
