import { ErrorCode, MeterkitError } from '@meterkit/core';
import { cipherSuiteName, TLS_CIPHER_SUITES, type TlsCipherSuite } from './cipher-suite.js';
import {
  decodeClientHello,
  decodeServerHello,
  hasExtension,
  type TlsClientHello,
  TlsExtensionType,
  TlsHandshakeReassembler,
  TlsHandshakeType,
  type TlsServerHello,
} from './handshake.js';
import type { TlsKeyLog } from './keylog.js';
import { tls12KeyBlock } from './prf.js';
import { TlsContentType, TlsRecordReader, type TlsRecordView } from './record-layer.js';
import { TlsRecordDecrypter } from './record-protection.js';

/** A direction of a TLS connection. */
export type TlsDirection = 'client-to-server' | 'server-to-client';

/**
 * Whether a connection can be decrypted, known once the ServerHello is read: `pending` before,
 * `decrypt` when the suite is supported and the key log has the session's master secret,
 * `encrypted` otherwise (with the reason: no key, TLS 1.3, unsupported suite, unreadable stream).
 */
export type TlsDecision =
  | { readonly state: 'pending' }
  | { readonly state: 'decrypt'; readonly suite: TlsCipherSuite; readonly extendedMasterSecret: boolean }
  | { readonly state: 'encrypted'; readonly reason: string };

/** Receives what a connection yields, synchronously, in stream order. */
export interface TlsConnectionSink {
  /** Decrypted application data (RFC 5246 §10), with its offset in the direction's plaintext stream. */
  applicationData(direction: TlsDirection, bytes: Uint8Array, offset: number): void;
  /**
   * A problem on a connection being decrypted: a record that does not authenticate, a malformed
   * record or handshake, a fatal alert. `record` is the record's bytes when there is one.
   */
  problem(direction: TlsDirection, error: MeterkitError, record: Uint8Array | undefined): void;
}

/** AlertDescription close_notify (RFC 5246 §7.2.1). */
const CLOSE_NOTIFY = 0;

interface DirectionState {
  readonly reader: TlsRecordReader;
  handshake: TlsHandshakeReassembler | undefined;
  decrypter: TlsRecordDecrypter | undefined;
  /** ChangeCipherSpec seen: later records are protected. */
  protected: boolean;
  plaintextOffset: number;
  /** A failure already reported; the direction is not read further. */
  broken: boolean;
}

function direction(): DirectionState {
  return {
    reader: new TlsRecordReader(),
    handshake: new TlsHandshakeReassembler(),
    decrypter: undefined,
    protected: false,
    plaintextOffset: 0,
    broken: false,
  };
}

/**
 * Follows one TLS 1.2 connection (both directions of a TCP stream, RFC 5246) and decrypts it with a
 * key log: reads records (§6.2), the ClientHello and ServerHello (§7.4.1.2–3: client_random,
 * server_random, the chosen cipher suite, extensions such as extended_master_secret, RFC 7627),
 * derives the keys from the session's master secret (§6.3, `tls12KeyBlock`) and, after each side's
 * ChangeCipherSpec (§7.1), decrypts its records (`TlsRecordDecrypter`). The extended master secret
 * changes only how the master secret is made, which the key log already holds. Bad input and bad
 * tags go to `sink.problem`, never thrown; secrets stay inside.
 */
