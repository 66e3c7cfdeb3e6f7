import { ErrorCode, fromHex, isMeterkitError, toHex, toJsonValue } from '@meterkit/core';
import t from 'tap';
import {
  type C1219Table,
  DEFAULT_TABLE_CONTEXT,
  decodeGenConfigTbl,
  decodeGeneralMfgIdTbl,
  decodeProcInitiateTbl,
  decodeTable,
  encodeGenConfigTbl,
  encodeGeneralMfgIdTbl,
  encodeProcInitiateTbl,
  encodeTable,
  type GenConfigTbl,
  remoteConnect,
  remoteDisconnect,
  standardProcedureInitiate,
  type TableDependencies,
  tableContextFromGenConfig,
} from '../src/tables/index.js';
import constructed from './vectors/c1219/constructed.json' with { type: 'json' };
import real from './vectors/c1219/real.json' with { type: 'json' };

interface RealVector {
  id: string;
  source: string;
  hex: string;
  expected: Record<string, unknown>;
}
interface TableVector {
  id: string;
  source: string;
  table: number;
  st0: string;
  deps: Record<string, string>;
  hex: string;
  expected: unknown;
}

const byId = (id: string): RealVector => (real as RealVector[]).find((v) => v.id === id)!;
const epri = byId('c1219-st0-gen-config-epri');
const epriSt0 = decodeGenConfigTbl(fromHex(epri.hex));
const epriCtx = tableContextFromGenConfig(epriSt0);

function depsOf(v: TableVector): TableDependencies {
  const st0 = decodeGenConfigTbl(fromHex(v.st0));
  let deps: TableDependencies = { ctx: tableContextFromGenConfig(st0), st0 };
  for (const id of Object.keys(v.deps)
    .map(Number)
    .sort((a, b) => a - b))
    deps = { ...deps, [`st${id}`]: decodeTable(id, fromHex(v.deps[String(id)]!), deps) };
  return deps;
}

function code(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    if (isMeterkitError(e)) return e.code;
    throw e;
  }
  return undefined;
}

t.test(
  'ST0 GEN_CONFIG_TBL: the EPRI c12test vector decodes as its assertions say and re-encodes exactly',
  async (t) => {
    t.ok(epri.source.includes('epri-dev/c12test'));
    const e = epri.expected;
    t.same(epriSt0.formatControl1, { dataOrder: false, charFormat: 1, modelSelect: 1 });
    t.same(epriSt0.formatControl2, { tmFormat: 2, dataAccessMethod: 1, idForm: false, intFormat: 0 });
    t.same(epriSt0.formatControl3, { niFormat1: 10, niFormat2: 9 });
    t.equal(String.fromCharCode(...epriSt0.deviceClass), 'EE  ');
    const scalar: [keyof GenConfigTbl, string][] = [
      ['nameplateType', 'NAMEPLATE_TYPE'],
      ['defaultSetUsed', 'DEFAULT_SET_USED'],
      ['maxProcParmLength', 'MAX_PROC_PARM_LENGTH'],
      ['maxRespDataLen', 'MAX_RESP_DATA_LEN'],
      ['stdVersionNo', 'STD_VERSION_NO'],
      ['stdRevisionNo', 'STD_REVISION_NO'],
      ['dimStdTblsUsed', 'DIM_STD_TBLS_USED'],
      ['dimMfgTblsUsed', 'DIM_MFG_TBLS_USED'],
      ['dimStdProcUsed', 'DIM_STD_PROC_USED'],
      ['dimMfgProcUsed', 'DIM_MFG_PROC_USED'],
      ['dimMfgStatusUsed', 'DIM_MFG_STATUS_USED'],
      ['nbrPending', 'NBR_PENDING'],
    ];
    for (const [k, name] of scalar) t.equal(epriSt0[k], e[name], name);
    t.same(epriSt0.stdTblsUsed, e['STD_TBLS_USED']);
    t.same(epriSt0.mfgTblsUsed, e['MFG_TBLS_USED(MT numbers)']);
    t.same(epriSt0.stdProcUsed, e['STD_PROC_USED']);
    t.same(epriSt0.mfgProcUsed, e['MFG_PROC_USED']);
    t.same(epriSt0.stdTblsWrite, e['STD_TBLS_WRITE']);
    t.same(epriSt0.mfgTblsWrite, e['MFG_TBLS_WRITE']);
    t.equal(toHex(encodeGenConfigTbl(epriSt0)), epri.hex);
    t.match(epriCtx, {
      dataOrder: 0,
      charFormat: 1,
      tmFormat: 2,
      idForm: 0,
      intFormat: 0,
      niFormat1: 10,
      niFormat2: 9,
    });
    t.ok(epriCtx.stdTblsUsed.has(64) && !epriCtx.stdTblsUsed.has(65));
  },
);

