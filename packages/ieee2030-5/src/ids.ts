/**
 * IEEE 2030.5 device identities (IEEE 2030.5-2018 §6.3.3 and §6.3.4): the Long-Form Device
 * Identifier (LFDI: the first 160 bits of the SHA-256 hash of the device certificate's DER
 * encoding), the Short-Form Device Identifier (SFDI: the first 36 bits of that hash as a decimal
 * integer followed by a check digit) and the registration PIN check digit.
 *
 * The check digit makes the sum of all decimal digits a multiple of 10 (a plain digit sum, not Luhn).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { Ieee20305ErrorCode } from './errors.js';

/** A device's identifiers derived from its certificate. */
export interface DeviceIdentity {
  /** LFDI: 40 lowercase hex digits. */
  readonly lfdi: string;
  /** SFDI: the 36-bit prefix as a decimal number with its check digit appended (11 or 12 digits, never zero-padded). */
  readonly sfdi: bigint;
}

/** The DER bytes of a certificate given as PEM text or DER bytes (parsed with node:crypto to check it is one). */
export function certificateDer(certificate: string | Uint8Array): Uint8Array {
  try {
    const cert = new X509Certificate(
      typeof certificate === 'string' ? certificate : Buffer.from(certificate),
    );
    const raw = cert.raw;
    return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  } catch (e) {
    throw new MeterkitError(ErrorCode.CertificateInvalid, 'not a parseable X.509 certificate', { cause: e });
  }
}

/** SHA-256 fingerprint of the certificate's DER encoding (IEEE 2030.5 §6.3.3), lowercase hex. */
export function certificateFingerprint(certificate: string | Uint8Array): string {
  return createHash('sha256').update(certificateDer(certificate)).digest('hex');
}

/** LFDI from a SHA-256 fingerprint (64 hex digits or 32 bytes): its first 160 bits (§6.3.4). */
export function lfdiFromFingerprint(fingerprint: string | Uint8Array): string {
  const hex =
    typeof fingerprint === 'string' ? fingerprint.toLowerCase() : Buffer.from(fingerprint).toString('hex');
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new MeterkitError(ErrorCode.InvalidArgument, 'a SHA-256 fingerprint has 32 octets (64 hex digits)');
  }
  return hex.slice(0, 40);
}

/** LFDI of a device certificate (PEM or DER): first 160 bits of SHA-256 over the DER, 40 lowercase hex digits. */
export function lfdiFromCertificate(certificate: string | Uint8Array): string {
  return certificateFingerprint(certificate).slice(0, 40);
}

/**
 * The check digit for a decimal payload (§6.3.3): the digit that makes the sum of all digits,
 * check digit included, a multiple of 10.
 */
export function checkDigit(payload: string | bigint | number): number {
  const digits = typeof payload === 'string' ? payload : payload.toString();
  if (!/^[0-9]+$/.test(digits))
    throw new MeterkitError(ErrorCode.InvalidArgument, 'check digits are computed over decimal digits');
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += digits.charCodeAt(i) - 0x30;
  return (10 - (sum % 10)) % 10;
}

/** Whether the last digit of `value` is the §6.3.3 check digit of the digits before it. */
export function hasValidCheckDigit(value: string | bigint | number): boolean {
  const digits = typeof value === 'string' ? value : value.toString();
  if (!/^[0-9]{2,}$/.test(digits)) return false;
  return checkDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 0x30;
}

/** SFDI from an LFDI (§6.3.3): first 36 bits (9 hex digits) as decimal, then the check digit. */
export function sfdiFromLfdi(lfdi: string): bigint {
  if (!/^[0-9a-fA-F]{40}$/.test(lfdi))
    throw new MeterkitError(ErrorCode.InvalidArgument, 'an LFDI has 40 hex digits');
  const prefix = BigInt(`0x${lfdi.slice(0, 9)}`);
  return prefix * 10n + BigInt(checkDigit(prefix));
}

/** LFDI and SFDI of a device certificate (PEM or DER). */
export function deviceIdentity(certificate: string | Uint8Array): DeviceIdentity {
  const lfdi = lfdiFromCertificate(certificate);
  return { lfdi, sfdi: sfdiFromLfdi(lfdi) };
}

/** Throws `CheckDigitInvalid` unless `sfdi` carries a correct check digit. */
export function assertValidSfdi(sfdi: string | bigint): bigint {
  if (!hasValidCheckDigit(sfdi)) {
    throw new MeterkitError(Ieee20305ErrorCode.CheckDigitInvalid, `SFDI ${sfdi} has a wrong check digit`);
  }
  return typeof sfdi === 'bigint' ? sfdi : BigInt(sfdi);
}

/** A registration PIN (§6.3.4 Registration.pIN, PINType) from its 5-digit payload: payload × 10 + check digit. */
export function pinFromPayload(payload: number): number {
  if (!Number.isInteger(payload) || payload < 0 || payload > 99999) {
    throw new MeterkitError(ErrorCode.InvalidArgument, 'a PIN payload has at most 5 digits');
  }
  return payload * 10 + checkDigit(payload.toString().padStart(5, '0'));
}

/** Whether a 6-digit PIN (PINType) carries a correct check digit. */
export function isValidPin(pin: number | string): boolean {
  const digits = typeof pin === 'number' ? pin.toString().padStart(6, '0') : pin;
  return /^[0-9]{6}$/.test(digits) && hasValidCheckDigit(digits);
}

/**
 * Formats an LFDI for people: uppercase, in groups (default 4 hex digits joined by '-',
 * e.g. `3E4F-45AB-31ED-...`).
 */
export function formatLfdi(lfdi: string, groupSize = 4, separator = '-'): string {
  if (!/^[0-9a-fA-F]{40}$/.test(lfdi))
    throw new MeterkitError(ErrorCode.InvalidArgument, 'an LFDI has 40 hex digits');
  return group(lfdi.toUpperCase(), groupSize, separator);
}

/** Formats an SFDI for people in groups of digits from the left (default `167-261-211-391`). */
export function formatSfdi(sfdi: bigint | string, groupSize = 3, separator = '-'): string {
  const digits = sfdi.toString();
  if (!/^[0-9]+$/.test(digits))
    throw new MeterkitError(ErrorCode.InvalidArgument, 'an SFDI is a decimal number');
  return group(digits, groupSize, separator);
}

/** Parses an LFDI written with any separators/case back to 40 lowercase hex digits. */
export function parseLfdi(text: string): string {
  const hex = text.replace(/[\s:-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(hex))
    throw new MeterkitError(ErrorCode.ValueInvalid, 'an LFDI has 40 hex digits');
  return hex;
}

function group(s: string, size: number, separator: string): string {
  if (!Number.isInteger(size) || size < 1)
    throw new MeterkitError(ErrorCode.InvalidArgument, 'group size must be ≥ 1');
  const parts: string[] = [];
  for (let i = 0; i < s.length; i += size) parts.push(s.slice(i, i + size));
  return parts.join(separator);
}
