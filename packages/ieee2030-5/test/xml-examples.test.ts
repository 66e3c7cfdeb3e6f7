import { readFileSync } from 'node:fs';
import { isMeterkitError } from '@meterkit/core';
import t from 'tap';
import type { AnyDocumentResource } from '../src/model/generated/types.js';
import { decodeXml, encodeXml } from '../src/xml/codec.js';
import { assertValidXml, validateXml } from '../src/xml/validate.js';
import { SKIP_WITHOUT_SCHEMAS, schemaPathsFor } from './schema-paths.js';

interface XmlVector {
  readonly id: string;
  readonly source: string;
  readonly resource: string;
  readonly xml: string;
  readonly xsd_check: string;
}

const vectors = JSON.parse(
  readFileSync(new URL('./vectors/xml-examples.json', import.meta.url), 'utf8'),
) as XmlVector[];

/**
 * Deviations each schema-invalid (or 2013-schema) example must show when decoded leniently: the
 * kebab-case name and the element path, in document order.
 */
const EXPECTED_DEVIATIONS: Record<string, readonly string[]> = {
  'envoy-schema-23': ['element-order Subscription.Condition'],
  'ode-43': [
    'element-name-case EndDeviceList.EndDevice.LFDI',
    'value-invalid EndDeviceList.EndDevice.lFDI',
    'element-order EndDeviceList.EndDevice.DERListLink',
    'element-name-case EndDeviceList.EndDevice.LFDI',
    'element-order EndDeviceList.EndDevice.DERListLink',
    'element-name-case EndDeviceList.EndDevice.LFDI',
  ],
  'envoy-postman-61': [
    'element-order DERAvailability.maxChargeDuration',
    'element-order DERAvailability.statVarAvail.multiplier',
    'element-order DERAvailability.statWAvail.multiplier',
  ],
  // Valid against the 2013 schema (2.0.4), which lacked DERCapability.rtgMaxW (required in 2.1.0).
  // 2.0.4 named the ratings rtgA, rtgVA, rtgW...; 2.1.0 renamed them (rtgMaxA, rtgMaxVA, rtgMaxW...).
  'epri-25': [
    'unknown-element DERCapability.rtgA',
    'unknown-element DERCapability.rtgAh',
    'unknown-element DERCapability.rtgMinPF',
    'unknown-element DERCapability.rtgMinPFNeg',
    'unknown-element DERCapability.rtgVA',
    'unknown-element DERCapability.rtgW',
    'unknown-element DERCapability.rtgWh',
    'missing-required DERCapability.rtgMaxW',
  ],
};

function strip<T extends { deviations: unknown; raw: unknown; element: unknown }>(d: T): AnyDocumentResource {
  const { deviations: _d, raw: _r, element: _e, ...rest } = d;
  const { sepNamespace: _s, csipausNamespace: _c, ...doc } = rest as Record<string, unknown>;
  return doc as unknown as AnyDocumentResource;
}

t.test('every example decodes leniently with the expected deviations', async (t) => {
  t.equal(vectors.length, 33);
  for (const v of vectors) {
    const d = decodeXml(v.xml);
    t.equal(d.type, v.resource === 'ConnectionPoint' ? 'ConnectionPointType' : v.resource, `${v.id} type`);
    t.equal(d.raw, v.xml);
    const got = d.deviations.map((x) => `${x.name} ${x.path}`);
    t.strictSame(got, EXPECTED_DEVIATIONS[v.id] ?? [], `${v.id} deviations`);
    for (const x of d.deviations) {
      t.ok(x.offset >= 0 && x.offset < v.xml.length, `${v.id} deviation offset in range`);
      t.ok(x.code >= 200 && x.code < 300, `${v.id} deviation code is a decoding code`);
    }
  }
});