t.test('ST1 GENERAL_MFG_ID_TBL from the read-ST1 response', async (t) => {
  const v = byId('c1218-read-st1-resp');
  const packet = fromHex(v.hex);
  // EE ident ctrl seq len(2) | 00 count(2) <ST1> cksum | crc(2)
  const st1Bytes = packet.subarray(9, 9 + 32);
  const st1 = decodeGeneralMfgIdTbl(st1Bytes, epriCtx, 9);
  const e = v.expected['ST1'] as Record<string, string>;
  t.equal(st1.manufacturer, e['MANUFACTURER']);
  t.equal(st1.edModel, e['ED_MODEL']);
  t.equal(`${st1.hwVersionNumber}.${st1.hwRevisionNumber}`, e['HW']);
  t.equal(`${st1.fwVersionNumber}.${st1.fwRevisionNumber}`, e['FW']);
  t.equal(st1.mfgSerialNumber, e['MFG_SERIAL_NUMBER']);
  t.equal(toHex(encodeGeneralMfgIdTbl(st1, epriCtx)), toHex(st1Bytes));
  t.equal(
    code(() => decodeGeneralMfgIdTbl(st1Bytes.subarray(0, 31), epriCtx)),
    ErrorCode.LengthOverrun,
  );
  const bcd = { ...epriCtx, idForm: 1 as const };
  const asBcd = decodeGeneralMfgIdTbl(st1Bytes.subarray(0, 24), bcd);
  t.equal(toHex(asBcd.mfgSerialNumber as Uint8Array), toHex(st1Bytes.subarray(16, 24)));
});

t.test('ST7 PROC_INITIATE_TBL: SP26 from the EAX′ vector (little-endian TABLE_PROC_NBR)', async (t) => {
  const v = byId('c1219-st7-procedure-sp26');
  const write = fromHex(v.hex);
  const st7Bytes = write.subarray(6, 11);
  const st7 = decodeProcInitiateTbl(st7Bytes, epriCtx);
  t.same(st7.tableProcNbr, { tblProcNbr: 26, stdVsMfgFlag: false, selector: 0 });
  t.equal(st7.seqNbr, v.expected['SEQ_NBR']);
  t.equal(toHex(st7.parmData), v.expected['PARM']);
  t.equal(st7.procedure, undefined, 'SP26 has no typed parameters');
  t.equal(toHex(encodeProcInitiateTbl(st7, epriCtx)), toHex(st7Bytes));
  const be = decodeProcInitiateTbl(st7Bytes, { ...epriCtx, dataOrder: 1 });
  t.equal(be.tableProcNbr.tblProcNbr, 0x1a00 & 0x7ff, 'big-endian reads another number');
});

t.test('constructed table vectors: parse, generate, mirror', async (t) => {
  for (const v of constructed as unknown as TableVector[]) {
    t.ok(v.source.startsWith('constructed'), `${v.id} states it is constructed`);
    const deps = depsOf(v);
    const bytes = fromHex(v.hex);
    const decoded = decodeTable(v.table, bytes, deps);
    t.same(toJsonValue(decoded, { raw: false }), v.expected, `${v.id} parse`);
    t.equal(toHex(encodeTable(decoded, deps)), v.hex, `${v.id} generate`);
  }
});

