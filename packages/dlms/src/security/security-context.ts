/**
 * The security context of a DLMS/COSEM application association (IEC 62056-5-3 §9.2.3 and
 * §9.2.7.2; Security setup, IEC 62056-6-2 §4.4.7): security suite, system titles, the symmetric
 * keys, invocation counters, security policy and the public-key material of suites 1 and 2.
 *
 * Keys are imported once (node:crypto `KeyObject`) so per-message work stays small, and they are
 * never printed: `toJSON()`, `toString()` and `util.inspect` show only which keys are set.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { ErrorCode, MeterkitError, toHex } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';
import { type GcmKey, importGcmKey } from './gcm.js';
import { InvocationCounterGuard, type ReplayPolicyOptions } from './replay.js';
import { NO_SECURITY_POLICY, type SecurityPolicy } from './security-policy.js';
import {
  type SecuritySuiteId,
  type SecuritySuiteParameters,
  securitySuiteParameters,
} from './security-suite.js';

/** Names of the symmetric keys a context holds (IEC 62056-5-3 §9.2.3.5, Table 24). */
export type SymmetricKeyName =
  | 'global-unicast-encryption-key'
  | 'global-broadcast-encryption-key'
  | 'authentication-key'
  | 'dedicated-key'
  | 'master-key';

/** The keys that protect APDUs and so have their own sending invocation counter. */
export type CipheringKeyName =
  | 'global-unicast-encryption-key'
  | 'global-broadcast-encryption-key'
  | 'dedicated-key';

/** key_id of Security setup `global_key_transfer` / `key_agreement` (IEC 62056-6-2 §4.4.7). */
export const GlobalKeyId = {
  GlobalUnicastEncryptionKey: 0,
  GlobalBroadcastEncryptionKey: 1,
  AuthenticationKey: 2,
  MasterKey: 3,
} as const;

/** A Security setup key_id value (0–3). */
export type GlobalKeyIdValue = (typeof GlobalKeyId)[keyof typeof GlobalKeyId];

const KEY_NAME_BY_ID: readonly SymmetricKeyName[] = [
  'global-unicast-encryption-key',
  'global-broadcast-encryption-key',
  'authentication-key',
  'master-key',
];

/** The key name of a Security setup key_id (0–3). Throws `ValueInvalid` for others. */
export function globalKeyName(id: number): SymmetricKeyName {
  const n = KEY_NAME_BY_ID[id];
  if (n === undefined) throw new MeterkitError(ErrorCode.ValueInvalid, `key_id ${id} is not 0..3`);
  return n;
}

/** Entity a certificate belongs to (IEC 62056-6-2 §4.4.7, certificate_entity). */
export type CertificateEntity = 'server' | 'client' | 'certification-authority' | 'other';
/** Use of a certificate's key (IEC 62056-6-2 §4.4.7, certificate_type). */
export type CertificateUse = 'digital-signature' | 'key-agreement' | 'tls' | 'other';

/** A certificate held in the context (IEC 62056-5-3 §9.2.6). */
export interface CertificateEntry {
  readonly entity: CertificateEntity;
  readonly use: CertificateUse;
  /** System title of the certificate's subject, when known. */
  readonly systemTitle?: Uint8Array;
  readonly certificate: X509Certificate;
}

/** Options for `new SecurityContext(...)`. Every field may also be set later. */
export interface SecurityContextOptions {
  /** Security suite (default 0, AES-GCM-128). */
  readonly suite?: SecuritySuiteId;
  /** Our own system title (8 octets), the IV prefix of what we send. */
  readonly systemTitle?: Uint8Array;
  /** The peer's system title (8 octets), the IV prefix of what it sends in service-specific APDUs. */
  readonly peerSystemTitle?: Uint8Array;
  readonly globalUnicastEncryptionKey?: Uint8Array;
  readonly globalBroadcastEncryptionKey?: Uint8Array;
  readonly authenticationKey?: Uint8Array;
  readonly dedicatedKey?: Uint8Array;
  /** The master key (KEK), used to wrap and unwrap the other keys. */
  readonly masterKey?: Uint8Array;
  /** Next invocation counter to send with each ciphering key (default 0; 1 is common in practice). */
  readonly invocationCounters?: Partial<Record<CipheringKeyName, number>>;
  /** Replay protection of received APDUs; `false` disables it (default: strictly increasing). */
  readonly replay?: ReplayPolicyOptions | false;
  readonly securityPolicy?: SecurityPolicy;
  /** Our ECDSA private key (suites 1 and 2). */
  readonly signingKey?: KeyObject;
  /** The peer's ECDSA public key. */
  readonly peerSigningKey?: KeyObject;
  /** Our static ECDH private key (suites 1 and 2). */
  readonly keyAgreementKey?: KeyObject;
  /** The peer's static ECDH public key. */
  readonly peerKeyAgreementKey?: KeyObject;
  readonly certificates?: readonly CertificateEntry[];
  /** The time certificates are validated at (default: the current time at each validation). */
  readonly certificateValidationTime?: Date;
}

