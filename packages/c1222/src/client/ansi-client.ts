/**
 * The high-level PSEM client API shared by C12.18 and C12.22 (ANSI C12.18-2006 §5.3.2, IEEE
 * 1703-2012 §5.3.2.4, C12.19 §9.1.8 procedures): identify, logon (with the security service when a
 * password is given), readTable, writeTable, runProcedure (write ST7, read ST8), logoff. Each
 * transport-specific client supplies `request()`; every non-`ok` response becomes a typed
 * `MeterkitError` (`ServiceError` 442, `PasswordRejected` 443).
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { C1222Request } from '../epsem/request.js';
import type { C1222Response } from '../epsem/response.js';
import type { TableData } from '../epsem/table-data.js';
import { C1222ErrorCode } from '../errors.js';
import { padAscii } from '../session/ascii-field.js';
import { C1222SessionErrorCode } from '../session/errors.js';
import type { TableContext } from '../tables/context.js';
import {
  decodeProcResponseTbl,
  encodeProcInitiateTbl,
  PROCEDURE_RESULT_CODES,
  STANDARD_PROCEDURE_NUMBERS,
  type StandardProcedure,
} from '../tables/procedures.js';
import { TableStore } from '../tables/store.js';

/** The part of a table to read: all of it, an octet range, or an element by index. */
export type TableSelection =
  | undefined
  | { readonly offset: number; readonly count: number }
  | { readonly index: readonly number[]; readonly count?: number };

/** Credentials of logon (§5.3.2.4.5) and security (§5.3.2.4.6). */
export interface LogonCredentials {
  readonly userId?: number;
  /** User name, up to 10 ASCII characters. */
  readonly user?: string;
  /** Password, up to 20 bytes; sent with the security service after logon. Never logged. */
  readonly password?: string | Uint8Array;
  /** C12.22 only: requested session idle timeout in seconds. */
  readonly sessionIdleTimeout?: number;
}

/** A procedure to run: a typed standard one, or any by number with raw parameters. */
export type ProcedureCall =
  | StandardProcedure
  | {
      readonly type: 'raw';
      readonly number: number;
      readonly manufacturer?: boolean;
      readonly parameters?: Uint8Array;
    };

/** What ST8 says about a procedure run. */
export interface ProcedureResult {
  readonly procedure: number;
  readonly manufacturer: boolean;
  readonly sequenceNumber: number;
  readonly resultCode: number;
  readonly resultName: string;
  readonly responseData: Uint8Array;
}

/** Options of `runProcedure`. */
export interface ProcedureOptions {
  /** SELECTOR of TABLE_PROC_NBR (0 = post the response in ST8 on completion). */
  readonly selector?: number;
  /** Return a non-zero result instead of throwing `ProcedureFailed` (446). */
  readonly allowFailure?: boolean;
}

/** Throws the typed error for a non-`ok` response to `req`. */
export function checkResponse(req: C1222Request, resp: C1222Response): C1222Response {
  if (resp.type !== 'error-response') return resp;
  if (req.type === 'security')
    throw new MeterkitError(C1222SessionErrorCode.PasswordRejected, `security refused (${resp.name})`, {
      path: 'response.security',
    });
  throw new MeterkitError(C1222SessionErrorCode.ServiceError, `${req.type} answered ${resp.name}`, {
    path: `response.${req.type}`,
  });
}

/** The shared high-level client (see the module comment). */
export abstract class AnsiClient {
  private context: TableContext | undefined;
  private procSeq = 0;

  /** Sends one request and returns its (typed) response, whatever its code. */
  abstract request(req: C1222Request): Promise<C1222Response>;

  /** Sends one request and throws on a non-`ok` response. */
  async call(req: C1222Request): Promise<C1222Response> {
    return checkResponse(req, await this.request(req));
  }

  /** Identification service (§5.3.2.4.1). */
  async identify(): Promise<Extract<C1222Response, { type: 'identify-response' }>> {
    const resp = await this.call({ type: 'identify' });
    if (resp.type !== 'identify-response') throw unexpected(resp);
    return resp;
  }

  /** Logon (§5.3.2.4.5), then security (§5.3.2.4.6) when a password is given. */
  async logon(credentials: LogonCredentials = {}): Promise<void> {
    const user = padAscii(credentials.user ?? '', 10, 'user');
    const logon: C1222Request =
      credentials.sessionIdleTimeout === undefined
        ? { type: 'logon', userId: credentials.userId ?? 0, user }
        : {
            type: 'logon',
            userId: credentials.userId ?? 0,
            user,
            sessionIdleTimeout: credentials.sessionIdleTimeout,
          };
    await this.call(logon);
    if (credentials.password !== undefined)
      await this.call({ type: 'security', password: padAscii(credentials.password, 20, 'password') });
  }

