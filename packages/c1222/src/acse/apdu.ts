/**
 * The C12.22 ACSE APDU, IEEE 1703-2012 §5.3.4: `60 len` ([APPLICATION 0]) followed by
 * context-tagged elements. Decoding accepts the elements in any order (each at most once);
 * encoding writes them in tag order, which is the order the standard lists them in.
 *
 * | wire | element (IEEE 1703 §5.3.4.x)        | content                     |
 * |------|-------------------------------------|-----------------------------|
 * | A1   | aSO-context (application context)   | 06 OID                      |
 * | A2   | called-AP-title                     | 06 / 80 / 0D                |
 * | A3   | called-AE-qualifier                 | 02 INTEGER                  |
 * | A4   | called-AP-invocation-id             | 02 INTEGER (echoes a request's calling-AP-invocation-id in its response) |
 * | A5   | called-AE-invocation-id             | 02 INTEGER                  |
 * | A6   | calling-AP-title                    | 06 / 80 / 0D                |
 * | A7   | calling-AE-qualifier                | 02 INTEGER (bit flags)      |
 * | A8   | calling-AP-invocation-id            | 02 INTEGER                  |
 * | A9   | calling-AE-invocation-id            | 02 INTEGER                  |
 * | 8B   | mechanism-name                      | IMPLICIT OID                |
 * | AC   | calling-authentication-value        | see `authentication-value.ts` |
 * | BE   | user-information                    | see `user-information.ts`   |
 */
import {
  decodeBerInteger,
  decodeOid,
  ErrorCode,
  encodeBerInteger,
  MeterkitError,
  Reader,
  Writer,
  writeBerTlv,
} from '@meterkit/core';
import { type ApTitle, readApTitle, writeApTitle } from './ap-title.js';
import {
  type CallingAuthenticationValue,
  encodeCallingAuthenticationValue,
  readCallingAuthenticationValue,
} from './authentication-value.js';
import { oidContent } from './oid-cache.js';
import { readTlv } from './tlv.js';
import {
  berLengthSize,
  encodeUserInformation,
  readUserInformation,
  type UserInformation,
} from './user-information.js';

/** The C12.22 ACSE APDU tag ([APPLICATION 0] constructed). */
export const C1222_ACSE_TAG = 0x60;

/** Wire tags of the ACSE elements (IEEE 1703 §5.3.4). */
export const AcseTag = {
  applicationContext: 0xa1,
  calledApTitle: 0xa2,
  calledAeQualifier: 0xa3,
  calledApInvocationId: 0xa4,
  calledAeInvocationId: 0xa5,
  callingApTitle: 0xa6,
  callingAeQualifier: 0xa7,
  callingApInvocationId: 0xa8,
  callingAeInvocationId: 0xa9,
  mechanismName: 0x8b,
  callingAuthenticationValue: 0xac,
  userInformation: 0xbe,
} as const;

/** A C12.22 ACSE APDU (IEEE 1703 §5.3.4). */
export interface C1222Acse {
  readonly type: 'c1222-acse';
  /** A1 aSO-context-name (the C12.22 application context OID). */
  readonly applicationContext?: string;
  /** A2 called-AP-title. */
  readonly calledApTitle?: ApTitle;
  /** A3 called-AE-qualifier. */
  readonly calledAeQualifier?: number | bigint;
  /** A4 called-AP-invocation-id. */
  readonly calledApInvocationId?: number | bigint;
  /** A5 called-AE-invocation-id. */
  readonly calledAeInvocationId?: number | bigint;
  /** A6 calling-AP-title. */
  readonly callingApTitle?: ApTitle;
  /** A7 calling-AE-qualifier (bit flags, see `CallingAeQualifier`). */
  readonly callingAeQualifier?: number | bigint;
  /** A8 calling-AP-invocation-id. */
  readonly callingApInvocationId?: number | bigint;
  /** A9 calling-AE-invocation-id. */
  readonly callingAeInvocationId?: number | bigint;
  /** 8B mechanism-name. */
  readonly mechanismName?: string;
  /** AC calling-authentication-value (key id, IV, …). */
  readonly callingAuthenticationValue?: CallingAuthenticationValue;
  /** BE user-information (the EPSEM). */
  readonly userInformation?: UserInformation;
  /** The whole APDU as received (decode only). */
  readonly raw?: Uint8Array;
}

/** Bits of the calling-AE-qualifier (IEEE 1703 §5.3.4.6). */
export const CallingAeQualifier = {
  test: 0x01,
  urgent: 0x02,
  notification: 0x04,
} as const;

/** Options of the ACSE decoder. */
export interface AcseDecodeOptions {
  /** Base OID that relative AP titles are expanded with (e.g. `2.16.124.113620.1.22.0`). */
  readonly baseOid?: string;
  /** Absolute offset of `bytes[0]` in the caller's input, for error offsets. */
  readonly offset?: number;
}

