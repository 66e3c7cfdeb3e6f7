import { ErrorCode, fromHex, MeterkitError } from '@meterkit/core';
import { SecurityContext } from '@meterkit/dlms';
import { createColors } from 'picocolors';
import type { Argv } from 'yargs';
import { type Connection, openConnection } from '../connection/open.js';
import {
  type ConnectionArgs,
  type ConnectionDefaults,
  connectionSettings,
  withConnectionOptions,
} from '../connection/options.js';
import type { MeterProfile } from '../credentials/keyring.js';
import { type CredentialArgs, loadCredentials, withCredentialOptions } from '../credentials/options.js';
import type { Credentials } from '../credentials/resolve.js';
import type { CommandContext } from './context.js';
import {
  type ClientAuthentication,
  type ClientSecurity,
  DlmsClient,
  type DlmsClientOptions,
} from './dlms-api.js';

/** DLMS defaults: port 4059 (IEC 62056-9-7), 9600 baud for direct HDLC. */
export const DLMS_CONNECTION: ConnectionDefaults = {
  port: 4059,
  baud: 9600,
  transports: ['serial', 'tcp', 'udp'],
};

/** Association options of every DLMS command. */
export interface DlmsAssociationArgs {
  readonly 'client-sap'?: number | undefined;
  readonly 'server-address'?: number | undefined;
  readonly 'physical-address'?: number | undefined;
  readonly auth?: string | undefined;
  readonly security?: string | undefined;
  readonly 'system-title'?: string | undefined;
  readonly 'invocation-counter'?: number | undefined;
  readonly framing?: string | undefined;
}

/** Everything a DLMS command gets from the command line. */
export type DlmsSessionArgs = DlmsAssociationArgs & ConnectionArgs & CredentialArgs;

const AUTH: Readonly<Record<string, 0 | 1 | 2 | 3 | 4 | 5 | 6>> = {
  none: 0,
  low: 1,
  lls: 1,
  hls: 2,
  'hls-md5': 3,
  'hls-sha1': 4,
  'hls-gmac': 5,
  'hls-sha256': 6,
};

const GROUP = 'Association:';

/** Adds connection, credential and association options to a DLMS command. */
export function withDlmsOptions<T>(y: Argv<T>): Argv<T & DlmsSessionArgs> {
  return withCredentialOptions(
    withConnectionOptions(y, DLMS_CONNECTION),
    'ek, ak, kek, password (LLS), hls (HLS secret)',
  )
    .option('client-sap', {
      type: 'number',
      describe: 'client SAP (default 16, the public client)',
      group: GROUP,
    })
    .option('server-address', {
      type: 'number',
      describe: 'server logical device / wPort (default 1)',
      group: GROUP,
    })
    .option('physical-address', { type: 'number', describe: 'HDLC lower (physical) address', group: GROUP })
    .option('auth', {
      type: 'string',
      choices: Object.keys(AUTH),
      describe: 'authentication mechanism (default none)',
      group: GROUP,
    })
    .option('security', {
      type: 'string',
      choices: ['none', 'authenticated', 'encrypted', 'authenticated-encrypted'],
      describe: 'APDU protection with ek/ak (default none; authenticated-encrypted with --auth hls-gmac)',
      group: GROUP,
    })
    .option('system-title', { type: 'string', describe: 'client system title, 16 hex digits', group: GROUP })
    .option('invocation-counter', {
      type: 'number',
      describe: 'first invocation counter (default: tenths of a second since 2025, so it always counts up)',
      group: GROUP,
    })
    .option('framing', {
      type: 'string',
      choices: ['wrapper', 'hdlc'],
      describe: 'framing over TCP/UDP (default wrapper; serial is always HDLC)',
      group: GROUP,
    }) as Argv<T & DlmsSessionArgs>;
}

function usage(message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidArgument, message);
}

function option(
  args: DlmsSessionArgs,
  profile: MeterProfile | undefined,
  key: keyof DlmsAssociationArgs,
): unknown {
  return args[key] ?? profile?.options[key];
}

function integer(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    throw usage(`--${name} must be an integer ${min}-${max}`);
  return n;
}

function secret(credentials: Credentials, name: string, why: string): Uint8Array {
  const s = credentials.get(name);
  if (s === undefined) {
    throw new MeterkitError(
      ErrorCode.KeyMissing,
      `${why} needs the ${name} key: pass --key ${name}=HEX, set METERKIT_KEY_${name.toUpperCase()}, or use --meter with a keyring`,
    );
  }
  return s.reveal();
}

