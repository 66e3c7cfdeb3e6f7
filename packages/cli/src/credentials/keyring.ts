import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, fromHex, MeterkitError } from '@meterkit/core';
import { Secret } from './secret.js';
import { parseToml, type TomlTable, type TomlValue } from './toml.js';

/** A setting a meter profile may hold: the long name of a command-line option. */
export type ProfileOptionValue = string | number | boolean;

/** One named meter of a keyring (`--meter kitchen-a1800`). */
export interface MeterProfile {
  /** The profile's name. */
  readonly name: string;
  /** Defaults for command-line options, by long option name (`tcp`, `client-sap`, `auth`, ...). */
  readonly options: Readonly<Record<string, ProfileOptionValue>>;
  /** Keys (`[meter.NAME.keys]`, hex) and the `password` (text). */
  readonly secrets: ReadonlyMap<string, Secret>;
}

/** A parsed keyring file. */
export interface Keyring {
  /** The file it was read from. */
  readonly path: string;
  readonly meters: ReadonlyMap<string, MeterProfile>;
}

/**
 * The options a profile may set. Kept in one list so a typo in a keyring (`tpc = ...`) is an error
 * instead of silently ignored.
 */
export const PROFILE_OPTIONS: readonly string[] = [
  'protocol',
  'serial',
  'baud',
  'parity',
  'data-bits',
  'stop-bits',
  'rts',
  'dtr',
  'optical',
  'tcp',
  'udp',
  'tls',
  'cert',
  'key-file',
  'ca',
  'servername',
  'timeout',
  'retries',
  'client-sap',
  'server-address',
  'logical-address',
  'physical-address',
  'auth',
  'security',
  'system-title',
  'suite',
  'sign-key',
  'server-cert',
  'referencing',
  'user',
  'user-id',
  'called-ap-title',
  'calling-ap-title',
  'key-id',
  'description',
];

function invalid(path: string, message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidArgument, `${path}: ${message}`);
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function profileFrom(name: string, raw: unknown, path: string): MeterProfile {
  if (!isTable(raw)) throw invalid(path, `meter '${name}' is not a table`);
  const options: Record<string, ProfileOptionValue> = {};
  const secrets = new Map<string, Secret>();
  const origin = `keyring meter ${name}`;
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'keys') {
      if (!isTable(value)) throw invalid(path, `meter '${name}': keys must be a table of NAME = "HEX"`);
      for (const [keyName, hex] of Object.entries(value)) {
        if (typeof hex !== 'string')
          throw invalid(path, `meter '${name}': key ${keyName} must be a hex string`);
        try {
          secrets.set(keyName, new Secret(fromHex(hex), origin));
        } catch {
          throw invalid(path, `meter '${name}': key ${keyName} is not valid hex`);
        }
      }
    } else if (key === 'password') {
      if (typeof value !== 'string') throw invalid(path, `meter '${name}': password must be a string`);
      secrets.set('password', new Secret(new TextEncoder().encode(value), origin));
    } else if (PROFILE_OPTIONS.includes(key)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw invalid(path, `meter '${name}': ${key} must be a string, a number or a boolean`);
      }
      options[key] = value;
    } else {
      throw invalid(
        path,
        `meter '${name}': unknown setting '${key}' (known: ${PROFILE_OPTIONS.join(', ')}, keys, password)`,
      );
    }
  }
  return { name, options, secrets };
}

/**
 * Parses keyring text: JSON (`{ "meters": { "NAME": { "tcp": "...", "keys": { "ek": "HEX" } } } }`)
 * or TOML (`[meter.NAME]` tables, keys in `[meter.NAME.keys]`). `meter` and `meters` are both
 * accepted as the top-level name. Values never appear in error messages.
 */
export function parseKeyring(text: string, path: string): Keyring {
  let doc: unknown;
  const json = path.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
  if (json) {
    try {
      doc = JSON.parse(text);
    } catch (e) {
      // JSON.parse messages quote the text around the error: keep only the position
      const at = /position (\d+)/.exec((e as Error).message)?.[1];
      throw invalid(path, `not valid JSON${at === undefined ? '' : ` (at character ${at})`}`);
    }
  } else {
    doc = parseToml(text, path) as Record<string, TomlValue> as TomlTable;
  }
  if (!isTable(doc)) throw invalid(path, 'a keyring is an object with a "meters" table');
  const meters = new Map<string, MeterProfile>();
  for (const [top, value] of Object.entries(doc)) {
    if (top !== 'meter' && top !== 'meters')
      throw invalid(path, `unknown top-level entry '${top}' (expected meters)`);
    if (!isTable(value)) throw invalid(path, `${top} must be a table of named meters`);
    for (const [name, raw] of Object.entries(value)) meters.set(name, profileFrom(name, raw, path));
  }
  return { path, meters };
}

/** The keyring file to use: `--keyring`, else `METERKIT_KEYRING`, else the first of `~/.config/meterkit/keyring.{toml,json}` that exists. */
export function keyringPath(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (explicit !== undefined && explicit !== '') return explicit;
  const fromEnv = env['METERKIT_KEYRING'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] ?? homedir(), '.config');
  for (const name of ['keyring.toml', 'keyring.json']) {
    const p = join(base, 'meterkit', name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not there: try the next
    }
  }
  return undefined;
}

/** Reads and parses a keyring file. `warn` hears about a keyring other users can read. */
export function loadKeyring(path: string, warn: (message: string) => void = () => {}): Keyring {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
    const mode = statSync(path).mode;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      warn(`keyring ${path} is readable by other users; run: chmod 600 ${path}`);
    }
  } catch (e) {
    throw new MeterkitError(
      ErrorCode.InputUnreadable,
      `cannot read keyring ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'} (check the path and its permissions, or pass --keyring FILE)`,
    );
  }
  return parseKeyring(text, path);
}

/** The profile called `name`, or a usage error listing the names the keyring has. */
export function meterProfile(keyring: Keyring, name: string): MeterProfile {
  const p = keyring.meters.get(name);
  if (p === undefined) {
    const known = [...keyring.meters.keys()];
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `no meter '${name}' in ${keyring.path}${known.length > 0 ? ` (it has: ${known.join(', ')})` : ' (it has none)'}`,
    );
  }
  return p;
}
