import type { Reader, Writer } from '@meterkit/core';
import { type DlmsData, readData, writeData } from '../axdr/data.js';
import {
  DATA_ACCESS_RESULT,
  type DataAccessResult,
  type DecodeContext,
  enumName,
  enumValue,
  readBoolean,
  readDataList,
  readOctetString,
  readPresence,
  unknownChoice,
  unknownType,
  writeDataList,
  writeOctetString,
} from './common.js';

/**
 * The short-name (SN) referencing services (IEC 62056-5-3 §8, §10): ReadRequest/Response,
 * WriteRequest/Response, UnconfirmedWriteRequest and InformationReportRequest.
 */

/** Tags of the SN APDUs (IEC 62056-5-3 §8). */
export const ShortNameTag = {
  ReadRequest: 0x05,
  WriteRequest: 0x06,
  ReadResponse: 0x0c,
  WriteResponse: 0x0d,
  UnconfirmedWriteRequest: 0x16,
  InformationReportRequest: 0x18,
} as const;

/** Variable-Access-Specification CHOICE (IEC 62056-5-3 §8). Names (ObjectName) are 16-bit short names. */
export type VariableAccessSpecification =
  | { readonly type: 'variable-name'; readonly variableName: number }
  | {
      readonly type: 'parameterized-access';
      readonly variableName: number;
      readonly selector: number;
      readonly parameter: DlmsData;
    }
  | { readonly type: 'block-number-access'; readonly blockNumber: number }
  | {
      readonly type: 'read-data-block-access';
      readonly lastBlock: boolean;
      readonly blockNumber: number;
      readonly rawData: Uint8Array;
    }
  | { readonly type: 'write-data-block-access'; readonly lastBlock: boolean; readonly blockNumber: number };

/** ReadRequest (IEC 62056-5-3 §8). */
export interface ReadRequest {
  readonly type: 'read-request';
  readonly variableAccessSpecification: readonly VariableAccessSpecification[];
}

/** One ReadResponse item (IEC 62056-5-3 §8). */
export type ReadResponseItem =
  | { readonly type: 'data'; readonly data: DlmsData }
  | { readonly type: 'data-access-error'; readonly result: DataAccessResult }
  | {
      readonly type: 'data-block-result';
      readonly lastBlock: boolean;
      readonly blockNumber: number;
      readonly rawData: Uint8Array;
    }
  | { readonly type: 'block-number'; readonly blockNumber: number };

/** ReadResponse (IEC 62056-5-3 §8). */
export interface ReadResponse {
  readonly type: 'read-response';
  readonly items: readonly ReadResponseItem[];
}

/** WriteRequest (IEC 62056-5-3 §8). */
export interface WriteRequest {
  readonly type: 'write-request';
  readonly variableAccessSpecification: readonly VariableAccessSpecification[];
  readonly listOfData: readonly DlmsData[];
}

/** One WriteResponse item (IEC 62056-5-3 §8). */
export type WriteResponseItem =
  | { readonly type: 'success' }
  | { readonly type: 'data-access-error'; readonly result: DataAccessResult }
  | { readonly type: 'block-number'; readonly blockNumber: number };

/** WriteResponse (IEC 62056-5-3 §8). */
export interface WriteResponse {
  readonly type: 'write-response';
  readonly items: readonly WriteResponseItem[];
}

/** UnconfirmedWriteRequest (IEC 62056-5-3 §8). */
export interface UnconfirmedWriteRequest {
  readonly type: 'unconfirmed-write-request';
  readonly variableAccessSpecification: readonly VariableAccessSpecification[];
  readonly listOfData: readonly DlmsData[];
}

/** InformationReportRequest (IEC 62056-5-3 §8). */
export interface InformationReportRequest {
  readonly type: 'information-report-request';
  /** current-time (GeneralizedTime OPTIONAL), kept as its octets. */
  readonly currentTime: Uint8Array | null;
  readonly variableAccessSpecification: readonly VariableAccessSpecification[];
  readonly listOfData: readonly DlmsData[];
}

const VAS = 'variable-access-specification';

