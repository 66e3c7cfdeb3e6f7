/**
 * Per-input protocol overrides (issue #9: "protocol detection … overridable per file"): the CLI's
 * repeatable `--protocol-for FILE=PROTOCOL` and the API's `protocolFor` map. `FILE=PROTOCOL` is
 * used rather than a `file.pcap:protocol` suffix because a colon is legal in file names and is
 * part of Windows drive letters; `=` splits at the last one, so a path may itself hold `=`.
 */
import { resolve } from 'node:path';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { SessionProtocol } from './session/record.js';

/** The protocols an input can be forced to. */
export const OVERRIDABLE_PROTOCOLS: readonly SessionProtocol[] = ['dlms', 'c1222', 'c1218', 'ieee2030-5'];

/** Input path (resolved) → the protocol of every channel of that input. */
export type ProtocolFor = ReadonlyMap<string, SessionProtocol>;

function isProtocol(p: string): p is SessionProtocol {
  return (OVERRIDABLE_PROTOCOLS as readonly string[]).includes(p);
}

/**
 * Parses `--protocol-for` values (`FILE=PROTOCOL`, split at the last `=`) into a map keyed by the
 * resolved path. A value without `=`, with an empty file or an unknown protocol, or a file named
 * twice with different protocols, throws `ValueInvalid`.
 */
export function parseProtocolFor(values: readonly string[], cwd = process.cwd()): ProtocolFor {
  const out = new Map<string, SessionProtocol>();
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    const file = eq < 0 ? '' : v.slice(0, eq);
    const protocol =
      eq < 0
        ? ''
        : v
            .slice(eq + 1)
            .trim()
            .toLowerCase();
    if (file === '')
      throw new MeterkitError(ErrorCode.ValueInvalid, `--protocol-for needs FILE=PROTOCOL, got '${v}'`, {
        path: 'protocol-for',
      });
    if (!isProtocol(protocol))
      throw new MeterkitError(
        ErrorCode.ValueInvalid,
        `--protocol-for ${file}: unknown protocol '${protocol}' (one of ${OVERRIDABLE_PROTOCOLS.join(', ')})`,
        { path: 'protocol-for' },
      );
    const key = resolve(cwd, file);
    const before = out.get(key);
    if (before !== undefined && before !== protocol)
      throw new MeterkitError(
        ErrorCode.ValueInvalid,
        `--protocol-for names ${file} twice (${before}, ${protocol})`,
        {
          path: 'protocol-for',
        },
      );
    out.set(key, protocol);
  }
  return out;
}

/**
 * The protocol to force on one input: its `protocolFor` entry (by resolved path), else the
 * run-wide override, else undefined (detected per channel).
 */
export function protocolForInput(
  input: string,
  protocolFor: ProtocolFor | undefined,
  override: SessionProtocol | undefined,
  cwd = process.cwd(),
): SessionProtocol | undefined {
  return protocolFor?.get(resolve(cwd, input)) ?? override;
}

/**
 * Files named in `protocolFor` that are not among `inputs` (a typo would otherwise be ignored
 * silently): the CLI reports them as a usage error.
 */
export function unknownProtocolForFiles(
  inputs: readonly string[],
  protocolFor: ProtocolFor,
  cwd = process.cwd(),
): string[] {
  const given = new Set(inputs.map((i) => resolve(cwd, i)));
  return [...protocolFor.keys()].filter((k) => !given.has(k));
}
