import { ErrorCode, MeterkitError, Reader } from '@meterkit/core';

/** HandshakeType values the harness reads (RFC 5246 §7.4). */
export const TlsHandshakeType = {
  CLIENT_HELLO: 1,
  SERVER_HELLO: 2,
} as const;

/** ExtensionType values the harness names (RFC 7627 §5.1, RFC 8446 §4.2). */
export const TlsExtensionType = {
  EXTENDED_MASTER_SECRET: 23,
  SUPPORTED_VERSIONS: 43,
} as const;

/** Longest handshake message reassembled (certificate chains included): 256 KiB. */
export const MAX_HANDSHAKE_MESSAGE = 256 * 1024;

/** One hello extension (RFC 5246 §7.4.1.4). */
export interface TlsExtension {
  readonly type: number;
  readonly data: Uint8Array;
}

/** The fields of a ClientHello the harness uses (RFC 5246 §7.4.1.2). */
export interface TlsClientHello {
  readonly type: 'client-hello';
  readonly version: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly extensions: readonly TlsExtension[];
}

/** The fields of a ServerHello the harness uses (RFC 5246 §7.4.1.3). */
export interface TlsServerHello {
  readonly type: 'server-hello';
  readonly version: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuite: number;
  readonly compressionMethod: number;
  readonly extensions: readonly TlsExtension[];
}

function readExtensions(r: Reader, path: string): TlsExtension[] {
  const out: TlsExtension[] = [];
  if (r.atEnd) return out;
  const length = r.u16(`${path}.extensions.length`);
  const list = r.sub(length, `${path}.extensions`);
  while (!list.atEnd) {
    const type = list.u16(`${path}.extensions.type`);
    const n = list.u16(`${path}.extensions.length`);
    out.push({ type, data: list.bytes(n, `${path}.extensions.data`) });
  }
  r.expectEnd(path);
  return out;
}

/** True when the hello carries an extension of this type (e.g. extended_master_secret, RFC 7627). */
export function hasExtension(hello: { readonly extensions: readonly TlsExtension[] }, type: number): boolean {
  return hello.extensions.some((e) => e.type === type);
}

/**
 * Decodes a ClientHello body (RFC 5246 §7.4.1.2): client_version, random, session_id<0..32>,
 * cipher_suites<2..2^16-2>, compression_methods<1..2^8-1>, optional extensions. `base` is the
 * body's stream offset, for errors.
 */
export function decodeClientHello(body: Uint8Array, base = 0): TlsClientHello {
  const r = new Reader(body, 0, body.length, base);
  const version = r.u16('client-hello.version');
  const random = r.bytes(32, 'client-hello.random');
  const sidLength = r.u8('client-hello.session-id');
  if (sidLength > 32) r.fail(ErrorCode.LengthInvalid, 'session_id longer than 32', 'client-hello.session-id');
  const sessionId = r.bytes(sidLength, 'client-hello.session-id');
  const suitesLength = r.u16('client-hello.cipher-suites');
  if (suitesLength < 2 || suitesLength % 2 !== 0)
    r.fail(ErrorCode.LengthInvalid, `cipher_suites length ${suitesLength}`, 'client-hello.cipher-suites');
  const suites = r.sub(suitesLength, 'client-hello.cipher-suites');
  const cipherSuites: number[] = [];
  while (!suites.atEnd) cipherSuites.push(suites.u16('client-hello.cipher-suites'));
  const compLength = r.u8('client-hello.compression-methods');
  r.bytes(compLength, 'client-hello.compression-methods');
  const extensions = readExtensions(r, 'client-hello');
  return { type: 'client-hello', version, random, sessionId, cipherSuites, extensions };
}

/**
 * Decodes a ServerHello body (RFC 5246 §7.4.1.3): server_version, random, session_id,
 * cipher_suite, compression_method, optional extensions.
 */
export function decodeServerHello(body: Uint8Array, base = 0): TlsServerHello {
  const r = new Reader(body, 0, body.length, base);
  const version = r.u16('server-hello.version');
  const random = r.bytes(32, 'server-hello.random');
  const sidLength = r.u8('server-hello.session-id');
  if (sidLength > 32) r.fail(ErrorCode.LengthInvalid, 'session_id longer than 32', 'server-hello.session-id');
  const sessionId = r.bytes(sidLength, 'server-hello.session-id');
  const cipherSuite = r.u16('server-hello.cipher-suite');
  const compressionMethod = r.u8('server-hello.compression-method');
  const extensions = readExtensions(r, 'server-hello');
  return { type: 'server-hello', version, random, sessionId, cipherSuite, compressionMethod, extensions };
}

/** One whole handshake message (RFC 5246 §7.4: msg_type, uint24 length, body). */
export interface TlsHandshakeMessage {
  readonly msgType: number;
  readonly body: Uint8Array;
  /** Offset of the body in the direction's stream of handshake bytes. */
  readonly offset: number;
}

/**
 * Reassembles handshake messages from the fragments of plaintext handshake records (RFC 5246
 * §6.2.1: a message may span records, a record may hold several). A length above
 * `MAX_HANDSHAKE_MESSAGE` throws `FrameTooLong`.
 */
export class TlsHandshakeReassembler {
  #buf: Uint8Array = new Uint8Array(0);
  #base = 0;

  /** Feeds a handshake record's fragment; returns the messages it completes (bodies copied). */
  push(fragment: Uint8Array): TlsHandshakeMessage[] {
    const buf = new Uint8Array(this.#buf.length + fragment.length);
    buf.set(this.#buf);
    buf.set(fragment, this.#buf.length);
    const out: TlsHandshakeMessage[] = [];
    let at = 0;
    while (buf.length - at >= 4) {
      const length = (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
      if (length > MAX_HANDSHAKE_MESSAGE) {
        throw new MeterkitError(
          ErrorCode.FrameTooLong,
          `handshake message of ${length} bytes exceeds ${MAX_HANDSHAKE_MESSAGE}`,
          { offset: this.#base + at + 1, path: 'tls.handshake.length' },
        );
      }
      if (buf.length - at - 4 < length) break;
      out.push({ msgType: buf[at]!, body: buf.slice(at + 4, at + 4 + length), offset: this.#base + at + 4 });
      at += 4 + length;
    }
    this.#base += at;
    this.#buf = buf.slice(at);
    return out;
  }
}
