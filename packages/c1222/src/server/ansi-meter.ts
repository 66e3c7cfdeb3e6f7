/**
 * A simulated ANSI end device: a C12.19 table store (ANSI C12.19-2008 §9) behind the PSEM
 * services of ANSI C12.18-2006 §5.3.2 and IEEE 1703-2012 §5.3.2.4. One `AnsiMeter` holds the
 * tables and the device state; each connection talks to it through its own `AnsiMeterSession`,
 * which keeps the C12.18 service sequence state (base → identification → session, §5.3.1),
 * the access granted by logon and security, and the negotiated link parameters.
 *
 * - Reads (full, partial by offset or by index) need logon in C12.18; in C12.22 any message may read.
 * - Writes and procedures need write access: a password with `write` access, or (C12.22) an
 *   authenticated message (EAX' mode 1 or 2). A full write of ST7 runs the procedure and posts
 *   its result in ST8 as its SELECTOR asks (§9.1.8).
 * - Procedures: the standard ones decoded by the table engine complete (result 0) with their
 *   effect where the simulator models one (SP10 sets ST52, SP9 counts demand resets, SP21
 *   switches a load control point); a standard procedure with malformed parameters gets result 2,
 *   an unknown or manufacturer procedure result 6.
 */
import { fromHex, isMeterkitError } from '@meterkit/core';
import { type ApTitle, absoluteApTitle } from '../acse/ap-title.js';
import { ResponseCode } from '../epsem/codes.js';
import type { C1222Request } from '../epsem/request.js';
import { type C1222Response, encodeResponse } from '../epsem/response.js';
import { C1222KeyStore } from '../security/eaxprime.js';
import { padAscii } from '../session/ascii-field.js';
import { fastestBaudRate } from '../session/baud-rates.js';
import { errorResponse } from '../session/c1222-responder.js';
import type { NiValue } from '../tables/codec.js';
import { defaultMeterTables } from '../tables/defaults.js';
import {
  type IndexedRange,
  resolveTableIndex,
  resolveTableIndexForData,
  type TableElement,
  tableElementLayout,
} from '../tables/element-index.js';
import {
  decodeProcInitiateTbl,
  encodeProcResponseTbl,
  PROCEDURE_RESULT_CODES,
  STANDARD_PROCEDURE_NUMBERS,
  type StandardProcedure,
} from '../tables/procedures.js';
import type { CurrentRegDataTbl, DataBlkRcd, DemandsRcd } from '../tables/registers.js';
import { TableStore } from '../tables/store.js';
import { type ClockTbl, encodeClockTbl } from '../tables/time-tou.js';
import type { AnsiMeterProfile } from './profile.js';

/** The AP title the simulator uses when its profile names none. */
export const DEFAULT_METER_AP_TITLE = '2.16.124.113620.1.22.0.42';

/** What the service handler is told about the transport a request came over. */
export interface AnsiMeterRequestContext {
  /** C12.22 message authenticated by EAX' (modes 1 and 2). */
  readonly authenticated?: boolean;
  /** Largest response the link can carry (C12.18: negotiated packet size × count). */
  readonly maxResponseSize?: number;
}

/** A simulated ANSI meter (see the module comment). */
export class AnsiMeter {
  readonly tables: TableStore;
  readonly profile: AnsiMeterProfile;
  /** Load control points switched by SP21 (control point → level 0–100). */
  readonly loadControl = new Map<number, number>();
  /** Demand resets done by SP9. */
  demandResets = 0;
  /** Procedures run, for tests and logs (procedure number, mfg flag, result). */
  readonly procedureLog: { readonly procedure: number; readonly mfg: boolean; readonly result: number }[] =
    [];
  readonly #passwords: { readonly bytes: Uint8Array; readonly access: 'read' | 'write' }[];