t.test('standard procedure builders', async (t) => {
  const ctx = DEFAULT_TABLE_CONTEXT;
  const cold = standardProcedureInitiate({ type: 'cold-start' }, 1, ctx);
  t.equal(toHex(encodeProcInitiateTbl(cold, ctx)), '000001');
  const reset = standardProcedureInitiate({ type: 'reset-list-ptrs', list: 255 }, 2, ctx);
  t.equal(toHex(encodeProcInitiateTbl(reset, ctx)), '040002ff');
  const last = standardProcedureInitiate(
    { type: 'update-last-read-entry', list: 1, entriesRead: 0x0102 },
    3,
    ctx,
  );
  t.equal(toHex(encodeProcInitiateTbl(last, ctx)), '050003010201');
  const demand = standardProcedureInitiate(
    {
      type: 'remote-reset',
      actionFlag: { demandResetFlag: true, selfReadFlag: true, seasonChangeFlag: false, newSeason: 0 },
    },
    4,
    ctx,
  );
  t.equal(toHex(encodeProcInitiateTbl(demand, ctx)), '09000403');
  const on = standardProcedureInitiate(remoteConnect(1), 5, ctx, 1);
  t.equal(toHex(encodeProcInitiateTbl(on, ctx)), '1510050164' + '0000');
  const off = decodeProcInitiateTbl(
    encodeProcInitiateTbl(standardProcedureInitiate(remoteDisconnect(), 6, ctx), ctx),
    ctx,
  );
  t.same(off.procedure, { type: 'direct-load-control', controlPoint: 0, level: 0, duration: 0 });
  const mode = standardProcedureInitiate(
    {
      type: 'change-end-device-mode',
      edMode: { meteringFlag: true, testModeFlag: true, meterShopModeFlag: false, factoryFlag: false },
    },
    7,
    ctx,
  );
  t.equal(toHex(encodeProcInitiateTbl(mode, ctx)), '06000703');
  const pend = standardProcedureInitiate(
    {
      type: 'activate-specific-pending-table',
      tableId: {
        tblProcNbr: 54,
        stdVsMfgFlag: false,
        procFlag: false,
        flag1: false,
        flag2: false,
        flag3: false,
      },
    },
    8,
    ctx,
  );
  t.equal(toHex(encodeProcInitiateTbl(pend, ctx)), '0d00083600');
  const diag = decodeProcInitiateTbl(fromHex('0b0009aabb'), ctx);
  t.same(diag.procedure, { type: 'execute-diagnostics', data: fromHex('aabb') });
  const padded = decodeProcInitiateTbl(fromHex('04000aff00'), ctx);
  t.equal(padded.procedure, undefined, 'parameters with extra bytes stay raw');
  t.equal(toHex(encodeProcInitiateTbl(padded, ctx)), '04000aff00');
  const mfg = decodeProcInitiateTbl(fromHex('0408000102'), ctx);
  t.same(mfg.tableProcNbr, { tblProcNbr: 4, stdVsMfgFlag: true, selector: 0 });
  t.equal(mfg.procedure, undefined);
  t.equal(
    code(() => encodeProcInitiateTbl({ ...cold, procedure: undefined, parmData: new Uint8Array(40) }, ctx)),
    ErrorCode.EncodeFailed,
  );
  const resp = decodeTable(8, fromHex('0a000709ffee'), { ctx }) as C1219Table;
  t.match(resp, { type: 'PROC_RESPONSE_TBL', seqNbr: 7, resultCode: { value: 9, name: 'reserved' } });
});

