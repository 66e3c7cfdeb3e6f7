/**
 * Sessions recorded from meterkit's simulated ANSI meter over C12.22/TCP through the real C12.22
 * client and the core TCP recorder (pcapng), for the corpus and the live replay tests.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AnsiMeter,
  type AnsiMeterProfile,
  absoluteApTitle,
  C1222Client,
  C1222KeyStore,
  EaxPrime,
  parseAnsiMeterProfile,
  serveC1222Listener,
} from '@meterkit/c1222';
import {
  collectingSink,
  ErrorCode,
  fromHex,
  MeterkitError,
  PcapngWriter,
  TcpStreamRecorder,
  toHex,
} from '@meterkit/core';
import { listenTcp, TcpTransport } from '@meterkit/core/transport';

/** The calling AP title of the recordings' head end. */
export const C1222_CLIENT_AP_TITLE = '2.16.124.113620.1.22.0.7';

/** The simulated meter's profile as shipped with @meterkit/c1222 (`profiles/ansi-meter.json`). */
export function ansiMeterProfile(): AnsiMeterProfile {
  // the entry point is src/index.ts (sources) or dist/index.js: the profiles sit next to either folder
  const entry = fileURLToPath(import.meta.resolve('@meterkit/c1222'));
  return parseAnsiMeterProfile(
    readFileSync(join(dirname(entry), '..', 'profiles', 'ansi-meter.json'), 'utf8'),
  );
}

/**
 * An EAX' context that refuses a canonified cleartext it has seen before: a meter that never
 * accepts a repeated IV and invocation id under one key (IEEE 1703 §5.3.4.8.1, §5.3.5), which the
 * simulator itself does not check.
 */
class ReplayRefusingEaxPrime extends EaxPrime {
  readonly #seen = new Set<string>();

  #check(cleartext: Uint8Array): void {
    const k = toHex(cleartext);
    if (this.#seen.has(k))
      throw new MeterkitError(ErrorCode.Replay, 'this IV and invocation id were used before');
    this.#seen.add(k);
  }

  override decrypt(cleartext: Uint8Array, ciphertext: Uint8Array, mac: Uint8Array): Uint8Array {
    this.#check(cleartext);
    return super.decrypt(cleartext, ciphertext, mac);
  }

  override verify(cleartext: Uint8Array, plaintext: Uint8Array, mac: Uint8Array): void {
    this.#check(cleartext);
    super.verify(cleartext, plaintext, mac);
  }
}

/** A key store whose contexts refuse repeated cleartexts (see `ReplayRefusingEaxPrime`). */
class ReplayRefusingKeyStore extends C1222KeyStore {
  readonly #guarded = new Map<number, EaxPrime>();

  constructor(keys: Iterable<readonly [number, Uint8Array]>) {
    super(keys);
    for (const [id, key] of keys) this.#guarded.set(id, new ReplayRefusingEaxPrime(key));
  }

  override get(keyId: number): EaxPrime | undefined {
    return this.#guarded.get(keyId);
  }
}

/** A running simulated meter. */
export interface RunningAnsiMeter {
  readonly meter: AnsiMeter;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the simulated ANSI meter on loopback TCP; `refuseReplays` makes it refuse a repeated IV. */
export async function startAnsiMeter(
  options: { readonly refuseReplays?: boolean; readonly port?: number } = {},
): Promise<RunningAnsiMeter> {
  const profile = ansiMeterProfile();
  const meter = new AnsiMeter(profile);
  const listener = await listenTcp({ host: '127.0.0.1', port: options.port ?? 0 });
  const keys = Object.entries(profile.keys ?? {}).map(([id, hex]) => [Number(id), fromHex(hex)] as const);
  serveC1222Listener(
    listener,
    meter,
    options.refuseReplays === true ? { keys: new ReplayRefusingKeyStore(keys) } : {},
  );
  return { meter, port: listener.address().port, close: () => listener.close() };
}

/** Options of `recordC1222Session`. */
export interface C1222RecordOptions {
  readonly port: number;
  /** Security mode 0 (cleartext), 1 (authenticated) or 2 (ciphered), key id 0 of the profile. */
  readonly mode: 0 | 1 | 2;
  /** Fresh IVs (default the CSPRNG; the corpus script passes a counter). */
  readonly iv?: (() => Uint8Array) | undefined;
  /** First calling-AP-invocation-id (default the client's). */
  readonly firstInvocationId?: number | undefined;
}

/**
 * Runs the C12.22 client against the simulated meter and returns the pcapng the core TCP recorder
 * wrote (server port shown as 1153): identification, reads of tables 1 and 23 (partial), two reads
 * in one message, logoff.
 */
export async function recordC1222Session(o: C1222RecordOptions): Promise<Uint8Array> {
  const profile = ansiMeterProfile();
  const sink = collectingSink();
  const recorder = new TcpStreamRecorder(new PcapngWriter(sink.sink), {
    server: { address: '127.0.0.1', port: 1153 },
  });
  const client = new C1222Client({
    transport: new TcpTransport({ host: '127.0.0.1', port: o.port }),
    callingApTitle: absoluteApTitle(C1222_CLIENT_AP_TITLE),
    calledApTitle: absoluteApTitle(profile.apTitle ?? '2.16.124.113620.1.22.0.42'),
    securityMode: o.mode,
    keys: new C1222KeyStore([[0, fromHex(profile.keys?.['0'] ?? '')]]),
    recorder,
    ...(o.iv === undefined ? {} : { iv: o.iv }),
    ...(o.firstInvocationId === undefined ? {} : { firstInvocationId: o.firstInvocationId }),
  });
  await client.open();
  try {
    await client.identify();
    await client.readTable(1);
    await client.readTable(23, { offset: 2, count: 6 });
    await client.exchange([
      { type: 'full-read', tableId: 0 },
      { type: 'full-read', tableId: 5 },
    ]);
    await client.logoff();
  } finally {
    await client.close();
  }
  return sink.bytes();
}
