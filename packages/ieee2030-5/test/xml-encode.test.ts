import t from 'tap';
import type { AnyDocumentResource, DERControl, TypedResource } from '../src/model/generated/types.js';
import { CSIPAUS_NAMESPACE_V12, SEP_NAMESPACE_2013 } from '../src/model/lookup.js';
import { decodeXml, encodeXml } from '../src/xml/codec.js';
import { escapeAttribute, escapeText, formatValue, parseValue } from '../src/xml/values.js';

const control: TypedResource<'DERControl'> = {
  type: 'DERControl',
  resource: {
    href: '/derp/1/derc/2',
    replyTo: '/rsps/1/rsp',
    responseRequired: '03',
    mRID: 'a0000000000000000000000100000000',
    description: 'Export <limit> & "ramp"',
    creationTime: 1700000000n,
    EventStatus: { currentStatus: 1, dateTime: 1700000000n, potentiallySuperseded: false },
    interval: { duration: 300, start: 1700000300n },
    DERControlBase: {
      opModConnect: true,
      opModExpLimW: { multiplier: 0, value: 5000 },
      opModMaxLimW: 80,
    } satisfies DERControl['DERControlBase'],
  },
};

t.test('schema order, namespaces and escaping', async (t) => {
  const xml = encodeXml(control, { xmlDeclaration: true });
  t.equal(
    xml,
    '<?xml version="1.0" encoding="UTF-8"?><DERControl xmlns="urn:ieee:std:2030.5:ns" xmlns:csipaus="https://csipaus.org/ns/v1.3" href="/derp/1/derc/2" replyTo="/rsps/1/rsp" responseRequired="03">' +
      '<mRID>A0000000000000000000000100000000</mRID><description>Export &lt;limit&gt; &amp; "ramp"</description><creationTime>1700000000</creationTime>' +
      '<EventStatus><currentStatus>1</currentStatus><dateTime>1700000000</dateTime><potentiallySuperseded>false</potentiallySuperseded></EventStatus>' +
      '<interval><duration>300</duration><start>1700000300</start></interval>' +
      '<DERControlBase><opModConnect>true</opModConnect><opModMaxLimW>80</opModMaxLimW><csipaus:opModExpLimW><multiplier>0</multiplier><value>5000</value></csipaus:opModExpLimW></DERControlBase></DERControl>',
  );
  const back = decodeXml(xml, { strict: true });
  t.strictSame(back.resource, control.resource);
  t.equal(back.csipausNamespace, 'https://csipaus.org/ns/v1.3');
  const v12 = encodeXml(control, {
    csipausNamespace: CSIPAUS_NAMESPACE_V12,
    sepNamespace: SEP_NAMESPACE_2013,
  });
  t.match(v12, /^<DERControl xmlns="http:\/\/ieee.org\/2030.5" xmlns:csipaus="https:\/\/csipaus.org\/ns" /);
  const back12 = decodeXml(v12, { strict: true });
  t.equal(back12.sepNamespace, SEP_NAMESPACE_2013);
  t.equal(back12.csipausNamespace, CSIPAUS_NAMESPACE_V12);
});

