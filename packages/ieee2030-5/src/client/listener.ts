/**
 * The client's Notification listener (IEEE 2030.5-2018 §9: the server POSTs Notifications to the
 * subscription's notificationURI). Over TLS it is a mutual CCM-8 TLS 1.2 server with the device's
 * own certificate (`sepTlsServerOptions`), accepting only servers that pass `serverPolicy`; plain
 * HTTP for tests. Each POSTed `application/sep+xml` Notification is decoded and handed to
 * `onNotification`; the listener answers 204 No Content (400 / 415 for bad bodies, 405 otherwise).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { isSepXmlContentType } from '../http/media.js';
import { HttpStatus } from '../http/status.js';
import { authorizeTlsPeer, type SepPeerPolicy, type SepTlsCredentials, sepTlsServerOptions } from '../tls.js';
import { decodeXml } from '../xml/codec.js';

/** Options of `startNotificationListener`. */
export interface NotificationListenerOptions {
  /** Called for each Notification received (its decoded fields), with the sender's LFDI over TLS. */
  readonly onNotification: (notification: Record<string, unknown>, senderLfdi: string | undefined) => void;
  /** Serve HTTPS with the device's credentials; plain HTTP when absent. */
  readonly tls?: SepTlsCredentials;
  /** Which servers may notify (allowed LFDIs, profile check). */
  readonly serverPolicy?: SepPeerPolicy;
  /** Address to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Port (default 0: any free port). */
  readonly port?: number;
  /** Path notifications are POSTed to (default `/notify`). */
  readonly path?: string;
}

/** A running listener. */
export interface RunningNotificationListener {
  /** The notificationURI to subscribe with (absolute). */
  readonly notificationURI: string;
  readonly close: () => Promise<void>;
}

/** Starts a Notification listener (IEEE 2030.5-2018 §9) and returns its notificationURI. */
export async function startNotificationListener(
  options: NotificationListenerOptions,
): Promise<RunningNotificationListener> {
  const path = options.path ?? '/notify';
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1 << 20) chunks.push(c);
    });
    req.on('end', () => {
      let status: number = HttpStatus.NoContent;
      let sender: string | undefined;
      if (options.tls !== undefined) {
        try {
          sender = authorizeTlsPeer(req.socket as TLSSocket, options.serverPolicy).lfdi;
        } catch {
          status = HttpStatus.Forbidden;
        }
      }
      if (status === HttpStatus.NoContent) {
        if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== path)
          status = HttpStatus.MethodNotAllowed;
        else if (!isSepXmlContentType(req.headers['content-type'])) status = HttpStatus.UnsupportedMediaType;
        else if (size > 1 << 20) status = HttpStatus.ContentTooLarge;
        else {
          try {
            const d = decodeXml(Buffer.concat(chunks));
            if (d.type !== 'Notification') status = HttpStatus.BadRequest;
            else options.onNotification(d.resource as unknown as Record<string, unknown>, sender);
          } catch {
            status = HttpStatus.BadRequest;
          }
        }
      }
      res.writeHead(status, status === HttpStatus.MethodNotAllowed ? { allow: 'POST' } : {});
      res.end();
    });
  };
  const srv =
    options.tls === undefined
      ? http.createServer(handler)
      : https.createServer(sepTlsServerOptions(options.tls), handler);
  srv.on('tlsClientError', () => {
    // Refused handshakes (foreign CA, wrong cipher) are simply dropped.
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (srv.address() as AddressInfo).port;
  const scheme = options.tls === undefined ? 'http' : 'https';
  return {
    notificationURI: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        srv.close(() => resolve());
        srv.closeAllConnections();
      }),
  };
}
