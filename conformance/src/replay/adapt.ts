import { Keyring } from '../keyring.js';
import { C1222ReplayAdaptation } from './adapt-c1222.js';
import { DlmsReplayAdaptation } from './adapt-dlms.js';
import { HttpReplayAdaptation } from './adapt-http.js';
import type { ReplayStep } from './script.js';

/** Options of `ReplayAdapter`. Every adaptation is on by default and does nothing without its keys. */
export interface ReplayAdapterOptions {
  /** DLMS: added (mod 16) to every request invoke-id, so answers to stale ids stand out (default 0). */
  readonly invokeIdShift?: number | undefined;
  /** Keys for re-ciphering (DLMS EK/AK/HLS secret by system title, C12.22 by AP title). */
  readonly keys?: Keyring | undefined;
  /** DLMS: first invocation counter of re-ciphered client APDUs (default: highest captured + 1). */
  readonly invocationCounter?: number | undefined;
  /** DLMS: re-cipher client APDUs with fresh invocation counters (default true). */
  readonly reCipher?: boolean | undefined;
  /** DLMS: answer the device's own HLS challenge in pass 3 (default true). */
  readonly hls?: boolean | undefined;
  /** C12.22: fresh calling-AP-invocation-ids and IVs, EAX' re-sealed (default true). */
  readonly c1222?: boolean | undefined;
  /** C12.22: the first calling-AP-invocation-id (default random). */
  readonly c1222InvocationId?: number | undefined;
  /** C12.22: source of fresh IVs (default the CSPRNG). */
  readonly c1222Iv?: (() => Uint8Array) | undefined;
  /** IEEE 2030.5: map the captured server's hrefs to the device's (default true). */
  readonly hrefs?: boolean | undefined;
}

/** What an adapter changed, for the replay report. */
export interface AdaptationSummary {
  readonly dlms: Readonly<Record<string, number>>;
  readonly c1222: Readonly<Record<string, number>>;
  readonly http: Readonly<Record<string, number>>;
  /** Adaptations that could not be made, and why. */
  readonly problems: readonly string[];
}

/**
 * Rewrites what a replayed client message must change for a live device, per protocol: DLMS
 * invoke-ids (IEC 62056-5-3 §8.2), invocation counters (§9.2.7.2.4.1, re-ciphered with the keyring's
 * keys) and HLS pass-3 responses (§9.2.2.2) to the device's own challenge; C12.22
 * calling-AP-invocation-ids and IVs with the EAX' MAC recomputed (IEEE 1703 §5.3.4, Annex I); IEEE
 * 2030.5 hrefs mapped from the captured server's to the device's (§5.2.3, Location of a 201). It
 * learns from each answer (`observe`): the device's AARE challenge and system title, its hrefs.
 */
export class ReplayAdapter {
  readonly #invokeIdShift: number;
  readonly #dlms: DlmsReplayAdaptation;
  readonly #c1222: C1222ReplayAdaptation | undefined;
  readonly #http: HttpReplayAdaptation | undefined;

  constructor(options: ReplayAdapterOptions = {}) {
    this.#invokeIdShift = (options.invokeIdShift ?? 0) & 0x0f;
    const keys = options.keys ?? Keyring.empty();
    this.#dlms = new DlmsReplayAdaptation({
      keys,
      invokeIdShift: this.#invokeIdShift,
      invocationCounter: options.invocationCounter,
      reCipher: options.reCipher ?? true,
      hls: options.hls ?? true,
    });
    this.#c1222 =
      options.c1222 === false
        ? undefined
        : new C1222ReplayAdaptation({ keys, invocationId: options.c1222InvocationId, iv: options.c1222Iv });
    this.#http = options.hrefs === false ? undefined : new HttpReplayAdaptation();
  }

  /** The invoke-id shift in use. */
  get invokeIdShift(): number {
    return this.#invokeIdShift;
  }

  /** Looks at the whole script before the first message is sent (e.g. the highest captured IC). */
  prepare(steps: readonly ReplayStep[]): void {
    this.#dlms.prepare(steps.filter((s) => s.protocol === 'dlms').map((s) => s.request));
  }

  /** The message to send for a captured one (a copy; the capture is not changed). */
  adapt(protocol: string | undefined, captured: Uint8Array): Uint8Array {
    if (protocol === 'dlms') return this.#dlms.adapt(captured);
    if (protocol === 'c1222' && this.#c1222 !== undefined) return this.#c1222.adapt(captured);
    if (protocol === 'ieee2030-5' && this.#http !== undefined) return this.#http.adapt(captured);
    return captured.slice();
  }

  /** Learns from the device's answers to one step (and the captured answers they stand for). */
  observe(
    protocol: string | undefined,
    captured: readonly Uint8Array[],
    received: readonly Uint8Array[],
  ): void {
    if (protocol === 'dlms') this.#dlms.observe(received);
    else if (protocol === 'ieee2030-5') this.#http?.observe(captured, received);
  }

  /** A captured answer as the device is expected to give it (2030.5: hrefs mapped to the device's). */
  expected(protocol: string | undefined, captured: Uint8Array): Uint8Array {
    return protocol === 'ieee2030-5' && this.#http !== undefined ? this.#http.expected(captured) : captured;
  }

  /** What was adapted so far. */
  summary(): AdaptationSummary {
    return {
      dlms: { ...this.#dlms.counts },
      c1222: { ...(this.#c1222?.counts ?? {}) },
      http: { ...(this.#http?.counts ?? {}) },
      problems: [...this.#dlms.problems, ...(this.#c1222?.problems ?? []), ...(this.#http?.problems ?? [])],
    };
  }
}
