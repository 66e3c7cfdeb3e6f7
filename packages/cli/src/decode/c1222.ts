import { existsSync } from 'node:fs';
import {
  C1218Deframer,
  C1222KeyStore,
  type C1222Message,
  C1222Reassembler,
  type C1222Request,
  type C1222Response,
  decodeC1218Packet,
  decodeC1218Request,
  decodeC1218Response,
  decodeC1222ApduSegment,
  decodeC1222Message,
  decodeRequest,
  decodeTable,
  type EpsemService,
  isResponse,
  TableStore,
} from '@meterkit/c1222';
import { ErrorCode, MeterkitError, Reader } from '@meterkit/core';
import { type DecodeInput, readDecodeInput } from '../input.js';
import type { CliIo } from '../io.js';
import type { DecodeContext, DecodedLayer, DecodeResult, ProtocolDecoder } from './protocol-decoder.js';

/**
 * What `--table` and `--st0` add to the decode context: the C12.19 table a read response carries
 * (when no request in the input says so) and the ST0 GEN_CONFIG_TBL that gives the decoding
 * context (data order, formats; ANSI C12.19-2008 §9.1.1).
 */
export interface C12TableOptions {
  /** Table number: 0–2047 standard, 2048 + n manufacturer table n. */
  readonly table?: number;
  /** ST0 bytes. */
  readonly st0?: Uint8Array;
}

/** The decode context of the C12.22 and C12.18 adapters. */
export interface C12DecodeContext extends DecodeContext, C12TableOptions {}

/** Parses `--table`: `23`, `ST23`, `MT5` (= 2048 + 5) or `0x17`. */
export function parseTableOption(value: string | number): number {
  const s = String(value).trim();
  const m = /^(st|mt)?(\d+|0x[0-9a-f]+)$/i.exec(s);
  const n = m === null ? Number.NaN : Number(m[2]);
  const id = m?.[1]?.toLowerCase() === 'mt' ? 2048 + n : n;
  if (!Number.isInteger(id) || id < 0 || id > 0xffff || (m?.[1]?.toLowerCase() === 'mt' && n > 2047))
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `--table ${s}: expected a table number such as 23, ST23 or MT5`,
    );
  return id;
}

/** Reads `--table` and `--st0` (`--st0` is hex, `@file`, a file name, or `-` for stdin). */
export async function readC12TableOptions(
  args: { readonly table?: string | number | undefined; readonly st0?: string | undefined },
  io: CliIo,
): Promise<C12TableOptions> {
  const table = args.table === undefined ? undefined : parseTableOption(args.table);
  let st0: Uint8Array | undefined;
  if (args.st0 !== undefined) {
    const arg =
      !args.st0.startsWith('@') && args.st0 !== '-' && existsSync(args.st0) ? `@${args.st0}` : args.st0;
    st0 = (await readDecodeInput(arg, io)).bytes;
  }
  return { ...(table === undefined ? {} : { table }), ...(st0 === undefined ? {} : { st0 }) };
}

/** Keys from `--key c1222:<key-id>=HEX` (key id 0–255). */
function keyStore(keys: ReadonlyMap<string, Uint8Array>): C1222KeyStore {
  const store = new C1222KeyStore();
  for (const [name, key] of keys) {
    const m = /^c1222:(\d{1,3})$/.exec(name);
    if (m === null) continue;
    const id = Number(m[1]);
    if (id > 255)
      throw new MeterkitError(ErrorCode.InvalidArgument, `--key ${name}: key ids go from 0 to 255`);
    store.set(id, key);
  }
  return store;
}

/** Dimension tables that, once read in the input, help decode the tables after them. */
const CONTEXT_TABLES = new Set([0, 11, 21, 51, 61, 62, 71]);

/**
 * Decodes the table data of read responses with the C12.19 engine (ANSI C12.19-2008 §9), pairing
 * each response with the request it answers: a request earlier in the input, else `--table`.
 */
class TableDecoder {
  private readonly store = new TableStore();
  private st0Known: boolean;
  /** The read requests of the last request message, answered by the next response message. */
  private pending: (C1222Request | undefined)[] = [];

  constructor(
    private readonly options: C12TableOptions,
    private readonly notes: string[],
  ) {
    this.st0Known = options.st0 !== undefined;
    if (options.st0 !== undefined) this.store.write(0, options.st0);
  }

  /** The requests the response services of the next message answer. */
  requestsForResponses(): readonly (C1222Request | undefined)[] | undefined {
    if (this.pending.length > 0) return this.pending;
    const t = this.options.table;
    return t === undefined ? undefined : new Array<C1222Request>(16).fill({ type: 'full-read', tableId: t });
  }

