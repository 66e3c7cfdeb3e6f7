import { readFile, stat } from 'node:fs/promises';
import { ErrorCode, MeterkitError } from '@meterkit/core';

/** Longest NSS key log line read (label and two hex fields); longer lines are skipped as malformed. */
export const MAX_KEYLOG_LINE = 1024;

/** Most sessions a key log holds; more lines are counted as dropped. */
export const MAX_KEYLOG_ENTRIES = 1_000_000;

/** Labels of TLS 1.3 secrets (NSS key log format); TLS 1.3 decryption is not implemented, they are counted. */
const TLS13_LABELS = new Set([
  'CLIENT_EARLY_TRAFFIC_SECRET',
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'SERVER_TRAFFIC_SECRET_0',
  'EARLY_EXPORTER_SECRET',
  'EXPORTER_SECRET',
]);

const HEX = /^[0-9a-fA-F]+$/;

function hexBytes(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** What adding NSS key log text did (counts only; never the secrets). */
export interface KeyLogAddResult {
  /** CLIENT_RANDOM lines taken (TLS 1.2 master secrets). */
  readonly masterSecrets: number;
  /** TLS 1.3 secret lines skipped (TLS 1.3 is not decrypted). */
  readonly tls13: number;
  /** Other labels (RSA pre-master secrets, unknown) skipped. */
  readonly otherLabels: number;
  /** Lines that are not `LABEL <hex> <hex>` with the right lengths. */
  readonly malformed: number;
}

/**
 * TLS 1.2 master secrets by client random, from NSS key log text (the SSLKEYLOGFILE format
 * written by NSS, OpenSSL, Node's `keylog` event and carried in pcapng Decryption Secrets Blocks,
 * draft-ietf-opsawg-pcapng §4.7): `CLIENT_RANDOM <64 hex client_random> <96 hex master_secret>`
 * per line, `#` comments. TLS 1.3 labels are counted and skipped (TLS 1.3 traffic stays
 * encrypted). The secrets are never shown: `toString` and `toJSON` give counts only.
 */
export class TlsKeyLog {
  readonly #secrets = new Map<string, Uint8Array>();
  readonly #base: TlsKeyLog | undefined;
  #tls13 = 0;
  #dropped = 0;

  /** A key log of its own that also finds the sessions of `base` (which it never changes). */
  constructor(base?: TlsKeyLog) {
    this.#base = base;
  }

  /** Parses key log text; returns what was taken. Malformed lines are counted, not fatal. */
  add(text: string): KeyLogAddResult {
    let masterSecrets = 0;
    let tls13 = 0;
    let otherLabels = 0;
    let malformed = 0;
    let at = 0;
    while (at < text.length) {
      let nl = text.indexOf('\n', at);
      if (nl < 0) nl = text.length;
      const raw = text.slice(at, nl);
      at = nl + 1;
      if (raw.length > MAX_KEYLOG_LINE) {
        malformed++;
        continue;
      }
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const fields = line.split(/\s+/);
      const label = fields[0]!;
      if (TLS13_LABELS.has(label)) {
        tls13++;
        continue;
      }
      if (label !== 'CLIENT_RANDOM') {
        if (/^[A-Z0-9_]+$/.test(label) && fields.length === 3) otherLabels++;
        else malformed++;
        continue;
      }
      const random = fields[1] ?? '';
      const secret = fields[2] ?? '';
      if (
        fields.length !== 3 ||
        random.length !== 64 ||
        secret.length !== 96 ||
        !HEX.test(random) ||
        !HEX.test(secret)
      ) {
        malformed++;
        continue;
      }
      const key = random.toLowerCase();
      if (!this.#secrets.has(key) && this.#secrets.size >= MAX_KEYLOG_ENTRIES) {
        this.#dropped++;
        continue;
      }
      this.#secrets.set(key, hexBytes(secret));
      masterSecrets++;
    }
    this.#tls13 += tls13;
    return { masterSecrets, tls13, otherLabels, malformed };
  }

  /** Adds key log bytes (UTF-8 text, e.g. the body of a Decryption Secrets Block). */
  addBytes(bytes: Uint8Array): KeyLogAddResult {
    return this.add(new TextDecoder('utf-8', { fatal: false }).decode(bytes));
  }

  /** The 48-byte TLS 1.2 master secret of the session with this 32-byte client random. */
  masterSecret(clientRandom: Uint8Array): Uint8Array | undefined {
    if (clientRandom.length !== 32) return undefined;
    return (
      this.#secrets.get(Buffer.from(clientRandom).toString('hex')) ?? this.#base?.masterSecret(clientRandom)
    );
  }

  /** Number of TLS 1.2 sessions added here (not counting the base's). */
  get size(): number {
    return this.#secrets.size;
  }

  /** TLS 1.3 secret lines seen and skipped. */
  get tls13Lines(): number {
    return this.#tls13;
  }

  /** Sessions not kept because `MAX_KEYLOG_ENTRIES` was reached. */
  get dropped(): number {
    return this.#dropped;
  }

  toString(): string {
    return `TlsKeyLog(${this.#secrets.size} TLS 1.2 session(s), secrets redacted)`;
  }

  toJSON(): { sessions: number; tls13Lines: number } {
    return { sessions: this.#secrets.size, tls13Lines: this.#tls13 };
  }
}

/** Largest key log file read: 64 MiB. */
export const MAX_KEYLOG_FILE = 64 * 1024 * 1024;

/**
 * Parses the contents of an SSLKEYLOGFILE (`--keylog`). Fails with `ValueInvalid` when it holds
 * no usable line at all (neither TLS 1.2 nor TLS 1.3 secrets), so a wrong file is noticed.
 */
export function parseKeyLogFile(bytes: Uint8Array, name = 'key log'): TlsKeyLog {
  if (bytes.length > MAX_KEYLOG_FILE) {
    throw new MeterkitError(ErrorCode.FrameTooLong, `${name} is larger than ${MAX_KEYLOG_FILE} bytes`);
  }
  const log = new TlsKeyLog();
  const r = log.addBytes(bytes);
  if (r.masterSecrets === 0 && r.tls13 === 0) {
    throw new MeterkitError(
      ErrorCode.ValueInvalid,
      `${name} holds no NSS key log line (CLIENT_RANDOM <client_random> <master_secret>)`,
    );
  }
  return log;
}

/** pcapng Decryption Secrets Block secrets type for a TLS key log ("TLSK", draft-ietf-opsawg-pcapng §4.7). */
export const SECRETS_TYPE_TLS_KEY_LOG = 0x544c534b;

/**
 * Reads an SSLKEYLOGFILE (`--keylog`) with `parseKeyLogFile`. A file that cannot be read fails
 * with `InputUnreadable`; the message names the file, never its contents.
 */
export async function readKeyLogFile(path: string): Promise<TlsKeyLog> {
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (info.size > MAX_KEYLOG_FILE) {
      throw new MeterkitError(
        ErrorCode.FrameTooLong,
        `--keylog ${path} is larger than ${MAX_KEYLOG_FILE} bytes`,
      );
    }
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    if (e instanceof MeterkitError) throw e;
    throw new MeterkitError(
      ErrorCode.InputUnreadable,
      `--keylog ${path}: cannot read it: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  return parseKeyLogFile(bytes, `--keylog ${path}`);
}
