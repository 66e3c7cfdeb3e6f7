/**
 * The simulated ANSI meter's profile: what it answers to identification (ANSI C12.18-2006
 * §5.3.2.4.1, IEEE 1703 §5.3.2.4.1), what it accepts in negotiation (§5.3.2.4.8), its passwords
 * and access levels (§5.3.2.4.6), its AP title for C12.22, and its C12.19 tables in the table
 * store file form (`{ "<table id>": <typed table> | "<hex>" }`).
 *
 * Passwords are test material of a simulator; they never appear in errors, logs or `toString()`.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { TableFileValue } from '../tables/store.js';

/** One password and the access it grants. */
export interface AnsiMeterPassword {
  /** ASCII password (padded with spaces to 20 bytes on the wire). */
  readonly password: string;
  /** `read` allows reads only; `write` also writes and procedures. */
  readonly access: 'read' | 'write';
}

/** A simulated meter's profile (the JSON file form). */
export interface AnsiMeterProfile {
  /** Free-form name for logs. */
  readonly name?: string;
  /** Identification response: reference standard (0 = C12.18, 3 = C12.22), version, revision. */
  readonly identification?: { readonly std: number; readonly ver: number; readonly rev: number };
  /** Largest packet size the meter accepts (default 1024). */
  readonly maxPacketSize?: number;
  /** Most packets per transmission the meter accepts (default 8). */
  readonly maxPackets?: number;
  /** Baud rate codes the meter can switch to (C12.18 §5.3.2.4.8; default 6 = 9600 … 12 = 115200). */
  readonly baudRates?: readonly number[];
  /** Passwords; an empty list means the security service always succeeds. */
  readonly passwords?: readonly AnsiMeterPassword[];
  /** The meter's AP title for C12.22 (absolute OID). */
  readonly apTitle?: string;
  /** C12.22 keys by key id, hex (simulator test material). */
  readonly keys?: Readonly<Record<string, string>>;
  /** Table ids writable with write access (ST7 always is). */
  readonly writableTables?: readonly number[];
  /** The C12.19 tables (table store file form). */
  readonly tables?: Readonly<Record<string, TableFileValue>>;
}

/** Parses a profile from JSON text, checking its shape. Throws `ValueInvalid` (207). */
export function parseAnsiMeterProfile(text: string): AnsiMeterProfile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new MeterkitError(ErrorCode.ValueInvalid, 'profile is not JSON', { cause: e });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new MeterkitError(ErrorCode.ValueInvalid, 'profile must be a JSON object');
  const p = v as Record<string, unknown>;
  const bad = (path: string, what: string): never => {
    throw new MeterkitError(ErrorCode.ValueInvalid, `profile ${path} must be ${what}`, { path });
  };
  if (
    p.tables !== undefined &&
    (typeof p.tables !== 'object' || p.tables === null || Array.isArray(p.tables))
  )
    bad('tables', 'an object');
  if (p.passwords !== undefined) {
    if (!Array.isArray(p.passwords)) bad('passwords', 'an array');
    for (const [i, e] of (p.passwords as unknown[]).entries()) {
      const x = e as Record<string, unknown> | null;
      if (typeof x !== 'object' || x === null || typeof x.password !== 'string')
        bad(`passwords[${i}]`, 'an entry');
      if (x!.access !== 'read' && x!.access !== 'write') bad(`passwords[${i}].access`, '"read" or "write"');
    }
  }
  if (
    p.baudRates !== undefined &&
    !(Array.isArray(p.baudRates) && p.baudRates.every((b) => Number.isInteger(b)))
  )
    bad('baudRates', 'an array of baud rate codes');
  for (const k of ['maxPacketSize', 'maxPackets'] as const)
    if (p[k] !== undefined && !Number.isInteger(p[k])) bad(k, 'an integer');
  if (p.apTitle !== undefined && typeof p.apTitle !== 'string') bad('apTitle', 'a dotted OID');
  if (p.keys !== undefined && (typeof p.keys !== 'object' || p.keys === null)) bad('keys', 'an object');
  return p as AnsiMeterProfile;
}

/** Reads and parses a profile file (e.g. `profiles/ansi-meter.json`). Throws `InputUnreadable` (602). */
export async function readAnsiMeterProfile(path: string): Promise<AnsiMeterProfile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new MeterkitError(ErrorCode.InputUnreadable, `cannot read profile ${path}`, { cause: e });
  }
  return parseAnsiMeterProfile(text);
}
