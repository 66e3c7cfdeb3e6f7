import { isIP } from 'node:net';
import { ErrorCode, MeterkitError } from '@meterkit/core';

/** A network endpoint given on the command line. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `host:port`, `[ipv6]:port`, or a bare `host` / IPv6 literal (then `defaultPort`). The
 * error names the option and shows the expected form.
 */
export function parseHostPort(text: string, option: string, defaultPort?: number): HostPort {
  const bad = (why: string): MeterkitError =>
    new MeterkitError(
      ErrorCode.InvalidArgument,
      `--${option} ${text}: ${why} (expected host:port, e.g. 127.0.0.1:4059 or [::1]:4059)`,
    );
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (v6 !== null) {
    host = v6[1] as string;
    portText = v6[2];
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
  }
  if (host === '') throw bad('the host is missing');
  let port: number;
  if (portText === undefined) {
    if (defaultPort === undefined) throw bad('the port is missing');
    port = defaultPort;
  } else {
    if (!/^\d{1,5}$/.test(portText)) throw bad('the port is not a number');
    port = Number(portText);
    if (port > 65535) throw bad('the port is larger than 65535');
  }
  return { host, port };
}
