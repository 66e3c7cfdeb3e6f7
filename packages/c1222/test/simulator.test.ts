import { readFileSync } from 'node:fs';
import { isMeterkitError, MeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { type C1222Request, decodeC1218Request } from '../src/index.js';
import { AnsiMeter } from '../src/server/ansi-meter.js';
import { parseAnsiMeterProfile, readAnsiMeterProfile } from '../src/server/profile.js';
import { padAscii } from '../src/session/ascii-field.js';
import {
  decodeProcResponseTbl,
  encodeProcInitiateTbl,
  STANDARD_PROCEDURE_NUMBERS,
  standardProcedureInitiate,
} from '../src/tables/index.js';

const profileText = readFileSync(new URL('../profiles/ansi-meter.json', import.meta.url), 'utf8');
const profile = parseAnsiMeterProfile(profileText);
const td = (data: Uint8Array) => ({ data });

t.test('the profile holds realistic ST0/ST1/ST21–28/ST61–64 tables', async (t) => {
  const meter = new AnsiMeter(profile);
  for (const id of [0, 1, 3, 5, 8, 21, 22, 23, 27, 28, 52, 61, 62, 63, 64])
    t.ok(meter.tables.read(id), `ST${id}`);
  t.equal(meter.tables.decode(0).type, 'GEN_CONFIG_TBL');
  t.equal(meter.tables.decode(23).type, 'CURRENT_REG_DATA_TBL');
  t.match(meter.tables.decode(64).type, /^LP_DATA_SET/);
  const profileIds = meter.tables.ids();
  t.ok(
    new AnsiMeter().tables.ids().every((id) => profileIds.includes(id)),
    'the profile holds the default tables',
  );
  t.ok(profileIds.includes(25), 'and ST25 for demand resets');
  t.ok(
    (meter.tables.decode(0) as unknown as { stdTblsUsed: number[] }).stdTblsUsed.includes(25),
    'ST0 lists ST25',
  );
  t.equal(meter.apTitle.oid, '2.16.124.113620.1.22.0.42');
  t.same(meter.keyStore().keyIds(), [0, 1]);
  t.notMatch(JSON.stringify(meter.keyStore()), /6624c7e2/, 'keys never print');
});

t.test('profile parsing rejects malformed files with ValueInvalid (207)', async (t) => {
  for (const bad of [
    'nope',
    '[]',
    '{"tables": 3}',
    '{"passwords": {}}',
    '{"passwords": [{"password": 1}]}',
    '{"passwords": [{"password": "x", "access": "root"}]}',
    '{"baudRates": ["fast"]}',
    '{"maxPackets": 1.5}',
    '{"apTitle": 7}',
    '{"keys": "k"}',
  ])
    t.throws(() => parseAnsiMeterProfile(bad), { code: 207 }, bad);
  await t.rejects(readAnsiMeterProfile('/nonexistent/profile.json'), { code: 602 });
});

t.test('C12.18 service sequence states and access', async (t) => {
  const meter = new AnsiMeter(profile);
  const s = meter.createSession('c1218');
  const h = (r: C1222Request) => s.handle(r);
  t.match(h({ type: 'logon', userId: 1, user: padAscii('u', 10, 'user') }), { name: 'isss' });
  t.match(h({ type: 'identify' }), { type: 'identify-response', std: 0 });
  t.equal(s.state, 'identification');
  t.match(h({ type: 'negotiate', packetSize: 8, numberOfPackets: 1, baudRates: [] }), { name: 'onp' });
  t.match(h({ type: 'negotiate', packetSize: 4096, numberOfPackets: 99, baudRates: [1, 99, 12, 6] }), {
    type: 'negotiate-response',
    packetSize: 1024,
    numberOfPackets: 8,
    baudRate: 12,
  });
  t.match(h({ type: 'wait', seconds: 5 }), { type: 'ok-response' });
  t.match(h({ type: 'full-read', tableId: 1 }), { name: 'isss' });
  t.match(h({ type: 'logoff' }), { name: 'isss' });
  t.match(h({ type: 'logon', userId: 1, user: padAscii('u', 10, 'user') }), { type: 'logon-response' });
  t.equal(s.access, 'read');
  t.match(h({ type: 'negotiate', packetSize: 64, numberOfPackets: 1, baudRates: [] }), { name: 'isss' });
  t.match(h({ type: 'full-read', tableId: 1 }), { type: 'read-response' });
  t.match(h({ type: 'partial-read-offset', tableId: 1, offset: 30, octetCount: 5 }), { name: 'iar' });
  t.match(h({ type: 'partial-read-index', tableId: 23, index: [1], elementCount: 1 }), {
    type: 'read-response',
  });
  t.match(h({ type: 'partial-read-index', tableId: 1, index: [0], elementCount: 1 }), { name: 'sns' });
  t.match(h({ type: 'full-write', tableId: 52, tableData: td(new Uint8Array(7)) }), { name: 'isc' });
  t.match(h({ type: 'security', password: padAscii('wrong', 20, 'p') }), { name: 'err' });
  t.match(h({ type: 'security', password: padAscii('meterkit-write', 20, 'p') }), { type: 'ok-response' });
  t.equal(s.access, 'write');
  t.match(h({ type: 'full-write', tableId: 1, tableData: td(new Uint8Array(32)) }), { name: 'onp' });
  t.match(h({ type: 'full-write', tableId: 52, tableData: td(new Uint8Array(3)) }), { name: 'onp' });
  t.match(h({ type: 'full-write', tableId: 52, tableData: { data: new Uint8Array(7), checksum: 1 } }), {
    type: 'ok-response',
  });
  t.match(
    h({
      type: 'full-write',
      tableId: 52,
      tableData: { data: new Uint8Array(7), checksum: 1, checksumValid: false },
    }),
    {
      name: 'err',
    },
  );
  t.match(h({ type: 'partial-write-offset', tableId: 52, offset: 6, tableData: td(new Uint8Array(2)) }), {
    name: 'iar',
  });
  t.match(h({ type: 'partial-write-offset', tableId: 7, offset: 0, tableData: td(new Uint8Array(4)) }), {
    name: 'onp',
  });
  t.match(h({ type: 'full-read', tableId: 64 }), { type: 'read-response' });
  t.match(s.handle({ type: 'full-read', tableId: 64 }, { maxResponseSize: 100 }), { name: 'rno' });
  t.match(h({ type: 'authenticate', data: new Uint8Array(2) }), { name: 'sns' });
  t.match(h({ type: 'logoff' }), { type: 'ok-response' });
  t.equal(s.ended, 'logoff');
  t.match(h({ type: 'terminate' }), { type: 'ok-response' });
  t.equal(s.state, 'base');
});

t.test('C12.22 sessions: reads without logon, writes with authentication, rstl', async (t) => {
  const meter = new AnsiMeter(profile);
  const s = meter.createSession('c1222');
  t.match(s.handle({ type: 'identify' }), { std: 3 });
  t.match(s.handle({ type: 'full-read', tableId: 1 }), { type: 'read-response' });
  t.match(s.handle({ type: 'full-write', tableId: 52, tableData: td(new Uint8Array(7)) }), { name: 'isc' });
  t.match(
    s.handle({ type: 'full-write', tableId: 52, tableData: td(new Uint8Array(7)) }, { authenticated: true }),
    {
      type: 'ok-response',
    },
  );
  t.match(s.handle({ type: 'full-read', tableId: 64 }, { maxResponseSize: 64 }), {
    name: 'rstl',
    maxResponseSize: 64,
  });
  t.match(s.handle({ type: 'logon', userId: 1, user: padAscii('', 10, 'u'), sessionIdleTimeout: 30 }), {
    type: 'logon-response',
    sessionIdleTimeout: 30,
  });
  t.match(s.handle({ type: 'disconnect' }), { type: 'ok-response' });
  t.equal(s.ended, 'disconnect');
  const open = new AnsiMeter({ ...profile, passwords: [] }).createSession('c1218');
  open.handle({ type: 'identify' });
  open.handle({ type: 'logon', userId: 0, user: padAscii('', 10, 'u') });
  t.equal(open.access, 'write', 'no passwords configured: logon grants write');
});

t.test('procedures: results posted in ST8 as the selector asks', async (t) => {
  const meter = new AnsiMeter(profile);
  const ctx = meter.tables.context;
  const run = (st7: Uint8Array) => {
    meter.runProcedure(st7);
    return decodeProcResponseTbl(meter.tables.read(8)!, ctx);
  };
  const setTime = standardProcedureInitiate(
    {
      type: 'set-date-time',
      setMask: { setTimeFlag: true, setDateFlag: true, setTimeDateQual: false },
      dateTime: { year: 2026, month: 11, day: 23, hour: 2, minute: 3, second: 4 },
      timeDateQual: {
        dayOfWeek: 1,
        dstFlag: false,
        gmtFlag: true,
        tmZnAppliedFlag: false,
        dstAppliedFlag: false,
        dstSupportedFlag: false,
      },
    },
    5,
    ctx,
  );
  t.match(run(encodeProcInitiateTbl(setTime, ctx)), { seqNbr: 5, resultCode: { value: 0 } });
  t.match(meter.tables.decode(52), { type: 'CLOCK_TBL', clockCalendar: { year: 2026, month: 11, day: 23 } });
  const raw = (nbr: number, parm: number[], selector = 0, mfg = false) =>
    encodeProcInitiateTbl(
      {
        type: 'PROC_INITIATE_TBL',
        tableProcNbr: { tblProcNbr: nbr, stdVsMfgFlag: mfg, selector },
        seqNbr: 9,
        parmData: Uint8Array.from(parm),
      },
      ctx,
    );
  t.match(run(raw(STANDARD_PROCEDURE_NUMBERS['direct-load-control'], [0, 150, 0, 0])), {
    resultCode: { value: 2 },
  });
  t.match(
    run(raw(STANDARD_PROCEDURE_NUMBERS['remote-reset'], [])),
    { resultCode: { value: 2 } },
    'missing parameters',
  );
  t.match(run(raw(30, [])), { resultCode: { value: 6 } });
  t.match(run(raw(1, [], 0, true)), { resultCode: { value: 6 } });
  t.match(run(raw(0, [])), { resultCode: { value: 0 }, proc: { tblProcNbr: 0 } });
  const before = Uint8Array.from(meter.tables.read(8)!);
  meter.runProcedure(raw(1, [], 2));
  t.same(meter.tables.read(8), before, 'selector 2: nothing posted');
  meter.runProcedure(raw(1, [], 1));
  t.same(meter.tables.read(8), before, 'selector 1: posted on exception only');
  meter.runProcedure(raw(31, [], 1));
  t.match(decodeProcResponseTbl(meter.tables.read(8)!, ctx), { resultCode: { value: 6 } });
  t.same(
    meter.procedureLog.map((p) => p.result),
    [0, 2, 2, 6, 6, 0, 0, 0, 6],
  );
  const s = meter.createSession('c1222');
  t.match(
    s.handle({ type: 'full-write', tableId: 7, tableData: td(Uint8Array.of(1)) }, { authenticated: true }),
    {
      name: 'onp',
    },
  );
});

t.test('SP9 demand reset: ST23 goes to ST25, demands add to cumulative demand and clear', async (t) => {
  const meter = new AnsiMeter(profile);
  const before = meter.tables.decode(23) as unknown as {
    nbrDemandResets: number;
    totDataBlock: { demands: { cumDemand: number; demand: number[] }[]; summations: number[] };
  };
  const ctx = meter.tables.context;
  meter.runProcedure(
    encodeProcInitiateTbl(
      standardProcedureInitiate(
        {
          type: 'remote-reset',
          actionFlag: { demandResetFlag: true, selfReadFlag: false, seasonChangeFlag: false, newSeason: 0 },
        },
        1,
        ctx,
      ),
      ctx,
    ),
  );
  const after = meter.tables.decode(23) as unknown as typeof before;
  const st25 = meter.tables.decode(25) as unknown as { registerData: typeof before; endDateTime: unknown };
  t.equal(after.nbrDemandResets, before.nbrDemandResets + 1);
  t.same(after.totDataBlock.demands[0]!.demand, [0]);
  t.equal(
    after.totDataBlock.demands[0]!.cumDemand,
    before.totDataBlock.demands[0]!.cumDemand + before.totDataBlock.demands[0]!.demand[0]!,
  );
  t.same(after.totDataBlock.summations, before.totDataBlock.summations, 'energy is not reset');
  t.same(st25.registerData.totDataBlock, before.totDataBlock, 'ST25 holds the data before the reset');
  t.match(st25.endDateTime, { year: 2026 });
  t.equal(meter.demandResets, 1);
  const bare = new AnsiMeter({ tables: {} });
  bare.demandReset();
  t.equal(bare.demandResets, 1, 'a meter without register tables only counts');
});

t.test('arbitrary requests never throw anything but MeterkitError', async (t) => {
  const meter = new AnsiMeter(profile);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.boolean(), (bytes, c1218) => {
      const s = meter.createSession(c1218 ? 'c1218' : 'c1222');
      s.handle({ type: 'identify' });
      s.handle({ type: 'logon', userId: 0, user: padAscii('', 10, 'u') });
      let req: C1222Request;
      try {
        req = decodeC1218Request(Uint8Array.of(0x40, 0x00, 0x07, 0x00, bytes.length, ...bytes, 0));
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        return true;
      }
      try {
        s.handle(req, { authenticated: true });
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.throws(() => padAscii('x'.repeat(11), 10, 'user'), { code: 600 });
});
