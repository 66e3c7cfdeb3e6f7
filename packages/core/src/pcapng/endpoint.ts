import { ErrorCode, MeterkitError } from '../errors.js';

/** Which way bytes went: from the side that opened the conversation (client) or towards it. */
export type CaptureDirection = 'client-to-server' | 'server-to-client';

/** An IPv4 address (dotted quad) and a port, one end of a synthetic TCP or UDP conversation. */
export interface CaptureEndpoint {
  readonly address: string;
  readonly port: number;
}

/** Default client end of recorded sessions: 127.0.0.1:50000. */
export const DEFAULT_CLIENT_ENDPOINT: CaptureEndpoint = { address: '127.0.0.1', port: 50000 };
/** Default server (meter) end of recorded sessions: 127.0.0.1:4059 (the IANA DLMS/COSEM port). */
export const DEFAULT_SERVER_ENDPOINT: CaptureEndpoint = { address: '127.0.0.1', port: 4059 };

/** Parses a dotted-quad IPv4 address (RFC 791 §3.2) into its four bytes; throws `InvalidArgument` otherwise. */
export function parseIpv4Address(text: string): Uint8Array {
  const parts = text.split('.');
  const out = new Uint8Array(4);
  if (parts.length !== 4) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `"${text}" is not a dotted-quad IPv4 address`);
  }
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `"${text}" is not a dotted-quad IPv4 address`);
    }
    out[i] = Number(part);
  }
  return out;
}

/** Checks a port number (0–65535); throws `InvalidArgument` otherwise. */
export function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `port ${port} is not 0..65535`);
  }
  return port;
}
