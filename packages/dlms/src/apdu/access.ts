import type { Reader, Writer } from '@meterkit/core';
import { type DlmsData, readData, writeData } from '../axdr/data.js';
import type { CosemDateTime } from '../axdr/date-time.js';
import {
  ACTION_RESULT,
  type ActionResult,
  type CosemAttributeDescriptor,
  type CosemMethodDescriptor,
  DATA_ACCESS_RESULT,
  type DataAccessResult,
  type DecodeContext,
  enumName,
  enumValue,
  type LongInvokeIdAndPriority,
  readAttributeDescriptor,
  readDataList,
  readDateTimeOctetString,
  readLongInvokeIdAndPriority,
  readMethodDescriptor,
  readPresence,
  type SelectiveAccessDescriptor,
  unknownChoice,
  unknownType,
  writeAttributeDescriptor,
  writeDataList,
  writeDateTimeOctetString,
  writeLongInvokeIdAndPriority,
  writeMethodDescriptor,
} from './common.js';

/** Tag of Access-Request (IEC 62056-5-3 §8, [217]). */
export const ACCESS_REQUEST_TAG = 0xd9;
/** Tag of Access-Response (IEC 62056-5-3 §8, [218]). */
export const ACCESS_RESPONSE_TAG = 0xda;

/** Access-Request-Specification CHOICE (IEC 62056-5-3 §8). */
export type AccessRequestSpecification =
  | { readonly type: 'access-request-get'; readonly cosemAttributeDescriptor: CosemAttributeDescriptor }
  | { readonly type: 'access-request-set'; readonly cosemAttributeDescriptor: CosemAttributeDescriptor }
  | { readonly type: 'access-request-action'; readonly cosemMethodDescriptor: CosemMethodDescriptor }
  | {
      readonly type: 'access-request-get-with-selection';
      readonly cosemAttributeDescriptor: CosemAttributeDescriptor;
      readonly accessSelection: SelectiveAccessDescriptor;
    }
  | {
      readonly type: 'access-request-set-with-selection';
      readonly cosemAttributeDescriptor: CosemAttributeDescriptor;
      readonly accessSelection: SelectiveAccessDescriptor;
    };

/** Access-Response-Specification CHOICE (IEC 62056-5-3 §8). */
export type AccessResponseSpecification =
  | { readonly type: 'access-response-get'; readonly result: DataAccessResult }
  | { readonly type: 'access-response-set'; readonly result: DataAccessResult }
  | { readonly type: 'access-response-action'; readonly result: ActionResult };

/** Access-Request (IEC 62056-5-3 §8, §9.3.11). */
export interface AccessRequest {
  readonly type: 'access-request';
  readonly longInvokeIdAndPriority: LongInvokeIdAndPriority;
  readonly dateTime: CosemDateTime | null;
  readonly accessRequestSpecification: readonly AccessRequestSpecification[];
  readonly accessRequestListOfData: readonly DlmsData[];
}

/** Access-Response (IEC 62056-5-3 §8, §9.3.11). */
export interface AccessResponse {
  readonly type: 'access-response';
  readonly longInvokeIdAndPriority: LongInvokeIdAndPriority;
  readonly dateTime: CosemDateTime | null;
  /** The request specification echoed back (OPTIONAL). */
  readonly accessRequestSpecification: readonly AccessRequestSpecification[] | null;
  readonly accessResponseListOfData: readonly DlmsData[];
  readonly accessResponseSpecification: readonly AccessResponseSpecification[];
}

const PATH = 'access-request-specification';

function readRequestSpecs(r: Reader): AccessRequestSpecification[] {
  const n = r.berLengthBounded(PATH, 10);
  const out: AccessRequestSpecification[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const c = r.u8(PATH);
    switch (c) {
      case 1:
        out.push({ type: 'access-request-get', cosemAttributeDescriptor: readAttributeDescriptor(r) });
        break;
      case 2:
        out.push({ type: 'access-request-set', cosemAttributeDescriptor: readAttributeDescriptor(r) });
        break;
      case 3:
        out.push({ type: 'access-request-action', cosemMethodDescriptor: readMethodDescriptor(r) });
        break;
      case 4:
      case 5: {
        const cosemAttributeDescriptor = readAttributeDescriptor(r);
        const accessSelection = readAccessSelectionRequired(r);
        out.push({
          type: c === 4 ? 'access-request-get-with-selection' : 'access-request-set-with-selection',
          cosemAttributeDescriptor,
          accessSelection,
        });
        break;
      }
      default:
        unknownChoice(r, PATH, c, at);
    }
  }
  return out;
}

/** access-selection without a presence flag (it is not OPTIONAL in the with-selection variants). */
function readAccessSelectionRequired(r: Reader): SelectiveAccessDescriptor {
  const accessSelector = r.u8('access-selection.access-selector');
  return { accessSelector, accessParameters: readData(r) };
}

