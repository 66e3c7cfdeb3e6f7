/**
 * HTTP transport of the IEEE 2030.5 client (IEEE 2030.5-2018 §5.5 HTTP binding over §6.11 TLS):
 * one persistent connection to the server over mutual TLS 1.2 with
 * TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (`sepTlsClientOptions`: the server is identified by the LFDI
 * of its certificate; chain verification is never switched off), or plain HTTP for tests.
 * `application/sep+xml` bodies in and out. The client logic sits on the small
 * `SepClientTransport` interface, so tests and replays can put anything underneath.
 */
import http from 'node:http';
import https from 'node:https';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { SEP_XML } from '../http/media.js';
import {
  certificateRefusal,
  type SepPeerPolicy,
  type SepTlsCredentials,
  sepTlsClientOptions,
} from '../tls.js';

/** A response as the client sees it. */
export interface SepClientResponse {
  readonly status: number;
  /** Header values by lower-case name. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

/** What the client needs from HTTP: one request at a time, paths relative to the server. */
export interface SepClientTransport {
  /** Sends `method path` (path with query, or an absolute URL on the same server) with an optional XML body. */
  request(method: string, path: string, body?: string): Promise<SepClientResponse>;
  /** Releases connections. */
  close(): void;
}

/** Options of `createSepHttpTransport`. */
export interface SepHttpTransportOptions {
  /** Server base URL, e.g. `https://server.example:443` (paths are resolved against it). */
  readonly baseUrl: string;
  /** Own credentials and trusted SERCA; required for `https:`. */
  readonly tls?: SepTlsCredentials;
  /** Server identity checks (allowed server LFDIs, profile). */
  readonly serverPolicy?: SepPeerPolicy;
  /** Per-request timeout in ms (default 10000). */
  readonly timeoutMs?: number;
  /** Largest response body accepted, bytes (default 4 MiB). */
  readonly maxBodyBytes?: number;
}

/**
 * An HTTP(S) transport to one 2030.5 server, keeping the connection alive between requests.
 * Sends `Accept: application/sep+xml` and, with a body, `Content-Type: application/sep+xml`.
 * Network failures reject with `MeterkitError` TransportIo / TransportTimeout, a refused server
 * certificate (or our certificate refused by the server's alert) with CertificateInvalid (306,
 * `certificateRefusal`); HTTP error statuses are returned, not thrown.
 */
export function createSepHttpTransport(options: SepHttpTransportOptions): SepClientTransport {
  const base = new URL(options.baseUrl);
  const secure = base.protocol === 'https:';
  if (secure && options.tls === undefined) {
    throw new MeterkitError(ErrorCode.InvalidArgument, 'an https server needs client TLS credentials');
  }
  const agent =
    secure && options.tls !== undefined
      ? new https.Agent({
          ...sepTlsClientOptions(options.tls, options.serverPolicy),
          keepAlive: true,
          maxSockets: 1,
        })
      : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const timeout = options.timeoutMs ?? 10000;
  const max = options.maxBodyBytes ?? 4 * 1024 * 1024;
  return {
    request(method, path, body) {
      return sepHttpExchange({ base, agent, timeoutMs: timeout, maxBodyBytes: max }, method, path, body);
    },
    close() {
      agent.destroy();
    },
  };
}

/** Sees each HTTP message of `sepHttpExchange` as it passes (e.g. a `-v` printer). */
export interface SepHttpObserver {
  /** The request as sent, with its body bytes (if any). */
  request(req: http.ClientRequest, body: Uint8Array | undefined): void;
  /** The response as received, with its whole body. */
  response(res: http.IncomingMessage, body: Uint8Array): void;
}

/** Where and how `sepHttpExchange` sends a request. */
export interface SepHttpExchangeTarget {
  /** Server base URL (paths are resolved against it; other origins are refused). */
  readonly base: URL;
  /** The agent holding the connection: `https.Agent` for an `https:` base, else `http.Agent`. */
  readonly agent: http.Agent;
  /** Per-request timeout in ms. */
  readonly timeoutMs: number;
  /** Largest response body accepted, bytes. */
  readonly maxBodyBytes: number;
  /** Optional hook that sees the request and response. */
  readonly observer?: SepHttpObserver | undefined;
}

/**
 * One request/response exchange of the 2030.5 HTTP binding (IEEE 2030.5-2018 §5.5): sends
 * `method path` with `Accept: application/sep+xml` (and, with a body, `Content-Type:
 * application/sep+xml`) over `target.agent` and collects the response. Network failures reject
 * with `MeterkitError` TransportIo / TransportTimeout, refused certificates with CertificateInvalid
 * (`certificateRefusal`), a body over `maxBodyBytes` with TransportIo; HTTP error statuses are
 * returned, not thrown. The request logic shared by `createSepHttpTransport` and observed transports.
 */
export function sepHttpExchange(
  target: SepHttpExchangeTarget,
  method: string,
  path: string,
  body?: string,
): Promise<SepClientResponse> {
  const { base, agent, observer } = target;
  const timeout = target.timeoutMs;
  const max = target.maxBodyBytes;
  const secure = base.protocol === 'https:';
  const url = new URL(path, base);
  if (url.origin !== base.origin) {
    return Promise.reject(new MeterkitError(ErrorCode.InvalidArgument, `${url.origin} is not this server`));
  }
  const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
  const headers: Record<string, string> = { accept: SEP_XML };
  if (payload !== undefined) {
    headers['content-type'] = SEP_XML;
    headers['content-length'] = String(payload.length);
  }
  return new Promise<SepClientResponse>((resolve, reject) => {
    const req = (secure ? https : http).request(url, { method, headers, agent, timeout });
    observer?.request(req, payload);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= max) chunks.push(c);
        else {
          reject(
            new MeterkitError(ErrorCode.TransportIo, `${method} ${url.pathname}: response body too large`),
          );
          res.destroy();
        }
      });
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
        observer?.response(res, bytes);
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
        certificateRefusal(e, `${method} ${url.pathname}`) ??
          new MeterkitError(ErrorCode.TransportIo, `${method} ${url.pathname}: ${e.message}`, {
            cause: e,
          }),
      ),
    );
    req.end(payload);
  });
}
