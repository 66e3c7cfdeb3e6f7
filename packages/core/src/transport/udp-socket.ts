/**
 * Small promise helpers around `node:dgram` sockets (RFC 768) shared by `UdpTransport` and
 * `UdpEndpoint`: bind, connect and send with typed errors, and a datagram-size check.
 */
import type { Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { cancelledError, closedError, invalidArgument, openFailedError } from './transport-errors.js';

/** Largest UDP payload over IPv4 (65 535 − 8 UDP header − 20 IP header). */
export const MAX_UDP_PAYLOAD = 65_507;

/** `udp6` for an IPv6 literal, else `udp4`. */
export function udpTypeFor(host: string | undefined): 'udp4' | 'udp6' {
  return host !== undefined && isIPv6(host) ? 'udp6' : 'udp4';
}

/** Throws `InvalidArgument` when `bytes` cannot be one UDP datagram. */
export function checkDatagram(name: string, bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument(`${name}: send expects a Uint8Array`);
  if (bytes.byteLength > MAX_UDP_PAYLOAD) {
    throw invalidArgument(`${name}: ${bytes.byteLength} bytes exceed the UDP maximum of ${MAX_UDP_PAYLOAD}`);
  }
}

/**
 * Runs one step of opening a dgram socket (`bind`, `connect`), rejecting with
 * `TransportOpenFailed` on an error event or callback error and with `Cancelled` on abort.
 */
export function udpStep(
  name: string,
  socket: Socket,
  what: string,
  signal: AbortSignal | undefined,
  start: (done: (e?: Error | null) => void) => void,
): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(cancelledError(name, 'open', signal));
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown): void => {
      if (settled) return;
      settled = true;
      socket.off('error', onError);
      socket.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onError = (e: Error): void => finish(openFailedError(name, e, `${what} failed`));
    const onAbort = (): void => finish(cancelledError(name, 'open', signal as AbortSignal));
    const onClose = (): void => finish(closedError(name, `closed during ${what}`));
    socket.once('error', onError);
    socket.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      start((e) =>
        finish(e === undefined || e === null ? undefined : openFailedError(name, e, `${what} failed`)),
      );
    } catch (e) {
      finish(openFailedError(name, e, `${what} failed`));
    }
  });
}

/** Sends one datagram; resolves when the OS took it. */
export function sendDatagram(
  socket: Socket,
  bytes: Uint8Array,
  port?: number,
  address?: string,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (e: Error | null): void => {
      if (e === null) resolve();
      else reject(e);
    };
    if (port === undefined) socket.send(bytes, done);
    else socket.send(bytes, port, address, done);
  });
}

/** Closes a dgram socket, tolerating one that is closed already. */
export function closeDgram(socket: Socket | undefined): Promise<void> {
  if (socket === undefined) return Promise.resolve();
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
