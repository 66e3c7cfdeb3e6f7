import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { Argv } from 'yargs';
import type { MeterProfile, ProfileOptionValue } from '../credentials/keyring.js';
import { parseHostPort } from './endpoint.js';
import { readPemOption } from './pem-option.js';

/** Connection options as yargs hands them over (undefined when not given, so a profile can fill in). */
export interface ConnectionArgs {
  readonly serial?: string | undefined;
  readonly baud?: number | undefined;
  readonly parity?: string | undefined;
  readonly 'data-bits'?: number | undefined;
  readonly 'stop-bits'?: number | undefined;
  readonly rts?: boolean | undefined;
  readonly dtr?: boolean | undefined;
  readonly optical?: boolean | undefined;
  readonly tcp?: string | undefined;
  readonly udp?: string | undefined;
  readonly tls?: boolean | undefined;
  readonly cert?: string | undefined;
  readonly 'key-file'?: string | undefined;
  readonly ca?: string | undefined;
  readonly servername?: string | undefined;
  readonly insecure?: boolean | undefined;
  readonly timeout?: number | undefined;
  readonly retries?: number | undefined;
  readonly capture?: string | undefined;
  readonly verbose?: number | undefined;
}

/** Files and settings of a TLS connection (the PEM contents are read already). */
export interface TlsSettings {
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly ca?: string | undefined;
  readonly servername?: string | undefined;
  readonly insecure: boolean;
}

/** Where to connect. */
export type Endpoint =
  | {
      readonly kind: 'tcp';
      readonly host: string;
      readonly port: number;
      readonly tls?: TlsSettings | undefined;
    }
  | { readonly kind: 'udp'; readonly host: string; readonly port: number }
  | {
      readonly kind: 'serial';
      readonly path: string;
      readonly baudRate: number;
      readonly parity: 'none' | 'even' | 'odd';
      readonly dataBits: 7 | 8;
      readonly stopBits: 1 | 2;
      readonly rts?: boolean | undefined;
      readonly dtr?: boolean | undefined;
      /** Optical probe: IEC 62056-21 mode E sign-on first (DLMS), or C12.18 line settings (ANSI). */
      readonly optical: boolean;
    };

/** Everything a protocol command needs to reach the meter. */
export interface ConnectionSettings {
  readonly endpoint: Endpoint;
  /** Per-request timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Retries of a request (and of opening the connection) after a timeout. */
  readonly retries: number;
  /** `--capture` file recording the whole session: pcapng, or a JSONL session for a `.jsonl` name. */
  readonly capture?: string | undefined;
  /** 0 quiet, 1 frames in hex, 2 frames in hex and decoded. */
  readonly verbosity: number;
}

/** Per-protocol defaults. */
export interface ConnectionDefaults {
  /** TCP/UDP port when `--tcp host` gives none (DLMS 4059, C12.22 1153, 2030.5 443). */
  readonly port: number;
  /** Serial baud rate when `--baud` is not given. */
  readonly baud: number;
  /** Which transports the command supports. */
  readonly transports: readonly ('serial' | 'tcp' | 'udp')[];
}

const GROUP = 'Connection:';