  constructor(profile: AnsiMeterProfile = {}) {
    this.profile = profile;
    this.tables =
      profile.tables === undefined ? defaultMeterTables() : TableStore.fromFile({ tables: profile.tables });
    this.#passwords = (profile.passwords ?? []).map((p) => ({
      bytes: padAscii(p.password, 20, 'password'),
      access: p.access,
    }));
  }

  /** Logs and JSON show the profile's name and tables, never its passwords or keys. */
  toJSON(): { name: string | undefined; apTitle: string; tables: number[] } {
    return {
      name: this.profile.name,
      apTitle: this.profile.apTitle ?? DEFAULT_METER_AP_TITLE,
      tables: this.tables.ids(),
    };
  }

  /** One line for logs (no secrets). */
  toString(): string {
    return `[AnsiMeter ${this.profile.name ?? ''} ${this.profile.apTitle ?? DEFAULT_METER_AP_TITLE}]`;
  }

  /** The meter's C12.22 AP title. */
  get apTitle(): ApTitle {
    return absoluteApTitle(this.profile.apTitle ?? DEFAULT_METER_AP_TITLE);
  }

  /** The C12.22 keys of the profile. */
  keyStore(): C1222KeyStore {
    const store = new C1222KeyStore();
    for (const [id, hex] of Object.entries(this.profile.keys ?? {})) {
      store.set(Number(id), fromHex(hex));
    }
    return store;
  }

  /** A new session of one connection. */
  createSession(protocol: 'c1218' | 'c1222'): AnsiMeterSession {
    return new AnsiMeterSession(this, protocol);
  }

  /** The access a 20-byte password grants, or undefined. */
  checkPassword(password: Uint8Array): 'read' | 'write' | undefined {
    if (this.#passwords.length === 0) return 'write';
    for (const p of this.#passwords) {
      if (p.bytes.length === password.length && p.bytes.every((b, i) => b === password[i])) return p.access;
    }
    return undefined;
  }

  /** True when table `id` may be written with write access. */
  /**
   * The octets a partial read or write by index addresses in table `id` (C12.19 index
   * addressing, `tables/element-index.ts`), or the response code to answer: `sns` for a table
   * whose element structure is not modelled, `iar` for an index or count past its elements, `onp`
   * for written data that does not end on an element boundary.
   */
  indexedRange(
    id: number,
    index: readonly number[],
    size: { readonly elementCount: number } | { readonly length: number },
  ): IndexedRange | number {
    let layout: TableElement | undefined;
    try {
      layout = tableElementLayout(id, this.tables.dependencies());
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      return ResponseCode.sns;
    }
    if (layout === undefined) return ResponseCode.sns;
    try {
      return 'elementCount' in size
        ? resolveTableIndex(layout, index, size.elementCount)
        : resolveTableIndexForData(layout, index, size.length);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      return 'elementCount' in size ? ResponseCode.iar : ResponseCode.onp;
    }
  }

  isWritable(id: number): boolean {
    return id === 7 || (this.profile.writableTables ?? [52]).includes(id);
  }

  /** Runs the procedure written to ST7 and posts its result in ST8 (C12.19 §9.1.8). */
  runProcedure(st7: Uint8Array): void {
    const ctx = this.tables.context;
    const init = decodeProcInitiateTbl(st7, ctx);
    const nbr = init.tableProcNbr.tblProcNbr;
    const mfg = init.tableProcNbr.stdVsMfgFlag;
    let result = 6;
    if (!mfg) {
      if (init.procedure !== undefined) result = this.execute(init.procedure);
      else if (Object.values(STANDARD_PROCEDURE_NUMBERS).includes(nbr)) result = 2;
    }
    this.procedureLog.push({ procedure: nbr, mfg, result });
    const selector = init.tableProcNbr.selector;
    if (selector === 2 || (selector === 1 && result === 0)) return;
    this.tables.write(
      8,
      encodeProcResponseTbl(
        {
          type: 'PROC_RESPONSE_TBL',
          proc: init.tableProcNbr,
          seqNbr: init.seqNbr,
          resultCode: { value: result, name: PROCEDURE_RESULT_CODES[result] ?? 'reserved' },
          respDataRcd: new Uint8Array(0),
        },
        ctx,
      ),
    );
  }

  /** Performs a demand reset on the register tables (see `resetDataBlock`). */
  demandReset(): void {
    this.demandResets++;
    const t = this.tables;
    if (t.read(21) === undefined || t.read(23) === undefined) return;
    const st23 = t.decode(23) as CurrentRegDataTbl;
    const clock = t.read(52) === undefined ? undefined : (t.decode(52) as ClockTbl).clockCalendar;
    const { type: _type, ...registerData } = st23;
    if (t.read(25) !== undefined)
      t.writeTable(25, { type: 'PREV_DEMAND_RESET_DATA_TBL', endDateTime: clock, registerData });
    t.writeTable(23, {
      ...st23,
      ...(st23.nbrDemandResets === undefined ? {} : { nbrDemandResets: (st23.nbrDemandResets + 1) & 0xff }),
      totDataBlock: resetDataBlock(st23.totDataBlock),
      tierDataBlock: st23.tierDataBlock.map(resetDataBlock),
    });
  }

  private execute(p: StandardProcedure): number {
    switch (p.type) {
      case 'set-date-time':
        if (this.tables.read(52) !== undefined && p.dateTime !== undefined)
          this.tables.write(
            52,
            encodeClockTbl(
              { type: 'CLOCK_TBL', clockCalendar: p.dateTime, timeDateQual: p.timeDateQual },
              this.tables.context,
            ),
          );
        return 0;
      case 'remote-reset':
        if (p.actionFlag.demandResetFlag) this.demandReset();
        return 0;
      case 'direct-load-control':
        if (p.level > 100) return 2;
        this.loadControl.set(p.controlPoint, p.level);
        return 0;
      default:
        return 0;
    }
  }
}

