import { ErrorCode, MeterkitError, type Reader, type Writer } from '@meterkit/core';
import { type DlmsData, readData, writeData } from '../axdr/data.js';
import { type CosemDateTime, readCosemDateTime, writeCosemDateTime } from '../axdr/date-time.js';
import { DlmsErrorCode } from '../errors.js';
import { formatObis, type ObisCode, writeObis } from '../obis/obis.js';

/**
 * Building blocks shared by the xDLMS APDUs (IEC 62056-5-3 §8 ASN.1, A-XDR encoded): invoke-id
 * and priority, COSEM attribute/method descriptors, selective access, result enumerations, data
 * blocks, and the decode options and context.
 */

/**
 * Options of the APDU decoders. Every option is a named real-meter leniency and defaults to
 * strict; whatever a lenient option tolerates is listed in the decoded APDU's `tolerated`.
 * IEC 62056-5-3 §8.
 */
export interface DecodeApduOptions {
  /**
   * Accept the date-time of a data-notification given as a tagged octet-string (`09 0C` + 12
   * octets) instead of a plain length-prefixed octet-string, as Kaifa meters send it.
   */
  readonly taggedNotificationDateTime?: boolean;
  /** Accept (and report) octets after a complete APDU, as some captures carry. */
  readonly allowTrailingBytes?: boolean;
  /** Accept (and report) set reserved bits (4–5) of invoke-id-and-priority. */
  readonly allowReservedInvokeIdBits?: boolean;
}

/** State of one decode: its options and what leniency tolerated so far. IEC 62056-5-3 §8. */
export interface DecodeContext {
  readonly options: DecodeApduOptions;
  tolerated: string[] | undefined;
}

/** Creates a decode context. IEC 62056-5-3 §8. */
export function decodeContext(options: DecodeApduOptions = {}): DecodeContext {
  return { options, tolerated: undefined };
}

/** Records something a lenient option tolerated. IEC 62056-5-3 §8. */
export function tolerate(ctx: DecodeContext, what: string): void {
  if (ctx.tolerated === undefined) ctx.tolerated = [what];
  else ctx.tolerated.push(what);
}

/** Invoke-Id-And-Priority (IEC 62056-5-3 §8, one octet). */
export interface InvokeIdAndPriority {
  /** invoke-id, bits 0–3 (0–15). */
  readonly invokeId: number;
  /** service-class, bit 6: unconfirmed (0) or confirmed (1). */
  readonly serviceClass: 'unconfirmed' | 'confirmed';
  /** priority, bit 7: normal (0) or high (1). */
  readonly priority: 'normal' | 'high';
}

/** Reads Invoke-Id-And-Priority. Reserved bits 4–5 must be zero unless tolerated. IEC 62056-5-3 §8. */
export function readInvokeIdAndPriority(r: Reader, ctx: DecodeContext): InvokeIdAndPriority {
  const v = r.u8('invoke-id-and-priority');
  if ((v & 0x30) !== 0) {
    if (!ctx.options.allowReservedInvokeIdBits) {
      r.fail(
        ErrorCode.ValueInvalid,
        'invoke-id-and-priority reserved bits 4-5 are set',
        'invoke-id-and-priority',
        r.pos - 1,
      );
    }
    tolerate(ctx, `invoke-id-and-priority reserved bits set (0x${v.toString(16)})`);
  }
  return invokeIdAndPriorityOf(v);
}

/** The decoded form of each octet value, made once (frozen: shared by every APDU that carries it). */
const INVOKE_ID_AND_PRIORITY: (InvokeIdAndPriority | undefined)[] = new Array(256).fill(undefined);

function invokeIdAndPriorityOf(v: number): InvokeIdAndPriority {
  let x = INVOKE_ID_AND_PRIORITY[v];
  if (x === undefined) {
    x = Object.freeze({
      invokeId: v & 0x0f,
      serviceClass: v & 0x40 ? 'confirmed' : 'unconfirmed',
      priority: v & 0x80 ? 'high' : 'normal',
    } as const);
    INVOKE_ID_AND_PRIORITY[v] = x;
  }
  return x;
}

function range(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new MeterkitError(ErrorCode.ValueOutOfRange, `${what} ${v} is outside 0..${max}`, { path: what });
  }
  return v;
}

