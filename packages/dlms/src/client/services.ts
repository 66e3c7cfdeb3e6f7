/**
 * The client side of the xDLMS data transfer services as sans-IO transactions (IEC 62056-5-3 §9.3):
 * GET, SET and ACTION in their normal, with-list and block-transfer forms (get-response-with-datablock
 * answered by get-request-next, set-request-with-first-datablock / with-datablock, action with
 * pblocks in both directions), and the short-name READ and WRITE services.
 *
 * A transaction is created for one request; `start()` gives the first APDU to send, and every
 * received (deciphered, GBT-reassembled) APDU goes to `receive()`, which answers with the next APDU
 * to send or the final results. Every answer is checked: invoke-id, service and variant, block
 * numbers, and the total size of a block transfer. What does not fit raises a typed `MeterkitError`.
 */
import { ErrorCode, MeterkitError, Reader, Writer } from '@meterkit/core';
import type { ActionResponseWithOptionalData } from '../apdu/action.js';
import {
  ACTION_RESULT,
  type CosemAttributeDescriptor,
  type CosemAttributeDescriptorWithSelection,
  type CosemMethodDescriptor,
  type DataAccessResult,
  type DataBlockSA,
  enumName,
  type GetDataResult,
  type InvokeIdAndPriority,
  readGetDataResult,
  readPresence,
  type SelectiveAccessDescriptor,
} from '../apdu/common.js';
import type { DecodedApdu, XdlmsApdu } from '../apdu/registry.js';
import type { VariableAccessSpecification } from '../apdu/short-name.js';
import { type DlmsData, encodeData, readData } from '../axdr/data.js';
import { DlmsErrorCode } from '../errors.js';
import { DlmsClientErrorCode } from './errors.js';

/** One attribute to read or write by logical name (IEC 62056-5-3 §9.3.6). */
export interface AttributeReference {
  readonly classId: number;
  /** OBIS text form, `1-0:1.8.0.255`. */
  readonly instanceId: string;
  readonly attributeId: number;
  /** Selective access (e.g. profile generic range or entry). */
  readonly accessSelection?: SelectiveAccessDescriptor | null | undefined;
}

/** One method to invoke by logical name (IEC 62056-5-3 §9.3.8). */
export interface MethodReference {
  readonly classId: number;
  readonly instanceId: string;
  readonly methodId: number;
  /** method-invocation-parameters (null or absent: none). */
  readonly parameters?: DlmsData | null | undefined;
}

/** One short-name variable (IEC 62056-5-3 §9.3.13: base name plus attribute offset). */
export interface ShortNameReference {
  readonly variableName: number;
  /** parameterized access (selector, parameter), when the server supports it. */
  readonly selector?: number | undefined;
  readonly parameter?: DlmsData | undefined;
}

/** A service request (IEC 62056-5-3 §9.3). */
export type ServiceRequest =
  | { readonly type: 'get'; readonly items: readonly AttributeReference[] }
  | {
      readonly type: 'set';
      readonly items: readonly { readonly attribute: AttributeReference; readonly value: DlmsData }[];
    }
  | { readonly type: 'action'; readonly items: readonly MethodReference[] }
  | { readonly type: 'read'; readonly items: readonly ShortNameReference[] }
  | {
      readonly type: 'write';
      readonly items: readonly { readonly variable: ShortNameReference; readonly value: DlmsData }[];
    };

/** The results of a service, one per requested item, in request order. */
export type ServiceResult =
  | { readonly type: 'get'; readonly results: readonly GetDataResult[] }
  | { readonly type: 'set'; readonly results: readonly DataAccessResult[] }
  | { readonly type: 'action'; readonly results: readonly ActionResponseWithOptionalData[] }
  | { readonly type: 'read'; readonly results: readonly GetDataResult[] }
  | { readonly type: 'write'; readonly results: readonly DataAccessResult[] };

/** What a transaction wants next. */
export type ServiceStep =
  | { readonly type: 'send'; readonly apdu: XdlmsApdu }
  | { readonly type: 'done'; readonly result: ServiceResult };

