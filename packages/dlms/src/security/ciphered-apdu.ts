/**
 * The byte layout of every ciphered xDLMS APDU (IEC 62056-5-3 §9.2.7.2.4 and §8.2): the
 * service-specific glo-/ded- APDUs, general-glo-ciphering, general-ded-ciphering and
 * general-ciphering. Decoding only splits the envelope (no key needed); `decipher.ts` and
 * `cipher.ts` do the cryptography.
 *
 * Every ciphered APDU carries ciphered-content = security header (SC ‖ IC) ‖ information ‖ [tag]:
 * `information` is the ciphertext when SC.E is set and the plaintext otherwise; the 12-octet tag
 * is present when SC.A is set.
 */
import { ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';
import { CipheredApduTag, plainTagFor, type ServiceSpecificKind } from './ciphered-tags.js';
import { GCM_TAG_LENGTH } from './gcm.js';
import { decodeSecurityControl, encodeSecurityControl, type SecurityControl } from './security-control.js';

/** Fields shared by every ciphered APDU form (the ciphered-content, IEC 62056-5-3 §9.2.7.2.4). */
export interface CipheredContent {
  readonly securityControl: SecurityControl;
  /** Invocation counter (IC) of the security header. */
  readonly invocationCounter: number;
  /** The information part: ciphertext when SC.E is set, else the plaintext APDU. */
  readonly ciphertext: Uint8Array;
  /** The 12-octet GCM tag when SC.A is set. */
  readonly authenticationTag: Uint8Array | undefined;
}

/** A glo-xxx or ded-xxx APDU (IEC 62056-5-3 §8.2): tag, length, ciphered-content. */
export interface ServiceSpecificCipheredApdu extends CipheredContent {
  readonly type: 'service-specific-ciphering';
  /** The ciphered tag (e.g. 0xC8 glo-get-request). */
  readonly tag: number;
  /** The tag of the plain APDU inside (e.g. 0xC0 get-request). */
  readonly plainTag: number;
  /** glo- (global key) or ded- (dedicated key). */
  readonly kind: ServiceSpecificKind;
  readonly raw: Uint8Array;
}

/** general-glo-ciphering / general-ded-ciphering (IEC 62056-5-3 §9.2.7.2.4.2): tag, system-title, ciphered-content. */
export interface GeneralGloCipheredApdu extends CipheredContent {
  readonly type: 'general-glo-ciphering';
  /** The sender's system title; may be empty, in which case the one known from the association applies. */
  readonly systemTitle: Uint8Array;
  readonly raw: Uint8Array;
}

/** general-ded-ciphering (IEC 62056-5-3 §9.2.7.2.4.2): as general-glo-ciphering, with the dedicated key. */
export interface GeneralDedCipheredApdu extends CipheredContent {
  readonly type: 'general-ded-ciphering';
  /** The sender's system title; may be empty. */
  readonly systemTitle: Uint8Array;
  readonly raw: Uint8Array;
}

/** Either general-glo-ciphering or general-ded-ciphering. */
export type GeneralGloDedCipheredApdu = GeneralGloCipheredApdu | GeneralDedCipheredApdu;

/** key-info of general-ciphering (IEC 62056-5-3 §8.2, Key-Info CHOICE). */
export type KeyInfo =
  | {
      readonly type: 'identified-key';
      /** key-id: 0 global unicast encryption key, 1 global broadcast encryption key. */
      readonly keyId: number;
    }
  | {
      readonly type: 'wrapped-key';
      /** kek-id: 0 master key. */
      readonly kekId: number;
      /** The RFC 3394-wrapped key. */
      readonly keyCipheredData: Uint8Array;
    }
  | {
      readonly type: 'agreed-key';
      /** key-parameters: one octet, 0x01 one-pass Diffie-Hellman C(1e,1s), 0x02 static unified model C(0e,2s). */
      readonly keyParameters: Uint8Array;
      /** key-ciphered-data: for C(1e,1s) the ephemeral public key (X ‖ Y), optionally followed by its signature; empty for C(0e,2s). */
      readonly keyCipheredData: Uint8Array;
    };

/** general-ciphering (IEC 62056-5-3 §9.2.7.2.4.3). */
export interface GeneralCipheringApdu extends CipheredContent {
  readonly type: 'general-ciphering';
  readonly transactionId: Uint8Array;
  readonly originatorSystemTitle: Uint8Array;
  readonly recipientSystemTitle: Uint8Array;
  readonly dateTime: Uint8Array;
  readonly otherInformation: Uint8Array;
  readonly keyInfo: KeyInfo | undefined;
  /**
   * The encoded transaction-id … other-information fields (each with its length octet), as they
   * enter the AAD (IEC 62056-5-3 §9.2.7.2.4.3). A view of `raw` when decoded.
   */
  readonly informationFields: Uint8Array;
  readonly raw: Uint8Array;
}

/** Any ciphered APDU. */
export type CipheredApdu = ServiceSpecificCipheredApdu | GeneralGloDedCipheredApdu | GeneralCipheringApdu;

/** The fields of a ciphered APDU without `raw` (and, for general-ciphering, without `informationFields`), for encoding. */
export type CipheredApduFields =
  | Omit<ServiceSpecificCipheredApdu, 'raw' | 'plainTag' | 'kind'>
  | Omit<GeneralGloCipheredApdu, 'raw'>
  | Omit<GeneralDedCipheredApdu, 'raw'>
  | Omit<GeneralCipheringApdu, 'raw' | 'informationFields'>;

/** Splits ciphered-content (SC ‖ IC ‖ information ‖ [tag]) read from `r` (exactly `len` octets). */
function readContent(r: Reader, len: number, path: string): CipheredContent {
  const start = r.pos;
  if (len < 5) {
    r.fail(
      DlmsErrorCode.SecurityHeaderInvalid,
      `ciphered-content of ${len} octets is shorter than its security header`,
      path,
    );
  }
  const sc = r.u8(path);
  const securityControl = decodeSecurityControl(sc);
  const invocationCounter = r.u32(path);
  let rest = len - 5;
  let authenticationTag: Uint8Array | undefined;
  if (securityControl.authentication) {
    if (rest < GCM_TAG_LENGTH) {
      r.fail(
        DlmsErrorCode.SecurityHeaderInvalid,
        `ciphered-content has ${rest} octets after the security header, fewer than the 12-octet tag`,
        path,
        start,
      );
    }
    rest -= GCM_TAG_LENGTH;
  }
  const ciphertext = r.bytes(rest, path);
  if (securityControl.authentication) authenticationTag = r.bytes(GCM_TAG_LENGTH, path);
  return { securityControl, invocationCounter, ciphertext, authenticationTag };
}

function readOctetString(r: Reader, path: string): Uint8Array {
  const n = r.berLengthBounded(path);
  return r.bytes(n, path);
}

function readKeyInfo(r: Reader): KeyInfo | undefined {
  const present = r.u8('general-ciphering.key-info');
  if (present === 0) return undefined;
  if (present !== 1) {
    r.fail(
      ErrorCode.ValueInvalid,
      `OPTIONAL flag ${present} is not 0 or 1`,
      'general-ciphering.key-info',
      r.pos - 1,
    );
  }
  const choice = r.u8('general-ciphering.key-info');
  switch (choice) {
    case 0:
      return { type: 'identified-key', keyId: r.u8('general-ciphering.key-info.identified-key.key-id') };
    case 1: {
      const kekId = r.u8('general-ciphering.key-info.wrapped-key.kek-id');
      return {
        type: 'wrapped-key',
        kekId,
        keyCipheredData: readOctetString(r, 'general-ciphering.key-info.wrapped-key.key-ciphered-data'),
      };
    }
    case 2: {
      const keyParameters = readOctetString(r, 'general-ciphering.key-info.agreed-key.key-parameters');
      const keyCipheredData = readOctetString(r, 'general-ciphering.key-info.agreed-key.key-ciphered-data');
      return { type: 'agreed-key', keyParameters, keyCipheredData };
    }
    default:
      return r.fail(
        DlmsErrorCode.ChoiceUnknown,
        `key-info choice ${choice} is not 0..2`,
        'general-ciphering.key-info',
        r.pos - 1,
      );
  }
}

/**
 * Decodes the envelope of a ciphered APDU (IEC 62056-5-3 §8.2, §9.2.7.2.4). `base` is the absolute
 * offset of `bytes[0]` in the caller's input, for error offsets. The whole of `bytes` must be the
 * APDU (trailing octets give `TrailingBytes`).
 */
export function decodeCipheredApdu(bytes: Uint8Array, base = 0): CipheredApdu {
  const tag0 = bytes[0];
  if (tag0 === CipheredApduTag.GeneralGloCiphering || tag0 === CipheredApduTag.GeneralDedCiphering) {
    const fast = decodeGeneralGloDedFast(bytes, tag0);
    if (fast !== undefined) return fast;
  }
  return decodeCipheredApduChecked(bytes, base);
}

/**
 * The hot path of `decodeCipheredApdu` for well-formed general-glo/ded-ciphering APDUs (the push
 * form): index arithmetic without a `Reader`. Returns undefined for anything it does not fully
 * accept (long lengths, short content, trailing octets...): the checked decoder then reads the
 * APDU again and raises the precise error, so both paths accept exactly the same inputs.
 */
function decodeGeneralGloDedFast(bytes: Uint8Array, tag: number): GeneralGloDedCipheredApdu | undefined {
  const n = bytes.length;
  const stLen = bytes[1];
  if (stLen === undefined || stLen >= 0x80) return undefined;
  let p = 2 + stLen;
  if (p + 1 > n) return undefined;
  let len = bytes[p++]!;
  if (len === 0x81) {
    if (p + 1 > n) return undefined;
    len = bytes[p++]!;
  } else if (len === 0x82) {
    if (p + 2 > n) return undefined;
    len = (bytes[p]! << 8) | bytes[p + 1]!;
    p += 2;
  } else if (len >= 0x80) return undefined;
  if (p + len !== n || len < 5) return undefined;
  const securityControl = decodeSecurityControl(bytes[p]!);
  const invocationCounter =
    ((bytes[p + 1]! << 24) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 8) | bytes[p + 4]!) >>> 0;
  const tagLength = securityControl.authentication ? GCM_TAG_LENGTH : 0;
  if (len < 5 + tagLength) return undefined;
  const end = n - tagLength;
  return {
    type: tag === CipheredApduTag.GeneralGloCiphering ? 'general-glo-ciphering' : 'general-ded-ciphering',
    systemTitle: bytes.subarray(2, 2 + stLen),
    securityControl,
    invocationCounter,
    ciphertext: bytes.subarray(p + 5, end),
    authenticationTag: tagLength === 0 ? undefined : bytes.subarray(end, n),
    raw: bytes,
  };
}