/** Writes Invoke-Id-And-Priority. IEC 62056-5-3 §8. */
export function writeInvokeIdAndPriority(w: Writer, v: InvokeIdAndPriority): void {
  w.u8(
    range(v.invokeId, 15, 'invoke-id') |
      (v.serviceClass === 'confirmed' ? 0x40 : 0) |
      (v.priority === 'high' ? 0x80 : 0),
  );
}

/** Long-Invoke-Id-And-Priority (IEC 62056-5-3 §8, four octets; data-notification, access). */
export interface LongInvokeIdAndPriority {
  /** invoke-id, bits 0–23. */
  readonly invokeId: number;
  /** self-descriptive, bit 28. */
  readonly selfDescriptive: boolean;
  /** processing-option, bit 29: continue-on-error (0) or break-on-error (1). */
  readonly processingOption: 'continue-on-error' | 'break-on-error';
  /** service-class, bit 30. */
  readonly serviceClass: 'unconfirmed' | 'confirmed';
  /** priority, bit 31. */
  readonly priority: 'normal' | 'high';
}

/** Reads Long-Invoke-Id-And-Priority. Reserved bits 24–27 must be zero unless tolerated. IEC 62056-5-3 §8. */
export function readLongInvokeIdAndPriority(r: Reader, ctx: DecodeContext): LongInvokeIdAndPriority {
  const v = r.u32('long-invoke-id-and-priority');
  if ((v & 0x0f000000) !== 0) {
    if (!ctx.options.allowReservedInvokeIdBits) {
      r.fail(
        ErrorCode.ValueInvalid,
        'long-invoke-id-and-priority reserved bits 24-27 are set',
        'long-invoke-id-and-priority',
        r.pos - 4,
      );
    }
    tolerate(ctx, `long-invoke-id-and-priority reserved bits set (0x${v.toString(16)})`);
  }
  return {
    invokeId: v & 0xffffff,
    selfDescriptive: (v & 0x10000000) !== 0,
    processingOption: v & 0x20000000 ? 'break-on-error' : 'continue-on-error',
    serviceClass: v & 0x40000000 ? 'confirmed' : 'unconfirmed',
    priority: v & 0x80000000 ? 'high' : 'normal',
  };
}

/** Writes Long-Invoke-Id-And-Priority. IEC 62056-5-3 §8. */
export function writeLongInvokeIdAndPriority(w: Writer, v: LongInvokeIdAndPriority): void {
  const n =
    range(v.invokeId, 0xffffff, 'invoke-id') +
    (v.selfDescriptive ? 0x10000000 : 0) +
    (v.processingOption === 'break-on-error' ? 0x20000000 : 0) +
    (v.serviceClass === 'confirmed' ? 0x40000000 : 0) +
    (v.priority === 'high' ? 0x80000000 : 0);
  w.u32(n);
}

/** Cosem-Attribute-Descriptor (IEC 62056-5-3 §8): class-id, instance-id (OBIS), attribute-id. */
export interface CosemAttributeDescriptor {
  /** class-id, Unsigned16. */
  readonly classId: number;
  /** instance-id, the logical name as OBIS text `A-B:C.D.E.F`. */
  readonly instanceId: ObisCode;
  /** attribute-id, Integer8. */
  readonly attributeId: number;
}

/** Cosem-Method-Descriptor (IEC 62056-5-3 §8): class-id, instance-id (OBIS), method-id. */
export interface CosemMethodDescriptor {
  /** class-id, Unsigned16. */
  readonly classId: number;
  /** instance-id, the logical name as OBIS text. */
  readonly instanceId: ObisCode;
  /** method-id, Integer8. */
  readonly methodId: number;
}

/** Reads a Cosem-Attribute-Descriptor (9 octets). IEC 62056-5-3 §8. */
export function readAttributeDescriptor(r: Reader): CosemAttributeDescriptor {
  r.need(9, 'cosem-attribute-descriptor');
  const classId = r.u16();
  const at = r.pos;
  r.pos += 6;
  return { classId, instanceId: formatObis(r.buf, at), attributeId: r.i8() };
}

/** Writes a Cosem-Attribute-Descriptor. IEC 62056-5-3 §8. */
export function writeAttributeDescriptor(w: Writer, d: CosemAttributeDescriptor): void {
  w.u16(d.classId);
  writeObis(w, d.instanceId);
  w.i8(d.attributeId);
}

