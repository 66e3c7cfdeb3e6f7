/**
 * The one error type of meterkit, its stable codes, and the non-throwing result form.
 *
 * Codes are numbers grouped in bands (see `ErrorCode`). A code, once published, keeps its number
 * and meaning forever: test labs write them into expected-results files. New codes are appended
 * inside their band; each protocol package owns a sub-range so work on different protocols never
 * collides:
 *
 * | band | meaning              | core    | dlms    | c1222   | ieee2030-5 | cli/conformance |
 * |------|----------------------|---------|---------|---------|------------|-----------------|
 * | 1xx  | framing              | 100–119 | 120–139 | 140–159 | 160–179    | 180–199         |
 * | 2xx  | encoding / decoding  | 200–219 | 220–239 | 240–259 | 260–279    | 280–299         |
 * | 3xx  | security             | 300–319 | 320–339 | 340–359 | 360–379    | 380–399         |
 * | 4xx  | session / protocol   | 400–419 | 420–439 | 440–459 | 460–479    | 480–499         |
 * | 5xx  | transport            | 500–519 | 520–539 | 540–559 | 560–579    | 580–599         |
 * | 6xx  | usage                | 600–619 | 620–639 | 640–659 | 660–679    | 680–699         |
 */

/** Stable numeric error codes. The key is the code's name in code; `codeName()` gives its kebab form. */
export const ErrorCode = {
  // 1xx framing (core)
  /** A frame is shorter than its format's minimum. */
  FrameTooShort: 100,
  /** A frame check sequence (FCS, CRC) does not match. */
  FrameCheckFailed: 101,
  /** A header check sequence (HCS) does not match. */
  HeaderCheckFailed: 102,
  /** A frame's length field disagrees with the bytes received. */
  FrameLengthMismatch: 103,
  /** A frame's format, flag or start byte is not what the framing requires. */
  FrameFormatInvalid: 104,
  /** A frame is longer than the negotiated or allowed maximum. */
  FrameTooLong: 105,
  /** A frame address field is malformed. */
  FrameAddressInvalid: 106,
  /** A frame control field is malformed or unknown. */
  FrameControlInvalid: 107,
  /** Segments or blocks cannot be put back together (gap, duplicate, out of order). */
  ReassemblyFailed: 108,

  // 2xx encoding / decoding (core)
  /** The input ended before the field was complete. */
  Truncated: 200,
  /** A length field claims more bytes than remain (a "lying length"). */
  LengthOverrun: 201,
  /** A length field is malformed (reserved form, too many length octets, non-minimal where forbidden). */
  LengthInvalid: 202,
  /** BER indefinite length where only definite lengths are allowed. */
  IndefiniteLength: 203,
  /** A tag is not one the field allows. */
  UnexpectedTag: 204,
  /** A tag number is larger than this codec supports. */
  TagTooLarge: 205,
  /** A value is outside the range its type allows. */
  ValueOutOfRange: 206,
  /** A value is malformed for its type (bad OID arc, bad date, bad UTF-8, ...). */
  ValueInvalid: 207,
  /** Bytes remain after a complete PDU where none are allowed. */
  TrailingBytes: 208,
  /** Structures are nested deeper than the decoder allows. */
  NestingTooDeep: 209,
  /** A hex string is malformed (odd length, bad character). */
  HexInvalid: 210,
  /** A value cannot be encoded (e.g. missing field, wrong type in the model). */
  EncodeFailed: 211,
  /** The input is recognised but uses a feature this codec does not decode. */
  Unsupported: 212,
  /** The input is not recognised as any supported protocol. */
  UnknownProtocol: 213,

  // 3xx security (core)
  /** A MAC, GCM tag or other authentication check failed. Never says which byte differed. */
  AuthenticationFailed: 300,
  /** Decryption failed. */
  DecryptionFailed: 301,
  /** A key needed for the operation is not configured. */
  KeyMissing: 302,
  /** A key has the wrong length or form. */
  KeyInvalid: 303,
  /** A replayed or non-increasing invocation counter or nonce. */
  Replay: 304,
  /** A digital signature did not verify. */
  SignatureInvalid: 305,
  /** A certificate is malformed, expired, or does not chain to a trusted root. */
  CertificateInvalid: 306,

  // 4xx session / protocol (core)
  /** The peer sent something the session state does not allow. */
  ProtocolViolation: 400,
  /** The peer answered with something other than the awaited response. */
  UnexpectedResponse: 401,
  /** The session gave up after its retries or its timeout. */
  SessionTimeout: 402,
  /** The peer refused the request (service error, rejected association, NAK). */
  Rejected: 403,
  /** The session is not in a state where this operation is allowed. */
  InvalidState: 404,
  /** The operation was cancelled by the caller. */
  Cancelled: 405,

  // 5xx transport (core)
  /** Nothing arrived within the transport timeout. */
  TransportTimeout: 500,
  /** The transport was closed (by us or by the peer). */
  TransportClosed: 501,
  /** The transport could not be opened (refused, no such device, TLS handshake failed). */
  TransportOpenFailed: 502,
  /** A read, write or control operation failed on an open transport. */
  TransportIo: 503,

  // 6xx usage (core)
  /** An argument passed by the caller is invalid. */
  InvalidArgument: 600,
  /** The feature exists in the standard but not (yet) in meterkit. */
  NotImplemented: 601,
  /** A file or resource the caller named could not be read. */
  InputUnreadable: 602,
} as const;