/** A symmetric key as the context keeps it: raw bytes (private) and the imported form. */
export interface KeyState {
  readonly raw: Uint8Array;
  readonly gcm: GcmKey;
}

/** What the ciphering code of this package needs from a context; not part of the public API. */
export interface SecurityContextInternals {
  key(name: SymmetricKeyName): KeyState | undefined;
  /** SC ‖ AK with a placeholder SC octet at index 0, or undefined without an authentication key. */
  aadPrefix(): Uint8Array | undefined;
  /** Scratch 12-octet IV buffer (node:crypto copies the IV, so reuse is safe). */
  readonly ivScratch: Uint8Array;
}

let internalsOf: (ctx: SecurityContext) => SecurityContextInternals;

const CIPHERING_KEYS: readonly CipheringKeyName[] = [
  'global-unicast-encryption-key',
  'global-broadcast-encryption-key',
  'dedicated-key',
];

function checkSystemTitle(st: Uint8Array | undefined, what: string): Uint8Array | undefined {
  if (st === undefined) return undefined;
  if (st.length !== 8) {
    throw new MeterkitError(DlmsErrorCode.SystemTitleInvalid, `${what} must be 8 octets, not ${st.length}`);
  }
  return Uint8Array.from(st);
}

/**
 * Security material and state of one association or one push receiver (IEC 62056-5-3 §9.2).
 * Not thread-shared state: create one per association.
 */
export class SecurityContext {
  /** The security suite's algorithms and sizes. */
  readonly suite: SecuritySuiteParameters;
  /** Receiver-side invocation counter check, or undefined when disabled. */
  readonly replay: InvocationCounterGuard | undefined;
  /** Required protection of received APDUs (see `checkSecurityPolicy`). */
  securityPolicy: SecurityPolicy;
  /** Our ECDSA private key (suites 1 and 2). */
  signingKey: KeyObject | undefined;
  /** The peer's ECDSA public key. */
  peerSigningKey: KeyObject | undefined;
  /** Our static ECDH private key. */
  keyAgreementKey: KeyObject | undefined;
  /** The peer's static ECDH public key. */
  peerKeyAgreementKey: KeyObject | undefined;
  /**
   * Certificates known to this context. When a peer's signing or key agreement public key is not
   * set directly, it is taken from the matching certificate here after validating its chain
   * against the `certification-authority` entries (see `certifiedPeerKey`).
   */
  readonly certificates: CertificateEntry[];
  /** The time certificates are validated at; undefined means the current time. */
  certificateValidationTime: Date | undefined;