function addNi(a: NiValue | undefined, b: NiValue): NiValue | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  return a;
}

function isLarger(a: NiValue, b: NiValue): boolean {
  return (
    (typeof a === 'number' || typeof a === 'bigint') &&
    (typeof b === 'number' || typeof b === 'bigint') &&
    a > b
  );
}

/**
 * A demand reset (C12.19 §9.3.5, SP9 DEMAND_RESET_FLAG): ST23 is copied into ST25 with the
 * clock's date and time, each maximum demand is added to its cumulative demand and cleared, and
 * NBR_DEMAND_RESETS counts up.
 */
function resetDataBlock(b: DataBlkRcd): DataBlkRcd {
  return {
    ...b,
    demands: b.demands.map((d: DemandsRcd) => {
      let max: NiValue = 0;
      for (const v of d.demand) if (isLarger(v, max)) max = v;
      const zero: NiValue[] = d.demand.map((v) => (typeof v === 'bigint' ? 0n : 0));
      return d.cumDemand === undefined
        ? { ...d, demand: zero }
        : { ...d, cumDemand: addNi(d.cumDemand, max), demand: zero };
    }),
  };
}

/** C12.18 service sequence states (§5.3.1). */
export type AnsiMeterSessionState = 'base' | 'identification' | 'session';

/** The negotiated link parameters. */
export interface NegotiatedLink {
  readonly packetSize: number;
  readonly numberOfPackets: number;
  /** Baud rate code (0 = unchanged). */
  readonly baudRate: number;
}

/** One connection's view of the meter (see the module comment). */
export class AnsiMeterSession {
  state: AnsiMeterSessionState = 'base';
  access: 'none' | 'read' | 'write' = 'none';
  /** Set by a negotiate request; the driver applies it once the response went out. */
  negotiated: NegotiatedLink | undefined;
  /** Set by terminate / logoff / disconnect. */
  ended: 'terminate' | 'logoff' | 'disconnect' | undefined;

  constructor(
    readonly meter: AnsiMeter,
    readonly protocol: 'c1218' | 'c1222',
  ) {}

  /** Answers one request. Never throws a non-`MeterkitError`; a `MeterkitError` becomes `err`. */
  handle(req: C1222Request, ctx: AnsiMeterRequestContext = {}): C1222Response {
    let resp: C1222Response;
    try {
      resp = this.dispatch(req, ctx);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      return errorResponse(ResponseCode.err);
    }
    if (ctx.maxResponseSize !== undefined && resp.type === 'read-response') {
      const size = encodeResponse(resp).length;
      if (size > ctx.maxResponseSize)
        return this.protocol === 'c1218'
          ? errorResponse(ResponseCode.rno)
          : {
              type: 'error-response',
              code: ResponseCode.rstl,
              name: 'rstl',
              maxResponseSize: ctx.maxResponseSize,
              data: new Uint8Array(0),
            };
    }
    return resp;
  }

