import { ErrorCode, isMeterkitError, MeterkitError } from '@meterkit/core';
import {
  SerialTransport,
  TcpTransport,
  TlsTransport,
  type Transport,
  UdpTransport,
} from '@meterkit/core/transport';
import type { createColors } from 'picocolors';
import type { ProtocolName } from '../decode/protocol-decoder.js';
import { openCapture, type SessionCapture } from './capture.js';
import { framePrinter } from './frame-printer.js';
import { type OpticalSession, opticalSignOn } from './optical.js';
import { type ConnectionSettings, describeEndpoint, type Endpoint } from './options.js';
import { TracedTransport, type TransportTap } from './traced-transport.js';

/** An open connection to a meter. */
export interface Connection {
  /** The transport to run a session over (traced: `--capture` and `-v` see every byte). */
  readonly transport: Transport;
  readonly settings: ConnectionSettings;
  /** The IEC 62056-21 sign-on result when `--optical` ran one. */
  readonly optical?: OpticalSession | undefined;
  /** Closes the transport and finishes the capture. Idempotent. */
  close(): Promise<void>;
}

/** What `openConnection` needs besides the settings. */
export interface OpenConnectionOptions {
  /** Decoder used by `-vv`. */
  readonly protocol: ProtocolName;
  /** Standard error. */
  readonly log: (text: string) => void;
  readonly colors: ReturnType<typeof createColors>;
  /** Keys `-vv` may decrypt with. */
  readonly decodeKeys?: ReadonlyMap<string, Uint8Array> | undefined;
  /** Run the IEC 62056-21 mode E sign-on when `--optical` (DLMS); ANSI probes need none. */
  readonly opticalSignOn?: boolean | undefined;
  /** Description written into the capture (never secrets). */
  readonly captureDescription?: string | undefined;
}

