/**
 * An in-process `SepClientTransport` (IEEE 2030.5-2018 §5.5 requests without a network): each
 * request goes straight to a sans-IO handler such as `SepTestServer.handle`, as if sent over TLS
 * by a client with the given LFDI. For tests, simulations and replays.
 */
import type { SepClientResponse, SepClientTransport } from './transport.js';

/** The request shape a sans-IO 2030.5 server handler takes. */
export interface LoopbackRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly lfdi?: string;
}

/** The response shape a sans-IO 2030.5 server handler returns. */
export interface LoopbackResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

/**
 * A transport that hands every request to `handle` (e.g. `(r) => server.handle(r)`), identifying
 * the client by `lfdi` the way the TLS listener does. Absolute URLs are reduced to their path.
 */
export function loopbackTransport(
  handle: (request: LoopbackRequest) => LoopbackResponse,
  lfdi?: string,
): SepClientTransport {
  const encoder = new TextEncoder();
  return {
    request(method, path, body) {
      const p = /^https?:\/\//i.test(path) ? ((u) => u.pathname + u.search)(new URL(path)) : path;
      const headers: Record<string, string> = { accept: 'application/sep+xml' };
      if (body !== undefined) headers['content-type'] = 'application/sep+xml';
      const res = handle({
        method,
        path: p,
        headers,
        ...(body === undefined ? {} : { body: encoder.encode(body) }),
        ...(lfdi === undefined ? {} : { lfdi }),
      });
      const out: SepClientResponse = {
        status: res.status,
        headers: res.headers,
        body: res.body ?? new Uint8Array(0),
      };
      return Promise.resolve(out);
    },
    close() {
      // Nothing to release.
    },
  };
}