  private dispatch(req: C1222Request, ctx: AnsiMeterRequestContext): C1222Response {
    const c1218 = this.protocol === 'c1218';
    const meter = this.meter;
    if (ctx.authenticated === true) this.access = 'write';
    else if (!c1218 && this.access === 'none') this.access = 'read';
    const inSession = !c1218 || this.state === 'session';
    switch (req.type) {
      case 'identify': {
        if (this.state === 'base') this.state = 'identification';
        const id = meter.profile.identification ?? { std: c1218 ? 0 : 3, ver: 1, rev: 0 };
        return { type: 'identify-response', std: id.std, ver: id.ver, rev: id.rev, features: [] };
      }
      case 'negotiate': {
        if (c1218 && this.state !== 'identification') return errorResponse(ResponseCode.isss);
        const packetSize = Math.min(req.packetSize, meter.profile.maxPacketSize ?? 1024);
        const numberOfPackets = Math.max(1, Math.min(req.numberOfPackets, meter.profile.maxPackets ?? 8));
        const baudRate = fastestBaudRate(req.baudRates, meter.profile.baudRates ?? [6, 8, 10, 12], 0);
        if (packetSize < 16) return errorResponse(ResponseCode.onp);
        this.negotiated = { packetSize, numberOfPackets, baudRate };
        return { type: 'negotiate-response', packetSize, numberOfPackets, baudRate };
      }
      case 'wait':
        return { type: 'ok-response', data: new Uint8Array(0) };
      case 'logon':
        if (c1218 && this.state !== 'identification') return errorResponse(ResponseCode.isss);
        this.state = 'session';
        if (this.access === 'none')
          this.access = meter.checkPassword(new Uint8Array(0)) === 'write' ? 'write' : 'read';
        return req.sessionIdleTimeout === undefined
          ? { type: 'logon-response' }
          : { type: 'logon-response', sessionIdleTimeout: req.sessionIdleTimeout };
      case 'security': {
        if (c1218 && this.state !== 'session') return errorResponse(ResponseCode.isss);
        const access = meter.checkPassword(req.password);
        if (access === undefined) return errorResponse(ResponseCode.err);
        if (this.access !== 'write') this.access = access;
        return { type: 'ok-response', data: new Uint8Array(0) };
      }
      case 'logoff':
        if (c1218 && this.state !== 'session') return errorResponse(ResponseCode.isss);
        this.state = 'identification';
        this.access = 'none';
        this.ended = 'logoff';
        return { type: 'ok-response', data: new Uint8Array(0) };
      case 'terminate':
      case 'disconnect':
        this.state = 'base';
        this.access = 'none';
        this.ended = req.type;
        return { type: 'ok-response', data: new Uint8Array(0) };
      case 'full-read':
      case 'partial-read-offset': {
        if (!inSession) return errorResponse(ResponseCode.isss);
        if (this.access === 'none') return errorResponse(ResponseCode.isc);
        const table = meter.tables.read(req.tableId);
        if (table === undefined) return errorResponse(ResponseCode.iar);
        if (req.type === 'full-read') return { type: 'read-response', tableData: { data: table } };
        if (req.offset + req.octetCount > table.length) return errorResponse(ResponseCode.iar);
        return {
          type: 'read-response',
          tableData: { data: table.subarray(req.offset, req.offset + req.octetCount) },
        };
      }
      case 'partial-read-index': {
        if (!inSession) return errorResponse(ResponseCode.isss);
        if (this.access === 'none') return errorResponse(ResponseCode.isc);
        const table = meter.tables.read(req.tableId);
        if (table === undefined) return errorResponse(ResponseCode.iar);
        const range = meter.indexedRange(req.tableId, req.index, { elementCount: req.elementCount });
        if (typeof range === 'number') return errorResponse(range);
        return {
          type: 'read-response',
          tableData: { data: table.subarray(range.offset, range.offset + range.length) },
        };
      }
      case 'partial-write-index': {
        if (!inSession) return errorResponse(ResponseCode.isss);
        if (this.access !== 'write') return errorResponse(ResponseCode.isc);
        if (req.tableData.checksumValid === false) return errorResponse(ResponseCode.err);
        if (!meter.isWritable(req.tableId)) return errorResponse(ResponseCode.onp);
        const table = meter.tables.read(req.tableId);
        if (table === undefined) return errorResponse(ResponseCode.iar);
        const data = req.tableData.data;
        const range = meter.indexedRange(req.tableId, req.index, { length: data.length });
        if (typeof range === 'number') return errorResponse(range);
        const next = Uint8Array.from(table);
        next.set(data, range.offset);
        meter.tables.write(req.tableId, next);
        return { type: 'ok-response', data: new Uint8Array(0) };
      }
      case 'full-write':
      case 'partial-write-offset': {
        if (!inSession) return errorResponse(ResponseCode.isss);
        if (this.access !== 'write') return errorResponse(ResponseCode.isc);
        if (req.tableData.checksumValid === false) return errorResponse(ResponseCode.err);
        if (!meter.isWritable(req.tableId)) return errorResponse(ResponseCode.onp);
        const data = req.tableData.data;
        if (req.tableId === 7) {
          if (req.type !== 'full-write' || data.length < 3) return errorResponse(ResponseCode.onp);
          meter.runProcedure(data);
          return { type: 'ok-response', data: new Uint8Array(0) };
        }
        const table = meter.tables.read(req.tableId);
        if (req.type === 'full-write') {
          if (table !== undefined && table.length !== data.length) return errorResponse(ResponseCode.onp);
          meter.tables.write(req.tableId, data);
        } else {
          if (table === undefined || req.offset + data.length > table.length)
            return errorResponse(ResponseCode.iar);
          const next = Uint8Array.from(table);
          next.set(data, req.offset);
          meter.tables.write(req.tableId, next);
        }
        return { type: 'ok-response', data: new Uint8Array(0) };
      }
      default:
        return errorResponse(ResponseCode.sns);
    }
  }
}
