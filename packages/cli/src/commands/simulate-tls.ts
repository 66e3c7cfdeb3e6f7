import type { TlsOptions } from 'node:tls';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { listenTls, type Transport } from '@meterkit/core/transport';
import type { Argv } from 'yargs';
import { readPemOption } from '../connection/pem-option.js';
import { type DlmsServerHandle, HdlcServerPort, type MeterSimulator, WrapperServerPort } from './dlms-api.js';

/** The TLS options of `simulate dlms|ansi`. */
export interface SimulateTlsArgs {
  readonly tls?: boolean | undefined;
  readonly cert?: string | undefined;
  readonly 'key-file'?: string | undefined;
  readonly ca?: string | undefined;
}

const GROUP = 'TLS (with --tcp):';

/** Adds `--tls`, `--cert`, `--key-file`, `--ca` to a simulator. */
export function withSimulateTlsOptions<T>(y: Argv<T>): Argv<T & SimulateTlsArgs> {
  return y
    .option('tls', {
      type: 'boolean',
      describe: 'serve --tcp over TLS (needs --cert and --key-file)',
      group: GROUP,
    })
    .option('cert', { type: 'string', describe: 'server certificate (PEM, chain after it)', group: GROUP })
    .option('key-file', { type: 'string', describe: 'its private key (PEM)', group: GROUP })
    .option('ca', {
      type: 'string',
      describe: 'require client certificates issued by this CA (PEM): mutual TLS',
      group: GROUP,
    }) as Argv<T & SimulateTlsArgs>;
}

function usage(message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidArgument, message);
}

/**
 * The TLS server settings of a simulator (RFC 8446 / RFC 5246 server side), or undefined without
 * `--tls`. `--ca` turns on client certificate checking (mutual TLS).
 */
export function simulatorTlsSettings(args: SimulateTlsArgs, tcp: string | undefined): TlsOptions | undefined {
  if (args.tls !== true) {
    if (args.cert !== undefined || args['key-file'] !== undefined || args.ca !== undefined)
      throw usage('--cert, --key-file and --ca need --tls');
    return undefined;
  }
  if (tcp === undefined) throw usage('--tls serves the --tcp listener: add --tcp host:port');
  if (args.cert === undefined || args['key-file'] === undefined)
    throw usage('--tls needs --cert server.pem and --key-file server.key');
  return {
    cert: readPemOption(args.cert, 'cert'),
    key: readPemOption(args['key-file'], 'key-file'),
    ...(args.ca === undefined
      ? {}
      : { ca: readPemOption(args.ca, 'ca'), requestCert: true, rejectUnauthorized: true }),
  };
}

function ignore(): void {}

function pump(t: Transport, outs: readonly Uint8Array[]): void {
  for (const o of outs) t.write(o).catch(ignore);
}

/**
 * The DLMS simulator behind a TLS listener: the IEC 62056-47 wrapper (or HDLC frames, IEC 62056-46)
 * inside each TLS connection, one server port per connection, as `serveWrapperTcp` does in clear.
 */
export async function serveDlmsTls(
  sim: MeterSimulator,
  options: { readonly host: string; readonly port: number; readonly tls: TlsOptions; readonly hdlc: boolean },
): Promise<DlmsServerHandle> {
  const listener = await listenTls({ host: options.host, port: options.port, tls: options.tls });
  listener.onConnection((conn) => {
    const port = options.hdlc
      ? new HdlcServerPort(sim, {
          maxInfoLength: sim.profile.hdlc?.maxInfoLength,
          window: sim.profile.hdlc?.window,
        })
      : new WrapperServerPort(sim);
    conn.onData((chunk) => pump(conn, port.receive(chunk)));
    conn.onClose(() => port.close());
  });
  const a = listener.address();
  return { address: `${a.address}:${a.port}`, port: a.port, close: () => listener.close() };
}
