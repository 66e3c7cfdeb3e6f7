/**
 * Short names of attributes and methods (IEC 62056-6-2 §4.1.4): the first-method offsets of the
 * classes the simulator serves, each with where it comes from, and the table's placement rules.
 *
 * Sources: "BB" is the short-name column of the class table in IEC 62056-6-2 §4 (Blue Book);
 * "jDLMS" is OpenMUC jDLMS `SnInterfaceClassList` (first method id, short name); "Gurux" is
 * Gurux `GXDLMS.getActionInfo` (offset of method 1, number of methods). "none" marks classes
 * without methods, whose offset is the fallback (right after the last attribute).
 */
import { ErrorCode } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import type { DlmsData } from '../src/axdr/data.js';
import {
  ASSOCIATION_SN_BASE_NAME,
  attributeShortName,
  firstMethodOffset,
  methodShortName,
} from '../src/cosem/short-names.js';
import * as dlms from '../src/index.js';
import { type ServerObject, StoredObject } from '../src/server/cosem-object.js';
import { ShortNameTable, shortNameOf } from '../src/server/short-names.js';

interface Row {
  readonly classId: number;
  readonly version: number;
  readonly name: string;
  /** Number of attributes of that class version. */
  readonly attributes: number;
  /** Method ids of that class version (reserved ones left out). */
  readonly methods: readonly number[];
  /** Short name of method 1 relative to the base name. */
  readonly offset: number;
  readonly source: string;
}

