/**
 * A small scripted DLMS server for the client tests: answers AARQ (none, LLS, HLS-GMAC, suite 0
 * ciphering), GET (normal, with-list, with datablocks or GBT), SET (normal, with-list, with
 * datablocks), ACTION (normal, reply_to_HLS_authentication, with pblocks), RLRQ, over the wrapper or
 * HDLC on any transport. `override` lets a test replace an answer with a hostile one.
 */
import { Writer } from '@meterkit/core';
import type { Transport } from '@meterkit/core/transport';
import {
  type AcseApdu,
  AssociationResult,
  CONFORMANCE_BITS,
  type Conformance,
  cipherApdu,
  type DecodedApdu,
  type DlmsData,
  decipherApdu,
  decodeAcseApdu,
  decodeAcseUserInformation,
  decodeApdu,
  encodeAcseApdu,
  encodeApdu,
  encodeData,
  encodeInitiateResponse,
  encodeWrapperPdu,
  type GetDataResult,
  generateChallenge,
  HdlcLink,
  hdlcAddress,
  type InvokeIdAndPriority,
  type SecurityContext,
  serverHlsResponse,
  verifyClientHlsResponse,
  WrapperDeframer,
} from '../src/index.js';

export interface ResponderOptions {
  /** Attribute values by `class/obis/attribute`. */
  readonly objects?: Map<string, DlmsData>;
  /** Encoded get values longer than this go out as get-response-with-datablock. */
  readonly blockSize?: number;
  /** Answers longer than `blockSize` go out with general-block-transfer in windows of this size. */
  readonly gbtWindow?: number;
  readonly password?: string;
  /** Server side of a ciphered association / HLS-GMAC. */
  readonly security?: SecurityContext;
  readonly hls?: 5;
  readonly conformance?: Conformance;
  readonly maxPduSize?: number;
  readonly systemTitle?: Uint8Array;
  /** Replace the answer to a request (return undefined to keep the normal one). */
  readonly override?: (request: DecodedApdu, answer: Uint8Array[]) => Uint8Array[] | undefined;
  /** Called with every request. */
  readonly onRequest?: (request: DecodedApdu) => void;
}

export const key = (classId: number, obis: string, attribute: number): string =>
  `${classId}/${obis}/${attribute}`;

/** The sans-IO scripted server: one request APDU in, answer APDUs out. */
export class ScriptedServer {
  readonly options: ResponderOptions;
  readonly objects: Map<string, DlmsData>;
  private ctos: Uint8Array | undefined;
  private stoc: Uint8Array | undefined;
  private pendingBlocks: Uint8Array[] = [];
  private gbtQueue: Uint8Array[] = [];
  private gbtNumber = 0;
  private setParts: Uint8Array[] = [];
  private actionParts: Uint8Array[] = [];
  associated = false;
  requests: DecodedApdu[] = [];

  constructor(options: ResponderOptions = {}) {
    this.options = options;
    this.objects = options.objects ?? new Map();
  }

  handle(bytes: Uint8Array): Uint8Array[] {
    try {
      return this.handleUnsafe(bytes);
    } catch {
      if (bytes[0] === 0x60)
        return [
          encodeAcseApdu({
            type: 'aare',
            applicationContextName: '2.16.756.5.8.1.1',
            result: AssociationResult.RejectedPermanent,
            resultSourceDiagnostic: { type: 'acse-service-user', value: 13 },
          }),
        ];
      return [
        encodeApdu({
          type: 'exception-response',
          stateError: 'service-not-allowed',
          serviceError: 'deciphering-error',
          invocationCounter: null,
        }),
      ];
    }
  }

  private handleUnsafe(bytes: Uint8Array): Uint8Array[] {
    const tag = bytes[0]!;
    if (tag === 0x60 || tag === 0x62) return [this.acse(decodeAcseApdu(bytes))];
    if (tag === 0xe0) return this.gbtAck();
    const ctx = this.options.security;
    const ciphered = tag >= 0xc8 && tag !== 0xe0;
    const plain = ciphered && ctx ? decipherApdu(ctx, bytes, { direction: 'request' }).plaintext : bytes;
    const request = decodeApdu(plain);
    this.requests.push(request);
    this.options.onRequest?.(request);
    let answer = this.answer(request).map((a) => (ciphered && ctx ? cipherApdu(ctx, a, { form: 'glo' }) : a));
    answer = this.options.override?.(request, answer) ?? answer;
    if (this.options.gbtWindow !== undefined && this.options.blockSize !== undefined) {
      const out: Uint8Array[] = [];
      for (const a of answer) {
        if (a.length <= this.options.blockSize) out.push(a);
        else out.push(...this.startGbt(a));
      }
      return out;
    }
    return answer;
  }