/** Limits and identity of one transaction. */
export interface ServiceTransactionOptions {
  /** invoke-id 0–15 (IEC 62056-5-3 §8). */
  readonly invokeId: number;
  /** Default `'high'`. */
  readonly priority?: 'normal' | 'high';
  /** Default `'confirmed'`. */
  readonly serviceClass?: 'confirmed' | 'unconfirmed';
  /**
   * Largest request APDU the server accepts (its server-max-receive-pdu-size, less what ciphering
   * adds). A SET or ACTION longer than this goes out in blocks. Default 65535.
   */
  readonly maxRequestSize?: number;
  /** Largest answer the client assembles from blocks (default 4 MiB). */
  readonly maxResponseSize?: number;
  /** Whether the server granted block-transfer-with-set-or-write / with-action (default true). */
  readonly blockTransferAllowed?: boolean;
}

const BLOCK_OVERHEAD = 16;

/** One client request in progress (IEC 62056-5-3 §9.3). See the module comment. */
export class ServiceTransaction {
  readonly request: ServiceRequest;
  private readonly iip: InvokeIdAndPriority;
  private readonly maxRequestSize: number;
  private readonly maxResponseSize: number;
  private readonly blockTransferAllowed: boolean;
  /** Outgoing blocks (SET/ACTION with blocks): the raw data and the next block to send. */
  private outData: Uint8Array | undefined;
  private outAt = 0;
  private outBlock = 0;
  private outBlockSize = 0;
  /** Incoming blocks: the parts so far and the block number expected next. */
  private inParts: Uint8Array[] = [];
  private inLength = 0;
  private inNext = 1;
  private finished = false;

  constructor(request: ServiceRequest, options: ServiceTransactionOptions) {
    if (!Number.isInteger(options.invokeId) || options.invokeId < 0 || options.invokeId > 15)
      throw new MeterkitError(ErrorCode.InvalidArgument, `invoke-id ${options.invokeId} is not 0..15`);
    if (request.items.length === 0)
      throw new MeterkitError(ErrorCode.InvalidArgument, `a ${request.type} needs at least one item`);
    this.request = request;
    this.iip = {
      invokeId: options.invokeId,
      serviceClass: options.serviceClass ?? 'confirmed',
      priority: options.priority ?? 'high',
    };
    this.maxRequestSize = options.maxRequestSize ?? 65535;
    this.maxResponseSize = options.maxResponseSize ?? 4 * 1024 * 1024;
    this.blockTransferAllowed = options.blockTransferAllowed ?? true;
  }

  /** The invoke-id and priority of every APDU of this transaction. */
  get invokeIdAndPriority(): InvokeIdAndPriority {
    return this.iip;
  }

  /** True once `receive()` returned `done`. */
  get done(): boolean {
    return this.finished;
  }

