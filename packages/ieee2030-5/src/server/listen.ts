/**
 * Puts a `SepTestServer` on the network: HTTPS with mutual TLS 1.2 and
 * TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (IEEE 2030.5-2018 §6.11, `sepTlsServerOptions`), the client
 * identified by the LFDI of its certificate, or plain HTTP for tests. Notifications the server
 * queues are POSTed to the subscribers' notificationURIs (over TLS with the server's own
 * certificate when the URI is https).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { isMeterkitError } from '@meterkit/core';
import { SEP_XML } from '../http/media.js';
import { HttpStatus } from '../http/status.js';
import {
  authorizeTlsPeer,
  type SepPeerPolicy,
  type SepTlsCredentials,
  sepTlsClientOptions,
  sepTlsServerOptions,
} from '../tls.js';
import type { SepHttpResponse, SepTestServer } from './server.js';
import type { OutgoingNotification } from './subscriptions.js';

/** Options of `startSepServer`. */
export interface StartSepServerOptions {
  /** Port (default 0: any free port). */
  readonly port?: number;
  /** Address to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Serve HTTPS with these credentials (mutual TLS, CCM-8); plain HTTP when absent. */
  readonly tls?: SepTlsCredentials;
  /** Peer checks after the handshake (profile, allowed LFDIs). */
  readonly peerPolicy?: SepPeerPolicy;
  /**
   * Plain HTTP only: the request header naming the client's LFDI (e.g. `x-sep-lfdi`), for tests
   * that need identities without TLS. Never used over TLS.
   */
  readonly plainLfdiHeader?: string;
  /** Largest request body read, bytes (default 65536; larger bodies get 413). */
  readonly maxBodyBytes?: number;
  /** Deliver queued Notifications after each request (default true). */
  readonly deliverNotifications?: boolean;
}

/**
 * A TLS client the listener turned away (IEEE 2030.5-2018 §6.11): at the handshake (chain not
 * leading to the SERCA, self-signed, expired or not yet valid certificate, no certificate, no
 * shared cipher suite) or right after it by the peer policy (device profile, LFDI not allowed).
 */
export interface TlsRefusal {
  /** `handshake`: the TLS connection failed; `authorization`: `authorizeTlsPeer` refused the peer (403). */
  readonly stage: 'handshake' | 'authorization';
  /**
   * Why: the OpenSSL verification result for a refused certificate (e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`,
   * `CERT_HAS_EXPIRED`, `CERT_NOT_YET_VALID`), otherwise the error code or message.
   */
  readonly reason: string;
  /** The `MeterkitError` code of an authorization refusal (306, 360). */
  readonly code?: number;
  readonly remoteAddress?: string;
}

/** A running server. */
export interface RunningSepServer {
  /** Base URL (`https://127.0.0.1:port`). */
  readonly url: string;
  readonly port: number;
  /** TLS clients refused so far, oldest first (the last 1000). */
  readonly refusals: readonly TlsRefusal[];
  /** POSTs every queued Notification now; resolves when all attempts ended. */
  readonly flushNotifications: () => Promise<void>;
  /** Stops listening and closes open connections. */
  readonly close: () => Promise<void>;
}

/** How Notifications are POSTed: to `uri`, returns the HTTP status (0 when unreachable). */
export type NotificationSender = (uri: string, body: string) => Promise<number>;

/**
 * A `NotificationSender` over node:http / node:https: an https URI is reached with mutual TLS
 * (`sepTlsClientOptions(credentials)`), since the subscriber's listener authenticates the server.
 */
export function httpNotificationSender(
  credentials?: SepTlsCredentials,
  policy?: SepPeerPolicy,
): NotificationSender {
  const agent =
    credentials === undefined
      ? undefined
      : new https.Agent({ ...sepTlsClientOptions(credentials, policy), keepAlive: false });
  return (uri, body) =>
    new Promise((resolve) => {
      let url: URL;
      try {
        url = new URL(uri);
      } catch {
        resolve(0);
        return;
      }
      const payload = Buffer.from(body, 'utf8');
      const options = {
        method: 'POST',
        headers: { 'content-type': SEP_XML, 'content-length': String(payload.length) },
        timeout: 5000,
      };
      const req =
        url.protocol === 'https:'
          ? agent === undefined
            ? undefined
            : https.request(url, { ...options, agent })
          : http.request(url, options);
      if (req === undefined) {
        resolve(0);
        return;
      }
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
      req.end(payload);
    });
}

