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
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';
import {
  type CipheredApdu,
  type CipheredContent,
  decodeCipheredApdu,
  encodeCipheredApdu,
  encodeGeneralCipheringInformationFields,
  type KeyInfo,
} from './ciphered-apdu.js';
import { serviceSpecificTagFor } from './ciphered-tags.js';
import {
  GCM_TAG_LENGTH,
  type GcmKey,
  gcmDecrypt,
  gcmEncrypt,
  gcmKeystreamXor,
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
  decodeSecurityControl,
  encodeSecurityControl,
  type ProtectionMode,
  protectionMode,
  type SecurityControl,
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
}

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

function globalKeyFor(sc: SecurityControl): CipheringKeyName {
  return sc.broadcastKey ? 'global-broadcast-encryption-key' : 'global-unicast-encryption-key';
}

function identifiedKeyName(keyId: number): CipheringKeyName {
  if (keyId === 0) return 'global-unicast-encryption-key';
  if (keyId === 1) return 'global-broadcast-encryption-key';
  throw new MeterkitError(ErrorCode.ValueInvalid, `identified-key key-id ${keyId} is not 0 or 1`);
}

/** Resolves the key that deciphers `env` (IEC 62056-5-3 §9.2.7.2.4, Table 38 "keys used"). */
function decipherKey(ctx: SecurityContext, env: CipheredApdu): { key: GcmKey; used: UsedKey } {
  if (env.type === 'service-specific-ciphering') {
    const name = env.kind === 'ded' ? 'dedicated-key' : globalKeyFor(env.securityControl);
    return { key: requireKey(ctx, name).gcm, used: name };
  }
  if (env.type === 'general-glo-ciphering' || env.type === 'general-ded-ciphering') {
    const name = env.type === 'general-ded-ciphering' ? 'dedicated-key' : globalKeyFor(env.securityControl);
    return { key: requireKey(ctx, name).gcm, used: name };
  }
  const ki = env.keyInfo;
  if (ki === undefined) {
    const name = globalKeyFor(env.securityControl);
    return { key: requireKey(ctx, name).gcm, used: name };
  }
  switch (ki.type) {
    case 'identified-key': {
      const name = identifiedKeyName(ki.keyId);
      return { key: requireKey(ctx, name).gcm, used: name };
    }
    case 'wrapped-key': {
      if (ki.kekId !== 0)
        throw new MeterkitError(
          ErrorCode.ValueInvalid,
          `wrapped-key kek-id ${ki.kekId} is not 0 (master key)`,
        );
      const kek = requireKey(ctx, 'master-key').raw;
      return { key: importGcmKey(unwrapKey(kek, ki.keyCipheredData)), used: 'wrapped-key' };
    }
    case 'agreed-key':
      return {
        key: importGcmKey(
          agreedKeyForRecipient(
            ctx,
            env.originatorSystemTitle,
            env.recipientSystemTitle,
            env.transactionId,
            ki,
          ),
        ),
        used: 'agreed-key',
      };
  }
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
    return onePassDiffieHellmanRecipient(
      ctx.suite,
      own,
      ki.keyCipheredData,
      originator,
      recipient,
      ctx.peerSigningKey,
    );
  }
  if (scheme === 2) {
    const peer = ctx.peerKeyAgreementKey;
    if (peer === undefined)
      throw new MeterkitError(
        ErrorCode.KeyMissing,
        "the peer's key agreement public key is not set in the security context",
      );
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
  options: DecipherOptions = {},
): DecipheredApdu {
  return decipherEnvelope(ctx, decodeCipheredApdu(bytes), options);
}

