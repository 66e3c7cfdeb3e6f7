/**
 * Ciphering and deciphering of xDLMS APDUs (IEC 62056-5-3 §9.2.7.2.4 and §9.2.3.3): every
 * ciphered form (glo-/ded- service-specific, general-glo-ciphering, general-ded-ciphering,
 * general-ciphering with identified, wrapped or agreed keys) in the three protection modes.
 *
 * - IV = system title of the sender (8) ‖ invocation counter (4).
 * - AAD = SC ‖ AK [‖ the information fields of general-ciphering] [‖ plaintext, authentication only].
 * - Tags are 12 octets.
 *
 * Deciphering can be asked to decrypt without the authentication key (`allowUnverifiedTag`):
 * some networks publish only the encryption key yet send a tag. The result then says
 * `tagVerified: false`.
 */
import { randomBytes } from 'node:crypto';
import { bytesEqual, ErrorCode, MeterkitError, toHex } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';
import { allocateApduOutput } from './apdu-output.js';
import { certifiedPeerKey, requireCertifiedPeerKey } from './certificate-validation.js';
import {
  type CipheredApdu,
  decodeCipheredApdu,
  encodeGeneralCipheringInformationFields,
  encodeKeyInfo,
  type GeneralCipheringApdu,
  type KeyInfo,
} from './ciphered-apdu.js';
import { CipheredApduTag, serviceSpecificTagFor } from './ciphered-tags.js';
import { DlmsSecurityErrorCode } from './errors.js';
import {
  GCM_TAG_LENGTH,
  type GcmKey,
  gcmDecrypt,
  gcmEncryptInto,
  gcmKeystreamXor,
  gcmKeystreamXorInto,
  importGcmKey,
  initializationVector,
} from './gcm.js';
import {
  onePassDiffieHellmanOriginator,
  onePassDiffieHellmanRecipient,
  staticUnifiedModel,
} from './key-agreement.js';
import { unwrapKey, wrapKey } from './key-wrap.js';
import {
  type CipheringKeyName,
  requireKey,
  type SecurityContext,
  securityContextInternals,
} from './security-context.js';
import {
  encodeSecurityControl,
  type ProtectionMode,
  protectionMode,
  type SecurityControl,
  SecurityControlBit,
} from './security-control.js';
import { checkSecurityPolicy } from './security-policy.js';

/** Which key deciphered or ciphered an APDU. */
export type UsedKey = CipheringKeyName | 'wrapped-key' | 'agreed-key';

/** Options of `decipherApdu`. */
export interface DecipherOptions {
  /**
   * Decrypt an authenticated APDU even though the authentication key is not set; the tag is then
   * not checked and the result says `tagVerified: false`. Off by default.
   */
  readonly allowUnverifiedTag?: boolean;
  /** When given, the APDU is checked against the context's security policy for this direction. */
  readonly direction?: 'request' | 'response';
  /** Check and record the invocation counter in the context's replay guard (default true). */
  readonly replayCheck?: boolean;
  /** The sender's system title when the APDU does not carry one (default: the context's peer system title). */
  readonly senderSystemTitle?: Uint8Array;
  /**
   * general-ciphering: accept an APDU whose recipient-system-title is not the context's own
   * system title (e.g. a gateway or monitor deciphering traffic addressed to a meter). Off by
   * default: a mismatch raises `RecipientSystemTitleMismatch` (329). Without an own system title
   * in the context there is nothing to compare and the field is not checked.
   */
  readonly allowRecipientMismatch?: boolean;
}

/** Shared default of `decipherApdu`'s options (no per-message object). */
const NO_OPTIONS: DecipherOptions = Object.freeze({});

