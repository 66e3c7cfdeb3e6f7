import { ErrorCode, MeterkitError, toHex } from '@meterkit/core';

/** Options of the receiver-side invocation-counter check (IEC 62056-5-3 §9.2.3.3.3). */
export interface ReplayPolicyOptions {
  /**
   * How far below the highest counter seen a counter may still be accepted, once, for traffic that
   * can arrive out of order (pushes over UDP). 0 (the default) means strictly increasing.
   */
  readonly window?: number;
}

interface CounterState {
  highest: number;
  /** Counters accepted in (highest − window, highest]; only used when window > 0. */
  seen: Set<number> | undefined;
}

/**
 * Receiver-side replay protection (IEC 62056-5-3 §9.2.3.3.3: "the invocation counter shall be
 * incremented for each APDU … the recipient shall check that it is greater than the last one
 * received"). Counters are kept per key and sender system title. With a window, a counter up to
 * `window` below the highest may be accepted once (push traffic over datagrams).
 *
 * `check` runs before deciphering and `accept` after it succeeds, so a forged APDU cannot move the
 * counter.
 */
export class InvocationCounterGuard {
  readonly window: number;
  private readonly states = new Map<string, CounterState>();

  constructor(options: ReplayPolicyOptions = {}) {
    const w = options.window ?? 0;
    if (!(Number.isInteger(w) && w >= 0 && w <= 0x10000)) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `replay window ${w} must be an integer 0..65536`);
    }
    this.window = w;
  }

  private static key(keyId: string, systemTitle: Uint8Array | undefined): string {
    return systemTitle === undefined ? keyId : `${keyId}/${toHex(systemTitle)}`;
  }

  /** Throws `Replay` (304) if `invocationCounter` may not be accepted for this key and sender. */
  check(keyId: string, systemTitle: Uint8Array | undefined, invocationCounter: number): void {
    const s = this.states.get(InvocationCounterGuard.key(keyId, systemTitle));
    if (s === undefined || invocationCounter > s.highest) return;
    if (
      this.window > 0 &&
      invocationCounter > s.highest - this.window &&
      s.seen !== undefined &&
      !s.seen.has(invocationCounter)
    ) {
      return;
    }
    throw new MeterkitError(
      ErrorCode.Replay,
      `invocation counter ${invocationCounter} is not above the last accepted (${s.highest})`,
    );
  }

  /** Records `invocationCounter` as received (call after the APDU deciphered and verified). */
  accept(keyId: string, systemTitle: Uint8Array | undefined, invocationCounter: number): void {
    this.check(keyId, systemTitle, invocationCounter);
    const k = InvocationCounterGuard.key(keyId, systemTitle);
    let s = this.states.get(k);
    if (s === undefined) {
      s = { highest: invocationCounter, seen: this.window > 0 ? new Set([invocationCounter]) : undefined };
      this.states.set(k, s);
      return;
    }
    if (invocationCounter > s.highest) s.highest = invocationCounter;
    if (s.seen !== undefined) {
      s.seen.add(invocationCounter);
      const floor = s.highest - this.window;
      // prune lazily (amortized O(1) per counter): only once the set holds twice the window
      if (s.seen.size > 2 * this.window) {
        for (const c of s.seen) if (c <= floor) s.seen.delete(c);
      }
    }
  }

  /** The highest counter accepted for this key and sender, or undefined. */
  highest(keyId: string, systemTitle?: Uint8Array): number | undefined {
    return this.states.get(InvocationCounterGuard.key(keyId, systemTitle))?.highest;
  }

  /** Forgets every counter (e.g. after a key change, which restarts the counters). */
  reset(): void {
    this.states.clear();
  }
}
