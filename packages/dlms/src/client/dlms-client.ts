/**
 * `DlmsClient`: the promise-based DLMS/COSEM client a head-end embeds (IEC 62056-5-3 client
 * application process). It opens a transport (TCP or UDP with the IEC 62056-47 wrapper, HDLC over
 * TCP, HDLC over a serial line with optional IEC 62056-21 mode E sign-on), establishes the
 * application association (`ClientAssociation`), runs the xDLMS services (`ServiceTransaction`,
 * general block transfer) with per-request timeouts and AbortSignal cancellation, and can record the
 * whole session as pcapng.
 */
import {
  type ByteSink,
  ErrorCode,
  isMeterkitError,
  MeterkitError,
  PcapngWriter,
  SerialRecorder,
  TcpStreamRecorder,
  UdpRecorder,
} from '@meterkit/core';
import { SerialTransport, TcpTransport, type Transport, UdpTransport } from '@meterkit/core/transport';
import type { ActionResponseWithOptionalData } from '../apdu/action.js';
import type { GetDataResult, SelectiveAccessDescriptor } from '../apdu/common.js';
import type { GeneralBlockTransfer } from '../apdu/general-block-transfer.js';
import { type DecodedApdu, decodeApdu, encodeApdu } from '../apdu/registry.js';
import type { DlmsData } from '../axdr/data.js';
import {
  type CosemDateTime,
  cosemDateTimeFromDate,
  decodeCosemDateTime,
  encodeCosemDateTime,
} from '../axdr/date-time.js';
import {
  type ObjectListElement,
  objectListFromData,
  type ShortNameObjectListElement,
  shortNameObjectListFromData,
} from '../cosem/object-list.js';
import {
  type CaptureObjectDefinition,
  captureObjectsFromData,
  decodeProfileBuffer,
  entryDescriptorToData,
  type ProfileRow,
  rangeDescriptorToData,
} from '../cosem/profile-generic.js';
import { DlmsErrorCode } from '../errors.js';
import { hdlcAddress } from '../hdlc/address.js';
import type { HdlcNegotiatedValues } from '../hdlc/parameters.js';
import { normalizeObis } from '../obis/obis.js';
import { type ScalerUnit, scalerUnitFromData } from '../obis/units.js';
import type { Identification } from '../optical/messages.js';
import { type ApduChannel, type CaptureRecorder, cancelled, WrapperChannel } from './apdu-channel.js';
import { type AssociationOptions, ClientAssociation, type NegotiatedParameters } from './association.js';
import { BlockTransferReceiver } from './block-transfer-receiver.js';
import { BlockTransferSender, GBT_HEADER_SIZE } from './block-transfer-sender.js';
import { DlmsClientErrorCode } from './errors.js';
import { HdlcChannel } from './hdlc-channel.js';
import { type ModeESignOnOptions, opticalSignOnModeE } from './optical-sign-on.js';
import {
  type AttributeReference,
  type MethodReference,
  type ServiceRequest,
  type ServiceResult,
  ServiceTransaction,
  type ShortNameReference,
} from './services.js';

/** The HDLC addresses of a client and a server (IEC 62056-46 §6.4.2.2). */
export interface HdlcAddressing {
  /** Client SAP (default 16, the public client). */
  readonly clientAddress?: number;
  /** Server logical device (upper HDLC address; default 1, the management logical device). */
  readonly logicalAddress?: number;
  /** Server physical device (lower HDLC address), e.g. the last digits of the serial number; omitted: none. */
  readonly physicalAddress?: number;
  /** Server address size in octets (default: the smallest that fits). */
  readonly addressSize?: 1 | 2 | 4;
  /** What the client proposes in SNRM (max information lengths, windows). */
  readonly hdlcCapabilities?: Partial<HdlcNegotiatedValues>;
  /** Time to wait for each HDLC answer before retrying (default 3000 ms). */
  readonly hdlcTimeoutMs?: number;
  readonly hdlcRetries?: number;
  /**
   * While an answer is awaited and the meter gave the poll back with nothing (e.g. between GBT
   * windows), how long to wait before polling it again with RR (default 100 ms).
   */
  readonly hdlcPollIntervalMs?: number;
  /**
   * HDLC inter-octet timeout (IEC 62056-46 §6.4.4.2): a partial frame after this much silence is
   * dropped so the next frame is read cleanly (default 25 ms, the IEC HDLC setup default; 0: off).
   */
  readonly hdlcInterOctetTimeoutMs?: number;
}

/** Where the meter is and how to reach it. */
export type DlmsConnection =
  /** IEC 62056-47 wrapper over TCP (default port 4059). */
  | ({ readonly type: 'tcp'; readonly host: string; readonly port?: number } & WrapperAddressing)
  /** IEC 62056-47 wrapper over UDP (default port 4059). */
  | ({ readonly type: 'udp'; readonly host: string; readonly port?: number } & WrapperAddressing)
  /** HDLC frames over a TCP connection (terminal servers, gateways). */
  | ({ readonly type: 'hdlc-tcp'; readonly host: string; readonly port: number } & HdlcAddressing)
  /** HDLC over a serial line (RS-485, optical probe). */
  | ({
      readonly type: 'serial';
      readonly path: string;
      /** Line speed for direct HDLC (default 9600); with mode E the sign-on decides. */
      readonly baudRate?: number;
      /** Run the IEC 62056-21 mode E sign-on first (optical probes); options of the sign-on. */
      readonly modeE?: boolean | Omit<ModeESignOnOptions, 'signal' | 'recorder'>;
      /** RTS level after opening (many optical probes take power from RTS). */
      readonly rts?: boolean;
      readonly dtr?: boolean;
    } & HdlcAddressing)
  /** An already made transport (e.g. `createMemoryPair()` in tests) with the framing to use on it. */
  | ({
      readonly type: 'transport';
      readonly transport: Transport;
      readonly framing: 'wrapper';
    } & WrapperAddressing)
  | ({ readonly type: 'transport'; readonly transport: Transport; readonly framing: 'hdlc' } & HdlcAddressing)
  /** A ready APDU channel. */
  | { readonly type: 'channel'; readonly channel: ApduChannel };

