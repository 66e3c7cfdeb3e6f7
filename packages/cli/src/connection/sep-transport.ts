import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import {
  type SepClientResponse,
  type SepClientTransport,
  type SepPeerPolicy,
  type SepTlsCredentials,
  sepTlsClientOptions,
} from '@meterkit/ieee2030-5';
import type { HttpMessageHead, HttpTrace } from './http-printer.js';
import { connectTlsObserved, observePlainSocket, type WireTap } from './wire-tap.js';

/** The 2030.5 media type (IEEE 2030.5-2018 §5.5.2). */
const SEP_XML = 'application/sep+xml';

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

/**
 * The 2030.5 client transport of the CLI (IEEE 2030.5-2018 §5.5 HTTP over §6.11 mutual TLS 1.2
 * CCM-8, or plain HTTP for test servers): like `createSepHttpTransport` of `@meterkit/ieee2030-5`
 * (one kept-alive connection, `application/sep+xml`, error statuses returned, network failures as
 * TransportIo / TransportTimeout), and in addition observable: `wire` sees every connection's
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
  const timeout = options.timeoutMs ?? 10000;
  const max = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const trace = options.trace;
  return {
    request(method, path, body) {
      const url = new URL(path, base);
      if (url.origin !== base.origin) {
        return Promise.reject(
          new MeterkitError(ErrorCode.InvalidArgument, `${url.origin} is not this server`),
        );
      }
      const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
      const headers: Record<string, string> = { accept: SEP_XML };
      if (payload !== undefined) {
        headers['content-type'] = SEP_XML;
        headers['content-length'] = String(payload.length);
      }
      return new Promise<SepClientResponse>((resolve, reject) => {
        const req = (secure ? https : http).request(url, { method, headers, agent, timeout });
        trace?.request(requestHead(req), payload);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= max) chunks.push(c);
            else {
              reject(
                new MeterkitError(
                  ErrorCode.TransportIo,
                  `${method} ${url.pathname}: response body too large`,
                ),
              );
              res.destroy();
            }
          });
          res.on('end', () => {
            const b = Buffer.concat(chunks);
            const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
            trace?.response(responseHead(res), bytes);
            const h: Record<string, string | undefined> = {};
            for (const [k, v] of Object.entries(res.headers)) h[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve({ status: res.statusCode ?? 0, headers: h, body: bytes });
          });
          res.on('error', (e) => reject(new MeterkitError(ErrorCode.TransportIo, e.message, { cause: e })));
        });
        req.on('timeout', () =>
          req.destroy(new MeterkitError(ErrorCode.TransportTimeout, `${method} ${url.pathname} timed out`)),
        );
        req.on('error', (e) =>
          reject(
            e instanceof MeterkitError
              ? e
              : new MeterkitError(ErrorCode.TransportIo, `${method} ${url.pathname}: ${e.message}`, {
                  cause: e,
                }),
          ),
        );
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