function decodeCipheredApduChecked(bytes: Uint8Array, base: number): CipheredApdu {
  const r = new Reader(bytes, 0, bytes.length, base);
  const tag = r.u8('ciphered-apdu.tag');
  if (tag === CipheredApduTag.GeneralGloCiphering || tag === CipheredApduTag.GeneralDedCiphering) {
    const glo = tag === CipheredApduTag.GeneralGloCiphering;
    // constant paths (no string building per APDU)
    const name = glo ? 'general-glo-ciphering' : 'general-ded-ciphering';
    const contentPath = glo
      ? 'general-glo-ciphering.ciphered-content'
      : 'general-ded-ciphering.ciphered-content';
    const systemTitle = readOctetString(
      r,
      glo ? 'general-glo-ciphering.system-title' : 'general-ded-ciphering.system-title',
    );
    const len = r.berLengthBounded(contentPath);
    const content = readContent(r, len, contentPath);
    r.expectEnd(name);
    // explicit fields, not a spread of `content`: one literal with a fixed shape per APDU
    return {
      type: glo ? 'general-glo-ciphering' : 'general-ded-ciphering',
      systemTitle,
      securityControl: content.securityControl,
      invocationCounter: content.invocationCounter,
      ciphertext: content.ciphertext,
      authenticationTag: content.authenticationTag,
      raw: bytes,
    };
  }
  if (tag === CipheredApduTag.GeneralCiphering) {
    const p = 'general-ciphering';
    const infoStart = r.pos;
    const transactionId = readOctetString(r, `${p}.transaction-id`);
    const originatorSystemTitle = readOctetString(r, `${p}.originator-system-title`);
    const recipientSystemTitle = readOctetString(r, `${p}.recipient-system-title`);
    const dateTime = readOctetString(r, `${p}.date-time`);
    const otherInformation = readOctetString(r, `${p}.other-information`);
    const informationFields = bytes.subarray(infoStart, r.pos);
    const keyInfo = readKeyInfo(r);
    const len = r.berLengthBounded(`${p}.ciphered-content`);
    const content = readContent(r, len, `${p}.ciphered-content`);
    r.expectEnd(p);
    return {
      type: 'general-ciphering',
      transactionId,
      originatorSystemTitle,
      recipientSystemTitle,
      dateTime,
      otherInformation,
      keyInfo,
      informationFields,
      securityControl: content.securityControl,
      invocationCounter: content.invocationCounter,
      ciphertext: content.ciphertext,
      authenticationTag: content.authenticationTag,
      raw: bytes,
    };
  }
  const plain = plainTagFor(tag);
  if (plain === undefined) {
    return r.fail(
      DlmsErrorCode.ApduTagUnknown,
      `tag 0x${tag.toString(16)} is not a ciphered APDU`,
      'ciphered-apdu.tag',
      0,
    );
  }
  const len = r.berLengthBounded('service-specific-ciphering.length');
  const content = readContent(r, len, 'service-specific-ciphering.ciphered-content');
  r.expectEnd('service-specific-ciphering');
  return {
    type: 'service-specific-ciphering',
    tag,
    plainTag: plain.plainTag,
    kind: plain.kind,
    securityControl: content.securityControl,
    invocationCounter: content.invocationCounter,
    ciphertext: content.ciphertext,
    authenticationTag: content.authenticationTag,
    raw: bytes,
  };
}