t.test('CSIP-AUS roots, xsi:type and simple roots', async (t) => {
  const cp = encodeXml({ type: 'ConnectionPointType', resource: { connectionPointId: 'NMI123' } });
  t.equal(
    cp,
    '<ConnectionPoint xmlns="https://csipaus.org/ns/v1.3"><connectionPointId>NMI123</connectionPointId></ConnectionPoint>',
  );
  t.strictSame(decodeXml(cp, { strict: true }).resource, { connectionPointId: 'NMI123' });
  const cpHref = encodeXml({
    type: 'ConnectionPointType',
    resource: { href: '/cp', connectionPointId: 'x' },
  });
  t.equal(
    cpHref,
    '<ConnectionPoint xmlns="https://csipaus.org/ns/v1.3" href="/cp"><connectionPointId>x</connectionPointId></ConnectionPoint>',
  );

  const note: AnyDocumentResource = {
    type: 'Notification',
    resource: {
      subscribedResource: '/edev/1/derp/1/derc',
      Resource: { type: 'DERControlList', resource: { all: 1, results: 1, DERControl: [control.resource] } },
      status: 0,
      subscriptionURI: '/edev/1/sub/1',
    },
  };
  const xml = encodeXml(note);
  t.match(xml, /xmlns:xsi="http:\/\/www.w3.org\/2001\/XMLSchema-instance"/);
  t.match(xml, /<Resource xsi:type="DERControlList" all="1" results="1"><DERControl href=/);
  t.strictSame(decodeXml(xml, { strict: true }).resource, note.resource);
  const plain: AnyDocumentResource = {
    type: 'Notification',
    resource: {
      subscribedResource: '/a',
      Resource: { type: 'Resource', resource: { href: '/x' } },
      status: 0,
      subscriptionURI: '/s',
    },
  };
  const plainXml = encodeXml(plain);
  t.notMatch(plainXml, /xsi/);
  t.strictSame(decodeXml(plainXml, { strict: true }).resource, plain.resource);

  t.equal(
    encodeXml({ type: 'PowerSourceType', resource: 3 }),
    '<PowerSourceType xmlns="urn:ieee:std:2030.5:ns">3</PowerSourceType>',
  );
  t.equal(
    encodeXml({ type: 'DOEControlType', resource: '0f' }),
    '<doeModesSupported xmlns="https://csipaus.org/ns/v1.3">0F</doeModesSupported>',
  );
  t.equal(
    encodeXml({ type: 'DOEControlType', resource: '01' }, { element: 'doeModesEnabled' }),
    '<doeModesEnabled xmlns="https://csipaus.org/ns/v1.3">01</doeModesEnabled>',
  );
  t.equal(
    encodeXml({ type: 'TimeLink', resource: { href: '/tm' } }),
    '<TimeLink xmlns="urn:ieee:std:2030.5:ns" href="/tm"/>',
  );
  t.throws(() => encodeXml({ type: 'Link', resource: { href: '/tm' } }, { element: 'TimeLink' }), {
    code: 211,
  });
  // A derived type written under its base's element carries xsi:type.
  const derived = encodeXml({ type: 'ListLink', resource: { href: '/l', all: 2 } }, { element: 'Link' });
  t.equal(
    derived,
    '<Link xmlns="urn:ieee:std:2030.5:ns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ListLink" href="/l" all="2"/>',
  );
  const root = decodeXml(derived, { strict: true });
  t.equal(root.type, 'ListLink');
  t.equal(root.element, 'Link');
});