function readSpecs(r: Reader): VariableAccessSpecification[] {
  const n = r.berLengthBounded(VAS, 2);
  const out: VariableAccessSpecification[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const c = r.u8(VAS);
    switch (c) {
      case 2:
        out.push({ type: 'variable-name', variableName: r.u16(VAS) });
        break;
      case 4: {
        const variableName = r.u16(VAS);
        const selector = r.u8(VAS);
        out.push({ type: 'parameterized-access', variableName, selector, parameter: readData(r) });
        break;
      }
      case 5:
        out.push({ type: 'block-number-access', blockNumber: r.u16(VAS) });
        break;
      case 6: {
        const lastBlock = readBoolean(r, VAS);
        const blockNumber = r.u16(VAS);
        out.push({
          type: 'read-data-block-access',
          lastBlock,
          blockNumber,
          rawData: readOctetString(r, VAS),
        });
        break;
      }
      case 7: {
        const lastBlock = readBoolean(r, VAS);
        out.push({ type: 'write-data-block-access', lastBlock, blockNumber: r.u16(VAS) });
        break;
      }
      default:
        unknownChoice(r, VAS, c, at);
    }
  }
  return out;
}

function writeSpecs(w: Writer, list: readonly VariableAccessSpecification[]): void {
  w.berLength(list.length);
  for (const s of list) {
    switch (s.type) {
      case 'variable-name':
        w.u8(2).u16(s.variableName);
        break;
      case 'parameterized-access':
        w.u8(4).u16(s.variableName).u8(s.selector);
        writeData(w, s.parameter);
        break;
      case 'block-number-access':
        w.u8(5).u16(s.blockNumber);
        break;
      case 'read-data-block-access':
        w.u8(6)
          .u8(s.lastBlock ? 1 : 0)
          .u16(s.blockNumber);
        writeOctetString(w, s.rawData);
        break;
      case 'write-data-block-access':
        w.u8(7)
          .u8(s.lastBlock ? 1 : 0)
          .u16(s.blockNumber);
        break;
      default:
        unknownType(VAS, (s as { type: unknown }).type);
    }
  }
}

/** Decodes a ReadRequest after its tag (IEC 62056-5-3 §8). */
export function readReadRequest(r: Reader, _ctx: DecodeContext): ReadRequest {
  return { type: 'read-request', variableAccessSpecification: readSpecs(r) };
}

/** Encodes a ReadRequest with its tag (IEC 62056-5-3 §8). */
export function writeReadRequest(w: Writer, a: ReadRequest): void {
  w.u8(ShortNameTag.ReadRequest);
  writeSpecs(w, a.variableAccessSpecification);
}

/** Decodes a ReadResponse after its tag (IEC 62056-5-3 §8). */
export function readReadResponse(r: Reader, _ctx: DecodeContext): ReadResponse {
  const n = r.berLengthBounded('read-response', 2);
  const items: ReadResponseItem[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const c = r.u8('read-response');
    switch (c) {
      case 0:
        items.push({ type: 'data', data: readData(r) });
        break;
      case 1:
        items.push({
          type: 'data-access-error',
          result: enumName(DATA_ACCESS_RESULT, r.u8('read-response')),
        });
        break;
      case 2: {
        const lastBlock = readBoolean(r, 'read-response.data-block-result');
        const blockNumber = r.u16('read-response.data-block-result');
        const rawData = readOctetString(r, 'read-response.data-block-result');
        items.push({ type: 'data-block-result', lastBlock, blockNumber, rawData });
        break;
      }
      case 3:
        items.push({ type: 'block-number', blockNumber: r.u16('read-response.block-number') });
        break;
      default:
        unknownChoice(r, 'read-response', c, at);
    }
  }
  return { type: 'read-response', items };
}

/** Encodes a ReadResponse with its tag (IEC 62056-5-3 §8). */
export function writeReadResponse(w: Writer, a: ReadResponse): void {
  w.u8(ShortNameTag.ReadResponse).berLength(a.items.length);
  for (const x of a.items) {
    switch (x.type) {
      case 'data':
        w.u8(0);
        writeData(w, x.data);
        break;
      case 'data-access-error':
        w.u8(1).u8(enumValue(DATA_ACCESS_RESULT, x.result, 'data-access-result'));
        break;
      case 'data-block-result':
        w.u8(2)
          .u8(x.lastBlock ? 1 : 0)
          .u16(x.blockNumber);
        writeOctetString(w, x.rawData);
        break;
      case 'block-number':
        w.u8(3).u16(x.blockNumber);
        break;
      default:
        unknownType('read-response', (x as { type: unknown }).type);
    }
  }
}