t.test('schema-invalid examples fail strict decoding with the first deviation', async (t) => {
  for (const v of vectors) {
    const expected = EXPECTED_DEVIATIONS[v.id];
    const lenient = decodeXml(v.xml);
    if (expected === undefined) {
      t.strictSame(decodeXml(v.xml, { strict: true }).resource, lenient.resource, `${v.id} strict = lenient`);
      continue;
    }
    const first = lenient.deviations[0];
    t.throws(
      () => decodeXml(v.xml, { strict: true }),
      { code: first?.code, path: first?.path },
      `${v.id} strict`,
    );
  }
});

t.test('namespaces seen are reported', async (t) => {
  const byId = new Map(vectors.map((v) => [v.id, decodeXml(v.xml)]));
  t.equal(byId.get('epri-27')?.sepNamespace, 'http://ieee.org/2030.5');
  t.equal(byId.get('ieee-annexc-01')?.sepNamespace, 'urn:ieee:std:2030.5:ns');
  t.equal(byId.get('ieee-annexc-01')?.csipausNamespace, undefined);
  t.equal(byId.get('ode-31')?.csipausNamespace, 'https://csipaus.org/ns');
  t.equal(byId.get('envoy-schema-21')?.csipausNamespace, 'https://csipaus.org/ns/v1.3');
  const cp = byId.get('envoy-postman-55');
  t.equal(cp?.element, 'ConnectionPoint');
  t.equal(cp?.sepNamespace, undefined);
});

t.test('decoded values are typed', async (t) => {
  const get = (id: string) => {
    const v = vectors.find((x) => x.id === id);
    if (v === undefined) throw new Error(id);
    return decodeXml(v.xml);
  };
  const dcap = get('sep2common-53');
  t.equal(dcap.type, 'DeviceCapability');
  if (dcap.type === 'DeviceCapability') {
    t.equal(dcap.resource.href, '/dcap');
    t.strictSame(dcap.resource.MessagingProgramListLink, { all: 2, href: '/msg' });
    t.strictSame(dcap.resource.SelfDeviceLink, { href: '/sdev' });
  }
  const ed = get('ode-35');
  if (ed.type === 'EndDevice') {
    t.equal(ed.resource.lFDI, 'b1857f74b5da25e82e78be34877221cb89d55f45');
    t.equal(ed.resource.sFDI, 476530583793);
    t.equal(ed.resource.changedTime, 1682464920n);
    t.equal(ed.resource.subscribable, 0);
  } else t.fail('EndDevice');
  const note = get('envoy-schema-21');
  if (note.type === 'Notification') {
    const r = note.resource.Resource;
    t.equal(r?.type, 'DERControlList');
    if (r?.type === 'DERControlList') {
      t.equal(r.resource.all, 1);
      const ctl = r.resource.DERControl?.[0];
      t.equal(ctl?.mRID, 'aabb');
      t.strictSame(ctl?.DERControlBase.opModExpLimW, { multiplier: 1, value: 200 });
      t.strictSame(ctl?.DERControlBase.opModStorageTargetW, { multiplier: 1, value: 500 });
      t.equal(ctl?.EventStatus.potentiallySuperseded, false);
    } else t.fail('DERControlList');
  } else t.fail('Notification');
  const ders = get('envoy-postman-63');
  if (ders.type === 'DERSettings') {
    t.equal(ders.resource.doeModesEnabled, '01');
    t.equal(ders.resource.modesEnabled, '0000');
  } else t.fail('DERSettings');
  const bad = get('ode-43');
  if (bad.type === 'EndDeviceList') {
    const eds = bad.resource.EndDevice ?? [];
    t.equal(eds.length, 3);
    t.equal(eds[0]?.lFDI, undefined, 'invalid hex dropped');
    t.equal(eds[1]?.lFDI, '12a4a4b406ad102e7421019135ffa2805235a21c', 'LFDI accepted case-insensitively');
    t.strictSame(eds[1]?.ConnectionPointLink, { href: '/edev/1/cp' });
    t.equal(eds[1]?.sFDI, 50044792964);
    t.equal(eds[1]?.enabled, true);
  } else t.fail('EndDeviceList');
});

