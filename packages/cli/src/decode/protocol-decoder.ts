import type { DecodeInput } from '../input.js';

/** The protocols `meterkit decode --protocol` accepts. */
export const PROTOCOLS = ['dlms', 'c1222', 'c1218', 'ieee2030-5'] as const;
/** One of `PROTOCOLS`. */
export type ProtocolName = (typeof PROTOCOLS)[number];

/** What a decoder may use besides the bytes. */
export interface DecodeContext {
  /** Keys from `--key NAME=HEX` (e.g. `ek`, `ak`, `st`, `c1222:0`). Secrets: never print them. */
  readonly keys: ReadonlyMap<string, Uint8Array>;
  /** Base OID for relative C12.22 AP titles (`--base-oid`). */
  readonly baseOid?: string | undefined;
  /** Decode real-meter deviations leniently and report them (default true in the CLI). */
  readonly lenient: boolean;
}

/** One decoded layer (frame, security header, APDU, data...), outermost first. */
export interface DecodedLayer {
  /** The layer's name, e.g. `hdlc-frame`, `wrapper`, `security-header`, `apdu`. */
  readonly layer: string;
  /** The decoded value in plain data (rendered through the JSON form). */
  readonly value: unknown;
}

/** The result of decoding one input. */
export interface DecodeResult {
  readonly protocol: ProtocolName;
  readonly layers: readonly DecodedLayer[];
  /** Things worth telling the user: tolerated deviations, "could not decrypt: no key", ... */
  readonly notes: readonly string[];
}

/** A protocol package's entry into `meterkit decode`. */
export interface ProtocolDecoder {
  readonly protocol: ProtocolName;
  /** Decodes every layer of the input; throws `MeterkitError` when it cannot. */
  decode(input: DecodeInput, context: DecodeContext): DecodeResult;
}