  /** Takes one message's services: requests are remembered, read responses decoded. */
  services(
    services: readonly EpsemService[],
    requests = this.requestsForResponses(),
  ): DecodedLayer | undefined {
    const responses = services.filter(isResponse);
    const reqs = services.filter((s): s is C1222Request => !isResponse(s));
    if (reqs.length > 0 && responses.length === 0) {
      this.pending = reqs;
      return undefined;
    }
    const out: { table: number; value: unknown }[] = [];
    responses.forEach((resp, i) => {
      const decoded = this.response(resp, requests?.[i]);
      if (decoded !== undefined) out.push(decoded);
    });
    this.pending = [];
    if (out.length === 0) return undefined;
    return { layer: 'table', value: out.length === 1 ? out[0] : out };
  }

  private response(
    resp: C1222Response,
    req: C1222Request | undefined,
  ): { table: number; value: unknown } | undefined {
    if (resp.type !== 'read-response' || req === undefined) return undefined;
    if (req.type !== 'full-read') {
      if ('tableId' in req)
        this.notes.push(`table ${req.tableId}: a partial read is shown as octets, not decoded`);
      return undefined;
    }
    const id = req.tableId;
    const data = resp.tableData.data;
    if (id !== 0 && !this.st0Known)
      this.notes.push(`table ${id} decoded without ST0: the default context was assumed (pass --st0)`);
    try {
      const value = decodeTable(id, data, this.store.dependencies());
      if (CONTEXT_TABLES.has(id)) {
        this.store.write(id, data);
        if (id === 0) this.st0Known = true;
      }
      return { table: id, value };
    } catch (e) {
      if (!(e instanceof MeterkitError)) throw e;
      this.notes.push(`table ${id} not decoded: ${e.message}`);
      return undefined;
    }
  }
}

/** Splits concatenated ACSE APDUs (`60 <length> …` one after the other). */
function splitApdus(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const r = new Reader(bytes);
  while (!r.atEnd) {
    const start = r.pos;
    if (r.peekU8('acse') !== 0x60) return [bytes];
    r.u8();
    let n: number;
    try {
      n = r.berLength('acse');
    } catch {
      return [bytes];
    }
    if (n > r.remaining) return [bytes];
    r.bytes(n);
    out.push(bytes.subarray(start, r.pos));
  }
  return out;
}

function messageLayers(msg: C1222Message, notes: string[]): DecodedLayer[] {
  const { userInformation: _ui, raw: _raw, ...acse } = msg.acse;
  const layers: DecodedLayer[] = [
    { layer: 'acse', value: acse },
    { layer: 'security', value: { type: `mode-${msg.security.mode}`, ...msg.security } },
  ];
  if (msg.epsem !== undefined) {
    const { raw: _r, ...epsem } = msg.epsem;
    layers.push({ layer: 'epsem', value: epsem });
  }
  if (msg.security.status === 'no-key') {
    notes.push(
      msg.security.mode === 2
        ? `could not decrypt: no key for key id ${msg.security.keyId} (--key c1222:${msg.security.keyId}=HEX)`
        : `the MAC was not verified: no key for key id ${msg.security.keyId} (--key c1222:${msg.security.keyId}=HEX)`,
    );
  }
  for (const w of msg.security.weaknesses ?? []) notes.push(`weakness: ${w}`);
  return layers;
}

function prefixed(layers: readonly DecodedLayer[], i: number, count: number): DecodedLayer[] {
  return count === 1
    ? [...layers]
    : layers.map((l) => ({ layer: `message-${i + 1}.${l.layer}`, value: l.value }));
}

/**
 * `meterkit decode` for ANSI C12.22 (IEEE 1703): the ACSE, the security (EAX' verified and
 * deciphered with `--key c1222:<id>=HEX`), and the EPSEM services. Relative AP titles are expanded
 * with `--base-oid`. Several APDUs one after the other (a request and its response) are decoded in
 * turn, each response against the request before it; the table data of read responses is decoded
 * with the C12.19 engine when the table is known (from that request, or `--table`), in the context
 * of `--st0` or of an ST0 read earlier in the input. APDU segments (the datagram segmenting
 * sub-layer) are shown as such and the APDU they carry is decoded once all its segments were seen.
 */
export const c1222Decoder: ProtocolDecoder = {
  protocol: 'c1222',
  decode(input: DecodeInput, ctx: C12DecodeContext): DecodeResult {
    const notes: string[] = [];
    const tables = new TableDecoder(ctx, notes);
    const keys = keyStore(ctx.keys);
    const apdus = splitApdus(input.bytes);
    const layers: DecodedLayer[] = [];
    const reassembler = new C1222Reassembler();
    apdus.forEach((unit, i) => {
      const own: DecodedLayer[] = [];
      let apdu: Uint8Array | undefined = unit;
      const segment = decodeC1222ApduSegment(unit);
      if (segment !== undefined) {
        own.push({
          layer: 'segment',
          value: {
            type: 'apdu-segment',
            apduSize: segment.apduSize,
            offset: segment.offset,
            length: segment.octets.length,
            callingApInvocationId: segment.callingApInvocationId,
          },
        });
        const ev = reassembler.push(unit, 0);
        if (ev.type === 'error') throw ev.error;
        apdu = ev.type === 'apdu' ? ev.apdu : undefined;
        if (ev.type === 'apdu')
          notes.push(`an APDU of ${ev.apdu.length} bytes was reassembled from ${ev.segments} segments`);
      }
      if (apdu !== undefined) {
        const requests = tables.requestsForResponses();
        const msg = decodeC1222Message(apdu, {
          keys,
          baseOid: ctx.baseOid,
          ...(requests === undefined ? {} : { requests }),
        });
        own.push(...messageLayers(msg, notes));
        const table = msg.epsem === undefined ? undefined : tables.services(msg.epsem.services, requests);
        if (table !== undefined) own.push(table);
      }
      layers.push(...prefixed(own, i, apdus.length));
    });
    if (reassembler.pending > 0)
      notes.push('a segmented APDU is incomplete: its remaining segments are not in the input');
    return { protocol: 'c1222', layers, notes };
  },
};

