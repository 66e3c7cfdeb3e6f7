import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
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
import { readPemOption } from '../connection/pem-option.js';
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
  readonly suite?: number | undefined;
  readonly 'sign-key'?: string | undefined;
  readonly 'server-cert'?: string | undefined;
  readonly referencing?: string | undefined;
}

/** Everything a DLMS command gets from the command line. */
export type DlmsSessionArgs = DlmsAssociationArgs & ConnectionArgs & CredentialArgs;

const AUTH: Readonly<Record<string, 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7>> = {
  none: 0,
  low: 1,
  lls: 1,
  hls: 2,
  'hls-md5': 3,
  'hls-sha1': 4,
  'hls-gmac': 5,
  'hls-sha256': 6,
  'hls-ecdsa': 7,
};

/** Referencing names on the command line (IEC 62056-5-3 §4.2.3: logical names or short names). */
const REFERENCING: Readonly<Record<string, 'logical-name' | 'short-name'>> = {
  ln: 'logical-name',
  'logical-name': 'logical-name',
  sn: 'short-name',
  'short-name': 'short-name',
};

/** The elliptic curve of the ECDSA keys of security suites 1 and 2 (IEC 62056-5-3 §9.2.3.4, Table 23). */
const SUITE_CURVE: Readonly<Record<number, string>> = { 1: 'prime256v1', 2: 'secp384r1' };
/** The curve names people know them by, for messages. */
const CURVE_NAME: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384' };

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
    })
    .option('suite', {
      type: 'number',
      choices: [0, 1, 2],
      describe:
        'security suite: 0 AES-GCM-128 (default), 1 AES-GCM-128 + ECDSA P-256, 2 AES-GCM-256 + ECDSA P-384 (ek/ak of 32 octets)',
      group: GROUP,
    })
    .option('sign-key', {
      type: 'string',
      describe: "--auth hls-ecdsa: the client's ECDSA private key (PEM file, the suite's curve)",
      group: GROUP,
    })
    .option('server-cert', {
      type: 'string',
      describe: "--auth hls-ecdsa: the meter's signing certificate or public key (PEM file)",
      group: GROUP,
    })
    .option('referencing', {
      type: 'string',
      choices: Object.keys(REFERENCING),
      describe: 'logical names (ln, default) or short names (sn: base names from the SN object list)',
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

function checkCurve(key: KeyObject, suite: number, what: string): KeyObject {
  const curve = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
  const want = SUITE_CURVE[suite] as string;
  if (curve !== want) {
    throw new MeterkitError(
      ErrorCode.KeyInvalid,
      `${what} is ${curve === undefined ? 'not an EC key' : `on ${CURVE_NAME[curve] ?? curve}`}; security suite ${suite} signs with ECDSA ${CURVE_NAME[want]} (IEC 62056-5-3 Table 23)`,
    );
  }
  return key;
}

/** The client's ECDSA private key for HLS-ECDSA (mechanism 7). Its bytes never appear in a message. */
function signingKeyFrom(path: string, suite: number): KeyObject {
  const pem = readPemOption(path, 'sign-key');
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new MeterkitError(
      ErrorCode.KeyInvalid,
      `--sign-key ${path} is not a PEM private key (make one: openssl ecparam -name ${SUITE_CURVE[suite]} -genkey -noout -out client.key)`,
    );
  }
  return checkCurve(key, suite, `--sign-key ${path}`);
}

/** The meter's ECDSA public key, from a PEM certificate or a PEM public key. */
function serverKeyFrom(path: string, suite: number): KeyObject {
  const pem = readPemOption(path, 'server-cert');
  let key: KeyObject;
  try {
    key = pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch {
    throw new MeterkitError(
      ErrorCode.CertificateInvalid,
      `--server-cert ${path} is neither a PEM certificate nor a PEM public key`,
    );
  }
  return checkCurve(key, suite, `--server-cert ${path}`);
}

/** The referencing of the association: `--referencing`, else the profile's, else logical names. */
export function referencingOf(
  args: DlmsSessionArgs,
  profile: MeterProfile | undefined,
): 'logical-name' | 'short-name' {
  const name = (option(args, profile, 'referencing') as string | undefined) ?? 'ln';
  const r = REFERENCING[name];
  if (r === undefined) throw usage(`--referencing ${name} is not ln or sn`);
  return r;
}

/** The client system title: `--system-title` (or the profile's), default `4d4b54434c490001`. */
function clientSystemTitle(args: DlmsSessionArgs, profile: MeterProfile | undefined): Uint8Array {
  const stText = (option(args, profile, 'system-title') as string | undefined) ?? '4d4b54434c490001';
  let systemTitle: Uint8Array;
  try {
    systemTitle = fromHex(stText);
  } catch {
    throw usage('--system-title must be 16 hex digits');
  }
  if (systemTitle.length !== 8) throw usage('--system-title must be 8 octets (16 hex digits)');
  return systemTitle;
}

/** Builds the association options (authentication, security, addresses) from arguments, profile and credentials. */
export function associationOptions(
  args: DlmsSessionArgs,
  profile: MeterProfile | undefined,
  credentials: Credentials,
): Pick<DlmsClientOptions, 'authentication' | 'security' | 'systemTitle'> & {
  clientAddress: number;
  logicalAddress: number;
  physicalAddress: number | undefined;
  referencing: 'logical-name' | 'short-name';
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
  } else if (mechanism === 5 || mechanism === 7) authentication = { mechanism };
  else authentication = { mechanism, secret: secret(credentials, 'hls', `--auth ${authName}`) };
  const keyed = mechanism === 5 || mechanism === 7;
  const suiteOption = integer(option(args, profile, 'suite'), 'suite', 0, 2);
  const suite = suiteOption ?? (mechanism === 7 ? 1 : 0);
  if (mechanism === 7 && suite === 0)
    throw usage('--auth hls-ecdsa signs with ECDSA: use --suite 1 (P-256) or --suite 2 (P-384)');
  const signKeyPath = option(args, profile, 'sign-key') as string | undefined;
  const serverCertPath = option(args, profile, 'server-cert') as string | undefined;
  if (mechanism !== 7 && (args['sign-key'] !== undefined || args['server-cert'] !== undefined))
    throw usage('--sign-key and --server-cert are for --auth hls-ecdsa');
  if (mechanism === 7 && (signKeyPath === undefined || serverCertPath === undefined))
    throw usage(
      "--auth hls-ecdsa needs --sign-key client.key (the client's ECDSA private key) and --server-cert meter.pem (the meter's signing certificate or public key), or both in the keyring profile",
    );
  const protection =
    (option(args, profile, 'security') as string | undefined) ?? (keyed ? 'authenticated-encrypted' : 'none');
  if (suiteOption !== undefined && suiteOption !== 0 && protection === 'none' && !keyed)
    throw usage(
      `--suite ${suiteOption} selects the ciphering of a secured association: add --security or --auth hls-gmac/hls-ecdsa`,
    );
  let security: ClientSecurity | undefined;
  if (protection !== 'none' || keyed) {
    const systemTitle = clientSystemTitle(args, profile);
    const why = keyed ? `--auth ${authName}` : `--security ${protection}`;
    const kek = credentials.get('kek');
    const keyLength = suite === 2 ? 32 : 16;
    const ek = secret(credentials, 'ek', why);
    const ak = secret(credentials, 'ak', why);
    for (const [name, key] of [
      ['ek', ek],
      ['ak', ak],
    ] as const) {
      if (key.length !== keyLength)
        throw new MeterkitError(
          ErrorCode.KeyInvalid,
          `the ${name} key has ${key.length} octets; security suite ${suite} needs ${keyLength} (IEC 62056-5-3 §9.2.3.7)`,
        );
    }
    const context = new SecurityContext({
      suite: suite as 0 | 1 | 2,
      systemTitle,
      globalUnicastEncryptionKey: ek,
      authenticationKey: ak,
      ...(kek === undefined ? {} : { masterKey: kek.reveal() }),
      ...(mechanism === 7
        ? {
            signingKey: signingKeyFrom(signKeyPath as string, suite),
            peerSigningKey: serverKeyFrom(serverCertPath as string, suite),
          }
        : {}),
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
  return {
    authentication,
    security,
    // HLS-SHA256 hashes both system titles; unciphered, ours goes in the calling-AP-title
    ...(mechanism === 6 && security === undefined ? { systemTitle: clientSystemTitle(args, profile) } : {}),
    clientAddress,
    logicalAddress,
    physicalAddress,
    referencing: referencingOf(args, profile),
  };
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

/** What `withDlmsClient` checks before connecting. */
export interface DlmsSessionRequirements {
  /**
   * The command (`profile`, `clock`, …) uses logical-name services (GET/SET/ACTION by class and
   * OBIS): refuse short-name referencing, from `--referencing` or the keyring, with what to use.
   */
  readonly logicalNames?: string | undefined;
}

/** What a command learns about its association besides the client. */
export interface DlmsSessionInfo {
  /** Logical names, or short names (`--referencing sn`, IEC 62056-5-3 §4.2.3). */
  readonly referencing: 'logical-name' | 'short-name';
}

/**
 * Connects, associates, runs `work` with the client, then releases and closes whatever happens.
 * Errors keep their codes (exit 3 transport, 4 security, 1 protocol) and carry a hint.
 */
export async function withDlmsClient<T>(
  ctx: CommandContext,
  args: DlmsSessionArgs,
  work: (client: DlmsClient, connection: Connection, session: DlmsSessionInfo) => Promise<T>,
  requirements: DlmsSessionRequirements = {},
): Promise<T> {
  const { profile, credentials } = loadCredentials(args, ctx.io);
  const settings = connectionSettings(args, DLMS_CONNECTION, profile);
  const assoc = associationOptions(args, profile, credentials);
  if (requirements.logicalNames !== undefined && assoc.referencing === 'short-name')
    throw usage(
      `dlms ${requirements.logicalNames} uses logical-name services; with short names (--referencing sn) read and write attributes with dlms get/set (base names from dlms info --referencing sn)`,
    );
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
      referencing: assoc.referencing,
      authentication: assoc.authentication,
      ...(assoc.security === undefined ? {} : { security: assoc.security }),
      ...(assoc.systemTitle === undefined ? {} : { systemTitle: assoc.systemTitle }),
    });
    const result = await work(client, conn, { referencing: assoc.referencing });
    try {
      await client.release({ timeoutMs: Math.min(settings.timeoutMs, 2000) });
    } catch {
      // a meter that does not answer RLRQ is still done with
    }
    return result;
  } catch (e) {
    throw dlmsHint(
      e,
      assoc.clientAddress,
      client === undefined && assoc.security !== undefined,
      client !== undefined,
    );
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
 * accept our keys or counter (exit 4). `associated`: the association was established, so a
 * timeout or a closed connection means the meter stopped answering mid-session.
 */
export function dlmsHint(
  e: unknown,
  clientSap: number,
  securedAssociation = false,
  associated = false,
): unknown {
  if (!(e instanceof MeterkitError)) return e;
  const timeout = e.code === ErrorCode.TransportTimeout || e.code === ErrorCode.SessionTimeout;
  if (associated && (timeout || e.code === ErrorCode.TransportClosed)) {
    return new MeterkitError(
      timeout ? ErrorCode.TransportTimeout : e.code,
      `${e.message} (the meter stopped answering mid-session: check the link and the meter's power, then run the command again; --timeout raises the wait)`,
      { cause: e },
    );
  }
  if (timeout) {
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
