import { Reader, Writer } from '@meterkit/core';
import {
  type AcseApdu,
  type AcseApduInput,
  type ConfirmedServiceError,
  decodeAcseApdu,
  encodeConfirmedServiceError,
  encodeInitiateRequest,
  encodeInitiateResponse,
  type InitiateRequest,
  type InitiateResponse,
  readConfirmedServiceError,
  readInitiateRequest,
  readInitiateResponse,
  writeAcseApdu,
} from '../acse/index.js';
import { DlmsErrorCode } from '../errors.js';
import {
  type CipheredApdu,
  type CipheredApduFields,
  decodeCipheredApdu,
  encodeCipheredApdu,
} from '../security/ciphered-apdu.js';
import {
  type AccessRequest,
  type AccessResponse,
  readAccessRequest,
  readAccessResponse,
  writeAccessRequest,
  writeAccessResponse,
} from './access.js';
import {
  type ActionRequest,
  type ActionResponse,
  readActionRequest,
  readActionResponse,
  writeActionRequest,
  writeActionResponse,
} from './action.js';
import {
  type DecodeApduOptions,
  type DecodeContext,
  decodeContext,
  tolerate,
  unknownType,
} from './common.js';
import {
  type ExceptionResponse,
  readExceptionResponse,
  writeExceptionResponse,
} from './exception-response.js';
import {
  type GeneralBlockTransfer,
  readGeneralBlockTransfer,
  writeGeneralBlockTransfer,
} from './general-block-transfer.js';
import { type GeneralSigning, readGeneralSigning, writeGeneralSigning } from './general-signing.js';
import {
  type GetRequest,
  type GetResponse,
  readGetRequest,
  readGetResponse,
  writeGetRequest,
  writeGetResponse,
} from './get.js';
import {
  type DataNotification,
  type EventNotificationRequest,
  readDataNotification,
  readEventNotificationRequest,
  writeDataNotification,
  writeEventNotificationRequest,
} from './notification.js';
import {
  readSetRequest,
  readSetResponse,
  type SetRequest,
  type SetResponse,
  writeSetRequest,
  writeSetResponse,
} from './set.js';
import {
  type InformationReportRequest,
  type ReadRequest,
  type ReadResponse,
  readInformationReportRequest,
  readReadRequest,
  readReadResponse,
  readUnconfirmedWriteRequest,
  readWriteRequest,
  readWriteResponse,
  type UnconfirmedWriteRequest,
  type WriteRequest,
  type WriteResponse,
  writeInformationReportRequest,
  writeReadRequest,
  writeReadResponse,
  writeUnconfirmedWriteRequest,
  writeWriteRequest,
  writeWriteResponse,
} from './short-name.js';

/**
 * The xDLMS APDU registry (IEC 62056-5-3 §8 COSEMpdu CHOICE): one `tag → { read, write }` table
 * and the `decodeApdu` / `encodeApdu` pair over every APDU tag. Ciphered APDUs are decoded as
 * envelopes by the security module's `decodeCipheredApdu`; the ACSE APDUs (0x60–0x63),
 * InitiateRequest/InitiateResponse (0x01/0x08) and ConfirmedServiceError (0x0E) by the ACSE
 * module.
 */

/** A plain (unciphered) xDLMS APDU decoded by this module. IEC 62056-5-3 §8. */
export type PlainXdlmsApdu =
  | GetRequest
  | GetResponse
  | SetRequest
  | SetResponse
  | ActionRequest
  | ActionResponse
  | DataNotification
  | EventNotificationRequest
  | ExceptionResponse
  | AccessRequest
  | AccessResponse
  | GeneralBlockTransfer
  | GeneralSigning
  | ReadRequest
  | ReadResponse
  | WriteRequest
  | WriteResponse
  | UnconfirmedWriteRequest
  | InformationReportRequest;

/** The APDUs this registry delegates to the ACSE module (IEC 62056-5-3 §8: ACSE, initiate, confirmed-service-error). */
export type AcseModuleApdu = AcseApdu | InitiateRequest | InitiateResponse | ConfirmedServiceError;

/** Any APDU `encodeApdu` accepts (plain xDLMS APDUs, ciphered envelopes, ACSE-module APDUs). IEC 62056-5-3 §8. */
export type XdlmsApdu =
  | PlainXdlmsApdu
  | CipheredApduFields
  | AcseApduInput
  | InitiateRequest
  | InitiateResponse
  | ConfirmedServiceError;

