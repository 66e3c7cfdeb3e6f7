import type {
  CloseInfo,
  OpenOptions,
  ReadOptions,
  Transport,
  TransportKind,
  TransportState,
  Unsubscribe,
} from '@meterkit/core/transport';

/** Called with each chunk that crosses a traced transport. */
export interface TransportTap {
  /** Bytes we sent (client to meter). */
  readonly sent: (bytes: Uint8Array) => void;
  /** Bytes we received (meter to client). */
  readonly received: (bytes: Uint8Array) => void;
}

/**
 * A transport that hands every chunk, both ways, to taps (the `--capture` recorder, the `-v`
 * printer) on its way through, and is otherwise the transport it wraps.
 */
export class TracedTransport implements Transport {
  readonly inner: Transport;
  private readonly taps: readonly TransportTap[];

  constructor(inner: Transport, taps: readonly TransportTap[]) {
    this.inner = inner;
    this.taps = taps;
  }

  get name(): string {
    return this.inner.name;
  }
  get kind(): TransportKind {
    return this.inner.kind;
  }
  get state(): TransportState {
    return this.inner.state;
  }
  get closed(): boolean {
    return this.inner.closed;
  }
  get closeInfo(): CloseInfo | undefined {
    return this.inner.closeInfo;
  }

  open(options?: OpenOptions): Promise<void> {
    return this.inner.open(options);
  }

  async write(bytes: Uint8Array): Promise<void> {
    for (const tap of this.taps) tap.sent(bytes);
    await this.inner.write(bytes);
  }

  async read(options?: ReadOptions): Promise<Uint8Array> {
    const chunk = await this.inner.read(options);
    for (const tap of this.taps) tap.received(chunk);
    return chunk;
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.inner.onData((chunk) => {
      for (const tap of this.taps) tap.received(chunk);
      listener(chunk);
    });
  }

  onClose(listener: (info: CloseInfo) => void): Unsubscribe {
    return this.inner.onClose(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  describe(): string {
    return this.inner.describe();
  }

  /** Serial line control of the wrapped port (C12.18 baud-rate negotiation), when it has it. */
  setBaudRate(baudRate: number): Promise<void> {
    const inner = this.inner as Transport & { setBaudRate?: (b: number) => Promise<void> };
    if (inner.setBaudRate === undefined) return Promise.resolve();
    return inner.setBaudRate(baudRate);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      try {
        yield await this.read();
      } catch (e) {
        if (this.inner.closed) return;
        throw e;
      }
    }
  }
}
