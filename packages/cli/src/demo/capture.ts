import { closeSync, openSync, writeSync } from 'node:fs';
import { ErrorCode, MeterkitError, nanosFromMillis, PcapngWriter, TcpStreamRecorder } from '@meterkit/core';
import type { TransportTap } from '../connection/traced-transport.js';

/** One recorded connection of the demo: a tap for its bytes, closed when the session ends. */
export interface DemoConnectionTap extends TransportTap {
  /** Writes the closing FIN exchange. Idempotent. */
  close(): void;
}

/**
 * The demo's `--capture` file: one pcapng section, one interface (and one synthetic IPv4/TCP
 * connection, pcapng §4.2 Interface Description Block) per protocol session, so Wireshark shows
 * the three sessions side by side. Blocks are written synchronously as they come.
 */
export class DemoCapture {
  private readonly fd: number;
  private readonly writer: PcapngWriter;
  private readonly recorders: TcpStreamRecorder[] = [];
  private clientPort = 50000;
  private closed = false;

  constructor(path: string, comment: string) {
    try {
      this.fd = openSync(path, 'w', 0o600);
    } catch (e) {
      throw new MeterkitError(
        ErrorCode.InputUnreadable,
        `--capture ${path}: cannot create it: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    const fd = this.fd;
    this.writer = new PcapngWriter(
      (bytes) => {
        writeSync(fd, bytes);
      },
      { comment },
    );
  }

  /** Packets written so far. */
  get packets(): number {
    return this.writer.packetCount;
  }

  /**
   * A new connection from 127.0.0.1 to `serverPort` (the protocol's registered port, so
   * Wireshark's dissectors pick it up) on its own interface named `description`.
   */
  connection(serverPort: number, description: string): DemoConnectionTap {
    const recorder = new TcpStreamRecorder(this.writer, {
      client: { address: '127.0.0.1', port: this.clientPort++ },
      server: { address: '127.0.0.1', port: serverPort },
      interfaceDescription: description,
    });
    this.recorders.push(recorder);
    let done = false;
    const now = (): bigint => nanosFromMillis(Date.now());
    return {
      sent: (bytes) => {
        if (!done && !this.closed) recorder.record('client-to-server', bytes, now());
      },
      received: (bytes) => {
        if (!done && !this.closed) recorder.record('server-to-client', bytes, now());
      },
      close: () => {
        if (done || this.closed) return;
        done = true;
        recorder.close(now());
      },
    };
  }

  /** Closes the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