  /** The first request APDU (IEC 62056-5-3 §9.3.6–9.3.8, §9.3.13–9.3.14). */
  start(): XdlmsApdu {
    const rq = this.request;
    const iip = this.iip;
    switch (rq.type) {
      case 'get':
        if (rq.items.length === 1) {
          const a = rq.items[0]!;
          return {
            type: 'get-request-normal',
            invokeIdAndPriority: iip,
            cosemAttributeDescriptor: descriptor(a),
            accessSelection: a.accessSelection ?? null,
          };
        }
        return {
          type: 'get-request-with-list',
          invokeIdAndPriority: iip,
          attributeDescriptorList: rq.items.map(withSelection),
        };
      case 'set': {
        const values = rq.items.map((i) => i.value);
        const raw = rq.items.length === 1 ? encodeData(values[0]!) : encodeDataList(values);
        if (raw.length + BLOCK_OVERHEAD + 12 * rq.items.length <= this.maxRequestSize) {
          if (rq.items.length === 1) {
            const a = rq.items[0]!.attribute;
            return {
              type: 'set-request-normal',
              invokeIdAndPriority: iip,
              cosemAttributeDescriptor: descriptor(a),
              accessSelection: a.accessSelection ?? null,
              value: values[0]!,
            };
          }
          return {
            type: 'set-request-with-list',
            invokeIdAndPriority: iip,
            attributeDescriptorList: rq.items.map((i) => withSelection(i.attribute)),
            valueList: values,
          };
        }
        const first = this.firstBlock(raw, 12 * rq.items.length + 8);
        if (rq.items.length === 1) {
          const a = rq.items[0]!.attribute;
          return {
            type: 'set-request-with-first-datablock',
            invokeIdAndPriority: iip,
            cosemAttributeDescriptor: descriptor(a),
            accessSelection: a.accessSelection ?? null,
            datablock: first,
          };
        }
        return {
          type: 'set-request-with-list-and-first-datablock',
          invokeIdAndPriority: iip,
          attributeDescriptorList: rq.items.map((i) => withSelection(i.attribute)),
          datablock: first,
        };
      }
      case 'action': {
        const params = rq.items.map((m) => m.parameters ?? null);
        const size = params.reduce((n, p) => n + (p === null ? 1 : encodeData(p).length + 1), 0);
        if (size + BLOCK_OVERHEAD + 10 * rq.items.length <= this.maxRequestSize) {
          if (rq.items.length === 1)
            return {
              type: 'action-request-normal',
              invokeIdAndPriority: iip,
              cosemMethodDescriptor: methodDescriptor(rq.items[0]!),
              methodInvocationParameters: params[0]!,
            };
          return {
            type: 'action-request-with-list',
            invokeIdAndPriority: iip,
            cosemMethodDescriptorList: rq.items.map(methodDescriptor),
            methodInvocationParameters: params.map((p) => p ?? { type: 'null-data', value: null }),
          };
        }
        if (rq.items.length === 1) {
          const p = params[0]!;
          const first = this.firstBlock(p === null ? new Uint8Array(0) : encodeData(p), 12 + BLOCK_OVERHEAD);
          return {
            type: 'action-request-with-first-pblock',
            invokeIdAndPriority: iip,
            cosemMethodDescriptor: methodDescriptor(rq.items[0]!),
            pblock: first,
          };
        }
        const first = this.firstBlock(
          encodeDataList(params.map((p) => p ?? { type: 'null-data', value: null })),
          10 * rq.items.length + 8,
        );
        return {
          type: 'action-request-with-list-and-first-pblock',
          invokeIdAndPriority: iip,
          cosemMethodDescriptorList: rq.items.map(methodDescriptor),
          pblock: first,
        };
      }
      case 'read':
        return { type: 'read-request', variableAccessSpecification: rq.items.map(variableSpec) };
      case 'write':
        return {
          type: 'write-request',
          variableAccessSpecification: rq.items.map((i) => variableSpec(i.variable)),
          listOfData: rq.items.map((i) => i.value),
        };
    }
  }