/** The result of deciphering (IEC 62056-5-3 §9.2.7.2.4). */
export interface DecipheredApdu {
  readonly type: 'deciphered-apdu';
  /** The decoded envelope (security header, system titles, key-info, raw bytes). */
  readonly envelope: CipheredApdu;
  /** The plain xDLMS APDU. */
  readonly plaintext: Uint8Array;
  /** The protection the APDU had. */
  readonly protection: ProtectionMode;
  /** True only when a tag was present and checked; false for encryption-only and for `allowUnverifiedTag` decrypts. */
  readonly tagVerified: boolean;
  /** The system title that formed the IV. */
  readonly senderSystemTitle: Uint8Array;
  readonly invocationCounter: number;
  readonly usedKey: UsedKey;
}

function securityHeaderSuite(sc: SecurityControl): void {
  if (sc.suite > 2) {
    throw new MeterkitError(
      DlmsErrorCode.SecuritySuiteUnsupported,
      `security control names suite ${sc.suite}, which is not defined`,
    );
  }
  if (sc.compression) {
    throw new MeterkitError(ErrorCode.Unsupported, 'compressed (SC.C) APDUs are not supported');
  }
}

function systemTitleOf(st: Uint8Array | undefined, what: string): Uint8Array {
  if (st === undefined || st.length !== 8) {
    throw new MeterkitError(
      DlmsErrorCode.SystemTitleInvalid,
      st === undefined ? `${what} is unknown` : `${what} must be 8 octets, not ${st.length}`,
    );
  }
  return st;
}

/**
 * The recipient-system-title of general-ciphering must name us (IEC 62056-5-3 §9.2.7.2.4.3).
 * Throws `RecipientSystemTitleMismatch` (329) otherwise; system titles are not secret, so the
 * message shows both.
 */
function checkRecipientSystemTitle(ctx: SecurityContext, env: GeneralCipheringApdu): void {
  const own = ctx.systemTitle;
  const recipient = env.recipientSystemTitle;
  if (own === undefined || bytesEqual(own, recipient)) return;
  const at = recipient.buffer === env.raw.buffer ? recipient.byteOffset - env.raw.byteOffset : undefined;
  throw new MeterkitError(
    DlmsSecurityErrorCode.RecipientSystemTitleMismatch,
    `recipient-system-title ${recipient.length === 0 ? '(empty)' : toHex(recipient)} is not our system title ${toHex(own)}`,
    // the offset is that of the field's length octet
    { offset: at === undefined ? undefined : at - 1, path: 'general-ciphering.recipient-system-title' },
  );
}

function globalKeyFor(sc: SecurityControl): CipheringKeyName {
  return sc.broadcastKey ? 'global-broadcast-encryption-key' : 'global-unicast-encryption-key';
}

function identifiedKeyName(keyId: number): CipheringKeyName {
  if (keyId === 0) return 'global-unicast-encryption-key';
  if (keyId === 1) return 'global-broadcast-encryption-key';
  throw new MeterkitError(ErrorCode.ValueInvalid, `identified-key key-id ${keyId} is not 0 or 1`);
}

/** Names the key that deciphers `env` (IEC 62056-5-3 §9.2.7.2.4, Table 38 "keys used"). */
function decipherKeyName(env: CipheredApdu): UsedKey {
  if (env.type === 'service-specific-ciphering') {
    return env.kind === 'ded' ? 'dedicated-key' : globalKeyFor(env.securityControl);
  }
  if (env.type === 'general-glo-ciphering') return globalKeyFor(env.securityControl);
  if (env.type === 'general-ded-ciphering') return 'dedicated-key';
  const ki = env.keyInfo;
  if (ki === undefined) return globalKeyFor(env.securityControl);
  switch (ki.type) {
    case 'identified-key':
      return identifiedKeyName(ki.keyId);
    case 'wrapped-key':
      return 'wrapped-key';
    case 'agreed-key':
      return 'agreed-key';
  }
}