t.test('re-encoding is stable: decode(encode(decode(x))) = decode(x)', async (t) => {
  for (const v of vectors) {
    const d = decodeXml(v.xml);
    if (v.id === 'epri-25') {
      t.throws(
        () => encodeXml(strip(d)),
        { code: 211, path: 'DERCapability.rtgMaxW' },
        'missing required field',
      );
      continue;
    }
    const x = encodeXml(
      strip(d),
      d.csipausNamespace === undefined ? {} : { csipausNamespace: d.csipausNamespace },
    );
    const again = decodeXml(x, { strict: true });
    t.strictSame(again.resource, d.resource, `${v.id} round trip`);
    t.equal(again.csipausNamespace, d.csipausNamespace, `${v.id} csipaus namespace kept`);
    t.equal(
      encodeXml(
        strip(again),
        d.csipausNamespace === undefined ? {} : { csipausNamespace: d.csipausNamespace },
      ),
      x,
    );
  }
});

t.test(
  'our encodings validate against sep.xsd / CSIP-AUS v1.3',
  { skip: SKIP_WITHOUT_SCHEMAS },
  async (t) => {
    const plain: { id: string; xml: string }[] = [];
    const csipaus: { id: string; xml: string }[] = [];
    for (const v of vectors) {
      if (v.id === 'epri-25') continue;
      const d = decodeXml(v.xml);
      const xml = encodeXml(strip(d), { xmlDeclaration: true });
      (xml.includes('csipaus.org') ? csipaus : plain).push({ id: v.id, xml });
    }
    t.ok(csipaus.length >= 5, 'CSIP-AUS documents present');
    for (const [docs, cs] of [
      [plain, false],
      [csipaus, true],
    ] as const) {
      const result = await validateXml(
        docs.map((d) => d.xml),
        { schemaPaths: schemaPathsFor(cs) },
      );
      t.strictSame(
        result.problems.map((p) => `${docs[p.document ?? 0]?.id}: ${p.message}`),
        [],
        cs ? 'CSIP-AUS' : 'sep.xsd',
      );
      t.ok(result.valid);
    }
    // The originals the research marked invalid really are invalid: the validator is not vacuous.
    const invalid = vectors.filter((v) => v.xsd_check.startsWith('INVALID') && !v.xml.includes('csipaus'));
    for (const v of invalid) {
      const r = await validateXml(v.xml, { schemaPaths: schemaPathsFor(false) });
      t.notOk(r.valid, `${v.id} original is invalid`);
      t.ok(r.problems.length > 0);
    }
  },
);

t.test('decode errors are MeterkitErrors', async (t) => {
  t.ok(
    isMeterkitError(
      (() => {
        try {
          decodeXml('<Nope xmlns="urn:ieee:std:2030.5:ns"/>');
        } catch (e) {
          return e;
        }
        return undefined;
      })(),
      264,
    ),
  );
});

t.test('validateXml arguments and assertValidXml', async (t) => {
  await t.rejects(validateXml('<a/>', { schemaPaths: [] }), { code: 600 });
  await t.rejects(validateXml('<a/>', { schemaPaths: ['/nonexistent/sep.xsd'] }), { code: 602 });
});

t.test('assertValidXml', { skip: SKIP_WITHOUT_SCHEMAS }, async (t) => {
  const good = vectors.find((v) => v.id === 'ieee-annexc-07');
  const bad = vectors.find((v) => v.id === 'envoy-postman-61');
  if (good === undefined || bad === undefined) throw new Error('vectors');
  await t.resolves(assertValidXml(good.xml, { schemaPaths: schemaPathsFor(false) }));
  await t.rejects(assertValidXml(bad.xml, { schemaPaths: schemaPathsFor(false) }), { code: 275 });
  await t.rejects(
    assertValidXml('<Time xmlns="urn:ieee:std:2030.5:ns"', { schemaPaths: schemaPathsFor(false) }),
    {
      code: 275,
    },
  );
});
