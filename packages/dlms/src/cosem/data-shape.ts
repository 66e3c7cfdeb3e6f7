/**
 * Small readers that take apart COSEM attribute values (A-XDR `Data`) with typed errors, so the
 * attribute decoders read like the Blue Book's type definitions.
 */
import { MeterkitError } from '@meterkit/core';
import type { DlmsData } from '../axdr/data.js';
import { DlmsErrorCode } from '../errors.js';

/** Throws `AttributeValueInvalid` (228) at `path`. */
export function invalidAttribute(path: string, message: string): never {
  throw new MeterkitError(DlmsErrorCode.AttributeValueInvalid, message, { path });
}

/** The elements of a structure with exactly `n` elements (or at least `n` when `atLeast`). */
export function structureOf(d: DlmsData, n: number, path: string, atLeast = false): readonly DlmsData[] {
  if (d.type !== 'structure' || (atLeast ? d.value.length < n : d.value.length !== n)) {
    invalidAttribute(
      path,
      `expected a structure of ${atLeast ? 'at least ' : ''}${n} elements, got ${describe(d)}`,
    );
  }
  return d.value;
}

/** The elements of an array. */
export function arrayOf(d: DlmsData, path: string): readonly DlmsData[] {
  if (d.type !== 'array') invalidAttribute(path, `expected an array, got ${describe(d)}`);
  return d.value;
}

/** An integer-valued element (any integer type, enum, bcd). */
export function integerOf(d: DlmsData, path: string): number {
  if (typeof d.value === 'number' && d.type !== 'float32' && d.type !== 'float64') return d.value;
  return invalidAttribute(path, `expected an integer, got ${describe(d)}`);
}

/** An octet-string element. */
export function octetsOf(d: DlmsData, path: string, length?: number): Uint8Array {
  if (d.type !== 'octet-string' || (length !== undefined && d.value.length !== length)) {
    invalidAttribute(
      path,
      `expected an octet-string${length !== undefined ? ` of ${length} octets` : ''}, got ${describe(d)}`,
    );
  }
  return d.value;
}

/** A boolean element. */
export function booleanOf(d: DlmsData, path: string): boolean {
  if (d.type !== 'boolean') invalidAttribute(path, `expected a boolean, got ${describe(d)}`);
  return d.value;
}

function describe(d: DlmsData): string {
  if (d.type === 'structure' || d.type === 'array') return `${d.type} of ${d.value.length}`;
  return d.type;
}