/** An ACSE together with the content octets of each element as received (for the EAX' cleartext). */
export interface DecodedAcse {
  readonly acse: C1222Acse;
  /** Wire tag → content octets (views into the input). */
  readonly contents: ReadonlyMap<number, Uint8Array>;
}

const INTEGER_FIELDS = {
  163: 'calledAeQualifier',
  164: 'calledApInvocationId',
  165: 'calledAeInvocationId',
  167: 'callingAeQualifier',
  168: 'callingApInvocationId',
  169: 'callingAeInvocationId',
} as const;

const PATHS: Record<number, string> = {
  161: 'acse.application-context',
  162: 'acse.called-ap-title',
  163: 'acse.called-ae-qualifier',
  164: 'acse.called-ap-invocation-id',
  165: 'acse.called-ae-invocation-id',
  166: 'acse.calling-ap-title',
  167: 'acse.calling-ae-qualifier',
  168: 'acse.calling-ap-invocation-id',
  169: 'acse.calling-ae-invocation-id',
  139: 'acse.mechanism-name',
  172: 'acse.calling-authentication-value',
  190: 'acse.user-information',
};

function readInteger(r: Reader, path: string): number | bigint {
  const at = r.pos;
  const tlv = readTlv(r, path);
  if (r.buf[at] !== 0x02) r.fail(ErrorCode.UnexpectedTag, 'expected an INTEGER (02)', path, at);
  r.expectEnd(path);
  return decodeBerInteger(tlv.value, r.base + tlv.contentStart, path);
}

/** Decodes an ACSE APDU and also returns each element's content octets. */
export function decodeC1222AcseElements(bytes: Uint8Array, options: AcseDecodeOptions = {}): DecodedAcse {
  const r = new Reader(bytes, 0, bytes.length, options.offset ?? 0);
  const first = r.peekU8('acse');
  if (first !== C1222_ACSE_TAG)
    r.fail(
      ErrorCode.UnexpectedTag,
      `C12.22 APDU must start with 60, not ${first.toString(16).padStart(2, '0')}`,
      'acse',
    );
  const outer = readTlv(r, 'acse');
  r.expectEnd('acse');
  const er = new Reader(bytes, outer.contentStart, bytes.length, r.base);
  const contents = new Map<number, Uint8Array>();
  const acse: { -readonly [K in keyof C1222Acse]: C1222Acse[K] } = { type: 'c1222-acse' };
  while (!er.atEnd) {
    const at = er.pos;
    const tagByte = bytes[at]!;
    const path = PATHS[tagByte] ?? 'acse';
    const tlv = readTlv(er, path);
    if (PATHS[tagByte] === undefined)
      er.fail(ErrorCode.UnexpectedTag, `unknown ACSE element tag ${tagByte.toString(16)}`, 'acse', at);
    if (contents.has(tagByte))
      er.fail(ErrorCode.UnexpectedTag, `ACSE element ${tagByte.toString(16)} repeated`, path, at);
    contents.set(tagByte, tlv.value);
    const start = tlv.contentStart;
    const cr = new Reader(bytes, start, start + tlv.value.length, r.base);
    switch (tagByte) {
      case AcseTag.applicationContext: {
        const oidAt = cr.pos;
        const oid = readTlv(cr, path);
        if (bytes[oidAt] !== 0x06)
          cr.fail(ErrorCode.UnexpectedTag, 'application context must be an OID (06)', path, oidAt);
        cr.expectEnd(path);
        acse.applicationContext = decodeOid(oid.value, r.base + oid.contentStart, path);
        break;
      }
      case AcseTag.calledApTitle:
      case AcseTag.callingApTitle: {
        const title = readApTitle(cr, options.baseOid, path);
        cr.expectEnd(path);
        if (tagByte === AcseTag.calledApTitle) acse.calledApTitle = title;
        else acse.callingApTitle = title;
        break;
      }
      case AcseTag.mechanismName:
        acse.mechanismName = decodeOid(tlv.value, r.base + start, path);
        break;
      case AcseTag.callingAuthenticationValue:
        acse.callingAuthenticationValue = readCallingAuthenticationValue(cr, path);
        break;
      case AcseTag.userInformation:
        acse.userInformation = readUserInformation(cr, path);
        break;
      default: {
        const field = INTEGER_FIELDS[tagByte as keyof typeof INTEGER_FIELDS];
        acse[field] = readInteger(cr, path);
      }
    }
  }
  acse.raw = bytes;
  return { acse, contents };
}

/** Decodes a C12.22 ACSE APDU (IEEE 1703 §5.3.4). Throws `MeterkitError` on malformed input. */
export function decodeC1222Acse(bytes: Uint8Array, options: AcseDecodeOptions = {}): C1222Acse {
  return decodeC1222AcseElements(bytes, options).acse;
}

const scratch = new Writer(64);

