import { closeSync } from 'node:fs';
import { LinkType, type PcapngWriter, TcpStreamRecorder } from '@meterkit/core';
import { openCaptureFile, type RecordedConnection, recordConnection } from '../connection/wire-capture.js';

/**
 * One recorded connection of the demo: a tap for its bytes (and, for TLS, its key log), closed
 * when the session ends (`close` writes the closing FIN exchange, idempotent).
 */
export interface DemoConnectionTap extends RecordedConnection {
  /** A further connection of the same session: same interface, the next client port. */
  reconnect(): DemoConnectionTap;
}

/**
 * The demo's `--capture` file: one pcapng section, one interface (and one synthetic IPv4/TCP
 * connection, pcapng §4.2 Interface Description Block) per protocol session, so Wireshark shows
 * the three sessions side by side. TLS sessions are recorded as their TLS records with the session
 * keys in a Decryption Secrets Block (§4.7) ahead of them (`recordConnection`). Blocks are written
 * synchronously as they come.
 */
export class DemoCapture {
  private readonly fd: number;
  private readonly writer: PcapngWriter;
  private readonly recorders: TcpStreamRecorder[] = [];
  private clientPort = 50000;
  private closed = false;

  constructor(path: string, comment: string) {
    const file = openCaptureFile(path, comment);
    this.fd = file.fd;
    this.writer = file.writer;
  }

  /** Packets written so far. */
  get packets(): number {
    return this.writer.packetCount;
  }

  /**
   * A new connection from 127.0.0.1 to `serverPort` (the protocol's registered port, so
   * Wireshark's dissectors pick it up) on its own interface named `description`; `tls` records a
   * TLS connection with its key log.
   */
  connection(serverPort: number, description: string, tls = false): DemoConnectionTap {
    const interfaceId = this.writer.addInterface({ linkType: LinkType.RAW, name: 'tcp', description });
    const open = (): DemoConnectionTap => {
      const recorder = new TcpStreamRecorder(this.writer, {
        client: { address: '127.0.0.1', port: this.clientPort++ },
        server: { address: '127.0.0.1', port: serverPort },
        interfaceId,
      });
      this.recorders.push(recorder);
      const inner = recordConnection(this.writer, recorder, tls);
      const guard =
        <A extends unknown[]>(f: (...a: A) => void) =>
        (...a: A): void => {
          if (!this.closed) f(...a);
        };
      return {
        sent: guard(inner.sent),
        received: guard(inner.received),
        keylog: guard(inner.keylog),
        handshakeDone: guard(inner.handshakeDone),
        closed: guard(inner.closed),
        close: guard(inner.close),
        reconnect: open,
      };
    };
    return open();
  }

  /** Closes the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
