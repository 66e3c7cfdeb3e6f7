import { closeSync, openSync, writeSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { JsonlSessionWriter } from '@meterkit/conformance';
import {
  DEFAULT_CLIENT_ENDPOINT,
  ErrorCode,
  MeterkitError,
  nanosFromMillis,
  PcapngWriter,
  SerialRecorder,
  TcpStreamRecorder,
  UdpRecorder,
} from '@meterkit/core';
import type { ProtocolName } from '../decode/protocol-decoder.js';
import { describeEndpoint, type Endpoint } from './options.js';
import type { TransportTap } from './traced-transport.js';

/** A `--capture` file being written. */
export interface SessionCapture extends TransportTap {
  /** Finishes the capture (TCP: the closing FIN exchange) and closes the file. Idempotent. */
  close(): void;
  /** Packets written so far. */
  readonly packets: number;
}

/** True when `--capture` names a JSONL session file (`.jsonl`, any case) rather than pcapng. */
export function isJsonlCapturePath(path: string): boolean {
  return /\.jsonl$/i.test(path);
}

function createCaptureFile(path: string): number {
  try {
    return openSync(path, 'w', 0o600);
  } catch (e) {
    throw new MeterkitError(
      ErrorCode.InputUnreadable,
      `--capture ${path}: cannot create it: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

/**
 * Opens a `--capture` file: a JSONL session (meterkit's own format, read back by `meterkit
 * replay` and the conformance harness) when the name ends in `.jsonl`, else pcapng (see
 * `openPcapngCapture`). A JSONL session has the header line (role client), then one line per chunk
 * as it crossed the transport: time, `tx`/`rx`, the endpoint as channel, hex and `protocol`.
 * Lines are written synchronously, so the file is complete up to the last chunk even when the
 * session dies. It holds no secrets and no comments.
 */
export function openCapture(
  path: string,
  endpoint: Endpoint,
  description: string,
  protocol?: ProtocolName,
): SessionCapture {
  if (!isJsonlCapturePath(path)) return openPcapngCapture(path, endpoint, description);
  const fd = createCaptureFile(path);
  const writer = new JsonlSessionWriter((line) => {
    writeSync(fd, line);
  });
  const channel = describeEndpoint(endpoint);
  let packets = 0;
  let closed = false;
  const record = (direction: 'client-to-server' | 'server-to-client', bytes: Uint8Array): void => {
    if (closed) return;
    writer.write({
      channel,
      direction,
      timestamp: nanosFromMillis(Date.now()),
      protocol,
      bytes,
    });
    packets++;
  };
  return {
    sent: (bytes) => record('client-to-server', bytes),
    received: (bytes) => record('server-to-client', bytes),
    close: () => {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
    get packets() {
      return packets;
    },
  };
}

/**
 * Opens a pcapng file recording a session for Wireshark: TCP and TLS sessions as a synthetic
 * IPv4/TCP connection to the meter's port (the TLS records as they are: only the application bytes
 * the transport sees, i.e. the plaintext), UDP as datagrams, serial as LINKTYPE_USER0 packets with
 * a direction byte. Blocks are written synchronously, so the file is complete up to the last frame
 * even when the session dies. Comments name the endpoint and the meterkit version, never secrets.
 */
export function openPcapngCapture(path: string, endpoint: Endpoint, description: string): SessionCapture {
  const fd = createCaptureFile(path);
  const writer = new PcapngWriter(
    (bytes) => {
      writeSync(fd, bytes);
    },
    { comment: description },
  );
  const now = (): bigint => nanosFromMillis(Date.now());
  let record: (direction: 'client-to-server' | 'server-to-client', bytes: Uint8Array) => void;
  let finish: () => void = () => {};
  if (endpoint.kind === 'serial') {
    const rec = new SerialRecorder(writer, { name: endpoint.path, description });
    record = (d, b) => rec.record(d, b, now());
  } else {
    const server = { address: isIPv4(endpoint.host) ? endpoint.host : '10.0.0.2', port: endpoint.port };
    const client = {
      ...DEFAULT_CLIENT_ENDPOINT,
      address: server.address === '127.0.0.1' ? '127.0.0.1' : '10.0.0.1',
    };
    if (endpoint.kind === 'udp') {
      const rec = new UdpRecorder(writer, { client, server, interfaceDescription: description });
      record = (d, b) => rec.record(d, b, now());
    } else {
      const rec = new TcpStreamRecorder(writer, { client, server, interfaceDescription: description });
      record = (d, b) => rec.record(d, b, now());
      finish = () => rec.close(now());
    }
  }
  let closed = false;
  return {
    sent: (bytes) => {
      if (!closed) record('client-to-server', bytes);
    },
    received: (bytes) => {
      if (!closed) record('server-to-client', bytes);
    },
    close: () => {
      if (closed) return;
      closed = true;
      try {
        finish();
      } finally {
        closeSync(fd);
      }
    },
    get packets() {
      return writer.packetCount;
    },
  };
}
