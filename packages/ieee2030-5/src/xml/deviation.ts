/**
 * Deviations: what a lenient decode of an IEEE 2030.5 document (sep.xsd) tolerated. Each carries
 * the error code strict mode would have thrown.
 */
import { codeName } from '@meterkit/core';

/** One tolerated departure from sep.xsd / the CSIP-AUS schemas, found while decoding leniently. */
export interface Deviation {
  /** The `Ieee20305ErrorCode` / `ErrorCode` strict decoding throws for it. */
  readonly code: number;
  /** Kebab-case name of `code` (e.g. `element-order`). */
  readonly name: string;
  /** Element path, root first (e.g. `EndDeviceList.EndDevice.lFDI`). */
  readonly path: string;
  /** Offset (UTF-16 index) in the document. */
  readonly offset: number;
  /** Human-readable explanation. */
  readonly message: string;
}

/** Builds a `Deviation`. */
export function deviation(code: number, path: string, offset: number, message: string): Deviation {
  return { code, name: codeName(code), path, offset, message };
}
