import { Worker } from 'node:worker_threads';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { Keyring, KeyringSettings } from '../keyring.js';
import { ownedCopy } from '../reassembly/owned-copy.js';
import { ALL_RULES } from '../rules/index.js';
import type { AnyRule } from '../rules/rule.js';
import type { SessionMessage } from '../session/frame-session.js';
import type { SessionDirection, SessionGap, SessionProtocol } from '../session/record.js';
import type { ShardResult, ShardRunner, VerdictLimits } from './shard.js';

/** Where the runner sends an input's messages: one in-process rule runner, or workers. */
export interface Shards {
  message(seq: number, m: SessionMessage): void;
  endChannel(seq: number, channel: string): void;
  /** Awaited between read chunks to keep the workers' queues short. */
  readonly backpressure?: (() => Promise<void>) | undefined;
  finish(): Promise<ShardResult>;
  /** Stops without a result (after a failure). */
  close(): Promise<void>;
}

/** Every message to one `ShardRunner` in this thread. */
export class LocalShard implements Shards {
  readonly backpressure = undefined;
  constructor(private readonly shard: ShardRunner) {}
  message(seq: number, m: SessionMessage): void {
    this.shard.message(seq, m);
  }
  endChannel(seq: number, channel: string): void {
    this.shard.endChannel(seq, channel);
  }
  async finish(): Promise<ShardResult> {
    return this.shard.finish();
  }
  async close(): Promise<void> {}
}

/**
 * Whether a run can be sharded over workers: its rules must be the built-in ones (a worker finds
 * them by id) and its keyring must hold no keys (keys never leave the keyring, so a worker could
 * not have them). Settings (schema paths, tolerances) are not secret and are passed on.
 */
export function shardable(rules: readonly AnyRule[], keys: Keyring): boolean {
  if (!rules.every((r) => ALL_RULES.includes(r))) return false;
  const k = keys.toJSON() as { dlms: unknown[]; c1222: unknown[]; 'ieee2030-5': unknown[] };
  return k.dlms.length === 0 && k.c1222.length === 0 && k['ieee2030-5'].length === 0;
}

/** What a worker is started with. */
export interface ShardWorkerData {
  readonly ruleIds: readonly string[];
  readonly settings: KeyringSettings;
  readonly frameBase: number;
  readonly limits: VerdictLimits;
}

/** One batch of messages and channel ends, as posted to a worker (buffers transferred). */
export interface ShardBatch {
  readonly type: 'batch';
  /** `META_STRIDE` numbers per entry (see `BatchWriter`). */
  readonly meta: Float64Array;
  readonly bytes: Uint8Array;
  readonly strings: readonly string[];
}

/** Numbers per batch entry: kind, seq, frame, channel, direction, protocol, type, offset, start, length, time s, time ns, gap missing, gap reason, reason. */
export const META_STRIDE = 15;
const KIND_MESSAGE = 0;
const KIND_END = 1;
const NONE = -1;

/** Packs messages into one transferable batch: numbers in a `Float64Array`, bytes concatenated, strings deduplicated. */
class BatchWriter {
  meta = new Float64Array(META_STRIDE * 1024);
  count = 0;
  bytes = new Uint8Array(256 * 1024);
  fill = 0;
  strings: string[] = [];
  index = new Map<string, number>();

  str(s: string | undefined): number {
    if (s === undefined) return NONE;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  #slot(): number {
    if ((this.count + 1) * META_STRIDE > this.meta.length) {
      const next = new Float64Array(this.meta.length * 2);
      next.set(this.meta);
      this.meta = next;
    }
    return this.count++ * META_STRIDE;
  }

