import type { Reader, Writer } from '@meterkit/core';
import { type DlmsData, readData, writeData } from '../axdr/data.js';
import {
  type CosemAttributeDescriptor,
  type CosemAttributeDescriptorWithSelection,
  DATA_ACCESS_RESULT,
  type DataAccessResult,
  type DataBlockSA,
  type DecodeContext,
  enumName,
  enumValue,
  type InvokeIdAndPriority,
  readAccessSelection,
  readAttributeDescriptor,
  readAttributeDescriptorList,
  readChoice,
  readDataBlockSA,
  readDataList,
  readInvokeIdAndPriority,
  type SelectiveAccessDescriptor,
  unknownChoice,
  unknownType,
  writeAccessSelection,
  writeAttributeDescriptor,
  writeAttributeDescriptorList,
  writeDataBlockSA,
  writeDataList,
  writeInvokeIdAndPriority,
} from './common.js';

/** Tag of Set-Request (IEC 62056-5-3 §8, [193]). */
export const SET_REQUEST_TAG = 0xc1;
/** Tag of Set-Response (IEC 62056-5-3 §8, [197]). */
export const SET_RESPONSE_TAG = 0xc5;

/** Set-Request-Normal (IEC 62056-5-3 §8). */
export interface SetRequestNormal {
  readonly type: 'set-request-normal';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly cosemAttributeDescriptor: CosemAttributeDescriptor;
  readonly accessSelection: SelectiveAccessDescriptor | null;
  readonly value: DlmsData;
}

/** Set-Request-With-First-Datablock (IEC 62056-5-3 §8). */
export interface SetRequestWithFirstDatablock {
  readonly type: 'set-request-with-first-datablock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly cosemAttributeDescriptor: CosemAttributeDescriptor;
  readonly accessSelection: SelectiveAccessDescriptor | null;
  readonly datablock: DataBlockSA;
}

/** Set-Request-With-Datablock (IEC 62056-5-3 §8). */
export interface SetRequestWithDatablock {
  readonly type: 'set-request-with-datablock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly datablock: DataBlockSA;
}

/** Set-Request-With-List (IEC 62056-5-3 §8). */
export interface SetRequestWithList {
  readonly type: 'set-request-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly attributeDescriptorList: readonly CosemAttributeDescriptorWithSelection[];
  readonly valueList: readonly DlmsData[];
}

/** Set-Request-With-List-And-First-Datablock (IEC 62056-5-3 §8). */
export interface SetRequestWithListAndFirstDatablock {
  readonly type: 'set-request-with-list-and-first-datablock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly attributeDescriptorList: readonly CosemAttributeDescriptorWithSelection[];
  readonly datablock: DataBlockSA;
}

/** Set-Request CHOICE (IEC 62056-5-3 §8). */
export type SetRequest =
  | SetRequestNormal
  | SetRequestWithFirstDatablock
  | SetRequestWithDatablock
  | SetRequestWithList
  | SetRequestWithListAndFirstDatablock;

/** Set-Response-Normal (IEC 62056-5-3 §8). */
export interface SetResponseNormal {
  readonly type: 'set-response-normal';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly result: DataAccessResult;
}

/** Set-Response-Datablock (IEC 62056-5-3 §8). */
export interface SetResponseDatablock {
  readonly type: 'set-response-datablock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly blockNumber: number;
}

/** Set-Response-Last-Datablock (IEC 62056-5-3 §8). */
export interface SetResponseLastDatablock {
  readonly type: 'set-response-last-datablock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly result: DataAccessResult;
  readonly blockNumber: number;
}

/** Set-Response-Last-Datablock-With-List (IEC 62056-5-3 §8). */
export interface SetResponseLastDatablockWithList {
  readonly type: 'set-response-last-datablock-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly result: readonly DataAccessResult[];
  readonly blockNumber: number;
}

/** Set-Response-With-List (IEC 62056-5-3 §8). */
export interface SetResponseWithList {
  readonly type: 'set-response-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly result: readonly DataAccessResult[];
}

/** Set-Response CHOICE (IEC 62056-5-3 §8). */
export type SetResponse =
  | SetResponseNormal
  | SetResponseDatablock
  | SetResponseLastDatablock
  | SetResponseLastDatablockWithList
  | SetResponseWithList;

function readResults(r: Reader): DataAccessResult[] {
  const n = r.berLengthBounded('result', 1);
  const out: DataAccessResult[] = [];
  for (let i = 0; i < n; i++) out.push(enumName(DATA_ACCESS_RESULT, r.u8('data-access-result')));
  return out;
}

function writeResults(w: Writer, list: readonly DataAccessResult[]): void {
  w.berLength(list.length);
  for (const x of list) w.u8(enumValue(DATA_ACCESS_RESULT, x, 'data-access-result'));
}

