import { isMeterkitError, type MeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { DlmsErrorCode } from '../src/errors.js';
import {
  applyScaler,
  DLMS_UNITS,
  dlmsUnit,
  formatObis,
  formatScaled,
  isObis,
  isScalerUnitData,
  matchesObis,
  normalizeObis,
  obisName,
  parseObis,
  parseObisPattern,
  scalerUnitFromData,
  scalerUnitToData,
} from '../src/obis/index.js';

function thrown(fn: () => unknown): MeterkitError {
  try {
    fn();
  } catch (e) {
    if (isMeterkitError(e)) return e;
    throw e;
  }
  throw new Error('expected a MeterkitError');
}

t.test('OBIS text and octet forms', async (t) => {
  t.equal(toHex(parseObis('1-0:1.8.0.255')), '0100010800ff');
  t.equal(toHex(parseObis('1.0.1.8.0.255')), '0100010800ff');
  t.equal(toHex(parseObis(' 1-0:1.8.0*255 ')), '0100010800ff');
  t.equal(toHex(parseObis('1-0:1.8.0&101')), '0100010800' + '65');
  t.equal(normalizeObis(new Uint8Array([0, 0, 96, 1, 0, 255])), '0-0:96.1.0.255');
  t.equal(formatObis(new Uint8Array([9, 9, 0, 0, 1, 0, 0, 255, 9]), 2), '0-0:1.0.0.255');
  const src = new Uint8Array([1, 2, 3, 4, 5, 6]);
  const copy = parseObis(src);
  copy[0] = 9;
  t.equal(src[0], 1, 'parseObis copies octets');
  for (const bad of ['1-0:1.8.0', '1-0:1.8.0.256', 'a-b:c.d.e.f', '1.0.1.8.0', '', '1-0:1.8.0.255.1']) {
    t.equal(thrown(() => parseObis(bad)).code, DlmsErrorCode.ObisInvalid, bad);
    t.notOk(isObis(bad), bad);
  }
  t.equal(thrown(() => parseObis(new Uint8Array(5))).code, DlmsErrorCode.ObisInvalid);
  t.equal(thrown(() => formatObis(new Uint8Array(5))).code, DlmsErrorCode.ObisInvalid);
  t.ok(isObis('0.0.1.0.0.255'));
  t.ok(isObis(new Uint8Array(6)));
  t.notOk(isObis(new Uint8Array(7)));
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (b) => {
      const text = formatObis(b);
      const dotted = Array.from(b).join('.');
      return toHex(parseObis(text)) === toHex(b) && normalizeObis(dotted) === text;
    }),
    { numRuns: 300 },
  );
});

t.test('OBIS patterns', async (t) => {
  const energy = parseObisPattern('1-*:1-4.8.0-63.*');
  t.ok(matchesObis(energy, '1-0:1.8.0.255'));
  t.ok(matchesObis(energy, '1-1:4.8.63.0'));
  t.notOk(matchesObis(energy, '1-0:5.8.0.255'));
  t.notOk(matchesObis(energy, '1-0:1.7.0.255'));
  t.ok(matchesObis('0.0-64.96.1.0,2,5-7.255', '0-64:96.1.6.255'), 'dotted form with ranges and lists');
  t.notOk(matchesObis('0.0-64.96.1.0,2,5-7.255', '0-0:96.1.3.255'));
  t.ok(matchesObis('1-0:1.8.0.255', new Uint8Array([1, 0, 1, 8, 0, 255])));
  t.equal(energy.groups.length, 6);
  for (const bad of [
    '1:1.8.0.255',
    '1-0:1.8.0',
    '1-0:1.8.x.255',
    '1-0:1.8.5-3.255',
    '1-0:1.8.0.256',
    '*.*.*.*.*',
  ]) {
    t.equal(thrown(() => parseObisPattern(bad)).code, DlmsErrorCode.ObisPatternInvalid, bad);
  }
});

t.test('OBIS names', async (t) => {
  const cases: [string, string | undefined][] = [
    ['0-0:1.0.0.255', 'Clock'],
    ['0-0:42.0.0.255', 'COSEM logical device name'],
    ['0-0:40.0.0.255', 'Current association'],
    ['0-1:25.9.0.255', 'Push setup'],
    ['0-0:96.1.0.255', 'Device ID 1 (manufacturing number)'],
    ['1-0:99.1.0.255', 'Load profile 1'],
    ['1-0:1.8.0.255', 'Active energy+ (QI+QIV), time integral 1, total'],
    ['1-0:2.8.1.255', 'Active energy- (QII+QIII), time integral 1, tariff 1'],
    ['1-0:1.7.0.255', 'Active power+ (QI+QIV), instantaneous value'],
    ['1-0:32.7.0.255', 'L1 voltage, instantaneous value'],
    ['1-0:51.7.0.255', 'L2 current, instantaneous value'],
    ['1-0:71.7.0.255', 'L3 current, instantaneous value'],
    ['1-0:31.7.124.255', 'L1 current, instantaneous value, E=124'],
    ['1-0:1.6.0.101', 'Active power+ (QI+QIV), maximum 1, total, billing period 101'],
    ['1-0:91.7.0.255', 'Neutral current, instantaneous value'],
    ['1-0:14.7.0.255', 'Supply frequency, instantaneous value'],
    ['1-0:1.99.0.255', undefined],
    ['1-0:95.7.0.255', undefined],
    ['7-0:3.0.0.255', undefined],
  ];
  for (const [code, name] of cases) t.equal(obisName(code), name, code);
});

t.test('units and scaler_unit', async (t) => {
  t.equal(dlmsUnit(30)?.symbol, 'Wh');
  t.equal(dlmsUnit(27)?.name, 'watt');
  t.equal(dlmsUnit(35)?.quantity, 'voltage');
  t.equal(dlmsUnit(255)?.name, 'count');
  t.equal(dlmsUnit(58), undefined);
  for (let u = 1; u <= 57; u++) t.ok(dlmsUnit(u), `unit ${u}`);
  for (let u = 60; u <= 65; u++) t.ok(dlmsUnit(u), `unit ${u}`);
  t.ok(DLMS_UNITS.length >= 62);
  t.same(
    DLMS_UNITS.map((u) => u.value),
    [...DLMS_UNITS.map((u) => u.value)].sort((a, b) => a - b),
  );
  const su = scalerUnitFromData({
    type: 'structure',
    value: [
      { type: 'integer', value: -1 },
      { type: 'enum', value: 35 },
    ],
  });
  t.same(su, { scaler: -1, unit: 35 });
  t.same(scalerUnitFromData(scalerUnitToData(su)), su);
  t.ok(isScalerUnitData(scalerUnitToData(su)));
  t.notOk(isScalerUnitData({ type: 'structure', value: [] }));
  t.equal(
    thrown(() => scalerUnitFromData({ type: 'unsigned', value: 1 })).code,
    DlmsErrorCode.AttributeValueInvalid,
  );
  t.equal(applyScaler(2334, -1), 233.4);
  t.equal(applyScaler(5, 3), 5000);
  t.equal(applyScaler(7n, 0), 7);
  t.equal(applyScaler(123, 0), 123);
  t.equal(thrown(() => applyScaler(2n ** 60n, 0)).code, 206);
  t.equal(formatScaled(2334, su), '233.4 V');
  t.equal(formatScaled(12, { scaler: 0, unit: 255 }), '12');
  t.equal(formatScaled(12, { scaler: 0, unit: 200 }), '12');
});