  private startGbt(apdu: Uint8Array): Uint8Array[] {
    const size = this.options.blockSize!;
    this.gbtQueue = [];
    for (let at = 0; at < apdu.length; at += size) this.gbtQueue.push(apdu.subarray(at, at + size));
    this.gbtNumber = 0;
    return this.gbtWindow();
  }

  private gbtWindow(): Uint8Array[] {
    const w = this.options.gbtWindow!;
    const out: Uint8Array[] = [];
    for (let i = 0; i < w && this.gbtQueue.length > 0; i++) {
      const data = this.gbtQueue.shift()!;
      const last = this.gbtQueue.length === 0;
      out.push(
        encodeApdu({
          type: 'general-block-transfer',
          blockControl: { lastBlock: last, streaming: !last && i < w - 1, window: w },
          blockNumber: ++this.gbtNumber,
          blockNumberAck: 0,
          blockData: data,
        }),
      );
    }
    return out;
  }

  private gbtAck(): Uint8Array[] {
    return this.gbtWindow();
  }

  private acse(apdu: AcseApdu): Uint8Array {
    if (apdu.type === 'rlrq') {
      this.associated = false;
      return encodeAcseApdu({ type: 'rlre', reason: 0 });
    }
    if (apdu.type !== 'aarq') throw new Error('unexpected ACSE');
    const ctx = this.options.security;
    if (ctx !== undefined && apdu.callingApTitle !== undefined) ctx.peerSystemTitle = apdu.callingApTitle;
    let ui = apdu.userInformation;
    if (ui?.type === 'ciphered' && ctx !== undefined) {
      ui = decodeAcseUserInformation(decipherApdu(ctx, ui.apdu.raw, { direction: 'request' }).plaintext);
      if (ui.type === 'initiate-request' && ui.dedicatedKey !== undefined)
        ctx.setKey('dedicated-key', ui.dedicatedKey);
    }
    const reject = (diag: number): Uint8Array =>
      encodeAcseApdu({
        type: 'aare',
        applicationContextName: apdu.applicationContextName,
        result: AssociationResult.RejectedPermanent,
        resultSourceDiagnostic: { type: 'acse-service-user', value: diag },
      });
    const auth = apdu.callingAuthenticationValue;
    if (this.options.password !== undefined) {
      if (auth?.type !== 'charstring' || new TextDecoder().decode(auth.value) !== this.options.password)
        return reject(13);
    }
    if (this.options.hls !== undefined) {
      if (auth?.type !== 'charstring') return reject(12);
      this.ctos = auth.value;
      this.stoc = generateChallenge(16);
    }
    const initiate = encodeInitiateResponse({
      negotiatedDlmsVersionNumber: 6,
      negotiatedConformance:
        this.options.conformance ?? CONFORMANCE_BITS.filter((b) => !b.startsWith('reserved')),
      serverMaxReceivePduSize: this.options.maxPduSize ?? 1024,
      vaaName: 7,
    });
    this.associated = this.options.hls === undefined;
    return encodeAcseApdu({
      type: 'aare',
      applicationContextName: apdu.applicationContextName,
      result: AssociationResult.Accepted,
      resultSourceDiagnostic: { type: 'acse-service-user', value: this.options.hls !== undefined ? 14 : 0 },
      respondingApTitle: this.options.systemTitle ?? ctx?.systemTitle,
      mechanismName: apdu.mechanismName,
      respondingAuthenticationValue:
        this.stoc !== undefined ? { type: 'charstring', value: this.stoc } : undefined,
      userInformation: {
        type: 'other',
        content: ctx !== undefined ? cipherApdu(ctx, initiate, { form: 'glo' }) : initiate,
      },
    });
  }

  private value(classId: number, obis: string, attr: number): GetDataResult {
    const v = this.objects.get(key(classId, obis, attr));
    return v === undefined
      ? { type: 'data-access-result', result: 'object-undefined' }
      : { type: 'data', data: v };
  }