/** wPorts of the wrapper (IEC 62056-47 §5.2). */
export interface WrapperAddressing {
  /** Client wPort (default 16, the public client). */
  readonly clientAddress?: number;
  /** Server wPort (default 1, the management logical device). */
  readonly logicalAddress?: number;
}

/** Options of `DlmsClient.connect`. */
export interface DlmsClientOptions extends AssociationOptions {
  readonly connection: DlmsConnection;
  /** Per-request timeout (default 10000 ms). */
  readonly timeoutMs?: number;
  /** Cancels connecting and associating. */
  readonly signal?: AbortSignal;
  /** Associate right after connecting (default true). */
  readonly associate?: boolean;
  /** Write the session as pcapng to this sink (e.g. `writableSink(createWriteStream('s.pcapng'))`). */
  readonly capture?: ByteSink;
  /** Window announced for general-block-transfer answers (1–63, default 1). */
  readonly gbtWindow?: number;
  /**
   * When requests go out with general-block-transfer (IEC 62056-5-3 §9.3.10), if the server granted
   * it: `'when-needed'` (default) for a request longer than the server's max-receive-pdu-size whose
   * service has no block transfer of its own granted (e.g. a long get-request-with-list);
   * `'preferred'` for every request that long; `'always'` for every request (so the server answers
   * in windows of `gbtWindow`); `'never'`.
   */
  readonly generalBlockTransfer?: 'when-needed' | 'preferred' | 'always' | 'never';
  /** Recoveries of lost general-block-transfer blocks before `BlockRecoveryFailed` (default 3). */
  readonly gbtRetries?: number;
  /**
   * General-block-transfer block timer. While an answer is coming in: how long to wait for the
   * next block before asking for the missing ones again (a lost end of window). While a request
   * goes out in GBT: how long to wait for the server's acknowledgement (or its answer) before
   * sending the unacknowledged window again; keep it above the meter's answer time. Default: no
   * block timer, the request timeout applies.
   */
  readonly gbtBlockTimeoutMs?: number;
  /** Largest answer assembled from blocks (default 4 MiB). */
  readonly maxResponseSize?: number;
  /** Priority of every request (IEC 62056-5-3 §8 Invoke-Id-And-Priority; default `'high'`). */
  readonly priority?: 'normal' | 'high';
  /** invoke-id of the first request (0–15, default 1); later ones count up modulo 16. */
  readonly firstInvokeId?: number;
  /** Called with unsolicited APDUs (data-notification, event-notification) that arrive between answers. */
  readonly onNotification?: (apdu: DecodedApdu) => void;
}

/** Options of one request. */
export interface RequestOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Options of `get`. */
export interface GetOptions extends RequestOptions {
  /** Interface class (default 1, Data; 3 Register, 7 Profile generic, 8 Clock, 15 Association LN…). */
  readonly classId?: number;
  /** Attribute (default 2, the value). */
  readonly attribute?: number;
  /** Selective access. */
  readonly access?: SelectiveAccessDescriptor | null;
}

/** Options of `action`. */
export interface ActionOptions extends RequestOptions {
  readonly classId: number;
  readonly method: number;
  readonly parameters?: DlmsData | null;
}

/** Which rows of a profile to read (IEC 62056-6-2 §4.3.6 selective access). */
export type ProfileSelection =
  | {
      readonly from: Date | CosemDateTime;
      readonly to: Date | CosemDateTime;
      readonly columns?: readonly CaptureObjectDefinition[];
    }
  | {
      readonly fromEntry: number;
      readonly toEntry: number;
      readonly fromColumn?: number;
      readonly toColumn?: number;
    }
  | Record<string, never>;

/** The result of `readProfile`. */
export interface ProfileReadResult {
  readonly captureObjects: readonly CaptureObjectDefinition[];
  /** The columns actually returned (the selected ones for a range read with columns). */
  readonly columns: readonly CaptureObjectDefinition[];
  readonly scalers: ReadonlyMap<string, ScalerUnit>;
  readonly rows: readonly ProfileRow[];
}

function withHint(e: unknown, what: string): unknown {
  if (e instanceof MeterkitError && e.code === ErrorCode.TransportOpenFailed) {
    return new MeterkitError(e.code, `${e.message}: ${what}`, { cause: e });
  }
  return e;
}

