import type { Reader, Writer } from '@meterkit/core';
import { type DlmsData, readData, writeData } from '../axdr/data.js';
import {
  ACTION_RESULT,
  type ActionResult,
  type CosemMethodDescriptor,
  type DataBlockSA,
  type DecodeContext,
  enumName,
  enumValue,
  type GetDataResult,
  type InvokeIdAndPriority,
  readChoice,
  readDataBlockSA,
  readDataList,
  readGetDataResult,
  readInvokeIdAndPriority,
  readMethodDescriptor,
  readMethodDescriptorList,
  readPresence,
  unknownChoice,
  unknownType,
  writeDataBlockSA,
  writeDataList,
  writeGetDataResult,
  writeInvokeIdAndPriority,
  writeMethodDescriptor,
  writeMethodDescriptorList,
} from './common.js';

/** Tag of Action-Request (IEC 62056-5-3 §8, [195]). */
export const ACTION_REQUEST_TAG = 0xc3;
/** Tag of Action-Response (IEC 62056-5-3 §8, [199]). */
export const ACTION_RESPONSE_TAG = 0xc7;

/** Action-Request-Normal (IEC 62056-5-3 §8). */
export interface ActionRequestNormal {
  readonly type: 'action-request-normal';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly cosemMethodDescriptor: CosemMethodDescriptor;
  readonly methodInvocationParameters: DlmsData | null;
}

/** Action-Request-Next-Pblock (IEC 62056-5-3 §8). */
export interface ActionRequestNextPblock {
  readonly type: 'action-request-next-pblock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly blockNumber: number;
}

/** Action-Request-With-List (IEC 62056-5-3 §8). */
export interface ActionRequestWithList {
  readonly type: 'action-request-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly cosemMethodDescriptorList: readonly CosemMethodDescriptor[];
  readonly methodInvocationParameters: readonly DlmsData[];
}

/** Action-Request-With-First-Pblock (IEC 62056-5-3 §8). */
export interface ActionRequestWithFirstPblock {
  readonly type: 'action-request-with-first-pblock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly cosemMethodDescriptor: CosemMethodDescriptor;
  readonly pblock: DataBlockSA;
}

/** Action-Request-With-List-And-First-Pblock (IEC 62056-5-3 §8). */
export interface ActionRequestWithListAndFirstPblock {
  readonly type: 'action-request-with-list-and-first-pblock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly cosemMethodDescriptorList: readonly CosemMethodDescriptor[];
  readonly pblock: DataBlockSA;
}

/** Action-Request-With-Pblock (IEC 62056-5-3 §8). */
export interface ActionRequestWithPblock {
  readonly type: 'action-request-with-pblock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly pblock: DataBlockSA;
}

/** Action-Request CHOICE (IEC 62056-5-3 §8). */
export type ActionRequest =
  | ActionRequestNormal
  | ActionRequestNextPblock
  | ActionRequestWithList
  | ActionRequestWithFirstPblock
  | ActionRequestWithListAndFirstPblock
  | ActionRequestWithPblock;

/** Action-Response-With-Optional-Data (IEC 62056-5-3 §8). */
export interface ActionResponseWithOptionalData {
  readonly result: ActionResult;
  readonly returnParameters: GetDataResult | null;
}

/** Action-Response-Normal (IEC 62056-5-3 §8). */
export interface ActionResponseNormal {
  readonly type: 'action-response-normal';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly singleResponse: ActionResponseWithOptionalData;
}

/** Action-Response-With-Pblock (IEC 62056-5-3 §8). */
export interface ActionResponseWithPblock {
  readonly type: 'action-response-with-pblock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly pblock: DataBlockSA;
}

/** Action-Response-With-List (IEC 62056-5-3 §8). */
export interface ActionResponseWithList {
  readonly type: 'action-response-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly listOfResponses: readonly ActionResponseWithOptionalData[];
}

/** Action-Response-Next-Pblock (IEC 62056-5-3 §8). */
export interface ActionResponseNextPblock {
  readonly type: 'action-response-next-pblock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly blockNumber: number;
}

/** Action-Response CHOICE (IEC 62056-5-3 §8). */
export type ActionResponse =
  | ActionResponseNormal
  | ActionResponseWithPblock
  | ActionResponseWithList
  | ActionResponseNextPblock;

function readOptionalData(r: Reader): ActionResponseWithOptionalData {
  const result = enumName(ACTION_RESULT, r.u8('action-result'));
  const returnParameters = readPresence(r, 'return-parameters') ? readGetDataResult(r) : null;
  return { result, returnParameters };
}

function writeOptionalData(w: Writer, v: ActionResponseWithOptionalData): void {
  w.u8(enumValue(ACTION_RESULT, v.result, 'action-result'));
  if (v.returnParameters === null) w.u8(0);
  else {
    w.u8(1);
    writeGetDataResult(w, v.returnParameters);
  }
}

