import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import {
  type SepClientTransport,
  type SepHttpObserver,
  type SepPeerPolicy,
  type SepTlsCredentials,
  sepHttpExchange,
  sepTlsClientOptions,
} from '@meterkit/ieee2030-5';
import type { HttpMessageHead, HttpTrace } from './http-printer.js';
import { connectTlsObserved, observePlainSocket, type WireTap } from './wire-tap.js';

/** Where a new connection goes, for the wire tap. */
export interface WireConnectionInfo {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** Options of `createObservedSepTransport`. */
export interface ObservedSepTransportOptions {
  /** Server base URL, e.g. `https://127.0.0.1:8443`. */
  readonly baseUrl: string;
  /** Own credentials and trusted SERCA; required for `https:`. */
  readonly tls?: SepTlsCredentials | undefined;
  /** Server identity checks (allowed LFDIs, profile). */
  readonly serverPolicy?: SepPeerPolicy | undefined;
  /** Per-request timeout in ms (default 10000). */
  readonly timeoutMs?: number | undefined;
  /** Largest response body accepted (default 4 MiB). */
  readonly maxBodyBytes?: number | undefined;
  /** Called for every new connection: the tap that sees its raw bytes and TLS key log (`--capture`). */
  readonly wire?: ((info: WireConnectionInfo) => WireTap) | undefined;
  /** Called with each request and response as they pass (`-v`). */
  readonly trace?: HttpTrace | undefined;
}

type ConnectArgs = http.ClientRequestArgs & { host?: string | null; port?: number | string | null };

function endpointOf(options: ConnectArgs, fallbackPort: number): { host: string; port: number } {
  return {
    host: options.host ?? options.hostname ?? '127.0.0.1',
    port: options.port === undefined || options.port === null ? fallbackPort : Number(options.port),
  };
}

/** An https agent whose connections go through `connectTlsObserved`. */
class ObservedHttpsAgent extends https.Agent {
  private readonly wire: (info: WireConnectionInfo) => WireTap;

  constructor(options: https.AgentOptions, wire: (info: WireConnectionInfo) => WireTap) {
    super(options);
    this.wire = wire;
  }

  override createConnection(options: https.RequestOptions): Duplex {
    const where = endpointOf(options as ConnectArgs, 443);
    return connectTlsObserved(
      { ...(options as tls.ConnectionOptions), ...where },
      this.wire({ ...where, tls: true }),
    );
  }
}

/** An http agent whose sockets are observed by `observePlainSocket`. */
class ObservedHttpAgent extends http.Agent {
  private readonly wire: (info: WireConnectionInfo) => WireTap;

  constructor(options: http.AgentOptions, wire: (info: WireConnectionInfo) => WireTap) {
    super(options);
    this.wire = wire;
  }

  override createConnection(options: http.ClientRequestArgs): Duplex {
    const where = endpointOf(options as ConnectArgs, 80);
    return observePlainSocket(net.connect(where), this.wire({ ...where, tls: false }));
  }
}

function requestHead(req: http.ClientRequest): HttpMessageHead {
  const fields: [string, string][] = [];
  for (const name of req.getRawHeaderNames()) {
    const v = req.getHeader(name);
    if (v !== undefined) fields.push([name, Array.isArray(v) ? v.join(', ') : String(v)]);
  }
  return { startLine: `${req.method} ${req.path} HTTP/1.1`, fields };
}

function responseHead(res: http.IncomingMessage): HttpMessageHead {
  const fields: [string, string][] = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
    fields.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
  return {
    startLine: `HTTP/${res.httpVersion} ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trimEnd(),
    fields,
  };
}

function traceObserver(trace: HttpTrace | undefined): SepHttpObserver | undefined {
  if (trace === undefined) return undefined;
  return {
    request: (req, body) => trace.request(requestHead(req), body),
    response: (res, body) => trace.response(responseHead(res), body),
  };
}

/**
 * The 2030.5 client transport of the CLI (IEEE 2030.5-2018 §5.5 HTTP over §6.11 mutual TLS 1.2
 * CCM-8, or plain HTTP for test servers): like `createSepHttpTransport` of `@meterkit/ieee2030-5`
 * (one kept-alive connection, requests by `sepHttpExchange`: `application/sep+xml`, error statuses
 * returned, network failures as TransportIo / TransportTimeout, refused certificates as
 * CertificateInvalid), and in addition observable: `wire` sees every connection's
 * raw bytes and TLS key log (`--capture`), `trace` every request and response (`-v`).
 */
export function createObservedSepTransport(options: ObservedSepTransportOptions): SepClientTransport {
  const base = new URL(options.baseUrl);
  const secure = base.protocol === 'https:';
  if (secure && options.tls === undefined) {
    throw new MeterkitError(ErrorCode.InvalidArgument, 'an https server needs client TLS credentials');
  }
  const common = { keepAlive: true, maxSockets: 1 };
  let agent: http.Agent;
  if (secure && options.tls !== undefined) {
    const tlsOptions = { ...sepTlsClientOptions(options.tls, options.serverPolicy), ...common };
    agent =
      options.wire === undefined
        ? new https.Agent(tlsOptions)
        : new ObservedHttpsAgent(tlsOptions, options.wire);
  } else {
    agent = options.wire === undefined ? new http.Agent(common) : new ObservedHttpAgent(common, options.wire);
  }
  const target = {
    base,
    agent,
    timeoutMs: options.timeoutMs ?? 10000,
    maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    observer: traceObserver(options.trace),
  };
  return {
    request(method, path, body) {
      return sepHttpExchange(target, method, path, body);
    },
    close() {
      agent.destroy();
    },
  };
}