/** `decipherApdu` for an envelope already decoded with `decodeCipheredApdu`. */
export function decipherEnvelope(
  ctx: SecurityContext,
  env: CipheredApdu,
  options: DecipherOptions = {},
): DecipheredApdu {
  const sc = env.securityControl;
  securityHeaderSuite(sc);
  if (options.direction !== undefined) checkSecurityPolicy(ctx.securityPolicy, options.direction, sc);
  let sender: Uint8Array;
  let infoFields: Uint8Array | undefined;
  if (env.type === 'general-ciphering') {
    sender = systemTitleOf(env.originatorSystemTitle, 'originator-system-title');
    infoFields = env.informationFields;
  } else if (env.type === 'service-specific-ciphering' || env.systemTitle.length === 0) {
    sender = systemTitleOf(options.senderSystemTitle ?? ctx.peerSystemTitle, "the sender's system title");
  } else {
    sender = systemTitleOf(env.systemTitle, 'system-title');
  }
  const { key, used } = decipherKey(ctx, env);
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
        const peer = ctx.peerKeyAgreementKey;
        if (peer === undefined)
          throw new MeterkitError(
            ErrorCode.KeyMissing,
            "the peer's key agreement public key is not set in the security context",
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
        const peer = ctx.peerKeyAgreementKey;
        if (mine === undefined || peer === undefined) {
          throw new MeterkitError(
            ErrorCode.KeyMissing,
            'both static key agreement keys must be set in the security context',
          );
        }
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
  const scByte = encodeSecurityControl({
    suite: ctx.suite.id,
    authentication: a,
    encryption: e,
    broadcastKey: broadcast,
    compression: false,
  });
  // the shared decoded value of that byte (no per-message object)
  const securityControl: SecurityControl = decodeSecurityControl(scByte);
  const internals = securityContextInternals(ctx);
  const iv = initializationVector(own, ic, internals.ivScratch);
  let ciphertext = plaintext;
  let authenticationTag: Uint8Array | undefined;
  if (a) {
    const aad = internals.aadPrefix();
    if (aad === undefined)
      throw new MeterkitError(ErrorCode.KeyMissing, 'authentication-key is not set in the security context');
    aad[0] = scByte;
    if (e) {
      const r = gcmEncrypt(key, iv, plaintext, aad, info);
      ciphertext = r.ciphertext;
      authenticationTag = r.tag;
    } else {
      authenticationTag = gcmEncrypt(key, iv, new Uint8Array(0), aad, info, plaintext).tag;
    }
  } else {
    ciphertext = gcmKeystreamXor(key, iv, plaintext);
  }
  const content: CipheredContent = { securityControl, invocationCounter: ic, ciphertext, authenticationTag };
  switch (form) {
    case 'glo':
    case 'ded': {
      const plainTag = plaintext[0];
      const tag = plainTag === undefined ? undefined : serviceSpecificTagFor(plainTag, form);
      if (tag === undefined) {
        throw new MeterkitError(
          ErrorCode.UnexpectedTag,
          `APDU tag ${plainTag === undefined ? '(empty)' : `0x${plainTag.toString(16)}`} has no ${form}- ciphered form`,
        );
      }
      return encodeServiceSpecific(tag, content);
    }
    case 'general-glo':
    case 'general-ded':
      return encodeGeneralGloDed(form === 'general-glo' ? 0xdb : 0xdc, own, content);
    case 'general-ciphering':
      return encodeCipheredApdu({
        type: 'general-ciphering',
        transactionId: transactionId!,
        originatorSystemTitle: own,
        recipientSystemTitle: recipient!,
        dateTime: options.dateTime ?? new Uint8Array(0),
        otherInformation: options.otherInformation ?? new Uint8Array(0),
        keyInfo,
        ...content,
      });
  }
}

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

function putContent(out: Uint8Array, at: number, c: CipheredContent): number {
  out[at++] = encodeSecurityControl(c.securityControl);
  const ic = c.invocationCounter;
  out[at++] = ic >>> 24;
  out[at++] = (ic >>> 16) & 0xff;
  out[at++] = (ic >>> 8) & 0xff;
  out[at++] = ic & 0xff;
  out.set(c.ciphertext, at);
  at += c.ciphertext.length;
  if (c.authenticationTag !== undefined) {
    out.set(c.authenticationTag, at);
    at += GCM_TAG_LENGTH;
  }
  return at;
}

function contentLength(c: CipheredContent): number {
  return 5 + c.ciphertext.length + (c.authenticationTag === undefined ? 0 : GCM_TAG_LENGTH);
}

/** One allocation, no intermediate writer: the hot path of ciphering. */
function encodeServiceSpecific(tag: number, c: CipheredContent): Uint8Array {
  const len = contentLength(c);
  const out = new Uint8Array(1 + berLengthSize(len) + len);
  out[0] = tag;
  putContent(out, putBerLength(out, 1, len), c);
  return out;
}

function encodeGeneralGloDed(tag: number, systemTitle: Uint8Array, c: CipheredContent): Uint8Array {
  const len = contentLength(c);
  const out = new Uint8Array(2 + systemTitle.length + berLengthSize(len) + len);
  out[0] = tag;
  out[1] = systemTitle.length;
  out.set(systemTitle, 2);
  putContent(out, putBerLength(out, 2 + systemTitle.length, len), c);
  return out;
}
