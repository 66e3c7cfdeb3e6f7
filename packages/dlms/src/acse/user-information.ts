import { ErrorCode, MeterkitError, Reader } from '@meterkit/core';
import {
  type CipheredApdu,
  type CipheredApduFields,
  decodeCipheredApdu,
  encodeCipheredApdu,
} from '../security/ciphered-apdu.js';
import { CipheredApduTag, plainTagFor } from '../security/ciphered-tags.js';
import {
  CONFIRMED_SERVICE_ERROR_TAG,
  type ConfirmedServiceError,
  encodeConfirmedServiceError,
  readConfirmedServiceError,
} from './confirmed-service-error.js';
import {
  encodeInitiateRequest,
  encodeInitiateResponse,
  type InitiateRequest,
  type InitiateResponse,
  InitiateTag,
  initiateRequestInPlace,
  initiateResponseInPlace,
  readInitiateRequest,
  readInitiateResponse,
} from './initiate.js';

/** A ciphered initiate (glo-/ded-initiate-request 0x21/0x41, -response 0x28/0x48, -confirmed-service-error 0x2E/0x4E, or general ciphering): the security header parsed, the ciphered content kept as bytes. */
export interface CipheredUserInformation {
  readonly type: 'ciphered';
  readonly apdu: CipheredApdu;
}

/** Any other content: the xDLMS APDU bytes, kept as they are. */
export interface OtherUserInformation {
  readonly type: 'other';
  readonly content: Uint8Array;
}

/**
 * The xDLMS APDU carried by the ACSE user-information field (IEC 62056-5-3 §9.4.2.2, the
 * Association-information OCTET STRING): InitiateRequest in an AARQ; InitiateResponse or
 * ConfirmedServiceError in an AARE; their ciphered forms; or other bytes.
 */
export type AcseUserInformation =
  | InitiateRequest
  | InitiateResponse
  | ConfirmedServiceError
  | CipheredUserInformation
  | OtherUserInformation;

/** A user-information value to encode (`raw` not needed; ciphered APDUs by their fields). */
export type AcseUserInformationInput =
  | Omit<InitiateRequest, 'raw'>
  | Omit<InitiateResponse, 'raw'>
  | Omit<ConfirmedServiceError, 'raw'>
  | { readonly type: 'ciphered'; readonly apdu: CipheredApduFields }
  | OtherUserInformation;

function isCipheredTag(tag: number): boolean {
  return (
    plainTagFor(tag) !== undefined ||
    tag === CipheredApduTag.GeneralGloCiphering ||
    tag === CipheredApduTag.GeneralDedCiphering ||
    tag === CipheredApduTag.GeneralCiphering
  );
}

/**
 * Decodes the content of the user-information OCTET STRING (IEC 62056-5-3 §9.4.2.2): dispatches on
 * the xDLMS tag. `base` is the absolute offset of `content[0]`. Empty content throws `Truncated` (200).
 */
export function decodeAcseUserInformation(
  content: Uint8Array,
  base = 0,
  path = 'user-information',
): AcseUserInformation {
  // the usual, well-formed initiate APDUs without a reader or field paths
  const usual =
    content[0] === InitiateTag.InitiateRequest
      ? initiateRequestInPlace(content)
      : content[0] === InitiateTag.InitiateResponse
        ? initiateResponseInPlace(content)
        : undefined;
  if (usual !== undefined) return usual;
  const r = new Reader(content, 0, content.length, base);
  const tag = r.u8(`${path}.tag`);
  switch (tag) {
    case InitiateTag.InitiateRequest:
      return readInitiateRequest(r, content, `${path}.initiate-request`);
    case InitiateTag.InitiateResponse:
      return readInitiateResponse(r, content, `${path}.initiate-response`);
    case CONFIRMED_SERVICE_ERROR_TAG:
      return readConfirmedServiceError(r, content, `${path}.confirmed-service-error`);
    default:
      if (isCipheredTag(tag)) return { type: 'ciphered', apdu: decodeCipheredApdu(content, base) };
      return { type: 'other', content };
  }
}

/** Encodes the content of the user-information OCTET STRING (IEC 62056-5-3 §9.4.2.2). */
export function encodeAcseUserInformation(ui: AcseUserInformationInput): Uint8Array {
  switch (ui.type) {
    case 'initiate-request':
      return encodeInitiateRequest(ui);
    case 'initiate-response':
      return encodeInitiateResponse(ui);
    case 'confirmed-service-error':
      return encodeConfirmedServiceError(ui);
    case 'ciphered':
      return encodeCipheredApdu(ui.apdu);
    case 'other':
      if (ui.content.length === 0) {
        throw new MeterkitError(ErrorCode.EncodeFailed, 'user-information content is empty', {
          path: 'user-information',
        });
      }
      return ui.content;
  }
}