function contentLength(c: CipheredContent): number {
  return 5 + c.ciphertext.length + (c.securityControl.authentication ? GCM_TAG_LENGTH : 0);
}

function writeContent(w: Writer, c: CipheredContent): void {
  w.berLength(contentLength(c));
  w.u8(encodeSecurityControl(c.securityControl));
  w.u32(c.invocationCounter);
  w.bytes(c.ciphertext);
  if (c.securityControl.authentication) {
    if (c.authenticationTag === undefined || c.authenticationTag.length !== GCM_TAG_LENGTH) {
      throw new MeterkitError(
        ErrorCode.EncodeFailed,
        'SC.A is set but no 12-octet authentication tag is given',
      );
    }
    w.bytes(c.authenticationTag);
  }
}

function writeOctetString(w: Writer, b: Uint8Array): void {
  w.berLength(b.length);
  w.bytes(b);
}

/** The encoded transaction-id … other-information fields of general-ciphering (the AAD part). */
export function encodeGeneralCipheringInformationFields(f: {
  readonly transactionId: Uint8Array;
  readonly originatorSystemTitle: Uint8Array;
  readonly recipientSystemTitle: Uint8Array;
  readonly dateTime: Uint8Array;
  readonly otherInformation: Uint8Array;
}): Uint8Array {
  const w = new Writer(64);
  writeOctetString(w, f.transactionId);
  writeOctetString(w, f.originatorSystemTitle);
  writeOctetString(w, f.recipientSystemTitle);
  writeOctetString(w, f.dateTime);
  writeOctetString(w, f.otherInformation);
  return w.finish();
}