/** Reads a Cosem-Method-Descriptor (9 octets). IEC 62056-5-3 §8. */
export function readMethodDescriptor(r: Reader): CosemMethodDescriptor {
  r.need(9, 'cosem-method-descriptor');
  const classId = r.u16();
  const at = r.pos;
  r.pos += 6;
  return { classId, instanceId: formatObis(r.buf, at), methodId: r.i8() };
}

/** Writes a Cosem-Method-Descriptor. IEC 62056-5-3 §8. */
export function writeMethodDescriptor(w: Writer, d: CosemMethodDescriptor): void {
  w.u16(d.classId);
  writeObis(w, d.instanceId);
  w.i8(d.methodId);
}

/** Selective-Access-Descriptor (IEC 62056-5-3 §8): access-selector and access-parameters. */
export interface SelectiveAccessDescriptor {
  /** access-selector, Unsigned8 (for profile generic: 1 range, 2 entry). */
  readonly accessSelector: number;
  /** access-parameters, any Data (see `rangeDescriptorFromData` / `entryDescriptorFromData`). */
  readonly accessParameters: DlmsData;
}

/** Reads an OPTIONAL presence flag (A-XDR: 0x00 absent, 0x01 present). IEC 62056-5-3 §8. */
export function readPresence(r: Reader, path: string): boolean {
  const v = r.u8(path);
  if (v > 1) r.fail(ErrorCode.ValueInvalid, `OPTIONAL flag ${v} is not 0 or 1`, path, r.pos - 1);
  return v === 1;
}

/** Reads an A-XDR BOOLEAN octet; values other than 0x00 and 0x01 raise `ValueInvalid`, so re-encoding is exact. IEC 62056-5-3 §8. */
export function readBoolean(r: Reader, path: string): boolean {
  const v = r.u8(path);
  if (v > 1) r.fail(ErrorCode.ValueInvalid, `BOOLEAN ${v} is not 0 or 1`, path, r.pos - 1);
  return v === 1;
}

/** Reads an OPTIONAL Selective-Access-Descriptor. IEC 62056-5-3 §8. */
export function readAccessSelection(r: Reader): SelectiveAccessDescriptor | null {
  if (!readPresence(r, 'access-selection')) return null;
  const accessSelector = r.u8('access-selection.access-selector');
  return { accessSelector, accessParameters: readData(r) };
}

/** Writes an OPTIONAL Selective-Access-Descriptor. IEC 62056-5-3 §8. */
export function writeAccessSelection(w: Writer, s: SelectiveAccessDescriptor | null): void {
  if (s === null) {
    w.u8(0);
    return;
  }
  w.u8(1).u8(s.accessSelector);
  writeData(w, s.accessParameters);
}

/** Cosem-Attribute-Descriptor-With-Selection (IEC 62056-5-3 §8). */
export interface CosemAttributeDescriptorWithSelection {
  readonly cosemAttributeDescriptor: CosemAttributeDescriptor;
  readonly accessSelection: SelectiveAccessDescriptor | null;
}

/** Reads a SEQUENCE OF Cosem-Attribute-Descriptor-With-Selection. IEC 62056-5-3 §8. */
export function readAttributeDescriptorList(r: Reader): CosemAttributeDescriptorWithSelection[] {
  const n = r.berLengthBounded('attribute-descriptor-list', 10);
  const list: CosemAttributeDescriptorWithSelection[] = [];
  for (let i = 0; i < n; i++) {
    const cosemAttributeDescriptor = readAttributeDescriptor(r);
    list.push({ cosemAttributeDescriptor, accessSelection: readAccessSelection(r) });
  }
  return list;
}

/** Writes a SEQUENCE OF Cosem-Attribute-Descriptor-With-Selection. IEC 62056-5-3 §8. */
export function writeAttributeDescriptorList(
  w: Writer,
  list: readonly CosemAttributeDescriptorWithSelection[],
): void {
  w.berLength(list.length);
  for (const d of list) {
    writeAttributeDescriptor(w, d.cosemAttributeDescriptor);
    writeAccessSelection(w, d.accessSelection);
  }
}

