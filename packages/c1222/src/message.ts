/**
 * A whole C12.22 message: the ACSE APDU (IEEE 1703-2012 §5.3.4) with its EPSEM (§5.3.3) in
 * security mode 0 (cleartext), 1 (cleartext + EAX' authentication) or 2 (EAX' ciphertext +
 * authentication), with the key selected by the key id of the calling-authentication-value and
 * the EAX' cleartext built by `canonifiedCleartext`.
 */
import { ErrorCode, MeterkitError, Writer } from '@meterkit/core';
import {
  type C1222Acse,
  decodeC1222AcseElements,
  encodeAcseHeaderElements,
  headerElementsLength,
  writeAcseStart,
} from './acse/apdu.js';
import { canonifiedCleartext } from './acse/cleartext.js';
import { userInformationElementLength, writeUserInformationHeader } from './acse/user-information.js';
import { decodeEpsemControl, type EpsemControl, type SecurityMode } from './epsem/control.js';
import {
  decodeEpsem,
  decodeEpsemBody,
  type Epsem,
  type EpsemDecodeOptions,
  epsemControlByte,
  writeEpsemBody,
} from './epsem/epsem.js';
import {
  type C1222KeyStore,
  EAXPRIME_EMPTY_MESSAGE_WEAKNESS,
  EAXPRIME_MAC_LENGTH,
} from './security/eaxprime.js';

/** How far a received message could be checked. */
export type C1222SecurityStatus =
  /** Mode 0: nothing to verify. */
  | 'cleartext'
  /** Modes 1/2: the EAX' tag verified (and mode 2 decrypted). */
  | 'authenticated'
  /** Modes 1/2: no key for the key id; mode 1 EPSEM shown unverified, mode 2 left encrypted. */
  | 'no-key';

/** Security facts of a message. */
export interface C1222Security {
  readonly mode: SecurityMode;
  readonly status: C1222SecurityStatus;
  /** Key id of the calling-authentication-value (0 when absent). */
  readonly keyId: number;
  readonly iv?: Uint8Array;
  /** The 4-byte EAX' tag (modes 1/2). */
  readonly mac?: Uint8Array;
  /** Known weaknesses seen in this message (e.g. `eaxprime-empty-message`). */
  readonly weaknesses?: readonly string[];
}

/** A decoded C12.22 message. */
export interface C1222Message {
  readonly type: 'c1222-message';
  /** The ACSE (its user-information holds the EPSEM octets as sent). */
  readonly acse: C1222Acse;
  /** The EPSEM control byte (never encrypted). */
  readonly epsemControl: EpsemControl;
  /** The cleartext EPSEM, unless it is encrypted and no key was available. */
  readonly epsem?: Epsem;
  /** Mode 2: the ciphertext (ED_CLASS and services). */
  readonly ciphertext?: Uint8Array;
  readonly security: C1222Security;
}

/** Options of `decodeC1222Message`. */
export interface C1222MessageDecodeOptions extends EpsemDecodeOptions {
  /** Keys by key id. */
  readonly keys?: C1222KeyStore;
  /** Base OID for relative AP titles. */
  readonly baseOid?: string;
  /**
   * Accept only authenticated messages: mode 0 then throws `AuthenticationFailed` (300) and a
   * missing key `KeyMissing` (302) instead of returning status `no-key`.
   */
  readonly requireAuthentication?: boolean;
}

function keyIdAndIv(acse: C1222Acse): { keyId: number; iv: Uint8Array | undefined } {
  const cav = acse.callingAuthenticationValue;
  if (cav?.type !== 'c1222') return { keyId: 0, iv: undefined };
  return { keyId: cav.keyId ?? 0, iv: cav.iv };
}

/**
 * Decodes a C12.22 message and, in modes 1 and 2, verifies (and decrypts) its EPSEM. A wrong tag
 * throws `AuthenticationFailed` (300).
 */
