import { isMeterkitError, type MeterkitError } from '@meterkit/core';
import { Keyring } from '../keyring.js';
import { MessageAnalyser } from '../rules/analyse.js';
import { ALL_RULES } from '../rules/index.js';
import type { AnalysedMessage, AnyRule, RuleOutcome } from '../rules/rule.js';
import type { SessionMessage } from '../session/frame-session.js';
import { emptyCounts, type Finding, type RuleProtocol, type Verdict } from '../verdict.js';

/** Options of `RuleRunner`. */
export interface RuleRunnerOptions {
  readonly rules?: readonly AnyRule[] | undefined;
  readonly keys?: Keyring | undefined;
  /** Report PASS findings one by one (default true); otherwise they are only counted (`passCounts`). */
  readonly passFindings?: boolean | undefined;
  /** Added to every frame number (several inputs in one report). */
  readonly frameBase?: number | undefined;
  /** Receives each finding. */
  readonly onFinding: (finding: Finding) => void;
}

/** Most channels whose session state is kept; beyond it the oldest channel is concluded and dropped. */
export const MAX_TRACKED_CHANNELS = 10_000;

function applies(rule: AnyRule, m: AnalysedMessage): boolean {
  const p: RuleProtocol = rule.protocol;
  return p === 'capture' || m.message.protocol === p;
}

/** The first decoding failure of a message's layers, for the report's frame list. */
export function layerError(m: AnalysedMessage): MeterkitError | undefined {
  const d = m.dlms;
  return (
    d?.hdlcError ?? d?.wrapperError ?? d?.apduError ?? m.c1218?.error ?? m.c1222?.error ?? m.ieee20305?.error
  );
}

/** The session-rule states held for one channel: by rule position, and the order they were made in. */
interface ChannelStates {
  readonly states: unknown[];
  readonly order: number[];
}

/**
 * The synchronous core of a conformance run: decodes each framed message once, runs every rule
 * of its protocol (session rules with per-channel state) and hands findings on. `finish` concludes
 * the session rules. Usable on any message source (a file, a live tap, one worker's streams).
 */
export class RuleRunner {
  readonly #rules: readonly AnyRule[];
  /** The rules that apply to each protocol (capture rules included), computed once. */
  readonly #byProtocol = new Map<string | undefined, readonly number[]>();
  readonly #keys: Keyring;
  readonly #analyser: MessageAnalyser;
  readonly #states = new Map<string, ChannelStates>();
  #keepPass: boolean;
  readonly #frameBase: number;
  readonly #onFinding: (f: Finding) => void;
  /** PASS verdicts per rule (by its position in the rules), counted even when not reported one by one. */
  readonly #passes: number[];

  constructor(options: RuleRunnerOptions) {
    this.#rules = options.rules ?? ALL_RULES;
    this.#keys = options.keys ?? Keyring.empty();
    this.#analyser = new MessageAnalyser(this.#keys);
    this.#keepPass = options.passFindings ?? true;
    this.#frameBase = options.frameBase ?? 0;
    this.#onFinding = options.onFinding;
    this.#passes = this.#rules.map(() => 0);
  }

  /** PASS verdicts per rule id, counted even when not reported one by one. */
  get passCounts(): Map<string, number> {
    const out = new Map<string, number>();
    this.#rules.forEach((r, i) => {
      const n = this.#passes[i]!;
      if (n > 0) out.set(r.id, (out.get(r.id) ?? 0) + n);
    });
    return out;
  }

  /** Whether PASS findings are reported one by one from now on (they are counted either way). */
  get passFindings(): boolean {
    return this.#keepPass;
  }

  set passFindings(keep: boolean) {
    this.#keepPass = keep;
  }

  #add(position: number, o: RuleOutcome, frame: number | undefined): void {
    const rule = this.#rules[position]!;
    if (o.verdict === 'PASS') {
      this.#passes[position]!++;
      if (!this.#keepPass) return;
    }
    const f = o.frame ?? frame;
    this.#onFinding({
      rule: rule.id,
      verdict: o.verdict,
      frame: f === undefined ? undefined : f + this.#frameBase,
      offset: o.offset,
      message: o.message,
    });
  }

  /** Checks one message; `flagged` when a rule gave it a verdict other than PASS. */
  check(message: SessionMessage): { readonly analysed: AnalysedMessage; readonly flagged: boolean } {
    const analysed = this.#analyser.analyse(message);
    let channel = this.#states.get(message.channel);
    if (channel === undefined) {
      if (this.#states.size >= MAX_TRACKED_CHANNELS) this.#conclude(this.#states.keys().next().value!);
      channel = { states: new Array(this.#rules.length), order: [] };
      this.#states.set(message.channel, channel);
    }
    let flagged = false;
    let positions = this.#byProtocol.get(message.protocol);
    if (positions === undefined) {
      const found: number[] = [];
      for (let i = 0; i < this.#rules.length; i++) if (applies(this.#rules[i]!, analysed)) found.push(i);
      positions = found;
      this.#byProtocol.set(message.protocol, found);
    }
    // one context per message; only `state` changes from rule to rule
    const context: { analysed: AnalysedMessage; state: unknown; keys: Keyring } = {
      analysed,
      state: undefined,
      keys: this.#keys,
    };
    const states = channel.states;
    for (let k = 0; k < positions.length; k++) {
      const i = positions[k]!;
      const rule = this.#rules[i]!;
      let state = states[i];
      if (state === undefined && rule.createState !== undefined) {
        state = rule.createState();
        states[i] = state;
        channel.order.push(i);
      }
      let o: RuleOutcome | undefined;
      try {
        context.state = state;
        o = rule.check(context);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        o = { verdict: 'ERROR', message: `the rule could not check this message: ${e.message}` };
      }
      if (o === undefined) continue;
      if (o.verdict !== 'PASS') flagged = true;
      this.#add(i, o, message.frame);
    }
    return { analysed, flagged };
  }

  /** The channel ended: concludes its session rules and drops its state (nothing if none is held). */
  endChannel(channel: string): void {
    this.#conclude(channel);
  }

  #conclude(channel: string): void {
    const held = this.#states.get(channel);
    this.#states.delete(channel);
    if (held === undefined) return;
    // in the order the states were made (as the rules first met the channel)
    for (const i of held.order) {
      const rule = this.#rules[i]!;
      if (rule.finish === undefined) continue;
      for (const o of rule.finish(held.states[i], this.#keys)) this.#add(i, o, undefined);
    }
  }

  /** Concludes every channel's session rules. */
  finish(): void {
    for (const channel of [...this.#states.keys()]) this.#conclude(channel);
  }

  /** PASS counts as verdict counts (for summaries of runs without PASS findings). */
  passVerdicts(): Map<string, Record<Verdict, number>> {
    const out = new Map<string, Record<Verdict, number>>();
    for (const [id, n] of this.passCounts) out.set(id, { ...emptyCounts(), PASS: n });
    return out;
  }
}