/** Adds the shared connection options to a protocol command. */
export function withConnectionOptions<T>(y: Argv<T>, defaults: ConnectionDefaults): Argv<T & ConnectionArgs> {
  const t = defaults.transports;
  let a = y as Argv<T & ConnectionArgs>;
  if (t.includes('tcp'))
    a = a.option('tcp', {
      type: 'string',
      describe: `TCP endpoint host:port (default port ${defaults.port})`,
      group: GROUP,
    }) as Argv<T & ConnectionArgs>;
  if (t.includes('udp'))
    a = a.option('udp', { type: 'string', describe: 'UDP endpoint host:port', group: GROUP }) as Argv<
      T & ConnectionArgs
    >;
  if (t.includes('serial')) {
    a = a
      .option('serial', { type: 'string', describe: 'serial port, e.g. /dev/ttyUSB0 or COM3', group: GROUP })
      .option('baud', { type: 'number', describe: `baud rate (default ${defaults.baud})`, group: GROUP })
      .option('parity', {
        type: 'string',
        choices: ['none', 'even', 'odd'],
        describe: 'parity (default none)',
        group: GROUP,
      })
      .option('data-bits', {
        type: 'number',
        choices: [7, 8],
        describe: 'data bits (default 8)',
        group: GROUP,
      })
      .option('stop-bits', {
        type: 'number',
        choices: [1, 2],
        describe: 'stop bits (default 1)',
        group: GROUP,
      })
      .option('rts', { type: 'boolean', describe: 'set RTS (probe power); --no-rts clears it', group: GROUP })
      .option('dtr', { type: 'boolean', describe: 'set DTR (probe power); --no-dtr clears it', group: GROUP })
      .option('optical', {
        type: 'boolean',
        describe: 'optical probe: IEC 62056-21 mode E sign-on (DLMS) or C12.18 line settings (ANSI)',
        group: GROUP,
      }) as Argv<T & ConnectionArgs>;
  }
  if (t.includes('tcp'))
    a = a
      .option('tls', { type: 'boolean', describe: 'TLS over the --tcp connection', group: GROUP })
      .option('cert', { type: 'string', describe: 'TLS client certificate (PEM)', group: GROUP })
      .option('key-file', { type: 'string', describe: 'TLS client private key (PEM)', group: GROUP })
      .option('ca', { type: 'string', describe: 'TLS trusted CA certificates (PEM)', group: GROUP })
      .option('servername', {
        type: 'string',
        describe: 'TLS server name to check (default: the host)',
        group: GROUP,
      })
      .option('insecure', {
        type: 'boolean',
        describe: 'TLS without checking the server certificate (test rigs only)',
        group: GROUP,
      }) as Argv<T & ConnectionArgs>;
  return a
    .option('timeout', { type: 'number', describe: 'per-request timeout in ms (default 5000)', group: GROUP })
    .option('retries', { type: 'number', describe: 'retries after a timeout (default 2)', group: GROUP })
    .option('capture', {
      type: 'string',
      describe: 'record the whole session: pcapng, or a JSONL session when the name ends in .jsonl',
      group: GROUP,
    })
    .option('verbose', {
      alias: 'v',
      type: 'count',
      describe: 'print frames as they pass: -v hex, -vv hex and decoded (stderr)',
      group: GROUP,
    }) as Argv<T & ConnectionArgs>;
}

function usage(message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidArgument, message);
}

/** A value from the arguments, else from the profile, else undefined. */
function pick<K extends keyof ConnectionArgs>(
  args: ConnectionArgs,
  profile: MeterProfile | undefined,
  key: K,
): ConnectionArgs[K] | ProfileOptionValue | undefined {
  return args[key] ?? profile?.options[key];
}

function asString(v: unknown, option: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw usage(`--${option} must be text`);
  return v;
}

function asNumber(v: unknown, option: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw usage(`--${option} must be a number`);
  return n;
}

function asBoolean(v: unknown, option: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw usage(`--${option} must be true or false`);
  return v;
}

/**
 * Turns the connection options (falling back to a `--meter` profile) into settings. Exactly one
 * of `--serial`, `--tcp`, `--udp` must be given; the error says which options exist.
 */