/** Builds the association options (authentication, security, addresses) from arguments, profile and credentials. */
export function associationOptions(
  args: DlmsSessionArgs,
  profile: MeterProfile | undefined,
  credentials: Credentials,
): Pick<DlmsClientOptions, 'authentication' | 'security'> & {
  clientAddress: number;
  logicalAddress: number;
  physicalAddress: number | undefined;
} {
  const clientAddress = integer(option(args, profile, 'client-sap'), 'client-sap', 0, 0x7f) ?? 16;
  const logicalAddress = integer(option(args, profile, 'server-address'), 'server-address', 0, 0x3fff) ?? 1;
  const physicalAddress = integer(option(args, profile, 'physical-address'), 'physical-address', 0, 0x3fff);
  const authName = (option(args, profile, 'auth') as string | undefined) ?? 'none';
  const mechanism = AUTH[authName];
  if (mechanism === undefined)
    throw usage(`--auth ${authName} is not one of ${Object.keys(AUTH).join(', ')}`);
  let authentication: ClientAuthentication;
  if (mechanism === 0) authentication = { mechanism: 0 };
  else if (mechanism === 1) {
    const password = credentials.get('password');
    if (password === undefined) {
      throw new MeterkitError(
        ErrorCode.KeyMissing,
        '--auth low needs a password: set METERKIT_PASSWORD, pass --key password=HEX, or use --meter with a keyring',
      );
    }
    authentication = { mechanism: 1, password: password.reveal() };
  } else if (mechanism === 5) authentication = { mechanism: 5 };
  else authentication = { mechanism, secret: secret(credentials, 'hls', `--auth ${authName}`) };
  const protection =
    (option(args, profile, 'security') as string | undefined) ??
    (mechanism === 5 ? 'authenticated-encrypted' : 'none');
  let security: ClientSecurity | undefined;
  if (protection !== 'none' || mechanism === 5) {
    const stText = (option(args, profile, 'system-title') as string | undefined) ?? '4d4b54434c490001';
    let systemTitle: Uint8Array;
    try {
      systemTitle = fromHex(stText);
    } catch {
      throw usage('--system-title must be 16 hex digits');
    }
    if (systemTitle.length !== 8) throw usage('--system-title must be 8 octets (16 hex digits)');
    const why = mechanism === 5 ? '--auth hls-gmac' : `--security ${protection}`;
    const kek = credentials.get('kek');
    const context = new SecurityContext({
      suite: 0,
      systemTitle,
      globalUnicastEncryptionKey: secret(credentials, 'ek', why),
      authenticationKey: secret(credentials, 'ak', why),
      ...(kek === undefined ? {} : { masterKey: kek.reveal() }),
      invocationCounters: {
        'global-unicast-encryption-key':
          integer(args['invocation-counter'], 'invocation-counter', 0, 0xffffffff) ??
          defaultInvocationCounter(),
      },
    });
    security = {
      context,
      protection:
        protection === 'none'
          ? 'authenticated-encrypted'
          : (protection as 'authenticated' | 'encrypted' | 'authenticated-encrypted'),
    };
  }
  return { authentication, security, clientAddress, logicalAddress, physicalAddress };
}

/**
 * The first invocation counter when `--invocation-counter` is not given: tenths of a second since
 * 2025-01-01 UTC, so successive runs always count up and a meter's replay protection (IEC 62056-5-3
 * §9.2.7.2.4.2) never sees a counter again. Fits 32 bits until 2038.
 */
export function defaultInvocationCounter(now = Date.now()): number {
  const fromClock = Math.max(1, Math.floor((now - Date.UTC(2025, 0, 1)) / 100)) >>> 0;
  // several associations within a tenth of a second (one process, e.g. embedders) still count up
  lastCounter = fromClock > lastCounter ? fromClock : (lastCounter + 1) >>> 0;
  return lastCounter;
}

let lastCounter = 0;

/** The keys `-vv` may decrypt frames with (`ek`, `ak`). */
function decodeKeys(credentials: Credentials): Map<string, Uint8Array> {
  const keys = new Map<string, Uint8Array>();
  for (const name of ['ek', 'ak']) {
    const s = credentials.get(name);
    if (s !== undefined) keys.set(name, s.reveal());
  }
  return keys;
}

