import { toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { type DlmsData, decodeData, encodeData } from '../src/axdr/data.js';
import {
  attributeId,
  attributeName,
  captureObjectsFromData,
  captureObjectsToData,
  columnLabel,
  decodeProfileBuffer,
  entryDescriptorFromData,
  entryDescriptorToData,
  INTERFACE_CLASSES,
  interfaceClass,
  methodName,
  type ObjectListElement,
  objectListFromData,
  objectListToData,
  rangeDescriptorFromData,
  rangeDescriptorToData,
  shortNameObjectListFromData,
  shortNameObjectListToData,
} from '../src/cosem/index.js';
import { DlmsErrorCode } from '../src/errors.js';
import { applyScaler } from '../src/obis/units.js';

t.test('the interface classes the issue lists are all described', (t) => {
  const required = [
    1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 17, 18, 19, 20, 21, 22, 23, 40, 41, 42, 64, 70, 71,
  ];
  for (const id of required) {
    const c = interfaceClass(id);
    t.ok(c, `class ${id}`);
    t.equal(c?.attributes[0]?.name, 'logical_name', `class ${id} attribute 1 is logical_name`);
    const ids = c?.attributes.map((a) => a.id) ?? [];
    t.same(
      ids,
      ids.map((_, i) => i + 1),
      `class ${id} attributes are numbered 1..n`,
    );
  }
  t.equal(INTERFACE_CLASSES.size, required.length);
  t.equal(attributeName(3, 3), 'scaler_unit');
  t.equal(attributeName(7, 2), 'buffer');
  t.equal(attributeName(999, 2), 'attribute-2');
  t.equal(methodName(15, 1), 'reply_to_HLS_authentication');
  t.equal(methodName(12, 8), 'reply_to_HLS_authentication');
  t.equal(methodName(70, 3), 'method-3');
  t.equal(attributeId(8, 'time_zone'), 3);
  t.equal(attributeId(64, 'security_suite'), 3);
  t.end();
});

const objectList: ObjectListElement[] = [
  {
    classId: 8,
    version: 0,
    logicalName: '0-0:1.0.0.255',
    className: 'Clock',
    attributes: [
      { id: 1, access: 'read-only', selectors: undefined },
      { id: 2, access: 'read-and-write', selectors: undefined },
    ],
    methods: [{ id: 6, access: 'authenticated-access' }],
  },
  {
    classId: 7,
    version: 1,
    logicalName: '1-0:99.1.0.255',
    className: 'Profile generic',
    attributes: [{ id: 2, access: 'read-only', selectors: [1, 2] }],
    methods: [],
  },
];

t.test('Association LN object_list: A-XDR both ways', (t) => {
  const data = objectListToData(objectList);
  const bytes = encodeData(data);
  t.equal(
    toHex(bytes.subarray(0, 11)),
    '0102020412000811000906',
    'array of 2, structure of 4, class 8, version 0, LN',
  );
  t.same(objectListFromData(decodeData(bytes)), objectList);
  t.end();
});

t.test('version 0 method access as boolean, unknown access modes kept as numbers', (t) => {
  const data: DlmsData = {
    type: 'array',
    value: [
      {
        type: 'structure',
        value: [
          { type: 'long-unsigned', value: 3 },
          { type: 'unsigned', value: 0 },
          { type: 'octet-string', value: Uint8Array.of(1, 0, 1, 8, 0, 255) },
          {
            type: 'structure',
            value: [
              {
                type: 'array',
                value: [
                  {
                    type: 'structure',
                    value: [
                      { type: 'integer', value: 2 },
                      { type: 'enum', value: 9 },
                      { type: 'null-data', value: null },
                    ],
                  },
                ],
              },
              {
                type: 'array',
                value: [
                  {
                    type: 'structure',
                    value: [
                      { type: 'integer', value: 1 },
                      { type: 'boolean', value: true },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  const [o] = objectListFromData(data);
  t.equal(o?.className, 'Register');
  t.equal(o?.logicalName, '1-0:1.8.0.255');
  t.same(o?.attributes, [{ id: 2, access: 9, selectors: undefined }]);
  t.same(o?.methods, [{ id: 1, access: 'access' }]);
  t.end();
});

t.test('wrong shapes raise AttributeValueInvalid with the path', (t) => {
  t.throws(() => objectListFromData({ type: 'structure', value: [] }), {
    code: DlmsErrorCode.AttributeValueInvalid,
    path: 'object_list',
  });
  t.throws(
    () =>
      objectListFromData({
        type: 'array',
        value: [{ type: 'structure', value: [{ type: 'null-data', value: null }] }],
      }),
    { code: DlmsErrorCode.AttributeValueInvalid, path: 'object_list[0]' },
  );
  t.throws(() => captureObjectsFromData({ type: 'array', value: [{ type: 'boolean', value: true }] }), {
    code: DlmsErrorCode.AttributeValueInvalid,
    path: 'capture_objects[0]',
  });
  t.end();
});

t.test('Association SN object_list keeps base names unsigned', (t) => {
  const list = [
    { baseName: 0xfa00, classId: 12, version: 4, logicalName: '0-0:40.0.0.255', className: 'Association SN' },
  ];
  const data = shortNameObjectListToData(list);
  t.same(shortNameObjectListFromData(decodeData(encodeData(data))), list);
  t.end();
});

const columns = [
  { classId: 8, logicalName: '0-0:1.0.0.255', attributeIndex: 2, dataIndex: 0 },
  { classId: 1, logicalName: '0-0:96.10.1.255', attributeIndex: 2, dataIndex: 0 },
  { classId: 3, logicalName: '1-0:1.8.0.255', attributeIndex: 2, dataIndex: 0 },
  { classId: 3, logicalName: '1-0:2.8.0.255', attributeIndex: 2, dataIndex: 0 },
];

t.test('profile buffer decoded against capture objects, scaled, with times', (t) => {
  t.same(captureObjectsFromData(decodeData(encodeData(captureObjectsToData(columns)))), columns);
  const clock = Uint8Array.of(0x07, 0xe8, 0x0b, 0x17, 0x06, 0x0c, 0x00, 0x00, 0x00, 0xff, 0xc4, 0x00); // 2024-11-23 12:00:00, deviation -60
  const buffer: DlmsData = {
    type: 'array',
    value: [
      {
        type: 'structure',
        value: [
          { type: 'octet-string', value: clock },
          { type: 'unsigned', value: 0 },
          { type: 'double-long-unsigned', value: 123456 },
          { type: 'double-long-unsigned', value: 7 },
        ],
      },
    ],
  };
  const rows = decodeProfileBuffer(
    decodeData(encodeData(buffer)),
    columns,
    new Map([['1-0:1.8.0.255', { scaler: -1, unit: 30 }]]),
  );
  t.equal(rows.length, 1);
  const [time, status, imp, exp] = rows[0]!.cells;
  t.equal(time?.time, '2024-11-23T12:00:00.00+01:00');
  t.equal(status?.scaled, undefined);
  t.equal(imp?.scaled, 12345.6);
  t.equal(imp?.unit, 'Wh');
  t.equal(exp?.scaled, undefined, 'no scaler known for 2.8.0');
  t.match(columnLabel(columns[2]!), /^1-0:1\.8\.0\.255 .* value$/);
  t.throws(() => decodeProfileBuffer({ type: 'array', value: [{ type: 'structure', value: [] }] }, columns), {
    code: DlmsErrorCode.AttributeValueInvalid,
    path: 'buffer[0]',
  });
  t.equal(applyScaler(1234, -1), 123.4);
  t.equal(applyScaler(12, 3), 12000);
  t.equal(applyScaler(1, -3), 0.001);
  t.end();
});

t.test('selective access descriptors round-trip', (t) => {
  const range = {
    restrictingObject: columns[0]!,
    from: { type: 'octet-string', value: new Uint8Array(12).fill(0xff) } as DlmsData,
    to: { type: 'octet-string', value: new Uint8Array(12).fill(0xff) } as DlmsData,
    selectedValues: [],
  };
  t.same(rangeDescriptorFromData(decodeData(encodeData(rangeDescriptorToData(range)))), range);
  const entry = { fromEntry: 1, toEntry: 10, fromSelectedValue: 1, toSelectedValue: 0 };
  t.same(entryDescriptorFromData(decodeData(encodeData(entryDescriptorToData(entry)))), entry);
  t.end();
});

t.test('property: object lists round-trip through A-XDR', (t) => {
  const obis = fc
    .tuple(...Array.from({ length: 6 }, () => fc.integer({ min: 0, max: 255 })))
    .map(([a, b, c, d, e, f]) => `${a}-${b}:${c}.${d}.${e}.${f}`);
  const element = fc.record({
    classId: fc.constantFrom(1, 3, 7, 8, 15, 64, 4000),
    version: fc.integer({ min: 0, max: 255 }),
    logicalName: obis,
    attributes: fc.array(
      fc.record({
        id: fc.integer({ min: 1, max: 20 }),
        access: fc.constantFrom(
          'no-access' as const,
          'read-only' as const,
          'read-and-write' as const,
          'authenticated-read-only' as const,
        ),
        selectors: fc.option(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }), { nil: undefined }),
      }),
      { maxLength: 5 },
    ),
    methods: fc.array(
      fc.record({
        id: fc.integer({ min: 1, max: 10 }),
        access: fc.constantFrom('no-access' as const, 'access' as const),
      }),
      {
        maxLength: 3,
      },
    ),
  });
  fc.assert(
    fc.property(fc.array(element, { maxLength: 6 }), (list) => {
      const back = objectListFromData(decodeData(encodeData(objectListToData(list))));
      const expected = list.map((o) => ({ ...o, className: interfaceClass(o.classId)?.name }));
      t.same(back, expected);
      return true;
    }),
    { numRuns: 150 },
  );
  t.end();
});