t.test('encoding errors', async (t) => {
  const bad = (resource: Record<string, unknown>): AnyDocumentResource =>
    ({ type: 'Time', resource }) as unknown as AnyDocumentResource;
  const time = { currentTime: 1n, dstEndTime: 2n, dstOffset: 3, dstStartTime: 1n, quality: 7, tzOffset: 0 };
  t.doesNotThrow(() => encodeXml(bad(time)));
  t.throws(() => encodeXml(bad({ ...time, quality: undefined })), { code: 211, path: 'Time.quality' });
  t.throws(() => encodeXml(bad({ ...time, quality: 256 })), { code: 206, path: 'Time.quality' });
  t.throws(() => encodeXml(bad({ ...time, quality: 1.5 })), { code: 211 });
  t.throws(() => encodeXml(bad({ ...time, quality: '7' })), { code: 211 });
  t.throws(() => encodeXml(bad({ ...time, currentTime: 1 })), { code: 211 });
  t.throws(() => encodeXml(bad({ ...time, currentTime: 1n << 64n })), { code: 206 });
  t.throws(() => encodeXml(bad({ ...time, extra: 1 })), { code: 211, path: 'Time.extra' });
  t.throws(() => encodeXml(bad({ ...time, href: 5 })), { code: 211 });
  t.throws(() => encodeXml(bad({ ...time, href: 'a\u0001' })), { code: 207 });
  t.throws(() => encodeXml({ type: 'Nope', resource: {} } as unknown as AnyDocumentResource), { code: 211 });
  t.throws(() => encodeXml(control, { element: 'Time' }), { code: 211 });
  t.throws(() => encodeXml(control, { element: 'Nope' }), { code: 211 });
  const withBase = (base: Record<string, unknown>) =>
    ({
      type: 'DERControl',
      resource: { ...control.resource, DERControlBase: base },
    }) as unknown as AnyDocumentResource;
  t.throws(() => encodeXml(withBase({ opModExpLimW: 5 })), { code: 211 });
  t.throws(() => encodeXml(withBase({ opModExpLimW: [] })), { code: 211 });
  t.throws(() => encodeXml(withBase({ opModConnect: 'yes' })), { code: 211 });
  const list = (entries: unknown) =>
    ({
      type: 'DERControlList',
      resource: { all: 1, results: 1, DERControl: entries },
    }) as unknown as AnyDocumentResource;
  t.throws(() => encodeXml(list(control.resource)), { code: 211, path: 'DERControlList.DERControl' });
  t.throws(
    () =>
      encodeXml({ type: 'DERSettings', resource: { modesEnabled: '123' } } as unknown as AnyDocumentResource),
    {
      code: 211,
    },
  );
  t.throws(
    () =>
      encodeXml({
        type: 'DeviceInformation',
        resource: { lFDI: '00'.repeat(21) },
      } as unknown as AnyDocumentResource),
    { code: 206 },
  );
  t.throws(
    () =>
      encodeXml({
        type: 'SupportedLocale',
        resource: { locale: 'x'.repeat(43) },
      } as unknown as AnyDocumentResource),
    { code: 206 },
  );
  const note = (Resource: unknown) =>
    ({
      type: 'Notification',
      resource: { subscribedResource: '/a', Resource, status: 0, subscriptionURI: '/s' },
    }) as unknown as AnyDocumentResource;
  t.throws(() => encodeXml(note({ href: '/x' })), { code: 211 });
  t.throws(() => encodeXml(note({ type: 'UomType', resource: 3 })), { code: 211 });
  t.throws(() => encodeXml(note({ type: 'EventStatus', resource: {} })), { code: 211 });
  t.throws(() => encodeXml(note(null)), { code: 211 });
  t.throws(() => encodeXml(note({ type: 'Time', resource: 'x' })), { code: 211 });
});

t.test('value helpers', async (t) => {
  t.equal(escapeText('a\rb'), 'a&#13;b');
  t.equal(escapeAttribute('a\tb\nc"'), 'a&#9;b&#10;c&quot;');
  t.equal(parseValue('complex', 'x'), undefined);
  t.equal(parseValue('u8', '-0'), 0);
  t.equal(parseValue('i48', '-140737488355328'), -140737488355328);
  t.equal(parseValue('u8', '+'), undefined);
  t.equal(parseValue('u8', '1'.repeat(40)), undefined);
  t.equal(parseValue('boolean', ' 1 '), true);
  t.equal(parseValue('boolean', '0'), false);
  t.equal(parseValue('string', 'é'.repeat(3), 2), 'ééé');
  t.equal(parseValue('string', '😀😀', 2), '😀😀');
  t.throws(() => formatValue('complex', {}, 'p'), { code: 211 });
  t.throws(() => formatValue('i64', 1, 'p'), { code: 211 });
  t.throws(() => formatValue('boolean', 1, 'p'), { code: 211 });
  t.throws(() => formatValue('string', 'a\uD800', 'p'), { code: 207 });
  t.throws(() => formatValue('string', 'a\uFFFE', 'p'), { code: 207 });
  t.equal(formatValue('string', 'a😀\t', 'p'), 'a😀\t');
});