  /**
   * Takes the server's answer (a plain, decoded APDU). Returns the next APDU to send or the
   * results. Throws `InvokeIdMismatch` (426), `UnexpectedResponse` (427), `BlockNumberMismatch`
   * (124), `ResponseTooLarge` (428), `BlockTransferFailed` (425), `ExceptionResponse` (421) and
   * `ConfirmedServiceError` (420).
   */
  receive(apdu: DecodedApdu): ServiceStep {
    if (this.finished) throw new MeterkitError(ErrorCode.InvalidState, 'the transaction is already complete');
    serviceErrors(apdu);
    const rq = this.request;
    switch (apdu.type) {
      case 'get-response-normal':
        this.expect(rq.type === 'get' && rq.items.length === 1 && this.inNext === 1, apdu.type);
        this.checkInvokeId(apdu.invokeIdAndPriority);
        return this.finish({ type: 'get', results: [apdu.result] });
      case 'get-response-with-list':
        this.expect(rq.type === 'get' && rq.items.length > 1 && this.inNext === 1, apdu.type);
        this.checkInvokeId(apdu.invokeIdAndPriority);
        this.checkCount(apdu.result.length);
        return this.finish({ type: 'get', results: apdu.result });
      case 'get-response-with-datablock': {
        this.expect(rq.type === 'get', apdu.type);
        this.checkInvokeId(apdu.invokeIdAndPriority);
        const b = apdu.result;
        if (b.result.type === 'data-access-result') {
          throw new MeterkitError(
            DlmsErrorCode.BlockTransferFailed,
            `the server aborted the long get at block ${b.blockNumber}: ${String(b.result.result)}`,
          );
        }
        this.takeBlock(b.blockNumber, b.result.rawData, b.lastBlock);
        if (!b.lastBlock)
          return {
            type: 'send',
            apdu: { type: 'get-request-next', invokeIdAndPriority: this.iip, blockNumber: b.blockNumber },
          };
        return this.finish({ type: 'get', results: this.decodeGetBlocks() });
      }
      case 'set-response-normal':
        this.expect(rq.type === 'set' && rq.items.length === 1 && this.outData === undefined, apdu.type);
        this.checkInvokeId(apdu.invokeIdAndPriority);
        return this.finish({ type: 'set', results: [apdu.result] });
      case 'set-response-with-list':
        this.expect(rq.type === 'set' && rq.items.length > 1 && this.outData === undefined, apdu.type);
        this.checkInvokeId(apdu.invokeIdAndPriority);
        this.checkCount(apdu.result.length);
        return this.finish({ type: 'set', results: apdu.result });
      case 'set-response-datablock': {
        this.expect(rq.type === 'set' && this.outData !== undefined, apdu.type);
        this.checkInvokeId(apdu.invokeIdAndPriority);
        this.checkAck(apdu.blockNumber);
        const datablock = this.nextBlock();
        return {
          type: 'send',
          apdu: { type: 'set-request-with-datablock', invokeIdAndPriority: this.iip, datablock },
        };
      }
      case 'set-response-last-datablock':
        this.expect(rq.type === 'set' && rq.items.length === 1 && this.outData !== undefined, apdu.type);
        this.checkInvokeId(apdu.invokeIdAndPriority);
        this.checkLastAck(apdu.blockNumber);
        return this.finish({ type: 'set', results: [apdu.result] });
      case 'set-response-last-datablock-with-list':
        this.expect(rq.type === 'set' && rq.items.length > 1 && this.outData !== undefined, apdu.type);
        this.checkInvokeId(apdu.invokeIdAndPriority);
        this.checkLastAck(apdu.blockNumber);
        this.checkCount(apdu.result.length);
        return this.finish({ type: 'set', results: apdu.result });
      case 'action-response-normal':
        this.expect(rq.type === 'action' && rq.items.length === 1, apdu.type);
        this.checkInvokeId(apdu.invokeIdAndPriority);
        if (this.outData !== undefined) this.checkLastAck(this.outBlock);
        return this.finish({ type: 'action', results: [apdu.singleResponse] });
      case 'action-response-with-list':
        this.expect(rq.type === 'action' && rq.items.length > 1, apdu.type);
        this.checkInvokeId(apdu.invokeIdAndPriority);
        if (this.outData !== undefined) this.checkLastAck(this.outBlock);
        this.checkCount(apdu.listOfResponses.length);
        return this.finish({ type: 'action', results: apdu.listOfResponses });
      case 'action-response-next-pblock': {
        this.expect(rq.type === 'action' && this.outData !== undefined, apdu.type);
        this.checkInvokeId(apdu.invokeIdAndPriority);
        this.checkAck(apdu.blockNumber);
        const pblock = this.nextBlock();
        return {
          type: 'send',
          apdu: { type: 'action-request-with-pblock', invokeIdAndPriority: this.iip, pblock },
        };
      }
      case 'action-response-with-pblock': {
        // the answer may come in pblocks after a request that went out in pblocks, once complete
        this.expect(
          rq.type === 'action' && (this.outData === undefined || this.outAt >= this.outData.length),
          apdu.type,
        );
        this.checkInvokeId(apdu.invokeIdAndPriority);
        const b = apdu.pblock;
        this.takeBlock(b.blockNumber, b.rawData, b.lastBlock);
        if (!b.lastBlock)
          return {
            type: 'send',
            apdu: {
              type: 'action-request-next-pblock',
              invokeIdAndPriority: this.iip,
              blockNumber: b.blockNumber,
            },
          };
        if (rq.items.length === 1) {
          const data = this.decodeAssembled((r) => readData(r));
          return this.finish({
            type: 'action',
            results: [{ result: 'success', returnParameters: { type: 'data', data } }],
          });
        }
        // with-list: the blocks carry the SEQUENCE OF Action-Response-With-Optional-Data
        const results = this.decodeAssembled((r) => {
          const n = r.berLengthBounded('action-response.list-of-responses', 2);
          const out: ActionResponseWithOptionalData[] = [];
          for (let i = 0; i < n; i++) out.push(readActionResponseWithOptionalData(r));
          return out;
        });
        this.checkCount(results.length);
        return this.finish({ type: 'action', results });
      }
      case 'read-response': {
        this.expect(rq.type === 'read', apdu.type);
        const items = apdu.items;
        if (items.length === 1 && items[0]!.type === 'data-block-result') {
          const b = items[0]!;
          this.takeBlock(b.blockNumber, b.rawData, b.lastBlock);
          if (!b.lastBlock)
            return {
              type: 'send',
              apdu: {
                type: 'read-request',
                variableAccessSpecification: [{ type: 'block-number-access', blockNumber: b.blockNumber }],
              },
            };
          const results = this.decodeAssembled((r) => {
            const n = r.berLengthBounded('read-response.list', 1);
            const out: GetDataResult[] = [];
            for (let i = 0; i < n; i++) {
              const c = r.u8('read-response.item');
              if (c === 0) out.push({ type: 'data', data: readData(r) });
              else out.push({ type: 'data-access-result', result: r.u8('data-access-error') });
            }
            return out;
          });
          this.checkCount(results.length);
          return this.finish({ type: 'read', results });
        }
        this.checkCount(items.length);
        const results: GetDataResult[] = items.map((i) => {
          if (i.type === 'data') return { type: 'data', data: i.data };
          if (i.type === 'data-access-error') return { type: 'data-access-result', result: i.result };
          throw new MeterkitError(
            DlmsClientErrorCode.UnexpectedResponse,
            `read-response item ${i.type} inside a list`,
          );
        });
        return this.finish({ type: 'read', results });
      }
      case 'write-response': {
        this.expect(rq.type === 'write', apdu.type);
        this.checkCount(apdu.items.length);
        const results = apdu.items.map((i): DataAccessResult => {
          if (i.type === 'success') return 'success';
          if (i.type === 'data-access-error') return i.result;
          throw new MeterkitError(
            DlmsClientErrorCode.UnexpectedResponse,
            'write-response block-number without a block transfer',
          );
        });
        return this.finish({ type: 'write', results });
      }
      default:
        throw this.unexpected(apdu.type);
    }
  }

