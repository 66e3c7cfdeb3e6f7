import { readFile } from 'node:fs/promises';
import { ErrorCode, fromHex, MeterkitError } from '@meterkit/core';
import type { CliIo } from './io.js';

/** What the user handed to `decode`: bytes, or text when it is XML. */
export interface DecodeInput {
  readonly bytes: Uint8Array;
  /** The input as text when it looks like a text document (XML), else undefined. */
  readonly text: string | undefined;
  /** Where it came from, for messages: `argument`, `stdin`, or the file name. */
  readonly origin: string;
}

/** True when no byte is a control character other than tab, CR, LF, FF or VT. */
function isPrintable(raw: Uint8Array): boolean {
  for (const b of raw) if ((b < 0x20 && (b < 0x09 || b > 0x0d)) || b === 0x7f) return false;
  return true;
}

function classify(raw: Uint8Array, origin: string): DecodeInput {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(raw);
  const trimmed = text.trimStart().replace(/^\uFEFF/, '');
  if (trimmed.startsWith('<')) return { bytes: raw, text: trimmed, origin };
  // printable text must be hex (fromHex reports the first bad character); anything else is raw bytes
  if (isPrintable(raw)) {
    if (text.trim() === '')
      throw new MeterkitError(ErrorCode.HexInvalid, 'the input is empty', { offset: 0 });
    return { bytes: fromHex(text), text: undefined, origin };
  }
  return { bytes: raw, text: undefined, origin };
}

/**
 * Reads `decode`'s positional argument: hex (spaces, colons and `0x` allowed), `@file` (a file of raw
 * bytes, of hex, or an XML document), or `-` (or `@-`) for standard input (the same three forms).
 */
export async function readDecodeInput(arg: string, io: CliIo): Promise<DecodeInput> {
  if (arg === '-' || arg === '@-') return classify(await io.readStdin(), 'stdin');
  if (arg.startsWith('@')) {
    const path = arg.slice(1);
    let raw: Uint8Array;
    try {
      raw = new Uint8Array(await readFile(path));
    } catch (e) {
      throw new MeterkitError(
        ErrorCode.InputUnreadable,
        `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
        {
          cause: e,
        },
      );
    }
    return classify(raw, path);
  }
  return classify(new TextEncoder().encode(arg), 'argument');
}

/**
 * Parses repeated `--key NAME=HEX` options into a map. Values are secrets: they are never echoed,
 * and a malformed one is reported by name only.
 */
export function parseKeys(specs: readonly string[]): Map<string, Uint8Array> {
  const keys = new Map<string, Uint8Array>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0)
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `--key expects NAME=HEX (got a value without a name)`,
      );
    const name = spec.slice(0, eq);
    try {
      keys.set(name, fromHex(spec.slice(eq + 1)));
    } catch {
      throw new MeterkitError(ErrorCode.InvalidArgument, `--key ${name}: the value is not valid hex`);
    }
  }
  return keys;
}