  /** Wait service (§5.3.2.4.9): asks the meter to keep the channel open `seconds` longer. */
  async wait(seconds: number): Promise<void> {
    await this.call({ type: 'wait', seconds });
  }

  /** Logoff (§5.3.2.4.7). */
  async logoff(): Promise<void> {
    await this.call({ type: 'logoff' });
  }

  /** Reads a whole table, an octet range, or an indexed element (§5.3.2.4.3). */
  async readTable(tableId: number, selection?: TableSelection): Promise<Uint8Array> {
    let req: C1222Request;
    if (selection === undefined) req = { type: 'full-read', tableId };
    else if ('offset' in selection)
      req = { type: 'partial-read-offset', tableId, offset: selection.offset, octetCount: selection.count };
    else
      req = {
        type: 'partial-read-index',
        tableId,
        index: selection.index,
        elementCount: selection.count ?? 1,
      };
    const resp = await this.call(req);
    if (resp.type !== 'read-response') throw unexpected(resp);
    checkTableData(resp.tableData);
    return resp.tableData.data;
  }

  /** Writes a whole table, from an octet offset, or an indexed element (§5.3.2.4.4). */
  async writeTable(
    tableId: number,
    data: Uint8Array,
    selection?: { readonly offset: number } | { readonly index: readonly number[] },
  ): Promise<void> {
    const tableData = { data };
    let req: C1222Request;
    if (selection === undefined) req = { type: 'full-write', tableId, tableData };
    else if ('offset' in selection)
      req = { type: 'partial-write-offset', tableId, offset: selection.offset, tableData };
    else req = { type: 'partial-write-index', tableId, index: selection.index, tableData };
    await this.call(req);
  }

  /** The table context (data order etc.), read from ST0 once when not given. */
  async tableContext(): Promise<TableContext> {
    if (this.context === undefined) this.context = new TableStore([[0, await this.readTable(0)]]).context;
    return this.context;
  }

  /** Uses `ctx` instead of reading ST0. */
  setTableContext(ctx: TableContext): void {
    this.context = ctx;
  }

  /** Runs a procedure: full write of ST7, then read ST8 and check it answers this call (C12.19 §9.1.8). */
  async runProcedure(call: ProcedureCall, options: ProcedureOptions = {}): Promise<ProcedureResult> {
    const ctx = await this.tableContext();
    this.procSeq = (this.procSeq + 1) & 0xff;
    const seqNbr = this.procSeq;
    const selector = options.selector ?? 0;
    const tableProcNbr =
      call.type === 'raw'
        ? { tblProcNbr: call.number, stdVsMfgFlag: call.manufacturer ?? false, selector }
        : { tblProcNbr: STANDARD_PROCEDURE_NUMBERS[call.type], stdVsMfgFlag: false, selector };
    const st7 =
      call.type === 'raw'
        ? encodeProcInitiateTbl(
            {
              type: 'PROC_INITIATE_TBL',
              tableProcNbr,
              seqNbr,
              parmData: call.parameters ?? new Uint8Array(0),
            },
            ctx,
          )
        : encodeProcInitiateTbl(
            { type: 'PROC_INITIATE_TBL', tableProcNbr, seqNbr, parmData: new Uint8Array(0), procedure: call },
            ctx,
          );
    await this.writeTable(7, st7);
    const st8 = decodeProcResponseTbl(await this.readTable(8), ctx);
    if (
      st8.seqNbr !== seqNbr ||
      st8.proc.tblProcNbr !== tableProcNbr.tblProcNbr ||
      st8.proc.stdVsMfgFlag !== tableProcNbr.stdVsMfgFlag
    )
      throw new MeterkitError(ErrorCode.UnexpectedResponse, 'ST8 does not answer this procedure call', {
        path: 'st8',
      });
    const result: ProcedureResult = {
      procedure: st8.proc.tblProcNbr,
      manufacturer: st8.proc.stdVsMfgFlag,
      sequenceNumber: st8.seqNbr,
      resultCode: st8.resultCode.value,
      resultName: PROCEDURE_RESULT_CODES[st8.resultCode.value] ?? 'reserved',
      responseData: st8.respDataRcd,
    };
    if (result.resultCode !== 0 && options.allowFailure !== true)
      throw new MeterkitError(
        C1222SessionErrorCode.ProcedureFailed,
        `procedure ${result.procedure} ended with result ${result.resultCode} (${result.resultName})`,
        { path: 'st8.result-code' },
      );
    return result;
  }
}

function checkTableData(td: TableData): void {
  if (td.checksumValid === false)
    throw new MeterkitError(C1222ErrorCode.TableChecksumFailed, 'table data checksum does not match', {
      path: 'response.read.checksum',
    });
}

function unexpected(resp: C1222Response): MeterkitError {
  return new MeterkitError(ErrorCode.UnexpectedResponse, `unexpected ${resp.type}`, { path: 'response' });
}
