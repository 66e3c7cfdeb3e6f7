/**
 * general-signing (IEC 62056-5-3 §9.2.7.2.5, §8.2 tag 0xDF): an xDLMS APDU, plain or ciphered,
 * wrapped with addressing fields and an ECDSA signature (suites 1 and 2).
 *
 * The signature is computed over the transaction-id, originator-system-title,
 * recipient-system-title, date-time and other-information fields as encoded (each with its length
 * octet) followed by the content octets (without the content's own length), and travels as raw
 * r ‖ s (64 octets on P-256, 96 on P-384). This follows the Green Book's list of signed fields as
 * interoperable implementations (Gurux) apply it: the APDU tag and the content length are not
 * signed.
 */

import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';
import { decodeContext, writeOctetString } from '../apdu/common.js';
import { type GeneralSigning, readGeneralSigning, writeGeneralSigning } from '../apdu/general-signing.js';
import { DlmsErrorCode } from '../errors.js';
import { requireCertifiedPeerKey } from './certificate-validation.js';
import { CipheredApduTag } from './ciphered-tags.js';
import { ecdsaSign, ecdsaVerify } from './ecc.js';
import type { SecurityContext } from './security-context.js';

/**
 * A decoded general-signing APDU: the envelope the APDU codec decodes (`GeneralSigning`), plus the
 * octets the signature covers and the raw APDU.
 */
export interface GeneralSigningApdu extends GeneralSigning {
  /** The signed octets: the encoded transaction-id … other-information fields ‖ content. */
  readonly signedData: Uint8Array;
  readonly raw: Uint8Array;
}

/** The fields of general-signing other than the signature, for building one. */
export type GeneralSigningFields = Omit<GeneralSigning, 'type' | 'signature'>;

/** Decodes a general-signing APDU (IEC 62056-5-3 §8.2). `base` is the absolute offset of `bytes[0]`. */
export function decodeGeneralSigning(bytes: Uint8Array, base = 0): GeneralSigningApdu {
  const r = new Reader(bytes, 0, bytes.length, base);
  const tag = r.u8('general-signing.tag');
  if (tag !== CipheredApduTag.GeneralSigning) {
    r.fail(
      ErrorCode.UnexpectedTag,
      `tag 0x${tag.toString(16)} is not general-signing (0xdf)`,
      'general-signing.tag',
      0,
    );
  }
  const g = readGeneralSigning(r, decodeContext());
  r.expectEnd('general-signing');
  // the signed fields exactly as received (their length octets included), then the content octets
  const fieldsEnd = g.otherInformation.byteOffset - bytes.byteOffset + g.otherInformation.length;
  const signedData = new Uint8Array(fieldsEnd - 1 + g.content.length);
  signedData.set(bytes.subarray(1, fieldsEnd), 0);
  signedData.set(g.content, fieldsEnd - 1);
  return { ...g, signedData, raw: bytes };
}

function writeFields(w: Writer, f: GeneralSigningFields): void {
  writeOctetString(w, f.transactionId);
  writeOctetString(w, f.originatorSystemTitle);
  writeOctetString(w, f.recipientSystemTitle);
  writeOctetString(w, f.dateTime);
  writeOctetString(w, f.otherInformation);
}

/** The octets general-signing signs (see the module comment): encoded fields ‖ content. */
export function generalSigningSignedData(f: GeneralSigningFields): Uint8Array {
  const w = new Writer(f.content.length + 64);
  writeFields(w, f);
  w.bytes(f.content);
  return w.finish();
}

/** Encodes a general-signing APDU with a given signature (IEC 62056-5-3 §8.2). */
export function encodeGeneralSigning(
  f: GeneralSigningFields & { readonly signature: Uint8Array },
): Uint8Array {
  const w = new Writer(f.content.length + f.signature.length + 64);
  writeGeneralSigning(w, { type: 'general-signing', ...f });
  return w.finish();
}

/** Options of `signApdu`; the fields default as noted. */
export interface SignOptions {
  /** Default: 8 random octets. */
  readonly transactionId?: Uint8Array;
  /** Default: the context's peer system title, or empty. */
  readonly recipientSystemTitle?: Uint8Array;
  /** Default: empty. */
  readonly dateTime?: Uint8Array;
  /** Default: empty. */
  readonly otherInformation?: Uint8Array;
}

/**
 * Wraps `content` (a plain or ciphered APDU) into a general-signing APDU signed with the context's
 * signing key (IEC 62056-5-3 §9.2.7.2.5). Throws `KeyMissing` (302) without a signing key.
 */
export function signApdu(ctx: SecurityContext, content: Uint8Array, options: SignOptions = {}): Uint8Array {
  const key = ctx.signingKey;
  if (key === undefined)
    throw new MeterkitError(ErrorCode.KeyMissing, 'signing key is not set in the security context');
  const own = ctx.systemTitle;
  if (own === undefined)
    throw new MeterkitError(DlmsErrorCode.SystemTitleInvalid, 'our system title is unknown');
  const fields: GeneralSigningFields = {
    transactionId: options.transactionId ?? new Uint8Array(randomBytes(8)),
    originatorSystemTitle: own,
    recipientSystemTitle: options.recipientSystemTitle ?? ctx.peerSystemTitle ?? new Uint8Array(0),
    dateTime: options.dateTime ?? new Uint8Array(0),
    otherInformation: options.otherInformation ?? new Uint8Array(0),
    content,
  };
  const signature = ecdsaSign(ctx.suite, key, generalSigningSignedData(fields));
  return encodeGeneralSigning({ ...fields, signature });
}

/**
 * Decodes a general-signing APDU and verifies its signature with `publicKey` (default: the
 * context's peer signing key, else the originator's digital-signature certificate held in the
 * context, validated with `certifiedPeerKey`). Throws `SignatureInvalid` (305) when it does not
 * verify, `KeyMissing` (302) without a key, and the certificate errors (330–333) when the
 * certificate does not validate.
 */
export function verifyGeneralSigning(
  ctx: SecurityContext,
  bytes: Uint8Array,
  publicKey?: KeyObject,
): GeneralSigningApdu {
  const apdu = decodeGeneralSigning(bytes);
  const key =
    publicKey ??
    ctx.peerSigningKey ??
    requireCertifiedPeerKey(
      ctx,
      'digital-signature',
      apdu.originatorSystemTitle.length === 8 ? apdu.originatorSystemTitle : undefined,
      "the peer's signing public key",
    );
  if (!ecdsaVerify(ctx.suite, key, apdu.signedData, apdu.signature)) {
    throw new MeterkitError(ErrorCode.SignatureInvalid, 'general-signing signature does not verify');
  }
  return apdu;
}
