/**
 * URL-like names of transport endpoints (`tcp://127.0.0.1:4059`, `udp://[::1]:4059`), used as
 * transport names and pcapng interface names.
 */
import { isIPv6 } from 'node:net';

/** `host:port`, with an IPv6 literal in brackets (RFC 3986 §3.2.2). */
export function hostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `scheme://host:port`. */
export function endpointName(scheme: string, host: string, port: number): string {
  return `${scheme}://${hostPort(host, port)}`;
}