/**
 * Connects, associates, runs `work` with the client, then releases and closes whatever happens.
 * Errors keep their codes (exit 3 transport, 4 security, 1 protocol) and carry a hint.
 */
export async function withDlmsClient<T>(
  ctx: CommandContext,
  args: DlmsSessionArgs,
  work: (client: DlmsClient, connection: Connection) => Promise<T>,
): Promise<T> {
  const { profile, credentials } = loadCredentials(args, ctx.io);
  const settings = connectionSettings(args, DLMS_CONNECTION, profile);
  const assoc = associationOptions(args, profile, credentials);
  const framing = (option(args, profile, 'framing') as string | undefined) ?? 'wrapper';
  const conn = await openConnection(settings, {
    protocol: 'dlms',
    log: ctx.io.err,
    colors: createColors(ctx.io.stderrIsTTY && !ctx.io.env['NO_COLOR']),
    decodeKeys: decodeKeys(credentials),
    opticalSignOn: true,
  });
  let client: DlmsClient | undefined;
  try {
    const hdlc = settings.endpoint.kind === 'serial' || framing === 'hdlc';
    client = await connectClient({
      connection: hdlc
        ? {
            type: 'transport',
            transport: conn.transport,
            framing: 'hdlc',
            clientAddress: assoc.clientAddress,
            logicalAddress: assoc.logicalAddress,
            ...(assoc.physicalAddress === undefined ? {} : { physicalAddress: assoc.physicalAddress }),
            hdlcTimeoutMs: settings.timeoutMs,
            hdlcRetries: settings.retries,
          }
        : {
            type: 'transport',
            transport: conn.transport,
            framing: 'wrapper',
            clientAddress: assoc.clientAddress,
            logicalAddress: assoc.logicalAddress,
          },
      timeoutMs: settings.timeoutMs,
      authentication: assoc.authentication,
      ...(assoc.security === undefined ? {} : { security: assoc.security }),
    });
    const result = await work(client, conn);
    try {
      await client.release({ timeoutMs: Math.min(settings.timeoutMs, 2000) });
    } catch {
      // a meter that does not answer RLRQ is still done with
    }
    return result;
  } catch (e) {
    throw dlmsHint(e, assoc.clientAddress, client === undefined && assoc.security !== undefined);
  } finally {
    const used = assoc.security?.context.invocationCounter('global-unicast-encryption-key');
    if (used !== undefined && used > lastCounter) lastCounter = used;
    try {
      await client?.close();
    } finally {
      await conn.close();
    }
  }
}

const connectClient = (options: DlmsClientOptions): Promise<DlmsClient> => DlmsClient.connect(options);

/**
 * Adds what to try to association and access failures. A session timeout is reported as a
 * transport timeout (exit 3); an undecodable answer to a ciphered AARQ means the meter did not
 * accept our keys or counter (exit 4).
 */
export function dlmsHint(e: unknown, clientSap: number, securedAssociation = false): unknown {
  if (!(e instanceof MeterkitError)) return e;
  if (e.code === ErrorCode.TransportTimeout || e.code === ErrorCode.SessionTimeout) {
    return new MeterkitError(
      ErrorCode.TransportTimeout,
      `${e.message} (no answer: check --server-address, --client-sap and --framing, or raise --timeout)`,
      { cause: e },
    );
  }
  if (securedAssociation && Math.floor(e.code / 100) === 2) {
    return new MeterkitError(
      ErrorCode.AuthenticationFailed,
      `the meter did not accept the secured association (${e.toOneLine()}): check the ek/ak keys, --system-title and --invocation-counter`,
      { cause: e },
    );
  }
  if (e.code === 424 && /authentication-failure/.test(e.message)) {
    // refused credentials: the password, HLS secret or keys are wrong (exit 4)
    return new MeterkitError(
      ErrorCode.AuthenticationFailed,
      `${e.message} (client SAP ${clientSap}: check the password or the ek/ak keys)`,
      { cause: e },
    );
  }
  if (e.code === 424) {
    return new MeterkitError(
      e.code,
      `${e.message} (client SAP ${clientSap} was refused: check --client-sap, --auth and the keys)`,
      { cause: e },
    );
  }
  return e;
}