/** The key a general-ciphering APDU carries (wrapped) or agrees (IEC 62056-5-3 §9.2.7.2.4.3, §9.2.5). */
function transportedKey(ctx: SecurityContext, env: GeneralCipheringApdu): GcmKey {
  const ki = env.keyInfo;
  if (ki?.type === 'wrapped-key') {
    if (ki.kekId !== 0)
      throw new MeterkitError(ErrorCode.ValueInvalid, `wrapped-key kek-id ${ki.kekId} is not 0 (master key)`);
    const kek = requireKey(ctx, 'master-key').raw;
    return importGcmKey(unwrapKey(kek, ki.keyCipheredData));
  }
  if (ki?.type === 'agreed-key') {
    return importGcmKey(
      agreedKeyForRecipient(ctx, env.originatorSystemTitle, env.recipientSystemTitle, env.transactionId, ki),
    );
  }
  throw new MeterkitError(ErrorCode.ValueInvalid, 'general-ciphering carries no wrapped or agreed key');
}

function agreedKeyForRecipient(
  ctx: SecurityContext,
  originator: Uint8Array,
  recipient: Uint8Array,
  transactionId: Uint8Array,
  ki: Extract<KeyInfo, { type: 'agreed-key' }>,
): Uint8Array {
  const own = ctx.keyAgreementKey;
  if (own === undefined)
    throw new MeterkitError(
      ErrorCode.KeyMissing,
      'the key agreement private key is not set in the security context',
    );
  if (ki.keyParameters.length !== 1) {
    throw new MeterkitError(
      DlmsErrorCode.KeyAgreementFailed,
      `key-parameters must be one octet, not ${ki.keyParameters.length}`,
    );
  }
  const scheme = ki.keyParameters[0];
  if (scheme === 1) {
    // a signed ephemeral key is checked with the originator's key, set directly or certified
    const signed = ki.keyCipheredData.length > 2 * ctx.suite.coordinateLength;
    return onePassDiffieHellmanRecipient(
      ctx.suite,
      own,
      ki.keyCipheredData,
      originator,
      recipient,
      ctx.peerSigningKey ?? (signed ? certifiedPeerKey(ctx, 'digital-signature', originator) : undefined),
    );
  }
  if (scheme === 2) {
    const peer =
      ctx.peerKeyAgreementKey ??
      requireCertifiedPeerKey(ctx, 'key-agreement', originator, "the peer's key agreement public key");
    if (ki.keyCipheredData.length !== 0) {
      throw new MeterkitError(
        DlmsErrorCode.KeyAgreementFailed,
        'key-ciphered-data must be empty for the static unified model',
      );
    }
    return staticUnifiedModel(ctx.suite, own, peer, originator, recipient, transactionId);
  }
  throw new MeterkitError(
    DlmsErrorCode.KeyAgreementFailed,
    `key-parameters ${String(scheme)} is not a known key agreement scheme`,
  );
}

/**
 * Deciphers a ciphered APDU (IEC 62056-5-3 §9.2.7.2.4): decodes the envelope, picks the key,
 * checks the invocation counter against replay, verifies the tag and decrypts.
 *
 * Errors: `AuthenticationFailed` (300) on a tag that does not verify, `KeyMissing` (302),
 * `Replay` (304), `SecurityPolicyViolation` (326), envelope decoding errors, and
 * `SystemTitleInvalid` (322) when the sender's system title is unknown.
 */
export function decipherApdu(
  ctx: SecurityContext,
  bytes: Uint8Array,
  options: DecipherOptions = NO_OPTIONS,
): DecipheredApdu {
  return decipherEnvelope(ctx, decodeCipheredApdu(bytes), options);
}