function writeRequestSpecs(w: Writer, list: readonly AccessRequestSpecification[]): void {
  w.berLength(list.length);
  for (const s of list) {
    switch (s.type) {
      case 'access-request-get':
        w.u8(1);
        writeAttributeDescriptor(w, s.cosemAttributeDescriptor);
        break;
      case 'access-request-set':
        w.u8(2);
        writeAttributeDescriptor(w, s.cosemAttributeDescriptor);
        break;
      case 'access-request-action':
        w.u8(3);
        writeMethodDescriptor(w, s.cosemMethodDescriptor);
        break;
      case 'access-request-get-with-selection':
      case 'access-request-set-with-selection':
        w.u8(s.type === 'access-request-get-with-selection' ? 4 : 5);
        writeAttributeDescriptor(w, s.cosemAttributeDescriptor);
        w.u8(s.accessSelection.accessSelector);
        writeData(w, s.accessSelection.accessParameters);
        break;
      default:
        unknownType(PATH, (s as { type: unknown }).type);
    }
  }
}

/** Decodes an Access-Request after its tag (IEC 62056-5-3 §8). */
export function readAccessRequest(r: Reader, ctx: DecodeContext): AccessRequest {
  const longInvokeIdAndPriority = readLongInvokeIdAndPriority(r, ctx);
  const dateTime = readDateTimeOctetString(r, 'access-request.date-time');
  const accessRequestSpecification = readRequestSpecs(r);
  return {
    type: 'access-request',
    longInvokeIdAndPriority,
    dateTime,
    accessRequestSpecification,
    accessRequestListOfData: readDataList(r, 'access-request-list-of-data'),
  };
}

/** Encodes an Access-Request with its tag (IEC 62056-5-3 §8). */
export function writeAccessRequest(w: Writer, a: AccessRequest): void {
  w.u8(ACCESS_REQUEST_TAG);
  writeLongInvokeIdAndPriority(w, a.longInvokeIdAndPriority);
  writeDateTimeOctetString(w, a.dateTime);
  writeRequestSpecs(w, a.accessRequestSpecification);
  writeDataList(w, a.accessRequestListOfData);
}

/** Decodes an Access-Response after its tag (IEC 62056-5-3 §8). */
export function readAccessResponse(r: Reader, ctx: DecodeContext): AccessResponse {
  const longInvokeIdAndPriority = readLongInvokeIdAndPriority(r, ctx);
  const dateTime = readDateTimeOctetString(r, 'access-response.date-time');
  const accessRequestSpecification = readPresence(r, 'access-response.access-request-specification')
    ? readRequestSpecs(r)
    : null;
  const accessResponseListOfData = readDataList(r, 'access-response-list-of-data');
  const n = r.berLengthBounded('access-response-specification', 2);
  const accessResponseSpecification: AccessResponseSpecification[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const c = r.u8('access-response-specification');
    const v = r.u8('access-response-specification.result');
    if (c === 1)
      accessResponseSpecification.push({
        type: 'access-response-get',
        result: enumName(DATA_ACCESS_RESULT, v),
      });
    else if (c === 2) {
      accessResponseSpecification.push({
        type: 'access-response-set',
        result: enumName(DATA_ACCESS_RESULT, v),
      });
    } else if (c === 3) {
      accessResponseSpecification.push({
        type: 'access-response-action',
        result: enumName(ACTION_RESULT, v),
      });
    } else unknownChoice(r, 'access-response-specification', c, at);
  }
  return {
    type: 'access-response',
    longInvokeIdAndPriority,
    dateTime,
    accessRequestSpecification,
    accessResponseListOfData,
    accessResponseSpecification,
  };
}

/** Encodes an Access-Response with its tag (IEC 62056-5-3 §8). */
export function writeAccessResponse(w: Writer, a: AccessResponse): void {
  w.u8(ACCESS_RESPONSE_TAG);
  writeLongInvokeIdAndPriority(w, a.longInvokeIdAndPriority);
  writeDateTimeOctetString(w, a.dateTime);
  if (a.accessRequestSpecification === null) w.u8(0);
  else {
    w.u8(1);
    writeRequestSpecs(w, a.accessRequestSpecification);
  }
  writeDataList(w, a.accessResponseListOfData);
  w.berLength(a.accessResponseSpecification.length);
  for (const s of a.accessResponseSpecification) {
    switch (s.type) {
      case 'access-response-get':
        w.u8(1).u8(enumValue(DATA_ACCESS_RESULT, s.result, 'data-access-result'));
        break;
      case 'access-response-set':
        w.u8(2).u8(enumValue(DATA_ACCESS_RESULT, s.result, 'data-access-result'));
        break;
      case 'access-response-action':
        w.u8(3).u8(enumValue(ACTION_RESULT, s.result, 'action-result'));
        break;
      default:
        unknownType('access-response-specification', (s as { type: unknown }).type);
    }
  }
}
