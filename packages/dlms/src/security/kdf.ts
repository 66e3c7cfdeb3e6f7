/**
 * The NIST SP 800-56A concatenation key derivation function (§5.8.1, "single-step KDF" with a
 * hash) and the OtherInfo DLMS feeds it (IEC 62056-5-3 §9.2.3.4.6.5).
 */
import { createHash } from 'node:crypto';
import { ErrorCode, MeterkitError } from '@meterkit/core';

/**
 * K = H(counter₁ ‖ Z ‖ OtherInfo) ‖ H(counter₂ ‖ Z ‖ OtherInfo) ‖ …, truncated to `keyLength`
 * octets; the counter is a 32-bit big-endian integer starting at 1 (NIST SP 800-56A §5.8.1.1).
 */
export function concatKdf(
  hash: 'sha256' | 'sha384',
  z: Uint8Array,
  otherInfo: Uint8Array,
  keyLength: number,
): Uint8Array {
  if (!(Number.isInteger(keyLength) && keyLength > 0 && keyLength <= 1024)) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `KDF key length ${keyLength} is not 1..1024 octets`);
  }
  const out = new Uint8Array(keyLength);
  const counter = new Uint8Array(4);
  let filled = 0;
  for (let i = 1; filled < keyLength; i++) {
    counter[0] = i >>> 24;
    counter[1] = (i >>> 16) & 0xff;
    counter[2] = (i >>> 8) & 0xff;
    counter[3] = i & 0xff;
    const h = createHash(hash).update(counter).update(z).update(otherInfo).digest();
    const n = Math.min(h.length, keyLength - filled);
    out.set(h.subarray(0, n), filled);
    filled += n;
  }
  return out;
}

/** The fields of the KDF OtherInfo (NIST SP 800-56A §5.8.1.2, fixed-length fields concatenated). */
export interface KdfOtherInfo {
  /** AlgorithmID: the suite's AES-GCM OID (`SecuritySuiteParameters.kdfAlgorithmId`). */
  readonly algorithmId: Uint8Array;
  /** PartyUInfo: the system title of party U (the originator / client). */
  readonly partyUInfo: Uint8Array;
  /** PartyVInfo: the system title of party V (the recipient / server). */
  readonly partyVInfo: Uint8Array;
  /** SuppPubInfo, when the scheme uses it. */
  readonly suppPubInfo?: Uint8Array;
  /** SuppPrivInfo, when the scheme uses it. */
  readonly suppPrivInfo?: Uint8Array;
}

/** AlgorithmID ‖ PartyUInfo ‖ PartyVInfo [‖ SuppPubInfo] [‖ SuppPrivInfo]. */
export function encodeKdfOtherInfo(info: KdfOtherInfo): Uint8Array {
  const parts = [info.algorithmId, info.partyUInfo, info.partyVInfo, info.suppPubInfo, info.suppPrivInfo];
  let n = 0;
  for (const p of parts) n += p?.length ?? 0;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    if (p === undefined) continue;
    out.set(p, at);
    at += p.length;
  }
  return out;
}
