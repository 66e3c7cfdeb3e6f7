import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { TransportTap } from './traced-transport.js';

/**
 * What a recorder of one TCP connection gets: the raw bytes both ways (for TLS: the TLS records
 * as they crossed the socket, RFC 8446 §5 / RFC 5246 §6.2), the TLS session secrets as NSS key
 * log lines, and the end of the handshake and of the connection.
 */
export interface WireTap extends TransportTap {
  /** One NSS key log line of the TLS session (the socket's `keylog` event). Secret: capture only. */
  readonly keylog: (line: Uint8Array) => void;
  /** The TLS handshake finished (or the connection carries no TLS). */
  readonly handshakeDone: () => void;
  /** The connection ended. */
  readonly closed: () => void;
}

/**
 * Holds what the client writes before the TCP connection is up (node buffers it until then) and
 * hands it to `tap.sent` once connected, so a refused connection records no bytes it never sent.
 */
function sendGate(tap: WireTap): { sent: (bytes: Uint8Array) => void; connected: () => void } {
  let pending: Uint8Array[] | undefined = [];
  return {
    sent: (bytes) => {
      if (pending === undefined) tap.sent(bytes);
      else pending.push(Uint8Array.from(bytes));
    },
    connected: () => {
      const queue = pending ?? [];
      pending = undefined;
      for (const b of queue) tap.sent(b);
    },
  };
}

function bytesOf(chunk: unknown, encoding: BufferEncoding | undefined): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding ?? 'utf8');
  return chunk as Uint8Array;
}

/**
 * A TLS client connection whose raw bytes pass through `tap`: the TCP socket is made here and
 * handed to `tls.connect` behind a stream that sees every TLS record both ways (node:tls reads a
 * bare `net.Socket` inside the runtime, where nothing can observe it), and the socket's `keylog`
 * lines go to `tap.keylog`. Otherwise it is the socket `tls.connect(options)` would give.
 */
export function connectTlsObserved(
  options: tls.ConnectionOptions & { readonly host: string; readonly port: number },
  tap: WireTap,
): tls.TLSSocket {
  const raw = net.connect({ host: options.host, port: options.port });
  const gate = sendGate(tap);
  raw.once('connect', gate.connected);
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    tap.closed();
  };
  const wire = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      gate.sent(chunk);
      raw.write(chunk, (err) => callback(err ?? null));
    },
    read() {
      raw.resume();
    },
    final(callback) {
      raw.end();
      callback();
    },
    destroy(err, callback) {
      raw.destroy();
      end();
      callback(err);
    },
  });
  raw.on('data', (chunk: Buffer) => {
    tap.received(chunk);
    if (!wire.push(chunk)) raw.pause();
  });
  raw.on('end', () => wire.push(null));
  raw.on('error', (err) => wire.destroy(err));
  raw.on('close', end);
  const socket = tls.connect({ ...options, socket: wire });
  socket.on('keylog', (line: Buffer) => tap.keylog(line));
  socket.once('secureConnect', () => tap.handshakeDone());
  return socket;
}

/**
 * Observes a plain TCP client socket: what it receives (an extra `data` listener, added before the
 * user's) and what it sends (its `_write`/`_writev`, the Writable implementation hooks). For
 * unencrypted HTTP, whose bytes are the application data already.
 */
export function observePlainSocket(socket: net.Socket, tap: WireTap): net.Socket {
  const gate = sendGate(tap);
  if (socket.connecting) socket.once('connect', gate.connected);
  else gate.connected();
  socket.on('data', (chunk: Buffer) => tap.received(chunk));
  const write = socket._write.bind(socket);
  socket._write = (chunk: unknown, encoding: BufferEncoding, callback: (error?: Error | null) => void) => {
    gate.sent(bytesOf(chunk, encoding));
    write(chunk, encoding, callback);
  };
  const writev = socket._writev?.bind(socket);
  if (writev !== undefined) {
    socket._writev = (
      chunks: { chunk: unknown; encoding: BufferEncoding }[],
      callback: (error?: Error | null) => void,
    ) => {
      for (const c of chunks) gate.sent(bytesOf(c.chunk, c.encoding));
      writev(chunks, callback);
    };
  }
  socket.once('connect', () => tap.handshakeDone());
  socket.once('close', () => tap.closed());
  return socket;
}