  message(seq: number, m: SessionMessage): void {
    const n = m.bytes.length;
    if (this.fill + n > this.bytes.length) {
      const next = new Uint8Array(Math.max(this.bytes.length * 2, this.fill + n));
      next.set(this.bytes.subarray(0, this.fill));
      this.bytes = next;
    }
    this.bytes.set(m.bytes, this.fill);
    const at = this.#slot();
    const meta = this.meta;
    meta[at] = KIND_MESSAGE;
    meta[at + 1] = seq;
    meta[at + 2] = m.frame;
    meta[at + 3] = this.str(m.channel);
    meta[at + 4] = this.str(m.direction);
    meta[at + 5] = this.str(m.protocol);
    meta[at + 6] = this.str(m.type);
    meta[at + 7] = m.offset;
    meta[at + 8] = this.fill;
    meta[at + 9] = n;
    if (m.timestamp === undefined) {
      meta[at + 10] = Number.NaN;
      meta[at + 11] = 0;
    } else {
      meta[at + 10] = Number(m.timestamp / 1_000_000_000n);
      meta[at + 11] = Number(m.timestamp % 1_000_000_000n);
    }
    meta[at + 12] = m.gap === undefined ? NONE : m.gap.missing;
    meta[at + 13] = this.str(m.gap?.reason);
    meta[at + 14] = this.str(m.reason);
    this.fill += n;
  }

  endChannel(seq: number, channel: string): void {
    const at = this.#slot();
    this.meta[at] = KIND_END;
    this.meta[at + 1] = seq;
    this.meta[at + 3] = this.str(channel);
  }

  take(): ShardBatch {
    const batch: ShardBatch = {
      type: 'batch',
      meta: this.meta.slice(0, this.count * META_STRIDE),
      bytes: this.bytes.slice(0, this.fill),
      strings: this.strings,
    };
    this.count = 0;
    this.fill = 0;
    this.strings = [];
    this.index.clear();
    return batch;
  }
}

/**
 * Unpacks a batch into calls on a shard runner; each message gets its own copy of its bytes (small
 * ones in a shared slab), so nothing a rule keeps holds on to the whole batch.
 */
export function applyBatch(batch: ShardBatch, shard: ShardRunner): void {
  const { meta, bytes, strings } = batch;
  const s = (i: number): string | undefined => (i === NONE ? undefined : strings[i]);
  for (let at = 0; at < meta.length; at += META_STRIDE) {
    const seq = meta[at + 1]!;
    const channel = s(meta[at + 3]!)!;
    if (meta[at] === KIND_END) {
      shard.endChannel(seq, channel);
      continue;
    }
    const start = meta[at + 8]!;
    const seconds = meta[at + 10]!;
    const missing = meta[at + 12]!;
    shard.message(seq, {
      type: s(meta[at + 6]!) as SessionMessage['type'],
      frame: meta[at + 2]!,
      channel,
      direction: s(meta[at + 4]!) as SessionDirection,
      timestamp: Number.isNaN(seconds)
        ? undefined
        : BigInt(seconds) * 1_000_000_000n + BigInt(meta[at + 11]!),
      protocol: s(meta[at + 5]!) as SessionProtocol | undefined,
      bytes: ownedCopy(bytes, start, start + meta[at + 9]!),
      offset: meta[at + 7]!,
      reason: s(meta[at + 14]!),
      gap: missing === NONE ? undefined : { missing, reason: s(meta[at + 13]!) as SessionGap['reason'] },
      xml: undefined,
    });
  }
}

/** FNV-1a of a channel id: which worker gets the channel. */
function channelHash(channel: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < channel.length; i++) {
    h ^= channel.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const BATCH_BYTES = 512 * 1024;
const BATCH_ENTRIES = 4096;
/** Batches a worker may have queued before the reader waits. */
const MAX_IN_FLIGHT = 4;

interface WorkerState {
  readonly worker: Worker;
  readonly batch: BatchWriter;
  inFlight: number;
  result: ShardResult | undefined;
}

/**
 * Starts a shard worker: the compiled `shard-worker.js`, or, when running from TypeScript sources
 * (tests, tsx), `shard-worker.ts` behind tsx's loader, registered inside the worker since loader
 * hooks of the main thread do not reach worker threads.
 */
function startWorker(data: ShardWorkerData): Worker {
  // a worker's heap holds only its channels' state: small limits keep garbage, and so RSS, low
  const resourceLimits = { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 8 };
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./shard-worker.js', import.meta.url), { workerData: data, resourceLimits });
  const loader = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./shard-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(loader)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: data, resourceLimits });
}

