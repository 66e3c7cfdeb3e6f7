/**
 * The EPSEM envelope, IEEE 1703-2012 §5.3.3:
 * `<epsem-control> [<ed-class:4>] { <service-length> <service> }+ [00]`, where each service
 * length is a BER length and an optional zero length ends the list. Services are requests
 * (codes ≥ 0x20) or responses (< 0x20); a response is decoded against the request at the same
 * position among the responses when the caller passes the requests it answers.
 */
import { ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';
import { isResponseCode } from './codes.js';
import { decodeEpsemControl, type EpsemControl, EpsemControlBit, encodeEpsemControl } from './control.js';
import { type C1222Request, decodeRequest, type ServiceDecodeOptions, writeRequest } from './request.js';
import { type C1222Response, decodeResponse, writeResponse } from './response.js';

/** Length of the ED_CLASS field. */
export const ED_CLASS_LENGTH = 4;

/** One EPSEM service: a request or a response. */
export type EpsemService = C1222Request | C1222Response;

/**
 * A decoded EPSEM (the cleartext form, without the MAC). The standard requires at least one
 * service; an empty list is still decoded (and encoded) so that the empty-message EAX' case can
 * be examined and flagged.
 */
export interface Epsem {
  readonly type: 'epsem';
  readonly control: EpsemControl;
  /** ED_CLASS (4 bytes), present when the control byte's bit 4 is set. */
  readonly edClass?: Uint8Array;
  readonly services: readonly EpsemService[];
  /** True when the service list ended with an explicit zero length. */
  readonly endMarker?: boolean;
  /**
   * The bytes it was decoded from (decode only): the whole EPSEM from its control byte, or for a
   * decrypted mode-2 EPSEM the plaintext after the control byte.
   */
  readonly raw?: Uint8Array;
}

/** Options of the EPSEM decoder. */
export interface EpsemDecodeOptions extends ServiceDecodeOptions {
  /**
   * The requests these responses answer, in order (for typed response bodies); the i-th response
   * service is decoded against `requests[i]`.
   */
  readonly requests?: readonly (C1222Request | undefined)[];
}

/** True when `s` is a response service. */
export function isResponse(s: EpsemService): s is C1222Response {
  return s.type.endsWith('-response');
}

/**
 * Decodes the services part of an EPSEM (after the control byte and ED_CLASS): `bytes[start..)`.
 * `base` is the absolute offset of `bytes[0]`.
 */
function readServices(
  r: Reader,
  options: EpsemDecodeOptions,
): { services: EpsemService[]; endMarker: boolean } {
  const services: EpsemService[] = [];
  let responses = 0;
  let endMarker = false;
  while (!r.atEnd) {
    const n = r.berLengthBounded('epsem.service-length');
    if (n === 0) {
      endMarker = true;
      r.expectEnd('epsem');
      break;
    }
    const at = r.offset;
    const body = r.bytes(n, 'epsem.service');
    if (isResponseCode(body[0]!)) {
      services.push(decodeResponse(body, options.requests?.[responses], options, at));
      responses++;
    } else {
      services.push(decodeRequest(body, options, at));
    }
  }
  return { services, endMarker };
}

function decodeParts(c: number, r: Reader, options: EpsemDecodeOptions, raw: Uint8Array): Epsem {
  const control = decodeEpsemControl(c);
  const edClass =
    c & EpsemControlBit.edClassIncluded ? r.bytes(ED_CLASS_LENGTH, 'epsem.ed-class') : undefined;
  const { services, endMarker } = readServices(r, options);
  const e: { -readonly [K in keyof Epsem]: Epsem[K] } = { type: 'epsem', control, services };
  if (edClass !== undefined) e.edClass = edClass;
  if (endMarker) e.endMarker = true;
  e.raw = raw;
  return e;
}

/** Decodes a whole cleartext EPSEM (control byte first). `offset` is its absolute offset. */
export function decodeEpsem(bytes: Uint8Array, options: EpsemDecodeOptions = {}, offset = 0): Epsem {
  const r = new Reader(bytes, 0, bytes.length, offset);
  return decodeParts(r.u8('epsem.control'), r, options, bytes);
}

/**
 * Decodes an EPSEM whose control byte is given separately and whose remaining bytes (ED_CLASS and
 * services) are `body` — the form EAX' hands back after decryption. `offset` is the absolute
 * offset of `body[0]`.
 */
export function decodeEpsemBody(
  controlByte: number,
  body: Uint8Array,
  options: EpsemDecodeOptions = {},
  offset = 0,
): Epsem {
  return decodeParts(controlByte, new Reader(body, 0, body.length, offset), options, body);
}

/** Writes ED_CLASS and the services (everything after the control byte). */
export function writeEpsemBody(w: Writer, epsem: Epsem): void {
  if (epsem.edClass !== undefined) {
    if (epsem.edClass.length !== ED_CLASS_LENGTH)
      throw new MeterkitError(ErrorCode.EncodeFailed, `ED_CLASS must be ${ED_CLASS_LENGTH} bytes`, {
        path: 'epsem.ed-class',
      });
    w.bytes(epsem.edClass);
  }
  const s = serviceScratch;
  for (const svc of epsem.services) {
    s.reset();
    if (isResponse(svc)) writeResponse(s, svc);
    else writeRequest(s, svc);
    w.berLength(s.pos).bytes(s.written());
  }
  if (epsem.endMarker === true) w.u8(0);
}

const serviceScratch = new Writer(64);

/** The control byte `epsem` encodes to. */
export function epsemControlByte(epsem: Epsem): number {
  return encodeEpsemControl(epsem.control, epsem.edClass !== undefined);
}

/** Encodes a whole cleartext EPSEM (control byte first). */
export function encodeEpsem(epsem: Epsem): Uint8Array {
  const w = new Writer(64);
  w.u8(epsemControlByte(epsem));
  writeEpsemBody(w, epsem);
  return w.finish();
}
