import { ErrorCode, type Reader, Writer } from '@meterkit/core';
import { type Conformance, encodeConformance, readConformance } from './conformance.js';

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