  private answer(rq: DecodedApdu): Uint8Array[] {
    const bs = this.options.blockSize;
    const gbt = this.options.gbtWindow !== undefined;
    switch (rq.type) {
      case 'get-request-normal': {
        const d = rq.cosemAttributeDescriptor;
        let r = this.value(d.classId, d.instanceId, d.attributeId);
        if (
          rq.accessSelection !== null &&
          r.type === 'data' &&
          r.data.type === 'array' &&
          rq.accessSelection.accessSelector === 2
        ) {
          const p = rq.accessSelection.accessParameters;
          if (p.type === 'structure') {
            const from = Number(p.value[0]!.value);
            const to = Number(p.value[1]!.value);
            r = {
              type: 'data',
              data: { type: 'array', value: r.data.value.slice(from - 1, to === 0 ? undefined : to) },
            };
          }
        }
        if (r.type === 'data' && bs !== undefined && !gbt) {
          const raw = encodeData(r.data);
          if (raw.length > bs) {
            this.pendingBlocks = [];
            for (let at = 0; at < raw.length; at += bs) this.pendingBlocks.push(raw.subarray(at, at + bs));
            return [this.nextGetBlock(rq.invokeIdAndPriority, 1)];
          }
        }
        return [
          encodeApdu({ type: 'get-response-normal', invokeIdAndPriority: rq.invokeIdAndPriority, result: r }),
        ];
      }
      case 'get-request-next':
        return [this.nextGetBlock(rq.invokeIdAndPriority, rq.blockNumber + 1)];
      case 'get-request-with-list':
        return [
          encodeApdu({
            type: 'get-response-with-list',
            invokeIdAndPriority: rq.invokeIdAndPriority,
            result: rq.attributeDescriptorList.map((i) =>
              this.value(
                i.cosemAttributeDescriptor.classId,
                i.cosemAttributeDescriptor.instanceId,
                i.cosemAttributeDescriptor.attributeId,
              ),
            ),
          }),
        ];
      case 'set-request-normal': {
        const d = rq.cosemAttributeDescriptor;
        this.objects.set(key(d.classId, d.instanceId, d.attributeId), rq.value);
        return [
          encodeApdu({
            type: 'set-response-normal',
            invokeIdAndPriority: rq.invokeIdAndPriority,
            result: 'success',
          }),
        ];
      }
      case 'set-request-with-list':
        rq.attributeDescriptorList.forEach((i, n) => {
          const d = i.cosemAttributeDescriptor;
          this.objects.set(key(d.classId, d.instanceId, d.attributeId), rq.valueList[n]!);
        });
        return [
          encodeApdu({
            type: 'set-response-with-list',
            invokeIdAndPriority: rq.invokeIdAndPriority,
            result: rq.valueList.map(() => 'success'),
          }),
        ];
      case 'set-request-with-first-datablock':
      case 'set-request-with-datablock': {
        if (rq.type === 'set-request-with-first-datablock') {
          this.setParts = [];
          this.pendingSet = rq.cosemAttributeDescriptor;
        }
        this.setParts.push(rq.datablock.rawData);
        if (!rq.datablock.lastBlock)
          return [
            encodeApdu({
              type: 'set-response-datablock',
              invokeIdAndPriority: rq.invokeIdAndPriority,
              blockNumber: rq.datablock.blockNumber,
            }),
          ];
        const d = this.pendingSet!;
        const w = new Writer(64);
        for (const p of this.setParts) w.bytes(p);
        this.objects.set(key(d.classId, d.instanceId, d.attributeId), decodeDataBytes(w.finish()));
        return [
          encodeApdu({
            type: 'set-response-last-datablock',
            invokeIdAndPriority: rq.invokeIdAndPriority,
            result: 'success',
            blockNumber: rq.datablock.blockNumber,
          }),
        ];
      }
      case 'action-request-normal': {
        const m = rq.cosemMethodDescriptor;
        if (m.classId === 15 && m.methodId === 1 && this.options.hls !== undefined) {
          const p = rq.methodInvocationParameters;
          const ex = {
            mechanism: 5 as const,
            clientToServerChallenge: this.ctos!,
            serverToClientChallenge: this.stoc!,
          };
          const secrets = { context: this.options.security! };
          try {
            verifyClientHlsResponse(ex, secrets, p?.type === 'octet-string' ? p.value : new Uint8Array(0));
          } catch {
            return [
              encodeApdu({
                type: 'action-response-normal',
                invokeIdAndPriority: rq.invokeIdAndPriority,
                singleResponse: { result: 'read-write-denied', returnParameters: null },
              }),
            ];
          }
          this.associated = true;
          return [
            encodeApdu({
              type: 'action-response-normal',
              invokeIdAndPriority: rq.invokeIdAndPriority,
              singleResponse: {
                result: 'success',
                returnParameters: {
                  type: 'data',
                  data: { type: 'octet-string', value: serverHlsResponse(ex, secrets) },
                },
              },
            }),
          ];
        }
        const ret = this.objects.get(`action/${m.classId}/${m.instanceId}/${m.methodId}`);
        if (ret !== undefined && bs !== undefined && !gbt && encodeData(ret).length > bs) {
          const raw = encodeData(ret);
          this.pendingBlocks = [];
          for (let at = 0; at < raw.length; at += bs) this.pendingBlocks.push(raw.subarray(at, at + bs));
          return [this.nextActionBlock(rq.invokeIdAndPriority, 1)];
        }
        return [
          encodeApdu({
            type: 'action-response-normal',
            invokeIdAndPriority: rq.invokeIdAndPriority,
            singleResponse: {
              result: 'success',
              returnParameters: ret === undefined ? null : { type: 'data', data: ret },
            },
          }),
        ];
      }
      case 'action-request-next-pblock':
        return [this.nextActionBlock(rq.invokeIdAndPriority, rq.blockNumber + 1)];
      case 'action-request-with-first-pblock':
      case 'action-request-with-pblock': {
        if (rq.type === 'action-request-with-first-pblock') this.actionParts = [];
        this.actionParts.push(rq.pblock.rawData);
        if (!rq.pblock.lastBlock)
          return [
            encodeApdu({
              type: 'action-response-next-pblock',
              invokeIdAndPriority: rq.invokeIdAndPriority,
              blockNumber: rq.pblock.blockNumber,
            }),
          ];
        const w = new Writer(64);
        for (const p of this.actionParts) w.bytes(p);
        const param = decodeDataBytes(w.finish());
        return [
          encodeApdu({
            type: 'action-response-normal',
            invokeIdAndPriority: rq.invokeIdAndPriority,
            singleResponse: {
              result: 'success',
              returnParameters: {
                type: 'data',
                data: { type: 'double-long-unsigned', value: encodeData(param).length },
              },
            },
          }),
        ];
      }
      case 'read-request':
        return [
          encodeApdu({
            type: 'read-response',
            items: rq.variableAccessSpecification.map((v) => {
              const d = v.type === 'variable-name' ? this.objects.get(`sn/${v.variableName}`) : undefined;
              return d === undefined
                ? { type: 'data-access-error' as const, result: 'object-undefined' }
                : { type: 'data' as const, data: d };
            }),
          }),
        ];
      case 'write-request':
        rq.variableAccessSpecification.forEach((v, i) => {
          if (v.type === 'variable-name') this.objects.set(`sn/${v.variableName}`, rq.listOfData[i]!);
        });
        return [
          encodeApdu({
            type: 'write-response',
            items: rq.listOfData.map(() => ({ type: 'success' as const })),
          }),
        ];
      default:
        return [
          encodeApdu({
            type: 'exception-response',
            stateError: 'service-not-allowed',
            serviceError: 'service-not-supported',
            invocationCounter: null,
          }),
        ];
    }
  }

