import { readFileSync } from 'node:fs';
import { ErrorCode, fromHex, MeterkitError } from '@meterkit/core';
import type { MeterProfile } from './keyring.js';
import { Secret } from './secret.js';

/** Keys and passwords by name (`ek`, `ak`, `kek`, `hls`, `password`, `c1222:0`, ...). */
export type Credentials = ReadonlyMap<string, Secret>;

/** `METERKIT_KEY_EK` → `ek`, `METERKIT_KEY_C1222_0` → `c1222:0`. */
export function keyNameFromEnv(variable: string): string | undefined {
  const m = /^METERKIT_KEY_([A-Z0-9_]+)$/.exec(variable);
  if (m === null) return undefined;
  const name = (m[1] as string).toLowerCase();
  const c1222 = /^c1222_(\d+)$/.exec(name);
  return c1222 === null ? name.replace(/_/g, '-') : `c1222:${c1222[1]}`;
}

/** The environment variable that holds key `name` (`ek` → `METERKIT_KEY_EK`). */
export function envNameForKey(name: string): string {
  return `METERKIT_KEY_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Parses one `--key NAME=HEX` (or `NAME=@FILE`, a file holding the hex, so the key stays out of
 * the shell history and `ps`). The value is never echoed, not even when malformed.
 */
export function parseKeyArgument(spec: string): [string, Secret] {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new MeterkitError(ErrorCode.InvalidArgument, '--key expects NAME=HEX or NAME=@FILE');
  const name = spec.slice(0, eq);
  let hex = spec.slice(eq + 1);
  if (hex.startsWith('@')) {
    const path = hex.slice(1);
    try {
      hex = readFileSync(path, 'utf8');
    } catch (e) {
      throw new MeterkitError(
        ErrorCode.InputUnreadable,
        `--key ${name}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'} (check the path and its permissions; the file holds the key as hex)`,
      );
    }
  }
  try {
    return [name, new Secret(fromHex(hex.trim()), '--key')];
  } catch {
    throw new MeterkitError(ErrorCode.InvalidArgument, `--key ${name}: the value is not valid hex`);
  }
}

/**
 * Gathers credentials, first source winning per name: `--key` options, then the environment
 * (`METERKIT_KEY_<NAME>` as hex, `METERKIT_PASSWORD` as text), then the meter profile.
 */
export function resolveCredentials(input: {
  readonly keyArgs: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly profile?: MeterProfile | undefined;
}): Map<string, Secret> {
  const out = new Map<string, Secret>();
  for (const spec of input.keyArgs) {
    const [name, secret] = parseKeyArgument(spec);
    out.set(name, secret);
  }
  for (const [variable, value] of Object.entries(input.env)) {
    if (value === undefined || value === '') continue;
    if (variable === 'METERKIT_PASSWORD') {
      if (!out.has('password')) out.set('password', new Secret(new TextEncoder().encode(value), variable));
      continue;
    }
    const name = keyNameFromEnv(variable);
    if (name === undefined || out.has(name)) continue;
    try {
      out.set(name, new Secret(fromHex(value), variable));
    } catch {
      throw new MeterkitError(ErrorCode.InvalidArgument, `${variable}: the value is not valid hex`);
    }
  }
  for (const [name, secret] of input.profile?.secrets ?? []) if (!out.has(name)) out.set(name, secret);
  return out;
}

/** Lists `--key` values given as a string or an array by yargs. */
export function keyArgs(value: string | readonly string[] | undefined): readonly string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : value;
}