  #systemTitle: Uint8Array | undefined;
  #peerSystemTitle: Uint8Array | undefined;
  readonly #keys = new Map<SymmetricKeyName, KeyState>();
  #aad: Uint8Array | undefined;
  readonly #counters = new Map<CipheringKeyName, number>();
  readonly #iv = new Uint8Array(12);
  /** Built once per context: per-message code must not allocate closures. */
  readonly #internals: SecurityContextInternals = {
    key: (name) => this.#keys.get(name),
    aadPrefix: () => this.#aad,
    ivScratch: this.#iv,
  };

  static {
    internalsOf = (ctx) => ctx.#internals;
  }

  constructor(options: SecurityContextOptions = {}) {
    this.suite = securitySuiteParameters(options.suite ?? 0);
    this.#systemTitle = checkSystemTitle(options.systemTitle, 'system title');
    this.#peerSystemTitle = checkSystemTitle(options.peerSystemTitle, 'peer system title');
    const keys: [SymmetricKeyName, Uint8Array | undefined][] = [
      ['global-unicast-encryption-key', options.globalUnicastEncryptionKey],
      ['global-broadcast-encryption-key', options.globalBroadcastEncryptionKey],
      ['authentication-key', options.authenticationKey],
      ['dedicated-key', options.dedicatedKey],
      ['master-key', options.masterKey],
    ];
    for (const [name, k] of keys) if (k !== undefined) this.setKey(name, k);
    for (const name of CIPHERING_KEYS)
      this.setInvocationCounter(name, options.invocationCounters?.[name] ?? 0);
    this.replay = options.replay === false ? undefined : new InvocationCounterGuard(options.replay ?? {});
    this.securityPolicy = options.securityPolicy ?? NO_SECURITY_POLICY;
    this.signingKey = options.signingKey;
    this.peerSigningKey = options.peerSigningKey;
    this.keyAgreementKey = options.keyAgreementKey;
    this.peerKeyAgreementKey = options.peerKeyAgreementKey;
    this.certificates = [...(options.certificates ?? [])];
    this.certificateValidationTime = options.certificateValidationTime;
  }

  /** Our system title (8 octets), or undefined. System titles are not secret. */
  get systemTitle(): Uint8Array | undefined {
    return this.#systemTitle;
  }
  set systemTitle(st: Uint8Array | undefined) {
    this.#systemTitle = checkSystemTitle(st, 'system title');
  }

  /** The peer's system title (8 octets), or undefined. */
  get peerSystemTitle(): Uint8Array | undefined {
    return this.#peerSystemTitle;
  }
  set peerSystemTitle(st: Uint8Array | undefined) {
    this.#peerSystemTitle = checkSystemTitle(st, 'peer system title');
  }

  /**
   * Sets (or replaces) a symmetric key. Encryption keys and the authentication key must have the
   * suite's key length (IEC 62056-5-3 §9.2.3.7); the master key may be 16 or 32 octets.
   * Throws `KeyInvalid` (303); the key's bytes never appear in the message.
   */
  setKey(name: SymmetricKeyName, key: Uint8Array): void {
    const ok =
      name === 'master-key' ? key.length === 16 || key.length === 32 : key.length === this.suite.keyLength;
    if (!ok) {
      throw new MeterkitError(
        ErrorCode.KeyInvalid,
        `${name} has the wrong length (${key.length} octets) for security suite ${this.suite.id}`,
      );
    }
    const raw = Uint8Array.from(key);
    this.#keys.set(name, { raw, gcm: importGcmKey(raw) });
    if (name === 'authentication-key') {
      const aad = new Uint8Array(1 + raw.length);
      aad.set(raw, 1);
      this.#aad = aad;
    }
  }

  /** Removes a key. */
  removeKey(name: SymmetricKeyName): void {
    this.#keys.delete(name);
    if (name === 'authentication-key') this.#aad = undefined;
  }

  /** True when the key is set. */
  hasKey(name: SymmetricKeyName): boolean {
    return this.#keys.has(name);
  }

  /** The next invocation counter that will be sent with `key`. */
  invocationCounter(key: CipheringKeyName): number {
    return this.#counters.get(key) ?? 0;
  }

  /** Sets the next invocation counter to send with `key` (0..2³²−1). */
  setInvocationCounter(key: CipheringKeyName, value: number): void {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) {
      throw new MeterkitError(
        ErrorCode.ValueOutOfRange,
        `invocation counter ${value} is not a 32-bit unsigned value`,
      );
    }
    this.#counters.set(key, value);
  }

  /**
   * Returns the invocation counter to use for the next APDU sent with `key` and advances it
   * (IEC 62056-5-3 §9.2.3.3.3). Throws `InvalidState` (404) when the counter is exhausted: the key
   * must be changed.
   */
  takeInvocationCounter(key: CipheringKeyName): number {
    const v = this.invocationCounter(key);
    if (v > 0xffffffff)
      throw new MeterkitError(
        ErrorCode.InvalidState,
        `invocation counter of ${key} is exhausted; change the key`,
      );
    this.#counters.set(key, v + 1);
    return v;
  }

  /** A summary without secrets: suite, system titles, which keys are set, counters. */
  toJSON(): Record<string, unknown> {
    const keys: Record<string, string> = {};
    for (const name of [...KEY_NAME_BY_ID, 'dedicated-key'] as const)
      keys[name] = this.#keys.has(name) ? 'set' : 'absent';
    const counters: Record<string, number> = {};
    for (const k of CIPHERING_KEYS) counters[k] = this.invocationCounter(k);
    return {
      type: 'security-context',
      suite: this.suite.id,
      systemTitle: this.#systemTitle === undefined ? null : toHex(this.#systemTitle),
      peerSystemTitle: this.#peerSystemTitle === undefined ? null : toHex(this.#peerSystemTitle),
      keys,
      invocationCounters: counters,
      signingKey: this.signingKey === undefined ? 'absent' : 'set',
      keyAgreementKey: this.keyAgreementKey === undefined ? 'absent' : 'set',
      certificates: this.certificates.length,
    };
  }

  /** One line without secrets. */
  toString(): string {
    return `SecurityContext(${JSON.stringify(this.toJSON())})`;
  }

  /** `util.inspect` shows the redacted summary. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Package-internal access to a context's keys; not exported from the package. */
export function securityContextInternals(ctx: SecurityContext): SecurityContextInternals {
  return internalsOf(ctx);
}

/** The key state or `KeyMissing` (302). */
export function requireKey(ctx: SecurityContext, name: SymmetricKeyName): KeyState {
  const k = internalsOf(ctx).key(name);
  if (k === undefined)
    throw new MeterkitError(ErrorCode.KeyMissing, `${name} is not set in the security context`);
  return k;
}