const ROWS: readonly Row[] = [
  { classId: 1, version: 0, name: 'Data', attributes: 2, methods: [], offset: 0x10, source: 'none' },
  {
    classId: 3,
    version: 0,
    name: 'Register',
    attributes: 3,
    methods: [1],
    offset: 0x28,
    source: 'BB §4.3.2 reset x+0x28; jDLMS (1, 0x28); Gurux 0x28/1',
  },
  {
    classId: 4,
    version: 0,
    name: 'Extended register',
    attributes: 5,
    methods: [1],
    offset: 0x38,
    source: 'jDLMS (1, 0x38); Gurux 0x38/1',
  },
  {
    classId: 5,
    version: 0,
    name: 'Demand register',
    attributes: 9,
    methods: [1, 2],
    offset: 0x48,
    source: 'jDLMS (1, 0x48); Gurux 0x48/2',
  },
  {
    classId: 6,
    version: 0,
    name: 'Register activation',
    attributes: 4,
    methods: [1, 2, 3],
    offset: 0x30,
    source: 'jDLMS (1, 0x30); Gurux 0x30/3',
  },
  {
    classId: 7,
    version: 1,
    name: 'Profile generic',
    attributes: 8,
    methods: [1, 2],
    offset: 0x58,
    source: 'jDLMS v1 (1, 0x58); Gurux 0x58/4 (methods 3-4 reserved)',
  },
  {
    classId: 8,
    version: 0,
    name: 'Clock',
    attributes: 9,
    methods: [1, 2, 3, 4, 5, 6],
    offset: 0x60,
    source: 'jDLMS (1, 0x60); Gurux 0x60/6',
  },
  {
    classId: 9,
    version: 0,
    name: 'Script table',
    attributes: 2,
    methods: [1],
    offset: 0x20,
    source: 'jDLMS (1, 0x20); Gurux 0x20/1',
  },
  {
    classId: 10,
    version: 0,
    name: 'Schedule',
    attributes: 2,
    methods: [1, 2, 3],
    offset: 0x20,
    source: 'jDLMS (1, 0x20) only; Gurux lists no methods',
  },
  {
    classId: 11,
    version: 0,
    name: 'Special days table',
    attributes: 2,
    methods: [1, 2],
    offset: 0x10,
    source: 'jDLMS (1, 0x10); Gurux 0x10/2',
  },
  {
    classId: 12,
    version: 2,
    name: 'Association SN',
    attributes: 4,
    methods: [3, 4, 5, 6, 8],
    offset: 0x20,
    source: 'jDLMS v1-3 (3, 0x30); Gurux 0x20/8',
  },
  {
    classId: 12,
    version: 4,
    name: 'Association SN',
    attributes: 6,
    methods: [3, 4, 5, 6, 8, 9, 10],
    offset: 0x20,
    source: 'Gurux 0x20 (every version); methods 1-2 reserved, so attributes 5-6 sit in their slots',
  },
  {
    classId: 15,
    version: 3,
    name: 'Association LN',
    attributes: 11,
    methods: [1, 2, 3, 4, 5, 6],
    offset: 0x60,
    source: 'Gurux 0x60/4 only (jDLMS: LN class, none)',
  },
  {
    classId: 17,
    version: 0,
    name: 'SAP assignment',
    attributes: 2,
    methods: [1],
    offset: 0x20,
    source: 'jDLMS (1, 0x20); Gurux 0x20/1',
  },
  {
    classId: 18,
    version: 0,
    name: 'Image transfer',
    attributes: 7,
    methods: [1, 2, 3, 4],
    offset: 0x40,
    source: 'jDLMS (1, 0x40); Gurux 0x40/4',
  },
  {
    classId: 19,
    version: 1,
    name: 'IEC local port setup',
    attributes: 9,
    methods: [],
    offset: 0x48,
    source: 'none',
  },
  {
    classId: 20,
    version: 0,
    name: 'Activity calendar',
    attributes: 10,
    methods: [1],
    offset: 0x50,
    source: 'jDLMS (1, 0x50); Gurux 0x50/1',
  },
  {
    classId: 21,
    version: 0,
    name: 'Register monitor',
    attributes: 4,
    methods: [],
    offset: 0x20,
    source: 'none',
  },
  {
    classId: 22,
    version: 0,
    name: 'Single action schedule',
    attributes: 4,
    methods: [],
    offset: 0x20,
    source: 'none',
  },
  {
    classId: 23,
    version: 1,
    name: 'IEC HDLC setup',
    attributes: 9,
    methods: [],
    offset: 0x48,
    source: 'none',
  },
  {
    classId: 40,
    version: 0,
    name: 'Push setup',
    attributes: 7,
    methods: [1],
    offset: 0x38,
    source: 'jDLMS v0 (1, 0x38); Gurux 0x38/1',
  },
  {
    classId: 40,
    version: 1,
    name: 'Push setup',
    attributes: 7,
    methods: [1],
    offset: 0x38,
    source: 'Gurux 0x38/1 (same 7 attributes as version 0)',
  },
  {
    classId: 41,
    version: 0,
    name: 'TCP-UDP setup',
    attributes: 6,
    methods: [],
    offset: 0x30,
    source: 'none',
  },
  {
    classId: 42,
    version: 0,
    name: 'IPv4 setup',
    attributes: 10,
    methods: [1, 2, 3],
    offset: 0x60,
    source: 'jDLMS (1, 0x60); Gurux 0x60/3',
  },
  {
    classId: 61,
    version: 0,
    name: 'Register table',
    attributes: 4,
    methods: [1, 2],
    offset: 0x28,
    source: 'jDLMS (1, 0x28); Gurux 0x28/2',
  },
  {
    classId: 64,
    version: 0,
    name: 'Security setup',
    attributes: 5,
    methods: [1, 2],
    offset: 0x28,
    source: 'jDLMS v0 (1, 0x28)',
  },
  {
    classId: 64,
    version: 1,
    name: 'Security setup',
    attributes: 6,
    methods: [1, 2, 3, 4, 5, 6, 7, 8],
    offset: 0x30,
    source: 'Gurux 0x30/8 (certificates takes x+0x28)',
  },
  {
    classId: 70,
    version: 0,
    name: 'Disconnect control',
    attributes: 4,
    methods: [1, 2],
    offset: 0x20,
    source: 'jDLMS (1, 0x20); Gurux 0x20/2',
  },
  { classId: 71, version: 0, name: 'Limiter', attributes: 11, methods: [], offset: 0x58, source: 'none' },
];

const NULL: DlmsData = { type: 'null-data', value: null };

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

function objectOf(
  row: Pick<Row, 'classId' | 'version' | 'attributes' | 'methods'>,
  logicalName = '0-0:96.1.0.255',
): StoredObject {
  return new StoredObject({
    classId: row.classId,
    version: row.version,
    logicalName,
    attributes: new Map(range(row.attributes).map((id) => [id, NULL] as const)),
    methods: new Map(row.methods.map((id) => [id, null] as const)),
  });
}

/** The current association every resolve needs (Association SN version 2, method 8 only). */
const ASSOCIATION = objectOf({ classId: 12, version: 2, attributes: 2, methods: [8] }, '0-0:40.0.0.255');

t.test('first-method offsets of the served classes, by class version', async (t) => {
  for (const row of ROWS) {
    t.equal(
      firstMethodOffset(row.classId, range(row.attributes), row.version),
      row.offset,
      `${row.name} v${row.version}: method 1 at x + 0x${row.offset.toString(16)} (${row.source})`,
    );
  }
});