t.test('malformed tables give typed errors with offsets, never huge allocations', async (t) => {
  const ctx = DEFAULT_TABLE_CONTEXT;
  t.equal(
    code(() => decodeGenConfigTbl(fromHex(epri.hex).subarray(0, 40))),
    ErrorCode.LengthOverrun,
  );
  t.equal(
    code(() => decodeGenConfigTbl(fromHex(epri.hex).subarray(0, 10))),
    ErrorCode.Truncated,
  );
  t.equal(
    code(() => decodeGenConfigTbl(fromHex(`${epri.hex}00`))),
    ErrorCode.TrailingBytes,
  );
  // ST21 claiming 255 tiers of 255 summations: ST23 of 10 bytes must fail before allocating
  const st21 = decodeTable(21, fromHex('0000ffffffffffffffff'), { ctx });
  let err: unknown;
  try {
    decodeTable(23, new Uint8Array(10), { ctx, st21: st21 as never }, 100);
  } catch (e) {
    err = e;
  }
  t.ok(isMeterkitError(err, ErrorCode.LengthOverrun));
  t.match(err, { offset: 100, path: 'st23.register-data' });
  // ST61 claiming 65535 blocks × 65535 intervals × 255 channels
  const st61 = decodeTable(61, fromHex('00000000000400ffffffffff0f'), { ctx });
  const st62bytes = new Uint8Array(255 * 3 + 1 + 255 * 4);
  st62bytes[255 * 3] = 2;
  const st62 = decodeTable(62, st62bytes.subarray(0, 255 * 3 + 1), { ctx, st61: st61 as never });
  t.equal(
    code(() => decodeTable(64, new Uint8Array(64), { ctx, st61: st61 as never, st62: st62 as never })),
    ErrorCode.LengthOverrun,
  );
  // ST74 with 65535 entries claimed
  const st71 = decodeTable(71, fromHex('0701010101ffffffff'), { ctx });
  t.equal(
    code(() => decodeTable(74, new Uint8Array(20), { ctx, st71: st71 as never })),
    ErrorCode.LengthOverrun,
  );
  t.equal(
    code(() => decodeTable(76, new Uint8Array(20), { ctx, st71: st71 as never })),
    ErrorCode.LengthOverrun,
  );
  // missing dimension table
  t.equal(
    code(() => decodeTable(23, new Uint8Array(4), { ctx })),
    ErrorCode.InvalidArgument,
  );
  // BCD and characters
  t.equal(
    code(() => decodeTable(52, fromHex('2611235a000000'), { ctx: { ...ctx, tmFormat: 1 } })),
    ErrorCode.ValueInvalid,
  );
  t.equal(
    code(() => decodeTable(5, new Uint8Array(20).fill(0xc1), { ctx })),
    ErrorCode.ValueInvalid,
  );
  t.equal(
    code(() => decodeTable(5, new Uint8Array(20).fill(0xff), { ctx: { ...ctx, charFormat: 3 } })),
    ErrorCode.ValueInvalid,
  );
  t.equal(
    code(() => decodeTable(5, new Uint8Array(20), { ctx: { ...ctx, charFormat: 5 } })),
    ErrorCode.Unsupported,
  );
  // reserved format codes in ST0
  const st0 = decodeGenConfigTbl(fromHex(epri.hex));
  t.equal(
    code(() => tableContextFromGenConfig({ ...st0, formatControl3: { niFormat1: 14, niFormat2: 1 } })),
    ErrorCode.Unsupported,
  );
  t.equal(
    code(() => tableContextFromGenConfig({ ...st0, formatControl2: { ...st0.formatControl2, tmFormat: 6 } })),
    ErrorCode.Unsupported,
  );
  t.equal(
    code(() =>
      tableContextFromGenConfig({ ...st0, formatControl1: { ...st0.formatControl1, charFormat: 4 } }),
    ),
    ErrorCode.Unsupported,
  );
  // INT_FMT_CDE not defined
  const bad62 = fromHex('000000' + '03');
  const st61one = decodeTable(61, fromHex('00000000000000010001000101'), { ctx });
  const st62bad = decodeTable(62, bad62, { ctx, st61: st61one as never });
  t.equal(
    code(() => decodeTable(64, new Uint8Array(8), { ctx, st61: st61one as never, st62: st62bad as never })),
    ErrorCode.ValueInvalid,
  );
  // encode-side range checks
  const reg = decodeTable(21, fromHex('00000000000000000000'), { ctx }) as C1219Table;
  t.equal(
    code(() => encodeTable({ ...(reg as object), nbrTiers: 300 } as C1219Table, { ctx })),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() => encodeTable({ type: 'DEVICE_IDENT_TBL', identification: 'x'.repeat(21) }, { ctx })),
    ErrorCode.EncodeFailed,
  );
  t.equal(
    code(() => encodeTable({ type: 'DEVICE_IDENT_TBL', identification: 'é' }, { ctx })),
    ErrorCode.EncodeFailed,
  );
  t.equal(
    code(() =>
      encodeTable(
        {
          type: 'CLOCK_TBL',
          clockCalendar: { year: 2026, month: 2, day: 30, hour: 0, minute: 0, second: 0 },
          timeDateQual: {
            dayOfWeek: 0,
            dstFlag: false,
            gmtFlag: false,
            tmZnAppliedFlag: false,
            dstAppliedFlag: false,
            dstSupportedFlag: false,
          },
        },
        { ctx: { ...ctx, tmFormat: 4 } },
      ),
    ),
    ErrorCode.ValueInvalid,
  );
  t.equal(
    code(() =>
      encodeTable(
        {
          type: 'CLOCK_TBL',
          clockCalendar: { year: 1980, month: 2, day: 3, hour: 0, minute: 0, second: 0 },
          timeDateQual: {
            dayOfWeek: 0,
            dstFlag: false,
            gmtFlag: false,
            tmZnAppliedFlag: false,
            dstAppliedFlag: false,
            dstSupportedFlag: false,
          },
        },
        { ctx },
      ),
    ),
    ErrorCode.ValueOutOfRange,
  );
});

t.test('manufacturer and undecoded tables pass through as bytes', async (t) => {
  const ctx = DEFAULT_TABLE_CONTEXT;
  const mt = decodeTable(2048 + 5, fromHex('010203'), { ctx });
  t.same(mt, { type: 'RAW_TBL', table: 2053, data: fromHex('010203') });
  t.equal(toHex(encodeTable(mt, { ctx })), '010203');
  const st10 = decodeTable(10, fromHex('00'), { ctx });
  t.equal(st10.type, 'RAW_TBL');
  const nameplate = decodeTable(2, fromHex('aabb'), { ctx, st0: { ...epriSt0, nameplateType: 0 } });
  t.same(nameplate, { type: 'DEVICE_NAMEPLATE_TBL', nameplateType: 'gas', data: fromHex('aabb') });
  t.equal(toHex(encodeTable(nameplate, { ctx })), 'aabb');
});