/** The advice appended to a transport failure, from the OS error code. */
export function transportHint(endpoint: Endpoint, error: MeterkitError): string {
  const cause = error.cause as { code?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  const where = describeEndpoint(endpoint);
  if (endpoint.kind === 'serial') {
    if (code === 'ENOENT' || /No such file/.test(error.message))
      return `no serial port ${endpoint.path}: check the device name (ls /dev/ttyUSB* /dev/ttyACM*)`;
    if (code === 'EACCES' || /Permission denied/.test(error.message))
      return `no permission for ${endpoint.path}: add yourself to the dialout group, or check the port's owner`;
    if (/Resource temporarily unavailable|lock/i.test(error.message))
      return `${endpoint.path} is in use by another program`;
    return `check the probe and cable on ${endpoint.path}, and --baud/--parity`;
  }
  if (code === 'ECONNREFUSED')
    return `nothing is listening at ${where}: check the address and port, or start a simulator (meterkit simulate ... --tcp ${endpoint.host}:${endpoint.port})`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `cannot resolve ${endpoint.host}: check the host name`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return `no route to ${endpoint.host}: check the network`;
  if (error.code === ErrorCode.TransportTimeout)
    return `no answer from ${where} within the timeout: check the address, or raise --timeout`;
  if (endpoint.kind === 'tcp' && endpoint.tls !== undefined)
    return "the TLS handshake failed: check --ca (the server's issuer), --cert/--key-file and --servername";
  return `check that the meter at ${where} is reachable`;
}

/** Rethrows a transport failure with a hint of what to try (same code, so the exit code holds). */
export function withHint(endpoint: Endpoint, e: unknown): unknown {
  if (!isMeterkitError(e) || Math.floor(e.code / 100) !== 5) return e;
  return new MeterkitError(e.code, `${e.message} (${transportHint(endpoint, e)})`, { cause: e.cause ?? e });
}

function createTransport(endpoint: Endpoint, timeoutMs: number): Transport {
  switch (endpoint.kind) {
    case 'tcp': {
      if (endpoint.tls === undefined)
        return new TcpTransport({ host: endpoint.host, port: endpoint.port, readTimeoutMs: timeoutMs });
      const t = endpoint.tls;
      return new TlsTransport({
        host: endpoint.host,
        port: endpoint.port,
        readTimeoutMs: timeoutMs,
        tls: {
          ...(t.cert === undefined ? {} : { cert: t.cert }),
          ...(t.key === undefined ? {} : { key: t.key }),
          ...(t.ca === undefined ? {} : { ca: t.ca }),
          ...(t.servername === undefined ? {} : { servername: t.servername }),
          ...(t.insecure ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {}),
        },
      });
    }
    case 'udp':
      return new UdpTransport({ host: endpoint.host, port: endpoint.port, readTimeoutMs: timeoutMs });
    case 'serial':
      return new SerialTransport({
        path: endpoint.path,
        baudRate: endpoint.baudRate,
        parity: endpoint.parity,
        dataBits: endpoint.dataBits,
        stopBits: endpoint.stopBits,
        rts: endpoint.rts,
        dtr: endpoint.dtr,
        readTimeoutMs: timeoutMs,
      });
  }
}

/**
 * Opens the connection the settings describe: retries refused or timed-out connects `retries`
 * times, wraps the transport with the `--capture` recorder and the `-v` printer, and runs the
 * optical sign-on when asked. Failures keep their transport code (exit 3) and say what to try.
 */
export async function openConnection(
  settings: ConnectionSettings,
  options: OpenConnectionOptions,
): Promise<Connection> {
  const { endpoint } = settings;
  if (endpoint.kind === 'tcp' && endpoint.tls?.insecure === true) {
    options.log('meterkit: warning: --insecure: the server certificate is not checked\n');
  }
  let inner: Transport | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt <= settings.retries; attempt++) {
    const candidate = createTransport(endpoint, settings.timeoutMs);
    try {
      await openWithTimeout(candidate, settings.timeoutMs);
      inner = candidate;
      break;
    } catch (e) {
      lastError = e;
      await candidate.close();
      const retryable =
        isMeterkitError(e) &&
        (e.code === ErrorCode.TransportTimeout ||
          (e.code === ErrorCode.TransportOpenFailed &&
            (endpoint.kind === 'udp' || (endpoint.kind === 'tcp' && endpoint.tls === undefined))));
      if (!retryable) break;
      if (attempt < settings.retries) await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
  if (inner === undefined) throw withHint(endpoint, lastError);
  const taps: TransportTap[] = [];
  let capture: SessionCapture | undefined;
  try {
    if (settings.capture !== undefined) {
      capture = openCapture(
        settings.capture,
        endpoint,
        options.captureDescription ??
          `meterkit ${options.protocol} session with ${describeEndpoint(endpoint)}`,
        options.protocol,
      );
      taps.push(capture);
    }
  } catch (e) {
    await inner.close();
    throw e;
  }
  if (settings.verbosity > 0) {
    taps.push(
      framePrinter({
        write: options.log,
        verbosity: settings.verbosity,
        protocol: options.protocol,
        keys: options.decodeKeys,
        colors: options.colors,
      }),
    );
  }
  const transport = taps.length === 0 ? inner : new TracedTransport(inner, taps);
  const close = async (): Promise<void> => {
    try {
      await inner.close();
    } finally {
      capture?.close();
    }
  };
  let optical: OpticalSession | undefined;
  if (endpoint.kind === 'serial' && endpoint.optical && options.opticalSignOn === true) {
    try {
      optical = await opticalSignOn(transport, inner as SerialTransport, {
        timeoutMs: Math.min(settings.timeoutMs, 2000),
        retries: settings.retries,
      });
    } catch (e) {
      await close();
      throw withHint(endpoint, e);
    }
  }
  return { transport, settings, optical, close };
}

async function openWithTimeout(t: Transport, ms: number): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error('timeout')), ms);
  try {
    await t.open({ signal: abort.signal });
  } catch (e) {
    if (abort.signal.aborted && isMeterkitError(e, ErrorCode.Cancelled)) {
      throw new MeterkitError(ErrorCode.TransportTimeout, `${t.name}: connect timed out after ${ms} ms`);
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