/** `02 len <minimal two's complement>` (X.690 §8.3) without arbitrary precision for safe integers. */
function integerContent(v: number | bigint): Uint8Array {
  if (typeof v === 'bigint' || !Number.isSafeInteger(v)) {
    const c = encodeBerInteger(v);
    scratch.reset();
    writeBerTlv(scratch, 'universal', false, 2, c);
    return scratch.finish();
  }
  let n = 1;
  while (n < 7 && (v < -(2 ** (8 * n - 1)) || v >= 2 ** (8 * n - 1))) n++;
  const out = new Uint8Array(n + 2);
  out[0] = 0x02;
  out[1] = n;
  let x = v;
  for (let i = n + 1; i >= 2; i--) {
    out[i] = ((x % 256) + 256) % 256;
    x = Math.floor(x / 256);
  }
  return out;
}

function titleContent(title: ApTitle): Uint8Array {
  scratch.reset();
  writeApTitle(scratch, title);
  return scratch.finish();
}

/**
 * The content octets of every present element except user-information, in tag order: what the
 * APDU carries before BE and what the EAX' cleartext is built from.
 */
export function encodeAcseHeaderElements(acse: C1222Acse): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  if (acse.applicationContext !== undefined) {
    scratch.reset();
    writeBerTlv(scratch, 'universal', false, 6, oidContent(acse.applicationContext));
    out.set(AcseTag.applicationContext, scratch.finish());
  }
  if (acse.calledApTitle !== undefined) out.set(AcseTag.calledApTitle, titleContent(acse.calledApTitle));
  if (acse.calledAeQualifier !== undefined)
    out.set(AcseTag.calledAeQualifier, integerContent(acse.calledAeQualifier));
  if (acse.calledApInvocationId !== undefined)
    out.set(AcseTag.calledApInvocationId, integerContent(acse.calledApInvocationId));
  if (acse.calledAeInvocationId !== undefined)
    out.set(AcseTag.calledAeInvocationId, integerContent(acse.calledAeInvocationId));
  if (acse.callingApTitle !== undefined) out.set(AcseTag.callingApTitle, titleContent(acse.callingApTitle));
  if (acse.callingAeQualifier !== undefined)
    out.set(AcseTag.callingAeQualifier, integerContent(acse.callingAeQualifier));
  if (acse.callingApInvocationId !== undefined)
    out.set(AcseTag.callingApInvocationId, integerContent(acse.callingApInvocationId));
  if (acse.callingAeInvocationId !== undefined)
    out.set(AcseTag.callingAeInvocationId, integerContent(acse.callingAeInvocationId));
  if (acse.mechanismName !== undefined) out.set(AcseTag.mechanismName, oidContent(acse.mechanismName));
  if (acse.callingAuthenticationValue !== undefined)
    out.set(
      AcseTag.callingAuthenticationValue,
      encodeCallingAuthenticationValue(acse.callingAuthenticationValue),
    );
  return out;
}

/** Bytes the element TLVs of `header` take (tag + length + content each). */
export function headerElementsLength(header: ReadonlyMap<number, Uint8Array>): number {
  let n = 0;
  for (const c of header.values()) n += 1 + berLengthSize(c.length) + c.length;
  return n;
}

/**
 * Writes `60 len` and the header element TLVs in tag order; the caller then appends
 * `userInformationLength` bytes of BE element (tag, length and content).
 */
export function writeAcseStart(
  w: Writer,
  header: ReadonlyMap<number, Uint8Array>,
  userInformationLength: number,
): void {
  w.u8(C1222_ACSE_TAG).berLength(headerElementsLength(header) + userInformationLength);
  for (const tag of ELEMENT_ORDER) {
    const c = header.get(tag);
    if (c !== undefined) w.u8(tag).berLength(c.length).bytes(c);
  }
}

/** Assembles `60 len` + element TLVs (in tag order) + an optional pre-encoded BE content. */
export function assembleAcse(
  header: ReadonlyMap<number, Uint8Array>,
  userInformation?: Uint8Array,
): Uint8Array {
  const uiLength =
    userInformation === undefined ? 0 : 1 + berLengthSize(userInformation.length) + userInformation.length;
  const w = new Writer(headerElementsLength(header) + uiLength + 8);
  writeAcseStart(w, header, uiLength);
  if (userInformation !== undefined)
    w.u8(AcseTag.userInformation).berLength(userInformation.length).bytes(userInformation);
  return w.finish();
}

/** Element order used when encoding (the standard's order). */
export const ELEMENT_ORDER: readonly number[] = [
  0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0x8b, 0xac, 0xbe,
];

/** Encodes a C12.22 ACSE APDU (IEEE 1703 §5.3.4); `raw` is ignored. */
export function encodeC1222Acse(acse: C1222Acse): Uint8Array {
  try {
    const header = encodeAcseHeaderElements(acse);
    return assembleAcse(
      header,
      acse.userInformation === undefined ? undefined : encodeUserInformation(acse.userInformation),
    );
  } catch (e) {
    if (e instanceof MeterkitError) throw e;
    throw new MeterkitError(ErrorCode.EncodeFailed, 'cannot encode the C12.22 ACSE', { cause: e });
  }
}
