import { closeSync, openSync, writeSync } from 'node:fs';
import {
  type CaptureDirection,
  type CaptureEndpoint,
  ErrorCode,
  LinkType,
  MeterkitError,
  nanosFromMillis,
  PcapngWriter,
  TcpStreamRecorder,
} from '@meterkit/core';
import type { WireTap } from './wire-tap.js';

/** A recorded connection: its tap, and `close` to write the closing FIN exchange (idempotent). */
export interface RecordedConnection extends WireTap {
  close(): void;
}

interface Pending {
  readonly direction: CaptureDirection;
  readonly bytes: Uint8Array;
  readonly time: bigint;
}

/**
 * Records one connection into `recorder`. For TLS (`tls` true) the records are held back until
 * the handshake ends, then the session's key log goes out first as a Decryption Secrets Block
 * (draft-ietf-opsawg-pcapng §4.7, NSS key log lines) followed by the held records, so a reader
 * that works front to back (tshark) has the keys before the first encrypted record. Key log lines
 * that come later get their own block at once. The secrets go nowhere else. A connection that
 * carried no bytes (refused) writes nothing.
 */
export function recordConnection(
  writer: PcapngWriter,
  recorder: TcpStreamRecorder,
  tls: boolean,
): RecordedConnection {
  const now = (): bigint => nanosFromMillis(Date.now());
  let held: Pending[] | undefined = tls ? [] : undefined;
  let keyLog: Uint8Array[] = [];
  let done = false;
  /** Whether any bytes crossed: a connection that never carried any (refused) leaves no trace. */
  let used = false;
  const flush = (): void => {
    if (held === undefined) return;
    const lines = keyLog;
    const queue = held;
    held = undefined;
    keyLog = [];
    if (lines.length > 0) writer.writeDecryptionSecrets(Buffer.concat(lines));
    for (const p of queue) recorder.record(p.direction, p.bytes, p.time);
  };
  const record = (direction: CaptureDirection, bytes: Uint8Array): void => {
    if (done || bytes.length === 0) return;
    used = true;
    if (held !== undefined) held.push({ direction, bytes: Uint8Array.from(bytes), time: now() });
    else recorder.record(direction, bytes, now());
  };
  const close = (): void => {
    if (done) return;
    flush();
    done = true;
    if (used) recorder.close(now());
  };
  return {
    sent: (bytes) => record('client-to-server', bytes),
    received: (bytes) => record('server-to-client', bytes),
    keylog: (line) => {
      if (done) return;
      const withNewline = line[line.length - 1] === 0x0a ? line : Buffer.concat([line, Buffer.from('\n')]);
      if (held !== undefined) keyLog.push(Uint8Array.from(withNewline));
      else writer.writeDecryptionSecrets(withNewline);
    },
    handshakeDone: flush,
    closed: close,
    close,
  };
}

/** Options of one connection of a `WireCapture`. */
export interface WireConnectionOptions {
  /** The server end written into the packets (an IPv4 address, the real or the protocol's port). */
  readonly server: CaptureEndpoint;
  /** TLS: hold records until the handshake ends and write the key log first (`recordConnection`). */
  readonly tls: boolean;
}

/** An open `--capture` file: its descriptor (closed by the owner) and the pcapng writer on it. */
export interface CaptureFile {
  readonly fd: number;
  readonly writer: PcapngWriter;
}

/**
 * Creates (or truncates) a `--capture` pcapng file, owner-readable only (it may hold TLS session
 * keys), and a `PcapngWriter` that writes its blocks synchronously, starting with a Section Header
 * Block carrying `comment` (pcapng §4.1). An uncreatable file raises `MeterkitError` InputUnreadable.
 */
export function openCaptureFile(path: string, comment: string): CaptureFile {
  let fd: number;
  try {
    fd = openSync(path, 'w', 0o600);
  } catch (e) {
    throw new MeterkitError(
      ErrorCode.InputUnreadable,
      `--capture ${path}: cannot create it: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const writer = new PcapngWriter(
    (bytes) => {
      writeSync(fd, bytes);
    },
    { comment },
  );
  return { fd, writer };
}

/**
 * A `--capture` file of connections as they crossed the wire: every connection a synthetic
 * IPv4/TCP stream (client ports 50000, 50001, …) on one LINKTYPE_RAW interface, TLS connections as
 * their TLS records plus a Decryption Secrets Block with the session keys, so Wireshark and tshark
 * decrypt them without a key log file. Blocks are written synchronously. Comments never hold
 * secrets.
 */
export class WireCapture {
  private readonly fd: number;
  private readonly writer: PcapngWriter;
  private readonly interfaceDescription: string;
  private interfaceId: number | undefined;
  private readonly open = new Set<RecordedConnection>();
  private clientPort = 50000;
  private done = false;

  constructor(path: string, comment: string) {
    const file = openCaptureFile(path, comment);
    this.fd = file.fd;
    this.writer = file.writer;
    this.interfaceDescription = comment;
  }

  /** Packets written so far. */
  get packets(): number {
    return this.writer.packetCount;
  }

  /** Starts recording a new connection. */
  connection(options: WireConnectionOptions): RecordedConnection {
    if (this.done) throw new MeterkitError(ErrorCode.InvalidState, 'the capture is closed');
    this.interfaceId ??= this.writer.addInterface({
      linkType: LinkType.RAW,
      name: 'tcp',
      description: this.interfaceDescription,
    });
    const recorder = new TcpStreamRecorder(this.writer, {
      client: {
        address: options.server.address === '127.0.0.1' ? '127.0.0.1' : '10.0.0.1',
        port: this.clientPort++,
      },
      server: options.server,
      interfaceId: this.interfaceId,
    });
    const inner = recordConnection(this.writer, recorder, options.tls);
    const close = (): void => {
      this.open.delete(conn);
      inner.close();
    };
    const conn: RecordedConnection = { ...inner, closed: close, close };
    this.open.add(conn);
    return conn;
  }

  /** Closes every connection still open and the file. Idempotent. */
  close(): void {
    if (this.done) return;
    try {
      for (const c of [...this.open]) c.close();
    } finally {
      this.done = true;
      closeSync(this.fd);
    }
  }
}
