import { ErrorCode, type Reader, Writer } from '@meterkit/core';
import {
  type Conformance,
  conformanceFromNumber,
  encodeConformance,
  readConformance,
} from './conformance.js';

/**
 * xDLMS InitiateRequest (IEC 62056-5-3 §8.2, A-XDR), tag 0x01, carried in the AARQ user-information
 * (or, ciphered, in glo-/ded-initiate-request).
 */
export interface InitiateRequest {
  readonly type: 'initiate-request';
  /** dedicated-key OCTET STRING OPTIONAL: the dedicated key, when ciphering with it is requested. Secret. */
  readonly dedicatedKey?: Uint8Array | undefined;
  /** response-allowed BOOLEAN DEFAULT TRUE; undefined when not encoded (the default). */
  readonly responseAllowed?: boolean | undefined;
  /** proposed-quality-of-service [0] IMPLICIT Integer8 OPTIONAL. */
  readonly proposedQualityOfService?: number | undefined;
  /** proposed-dlms-version-number Unsigned8 (6 for DLMS/COSEM). */
  readonly proposedDlmsVersionNumber: number;
  /** proposed-conformance. */
  readonly proposedConformance: Conformance;
  /** client-max-receive-pdu-size Unsigned16 (0 = no limit). */
  readonly clientMaxReceivePduSize: number;
  readonly raw?: Uint8Array | undefined;
}

/** xDLMS InitiateResponse (IEC 62056-5-3 §8.2, A-XDR), tag 0x08, carried in the AARE user-information. */
export interface InitiateResponse {
  readonly type: 'initiate-response';
  /** negotiated-quality-of-service [0] IMPLICIT Integer8 OPTIONAL. */
  readonly negotiatedQualityOfService?: number | undefined;
  /** negotiated-dlms-version-number Unsigned8. */
  readonly negotiatedDlmsVersionNumber: number;
  /** negotiated-conformance. */
  readonly negotiatedConformance: Conformance;
  /** server-max-receive-pdu-size Unsigned16. */
  readonly serverMaxReceivePduSize: number;
  /** vaa-name ObjectName: 0x0007 with LN referencing, the Association SN base name (0xFA00) with SN; read as unsigned. */
  readonly vaaName: number;
  readonly raw?: Uint8Array | undefined;
}

/** The A-XDR tags of the initiate APDUs (IEC 62056-5-3 §8.2). */
export const InitiateTag = { InitiateRequest: 0x01, InitiateResponse: 0x08 } as const;

function optionalFlag(r: Reader, path: string): boolean {
  const f = r.u8(path);
  if (f > 1)
    r.fail(ErrorCode.ValueInvalid, `OPTIONAL/DEFAULT presence flag ${f} is not 0 or 1`, path, r.pos - 1);
  return f === 1;
}

/** Reads the InitiateRequest fields after its tag (IEC 62056-5-3 §8.2); the reader must end with it. */
export function readInitiateRequest(r: Reader, raw: Uint8Array, path = 'initiate-request'): InitiateRequest {
  let dedicatedKey: Uint8Array | undefined;
  if (optionalFlag(r, `${path}.dedicated-key`)) {
    const n = r.berLengthBounded(`${path}.dedicated-key`);
    dedicatedKey = r.bytes(n, `${path}.dedicated-key`);
  }
  let responseAllowed: boolean | undefined;
  if (optionalFlag(r, `${path}.response-allowed`)) responseAllowed = r.u8(`${path}.response-allowed`) !== 0;
  let proposedQualityOfService: number | undefined;
  if (optionalFlag(r, `${path}.proposed-quality-of-service`)) {
    proposedQualityOfService = r.i8(`${path}.proposed-quality-of-service`);
  }
  const proposedDlmsVersionNumber = r.u8(`${path}.proposed-dlms-version-number`);
  const proposedConformance = readConformance(r, `${path}.proposed-conformance`);
  const clientMaxReceivePduSize = r.u16(`${path}.client-max-receive-pdu-size`);
  r.expectEnd(path);
  return {
    type: 'initiate-request',
    dedicatedKey,
    responseAllowed,
    proposedQualityOfService,
    proposedDlmsVersionNumber,
    proposedConformance,
    clientMaxReceivePduSize,
    raw,
  };
}

/** Reads the InitiateResponse fields after its tag (IEC 62056-5-3 §8.2); the reader must end with it. */
export function readInitiateResponse(
  r: Reader,
  raw: Uint8Array,
  path = 'initiate-response',
): InitiateResponse {
  let negotiatedQualityOfService: number | undefined;
  if (optionalFlag(r, `${path}.negotiated-quality-of-service`)) {
    negotiatedQualityOfService = r.i8(`${path}.negotiated-quality-of-service`);
  }
  const negotiatedDlmsVersionNumber = r.u8(`${path}.negotiated-dlms-version-number`);
  const negotiatedConformance = readConformance(r, `${path}.negotiated-conformance`);
  const serverMaxReceivePduSize = r.u16(`${path}.server-max-receive-pdu-size`);
  const vaaName = r.u16(`${path}.vaa-name`);
  r.expectEnd(path);
  return {
    type: 'initiate-response',
    negotiatedQualityOfService,
    negotiatedDlmsVersionNumber,
    negotiatedConformance,
    serverMaxReceivePduSize,
    vaaName,
    raw,
  };
}

/**
 * Reads the conformance block `5F 1F 04 00 xx xx xx` at `b[p..]` (IEC 62056-5-3 §8 Conformance)
 * as its 24-bit value, or -1 when it is not exactly that.
 */