t.test('the cosem short-name functions agree with the server table and are exported', async (t) => {
  const base = 0x3000;
  for (const row of ROWS) {
    const o = objectOf(row);
    for (const attributeId of range(row.attributes))
      t.equal(attributeShortName(base, attributeId), shortNameOf(base, o, { attributeId }));
    for (const methodId of row.methods)
      t.equal(
        methodShortName(base, row.classId, methodId, range(row.attributes), row.version),
        shortNameOf(base, o, { methodId }),
        `${row.name} v${row.version} method ${methodId}`,
      );
  }
  // the default version is the one meterkit describes the class in: Register reset at x + 0x28
  t.equal(methodShortName(0x100, 3, 1), 0x128);
  t.equal(dlms.firstMethodOffset, firstMethodOffset, 'firstMethodOffset re-exported by the package');
  t.equal(dlms.ASSOCIATION_SN_BASE_NAME, ASSOCIATION_SN_BASE_NAME);
  t.equal(dlms.ShortNameTable, ShortNameTable, 'ShortNameTable still exported');
});

t.test('every attribute and method resolves back from its short name', async (t) => {
  const base = 0x2000;
  for (const row of ROWS) {
    const o = objectOf(row);
    const table = new ShortNameTable();
    table.assign(o, base);
    const seen = new Set<number>();
    for (const attributeId of range(row.attributes)) {
      const sn = shortNameOf(base, o, { attributeId });
      t.equal(sn, base + 8 * (attributeId - 1));
      t.same(table.resolve(sn, ASSOCIATION), { kind: 'attribute', object: o, attributeId });
      seen.add(sn);
    }
    for (const methodId of row.methods) {
      const sn = shortNameOf(base, o, { methodId });
      t.equal(sn, base + row.offset + 8 * (methodId - 1), `${row.name} method ${methodId}`);
      t.same(table.resolve(sn, ASSOCIATION), { kind: 'method', object: o, methodId });
      seen.add(sn);
    }
    t.equal(seen.size, row.attributes + row.methods.length, `${row.name} v${row.version}: no slot twice`);
  }
});

t.test('short names the standard spells out for single methods', async (t) => {
  const at = (classId: number, version: number, attributes: number, methodId: number): number => {
    const row = { classId, version, attributes, methods: [methodId] };
    return shortNameOf(0x1000, objectOf(row), { methodId }) - 0x1000;
  };
  t.equal(at(3, 0, 3, 1), 0x28, 'Register reset');
  t.equal(at(5, 0, 9, 2), 0x50, 'Demand register next_period');
  t.equal(at(7, 1, 8, 2), 0x60, 'Profile generic capture');
  t.equal(at(8, 0, 9, 6), 0x88, 'Clock shift_time');
  t.equal(at(12, 2, 4, 3), 0x30, 'Association SN read_by_logicalname');
  t.equal(at(12, 2, 4, 8), 0x58, 'Association SN reply_to_HLS_authentication');
  t.equal(at(15, 3, 11, 1), 0x60, 'Association LN reply_to_HLS_authentication');
  t.equal(at(18, 0, 7, 4), 0x58, 'Image transfer image_activate');
  t.equal(at(42, 0, 10, 3), 0x70, 'IPv4 setup get_nbof_mc_IP_addresses');
  t.equal(at(64, 1, 6, 8), 0x68, 'Security setup v1 remove_certificate');
  t.equal(at(70, 0, 4, 2), 0x28, 'Disconnect control remote_reconnect');
  const table = new ShortNameTable();
  const current = objectOf({ classId: 12, version: 2, attributes: 2, methods: [8] });
  t.same(table.resolve(ASSOCIATION_SN_BASE_NAME + 0x58, current), {
    kind: 'method',
    object: current,
    methodId: 8,
  });
  t.same(table.resolve(ASSOCIATION_SN_BASE_NAME + 0x08, current), {
    kind: 'attribute',
    object: current,
    attributeId: 2,
  });
  t.equal(table.resolve(ASSOCIATION_SN_BASE_NAME + 0x20, current), undefined, 'reserved method 1');
});

t.test('Association SN v4: user_list and current_user share the slots of reserved methods 1-2', async (t) => {
  const o = objectOf({ classId: 12, version: 4, attributes: 6, methods: [3, 4, 5, 6, 8, 9, 10] });
  const table = new ShortNameTable();
  table.assign(o, 0x800);
  const r = (offset: number) => table.resolve(0x800 + offset, ASSOCIATION);
  t.match(r(0x20), { kind: 'attribute', attributeId: 5 });
  t.match(r(0x28), { kind: 'attribute', attributeId: 6 });
  t.match(r(0x30), { kind: 'method', methodId: 3 });
  t.match(r(0x58), { kind: 'method', methodId: 8 });
  t.match(r(0x60), { kind: 'method', methodId: 9 });
  t.match(r(0x68), { kind: 'method', methodId: 10 });
  t.equal(r(0x50), undefined, 'method 7 is reserved');
  t.equal(r(0x70), undefined, 'past the last method');
  t.equal(r(0x24), undefined, 'not on an 8-byte slot');
});