export class TlsConnection {
  readonly #keyLog: TlsKeyLog;
  readonly #sink: TlsConnectionSink;
  readonly #dirs: Record<TlsDirection, DirectionState> = {
    'client-to-server': direction(),
    'server-to-client': direction(),
  };
  #clientHello: TlsClientHello | undefined;
  #serverHello: TlsServerHello | undefined;
  #decision: TlsDecision = { state: 'pending' };

  constructor(keyLog: TlsKeyLog, sink: TlsConnectionSink) {
    this.#keyLog = keyLog;
    this.#sink = sink;
  }

  /** Whether this connection is decrypted (see `TlsDecision`). */
  get decision(): TlsDecision {
    return this.#decision;
  }

  /** The ClientHello, once read. */
  get clientHello(): TlsClientHello | undefined {
    return this.#clientHello;
  }

  /** The ServerHello, once read. */
  get serverHello(): TlsServerHello | undefined {
    return this.#serverHello;
  }

  /** Feeds bytes of one direction of the TCP stream. */
  push(dir: TlsDirection, bytes: Uint8Array): void {
    const d = this.#dirs[dir];
    if (d.broken || this.#decision.state === 'encrypted') return;
    try {
      d.reader.push(bytes, (record) => this.#record(dir, d, record));
    } catch (e) {
      if (!(e instanceof MeterkitError)) throw e;
      this.#fail(dir, d, e, undefined);
    }
  }

  /** Bytes are missing from one direction: its record boundaries are lost, it is not read further. */
  gap(dir: TlsDirection, missing: number): void {
    const d = this.#dirs[dir];
    if (d.broken || this.#decision.state === 'encrypted') return;
    d.reader.gap(missing);
    this.#fail(
      dir,
      d,
      new MeterkitError(ErrorCode.Truncated, `${missing} byte(s) missing from the TLS stream`, {
        offset: d.reader.position,
        path: 'tls.record',
      }),
      undefined,
    );
  }

  #fail(dir: TlsDirection, d: DirectionState, error: MeterkitError, record: Uint8Array | undefined): void {
    d.broken = true;
    if (this.#decision.state === 'pending') {
      this.#decision = { state: 'encrypted', reason: `unreadable TLS stream: ${error.message}` };
    } else this.#sink.problem(dir, error, record);
  }

  #record(dir: TlsDirection, d: DirectionState, record: TlsRecordView): void {
    if (d.broken) return;
    if (
      this.#decision.state === 'pending' &&
      (record.type === TlsContentType.APPLICATION_DATA ||
        (record.type === TlsContentType.CHANGE_CIPHER_SPEC && this.#serverHello === undefined))
    ) {
      // the capture started after the handshake: nothing to derive keys from
      this.#decision = { state: 'encrypted', reason: 'the handshake is not in the capture' };
      return;
    }
    if (record.type === TlsContentType.CHANGE_CIPHER_SPEC && !d.protected) {
      d.protected = true;
      d.handshake = undefined;
      return;
    }
    if (d.protected) {
      this.#protectedRecord(dir, d, record);
      return;
    }
    if (record.type === TlsContentType.HANDSHAKE) {
      if (d.handshake === undefined) return;
      try {
        for (const m of d.handshake.push(record.fragment))
          this.#handshake(dir, d, m.msgType, m.body, m.offset);
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
        this.#fail(dir, d, e, undefined);
      }
    } else if (record.type === TlsContentType.APPLICATION_DATA && this.#decision.state === 'decrypt') {
      this.#fail(
        dir,
        d,
        new MeterkitError(ErrorCode.UnexpectedTag, 'application data before ChangeCipherSpec', {
          offset: record.offset,
          path: 'tls.record.type',
        }),
        recordBytes(record),
      );
    }
  }

  #handshake(dir: TlsDirection, d: DirectionState, msgType: number, body: Uint8Array, offset: number): void {
    if (
      dir === 'client-to-server' &&
      msgType === TlsHandshakeType.CLIENT_HELLO &&
      this.#clientHello === undefined
    ) {
      this.#clientHello = decodeClientHello(body, offset);
      d.handshake = undefined;
    } else if (dir === 'server-to-client' && msgType === TlsHandshakeType.SERVER_HELLO) {
      this.#serverHello = decodeServerHello(body, offset);
      d.handshake = undefined;
      this.#decide();
    }
  }

  #decide(): void {
    const ch = this.#clientHello;
    const sh = this.#serverHello!;
    if (ch === undefined) {
      this.#decision = { state: 'encrypted', reason: 'the ClientHello is not in the capture' };
      return;
    }
    const selected = sh.extensions.find((e) => e.type === TlsExtensionType.SUPPORTED_VERSIONS);
    if (
      sh.version !== 0x0303 ||
      (selected !== undefined && selected.data.length >= 2 && selected.data[1] !== 3)
    ) {
      const tls13 = selected !== undefined && selected.data[0] === 3 && selected.data[1] === 4;
      this.#decision = {
        state: 'encrypted',
        reason: tls13
          ? 'TLS 1.3 is not decrypted (its key log labels are skipped)'
          : `TLS version 0x${sh.version.toString(16)} is not decrypted (TLS 1.2 only)`,
      };
      return;
    }
    const suite = TLS_CIPHER_SUITES.get(sh.cipherSuite);
    if (suite === undefined) {
      this.#decision = {
        state: 'encrypted',
        reason: `cipher suite ${cipherSuiteName(sh.cipherSuite)} is not decrypted`,
      };
      return;
    }
    const master = this.#keyLog.masterSecret(ch.random);
    if (master === undefined) {
      this.#decision = { state: 'encrypted', reason: 'no key log entry for this session' };
      return;
    }
    const keys = tls12KeyBlock(master, ch.random, sh.random, suite.keyLength, suite.fixedIvLength);
    this.#dirs['client-to-server'].decrypter = new TlsRecordDecrypter(
      suite,
      keys.clientWriteKey,
      keys.clientWriteIv,
    );
    this.#dirs['server-to-client'].decrypter = new TlsRecordDecrypter(
      suite,
      keys.serverWriteKey,
      keys.serverWriteIv,
    );
    this.#decision = {
      state: 'decrypt',
      suite,
      extendedMasterSecret:
        hasExtension(sh, TlsExtensionType.EXTENDED_MASTER_SECRET) &&
        hasExtension(ch, TlsExtensionType.EXTENDED_MASTER_SECRET),
    };
  }

  #protectedRecord(dir: TlsDirection, d: DirectionState, record: TlsRecordView): void {
    if (d.decrypter === undefined) {
      // ChangeCipherSpec before the hellos were read: the keys cannot be known
      if (this.#decision.state === 'pending')
        this.#decision = { state: 'encrypted', reason: 'ChangeCipherSpec before the hellos' };
      return;
    }
    const result = d.decrypter.decrypt(record.type, record.version, record.fragment, record.offset + 5);
    if (!result.ok) {
      // the sequence number moved on: later records still decrypt
      this.#sink.problem(dir, result.error, recordBytes(record));
      return;
    }
    switch (record.type) {
      case TlsContentType.APPLICATION_DATA:
        if (result.plaintext.length > 0) {
          this.#sink.applicationData(dir, result.plaintext, d.plaintextOffset);
          d.plaintextOffset += result.plaintext.length;
        }
        break;
      case TlsContentType.ALERT: {
        const level = result.plaintext[0];
        const description = result.plaintext[1];
        if (level === 2 || (description !== undefined && description !== CLOSE_NOTIFY && level !== 1)) {
          this.#sink.problem(
            dir,
            new MeterkitError(
              ErrorCode.ValueInvalid,
              `fatal TLS alert ${description ?? '?'} (RFC 5246 §7.2)`,
              { offset: record.offset, path: 'tls.alert' },
            ),
            undefined,
          );
        }
        break;
      }
      default:
        // Finished and later handshake messages (renegotiation is not followed), heartbeats
        break;
    }
  }
}

function recordBytes(record: TlsRecordView): Uint8Array {
  const out = new Uint8Array(5 + record.fragment.length);
  out[0] = record.type;
  out[1] = record.version >> 8;
  out[2] = record.version & 0xff;
  out[3] = record.fragment.length >> 8;
  out[4] = record.fragment.length & 0xff;
  out.set(record.fragment, 5);
  return out;
}