/** Decodes an Action-Request after its tag (IEC 62056-5-3 §8). */
export function readActionRequest(r: Reader, ctx: DecodeContext): ActionRequest {
  const at = r.pos;
  const choice = readChoice(r, 'action-request', 6);
  const invokeIdAndPriority = readInvokeIdAndPriority(r, ctx);
  switch (choice) {
    case 1: {
      const cosemMethodDescriptor = readMethodDescriptor(r);
      const methodInvocationParameters = readPresence(r, 'method-invocation-parameters') ? readData(r) : null;
      return {
        type: 'action-request-normal',
        invokeIdAndPriority,
        cosemMethodDescriptor,
        methodInvocationParameters,
      };
    }
    case 2:
      return { type: 'action-request-next-pblock', invokeIdAndPriority, blockNumber: r.u32('block-number') };
    case 3: {
      const cosemMethodDescriptorList = readMethodDescriptorList(r);
      return {
        type: 'action-request-with-list',
        invokeIdAndPriority,
        cosemMethodDescriptorList,
        methodInvocationParameters: readDataList(r, 'method-invocation-parameters'),
      };
    }
    case 4: {
      const cosemMethodDescriptor = readMethodDescriptor(r);
      return {
        type: 'action-request-with-first-pblock',
        invokeIdAndPriority,
        cosemMethodDescriptor,
        pblock: readDataBlockSA(r),
      };
    }
    case 5: {
      const cosemMethodDescriptorList = readMethodDescriptorList(r);
      return {
        type: 'action-request-with-list-and-first-pblock',
        invokeIdAndPriority,
        cosemMethodDescriptorList,
        pblock: readDataBlockSA(r),
      };
    }
    case 6:
      return { type: 'action-request-with-pblock', invokeIdAndPriority, pblock: readDataBlockSA(r) };
    default:
      return unknownChoice(r, 'action-request', choice, at);
  }
}

/** Encodes an Action-Request with its tag (IEC 62056-5-3 §8). */
export function writeActionRequest(w: Writer, a: ActionRequest): void {
  w.u8(ACTION_REQUEST_TAG);
  switch (a.type) {
    case 'action-request-normal':
      w.u8(1);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeMethodDescriptor(w, a.cosemMethodDescriptor);
      if (a.methodInvocationParameters === null) w.u8(0);
      else {
        w.u8(1);
        writeData(w, a.methodInvocationParameters);
      }
      return;
    case 'action-request-next-pblock':
      w.u8(2);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      w.u32(a.blockNumber);
      return;
    case 'action-request-with-list':
      w.u8(3);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeMethodDescriptorList(w, a.cosemMethodDescriptorList);
      writeDataList(w, a.methodInvocationParameters);
      return;
    case 'action-request-with-first-pblock':
      w.u8(4);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeMethodDescriptor(w, a.cosemMethodDescriptor);
      writeDataBlockSA(w, a.pblock);
      return;
    case 'action-request-with-list-and-first-pblock':
      w.u8(5);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeMethodDescriptorList(w, a.cosemMethodDescriptorList);
      writeDataBlockSA(w, a.pblock);
      return;
    case 'action-request-with-pblock':
      w.u8(6);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeDataBlockSA(w, a.pblock);
      return;
    default:
      unknownType('action-request', (a as { type: unknown }).type);
  }
}

/** Decodes an Action-Response after its tag (IEC 62056-5-3 §8). */
export function readActionResponse(r: Reader, ctx: DecodeContext): ActionResponse {
  const at = r.pos;
  const choice = readChoice(r, 'action-response', 4);
  const invokeIdAndPriority = readInvokeIdAndPriority(r, ctx);
  switch (choice) {
    case 1:
      return { type: 'action-response-normal', invokeIdAndPriority, singleResponse: readOptionalData(r) };
    case 2:
      return { type: 'action-response-with-pblock', invokeIdAndPriority, pblock: readDataBlockSA(r) };
    case 3: {
      const n = r.berLengthBounded('list-of-responses', 2);
      const listOfResponses: ActionResponseWithOptionalData[] = [];
      for (let i = 0; i < n; i++) listOfResponses.push(readOptionalData(r));
      return { type: 'action-response-with-list', invokeIdAndPriority, listOfResponses };
    }
    case 4:
      return { type: 'action-response-next-pblock', invokeIdAndPriority, blockNumber: r.u32('block-number') };
    default:
      return unknownChoice(r, 'action-response', choice, at);
  }
}

/** Encodes an Action-Response with its tag (IEC 62056-5-3 §8). */
export function writeActionResponse(w: Writer, a: ActionResponse): void {
  w.u8(ACTION_RESPONSE_TAG);
  switch (a.type) {
    case 'action-response-normal':
      w.u8(1);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeOptionalData(w, a.singleResponse);
      return;
    case 'action-response-with-pblock':
      w.u8(2);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      writeDataBlockSA(w, a.pblock);
      return;
    case 'action-response-with-list':
      w.u8(3);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      w.berLength(a.listOfResponses.length);
      for (const x of a.listOfResponses) writeOptionalData(w, x);
      return;
    case 'action-response-next-pblock':
      w.u8(4);
      writeInvokeIdAndPriority(w, a.invokeIdAndPriority);
      w.u32(a.blockNumber);
      return;
    default:
      unknownType('action-response', (a as { type: unknown }).type);
  }
}
