import { ErrorCode, isMeterkitError, type JsonValue, toHex } from '@meterkit/core';
import type { Transport } from '@meterkit/core/transport';
import type { Keyring } from '../keyring.js';
import { frameStream, type StreamFramer } from '../reassembly/frame-stream.js';
import type { SessionProtocol } from '../session/record.js';
import type { Verdict } from '../verdict.js';
import { type AdaptationSummary, ReplayAdapter } from './adapt.js';
import { compareStructures, DEFAULT_REPLAY_MASKS, type ReplayMask, structuralForm } from './compare.js';
import { HdlcReplayLink, mergeHdlcSegments } from './hdlc-segments.js';
import { HttpResponseFramer } from './http-framer.js';
import type { ReplayStep } from './script.js';

/** The outcome of one replayed step. */
export interface ReplayStepResult {
  readonly frame: number;
  readonly verdict: Verdict;
  readonly sent: string;
  readonly expected: readonly string[];
  readonly received: readonly string[];
  /** Structural differences outside the masks. */
  readonly differences: readonly string[];
  readonly message?: string | undefined;
}

/** The outcome of a replay. */
export interface ReplayResult {
  readonly target: string;
  readonly verdict: Verdict;
  readonly steps: readonly ReplayStepResult[];
  /** What the adapter changed (invoke-ids, counters, HLS responses, IVs, hrefs) and what it could not. */
  readonly adaptations: AdaptationSummary;
}

/** Options of `replaySession`. */
export interface ReplayOptions {
  /** An open transport to the device under test (TCP, UDP, serial). */
  readonly transport: Transport;
  /** Masks of volatile fields (default `DEFAULT_REPLAY_MASKS`). */
  readonly masks?: readonly ReplayMask[] | undefined;
  /** How long to wait for each answer (default 5000 ms). */
  readonly timeoutMs?: number | undefined;
  /**
   * What to adapt (default: a `ReplayAdapter` with `keys`: invoke-ids as captured, ciphered APDUs,
   * HLS responses and C12.22 IVs renewed when the keys are there, 2030.5 hrefs mapped).
   */
  readonly adapter?: ReplayAdapter | undefined;
  readonly keys?: Keyring | undefined;
  /** Called after each step. */
  readonly onStep?: ((r: ReplayStepResult, index: number, total: number) => void) | undefined;
}

/** What cuts a stream of answers into messages. */
type AnswerFramer = Pick<StreamFramer, 'push'> | HttpResponseFramer;

function framerFor(protocol: SessionProtocol | undefined): AnswerFramer | undefined {
  if (protocol === 'ieee2030-5') return new HttpResponseFramer();
  if (protocol === 'dlms') return frameStream('dlms');
  if (protocol === 'c1222') return frameStream('c1222');
  if (protocol === 'c1218') return frameStream('c1218');
  return undefined;
}

/** Reads `n` answers: whole frames of a stream transport, or datagrams. */
async function readAnswers(
  t: Transport,
  framer: AnswerFramer | undefined,
  pending: Uint8Array[],
  n: number,
  timeoutMs: number,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  while (out.length < n) {
    if (pending.length > 0) {
      out.push(pending.shift()!);
      continue;
    }
    const chunk = await t.read({ timeoutMs });
    if (framer === undefined || t.kind === 'datagram') {
      out.push(chunk);
      continue;
    }
    for (const f of framer.push(chunk)) if (f.type === 'frame') pending.push(f.bytes.slice());
  }
  return out;
}

/**
 * Replays the client side of a captured session against a device under test: sends each client
 * message (adapted by `ReplayAdapter`: invoke-ids, invocation counters, HLS responses, C12.22 IVs,
 * 2030.5 hrefs), reads as many answers as the capture had, and compares
 * each with the captured one structurally (decoded layers in JSON form) outside the masks
 * (time, counters, random challenges, tags). PASS when every answer agrees, FAIL on a difference,
 * INCONCLUSIVE when the device stays silent.
 */