/**
 * A C12.18 request; in lenient mode a request C12.18 does not allow but C12.22 does (e.g. a
 * security request with a longer password field) is shown in its C12.22 form with a note.
 */
function c1218Request(data: Uint8Array, ctx: DecodeContext, notes: string[]): C1222Request {
  try {
    return decodeC1218Request(data, 6);
  } catch (e) {
    if (!(e instanceof MeterkitError) || e.code !== ErrorCode.Unsupported || !ctx.lenient) throw e;
    notes.push(`tolerated: ${e.message}; shown as the C12.22 form of the request`);
    return decodeRequest(data, {}, 6);
  }
}

/** Decodes one C12.18 service (request or response) and its table data. */
function c1218Service(
  data: Uint8Array,
  ctx: C12DecodeContext,
  tables: TableDecoder,
  notes: string[],
): DecodedLayer[] {
  if (data[0]! >= 0x20) {
    const req = c1218Request(data, ctx, notes);
    tables.services([req]);
    return [{ layer: 'service', value: req }];
  }
  const req = tables.requestsForResponses()?.[0];
  const resp = decodeC1218Response(data, req, 6);
  if (req === undefined)
    notes.push('a response is decoded fully only against its request; shown without one');
  const layers: DecodedLayer[] = [{ layer: 'service', value: resp }];
  const table = tables.services([resp], req === undefined ? undefined : [req]);
  if (table !== undefined) layers.push(table);
  return layers;
}

/**
 * `meterkit decode` for ANSI C12.18 (the optical port): an ACK, a NAK, or one packet (CRC checked)
 * with its service request (codes 0x20 and up) or response (codes below 0x20). Several packets one
 * after the other (e.g. a request, the ACK and the response) are taken as a transmission: their
 * services are decoded in turn, multi-packet APDUs reassembled, each response against the request
 * before it, with its table data decoded as for C12.22.
 */
export const c1218Decoder: ProtocolDecoder = {
  protocol: 'c1218',
  decode(input: DecodeInput, ctx: C12DecodeContext): DecodeResult {
    const b = input.bytes;
    if (b.length === 1 && (b[0] === 0x06 || b[0] === 0x15)) {
      return {
        protocol: 'c1218',
        layers: [{ layer: 'control', value: { type: b[0] === 0x06 ? 'ack' : 'nak' } }],
        notes: [],
      };
    }
    const notes: string[] = [];
    const tables = new TableDecoder(ctx, notes);
    const first = Math.min(b.length, 8 + ((b[4] ?? 0) << 8) + (b[5] ?? 0));
    const packet = decodeC1218Packet(b.subarray(0, first));
    if (first < b.length) return transmission(b, ctx, tables, notes);
    const { raw: _raw, data, ...header } = packet;
    const layers: DecodedLayer[] = [{ layer: 'packet', value: { ...header, length: data.length } }];
    if (packet.control.multiPacket && packet.sequenceNumber > 0) {
      notes.push(`one packet of a multi-packet transmission (${packet.sequenceNumber} more to come)`);
      layers.push({ layer: 'data', value: data });
    } else if (data.length > 0) layers.push(...c1218Service(data, ctx, tables, notes));
    return { protocol: 'c1218', layers, notes };
  },
};

function transmission(
  b: Uint8Array,
  ctx: C12DecodeContext,
  tables: TableDecoder,
  notes: string[],
): DecodeResult {
  const deframer = new C1218Deframer();
  const items = deframer.push(b);
  const layers: DecodedLayer[] = [];
  let n = 0;
  for (const item of items) {
    if (item.type === 'discarded')
      throw new MeterkitError(
        ErrorCode.FrameFormatInvalid,
        `C12.18 transmission: ${item.reason} in the input`,
        {
          path: 'c1218',
        },
      );
    if (item.type !== 'apdu') continue;
    n++;
    for (const l of c1218Service(item.data, ctx, tables, notes))
      layers.push({ layer: `message-${n}.${l.layer}`, value: l.value });
  }
  if (deframer.pending > 0 || n === 0)
    throw new MeterkitError(ErrorCode.Truncated, 'C12.18 transmission ends inside a packet', {
      path: 'c1218',
    });
  return { protocol: 'c1218', layers, notes };
}