/** Reads a SEQUENCE OF Data. IEC 62056-5-3 §8. */
export function readDataList(r: Reader, path: string): DlmsData[] {
  const n = r.berLengthBounded(path, 1);
  const list: DlmsData[] = [];
  for (let i = 0; i < n; i++) list.push(readData(r));
  return list;
}

/** Writes a SEQUENCE OF Data. IEC 62056-5-3 §8. */
export function writeDataList(w: Writer, list: readonly DlmsData[]): void {
  w.berLength(list.length);
  for (const d of list) writeData(w, d);
}

/** Reads an A-XDR OCTET STRING (length-prefixed), as a view. IEC 62056-5-3 §8. */
export function readOctetString(r: Reader, path: string): Uint8Array {
  const n = r.berLengthBounded(path);
  return r.bytes(n, path);
}

/** Writes an A-XDR OCTET STRING. IEC 62056-5-3 §8. */
export function writeOctetString(w: Writer, b: Uint8Array): void {
  w.berLength(b.length).bytes(b);
}

/**
 * Reads the optional date-time OCTET STRING of data-notification / access APDUs: length 0 means
 * absent, length 12 is a COSEM date-time (IEC 62056-6-2 §4.1.6.1); other lengths raise
 * `DateTimeInvalid`.
 */
export function readDateTimeOctetString(r: Reader, path: string): CosemDateTime | null {
  const at = r.pos;
  const n = r.berLength(path);
  if (n === 0) return null;
  if (n !== 12)
    r.fail(
      DlmsErrorCode.DateTimeInvalid,
      `date-time octet-string of ${n} octets (0 or 12 expected)`,
      path,
      at,
    );
  return readCosemDateTime(r, path);
}

/** Writes a date-time OCTET STRING (empty for `null`). IEC 62056-5-3 §8. */
export function writeDateTimeOctetString(w: Writer, dt: CosemDateTime | null): void {
  if (dt === null) {
    w.u8(0);
    return;
  }
  w.u8(12);
  writeCosemDateTime(w, dt);
}

// ---------------------------------------------------------------------------------------------
// Enumerations (IEC 62056-5-3 §8)

/** Data-Access-Result names by value (IEC 62056-5-3 §8). */
export const DATA_ACCESS_RESULT: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'hardware-fault',
  2: 'temporary-failure',
  3: 'read-write-denied',
  4: 'object-undefined',
  9: 'object-class-inconsistent',
  11: 'object-unavailable',
  12: 'type-unmatched',
  13: 'scope-of-access-violated',
  14: 'data-block-unavailable',
  15: 'long-get-aborted',
  16: 'no-long-get-in-progress',
  17: 'long-set-aborted',
  18: 'no-long-set-in-progress',
  19: 'data-block-number-invalid',
  250: 'other-reason',
};

/** Action-Result names by value (IEC 62056-5-3 §8). */
export const ACTION_RESULT: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'hardware-fault',
  2: 'temporary-failure',
  3: 'read-write-denied',
  4: 'object-undefined',
  9: 'object-class-inconsistent',
  11: 'object-unavailable',
  12: 'type-unmatched',
  13: 'scope-of-access-violated',
  14: 'data-block-unavailable',
  15: 'long-action-aborted',
  16: 'no-long-action-in-progress',
  250: 'other-reason',
};

/** A Data-Access-Result: its name, or the number when the value is not defined. IEC 62056-5-3 §8. */
export type DataAccessResult = string | number;
/** An Action-Result: its name, or the number when the value is not defined. IEC 62056-5-3 §8. */
export type ActionResult = string | number;

const reverseCache = new Map<object, Map<string, number>>();

/** Name of an enumerated value, or the value itself when the table has no name for it. IEC 62056-5-3 §8. */
export function enumName(table: Readonly<Record<number, string>>, v: number): string | number {
  return table[v] ?? v;
}

/** Value of an enumerated name (or number); `EnumValueUnknown` when the name is not in the table. IEC 62056-5-3 §8. */
export function enumValue(table: Readonly<Record<number, string>>, v: string | number, what: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 255) {
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `${what} ${v} is outside 0..255`, { path: what });
    }
    if (table[v] !== undefined) {
      throw new MeterkitError(ErrorCode.EncodeFailed, `${what} ${v} has a name (${table[v]}); use it`, {
        path: what,
      });
    }
    return v;
  }
  let rev = reverseCache.get(table);
  if (rev === undefined) {
    rev = new Map();
    for (const [k, name] of Object.entries(table)) rev.set(name, Number(k));
    reverseCache.set(table, rev);
  }
  const n = rev.get(v);
  if (n === undefined) {
    throw new MeterkitError(DlmsErrorCode.EnumValueUnknown, `${what} ${JSON.stringify(v)} is not defined`, {
      path: what,
    });
  }
  return n;
}