export async function replaySession(
  capturedSteps: readonly ReplayStep[],
  options: ReplayOptions,
): Promise<ReplayResult> {
  const t = options.transport;
  // DLMS over HDLC: segmented APDUs are reassembled, adapted whole and segmented again for the device
  const hdlc = capturedSteps[0]?.protocol === 'dlms' && capturedSteps[0].request[0] === 0x7e;
  const steps = hdlc ? mergeHdlcSegments(capturedSteps) : capturedSteps;
  const link = hdlc ? new HdlcReplayLink() : undefined;
  const masks = options.masks ?? DEFAULT_REPLAY_MASKS;
  const timeoutMs = options.timeoutMs ?? 5000;
  const adapter = options.adapter ?? new ReplayAdapter({ keys: options.keys });
  adapter.prepare(steps);
  const results: ReplayStepResult[] = [];
  const framer = framerFor(steps[0]?.protocol);
  const pending: Uint8Array[] = [];
  // system titles learnt from the AARE of each side, so ciphered answers are compared deciphered
  const expectedChannel = {};
  const receivedChannel = {};
  let i = 0;
  const write = (b: Uint8Array): Promise<void> => t.write(b);
  const readOne = async (): Promise<Uint8Array> => (await readAnswers(t, framer, pending, 1, timeoutMs))[0]!;
  for (const step of steps) {
    let sent = adapter.adapt(step.protocol, step.request);
    let received: Uint8Array[] = [];
    let message: string | undefined;
    try {
      if (link === undefined) {
        await t.write(sent);
        received = await readAnswers(t, framer, pending, step.answers.length, timeoutMs);
      } else {
        sent = await link.send(sent, write, readOne);
        while (received.length < step.answers.length) received.push(...(await link.receive(readOne, write)));
      }
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      message =
        e.code === ErrorCode.TransportTimeout
          ? `no answer within ${timeoutMs} ms`
          : e.code === ErrorCode.ValueInvalid
            ? e.message
            : `the device closed the connection: ${e.message}`;
    }
    adapter.observe(step.protocol, step.answers, received);
    const differences: string[] = [];
    received.forEach((r, k) => {
      if (k >= step.answers.length) {
        differences.push(`answer ${k + 1}: not in the capture`);
        return;
      }
      const exp: JsonValue = structuralForm(
        step.protocol,
        adapter.expected(step.protocol, step.answers[k]!),
        options.keys,
        expectedChannel,
      );
      const got: JsonValue = structuralForm(step.protocol, r, options.keys, receivedChannel);
      for (const d of compareStructures(exp, got, masks)) differences.push(`answer ${k + 1}: ${d}`);
    });
    const verdict: Verdict =
      message !== undefined
        ? received.length > 0
          ? 'FAIL'
          : 'INCONCLUSIVE'
        : differences.length > 0
          ? 'FAIL'
          : 'PASS';
    const r: ReplayStepResult = {
      frame: step.frame,
      verdict,
      sent: toHex(sent),
      expected: step.answers.map((a) => toHex(a)),
      received: received.map((a) => toHex(a)),
      differences,
      message,
    };
    results.push(r);
    options.onStep?.(r, i++, steps.length);
    if (message !== undefined && t.state === 'closed') break;
  }
  const verdict: Verdict = results.some((r) => r.verdict === 'FAIL')
    ? 'FAIL'
    : results.some((r) => r.verdict === 'INCONCLUSIVE')
      ? 'INCONCLUSIVE'
      : results.length > 0
        ? 'PASS'
        : 'INAPPLICABLE';
  const adaptations = adapter.summary();
  return {
    target: t.describe(),
    verdict,
    steps: results,
    adaptations:
      link === undefined ? adaptations : { ...adaptations, dlms: { ...adaptations.dlms, ...link.counts } },
  };
}