export function connectionSettings(
  args: ConnectionArgs,
  defaults: ConnectionDefaults,
  profile?: MeterProfile,
): ConnectionSettings {
  const serial = asString(pick(args, profile, 'serial'), 'serial');
  const tcp = asString(pick(args, profile, 'tcp'), 'tcp');
  const udp = asString(pick(args, profile, 'udp'), 'udp');
  const given = [serial && '--serial', tcp && '--tcp', udp && '--udp'].filter(Boolean);
  const choices = defaults.transports.map((t) => `--${t}`).join(', ');
  if (given.length === 0) {
    throw usage(
      `say where the meter is: ${choices}${profile === undefined ? ' (or --meter NAME from a keyring)' : ''}`,
    );
  }
  if (given.length > 1) throw usage(`give only one of ${given.join(', ')}`);
  const timeoutMs = asNumber(pick(args, profile, 'timeout'), 'timeout') ?? 5000;
  if (!(timeoutMs > 0)) throw usage('--timeout must be more than 0 ms');
  const retries = asNumber(pick(args, profile, 'retries'), 'retries') ?? 2;
  if (!(Number.isInteger(retries) && retries >= 0 && retries <= 100))
    throw usage('--retries must be an integer 0-100');
  const common = { timeoutMs, retries, capture: args.capture, verbosity: args.verbose ?? 0 };
  const tlsFlag = asBoolean(pick(args, profile, 'tls'), 'tls') ?? false;
  if (serial !== undefined) {
    if (!defaults.transports.includes('serial'))
      throw usage(`this command does not work over --serial; use ${choices}`);
    const baudRate = asNumber(pick(args, profile, 'baud'), 'baud') ?? defaults.baud;
    if (!(Number.isInteger(baudRate) && baudRate > 0)) throw usage('--baud must be a positive integer');
    const parity = asString(pick(args, profile, 'parity'), 'parity') ?? 'none';
    if (parity !== 'none' && parity !== 'even' && parity !== 'odd')
      throw usage('--parity must be none, even or odd');
    const dataBits = asNumber(pick(args, profile, 'data-bits'), 'data-bits') ?? 8;
    if (dataBits !== 7 && dataBits !== 8) throw usage('--data-bits must be 7 or 8');
    const stopBits = asNumber(pick(args, profile, 'stop-bits'), 'stop-bits') ?? 1;
    if (stopBits !== 1 && stopBits !== 2) throw usage('--stop-bits must be 1 or 2');
    return {
      ...common,
      endpoint: {
        kind: 'serial',
        path: serial,
        baudRate,
        parity,
        dataBits,
        stopBits,
        rts: asBoolean(pick(args, profile, 'rts'), 'rts'),
        dtr: asBoolean(pick(args, profile, 'dtr'), 'dtr'),
        optical: asBoolean(pick(args, profile, 'optical'), 'optical') ?? false,
      },
    };
  }
  if (args.optical === true) throw usage('--optical needs --serial (the probe is a serial port)');
  if (udp !== undefined) {
    if (!defaults.transports.includes('udp'))
      throw usage(`this command does not work over --udp; use ${choices}`);
    if (tlsFlag) throw usage('--tls works over --tcp only');
    return { ...common, endpoint: { kind: 'udp', ...parseHostPort(udp, 'udp', defaults.port) } };
  }
  const hp = parseHostPort(tcp as string, 'tcp', defaults.port);
  const certPath = asString(pick(args, profile, 'cert'), 'cert');
  const keyPath = asString(pick(args, profile, 'key-file'), 'key-file');
  const caPath = asString(pick(args, profile, 'ca'), 'ca');
  if (!tlsFlag && (certPath || keyPath || caPath)) throw usage('--cert, --key-file and --ca need --tls');
  if ((certPath === undefined) !== (keyPath === undefined)) throw usage('--cert and --key-file go together');
  const tls: TlsSettings | undefined = tlsFlag
    ? {
        cert: certPath === undefined ? undefined : readPemOption(certPath, 'cert'),
        key: keyPath === undefined ? undefined : readPemOption(keyPath, 'key-file'),
        ca: caPath === undefined ? undefined : readPemOption(caPath, 'ca'),
        servername: asString(pick(args, profile, 'servername'), 'servername'),
        insecure: args.insecure ?? false,
      }
    : undefined;
  return { ...common, endpoint: { kind: 'tcp', ...hp, tls } };
}

/** One line naming the endpoint for messages (`tcp://127.0.0.1:4059`, `serial:///dev/ttyUSB0 9600 8N1`). */
export function describeEndpoint(e: Endpoint): string {
  switch (e.kind) {
    case 'tcp':
      return `${e.tls === undefined ? 'tcp' : 'tls'}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
    case 'udp':
      return `udp://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
    case 'serial':
      return `serial://${e.path} ${e.baudRate} ${e.dataBits}${e.parity[0]?.toUpperCase()}${e.stopBits}`;
  }
}
