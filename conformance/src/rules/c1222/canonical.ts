import { ELEMENT_ORDER, encodeC1222Acse, encodeEpsem } from '@meterkit/c1222';
import { bytesEqual, isMeterkitError } from '@meterkit/core';
import { outcome, pass, type Rule, type RuleOutcome } from '../rule.js';

/** The first octet at which two encodings differ (the shorter length when one is a prefix). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/**
 * The tags of an ACSE APDU's elements in wire order (ITU-T X.690 §8.1: tag, definite length,
 * content); stops at the first element that does not fit.
 */
export function acseElementTags(apdu: Uint8Array): number[] {
  const tags: number[] = [];
  let at = 1;
  const len = (): number | undefined => {
    const first = apdu[at++];
    if (first === undefined || first === 0x80 || first > 0x84) return undefined;
    if (first < 0x80) return first;
    let n = 0;
    for (let i = 0; i < (first & 0x7f); i++) {
      const b = apdu[at++];
      if (b === undefined) return undefined;
      n = n * 256 + b;
    }
    return n;
  };
  const outer = len();
  if (outer === undefined) return tags;
  const end = Math.min(apdu.length, at + outer);
  while (at < end && tags.length < 32) {
    const tag = apdu[at++]!;
    const n = len();
    if (n === undefined || at + n > end) break;
    tags.push(tag);
    at += n;
  }
  return tags;
}

/** True when `tags` are in the order IEEE 1703 lists the ACSE elements in. */
function inStandardOrder(tags: readonly number[]): boolean {
  let last = -1;
  for (const t of tags) {
    const i = ELEMENT_ORDER.indexOf(t);
    if (i < 0) continue;
    if (i < last) return false;
    last = i;
  }
  return true;
}

/**
 * Names a difference between received octets and their re-encoding: a BER length in a longer form
 * than needed (`non-minimal-length`, legal in BER), or undefined when it is not a known legal form.
 */
export function legalLengthForm(received: Uint8Array, again: Uint8Array, at: number): string | undefined {
  const orig = received[at];
  if (orig !== undefined && orig >= 0x81 && orig <= 0x84 && again.length < received.length)
    return 'non-minimal-length: a length in a longer form than needed (legal)';
  return undefined;
}

function compare(
  what: string,
  received: Uint8Array,
  again: Uint8Array,
  base: number | undefined,
  order?: readonly number[],
): RuleOutcome | undefined {
  if (bytesEqual(received, again)) return undefined;
  const at = firstDifference(received, again);
  const offset = base === undefined ? undefined : base + at;
  if (order !== undefined && !inStandardOrder(order))
    return outcome(
      'INCONCLUSIVE',
      `element-order: ${what} elements are not in the standard's order (${order.map((t) => t.toString(16)).join(' ')}) (legal in BER)`,
      offset,
    );
  const legal = legalLengthForm(received, again, at);
  if (legal !== undefined) return outcome('INCONCLUSIVE', `${legal} in the ${what}`, offset);
  return outcome('FAIL', `re-encoding the ${what} differs at its octet ${at}`, offset);
}

/**
 * Re-encoding a decoded C12.22 message gives the same octets: the ACSE (element order, BER
 * lengths) and the cleartext EPSEM (service lengths, bodies). Differences are named: a long-form
 * length where the short one fits (`non-minimal-length`) and elements out of the standard's order
 * (`element-order`) are legal BER (INCONCLUSIVE); anything else is a FAIL.
 */
export const c1222CanonicalRule: Rule = {
  id: 'C1222-APDU-CANONICAL',
  protocol: 'c1222',
  statement:
    'Every C12.22 message is canonical: decoding and re-encoding its ACSE and EPSEM gives the same octets.',
  clause: 'IEEE 1703-2012 §5.3.4 (ACSE element order), §5.3.3 (EPSEM); ITU-T X.690 §8.1.3 (BER lengths)',
  scope: 'frame',
  check({ analysed }) {
    const msg = analysed.c1222?.message;
    if (msg === undefined) return undefined;
    const bytes = analysed.message.bytes;
    const acse = msg.acse;
    const received = acse.raw ?? bytes;
    const base = received.buffer === bytes.buffer ? received.byteOffset - bytes.byteOffset : undefined;
    let againAcse: Uint8Array;
    let againEpsem: Uint8Array | undefined;
    try {
      againAcse = encodeC1222Acse(acse);
      if (msg.epsem !== undefined) againEpsem = encodeEpsem(msg.epsem);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      return outcome('ERROR', `the decoded message does not re-encode: ${e.message}`);
    }
    const acseDiff = compare('ACSE', received, againAcse, base, acseElementTags(received));
    if (acseDiff !== undefined) return acseDiff;
    const octets = acse.userInformation?.epsem;
    if (againEpsem === undefined || octets === undefined)
      return { verdict: 'PASS', message: 'the EPSEM is encrypted: the ACSE alone was re-encoded' };
    const epsemBase = octets.buffer === bytes.buffer ? octets.byteOffset - bytes.byteOffset : undefined;
    let receivedEpsem: Uint8Array;
    let again = againEpsem;
    if (msg.security.mode === 0) receivedEpsem = octets;
    else if (msg.security.mode === 1) receivedEpsem = octets.subarray(0, octets.length - 4);
    else {
      // mode 2: the decrypted plaintext follows the control byte
      const plain = msg.epsem?.raw;
      if (plain === undefined) return pass(base);
      receivedEpsem = plain;
      again = againEpsem.subarray(1);
    }
    return (
      compare('EPSEM', receivedEpsem, again, msg.security.mode === 2 ? undefined : epsemBase) ?? pass(base)
    );
  },
};
