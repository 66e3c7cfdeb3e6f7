import t from 'tap';
import { buildModel } from '../scripts/generate-model.js';
import { COMPLEX_TYPES } from '../src/model/generated/complex-types.js';
import { ELEMENTS } from '../src/model/generated/elements.js';
import { ENUMERATIONS } from '../src/model/generated/enumerations.js';
import { SCHEMA_COUNTS, SCHEMA_VERSION } from '../src/model/generated/schema-info.js';
import { SIMPLE_TYPES } from '../src/model/generated/simple-types.js';
import {
  complexType,
  complexTypeNames,
  elementForType,
  enumerationName,
  fieldOf,
  globalElement,
  globalElementIgnoringCase,
  isDerivedFrom,
  namespaceFamily,
  simpleType,
} from '../src/model/lookup.js';
import { CSIPAUS_CORE_XSD, CSIPAUS_EXT_XSD, SEP_XSD, SKIP_WITHOUT_SCHEMAS } from './schema-paths.js';

t.test('the model covers every sep.xsd complex type and global element', async (t) => {
  t.equal(SCHEMA_VERSION, '2.1.0');
  t.equal(SCHEMA_COUNTS.sepComplexTypes, 324);
  t.equal(SCHEMA_COUNTS.sepElements, 324);
  t.equal(Object.keys(COMPLEX_TYPES).length, SCHEMA_COUNTS.complexTypes);
  t.equal(ELEMENTS.length, SCHEMA_COUNTS.elements);
  t.equal(complexTypeNames().length, SCHEMA_COUNTS.complexTypes);
  t.equal(Object.keys(SIMPLE_TYPES).length, 25);
  for (const c of Object.values(COMPLEX_TYPES)) {
    if (c.base !== undefined) t.ok(complexType(c.base), `${c.name} base ${c.base} exists`);
    for (const f of c.fields) {
      if (f.value === 'complex') t.ok(complexType(f.type), `${c.name}.${f.name} type exists`);
      if (f.enumeration !== undefined)
        t.ok(ENUMERATIONS[f.enumeration], `${c.name}.${f.name} enumeration exists`);
    }
  }
});

// Base type first; within each type, attributes and elements keep their declaration order.
t.test('inheritance is flattened in schema sequence order', async (t) => {
  const names = (type: string) =>
    complexType(type)?.fields.map((f) => `${f.kind === 'attribute' ? '@' : ''}${f.name}`);
  t.strictSame(names('DERControl')?.slice(0, 12), [
    '@href',
    '@replyTo',
    '@responseRequired',
    'mRID',
    'description',
    'version',
    '@subscribable',
    'creationTime',
    'EventStatus',
    'interval',
    'randomizeDuration',
    'randomizeStart',
  ]);
  t.strictSame(names('DERControl')?.slice(12), ['DERControlBase', 'deviceCategory']);
  t.strictSame(names('EndDeviceList'), [
    '@href',
    '@subscribable',
    '@all',
    '@results',
    'EndDevice',
    '@pollRate',
  ]);
  const base = complexType('DERControlBase')?.fields ?? [];
  t.strictSame(
    base.filter((f) => f.ns === 1).map((f) => f.name),
    ['opModImpLimW', 'opModExpLimW', 'opModGenLimW', 'opModLoadLimW', 'opModStorageTargetW'],
    'CSIP-AUS extensions appended after the 2030.5 fields',
  );
  t.equal(base.at(-6)?.ns, 0);
  const cap = fieldOf('DERCapability', 'doeModesSupported');
  t.equal(cap?.minOccurs, 0);
  t.equal(cap?.csipausMinOccurs, 1);
  t.equal(fieldOf('EndDevice', 'ConnectionPointLink')?.type, 'Link');
  t.equal(fieldOf('EndDevice', 'ConnectionPointLink')?.ns, 1);
  t.equal(fieldOf('TimeTariffInterval', 'RateComponentLink')?.ns, 0);
});

