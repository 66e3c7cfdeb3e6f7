import type { Reader, Writer } from '@meterkit/core';
import { type DecodeContext, readOctetString, writeOctetString } from './common.js';

/** Tag of general-signing (IEC 62056-5-3 §8, [223]). */
export const GENERAL_SIGNING_TAG = 0xdf;

/**
 * general-signing (IEC 62056-5-3 §8, §9.2.7.2.5): an APDU signed with ECDSA, decoded as an
 * envelope. The signature is over the fields from transaction-id to content; verifying it is the
 * security layer's job.
 */
export interface GeneralSigning {
  readonly type: 'general-signing';
  readonly transactionId: Uint8Array;
  readonly originatorSystemTitle: Uint8Array;
  readonly recipientSystemTitle: Uint8Array;
  readonly dateTime: Uint8Array;
  readonly otherInformation: Uint8Array;
  /** The signed APDU. */
  readonly content: Uint8Array;
  readonly signature: Uint8Array;
}

/** Decodes a general-signing after its tag (IEC 62056-5-3 §8). */
export function readGeneralSigning(r: Reader, _ctx: DecodeContext): GeneralSigning {
  const p = 'general-signing';
  const transactionId = readOctetString(r, `${p}.transaction-id`);
  const originatorSystemTitle = readOctetString(r, `${p}.originator-system-title`);
  const recipientSystemTitle = readOctetString(r, `${p}.recipient-system-title`);
  const dateTime = readOctetString(r, `${p}.date-time`);
  const otherInformation = readOctetString(r, `${p}.other-information`);
  const content = readOctetString(r, `${p}.content`);
  return {
    type: 'general-signing',
    transactionId,
    originatorSystemTitle,
    recipientSystemTitle,
    dateTime,
    otherInformation,
    content,
    signature: readOctetString(r, `${p}.signature`),
  };
}

/** Encodes a general-signing with its tag (IEC 62056-5-3 §8). */
export function writeGeneralSigning(w: Writer, a: GeneralSigning): void {
  w.u8(GENERAL_SIGNING_TAG);
  writeOctetString(w, a.transactionId);
  writeOctetString(w, a.originatorSystemTitle);
  writeOctetString(w, a.recipientSystemTitle);
  writeOctetString(w, a.dateTime);
  writeOctetString(w, a.otherInformation);
  writeOctetString(w, a.content);
  writeOctetString(w, a.signature);
}