/** Encodes the key-info OPTIONAL CHOICE of general-ciphering (IEC 62056-5-3 §8.2). */
function writeKeyInfo(w: Writer, k: KeyInfo | undefined): void {
  if (k === undefined) {
    w.u8(0);
    return;
  }
  w.u8(1);
  switch (k.type) {
    case 'identified-key':
      w.u8(0).u8(k.keyId);
      return;
    case 'wrapped-key':
      w.u8(1).u8(k.kekId);
      writeOctetString(w, k.keyCipheredData);
      return;
    case 'agreed-key':
      w.u8(2);
      writeOctetString(w, k.keyParameters);
      writeOctetString(w, k.keyCipheredData);
      return;
  }
}

/** The encoded key-info OPTIONAL CHOICE of general-ciphering (IEC 62056-5-3 §8.2), presence flag included. */
export function encodeKeyInfo(k: KeyInfo | undefined): Uint8Array {
  const w = new Writer(16);
  writeKeyInfo(w, k);
  return w.finish();
}

/** Encodes a ciphered APDU envelope (IEC 62056-5-3 §8.2, §9.2.7.2.4); the inverse of `decodeCipheredApdu`. */
export function encodeCipheredApdu(apdu: CipheredApduFields): Uint8Array {
  const w = new Writer(contentLength(apdu) + 64);
  switch (apdu.type) {
    case 'service-specific-ciphering':
      if (plainTagFor(apdu.tag) === undefined) {
        throw new MeterkitError(
          ErrorCode.EncodeFailed,
          `tag 0x${apdu.tag.toString(16)} is not a glo-/ded- tag`,
        );
      }
      w.u8(apdu.tag);
      break;
    case 'general-glo-ciphering':
    case 'general-ded-ciphering':
      w.u8(
        apdu.type === 'general-glo-ciphering'
          ? CipheredApduTag.GeneralGloCiphering
          : CipheredApduTag.GeneralDedCiphering,
      );
      writeOctetString(w, apdu.systemTitle);
      break;
    case 'general-ciphering':
      w.u8(CipheredApduTag.GeneralCiphering);
      w.bytes(encodeGeneralCipheringInformationFields(apdu));
      writeKeyInfo(w, apdu.keyInfo);
      break;
  }
  writeContent(w, apdu);
  return w.finish();
}