/** Decodes a WriteRequest after its tag (IEC 62056-5-3 §8). */
export function readWriteRequest(r: Reader, _ctx: DecodeContext): WriteRequest {
  const variableAccessSpecification = readSpecs(r);
  return { type: 'write-request', variableAccessSpecification, listOfData: readDataList(r, 'list-of-data') };
}

/** Encodes a WriteRequest with its tag (IEC 62056-5-3 §8). */
export function writeWriteRequest(w: Writer, a: WriteRequest): void {
  w.u8(ShortNameTag.WriteRequest);
  writeSpecs(w, a.variableAccessSpecification);
  writeDataList(w, a.listOfData);
}

/** Decodes an UnconfirmedWriteRequest after its tag (IEC 62056-5-3 §8). */
export function readUnconfirmedWriteRequest(r: Reader, _ctx: DecodeContext): UnconfirmedWriteRequest {
  const variableAccessSpecification = readSpecs(r);
  return {
    type: 'unconfirmed-write-request',
    variableAccessSpecification,
    listOfData: readDataList(r, 'list-of-data'),
  };
}

/** Encodes an UnconfirmedWriteRequest with its tag (IEC 62056-5-3 §8). */
export function writeUnconfirmedWriteRequest(w: Writer, a: UnconfirmedWriteRequest): void {
  w.u8(ShortNameTag.UnconfirmedWriteRequest);
  writeSpecs(w, a.variableAccessSpecification);
  writeDataList(w, a.listOfData);
}

/** Decodes a WriteResponse after its tag (IEC 62056-5-3 §8). */
export function readWriteResponse(r: Reader, _ctx: DecodeContext): WriteResponse {
  const n = r.berLengthBounded('write-response', 1);
  const items: WriteResponseItem[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const c = r.u8('write-response');
    if (c === 0) items.push({ type: 'success' });
    else if (c === 1) {
      items.push({ type: 'data-access-error', result: enumName(DATA_ACCESS_RESULT, r.u8('write-response')) });
    } else if (c === 2)
      items.push({ type: 'block-number', blockNumber: r.u16('write-response.block-number') });
    else unknownChoice(r, 'write-response', c, at);
  }
  return { type: 'write-response', items };
}

/** Encodes a WriteResponse with its tag (IEC 62056-5-3 §8). */
export function writeWriteResponse(w: Writer, a: WriteResponse): void {
  w.u8(ShortNameTag.WriteResponse).berLength(a.items.length);
  for (const x of a.items) {
    if (x.type === 'success') w.u8(0);
    else if (x.type === 'data-access-error')
      w.u8(1).u8(enumValue(DATA_ACCESS_RESULT, x.result, 'data-access-result'));
    else if (x.type === 'block-number') w.u8(2).u16(x.blockNumber);
    else unknownType('write-response', (x as { type: unknown }).type);
  }
}

/** Decodes an InformationReportRequest after its tag (IEC 62056-5-3 §8). */
export function readInformationReportRequest(r: Reader, _ctx: DecodeContext): InformationReportRequest {
  const currentTime = readPresence(r, 'information-report-request.current-time')
    ? readOctetString(r, 'information-report-request.current-time')
    : null;
  const variableAccessSpecification = readSpecs(r);
  return {
    type: 'information-report-request',
    currentTime,
    variableAccessSpecification,
    listOfData: readDataList(r, 'list-of-data'),
  };
}

/** Encodes an InformationReportRequest with its tag (IEC 62056-5-3 §8). */
export function writeInformationReportRequest(w: Writer, a: InformationReportRequest): void {
  w.u8(ShortNameTag.InformationReportRequest);
  if (a.currentTime === null) w.u8(0);
  else {
    w.u8(1);
    writeOctetString(w, a.currentTime);
  }
  writeSpecs(w, a.variableAccessSpecification);
  writeDataList(w, a.listOfData);
}