export function decodeC1222Message(bytes: Uint8Array, options: C1222MessageDecodeOptions = {}): C1222Message {
  const { acse, contents } = decodeC1222AcseElements(bytes, options);
  const ui = acse.userInformation;
  if (ui === undefined)
    throw new MeterkitError(ErrorCode.Truncated, 'C12.22 message has no user-information', {
      path: 'acse.user-information',
    });
  const octets = ui.epsem;
  const epsemOffset = octets.byteOffset - bytes.byteOffset;
  if (octets.length === 0)
    throw new MeterkitError(ErrorCode.Truncated, 'empty EPSEM', {
      offset: epsemOffset,
      path: 'acse.user-information.epsem',
    });
  const controlByte = octets[0]!;
  const epsemControl = decodeEpsemControl(controlByte);
  const mode = epsemControl.securityMode;
  const { keyId, iv } = keyIdAndIv(acse);
  const security: Mutable<C1222Security> = { mode, status: 'cleartext', keyId };
  if (iv !== undefined) security.iv = iv;
  const msg: Mutable<C1222Message> = { type: 'c1222-message', acse, epsemControl, security };
  if (mode === 0) {
    if (options.requireAuthentication === true)
      throw new MeterkitError(
        ErrorCode.AuthenticationFailed,
        'message is not authenticated (security mode 0)',
        {
          offset: epsemOffset,
          path: 'epsem.control',
        },
      );
    msg.epsem = decodeEpsem(octets, options, epsemOffset);
    return msg;
  }
  if (mode === 3)
    throw new MeterkitError(ErrorCode.Unsupported, 'EPSEM security mode 3 is reserved', {
      offset: epsemOffset,
      path: 'epsem.control',
    });
  if (octets.length < 1 + EAXPRIME_MAC_LENGTH)
    throw new MeterkitError(ErrorCode.Truncated, 'secured EPSEM shorter than its MAC', {
      offset: epsemOffset,
      path: 'acse.user-information.mac',
    });
  const body = octets.subarray(1, octets.length - EAXPRIME_MAC_LENGTH);
  const mac = octets.subarray(octets.length - EAXPRIME_MAC_LENGTH);
  security.mac = mac;
  if (mode === 2 && body.length === 0) security.weaknesses = [EAXPRIME_EMPTY_MESSAGE_WEAKNESS];
  const cipher = options.keys?.get(keyId);
  if (cipher !== undefined && iv === undefined)
    throw new MeterkitError(
      ErrorCode.ValueInvalid,
      'secured EPSEM without an IV in the calling-authentication-value',
      {
        path: 'acse.calling-authentication-value',
      },
    );
  if (cipher === undefined || iv === undefined) {
    if (options.requireAuthentication === true)
      throw new MeterkitError(ErrorCode.KeyMissing, `no key for key id ${keyId}`, {
        path: 'acse.calling-authentication-value',
      });
    security.status = 'no-key';
    if (mode === 1)
      msg.epsem = decodeEpsem(octets.subarray(0, octets.length - EAXPRIME_MAC_LENGTH), options, epsemOffset);
    else msg.ciphertext = body;
    return msg;
  }
  const n = canonifiedCleartext({
    contents,
    calledApTitle: acse.calledApTitle,
    callingApTitle: acse.callingApTitle,
    baseOid: options.baseOid,
    epsemLength: octets.length,
    userInformationIndirectReference: ui.indirectReference,
    epsemControl: controlByte,
    keyId,
    iv,
  });
  security.status = 'authenticated';
  if (mode === 1) {
    cipher.verify(n, body, mac);
    msg.epsem = decodeEpsem(octets.subarray(0, octets.length - EAXPRIME_MAC_LENGTH), options, epsemOffset);
    return msg;
  }
  const plain = cipher.decrypt(n, body, mac);
  msg.epsem = decodeEpsemBody(controlByte, plain, options);
  msg.ciphertext = body;
  return msg;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What `encodeC1222Message` builds from. */
export interface C1222MessageInput {
  /** The ACSE elements; `userInformation` and `raw` are ignored (the EPSEM comes from `epsem`). */
  readonly acse: C1222Acse;
  /** The cleartext EPSEM; its control byte's security mode selects mode 0, 1 or 2. */
  readonly epsem: Epsem;
  /** Optional user-information indirect-reference. */
  readonly userInformationIndirectReference?: number | bigint;
}

/** Options of `encodeC1222Message`. */
export interface C1222MessageEncodeOptions {
  readonly keys?: C1222KeyStore;
  readonly baseOid?: string;
}

/**
 * Encodes a C12.22 message: ACSE header elements, then user-information holding the EPSEM in the
 * security mode its control byte names (modes 1 and 2 need a key for the key id of the
 * calling-authentication-value and its IV; `KeyMissing` 302 / `EncodeFailed` 211 otherwise).
 */
export function encodeC1222Message(
  input: C1222MessageInput,
  options: C1222MessageEncodeOptions = {},
): Uint8Array {
  const header = encodeAcseHeaderElements(input.acse);
  const controlByte = epsemControlByte(input.epsem);
  bodyScratch.reset();
  writeEpsemBody(bodyScratch, input.epsem);
  const body = bodyScratch.written();
  const mode = input.epsem.control.securityMode;
  const ir = input.userInformationIndirectReference;
  let payload = body;
  let mac: Uint8Array | undefined;
  if (mode !== 0) {
    if (mode === 3)
      throw new MeterkitError(ErrorCode.EncodeFailed, 'security mode 3 is reserved', {
        path: 'epsem.control',
      });
    const { keyId, iv } = keyIdAndIv(input.acse);
    if (iv === undefined)
      throw new MeterkitError(
        ErrorCode.EncodeFailed,
        'modes 1 and 2 need an IV in the calling-authentication-value',
        {
          path: 'acse.calling-authentication-value',
        },
      );
    const cipher = options.keys?.get(keyId);
    if (cipher === undefined)
      throw new MeterkitError(ErrorCode.KeyMissing, `no key for key id ${keyId}`, {
        path: 'acse.calling-authentication-value',
      });
    const n = canonifiedCleartext({
      contents: header,
      calledApTitle: input.acse.calledApTitle,
      callingApTitle: input.acse.callingApTitle,
      baseOid: options.baseOid,
      epsemLength: 1 + body.length + EAXPRIME_MAC_LENGTH,
      userInformationIndirectReference: ir,
      epsemControl: controlByte,
      keyId,
      iv,
    });
    if (mode === 1) {
      mac = cipher.authenticate(n, body);
    } else {
      const sealed = cipher.encrypt(n, body);
      payload = sealed.ciphertext;
      mac = sealed.mac;
    }
  }
  const epsemLength = 1 + payload.length + (mac === undefined ? 0 : mac.length);
  const uiLength = userInformationElementLength(epsemLength, ir);
  const w = new Writer(headerElementsLength(header) + uiLength + 8);
  writeAcseStart(w, header, uiLength);
  writeUserInformationHeader(w, epsemLength, ir);
  w.u8(controlByte).bytes(payload);
  if (mac !== undefined) w.bytes(mac);
  return w.finish();
}

const bodyScratch = new Writer(256);