t.test('primitive subtypes and value kinds', async (t) => {
  t.strictSame(simpleType('HexBinary160'), {
    name: 'HexBinary160',
    base: 'xs:hexBinary',
    value: 'hex',
    maxLength: 20,
  });
  t.equal(simpleType('UInt48')?.value, 'u48');
  t.equal(simpleType('UInt40')?.value, 'u40');
  t.equal(simpleType('Int48')?.minInclusive, '-140737488355328');
  t.equal(simpleType('String32')?.maxLength, 32);
  t.equal(simpleType('Nope'), undefined);
  t.equal(complexType('TimeType')?.simpleContent, 'i64');
  t.equal(complexType('mRIDType')?.simpleContent, 'hex');
  t.equal(complexType('mRIDType')?.maxLength, 16);
  t.equal(complexType('VersionType')?.simpleContent, 'u16');
  t.equal(complexType('SFDIType')?.simpleContent, 'u40');
  t.equal(complexType('Nope'), undefined);
  t.equal(complexType('toString'), undefined, 'no prototype lookups');
  const subscribable = fieldOf('EndDevice', 'subscribable');
  t.equal(subscribable?.default, '0');
  t.equal(subscribable?.kind, 'attribute');
  t.equal(fieldOf('EndDeviceList', 'all')?.minOccurs, 1);
  t.equal(fieldOf('EndDeviceList', 'EndDevice')?.maxOccurs, Number.POSITIVE_INFINITY);
});

t.test('enumerations carry their documented meanings', async (t) => {
  const status = fieldOf('EventStatus', 'currentStatus');
  if (status === undefined) throw new Error('currentStatus');
  t.equal(enumerationName(status, 0), 'Scheduled');
  t.equal(enumerationName(status, 4), 'Superseded');
  t.equal(enumerationName(status, 99), undefined);
  const uom = fieldOf('ReadingType', 'uom');
  if (uom === undefined) throw new Error('uom');
  t.match(enumerationName(uom, 38) ?? '', /W/);
  t.equal(ENUMERATIONS['UomType']?.kind, 'values');
  t.equal(ENUMERATIONS['DERControlType']?.kind, 'bits');
  const href = fieldOf('EndDevice', 'href');
  if (href === undefined) throw new Error('href');
  t.equal(enumerationName(href, 0), undefined);
});

t.test('element and namespace lookups', async (t) => {
  t.equal(namespaceFamily('urn:ieee:std:2030.5:ns'), 0);
  t.equal(namespaceFamily('http://ieee.org/2030.5'), 0);
  t.equal(namespaceFamily('https://csipaus.org/ns'), 1);
  t.equal(namespaceFamily('https://csipaus.org/ns/v1.3'), 1);
  t.equal(namespaceFamily('urn:other'), undefined);
  t.equal(globalElement(1, 'ConnectionPoint')?.type, 'ConnectionPointType');
  t.equal(globalElement(0, 'ConnectionPoint'), undefined);
  t.equal(globalElementIgnoringCase(0, 'enddevice')?.name, 'EndDevice');
  t.equal(elementForType('ConnectionPointType')?.name, 'ConnectionPoint');
  t.equal(elementForType('DERControl')?.name, 'DERControl');
  t.equal(elementForType('DOEControlType')?.name, 'doeModesSupported');
  t.ok(isDerivedFrom('DERControl', 'Resource'));
  t.ok(isDerivedFrom('DERControl', 'RandomizableEvent'));
  t.notOk(isDerivedFrom('Resource', 'DERControl'));
  t.notOk(isDerivedFrom('Nope', 'Resource'));
});

t.test(
  'the committed model is what the generator derives from the schemas',
  { skip: SKIP_WITHOUT_SCHEMAS },
  async (t) => {
    const model = buildModel([SEP_XSD, CSIPAUS_EXT_XSD, CSIPAUS_CORE_XSD]);
    t.equal(model.schemaVersion, SCHEMA_VERSION);
    t.strictSame(
      Object.fromEntries(model.complexTypes.map((c) => [c.name, c])),
      COMPLEX_TYPES,
      'complex types identical',
    );
    t.strictSame(Object.fromEntries(model.simpleTypes.map((s) => [s.name, s])), SIMPLE_TYPES);
    t.strictSame(model.elements, ELEMENTS);
    t.strictSame(Object.fromEntries(model.enumerations), ENUMERATIONS);
    t.ok(model.csipausUris.has('https://csipaus.org/ns/v1.3'));
    const sepOnly = buildModel([SEP_XSD]);
    t.equal(sepOnly.complexTypes.length, 324);
    t.equal(sepOnly.elements.length, 324);
    t.notOk(sepOnly.complexTypes.find((c) => c.name === 'DERControlBase')?.fields.some((f) => f.ns === 1));
  },
);