/** Decodes a Set-Request after its tag (IEC 62056-5-3 §8). */
export function readSetRequest(r: Reader, ctx: DecodeContext): SetRequest {
  const at = r.pos;
  const choice = readChoice(r, 'set-request', 5);
  const invokeIdAndPriority = readInvokeIdAndPriority(r, ctx);
  switch (choice) {
    case 1: {
      const cosemAttributeDescriptor = readAttributeDescriptor(r);
      const accessSelection = readAccessSelection(r);
      return {
        type: 'set-request-normal',
        invokeIdAndPriority,
        cosemAttributeDescriptor,
        accessSelection,
        value: readData(r),
      };
    }
    case 2: {
      const cosemAttributeDescriptor = readAttributeDescriptor(r);
      const accessSelection = readAccessSelection(r);
      return {
        type: 'set-request-with-first-datablock',
        invokeIdAndPriority,
        cosemAttributeDescriptor,
        accessSelection,
        datablock: readDataBlockSA(r),
      };
    }
    case 3:
      return { type: 'set-request-with-datablock', invokeIdAndPriority, datablock: readDataBlockSA(r) };
    case 4: {
      const attributeDescriptorList = readAttributeDescriptorList(r);
      return {
        type: 'set-request-with-list',
        invokeIdAndPriority,
        attributeDescriptorList,
        valueList: readDataList(r, 'value-list'),
      };
    }
    case 5: {
      const attributeDescriptorList = readAttributeDescriptorList(r);
      return {
        type: 'set-request-with-list-and-first-datablock',
        invokeIdAndPriority,
        attributeDescriptorList,
        datablock: readDataBlockSA(r),
      };
    }
    default:
      return unknownChoice(r, 'set-request', choice, at);
  }
}

/** Encodes a Set-Request with its tag (IEC 62056-5-3 §8). */
export function writeSetRequest(w: Writer, a: SetRequest): void {
  w.u8(SET_REQUEST_TAG);
  switch (a.type) {
    case 'set-request-normal':
      w.u8(1);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeAttributeDescriptor(w, a.cosemAttributeDescriptor);
      writeAccessSelection(w, a.accessSelection);
      writeData(w, a.value);
      return;
    case 'set-request-with-first-datablock':
      w.u8(2);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeAttributeDescriptor(w, a.cosemAttributeDescriptor);
      writeAccessSelection(w, a.accessSelection);
      writeDataBlockSA(w, a.datablock);
      return;
    case 'set-request-with-datablock':
      w.u8(3);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeDataBlockSA(w, a.datablock);
      return;
    case 'set-request-with-list':
      w.u8(4);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeAttributeDescriptorList(w, a.attributeDescriptorList);
      writeDataList(w, a.valueList);
      return;
    case 'set-request-with-list-and-first-datablock':
      w.u8(5);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeAttributeDescriptorList(w, a.attributeDescriptorList);
      writeDataBlockSA(w, a.datablock);
      return;
    default:
      unknownType('set-request', (a as { type: unknown }).type);
  }
}

/** Decodes a Set-Response after its tag (IEC 62056-5-3 §8). */
export function readSetResponse(r: Reader, ctx: DecodeContext): SetResponse {
  const at = r.pos;
  const choice = readChoice(r, 'set-response', 5);
  const invokeIdAndPriority = readInvokeIdAndPriority(r, ctx);
  switch (choice) {
    case 1:
      return {
        type: 'set-response-normal',
        invokeIdAndPriority,
        result: enumName(DATA_ACCESS_RESULT, r.u8('data-access-result')),
      };
    case 2:
      return { type: 'set-response-datablock', invokeIdAndPriority, blockNumber: r.u32('block-number') };
    case 3: {
      const result = enumName(DATA_ACCESS_RESULT, r.u8('data-access-result'));
      return {
        type: 'set-response-last-datablock',
        invokeIdAndPriority,
        result,
        blockNumber: r.u32('block-number'),
      };
    }
    case 4: {
      const result = readResults(r);
      return {
        type: 'set-response-last-datablock-with-list',
        invokeIdAndPriority,
        result,
        blockNumber: r.u32('block-number'),
      };
    }
    case 5:
      return { type: 'set-response-with-list', invokeIdAndPriority, result: readResults(r) };
    default:
      return unknownChoice(r, 'set-response', choice, at);
  }
}

/** Encodes a Set-Response with its tag (IEC 62056-5-3 §8). */
export function writeSetResponse(w: Writer, a: SetResponse): void {
  w.u8(SET_RESPONSE_TAG);
  switch (a.type) {
    case 'set-response-normal':
      w.u8(1);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      w.u8(enumValue(DATA_ACCESS_RESULT, a.result, 'data-access-result'));
      return;
    case 'set-response-datablock':
      w.u8(2);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      w.u32(a.blockNumber);
      return;
    case 'set-response-last-datablock':
      w.u8(3);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      w.u8(enumValue(DATA_ACCESS_RESULT, a.result, 'data-access-result')).u32(a.blockNumber);
      return;
    case 'set-response-last-datablock-with-list':
      w.u8(4);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeResults(w, a.result);
      w.u32(a.blockNumber);
      return;
    case 'set-response-with-list':
      w.u8(5);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeResults(w, a.result);
      return;
    default:
      unknownType('set-response', (a as { type: unknown }).type);
  }
}