/** What a decode reports besides the APDU itself. IEC 62056-5-3 §8. */
export interface DecodedExtras {
  /** The APDU's octets (a view of the input). */
  readonly raw: Uint8Array;
  /** What lenient options tolerated; absent when nothing was. */
  readonly tolerated?: readonly string[];
}

/** A decoded xDLMS APDU: the APDU, its raw octets, and what leniency tolerated. IEC 62056-5-3 §8. */
export type DecodedApdu =
  | (PlainXdlmsApdu & DecodedExtras)
  | (CipheredApdu & DecodedExtras)
  | (AcseModuleApdu & DecodedExtras);

/** A codec of one APDU tag: reads after the tag, writes including the tag. IEC 62056-5-3 §8. */
export interface ApduCodec {
  /** The APDU's name in the standard (e.g. `get-request`). */
  readonly name: string;
  /** Decodes the APDU whose tag was just read from `r`. */
  read(r: Reader, ctx: DecodeContext): PlainXdlmsApdu | CipheredApdu | AcseModuleApdu;
  /** Encodes the APDU, tag first. */
  write(w: Writer, apdu: XdlmsApdu): void;
}

type Reading<T> = (r: Reader, ctx: DecodeContext) => T;
type Writing<T> = (w: Writer, apdu: T) => void;

function codec<T extends XdlmsApdu>(
  name: string,
  read: Reading<T & PlainXdlmsApdu>,
  write: Writing<T>,
): ApduCodec {
  return { name, read, write: write as Writing<XdlmsApdu> };
}

/** Skips to the end of a ciphered APDU (r after its tag) and returns the end index. */
function octets(r: Reader, path: string): void {
  const n = r.berLengthBounded(path);
  r.pos += n;
}

function cipheredEnd(r: Reader, tag: number): number {
  if (tag === 0xdb || tag === 0xdc) {
    octets(r, 'system-title');
  } else if (tag === 0xdd) {
    for (const f of [
      'transaction-id',
      'originator-system-title',
      'recipient-system-title',
      'date-time',
      'other-information',
    ]) {
      octets(r, `general-ciphering.${f}`);
    }
    if (r.u8('general-ciphering.key-info') !== 0) {
      const c = r.u8('general-ciphering.key-info');
      if (c === 0) r.u8('general-ciphering.key-info');
      else if (c === 1) {
        r.u8('general-ciphering.key-info');
        octets(r, 'general-ciphering.key-info');
      } else if (c === 2) {
        octets(r, 'general-ciphering.key-info');
        octets(r, 'general-ciphering.key-info');
      } else {
        r.fail(
          DlmsErrorCode.ChoiceUnknown,
          `key-info choice ${c} is not 0..2`,
          'general-ciphering.key-info',
          r.pos - 1,
        );
      }
    }
  }
  octets(r, 'ciphered-content');
  return r.pos;
}

function cipheredCodec(name: string, tag: number): ApduCodec {
  return {
    name,
    read(r: Reader): CipheredApdu {
      const start = r.pos - 1;
      const end = cipheredEnd(r, tag);
      return decodeCipheredApdu(r.buf.subarray(start, end), r.base + start);
    },
    write(w: Writer, apdu: XdlmsApdu): void {
      w.bytes(encodeCipheredApdu(apdu as CipheredApduFields));
    },
  };
}

const CODECS: (ApduCodec | undefined)[] = new Array(256).fill(undefined);
const TYPE_TAG = new Map<string, number>();

function register(tag: number, c: ApduCodec, types: readonly string[]): void {
  CODECS[tag] = c;
  for (const t of types) TYPE_TAG.set(t, tag);
}