  private pendingSet: { classId: number; instanceId: string; attributeId: number } | undefined;

  private nextGetBlock(iip: InvokeIdAndPriority, n: number): Uint8Array {
    const data = this.pendingBlocks[n - 1] ?? new Uint8Array(0);
    return encodeApdu({
      type: 'get-response-with-datablock',
      invokeIdAndPriority: iip,
      result: {
        lastBlock: n >= this.pendingBlocks.length,
        blockNumber: n,
        result: { type: 'raw-data', rawData: data },
      },
    });
  }

  private nextActionBlock(iip: InvokeIdAndPriority, n: number): Uint8Array {
    const data = this.pendingBlocks[n - 1] ?? new Uint8Array(0);
    return encodeApdu({
      type: 'action-response-with-pblock',
      invokeIdAndPriority: iip,
      pblock: { lastBlock: n >= this.pendingBlocks.length, blockNumber: n, rawData: data },
    });
  }
}

function decodeDataBytes(b: Uint8Array): DlmsData {
  const r = decodeApdu(Uint8Array.of(0xc4, 0x01, 0xc1, 0x00, ...b));
  if (r.type !== 'get-response-normal' || r.result.type !== 'data') throw new Error('bad data');
  return r.result.data;
}

/** Serves the scripted server over the wrapper on a transport (stream or datagram). */
export function serveWrapper(
  transport: Transport,
  server: ScriptedServer,
  ports = { client: 16, server: 1 },
): void {
  const deframer = new WrapperDeframer();
  transport.onData((chunk) => {
    for (const item of deframer.push(chunk)) {
      if (item.type !== 'pdu') continue;
      for (const a of server.handle(item.pdu.payload))
        void transport
          .write(encodeWrapperPdu({ sourceWPort: ports.server, destinationWPort: ports.client, payload: a }))
          .catch(() => undefined);
    }
  });
}

/** Serves the scripted server over HDLC (server role) on a transport. */
export function serveHdlc(transport: Transport, server: ScriptedServer, maxInfo = 128): HdlcLink {
  const link = new HdlcLink({
    role: 'server',
    localAddress: hdlcAddress(1, 17),
    remoteAddress: hdlcAddress(16),
    capabilities: { maxInfoFieldLengthReceive: maxInfo, maxInfoFieldLengthTransmit: maxInfo },
  });
  const flush = (): void => {
    for (let e = link.nextEvent(); e !== undefined; e = link.nextEvent()) {
      if (e.type === 'apdu') for (const a of server.handle(e.apdu)) link.send(a);
    }
    for (let o = link.nextOutput(); o !== undefined; o = link.nextOutput())
      void transport.write(o).catch(() => undefined);
  };
  transport.onData((chunk) => {
    link.receive(chunk);
    flush();
    flush();
  });
  return link;
}