function conformanceAt(b: Uint8Array, p: number): number {
  if (b.length - p < 7 || b[p] !== 0x5f || b[p + 1] !== 0x1f || b[p + 2] !== 4 || b[p + 3] !== 0) return -1;
  return (b[p + 4]! << 16) | (b[p + 5]! << 8) | b[p + 6]!;
}

/**
 * An InitiateRequest (IEC 62056-5-3 §8, A-XDR) that fills `content`, tag 0x01 included, read
 * straight from the octets: the object `readInitiateRequest` returns, or `undefined` when
 * anything is unusual (then `readInitiateRequest` judges it and names the error).
 */
export function initiateRequestInPlace(content: Uint8Array): InitiateRequest | undefined {
  const b = content;
  const n = b.length;
  if (n < 1 || b[0] !== InitiateTag.InitiateRequest) return undefined;
  let p = 1;
  let dedicatedKey: Uint8Array | undefined;
  if (p >= n) return undefined;
  let flag = b[p++]!;
  if (flag === 1) {
    if (p >= n) return undefined;
    const len = b[p++]!;
    if (len >= 0x80 || len > n - p) return undefined;
    dedicatedKey = b.subarray(p, p + len);
    p += len;
  } else if (flag !== 0) return undefined;
  let responseAllowed: boolean | undefined;
  if (p >= n) return undefined;
  flag = b[p++]!;
  if (flag === 1) {
    if (p >= n) return undefined;
    responseAllowed = b[p++] !== 0;
  } else if (flag !== 0) return undefined;
  let proposedQualityOfService: number | undefined;
  if (p >= n) return undefined;
  flag = b[p++]!;
  if (flag === 1) {
    if (p >= n) return undefined;
    proposedQualityOfService = (b[p++]! << 24) >> 24;
  } else if (flag !== 0) return undefined;
  // version, conformance (7), client-max-receive-pdu-size (2), and nothing after
  if (n - p !== 10) return undefined;
  const proposedDlmsVersionNumber = b[p]!;
  const conformance = conformanceAt(b, p + 1);
  if (conformance < 0) return undefined;
  return {
    type: 'initiate-request',
    dedicatedKey,
    responseAllowed,
    proposedQualityOfService,
    proposedDlmsVersionNumber,
    proposedConformance: conformanceFromNumber(conformance),
    clientMaxReceivePduSize: (b[p + 8]! << 8) | b[p + 9]!,
    raw: content,
  };
}

/**
 * An InitiateResponse (IEC 62056-5-3 §8, A-XDR) that fills `content`, tag 0x08 included, read
 * straight from the octets: the object `readInitiateResponse` returns, or `undefined` when
 * anything is unusual (then `readInitiateResponse` judges it).
 */
export function initiateResponseInPlace(content: Uint8Array): InitiateResponse | undefined {
  const b = content;
  const n = b.length;
  if (n < 2 || b[0] !== InitiateTag.InitiateResponse) return undefined;
  let p = 1;
  let negotiatedQualityOfService: number | undefined;
  const flag = b[p++]!;
  if (flag === 1) {
    if (p >= n) return undefined;
    negotiatedQualityOfService = (b[p++]! << 24) >> 24;
  } else if (flag !== 0) return undefined;
  // version, conformance (7), server-max-receive-pdu-size (2), vaa-name (2), and nothing after
  if (n - p !== 12) return undefined;
  const conformance = conformanceAt(b, p + 1);
  if (conformance < 0) return undefined;
  return {
    type: 'initiate-response',
    negotiatedQualityOfService,
    negotiatedDlmsVersionNumber: b[p]!,
    negotiatedConformance: conformanceFromNumber(conformance),
    serverMaxReceivePduSize: (b[p + 8]! << 8) | b[p + 9]!,
    vaaName: (b[p + 10]! << 8) | b[p + 11]!,
    raw: content,
  };
}

/** Encodes an InitiateRequest with its tag (IEC 62056-5-3 §8.2). TRUE is written as 0xFF. */
export function encodeInitiateRequest(x: Omit<InitiateRequest, 'raw' | 'type'>): Uint8Array {
  const w = new Writer(32 + (x.dedicatedKey?.length ?? 0));
  w.u8(InitiateTag.InitiateRequest);
  if (x.dedicatedKey === undefined) w.u8(0);
  else w.u8(1).berLength(x.dedicatedKey.length).bytes(x.dedicatedKey);
  if (x.responseAllowed === undefined) w.u8(0);
  else w.u8(1).u8(x.responseAllowed ? 0xff : 0);
  if (x.proposedQualityOfService === undefined) w.u8(0);
  else w.u8(1).i8(x.proposedQualityOfService);
  w.u8(x.proposedDlmsVersionNumber);
  w.bytes(encodeConformance(x.proposedConformance));
  w.u16(x.clientMaxReceivePduSize);
  return w.finish();
}

/** Encodes an InitiateResponse with its tag (IEC 62056-5-3 §8.2). */
export function encodeInitiateResponse(x: Omit<InitiateResponse, 'raw' | 'type'>): Uint8Array {
  const w = new Writer(24);
  w.u8(InitiateTag.InitiateResponse);
  if (x.negotiatedQualityOfService === undefined) w.u8(0);
  else w.u8(1).i8(x.negotiatedQualityOfService);
  w.u8(x.negotiatedDlmsVersionNumber);
  w.bytes(encodeConformance(x.negotiatedConformance));
  w.u16(x.serverMaxReceivePduSize);
  w.u16(x.vaaName);
  return w.finish();
}