register(0xc0, codec('get-request', readGetRequest, writeGetRequest), [
  'get-request-normal',
  'get-request-next',
  'get-request-with-list',
]);
register(0xc4, codec('get-response', readGetResponse, writeGetResponse), [
  'get-response-normal',
  'get-response-with-datablock',
  'get-response-with-list',
]);
register(0xc1, codec('set-request', readSetRequest, writeSetRequest), [
  'set-request-normal',
  'set-request-with-first-datablock',
  'set-request-with-datablock',
  'set-request-with-list',
  'set-request-with-list-and-first-datablock',
]);
register(0xc5, codec('set-response', readSetResponse, writeSetResponse), [
  'set-response-normal',
  'set-response-datablock',
  'set-response-last-datablock',
  'set-response-last-datablock-with-list',
  'set-response-with-list',
]);
register(0xc3, codec('action-request', readActionRequest, writeActionRequest), [
  'action-request-normal',
  'action-request-next-pblock',
  'action-request-with-list',
  'action-request-with-first-pblock',
  'action-request-with-list-and-first-pblock',
  'action-request-with-pblock',
]);
register(0xc7, codec('action-response', readActionResponse, writeActionResponse), [
  'action-response-normal',
  'action-response-with-pblock',
  'action-response-with-list',
  'action-response-next-pblock',
]);
register(0x0f, codec('data-notification', readDataNotification, writeDataNotification), [
  'data-notification',
]);
register(
  0xc2,
  codec('event-notification-request', readEventNotificationRequest, writeEventNotificationRequest),
  ['event-notification-request'],
);
register(0xd8, codec('exception-response', readExceptionResponse, writeExceptionResponse), [
  'exception-response',
]);
register(0xd9, codec('access-request', readAccessRequest, writeAccessRequest), ['access-request']);
register(0xda, codec('access-response', readAccessResponse, writeAccessResponse), ['access-response']);
register(0xe0, codec('general-block-transfer', readGeneralBlockTransfer, writeGeneralBlockTransfer), [
  'general-block-transfer',
]);
register(0xdf, codec('general-signing', readGeneralSigning, writeGeneralSigning), ['general-signing']);
register(0x05, codec('read-request', readReadRequest, writeReadRequest), ['read-request']);
register(0x0c, codec('read-response', readReadResponse, writeReadResponse), ['read-response']);
register(0x06, codec('write-request', readWriteRequest, writeWriteRequest), ['write-request']);
register(0x0d, codec('write-response', readWriteResponse, writeWriteResponse), ['write-response']);
register(
  0x16,
  codec('unconfirmed-write-request', readUnconfirmedWriteRequest, writeUnconfirmedWriteRequest),
  ['unconfirmed-write-request'],
);
register(
  0x18,
  codec('information-report-request', readInformationReportRequest, writeInformationReportRequest),
  ['information-report-request'],
);

/** ACSE APDUs (BER): decoded by the ACSE module up to the end of their outer TLV. */
const acseCodec: ApduCodec = {
  name: 'acse',
  read(r: Reader): AcseApdu {
    const start = r.pos - 1;
    const bytes = start === 0 && r.end === r.buf.length ? r.buf : r.buf.subarray(start, r.end);
    const apdu = decodeAcseApdu(bytes, { base: r.base + start, allowTrailing: true });
    r.pos = start + (apdu.raw?.length ?? r.end - start);
    return apdu;
  },
  write(w: Writer, apdu: XdlmsApdu): void {
    writeAcseApdu(w, apdu as AcseApduInput);
  },
};
for (const [tag, type] of [
  [0x60, 'aarq'],
  [0x61, 'aare'],
  [0x62, 'rlrq'],
  [0x63, 'rlre'],
] as const) {
  register(tag, acseCodec, [type]);
}

/** A-XDR APDUs of the ACSE module whose readers take the rest of the input as the APDU. */
function restCodec<T extends AcseModuleApdu>(
  name: string,
  read: (r: Reader, raw: Uint8Array) => T,
  encode: (apdu: T) => Uint8Array,
): ApduCodec {
  return {
    name,
    read(r: Reader): T {
      const raw = r.buf.subarray(r.pos - 1, r.end);
      const sub = new Reader(r.buf, r.pos, r.end, r.base);
      const apdu = read(sub, raw);
      r.pos = r.end;
      return apdu;
    },
    write(w: Writer, apdu: XdlmsApdu): void {
      w.bytes(encode(apdu as T));
    },
  };
}
register(0x01, restCodec('initiate-request', readInitiateRequest, encodeInitiateRequest), [
  'initiate-request',
]);
register(0x08, restCodec('initiate-response', readInitiateResponse, encodeInitiateResponse), [
  'initiate-response',
]);
register(0x0e, restCodec('confirmed-service-error', readConfirmedServiceError, encodeConfirmedServiceError), [
  'confirmed-service-error',
]);

/** Names of the service-specific ciphered APDUs (IEC 62056-5-3 §8), by tag. */
export const CIPHERED_APDU_NAMES: Readonly<Record<number, string>> = {
  33: 'glo-initiate-request',
  37: 'glo-read-request',
  38: 'glo-write-request',
  40: 'glo-initiate-response',
  44: 'glo-read-response',
  45: 'glo-write-response',
  46: 'glo-confirmed-service-error',
  54: 'glo-unconfirmed-write-request',
  56: 'glo-information-report-request',
  65: 'ded-initiate-request',
  69: 'ded-read-request',
  70: 'ded-write-request',
  72: 'ded-initiate-response',
  76: 'ded-read-response',
  77: 'ded-write-response',
  78: 'ded-confirmed-service-error',
  86: 'ded-unconfirmed-write-request',
  88: 'ded-information-report-request',
  200: 'glo-get-request',
  201: 'glo-set-request',
  202: 'glo-event-notification-request',
  203: 'glo-action-request',
  204: 'glo-get-response',
  205: 'glo-set-response',
  207: 'glo-action-response',
  208: 'ded-get-request',
  209: 'ded-set-request',
  210: 'ded-event-notification-request',
  211: 'ded-action-request',
  212: 'ded-get-response',
  213: 'ded-set-response',
  215: 'ded-action-response',
  219: 'general-glo-ciphering',
  220: 'general-ded-ciphering',
  221: 'general-ciphering',
};

