import { randomBytes } from 'node:crypto';
import { C1222KeyStore, type C1222Message, decodeC1222Message, encodeC1222Message } from '@meterkit/c1222';
import { isMeterkitError } from '@meterkit/core';
import type { Keyring } from '../keyring.js';

/** Options of the C12.22 adaptation. */
export interface C1222AdaptOptions {
  readonly keys: Keyring;
  /** The calling-AP-invocation-id of the first replayed request (default: a random 16-bit start). */
  readonly invocationId?: number | undefined;
  /** Source of fresh 4-octet IVs (default: the CSPRNG). */
  readonly iv?: (() => Uint8Array) | undefined;
}

/**
 * What must change when a captured C12.22 client side is replayed (IEEE 1703 §5.3.4): a fresh
 * calling-AP-invocation-id in every request (§5.3.4.5, so responses pair with this replay and not the
 * captured one) and, in security modes 1 and 2, a fresh IV in the calling-authentication-value
 * (§5.3.4.8.1, an IV must never repeat under one key) with the EAX' MAC computed again and, in
 * mode 2, the EPSEM encrypted again (Annex I), using the keyring's key for the AP titles.
 */
export class C1222ReplayAdaptation {
  readonly #keys: Keyring;
  readonly #iv: () => Uint8Array;
  #nextId: number;
  /** What was adapted, counted by kind. */
  readonly counts = { invocationIds: 0, resealed: 0, skipped: 0 };
  readonly problems = new Set<string>();

  constructor(options: C1222AdaptOptions) {
    this.#keys = options.keys;
    this.#iv = options.iv ?? (() => new Uint8Array(randomBytes(4)));
    this.#nextId = options.invocationId ?? 1 + randomBytes(2).readUInt16BE(0);
  }

  #store(m: C1222Message): C1222KeyStore | undefined {
    if (!this.#keys.hasC1222Keys) return undefined;
    const titles = [m.acse.callingApTitle?.oid, m.acse.calledApTitle?.oid];
    return new C1222KeyStore(this.#keys.c1222Keys(titles).map((k) => [k.keyId, k.key] as const));
  }

  /** The message to send for a captured client message (a copy). */
  adapt(captured: Uint8Array): Uint8Array {
    let probe: C1222Message;
    try {
      probe = decodeC1222Message(captured);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      return captured.slice();
    }
    const mode = probe.security.mode;
    const store = mode === 0 ? undefined : this.#store(probe);
    let m = probe;
    if (mode !== 0) {
      try {
        m = decodeC1222Message(captured, store === undefined ? {} : { keys: store });
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        this.problems.add(
          `a captured mode ${mode} message does not verify with the keyring: sent as captured`,
        );
        this.counts.skipped++;
        return captured.slice();
      }
      if (m.epsem === undefined || m.security.status !== 'authenticated') {
        this.problems.add(`no key for a mode ${mode} message in the keyring: sent as captured`);
        this.counts.skipped++;
        return captured.slice();
      }
    }
    if (m.epsem === undefined) return captured.slice();
    const cav = m.acse.callingAuthenticationValue;
    const acse = {
      ...m.acse,
      ...(m.acse.callingApInvocationId === undefined ? {} : { callingApInvocationId: this.#takeId() }),
      ...(cav?.type === 'c1222' && cav.iv !== undefined
        ? { callingAuthenticationValue: { ...cav, iv: this.#freshIv(cav.iv.length) } }
        : {}),
    };
    try {
      const out = encodeC1222Message(
        {
          acse,
          epsem: m.epsem,
          userInformationIndirectReference: m.acse.userInformation?.indirectReference,
        },
        store === undefined ? {} : { keys: store },
      );
      if (m.acse.callingApInvocationId !== undefined) this.counts.invocationIds++;
      if (mode !== 0) this.counts.resealed++;
      return out;
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      this.problems.add(`cannot re-encode a captured message: ${e.message}`);
      this.counts.skipped++;
      return captured.slice();
    }
  }

  #takeId(): number {
    const id = this.#nextId;
    this.#nextId = id >= 0xffff_ffff ? 1 : id + 1;
    return id;
  }

  #freshIv(length: number): Uint8Array {
    const iv = this.#iv();
    if (iv.length === length) return iv;
    const out = new Uint8Array(length);
    out.set(iv.subarray(0, length));
    return out;
  }
}