  private finish(result: ServiceResult): ServiceStep {
    this.finished = true;
    return { type: 'done', result };
  }

  private expect(ok: boolean, got: string): asserts ok {
    if (!ok) throw this.unexpected(got);
  }

  private unexpected(got: string): MeterkitError {
    return new MeterkitError(
      DlmsClientErrorCode.UnexpectedResponse,
      `the server answered a ${this.request.type} with ${got}`,
    );
  }

  private checkInvokeId(iip: InvokeIdAndPriority): void {
    if (iip.invokeId !== this.iip.invokeId) {
      throw new MeterkitError(
        DlmsClientErrorCode.InvokeIdMismatch,
        `response invoke-id ${iip.invokeId} does not match the request's ${this.iip.invokeId}`,
      );
    }
  }

  private checkCount(n: number): void {
    if (n !== this.request.items.length) {
      throw new MeterkitError(
        DlmsClientErrorCode.UnexpectedResponse,
        `the server returned ${n} results for ${this.request.items.length} items`,
      );
    }
  }

  private takeBlock(blockNumber: number, data: Uint8Array, last: boolean): void {
    if (blockNumber !== this.inNext) {
      throw new MeterkitError(
        DlmsErrorCode.BlockNumberMismatch,
        `block ${blockNumber} arrived where block ${this.inNext} was expected`,
      );
    }
    if (this.inLength + data.length > this.maxResponseSize) {
      throw new MeterkitError(
        DlmsClientErrorCode.ResponseTooLarge,
        `the answer exceeds ${this.maxResponseSize} octets (raise maxResponseSize or read less with selective access)`,
      );
    }
    if (!last && data.length === 0) {
      throw new MeterkitError(
        DlmsErrorCode.BlockTransferFailed,
        `block ${blockNumber} is empty and not the last`,
      );
    }
    this.inParts.push(data);
    this.inLength += data.length;
    this.inNext++;
  }

  private assembled(): Uint8Array {
    const out = new Uint8Array(this.inLength);
    let at = 0;
    for (const p of this.inParts) {
      out.set(p, at);
      at += p.length;
    }
    this.inParts = [];
    return out;
  }

  private decodeAssembled<T>(read: (r: Reader) => T): T {
    const r = new Reader(this.assembled());
    try {
      const v = read(r);
      r.expectEnd('datablock.raw-data');
      return v;
    } catch (e) {
      if (e instanceof MeterkitError && e.code !== DlmsClientErrorCode.UnexpectedResponse) {
        throw new MeterkitError(
          DlmsErrorCode.BlockTransferFailed,
          `the reassembled blocks do not decode: ${e.message}`,
          { offset: e.offset, path: e.path, cause: e },
        );
      }
      throw e;
    }
  }

  private decodeGetBlocks(): GetDataResult[] {
    if (this.request.items.length === 1)
      return [{ type: 'data', data: this.decodeAssembled((r) => readData(r)) }];
    return this.decodeAssembled((r) => {
      const n = r.berLengthBounded('get-response.list', 1);
      const out: GetDataResult[] = [];
      for (let i = 0; i < n; i++) out.push(readGetDataResult(r));
      this.checkCount(out.length);
      return out;
    });
  }