for (const [tag, name] of Object.entries(CIPHERED_APDU_NAMES)) {
  const t = Number(tag);
  CODECS[t] = cipheredCodec(name, t);
}
TYPE_TAG.set('general-glo-ciphering', 0xdb);
TYPE_TAG.set('general-ded-ciphering', 0xdc);
TYPE_TAG.set('general-ciphering', 0xdd);

/**
 * The standard's name of an APDU: its `type`, except for a service-specific ciphered envelope,
 * whose name comes from its tag (e.g. 0xC8 → `glo-get-request`). IEC 62056-5-3 §8.
 */
export function apduName(apdu: XdlmsApdu): string {
  if (apdu.type === 'service-specific-ciphering') return CIPHERED_APDU_NAMES[apdu.tag] ?? apdu.type;
  return apdu.type;
}

/** The codec registered for an APDU tag, or `undefined`. IEC 62056-5-3 §8. */
export function apduCodec(tag: number): ApduCodec | undefined {
  return CODECS[tag];
}

/** The tag of the APDU `type` (e.g. `'get-request-normal'` → 0xC0), or `undefined`. IEC 62056-5-3 §8. */
export function apduTagForType(type: string): number | undefined {
  return TYPE_TAG.get(type);
}

/**
 * Reads one xDLMS APDU at the reader's position (IEC 62056-5-3 §8). The reader is left after
 * the APDU; `raw` covers exactly the APDU's octets.
 */
export function readApdu(r: Reader, ctx: DecodeContext): DecodedApdu {
  const start = r.pos;
  const tag = r.u8('apdu.tag');
  const c = CODECS[tag];
  if (c === undefined) {
    r.fail(DlmsErrorCode.ApduTagUnknown, `tag 0x${tag.toString(16)} is not an xDLMS APDU`, 'apdu.tag', start);
  }
  const apdu = c.read(r, ctx) as { raw?: Uint8Array };
  if (apdu.raw === undefined)
    apdu.raw = start === 0 && r.pos === r.buf.length ? r.buf : r.buf.subarray(start, r.pos);
  return apdu as DecodedApdu;
}

/**
 * Decodes one xDLMS APDU (IEC 62056-5-3 §8) from `bytes`. `base` is the absolute offset of
 * `bytes[0]` in the caller's input (for error offsets). Strict by default: each real-meter
 * leniency is a named option, and what it tolerated is listed in `tolerated`.
 */
export function decodeApdu(bytes: Uint8Array, options: DecodeApduOptions = {}, base = 0): DecodedApdu {
  const r = new Reader(bytes, 0, bytes.length, base);
  const ctx = decodeContext(options);
  const apdu = readApdu(r, ctx);
  if (r.pos < r.end) {
    if (options.allowTrailingBytes !== true) r.expectEnd('apdu');
    tolerate(ctx, `${r.end - r.pos} trailing octet(s) after the APDU`);
  }
  if (ctx.tolerated !== undefined) (apdu as { tolerated?: readonly string[] }).tolerated = ctx.tolerated;
  return apdu;
}

/** Writes one xDLMS APDU (IEC 62056-5-3 §8), tag first. */
export function writeApdu(w: Writer, apdu: XdlmsApdu): void {
  let tag = TYPE_TAG.get(apdu.type);
  if (apdu.type === 'service-specific-ciphering') tag = apdu.tag;
  const c = tag === undefined ? undefined : CODECS[tag];
  if (c === undefined) unknownType('apdu', apdu.type);
  c.write(w, apdu);
}

/** Scratch writer of `encodeApdu` (reset before each use; `finish()` returns a copy). */
const sharedWriter = new Writer(4096);

/** Encodes one xDLMS APDU (IEC 62056-5-3 §8); the inverse of `decodeApdu`. */
export function encodeApdu(apdu: XdlmsApdu): Uint8Array {
  const w = sharedWriter;
  w.reset();
  writeApdu(w, apdu);
  return w.finish();
}
