import type { SessionDirection } from './record.js';

/** Well-known server ports of the meter protocols (DLMS wrapper, C12.22, 2030.5 over HTTPS/HTTP). */
export const SERVER_PORTS: ReadonlySet<number> = new Set([4059, 1153, 443, 8443, 80, 8080]);

/** An IP endpoint as it appears in a channel id. */
export interface ChannelEndpoint {
  readonly address: string;
  readonly port: number;
}

/** `10.0.0.1:4059`, or `[fe80::1]:4059` for IPv6 (RFC 5952 §6). */
export function formatEndpoint(e: ChannelEndpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/**
 * The channel id of a flow: `<transport> <client> > <server>`. When the roles are not known the
 * endpoints are put in a canonical order (lower address/port first), so both directions map to the
 * same id either way.
 */
export function channelId(
  transport: 'tcp' | 'udp',
  client: ChannelEndpoint,
  server: ChannelEndpoint,
  rolesKnown: boolean,
): string {
  let a = client;
  let b = server;
  if (!rolesKnown && compareEndpoints(a, b) > 0) [a, b] = [b, a];
  return `${transport} ${formatEndpoint(a)} > ${formatEndpoint(b)}`;
}

function compareEndpoints(a: ChannelEndpoint, b: ChannelEndpoint): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return a.port - b.port;
}

/**
 * Guesses which endpoint is the server when no SYN was seen: a configured or well-known server
 * port, else a port below 1024 (IANA system ports, RFC 6335 §6), else the lower port. Returns
 * `'a'`, `'b'` or undefined when nothing tells them apart.
 */
export function guessServer(
  a: ChannelEndpoint,
  b: ChannelEndpoint,
  serverPorts: ReadonlySet<number> = SERVER_PORTS,
): 'a' | 'b' | undefined {
  const aKnown = serverPorts.has(a.port);
  const bKnown = serverPorts.has(b.port);
  if (aKnown !== bKnown) return aKnown ? 'a' : 'b';
  const aSystem = a.port < 1024;
  const bSystem = b.port < 1024;
  if (aSystem !== bSystem) return aSystem ? 'a' : 'b';
  if (a.port === b.port) return undefined;
  return a.port < b.port ? 'a' : 'b';
}

/** The opposite direction. */
export function reverseDirection(d: SessionDirection): SessionDirection {
  if (d === 'client-to-server') return 'server-to-client';
  if (d === 'server-to-client') return 'client-to-server';
  return 'unknown';
}
