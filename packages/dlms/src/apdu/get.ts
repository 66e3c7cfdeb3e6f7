import type { Reader, Writer } from '@meterkit/core';
import {
  type CosemAttributeDescriptor,
  type CosemAttributeDescriptorWithSelection,
  DATA_ACCESS_RESULT,
  type DataAccessResult,
  type DecodeContext,
  enumName,
  enumValue,
  type GetDataResult,
  type InvokeIdAndPriority,
  readAccessSelection,
  readAttributeDescriptor,
  readAttributeDescriptorList,
  readBoolean,
  readChoice,
  readGetDataResult,
  readInvokeIdAndPriority,
  readOctetString,
  type SelectiveAccessDescriptor,
  unknownChoice,
  unknownType,
  writeAccessSelection,
  writeAttributeDescriptor,
  writeAttributeDescriptorList,
  writeGetDataResult,
  writeInvokeIdAndPriority,
  writeOctetString,
} from './common.js';

/** Tag of Get-Request (IEC 62056-5-3 §8, [192]). */
export const GET_REQUEST_TAG = 0xc0;
/** Tag of Get-Response (IEC 62056-5-3 §8, [196]). */
export const GET_RESPONSE_TAG = 0xc4;

/** Get-Request-Normal (IEC 62056-5-3 §8). */
export interface GetRequestNormal {
  readonly type: 'get-request-normal';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly cosemAttributeDescriptor: CosemAttributeDescriptor;
  readonly accessSelection: SelectiveAccessDescriptor | null;
}

/** Get-Request-Next (IEC 62056-5-3 §8). */
export interface GetRequestNext {
  readonly type: 'get-request-next';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly blockNumber: number;
}

/** Get-Request-With-List (IEC 62056-5-3 §8). */
export interface GetRequestWithList {
  readonly type: 'get-request-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly attributeDescriptorList: readonly CosemAttributeDescriptorWithSelection[];
}

/** Get-Request CHOICE (IEC 62056-5-3 §8). */
export type GetRequest = GetRequestNormal | GetRequestNext | GetRequestWithList;

/** Get-Response-Normal (IEC 62056-5-3 §8). */
export interface GetResponseNormal {
  readonly type: 'get-response-normal';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly result: GetDataResult;
}

/** DataBlock-G (IEC 62056-5-3 §8): a block of a long get, raw-data or a data-access-result. */
export interface DataBlockG {
  readonly lastBlock: boolean;
  /** block-number, Unsigned32. */
  readonly blockNumber: number;
  readonly result:
    | { readonly type: 'raw-data'; readonly rawData: Uint8Array }
    | { readonly type: 'data-access-result'; readonly result: DataAccessResult };
}

/** Get-Response-With-Datablock (IEC 62056-5-3 §8). */
export interface GetResponseWithDatablock {
  readonly type: 'get-response-with-datablock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly result: DataBlockG;
}

/** Get-Response-With-List (IEC 62056-5-3 §8). */
export interface GetResponseWithList {
  readonly type: 'get-response-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly result: readonly GetDataResult[];
}

/** Get-Response CHOICE (IEC 62056-5-3 §8). */
export type GetResponse = GetResponseNormal | GetResponseWithDatablock | GetResponseWithList;

/** Decodes a Get-Request after its tag (IEC 62056-5-3 §8). */
export function readGetRequest(r: Reader, ctx: DecodeContext): GetRequest {
  const at = r.pos;
  const choice = readChoice(r, 'get-request', 3);
  const invokeIdAndPriority = readInvokeIdAndPriority(r, ctx);
  switch (choice) {
    case 1: {
      const cosemAttributeDescriptor = readAttributeDescriptor(r);
      return {
        type: 'get-request-normal',
        invokeIdAndPriority,
        cosemAttributeDescriptor,
        accessSelection: readAccessSelection(r),
      };
    }
    case 2:
      return { type: 'get-request-next', invokeIdAndPriority, blockNumber: r.u32('block-number') };
    case 3:
      return {
        type: 'get-request-with-list',
        invokeIdAndPriority,
        attributeDescriptorList: readAttributeDescriptorList(r),
      };
    default:
      return unknownChoice(r, 'get-request', choice, at);
  }
}

/** Encodes a Get-Request with its tag (IEC 62056-5-3 §8). */
export function writeGetRequest(w: Writer, a: GetRequest): void {
  w.u8(GET_REQUEST_TAG);
  switch (a.type) {
    case 'get-request-normal':
      w.u8(1);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeAttributeDescriptor(w, a.cosemAttributeDescriptor);
      writeAccessSelection(w, a.accessSelection);
      return;
    case 'get-request-next':
      w.u8(2);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      w.u32(a.blockNumber);
      return;
    case 'get-request-with-list':
      w.u8(3);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeAttributeDescriptorList(w, a.attributeDescriptorList);
      return;
    default:
      unknownType('get-request', (a as { type: unknown }).type);
  }
}

/** Decodes a Get-Response after its tag (IEC 62056-5-3 §8). */
export function readGetResponse(r: Reader, ctx: DecodeContext): GetResponse {
  const at = r.pos;
  const choice = readChoice(r, 'get-response', 3);
  const invokeIdAndPriority = readInvokeIdAndPriority(r, ctx);
  switch (choice) {
    case 1:
      return { type: 'get-response-normal', invokeIdAndPriority, result: readGetDataResult(r) };
    case 2: {
      const lastBlock = readBoolean(r, 'datablock.last-block');
      const blockNumber = r.u32('datablock.block-number');
      const cAt = r.pos;
      const c = r.u8('datablock.result');
      let result: DataBlockG['result'];
      if (c === 0) result = { type: 'raw-data', rawData: readOctetString(r, 'datablock.raw-data') };
      else if (c === 1) {
        result = {
          type: 'data-access-result',
          result: enumName(DATA_ACCESS_RESULT, r.u8('data-access-result')),
        };
      } else return unknownChoice(r, 'datablock.result', c, cAt);
      return {
        type: 'get-response-with-datablock',
        invokeIdAndPriority,
        result: { lastBlock, blockNumber, result },
      };
    }
    case 3: {
      const n = r.berLengthBounded('get-response-with-list.result', 2);
      const result: GetDataResult[] = [];
      for (let i = 0; i < n; i++) result.push(readGetDataResult(r));
      return { type: 'get-response-with-list', invokeIdAndPriority, result };
    }
    default:
      return unknownChoice(r, 'get-response', choice, at);
  }
}

/** Encodes a Get-Response with its tag (IEC 62056-5-3 §8). */
export function writeGetResponse(w: Writer, a: GetResponse): void {
  w.u8(GET_RESPONSE_TAG);
  switch (a.type) {
    case 'get-response-normal':
      w.u8(1);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeGetDataResult(w, a.result);
      return;
    case 'get-response-with-datablock': {
      w.u8(2);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      const b = a.result;
      w.u8(b.lastBlock ? 1 : 0).u32(b.blockNumber);
      if (b.result.type === 'raw-data') {
        w.u8(0);
        writeOctetString(w, b.result.rawData);
      } else w.u8(1).u8(enumValue(DATA_ACCESS_RESULT, b.result.result, 'data-access-result'));
      return;
    }
    case 'get-response-with-list':
      w.u8(3);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      w.berLength(a.result.length);
      for (const x of a.result) writeGetDataResult(w, x);
      return;
    default:
      unknownType('get-response', (a as { type: unknown }).type);
  }
}