function isIpv4(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

/** The DLMS/COSEM client. Create with `DlmsClient.connect(options)`. IEC 62056-5-3 §9. */
export class DlmsClient {
  /** The association state machine (state, negotiated parameters). */
  readonly association: ClientAssociation;
  /** The APDU channel in use. */
  readonly channel: ApduChannel;
  /** The meter's IEC 62056-21 identification after a mode E sign-on. */
  identification: Identification | undefined;
  private readonly options: DlmsClientOptions;
  private invokeId: number;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly abandoned = new Set<number>();
  /** Highest general-block-transfer block number the server used in this session. */
  private serverGbtBlock = 0;
  /** True after a request was abandoned while GBT was in use; its late blocks are then dropped. */
  private abandonedGbt = false;
  /** The number of the next late block of an abandoned answer, while its window lasts. */
  private staleGbt: number | undefined;
  /** A push arriving in GBT blocks, joined apart from the answers. */
  private pushGbt: BlockTransferReceiver | undefined;
  private readonly closeCapture: (() => void) | undefined;
  private closed = false;

  private constructor(
    options: DlmsClientOptions,
    channel: ApduChannel,
    closeCapture: (() => void) | undefined,
  ) {
    this.options = options;
    this.channel = channel;
    this.association = new ClientAssociation(options);
    this.invokeId = options.firstInvokeId ?? 1;
    this.closeCapture = closeCapture;
  }

  /**
   * Opens the connection, runs the mode E sign-on and the HDLC link set-up when asked, and
   * associates (unless `associate: false`). On failure everything opened is closed again.
   */
  static async connect(options: DlmsClientOptions): Promise<DlmsClient> {
    const { channel, capture, identify } = DlmsClient.makeChannel(options);
    const client = new DlmsClient(options, channel, capture);
    try {
      if (options.signal?.aborted) throw cancelled(options.signal);
      if (identify !== undefined) client.identification = await identify();
      await channel.open({ signal: options.signal, timeoutMs: options.timeoutMs });
      if (options.associate !== false) await client.associate({ signal: options.signal });
    } catch (e) {
      await client.close().catch(() => undefined);
      throw e;
    }
    return client;
  }

  private static makeChannel(options: DlmsClientOptions): {
    channel: ApduChannel;
    capture: (() => void) | undefined;
    identify?: () => Promise<Identification>;
  } {
    const c = options.connection;
    let recorder: CaptureRecorder | undefined;
    let closeCapture: (() => void) | undefined;
    const writer = options.capture !== undefined ? new PcapngWriter(options.capture) : undefined;
    const tcpRecorder = (host: string, port: number): void => {
      if (writer === undefined) return;
      const r = new TcpStreamRecorder(writer, {
        server: { address: isIpv4(host) ? host : '127.0.0.1', port },
      });
      recorder = r;
      closeCapture = () => r.close(BigInt(Date.now()) * 1_000_000n);
    };
    switch (c.type) {
      case 'tcp': {
        const port = c.port ?? 4059;
        tcpRecorder(c.host, port);
        const t = new TcpTransport({ host: c.host, port });
        return { channel: DlmsClient.wrapper(t, c, recorder, `${c.host}:${port}`), capture: closeCapture };
      }
      case 'udp': {
        const port = c.port ?? 4059;
        if (writer !== undefined)
          recorder = new UdpRecorder(writer, {
            server: { address: isIpv4(c.host) ? c.host : '127.0.0.1', port },
          });
        const t = new UdpTransport({ host: c.host, port });
        return { channel: DlmsClient.wrapper(t, c, recorder, `${c.host}:${port}`), capture: undefined };
      }
      case 'hdlc-tcp': {
        tcpRecorder(c.host, c.port);
        const t = new TcpTransport({ host: c.host, port: c.port });
        return { channel: DlmsClient.hdlc(t, c, recorder, false, undefined), capture: closeCapture };
      }
      case 'serial': {
        if (writer !== undefined) recorder = new SerialRecorder(writer, { name: c.path });
        const modeE = c.modeE !== undefined && c.modeE !== false;
        const t = new SerialTransport({
          path: c.path,
          baudRate: modeE ? 300 : (c.baudRate ?? 9600),
          ...(modeE ? { dataBits: 7 as const, parity: 'even' as const } : {}),
          ...(c.rts !== undefined ? { rts: c.rts } : {}),
          ...(c.dtr !== undefined ? { dtr: c.dtr } : {}),
        });
        let baud = c.baudRate ?? 9600;
        const channel = DlmsClient.hdlc(t, c, recorder, modeE, () => `at ${baud} baud on ${c.path}`);
        const rec = recorder;
        const identify = modeE
          ? async (): Promise<Identification> => {
              await t.open({ signal: options.signal }).catch((e: unknown) => {
                throw withHint(e, `check the serial device ${c.path}`);
              });
              const r = await opticalSignOnModeE(t, {
                ...(typeof c.modeE === 'object' ? c.modeE : {}),
                signal: options.signal,
                recorder: rec,
              });
              baud = r.baudRate;
              return r.identification;
            }
          : undefined;
        return identify !== undefined
          ? { channel, capture: undefined, identify }
          : { channel, capture: undefined };
      }
      case 'transport':
        if (c.framing === 'wrapper')
          return {
            channel: DlmsClient.wrapper(c.transport, c, undefined, c.transport.name),
            capture: undefined,
          };
        return { channel: DlmsClient.hdlc(c.transport, c, undefined, false, undefined), capture: undefined };
      case 'channel':
        return { channel: c.channel, capture: undefined };
    }
  }

  private static wrapper(
    t: Transport,
    a: WrapperAddressing,
    recorder: CaptureRecorder | undefined,
    where: string,
  ): ApduChannel {
    const ch = new WrapperChannel(t, {
      clientWPort: a.clientAddress ?? 16,
      serverWPort: a.logicalAddress ?? 1,
      recorder,
    });
    return {
      name: ch.name,
      maxApduSize: undefined,
      open: async (o) => {
        try {
          await t.open(o?.signal === undefined ? {} : { signal: o.signal });
        } catch (e) {
          throw withHint(
            e,
            `check the host and port (${where}; DLMS/COSEM's IANA port is 4059) and that the meter's TCP/UDP setup is active`,
          );
        }
      },
      send: (apdu) => ch.send(apdu),
      receive: (o) => ch.receive(o),
      close: () => ch.close(),
    };
  }

  private static hdlc(
    t: Transport,
    a: HdlcAddressing,
    recorder: CaptureRecorder | undefined,
    echo: boolean,
    line: (() => string) | undefined,
  ): ApduChannel {
    const remote = hdlcAddress(a.logicalAddress ?? 1, a.physicalAddress, a.addressSize);
    const ch = new HdlcChannel(t, {
      localAddress: hdlcAddress(a.clientAddress ?? 16),
      remoteAddress: remote,
      capabilities: a.hdlcCapabilities,
      responseTimeoutMs: a.hdlcTimeoutMs,
      maxRetries: a.hdlcRetries,
      pollIntervalMs: a.hdlcPollIntervalMs,
      interOctetTimeoutMs: a.hdlcInterOctetTimeoutMs,
      echo,
      recorder,
      get lineDescription(): string | undefined {
        return line?.();
      },
    });
    return ch;
  }

  /** JSON form: the channel and the association state, never keys or passwords. */
  toJSON(): Record<string, unknown> {
    return { channel: this.channel.name, association: this.association.toJSON(), closed: this.closed };
  }

  /** Printed form (util.inspect) without secrets. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `DlmsClient ${JSON.stringify(this.toJSON())}`;
  }

  /** The negotiated parameters (conformance, PDU size) once associated. */
  get negotiated(): NegotiatedParameters | undefined {
    return this.association.negotiated;
  }

  /**
   * Establishes the application association: AARQ/AARE and, for HLS, pass 3 and 4 through
   * reply_to_HLS_authentication: an ACTION on Association LN, or in short-name referencing a READ
   * of Association SN's method at 0xFA58 (IEC 62056-5-3 §9.4.2, §9.2.2.2).
   */
  associate(options: RequestOptions = {}): Promise<NegotiatedParameters> {
    return this.serialized(async () => {
      const aarq = this.association.aarq();
      await this.channel.send(aarq);
      const bytes = await this.channel.receive(this.wait(options));
      const outcome = this.association.receiveAare(bytes);
      if (outcome.type === 'hls-pending') {
        const result = await this.run(this.association.hlsServiceRequest(), options, true);
        this.association.receiveHlsResult(result);
      }
      return outcome.negotiated;
    });
  }

  /** Runs any service request and returns its per-item results (IEC 62056-5-3 §9.3). */
  request(request: ServiceRequest, options: RequestOptions = {}): Promise<ServiceResult> {
    return this.serialized(() => this.run(request, options, false));
  }

  /**
   * GET one attribute (IEC 62056-5-3 §9.3.6); block transfer and GBT are handled. Throws
   * `DataAccessFailed` (422) when the server returns a data-access-result.
   */
  async get(obis: string, options: GetOptions = {}): Promise<DlmsData> {
    const ref = this.attribute(obis, options);
    const r = await this.request({ type: 'get', items: [ref] }, options);
    return dataOf(r.results[0] as GetDataResult, ref);
  }

  /** GET several attributes in one get-request-with-list (needs multiple-references). */
  async getWithList(
    items: readonly AttributeReference[],
    options: RequestOptions = {},
  ): Promise<readonly GetDataResult[]> {
    const r = await this.request({ type: 'get', items: items.map(normalizeRef) }, options);
    return r.results as readonly GetDataResult[];
  }

  /** SET one attribute (IEC 62056-5-3 §9.3.7); long values go out in blocks. Throws `DataAccessFailed` (422). */
  async set(obis: string, value: DlmsData, options: GetOptions = {}): Promise<void> {
    const ref = this.attribute(obis, options);
    const r = await this.request({ type: 'set', items: [{ attribute: ref, value }] }, options);
    const result = r.results[0];
    if (result !== 'success') throw accessFailed('set', ref, result as string | number);
  }

  /** SET several attributes in one set-request-with-list; the per-item results. */
  async setWithList(
    items: readonly { readonly attribute: AttributeReference; readonly value: DlmsData }[],
    options: RequestOptions = {},
  ): Promise<readonly (string | number)[]> {
    const r = await this.request(
      { type: 'set', items: items.map((i) => ({ attribute: normalizeRef(i.attribute), value: i.value })) },
      options,
    );
    return r.results as readonly (string | number)[];
  }

  /**
   * ACTION on one method (IEC 62056-5-3 §9.3.8); returns the return parameters when any. Throws
   * `ActionFailed` (423) for an action-result other than success.
   */
  async action(obis: string, options: ActionOptions): Promise<DlmsData | undefined> {
    const m: MethodReference = {
      classId: options.classId,
      instanceId: normalizeObis(obis),
      methodId: options.method,
      parameters: options.parameters ?? null,
    };
    const r = await this.request({ type: 'action', items: [m] }, options);
    const res = r.results[0] as ActionResponseWithOptionalData;
    if (res.result !== 'success')
      throw new MeterkitError(
        DlmsErrorCode.ActionFailed,
        `action ${m.classId}/${m.instanceId}/${m.methodId} failed: ${String(res.result)}`,
      );
    const rp = res.returnParameters;
    if (rp === null) return undefined;
    if (rp.type === 'data-access-result')
      throw new MeterkitError(
        DlmsErrorCode.ActionFailed,
        `action ${m.classId}/${m.instanceId}/${m.methodId} returned ${String(rp.result)}`,
      );
    return rp.data;
  }

  /** ACTION on several methods in one action-request-with-list; the per-item responses. */
  async actionWithList(
    items: readonly MethodReference[],
    options: RequestOptions = {},
  ): Promise<readonly ActionResponseWithOptionalData[]> {
    const r = await this.request(
      { type: 'action', items: items.map((m) => ({ ...m, instanceId: normalizeObis(m.instanceId) })) },
      options,
    );
    return r.results as readonly ActionResponseWithOptionalData[];
  }

  /** Short-name READ (IEC 62056-5-3 §9.3.13) of one or more variables. */
  async read(
    variables: readonly ShortNameReference[],
    options: RequestOptions = {},
  ): Promise<readonly GetDataResult[]> {
    const r = await this.request({ type: 'read', items: variables }, options);
    return r.results as readonly GetDataResult[];
  }

  /** Short-name WRITE (IEC 62056-5-3 §9.3.14). */
  async write(
    items: readonly { readonly variable: ShortNameReference; readonly value: DlmsData }[],
    options: RequestOptions = {},
  ): Promise<readonly (string | number)[]> {
    const r = await this.request({ type: 'write', items }, options);
    return r.results as readonly (string | number)[];
  }

  /**
   * Reads a profile generic (class 7, IEC 62056-6-2 §4.3.6): capture_objects, the scaler_unit of the
   * captured registers (classes 3, 4, 5) and the buffer, by range (`from`/`to`, on the first
   * capture object, usually the clock), by entry (`fromEntry`/`toEntry`) or all of it; the rows come
   * back decoded by `decodeProfileBuffer`.
   */
  async readProfile(
    obis: string,
    selection: ProfileSelection = {},
    options: RequestOptions = {},
  ): Promise<ProfileReadResult> {
    const ln = normalizeObis(obis);
    const captureObjects = captureObjectsFromData(
      await this.get(ln, { ...options, classId: 7, attribute: 3 }),
    );
    const scalers = await this.readScalers(captureObjects, options);
    let access: SelectiveAccessDescriptor | null = null;
    let columns: readonly CaptureObjectDefinition[] = captureObjects;
    if ('from' in selection) {
      const restricting = captureObjects[0];
      if (restricting === undefined)
        throw new MeterkitError(
          ErrorCode.InvalidArgument,
          `profile ${ln} has no capture objects to restrict by`,
        );
      const sel = selection.columns ?? [];
      if (sel.length > 0) columns = sel;
      access = {
        accessSelector: 1,
        accessParameters: rangeDescriptorToData({
          restrictingObject: restricting,
          from: dateTimeData(selection.from),
          to: dateTimeData(selection.to),
          selectedValues: sel,
        }),
      };
    } else if ('fromEntry' in selection) {
      const from = selection.fromColumn ?? 1;
      const to = selection.toColumn ?? 0;
      if (from > 1 || to !== 0) columns = captureObjects.slice(from - 1, to === 0 ? undefined : to);
      access = {
        accessSelector: 2,
        accessParameters: entryDescriptorToData({
          fromEntry: selection.fromEntry,
          toEntry: selection.toEntry,
          fromSelectedValue: from,
          toSelectedValue: to,
        }),
      };
    }
    const buffer = await this.get(ln, { ...options, classId: 7, attribute: 2, access });
    return { captureObjects, columns, scalers, rows: decodeProfileBuffer(buffer, columns, scalers) };
  }

  private async readScalers(
    captureObjects: readonly CaptureObjectDefinition[],
    options: RequestOptions,
  ): Promise<Map<string, ScalerUnit>> {
    const scalers = new Map<string, ScalerUnit>();
    const wanted = [
      ...new Set(
        captureObjects
          .filter((c) => (c.classId === 3 || c.classId === 4 || c.classId === 5) && c.attributeIndex === 2)
          .map((c) => `${c.classId}|${c.logicalName}`),
      ),
    ].map((k) => {
      const [cls, ln] = k.split('|');
      return { classId: Number(cls), instanceId: ln!, attributeId: 3 };
    });
    if (wanted.length === 0) return scalers;
    const list = this.negotiated?.conformance.includes('multiple-references') === true && wanted.length > 1;
    const results: GetDataResult[] = list
      ? [...(await this.getWithList(wanted, options))]
      : await Promise.all(
          wanted.map(async (w): Promise<GetDataResult> => {
            const r = await this.request({ type: 'get', items: [w] }, options);
            return r.results[0] as GetDataResult;
          }),
        );
    results.forEach((r, i) => {
      if (r.type === 'data') {
        try {
          scalers.set(wanted[i]!.instanceId, scalerUnitFromData(r.data));
        } catch (e) {
          if (!(e instanceof MeterkitError)) throw e;
        }
      }
    });
    return scalers;
  }

  /** Reads the object list of the current association (LN: 0-0:40.0.0.255 attribute 2; SN: 0xFA08). */
  async readObjectList(
    options: RequestOptions = {},
  ): Promise<readonly ObjectListElement[] | readonly ShortNameObjectListElement[]> {
    if (this.association.referencingMode === 'short-name') {
      const [r] = await this.read([{ variableName: 0xfa08 }], options);
      return shortNameObjectListFromData(
        dataOf(r!, { classId: 12, instanceId: '0-0:40.0.0.255', attributeId: 2 }),
      );
    }
    return objectListFromData(await this.get('0-0:40.0.0.255', { ...options, classId: 15, attribute: 2 }));
  }

  /** Reads Clock time (class 8 attribute 2, IEC 62056-6-2 §4.5.1); default 0-0:1.0.0.255. */
  async readClock(obis = '0-0:1.0.0.255', options: RequestOptions = {}): Promise<CosemDateTime> {
    const d = await this.get(obis, { ...options, classId: 8, attribute: 2 });
    if (d.type === 'date-time') return d.value;
    if (d.type === 'octet-string') return decodeCosemDateTime(d.value);
    throw new MeterkitError(
      DlmsErrorCode.AttributeValueInvalid,
      `the clock time is ${d.type}, not a date-time`,
    );
  }

  /** Sets Clock time (a `Date` is sent as UTC with deviation 0 unless a CosemDateTime is given). */
  async setClock(
    time: Date | CosemDateTime,
    obis = '0-0:1.0.0.255',
    options: RequestOptions = {},
  ): Promise<void> {
    await this.set(obis, dateTimeData(time), { ...options, classId: 8, attribute: 2 });
  }

  /** Releases the association with RLRQ/RLRE (IEC 62056-5-3 §9.4.4). */
  release(options: RequestOptions = {}): Promise<void> {
    return this.serialized(async () => {
      const rlrq = this.association.rlrq();
      await this.channel.send(rlrq);
      const bytes = await this.channel.receive(this.wait(options));
      this.association.receiveRlre(bytes);
    });
  }

  /** Closes the link (HDLC DISC) and the transport; the association ends with it. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.association.state !== 'released' && this.association.state !== 'idle')
      this.association.released();
    try {
      await this.channel.close();
    } finally {
      this.closeCapture?.();
    }
  }

  private attribute(obis: string, o: GetOptions): AttributeReference {
    return {
      classId: o.classId ?? 1,
      instanceId: normalizeObis(obis),
      attributeId: o.attribute ?? 2,
      accessSelection: o.access ?? null,
    };
  }

  private wait(options: RequestOptions): { timeoutMs: number; signal: AbortSignal | undefined } {
    return { timeoutMs: options.timeoutMs ?? this.options.timeoutMs ?? 10000, signal: options.signal };
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private nextInvokeId(): number {
    const id = this.invokeId;
    this.invokeId = (this.invokeId + 1) & 0x0f;
    return id;
  }

  private async run(request: ServiceRequest, options: RequestOptions, hls: boolean): Promise<ServiceResult> {
    if (this.closed) throw new MeterkitError(ErrorCode.InvalidState, 'the client is closed');
    if (options.signal?.aborted) throw cancelled(options.signal);
    if (!hls && this.association.state !== 'associated')
      throw new MeterkitError(
        DlmsClientErrorCode.NotAssociated,
        `no application association (${this.association.state}): call associate() first`,
      );
    const n = this.negotiated;
    const conformance = n?.conformance ?? [];
    if (request.items.length > 1 && !conformance.includes('multiple-references'))
      throw new MeterkitError(
        DlmsClientErrorCode.ConformanceMissing,
        'the server did not grant multiple-references: request the items one by one',
      );
    const mode = this.options.generalBlockTransfer ?? 'when-needed';
    const gbt = mode !== 'never' && conformance.includes('general-block-transfer');
    const serviceBlocks =
      request.type === 'action'
        ? conformance.includes('block-transfer-with-action')
        : request.type === 'set' || request.type === 'write'
          ? conformance.includes('block-transfer-with-set-or-write')
          : false;
    const serverMax = n?.serverMaxReceivePduSize || 65535;
    const tx = new ServiceTransaction(request, {
      invokeId: this.nextInvokeId(),
      priority: this.options.priority ?? 'high',
      maxRequestSize:
        gbt && (mode !== 'when-needed' || !serviceBlocks)
          ? Number.MAX_SAFE_INTEGER
          : serverMax - this.association.protectionOverhead,
      maxResponseSize: this.options.maxResponseSize,
      blockTransferAllowed: serviceBlocks,
    });
    let apdu = tx.start();
    try {
      for (;;) {
        const bytes = this.association.protect(encodeApdu(apdu));
        let sender: BlockTransferSender | undefined;
        if (gbt && (mode === 'always' || bytes.length > serverMax)) {
          sender = new BlockTransferSender(bytes, {
            blockSize: Math.max(1, serverMax - GBT_HEADER_SIZE),
            window: this.options.gbtWindow,
            maxRetries: this.options.gbtRetries,
          });
          for (const b of sender.start()) await this.channel.send(encodeApdu(b));
        } else await this.channel.send(bytes);
        const answer = await this.receiveAnswer(tx.invokeIdAndPriority.invokeId, options, sender);
        const step = tx.receive(answer);
        if (step.type === 'done') {
          this.abandonedGbt = false;
          return step.result;
        }
        apdu = step.apdu;
      }
    } catch (e) {
      if (
        e instanceof MeterkitError &&
        (e.code === ErrorCode.Cancelled || e.code === ErrorCode.SessionTimeout)
      ) {
        this.abandoned.add(tx.invokeIdAndPriority.invokeId);
        if (gbt) this.abandonedGbt = true;
      }
      throw e;
    }
  }

  /**
   * The next answer: GBT blocks joined (and acknowledged, lost ones asked for again), deciphered,
   * decoded; notifications passed on. With `sender`, the request is still going out in GBT blocks:
   * the server's acknowledgements move it on until its answer starts, and with a block timer a
   * lost end of window is sent again. A GBT transfer that opens with a plain data-notification
   * or event-notification is a push: it is joined on its own, not acknowledged, and passed on.
   * After an abandoned request, GBT blocks that belong to no transfer are dropped.
   */
  private async receiveAnswer(
    invokeId: number,
    options: RequestOptions,
    sender?: BlockTransferSender,
  ): Promise<DecodedApdu> {
    let gbt: BlockTransferReceiver | undefined;
    const wait = this.wait(options);
    const blockTimeout = this.options.gbtBlockTimeoutMs;
    for (;;) {
      let bytes: Uint8Array;
      const awaitingAck = sender !== undefined && gbt === undefined;
      if (
        (gbt?.inProgress === true || awaitingAck) &&
        blockTimeout !== undefined &&
        blockTimeout < wait.timeoutMs
      ) {
        try {
          bytes = await this.channel.receive({ signal: wait.signal, timeoutMs: blockTimeout });
        } catch (e) {
          if (!(e instanceof MeterkitError) || e.code !== ErrorCode.SessionTimeout) throw e;
          if (gbt?.inProgress === true) {
            const step = gbt.recover();
            if (step.type === 'ack') await this.channel.send(encodeApdu(step.apdu));
          } else if (sender !== undefined) {
            // no acknowledgement of our window (its end was lost): send it again
            for (const b of sender.resend()) await this.channel.send(encodeApdu(b));
          }
          continue;
        }
      } else bytes = await this.channel.receive(wait);
      if (bytes[0] === 0xe0) {
        const block = decodeApdu(bytes) as GeneralBlockTransfer;
        const push = this.pushBlock(block, gbt);
        if (push === 'taken') continue;
        if (gbt === undefined && push === undefined && this.staleBlock(block)) continue;
        if (push !== undefined) {
          bytes = push;
        } else {
          // a server may number its blocks from 1 in every transfer or on through the session
          const before = this.serverGbtBlock;
          if (block.blockNumber > before) this.serverGbtBlock = block.blockNumber;
          if (gbt === undefined && sender !== undefined) {
            if (block.blockData.length === 0) {
              // an acknowledgement of our request's blocks: the next window, or lost blocks again
              let next: GeneralBlockTransfer[];
              try {
                next = sender.acknowledge(block);
              } catch (e) {
                // after an abandoned request, a late acknowledgement of its blocks is dropped
                if (this.abandonedGbt && isMeterkitError(e, DlmsErrorCode.BlockNumberMismatch)) continue;
                throw e;
              }
              for (const b of next) await this.channel.send(encodeApdu(b));
              continue;
            }
            if (!sender.allSent)
              throw new MeterkitError(
                DlmsClientErrorCode.UnexpectedResponse,
                `the server started its answer after block ${sender.lastSentBlockNumber} of the ${sender.blockCount}-block request`,
              );
            sender.checkAnswer(block);
          }
          const opening = gbt === undefined;
          gbt ??= new BlockTransferReceiver({
            window: this.options.gbtWindow,
            maxSize: this.options.maxResponseSize,
            maxRetries: this.options.gbtRetries,
            firstBlockNumbers: before > 0 ? [1, before + 1] : [1],
            ownBlockNumber: sender === undefined ? 1 : sender.lastBlockNumber + 1,
          });
          let step: ReturnType<BlockTransferReceiver['receive']>;
          try {
            if (opening && this.abandonedGbt && !opensAnswer(block.blockData))
              throw new MeterkitError(
                DlmsErrorCode.BlockNumberMismatch,
                'a late block of an abandoned transfer',
              );
            step = gbt.receive(block);
          } catch (e) {
            // a late block of an abandoned transfer opens nothing: drop it
            if (
              opening &&
              this.abandonedGbt &&
              e instanceof MeterkitError &&
              e.code === DlmsErrorCode.BlockNumberMismatch
            ) {
              gbt = undefined;
              continue;
            }
            throw e;
          }
          if (step.type === 'ack') await this.channel.send(encodeApdu(step.apdu));
          if (step.type !== 'complete') continue;
          bytes = step.apdu;
          gbt = undefined;
        }
      }
      const apdu = decodeApdu(this.association.unprotect(bytes));
      if (
        apdu.type === 'data-notification' ||
        apdu.type === 'event-notification-request' ||
        apdu.type === 'information-report-request'
      ) {
        this.options.onNotification?.(apdu);
        continue;
      }
      const iip = 'invokeIdAndPriority' in apdu ? apdu.invokeIdAndPriority : undefined;
      if (
        iip !== undefined &&
        typeof iip === 'object' &&
        iip.invokeId !== invokeId &&
        this.abandoned.has(iip.invokeId)
      ) {
        this.abandoned.delete(iip.invokeId);
        continue;
      }
      return apdu;
    }
  }

  /**
   * After an abandoned request: true for a block of its answer that arrives late. The opening
   * block is recognised by the abandoned invoke-id of a plain response (get-, set- or
   * action-response) in its data; the blocks after it, up to the end of its window, go with it.
   */
  private staleBlock(block: GeneralBlockTransfer): boolean {
    if (!this.abandonedGbt) return false;
    const endOfWindow = !block.blockControl.streaming || block.blockControl.lastBlock;
    const stale = this.staleGbt;
    if (stale !== undefined && block.blockNumber === stale) {
      this.staleGbt = endOfWindow ? undefined : stale + 1;
      if (block.blockNumber > this.serverGbtBlock) this.serverGbtBlock = block.blockNumber;
      return true;
    }
    const d = block.blockData;
    const tag = d[0];
    if (d.length < 3 || (tag !== 0xc4 && tag !== 0xc5 && tag !== 0xc7)) return false;
    if (!this.abandoned.has(d[2]! & 0x0f)) return false;
    this.abandoned.delete(d[2]! & 0x0f);
    this.staleGbt = endOfWindow ? undefined : block.blockNumber + 1;
    if (block.blockNumber > this.serverGbtBlock) this.serverGbtBlock = block.blockNumber;
    return true;
  }

  /**
   * Routes a GBT block that belongs to a push (IEC 62056-5-3 §9.3.10 carrying a data-notification
   * or event-notification): the next block of the push being joined, or the opening block of one
   * (its data starts with the plain notification tag). Returns `'taken'` when the block was kept,
   * the joined push APDU when it is complete, undefined when the block is not a push's.
   */
  private pushBlock(
    block: GeneralBlockTransfer,
    answer: BlockTransferReceiver | undefined,
  ): Uint8Array | 'taken' | undefined {
    const push = this.pushGbt;
    let receiver: BlockTransferReceiver;
    const answerNext = answer?.inProgress === true ? answer.expectedBlockNumber : undefined;
    if (
      push?.inProgress === true &&
      (block.blockNumber === push.expectedBlockNumber ||
        (block.blockNumber !== answerNext && !(answerNext === undefined && opensAnswer(block.blockData))))
    )
      // the push's next block, or a block that fits nothing else (the push then has a gap)
      receiver = push;
    else {
      const tag = block.blockData[0];
      if (
        (tag !== 0x0f && tag !== 0xc2) ||
        (answer?.inProgress === true && block.blockNumber === answer.expectedBlockNumber)
      )
        return undefined;
      // the window is large: a push is not acknowledged, so its blocks come without waiting
      receiver = new BlockTransferReceiver({
        window: 63,
        maxSize: this.options.maxResponseSize,
        firstBlockNumbers: [block.blockNumber],
      });
      this.pushGbt = receiver;
    }
    if (block.blockNumber > this.serverGbtBlock) this.serverGbtBlock = block.blockNumber;
    let step: ReturnType<BlockTransferReceiver['receive']>;
    try {
      step = receiver.receive(block);
    } catch (e) {
      // a broken push is dropped, the answer awaited goes on
      if (!(e instanceof MeterkitError)) throw e;
      this.pushGbt = undefined;
      return 'taken';
    }
    if (step.type !== 'complete') {
      if (step.type === 'ack' && step.recovery) this.pushGbt = undefined;
      return 'taken';
    }
    this.pushGbt = undefined;
    return step.apdu;
  }
}

/**
 * Tags an answer APDU can start with (IEC 62056-5-3 §8): the plain and glo-/ded- ciphered get-,
 * set-, action-, read- and write-responses, exception-response, confirmed-service-error, and the
 * general ciphering and signing envelopes.
 */
const ANSWER_TAGS = new Set([
  0xc4, 0xc5, 0xc7, 0x0c, 0x0d, 0x0e, 0xd8, 0xcc, 0xcd, 0xcf, 0xd4, 0xd5, 0xd7, 0x2c, 0x2d, 0x2e, 0x4c, 0x4d,
  0x4e, 0xdb, 0xdc, 0xdd, 0xdf,
]);

/** True when GBT block data can be the start of an answer APDU (it opens with an answer tag). */
function opensAnswer(data: Uint8Array): boolean {
  return data.length > 0 && ANSWER_TAGS.has(data[0]!);
}

function normalizeRef(a: AttributeReference): AttributeReference {
  return { ...a, instanceId: normalizeObis(a.instanceId) };
}

function accessFailed(what: string, ref: AttributeReference, result: string | number): MeterkitError {
  const hint =
    result === 'read-write-denied'
      ? ': the association lacks the access right (try another client address / authentication)'
      : result === 'object-undefined'
        ? ': the meter has no such object (check the OBIS code and class with readObjectList)'
        : result === 'scope-of-access-violated'
          ? ': the selective access is out of range'
          : '';
  return new MeterkitError(
    DlmsErrorCode.DataAccessFailed,
    `${what} ${ref.classId}/${ref.instanceId}/${ref.attributeId} failed: ${String(result)}${hint}`,
  );
}

function dataOf(r: GetDataResult, ref: AttributeReference): DlmsData {
  if (r.type === 'data') return r.data;
  throw accessFailed('get', ref, r.result);
}

function dateTimeData(t: Date | CosemDateTime): DlmsData {
  const dt = t instanceof Date ? cosemDateTimeFromDate(t) : t;
  return { type: 'octet-string', value: encodeCosemDateTime(dt) };
}