  private firstBlock(raw: Uint8Array, header: number): DataBlockSA {
    if (!this.blockTransferAllowed) {
      throw new MeterkitError(
        DlmsClientErrorCode.ConformanceMissing,
        `the ${this.request.type} needs ${raw.length} octets but the server's PDU size is ${this.maxRequestSize} and it did not grant block transfer`,
      );
    }
    this.outData = raw;
    this.outBlockSize = Math.max(1, this.maxRequestSize - header - BLOCK_OVERHEAD);
    return this.nextBlock();
  }

  private nextBlock(): DataBlockSA {
    const data = this.outData!;
    const end = Math.min(data.length, this.outAt + this.outBlockSize);
    const block = {
      lastBlock: end >= data.length,
      blockNumber: ++this.outBlock,
      rawData: data.subarray(this.outAt, end),
    };
    this.outAt = end;
    return block;
  }

  private checkAck(blockNumber: number): void {
    if (blockNumber !== this.outBlock) {
      throw new MeterkitError(
        DlmsErrorCode.BlockNumberMismatch,
        `the server acknowledged block ${blockNumber}; block ${this.outBlock} was sent`,
      );
    }
    if (this.outAt >= this.outData!.length) {
      throw new MeterkitError(
        DlmsClientErrorCode.UnexpectedResponse,
        'the server asked for another block after the last one',
      );
    }
  }

  private checkLastAck(blockNumber: number): void {
    if (this.outAt < this.outData!.length) {
      throw new MeterkitError(
        DlmsClientErrorCode.UnexpectedResponse,
        `the server answered finally after block ${blockNumber} of a longer transfer`,
      );
    }
    if (blockNumber !== this.outBlock) {
      throw new MeterkitError(
        DlmsErrorCode.BlockNumberMismatch,
        `the server acknowledged block ${blockNumber}; the last block was ${this.outBlock}`,
      );
    }
  }
}

/** Raises the typed error of an exception-response or confirmed-service-error (IEC 62056-5-3 §8). */
export function serviceErrors(apdu: DecodedApdu): void {
  if (apdu.type === 'exception-response') {
    throw new MeterkitError(
      DlmsErrorCode.ExceptionResponse,
      `the server answered with exception-response: ${String(apdu.stateError)}, ${String(apdu.serviceError)}${apdu.invocationCounter !== null ? ` (expected invocation counter ${apdu.invocationCounter}: resynchronise the frame counter)` : ''}`,
    );
  }
  if (apdu.type === 'confirmed-service-error') {
    throw new MeterkitError(
      DlmsErrorCode.ConfirmedServiceError,
      `the server answered with confirmed-service-error (service ${apdu.service}, error ${apdu.error}, value ${apdu.value})`,
    );
  }
}

/** One Action-Response-With-Optional-Data (IEC 62056-5-3 §8) from reassembled pblocks. */
function readActionResponseWithOptionalData(r: Reader): ActionResponseWithOptionalData {
  const result = enumName(ACTION_RESULT, r.u8('action-response.result'));
  const returnParameters = readPresence(r, 'action-response.return-parameters') ? readGetDataResult(r) : null;
  return { result, returnParameters };
}

function descriptor(a: AttributeReference): CosemAttributeDescriptor {
  return { classId: a.classId, instanceId: a.instanceId, attributeId: a.attributeId };
}

function withSelection(a: AttributeReference): CosemAttributeDescriptorWithSelection {
  return { cosemAttributeDescriptor: descriptor(a), accessSelection: a.accessSelection ?? null };
}

function methodDescriptor(m: MethodReference): CosemMethodDescriptor {
  return { classId: m.classId, instanceId: m.instanceId, methodId: m.methodId };
}

function variableSpec(v: ShortNameReference): VariableAccessSpecification {
  if (v.selector !== undefined)
    return {
      type: 'parameterized-access',
      variableName: v.variableName,
      selector: v.selector,
      parameter: v.parameter ?? { type: 'null-data', value: null },
    };
  return { type: 'variable-name', variableName: v.variableName };
}

function encodeDataList(list: readonly DlmsData[]): Uint8Array {
  const w = new Writer(64);
  w.berLength(list.length);
  for (const d of list) w.bytes(encodeData(d));
  return w.finish();
}