/** `decipherApdu` for an envelope already decoded with `decodeCipheredApdu`. */
export function decipherEnvelope(
  ctx: SecurityContext,
  env: CipheredApdu,
  options: DecipherOptions = NO_OPTIONS,
): DecipheredApdu {
  const sc = env.securityControl;
  securityHeaderSuite(sc);
  if (options.direction !== undefined) checkSecurityPolicy(ctx.securityPolicy, options.direction, sc);
  let sender: Uint8Array;
  let infoFields: Uint8Array | undefined;
  if (env.type === 'general-ciphering') {
    sender = systemTitleOf(env.originatorSystemTitle, 'originator-system-title');
    infoFields = env.informationFields;
    if (options.allowRecipientMismatch !== true) checkRecipientSystemTitle(ctx, env);
  } else if (env.type === 'service-specific-ciphering' || env.systemTitle.length === 0) {
    sender = systemTitleOf(options.senderSystemTitle ?? ctx.peerSystemTitle, "the sender's system title");
  } else {
    sender = systemTitleOf(env.systemTitle, 'system-title');
  }
  const used = decipherKeyName(env);
  const key =
    used === 'wrapped-key' || used === 'agreed-key'
      ? transportedKey(ctx, env as GeneralCipheringApdu)
      : requireKey(ctx, used).gcm;
  const ic = env.invocationCounter;
  const guard = options.replayCheck === false ? undefined : ctx.replay;
  guard?.check(used, sender, ic);
  const internals = securityContextInternals(ctx);
  const iv = initializationVector(sender, ic, internals.ivScratch);
  let plaintext: Uint8Array;
  let tagVerified = false;
  if (sc.authentication) {
    if (env.authenticationTag === undefined) {
      throw new MeterkitError(
        DlmsErrorCode.AuthenticationTagMissing,
        'SC.A is set but the APDU has no authentication tag',
      );
    }
    const aad = internals.aadPrefix();
    if (aad !== undefined) {
      aad[0] = encodeSecurityControl(sc);
      if (sc.encryption) {
        plaintext = gcmDecrypt(key, iv, env.ciphertext, env.authenticationTag, aad, infoFields);
      } else {
        gcmDecrypt(key, iv, new Uint8Array(0), env.authenticationTag, aad, infoFields, env.ciphertext);
        plaintext = env.ciphertext;
      }
      tagVerified = true;
    } else if (options.allowUnverifiedTag === true) {
      plaintext = sc.encryption ? gcmKeystreamXor(key, iv, env.ciphertext) : env.ciphertext;
    } else {
      throw new MeterkitError(
        ErrorCode.KeyMissing,
        'authentication-key is not set in the security context (allowUnverifiedTag would skip the tag check)',
      );
    }
  } else {
    plaintext = sc.encryption ? gcmKeystreamXor(key, iv, env.ciphertext) : env.ciphertext;
  }
  guard?.accept(used, sender, ic);
  return {
    type: 'deciphered-apdu',
    envelope: env,
    plaintext,
    protection: protectionMode(sc),
    tagVerified,
    senderSystemTitle: sender,
    invocationCounter: ic,
    usedKey: used,
  };
}

/** The ciphered APDU forms `cipherApdu` produces (IEC 62056-5-3 §9.2.7.2.4). */
export type CipheringForm = 'glo' | 'ded' | 'general-glo' | 'general-ded' | 'general-ciphering';

/** How general-ciphering names its key (IEC 62056-5-3 §8.2 Key-Info). */
export type GeneralCipheringKeyInfo =
  | 'none'
  | 'identified-key'
  | 'wrapped-key'
  | 'one-pass-diffie-hellman'
  | 'static-unified-model';

/** Options of `cipherApdu`. */
export interface CipherOptions {
  readonly form: CipheringForm;
  /** Protection mode (default authenticated-encrypted). */
  readonly protection?: Exclude<ProtectionMode, 'none'>;
  /** Use the global broadcast encryption key (SC.BK) instead of the unicast key (glo-, general-glo, general-ciphering). */
  readonly broadcast?: boolean;
  /** The invocation counter to send; default: taken (and advanced) from the context. */
  readonly invocationCounter?: number;
  /** general-ciphering: transaction-id (default: the invocation counter as 8 octets). */
  readonly transactionId?: Uint8Array;
  /** general-ciphering: recipient-system-title (default: the context's peer system title). */
  readonly recipientSystemTitle?: Uint8Array;
  /** general-ciphering: date-time (default empty). */
  readonly dateTime?: Uint8Array;
  /** general-ciphering: other-information (default empty). */
  readonly otherInformation?: Uint8Array;
  /** general-ciphering: key-info (default identified-key). */
  readonly keyInfo?: GeneralCipheringKeyInfo;
}

