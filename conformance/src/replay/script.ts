import type { SessionMessage } from '../session/frame-session.js';
import type { SessionProtocol } from '../session/record.js';

/** One step of a replay: a captured client message and the server messages that followed it. */
export interface ReplayStep {
  readonly frame: number;
  readonly protocol: SessionProtocol | undefined;
  readonly request: Uint8Array;
  /** The captured answers (server to client) before the next client message. */
  readonly answers: readonly Uint8Array[];
}

/** Options of `buildReplayScript`. */
export interface ReplayScriptOptions {
  /** The channel to replay (default: the first channel with a client-to-server message). */
  readonly channel?: string | undefined;
  /** Largest number of steps kept (default 100 000). */
  readonly maxSteps?: number | undefined;
}

/**
 * Takes the client side of a captured session: every client-to-server message of one channel,
 * each with the server's answers that followed it in the capture (IEC 62056-5-3 §9.4 and
 * IEEE 1703 §5.3 request/response model; IEEE 2030.5 HTTP exchanges).
 */
export async function buildReplayScript(
  messages: AsyncIterable<SessionMessage> | Iterable<SessionMessage>,
  options: ReplayScriptOptions = {},
): Promise<ReplayStep[]> {
  const max = options.maxSteps ?? 100_000;
  let channel = options.channel;
  const steps: {
    frame: number;
    protocol: SessionProtocol | undefined;
    request: Uint8Array;
    answers: Uint8Array[];
  }[] = [];
  for await (const m of messages) {
    if (m.type !== 'message') continue;
    if (channel === undefined && m.direction === 'client-to-server') channel = m.channel;
    if (m.channel !== channel) continue;
    if (m.direction === 'client-to-server') {
      if (steps.length >= max) break;
      steps.push({ frame: m.frame, protocol: m.protocol, request: m.bytes.slice(), answers: [] });
    } else if (m.direction === 'server-to-client' && steps.length > 0) {
      steps[steps.length - 1]!.answers.push(m.bytes.slice());
    }
  }
  return steps;
}
