import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { Argv } from 'yargs';
import type { CliIo } from '../io.js';
import { keyringPath, loadKeyring, type MeterProfile, meterProfile } from './keyring.js';
import { type Credentials, keyArgs, resolveCredentials } from './resolve.js';

/** `--key`, `--meter`, `--keyring` as yargs hands them over. */
export interface CredentialArgs {
  readonly key?: string | readonly string[] | undefined;
  readonly meter?: string | undefined;
  readonly keyring?: string | undefined;
}

const GROUP = 'Credentials:';

/** Adds the credential options to a protocol command. */
export function withCredentialOptions<T>(y: Argv<T>, keyNames: string): Argv<T & CredentialArgs> {
  return y
    .option('key', {
      alias: 'k',
      type: 'string',
      describe: `a key as NAME=HEX or NAME=@FILE, repeatable (${keyNames}); also METERKIT_KEY_<NAME>; never printed`,
      group: GROUP,
    })
    .option('meter', {
      alias: 'm',
      type: 'string',
      describe: 'a named meter profile from the keyring (connection, association and keys)',
      group: GROUP,
    })
    .option('keyring', {
      type: 'string',
      describe:
        'keyring file, JSON or TOML (default $METERKIT_KEYRING, then ~/.config/meterkit/keyring.toml)',
      group: GROUP,
    }) as Argv<T & CredentialArgs>;
}

/** The `--meter` profile (if any) and the credentials from `--key`, the environment and the profile. */
export function loadCredentials(
  args: CredentialArgs,
  io: CliIo,
): { readonly profile: MeterProfile | undefined; readonly credentials: Credentials } {
  let profile: MeterProfile | undefined;
  if (args.meter !== undefined) {
    const path = keyringPath(args.keyring, io.env);
    if (path === undefined) {
      throw loadKeyringMissing(args.meter);
    }
    profile = meterProfile(
      loadKeyring(path, (m) => io.err(`meterkit: warning: ${m}\n`)),
      args.meter,
    );
  }
  return { profile, credentials: resolveCredentials({ keyArgs: keyArgs(args.key), env: io.env, profile }) };
}

function loadKeyringMissing(meter: string): MeterkitError {
  return new MeterkitError(
    ErrorCode.InvalidArgument,
    `--meter ${meter}: no keyring found; pass --keyring FILE, set METERKIT_KEYRING, or create ~/.config/meterkit/keyring.toml`,
  );
}