/** POSTs each queued Notification of `server` with `sender` and records the outcome. */
export async function deliverNotifications(server: SepTestServer, sender: NotificationSender): Promise<void> {
  const batch: OutgoingNotification[] = server.takeNotifications();
  await Promise.all(
    batch.map(async (n) => {
      const status = await sender(n.subscription.notificationURI, n.body);
      server.recordNotification(n, status);
    }),
  );
}

function readBody(req: http.IncomingMessage, max: number): Promise<Uint8Array | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) resolve('too-large');
      else {
        const b = Buffer.concat(chunks);
        resolve(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      }
    });
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, r: SepHttpResponse): void {
  res.writeHead(r.status, r.headers);
  res.end(
    r.body === undefined ? undefined : Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength),
  );
}

/**
 * Starts `server` on HTTPS (mutual TLS 1.2, CCM-8, client LFDI from its certificate) when `tls` is
 * given, otherwise on plain HTTP. Requests go to `server.handle`; afterwards queued Notifications
 * are POSTed with `httpNotificationSender(tls)`.
 */
export async function startSepServer(
  server: SepTestServer,
  options: StartSepServerOptions = {},
): Promise<RunningSepServer> {
  const tlsCreds = options.tls;
  const sender = httpNotificationSender(tlsCreds);
  const max = options.maxBodyBytes ?? 65536;
  let pending: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    pending = pending.then(() => deliverNotifications(server, sender));
    return pending;
  };
  // The peer is checked once per TLS connection, not once per request.
  const peers = new WeakMap<object, string>();
  const refusals: TlsRefusal[] = [];
  const refuse = (r: TlsRefusal): void => {
    refusals.push(r);
    if (refusals.length > 1000) refusals.splice(0, refusals.length - 1000);
  };
  const listener = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    let lfdi: string | undefined;
    if (tlsCreds !== undefined) {
      try {
        lfdi = peers.get(req.socket);
        if (lfdi === undefined) {
          lfdi = authorizeTlsPeer(req.socket as TLSSocket, options.peerPolicy).lfdi;
          peers.set(req.socket, lfdi);
        }
      } catch (e) {
        refuse({
          stage: 'authorization',
          reason: (e as Error).message,
          ...(isMeterkitError(e) ? { code: e.code } : {}),
          ...(req.socket.remoteAddress === undefined ? {} : { remoteAddress: req.socket.remoteAddress }),
        });
        res.writeHead(HttpStatus.Forbidden);
        res.end();
        return;
      }
    } else if (options.plainLfdiHeader !== undefined) {
      const h = req.headers[options.plainLfdiHeader.toLowerCase()];
      if (typeof h === 'string') lfdi = h;
    }
    const body = await readBody(req, max).catch(() => new Uint8Array(0));
    if (body === 'too-large') {
      send(res, { status: HttpStatus.ContentTooLarge, headers: {} });
      return;
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const answer = server.handle({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers,
      ...(body.length === 0 ? {} : { body }),
      ...(lfdi === undefined ? {} : { lfdi }),
    });
    send(res, answer);
    if (options.deliverNotifications !== false) void flush();
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    listener(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(HttpStatus.InternalServerError);
      res.end();
    });
  };
  const srv =
    tlsCreds === undefined
      ? http.createServer(handler)
      : https.createServer(sepTlsServerOptions(tlsCreds), handler);
  srv.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    // A refused handshake (foreign CA, no certificate, no shared cipher): nothing to answer. Node
    // drops a client whose certificate fails verification; the verification result says why.
    const verify = socket.authorizationError;
    refuse({
      stage: 'handshake',
      reason: verify === undefined || verify === null ? (err.code ?? err.message) : String(verify),
      ...(socket.remoteAddress === undefined ? {} : { remoteAddress: socket.remoteAddress }),
    });
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (srv.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `${tlsCreds === undefined ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    refusals,
    flushNotifications: flush,
    close: async () => {
      await pending;
      await new Promise<void>((resolve) => {
        srv.close(() => resolve());
        srv.closeAllConnections();
      });
    },
  };
}