/** The numeric type of any meterkit error code. Protocol packages may define codes in their sub-range. */
export type ErrorCodeValue = number;

const codeNames = new Map<number, string>();
for (const [key, value] of Object.entries(ErrorCode)) {
  codeNames.set(value, kebab(key));
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `-${c.toLowerCase()}`));
}

/**
 * Registers the codes a protocol package defines in its own sub-range, so `codeName` and the JSON
 * form know them. Registering a number twice with a different name throws: codes are stable.
 */
export function registerErrorCodes(codes: Readonly<Record<string, number>>): void {
  for (const [key, value] of Object.entries(codes)) {
    const name = kebab(key);
    const existing = codeNames.get(value);
    if (existing !== undefined && existing !== name) {
      throw new Error(`meterkit error code ${value} registered twice (${existing}, ${name})`);
    }
    codeNames.set(value, name);
  }
}

/** The kebab-case name of an error code (`201` → `"length-overrun"`), or `"code-<n>"` when unknown. */
export function codeName(code: number): string {
  return codeNames.get(code) ?? `code-${code}`;
}

/** Optional details of a `MeterkitError`. */
export interface MeterkitErrorDetails {
  /** Byte offset in the original input where the problem was found. */
  readonly offset?: number | undefined;
  /** Field path, e.g. `aare.user-information.initiate-response`. */
  readonly path?: string | undefined;
  /** The underlying error, if any. Never holds key material. */
  readonly cause?: unknown;
}

/**
 * The single error class thrown by every meterkit decoder, encoder, session and transport.
 * `code` is stable; `message` is for people and may change. Security errors never reveal keys or
 * which byte of a MAC differed.
 */
export class MeterkitError extends Error {
  /** Stable numeric code, see `ErrorCode`. */
  readonly code: number;
  /** Byte offset in the input, when the error is about bytes. */
  readonly offset: number | undefined;
  /** Field path, when the error is about a field. */
  readonly path: string | undefined;

  constructor(code: number, message: string, details: MeterkitErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'MeterkitError';
    this.code = code;
    this.offset = details.offset;
    this.path = details.path;
  }

  /** The kebab-case name of `code`. */
  get codeName(): string {
    return codeName(this.code);
  }

  /** One line: `E201 length-overrun at offset 12 (aare.user-information): message`. */
  toOneLine(): string {
    let where = '';
    if (this.offset !== undefined) where += ` at offset ${this.offset}`;
    if (this.path !== undefined && this.path !== '') where += ` (${this.path})`;
    return `E${this.code} ${this.codeName}${where}: ${this.message}`;
  }

  /** The JSON form: `{ code, name, message, offset?, path? }`. */
  toJSON(): MeterkitErrorJson {
    const json: { code: number; name: string; message: string; offset?: number; path?: string } = {
      code: this.code,
      name: this.codeName,
      message: this.message,
    };
    if (this.offset !== undefined) json.offset = this.offset;
    if (this.path !== undefined) json.path = this.path;
    return json;
  }
}

/** The JSON form of a `MeterkitError`. */
export interface MeterkitErrorJson {
  readonly code: number;
  readonly name: string;
  readonly message: string;
  readonly offset?: number;
  readonly path?: string;
}

/** True when `e` is a `MeterkitError` (optionally with the given code). */
export function isMeterkitError(e: unknown, code?: number): e is MeterkitError {
  return e instanceof MeterkitError && (code === undefined || e.code === code);
}

/** The non-throwing form of a decode: either the value or the error that stopped it. */
export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: MeterkitError };

/**
 * Runs `fn` and returns its value or its `MeterkitError` as a `Result`. Any other exception is a
 * bug in meterkit and is rethrown, so it cannot hide behind a "decode failed" verdict.
 */
export function tryResult<T>(fn: () => T): Result<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof MeterkitError) return { ok: false, error: e };
    throw e;
  }
}

/** Throws a `MeterkitError`; handy in expression position. */
export function fail(code: number, message: string, details?: MeterkitErrorDetails): never {
  throw new MeterkitError(code, message, details);
}