/**
 * Ciphers a plain xDLMS APDU into the requested form (IEC 62056-5-3 §9.2.7.2.4) with the
 * context's keys, system title and invocation counter. Returns the complete ciphered APDU.
 * Throws `KeyMissing` (302) when a needed key is not set and `UnexpectedTag` (204) when a
 * service-specific form is asked for an APDU that has none.
 */
export function cipherApdu(ctx: SecurityContext, plaintext: Uint8Array, options: CipherOptions): Uint8Array {
  const protection = options.protection ?? 'authenticated-encrypted';
  const a = protection !== 'encrypted';
  const e = protection !== 'authenticated';
  const broadcast = options.broadcast === true;
  const own = systemTitleOf(ctx.systemTitle, 'our system title');
  const form = options.form;
  const counterKey: CipheringKeyName =
    form === 'ded' || form === 'general-ded'
      ? 'dedicated-key'
      : broadcast
        ? 'global-broadcast-encryption-key'
        : 'global-unicast-encryption-key';
  let key: GcmKey | undefined;
  let keyInfo: KeyInfo | undefined;
  let info: Uint8Array | undefined;
  let transactionId: Uint8Array | undefined;
  let recipient: Uint8Array | undefined;
  let serviceTag: number | undefined;
  if (form === 'glo' || form === 'ded') {
    const plainTag = plaintext[0];
    serviceTag = plainTag === undefined ? undefined : serviceSpecificTagFor(plainTag, form);
    if (serviceTag === undefined) {
      throw new MeterkitError(
        ErrorCode.UnexpectedTag,
        `APDU tag ${plainTag === undefined ? '(empty)' : `0x${plainTag.toString(16)}`} has no ${form}- ciphered form`,
      );
    }
  }
  const ic = options.invocationCounter ?? ctx.takeInvocationCounter(counterKey);
  if (form === 'general-ciphering') {
    recipient = options.recipientSystemTitle ?? ctx.peerSystemTitle ?? new Uint8Array(0);
    transactionId =
      options.transactionId ??
      Uint8Array.of(0, 0, 0, 0, ic >>> 24, (ic >>> 16) & 0xff, (ic >>> 8) & 0xff, ic & 0xff);
    const kind = options.keyInfo ?? 'identified-key';
    switch (kind) {
      case 'none':
        break;
      case 'identified-key':
        keyInfo = { type: 'identified-key', keyId: broadcast ? 1 : 0 };
        break;
      case 'wrapped-key': {
        const fresh = new Uint8Array(randomBytes(ctx.suite.keyLength));
        keyInfo = {
          type: 'wrapped-key',
          kekId: 0,
          keyCipheredData: wrapKey(requireKey(ctx, 'master-key').raw, fresh),
        };
        key = importGcmKey(fresh);
        break;
      }
      case 'one-pass-diffie-hellman': {
        const peer =
          ctx.peerKeyAgreementKey ??
          requireCertifiedPeerKey(
            ctx,
            'key-agreement',
            recipient.length === 8 ? recipient : undefined,
            "the peer's key agreement public key",
          );
        const r = onePassDiffieHellmanOriginator(
          ctx.suite,
          peer,
          own,
          systemTitleOf(recipient, 'recipient-system-title'),
          ctx.signingKey,
        );
        keyInfo = { type: 'agreed-key', keyParameters: Uint8Array.of(1), keyCipheredData: r.keyCipheredData };
        key = importGcmKey(r.key);
        break;
      }
      case 'static-unified-model': {
        const mine = ctx.keyAgreementKey;
        if (mine === undefined) {
          throw new MeterkitError(
            ErrorCode.KeyMissing,
            'both static key agreement keys must be set in the security context',
          );
        }
        const peer =
          ctx.peerKeyAgreementKey ??
          requireCertifiedPeerKey(
            ctx,
            'key-agreement',
            recipient.length === 8 ? recipient : undefined,
            "the peer's key agreement public key",
          );
        const k = staticUnifiedModel(
          ctx.suite,
          mine,
          peer,
          own,
          systemTitleOf(recipient, 'recipient-system-title'),
          transactionId,
        );
        keyInfo = { type: 'agreed-key', keyParameters: Uint8Array.of(2), keyCipheredData: new Uint8Array(0) };
        key = importGcmKey(k);
        break;
      }
    }
    info = encodeGeneralCipheringInformationFields({
      transactionId,
      originatorSystemTitle: own,
      recipientSystemTitle: recipient,
      dateTime: options.dateTime ?? new Uint8Array(0),
      otherInformation: options.otherInformation ?? new Uint8Array(0),
    });
  }
  if (key === undefined) key = requireKey(ctx, counterKey).gcm;
  // SC (IEC 62056-5-3 §9.2.7.2.3, Table 37): suite id, A, E, BK; C stays 0
  const scByte =
    ctx.suite.id |
    (a ? SecurityControlBit.Authentication : 0) |
    (e ? SecurityControlBit.Encryption : 0) |
    (broadcast ? SecurityControlBit.BroadcastKey : 0);
  const internals = securityContextInternals(ctx);
  let aad: Uint8Array | undefined;
  if (a) {
    aad = internals.aadPrefix();
    if (aad === undefined)
      throw new MeterkitError(ErrorCode.KeyMissing, 'authentication-key is not set in the security context');
    aad[0] = scByte;
  }
  const iv = initializationVector(own, ic, internals.ivScratch);
  // the whole APDU is laid out first and the cipher writes its output straight into it
  const contentLength = 5 + plaintext.length + (a ? GCM_TAG_LENGTH : 0);
  const lengthSize = berLengthSize(contentLength);
  let out: Uint8Array;
  let at: number;
  if (form === 'general-ciphering') {
    const keyInfoBytes = encodeKeyInfo(keyInfo);
    out = allocateApduOutput(1 + info!.length + keyInfoBytes.length + lengthSize + contentLength);
    out[0] = CipheredApduTag.GeneralCiphering;
    out.set(info!, 1);
    out.set(keyInfoBytes, 1 + info!.length);
    at = 1 + info!.length + keyInfoBytes.length;
  } else if (form === 'general-glo' || form === 'general-ded') {
    out = allocateApduOutput(2 + own.length + lengthSize + contentLength);
    out[0] =
      form === 'general-glo' ? CipheredApduTag.GeneralGloCiphering : CipheredApduTag.GeneralDedCiphering;
    out[1] = own.length;
    for (let i = 0; i < 8; i++) out[2 + i] = own[i]!;
    at = 2 + own.length;
  } else {
    out = allocateApduOutput(1 + lengthSize + contentLength);
    out[0] = serviceTag!;
    at = 1;
  }
  at = putBerLength(out, at, contentLength);
  out[at++] = scByte;
  out[at++] = ic >>> 24;
  out[at++] = (ic >>> 16) & 0xff;
  out[at++] = (ic >>> 8) & 0xff;
  out[at++] = ic & 0xff;
  if (!a) {
    gcmKeystreamXorInto(key, iv, plaintext, out, at);
  } else if (e) {
    gcmEncryptInto(key, iv, plaintext, out, at, aad, info);
  } else {
    // authentication only: the plaintext travels in clear and is the last part of the AAD
    out.set(plaintext, at);
    gcmEncryptInto(key, iv, EMPTY, out, at + plaintext.length, aad, info, plaintext);
  }
  return out;
}

const EMPTY = new Uint8Array(0);

function berLengthSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x100) return 2;
  if (n < 0x10000) return 3;
  if (n < 0x1000000) return 4;
  return 5;
}

function putBerLength(out: Uint8Array, at: number, n: number): number {
  const size = berLengthSize(n);
  if (size === 1) {
    out[at] = n;
    return at + 1;
  }
  out[at] = 0x80 | (size - 1);
  for (let i = size - 1; i >= 1; i--) {
    out[at + i] = n & 0xff;
    n = Math.floor(n / 256);
  }
  return at + size;
}