t.test('versions and classes without a published offset: methods follow the last attribute', async (t) => {
  t.equal(firstMethodOffset(40, range(13), 2), 0x68, 'Push setup v2 (13 attributes)');
  t.equal(firstMethodOffset(64, range(6), 2), 0x30, 'Security setup v2 (6 attributes)');
  t.equal(firstMethodOffset(9999, [1, 2, 5]), 0x28, 'unknown class: after its highest served attribute');
  t.equal(firstMethodOffset(1, [1, 2, 3]), 0x18, 'a served attribute past the class definition');
  t.equal(firstMethodOffset(64, range(6)), 0x30, 'default version: the one meterkit describes (1)');
  t.equal(firstMethodOffset(12, range(6)), 0x20, 'default version of Association SN (4)');
});

t.test('base names keep every short name of an object clear of the others', async (t) => {
  const clock = objectOf({ classId: 8, version: 0, attributes: 9, methods: range(6) }, '0-0:1.0.0.255');
  const data = objectOf({ classId: 1, version: 0, attributes: 2, methods: [] }, '0-0:96.1.0.255');
  const register = objectOf({ classId: 3, version: 0, attributes: 3, methods: [1] }, '1-0:1.8.0.255');

  const table = new ShortNameTable();
  table.assign(clock, 0x1000);
  t.throws(() => table.assign(data, 0x1080), { code: ErrorCode.ValueInvalid }, 'inside the clock methods');
  t.throws(() => table.assign(register, 0x0fe0), { code: ErrorCode.ValueInvalid }, 'reaches into the clock');
  t.doesNotThrow(() => table.assign(data, 0x1090), 'right after shift_time (x + 0x88)');
  t.doesNotThrow(() => table.assign(register, 0x0fd0), 'register reset at 0x0ff8, clear of 0x1000');
  t.throws(
    () => new ShortNameTable().assign(clock, 0xf978),
    { code: ErrorCode.ValueInvalid },
    'reaches 0xFA00',
  );
  t.doesNotThrow(() => new ShortNameTable().assign(clock, 0xf970), 'shift_time at 0xF9F8');

  // automatic base names skip the slots an explicit object's short names occupy
  const auto = new ShortNameTable();
  const energy = objectOf({ classId: 5, version: 0, attributes: 9, methods: [1, 2] }, '1-0:1.4.0.255');
  auto.assign(clock, 0x140);
  auto.assign(energy);
  auto.assign(data);
  t.equal(auto.baseNameOf(energy), 0x200, 'next_period at 0x100 + 0x50 would pass 0x140');
  t.equal(auto.baseNameOf(data), 0x300);
  t.equal(auto.baseNameOf(clock), 0x140);
  t.same(auto.resolve(0x140 + 0x88, ASSOCIATION), { kind: 'method', object: clock, methodId: 6 });
  t.equal(auto.resolve(0x0f8, ASSOCIATION), undefined, 'below every base name');
});

t.test('property: any short name resolves to a target whose short name it is', async (t) => {
  const withMethods = ROWS.filter((r) => r.methods.length > 0);
  fc.assert(
    fc.property(
      fc.constantFrom(...ROWS),
      fc.integer({ min: 1, max: 0x1f00 }),
      fc.integer({ min: 0, max: 0x1ff }),
      (row, slot, probe) => {
        const base = slot * 8;
        const o: ServerObject = objectOf(row);
        const table = new ShortNameTable();
        table.assign(o, base);
        const target = table.resolve(base + probe, ASSOCIATION);
        if (target === undefined) return true;
        const back =
          target.kind === 'attribute'
            ? shortNameOf(base, o, { attributeId: target.attributeId })
            : shortNameOf(base, o, { methodId: target.methodId });
        return target.object === o && back === base + probe;
      },
    ),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.constantFrom(...withMethods), fc.nat(), (row, pick) => {
      const methodId = row.methods[pick % row.methods.length]!;
      const o = objectOf(row);
      const table = new ShortNameTable();
      table.assign(o);
      const base = table.baseNameOf(o)!;
      const hit = table.resolve(shortNameOf(base, o, { methodId }), ASSOCIATION);
      return hit?.kind === 'method' && hit.methodId === methodId;
    }),
    { numRuns: 200 },
  );
  t.pass('round trips hold');
});
