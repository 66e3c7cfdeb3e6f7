import { MeterkitError } from '@meterkit/core';
import type { CapturePacket } from './capture-packet.js';

/**
 * Where a streaming capture reader (pcap, draft-ietf-opsawg-pcap; pcapng, draft-ietf-opsawg-pcapng)
 * puts the packets it reads: collected for `push()`/`end()`, or handed one by one to a callback for
 * `pushEach()`. It also keeps the reader's first `MeterkitError`, so that a failed reader stays
 * failed and rethrows it.
 */
export class CapturePacketSink {
  private out: CapturePacket[] = [];
  /** Receives each packet as soon as it is read, instead of collecting them (see `each`). */
  private onPacket: ((packet: CapturePacket) => void) | undefined;
  private failure: MeterkitError | undefined;

  /** Runs `fn`, first rethrowing an earlier failure; a `MeterkitError` it throws is kept as the failure. */
  guard(fn: () => void): void {
    if (this.failure !== undefined) throw this.failure;
    try {
      fn();
    } catch (e) {
      if (e instanceof MeterkitError) this.failure = e;
      throw e;
    }
  }

  /** Runs `fn` under `guard`, handing each packet it emits straight to `onPacket`. */
  each(onPacket: (packet: CapturePacket) => void, fn: () => void): void {
    this.onPacket = onPacket;
    try {
      this.guard(fn);
    } finally {
      this.onPacket = undefined;
    }
  }

  /** Delivers one packet: to the `each` callback while one runs, otherwise to the collected list. */
  emit(packet: CapturePacket): void {
    if (this.onPacket !== undefined) this.onPacket(packet);
    else this.out.push(packet);
  }

  /** Returns the packets collected since the last call and starts a new list. */
  take(): CapturePacket[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}