/** Get-Data-Result (IEC 62056-5-3 §8): data or a data-access-result. */
export type GetDataResult =
  | { readonly type: 'data'; readonly data: DlmsData }
  | { readonly type: 'data-access-result'; readonly result: DataAccessResult };

/** Reads a Get-Data-Result CHOICE. IEC 62056-5-3 §8. */
export function readGetDataResult(r: Reader): GetDataResult {
  const at = r.pos;
  const c = r.u8('get-data-result');
  if (c === 0) return { type: 'data', data: readData(r) };
  if (c === 1)
    return { type: 'data-access-result', result: enumName(DATA_ACCESS_RESULT, r.u8('data-access-result')) };
  return r.fail(
    DlmsErrorCode.ChoiceUnknown,
    `get-data-result choice ${c} is not 0 or 1`,
    'get-data-result',
    at,
  );
}

/** Writes a Get-Data-Result CHOICE. IEC 62056-5-3 §8. */
export function writeGetDataResult(w: Writer, v: GetDataResult): void {
  if (v.type === 'data') {
    w.u8(0);
    writeData(w, v.data);
  } else w.u8(1).u8(enumValue(DATA_ACCESS_RESULT, v.result, 'data-access-result'));
}

/** DataBlock-SA (IEC 62056-5-3 §8): last-block, block-number, raw-data. */
export interface DataBlockSA {
  readonly lastBlock: boolean;
  /** block-number, Unsigned32. */
  readonly blockNumber: number;
  readonly rawData: Uint8Array;
}

/** Reads a DataBlock-SA. IEC 62056-5-3 §8. */
export function readDataBlockSA(r: Reader): DataBlockSA {
  const lastBlock = readBoolean(r, 'datablock.last-block');
  const blockNumber = r.u32('datablock.block-number');
  return { lastBlock, blockNumber, rawData: readOctetString(r, 'datablock.raw-data') };
}

/** Writes a DataBlock-SA. IEC 62056-5-3 §8. */
export function writeDataBlockSA(w: Writer, b: DataBlockSA): void {
  w.u8(b.lastBlock ? 1 : 0).u32(b.blockNumber);
  writeOctetString(w, b.rawData);
}

/** Reads a SEQUENCE OF Cosem-Method-Descriptor. IEC 62056-5-3 §8. */
export function readMethodDescriptorList(r: Reader): CosemMethodDescriptor[] {
  const n = r.berLengthBounded('cosem-method-descriptor-list', 9);
  const list: CosemMethodDescriptor[] = [];
  for (let i = 0; i < n; i++) list.push(readMethodDescriptor(r));
  return list;
}

/** Writes a SEQUENCE OF Cosem-Method-Descriptor. IEC 62056-5-3 §8. */
export function writeMethodDescriptorList(w: Writer, list: readonly CosemMethodDescriptor[]): void {
  w.berLength(list.length);
  for (const d of list) writeMethodDescriptor(w, d);
}

/** Reads a CHOICE selector and checks it is within `1..max` before anything else is read. IEC 62056-5-3 §8. */
export function readChoice(r: Reader, what: string, max: number): number {
  const c = r.u8(what);
  if (c < 1 || c > max) unknownChoice(r, what, c, r.pos - 1);
  return c;
}

/** Raises `ChoiceUnknown` for an undefined CHOICE selector read at index `at`. IEC 62056-5-3 §8. */
export function unknownChoice(r: Reader, what: string, choice: number, at: number): never {
  return r.fail(DlmsErrorCode.ChoiceUnknown, `${what} choice ${choice} is not defined`, what, at);
}

/** Raises `EncodeFailed` for an APDU object whose `type` this encoder does not know. IEC 62056-5-3 §8. */
export function unknownType(what: string, type: unknown): never {
  throw new MeterkitError(ErrorCode.EncodeFailed, `${what}: unknown type ${String(type)}`, { path: what });
}