/**
 * Channels sharded over worker threads by a hash of their id: each worker runs a `ShardRunner` over
 * its channels, in order, and returns its result when the input ends. Messages go in batches with
 * their buffers transferred; the reader waits while a worker has more than a few batches queued, so
 * memory stays bounded however fast the file is read.
 */
export class WorkerShards implements Shards {
  readonly #workers: WorkerState[];
  readonly #shardOf = new Map<string, number>();
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  private constructor(workers: WorkerState[]) {
    this.#workers = workers;
  }

  /** Starts `n` workers with the run's rules, settings and limits. */
  static async start(
    n: number,
    options: {
      readonly rules: readonly AnyRule[];
      readonly keys: Keyring;
      readonly frameBase: number;
      readonly limits: VerdictLimits;
    },
  ): Promise<WorkerShards> {
    const data: ShardWorkerData = {
      ruleIds: options.rules.map((r) => r.id),
      settings: { ...options.keys.settings },
      frameBase: options.frameBase,
      limits: options.limits,
    };
    const states: WorkerState[] = [];
    for (let i = 0; i < n; i++) {
      states.push({
        worker: startWorker(data),
        batch: new BatchWriter(),
        inFlight: 0,
        result: undefined,
      });
    }
    const shards = new WorkerShards(states);
    for (const st of states) {
      st.worker.on('message', (msg: { type: 'ack' } | { type: 'result'; result: ShardResult }) => {
        if (msg.type === 'ack') st.inFlight--;
        else st.result = msg.result;
        shards.#notify();
      });
      st.worker.on('error', (e) => {
        shards.#failure ??= e;
        shards.#notify();
      });
      st.worker.on('exit', (code) => {
        if (st.result === undefined)
          shards.#failure ??= new MeterkitError(ErrorCode.InvalidArgument, `a rule worker exited (${code})`);
        shards.#notify();
      });
    }
    return shards;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #until(done: () => boolean): Promise<void> {
    while (!done()) {
      if (this.#failure !== undefined) throw this.#failure;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  #shard(channel: string): WorkerState {
    let i = this.#shardOf.get(channel);
    if (i === undefined) {
      if (this.#shardOf.size >= 100_000) this.#shardOf.clear();
      i = channelHash(channel) % this.#workers.length;
      this.#shardOf.set(channel, i);
    }
    return this.#workers[i]!;
  }

  #send(st: WorkerState): void {
    if (st.batch.count === 0) return;
    const batch = st.batch.take();
    st.inFlight++;
    st.worker.postMessage(batch, [batch.meta.buffer as ArrayBuffer, batch.bytes.buffer as ArrayBuffer]);
  }

  message(seq: number, m: SessionMessage): void {
    const st = this.#shard(m.channel);
    st.batch.message(seq, m);
    if (st.batch.fill >= BATCH_BYTES || st.batch.count >= BATCH_ENTRIES) this.#send(st);
  }

  endChannel(seq: number, channel: string): void {
    const st = this.#shard(channel);
    st.batch.endChannel(seq, channel);
    this.#shardOf.delete(channel);
    if (st.batch.count >= BATCH_ENTRIES) this.#send(st);
  }

  readonly backpressure = async (): Promise<void> => {
    for (const st of this.#workers) if (st.inFlight < MAX_IN_FLIGHT) this.#send(st);
    await this.#until(() => this.#workers.every((st) => st.inFlight <= MAX_IN_FLIGHT));
  };

  async finish(): Promise<ShardResult> {
    try {
      for (const st of this.#workers) {
        this.#send(st);
        st.worker.postMessage({ type: 'finish' });
      }
      await this.#until(() => this.#workers.every((st) => st.result !== undefined));
      const results = this.#workers.map((st) => st.result!);
      return {
        findings: results.flatMap((r) => r.findings),
        frames: results.flatMap((r) => r.frames),
        counts: results.flatMap((r) => r.counts),
      };
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((st) => st.worker.terminate()));
  }
}
