import { isMeterkitError } from '@meterkit/core';
import t from 'tap';
import { decodeXml } from '../src/xml/codec.js';
import { isSepXml } from '../src/xml/detect.js';
import { isXmlWhitespace, XmlReader, XmlToken } from '../src/xml/reader.js';

const NS = 'xmlns="urn:ieee:std:2030.5:ns"';

function time(body: string, attrs = ''): string {
  return `<Time ${NS}${attrs}>${body}</Time>`;
}

const TIME_BODY =
  '<currentTime>100</currentTime><dstEndTime>2</dstEndTime><dstOffset>3600</dstOffset><dstStartTime>1</dstStartTime><quality>7</quality><tzOffset>36000</tzOffset>';

t.test('entities, character references, CDATA, comments and PIs', async (t) => {
  const doc = decodeXml(
    `\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- lead -->\n<?pi data?>\n<DeviceInformation ${NS} href="/a&amp;b&#x41;&#66;">` +
      '<!-- c --><functionsImplemented>00</functionsImplemented><lFDI>3E4F45AB31EDFE5B67E343E5E4562E31984E23E5</lFDI>' +
      '<mfDate>1</mfDate><mfHwVer>a&lt;b&gt;c&quot;d&apos;e</mfHwVer><mfID>1</mfID>' +
      '<mfInfo><![CDATA[<raw & text>]]> tail&#13;&#x1F600;</mfInfo><mfModel>M<?pi?>1</mfModel><mfSerNum>S</mfSerNum>' +
      '<primaryPower>0</primaryPower><secondaryPower>0</secondaryPower><swActTime>0</swActTime><swVer>1\r\n2\r3</swVer>' +
      '</DeviceInformation><!-- trailing --> \n',
  );
  t.strictSame(doc.deviations, []);
  if (doc.type !== 'DeviceInformation') throw new Error('type');
  t.equal(doc.resource.href, '/a&bAB');
  t.equal(doc.resource.mfHwVer, 'a<b>c"d\'e');
  t.equal(doc.resource.mfInfo, '<raw & text> tail\r😀');
  t.equal(doc.resource.mfModel, 'M1');
  t.equal(doc.resource.swVer, '1\n2\n3', 'line ends normalised');
  t.equal(doc.resource.lFDI, '3e4f45ab31edfe5b67e343e5e4562e31984e23e5');
});

t.test('attribute value normalisation and single quotes', async (t) => {
  const doc = decodeXml(`<EndDeviceListLink ${NS} href='/edev\tx\ny' all = "3" />`);
  t.strictSame(doc.resource, { href: '/edev x y', all: 3 });
});

t.test('prefixed 2030.5 elements and namespace scoping', async (t) => {
  const doc = decodeXml(
    '<s:Time xmlns:s="urn:ieee:std:2030.5:ns"><s:currentTime>5</s:currentTime><s:dstEndTime>2</s:dstEndTime>' +
      '<s:dstOffset>3</s:dstOffset><s:dstStartTime>1</s:dstStartTime><s:quality>7</s:quality><s:tzOffset>0</s:tzOffset></s:Time>',
  );
  t.strictSame(doc.deviations, []);
  t.equal(doc.type, 'Time');
  const foreign = decodeXml(
    time(TIME_BODY.replace('<quality>7</quality>', '<quality xmlns="urn:other">7</quality>')),
  );
  t.strictSame(
    foreign.deviations.map((d) => d.name),
    ['namespace-mismatch'],
  );
  t.throws(() => decodeXml(time(`${TIME_BODY}<x:y/>`)), { code: 272 });
  const noNs = decodeXml(`<Time>${TIME_BODY}</Time>`);
  t.equal(noNs.deviations[0]?.name, 'namespace-mismatch');
  t.throws(() => decodeXml(`<Time>${TIME_BODY}</Time>`, { strict: true }), { code: 268 });
});

t.test('lenient deviations and strict errors', async (t) => {
  const cases: [string, string, number][] = [
    ['unknown element', time(`${TIME_BODY}<bogus><deep/></bogus>`), 267],
    ['case', time(TIME_BODY.replace(/currentTime/g, 'CurrentTime')), 266],
    [
      'order',
      time(`${TIME_BODY.replace('<currentTime>100</currentTime>', '')}<currentTime>100</currentTime>`),
      265,
    ],
    ['out of range', time(TIME_BODY.replace('<quality>7</quality>', '<quality>300</quality>')), 206],
    ['invalid int', time(TIME_BODY.replace('<quality>7</quality>', '<quality>x</quality>')), 207],
    ['missing', time(TIME_BODY.replace('<quality>7</quality>', '')), 269],
    ['duplicate', time(`${TIME_BODY}<tzOffset>1</tzOffset>`), 270],
    ['unknown attribute', time(TIME_BODY, ' foo="1"'), 271],
    ['text in complex content', time(`${TIME_BODY}junk`), 274],
    [
      'element in simple content',
      time(TIME_BODY.replace('<quality>7</quality>', '<quality>7<b/></quality>')),
      267,
    ],
    ['attribute on simple element', time(TIME_BODY.replace('<quality>', '<quality a="1">')), 271],
    [
      'bad boolean',
      `<EventStatus ${NS}><currentStatus>0</currentStatus><dateTime>0</dateTime><potentiallySuperseded>yes</potentiallySuperseded></EventStatus>`,
      207,
    ],
    [
      'odd hex',
      `<DERSettings ${NS}><modesEnabled>1</modesEnabled><setGradW>1</setGradW><setMaxW><multiplier>0</multiplier><value>1</value></setMaxW><updatedTime>0</updatedTime></DERSettings>`,
      207,
    ],
    [
      'long hex',
      `<DERSettings ${NS}><modesEnabled>0102030405</modesEnabled><setGradW>1</setGradW><setMaxW><multiplier>0</multiplier><value>1</value></setMaxW><updatedTime>0</updatedTime></DERSettings>`,
      206,
    ],
    [
      'big int64',
      time(
        TIME_BODY.replace(
          '<currentTime>100</currentTime>',
          '<currentTime>99999999999999999999</currentTime>',
        ),
      ),
      206,
    ],
    [
      'bad int64',
      time(TIME_BODY.replace('<currentTime>100</currentTime>', '<currentTime>1e3</currentTime>')),
      207,
    ],
    [
      'xsi:type unknown',
      `<Notification ${NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><subscribedResource>/a</subscribedResource><Resource xsi:type="Nope"/><status>0</status><subscriptionURI>/s</subscriptionURI></Notification>`,
      273,
    ],
    [
      'xsi:type not derived',
      `<Notification ${NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><subscribedResource>/a</subscribedResource><Resource xsi:type="UomType"/><status>0</status><subscriptionURI>/s</subscriptionURI></Notification>`,
      273,
    ],
    [
      'xsi:type on a non-Resource field',
      `<DERControlList ${NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" all="0" results="0"><DERControl xsi:type="DefaultDERControl"/></DERControlList>`,
      273,
    ],
    [
      'xsi:type undeclared prefix',
      `<Notification ${NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><subscribedResource>/a</subscribedResource><Resource xsi:type="q:Time"><currentTime>1</currentTime><dstEndTime>2</dstEndTime><dstOffset>3</dstOffset><dstStartTime>1</dstStartTime><quality>7</quality><tzOffset>0</tzOffset></Resource><status>0</status><subscriptionURI>/s</subscriptionURI></Notification>`,
      272,
    ],
    [
      'csipaus element in sep namespace',
      `<DERSettings ${NS}><modesEnabled>00</modesEnabled><setGradW>1</setGradW><setMaxW><multiplier>0</multiplier><value>1</value></setMaxW><updatedTime>0</updatedTime><doeModesEnabled>01</doeModesEnabled></DERSettings>`,
      268,
    ],
    ['root case', `<time ${NS}>${TIME_BODY}</time>`, 266],
  ];
  for (const [name, xml, code] of cases) {
    const d = decodeXml(xml);
    t.ok(
      d.deviations.some((x) => x.code === code),
      `${name}: deviation ${code} (got ${d.deviations.map((x) => x.code).join(',')})`,
    );
    t.throws(() => decodeXml(xml, { strict: true }), { code }, `${name}: strict throws ${code}`);
  }
  const ranged = decodeXml(time(TIME_BODY.replace('<quality>7</quality>', '<quality>300</quality>')));
  if (ranged.type === 'Time') t.equal(ranged.resource.quality, 300, 'out-of-range value kept');
  const hex = decodeXml(
    `<DERSettings ${NS}><modesEnabled>1</modesEnabled><setGradW>1</setGradW><setMaxW><multiplier>0</multiplier><value>1</value></setMaxW><updatedTime>0</updatedTime></DERSettings>`,
  );
  if (hex.type === 'DERSettings') t.equal(hex.resource.modesEnabled, '01', 'odd hex padded');
  const dup = decodeXml(time(`${TIME_BODY}<tzOffset>1</tzOffset>`));
  if (dup.type === 'Time') t.equal(dup.resource.tzOffset, 36000, 'first occurrence kept');
});

t.test('simple-content roots', async (t) => {
  const d = decodeXml(`<PowerSourceType ${NS}> 3 </PowerSourceType>`);
  t.equal(d.type, 'PowerSourceType');
  t.equal(d.resource, 3);
  const c = decodeXml('<doeModesEnabled xmlns="https://csipaus.org/ns/v1.3">0F</doeModesEnabled>');
  t.equal(c.type, 'DOEControlType');
  t.equal(c.resource, '0f');
  t.throws(() => decodeXml(`<PowerSourceType ${NS}>x</PowerSourceType>`), { code: 207 });
});

t.test('hostile and malformed documents raise typed errors', async (t) => {
  const cases: [string, string, number][] = [
    ['doctype', `<!DOCTYPE Time [<!ENTITY x "y">]>${time(TIME_BODY)}`, 261],
    ['entity decl', `<!ENTITY x "y">${time(TIME_BODY)}`, 261],
    ['doctype inside', time(`<!DOCTYPE x>${TIME_BODY}`), 261],
    ['other declaration', '<!FOO>', 260],
    ['undefined entity', time(TIME_BODY.replace('100', '&x;')), 260],
    ['unterminated entity', time(TIME_BODY.replace('100', '&amp')), 260],
    ['bad char ref', time(TIME_BODY.replace('100', '&#0;')), 260],
    ['bad char ref 2', time(TIME_BODY.replace('100', '&#xD800;')), 260],
    ['empty', '', 260],
    ['only whitespace', '  \n', 260],
    ['text root', 'hello', 260],
    ['mismatched end', `<Time ${NS}><currentTime>1</quality></Time>`, 260],
    ['unclosed', `<Time ${NS}><currentTime>1</currentTime>`, 260],
    ['stray end', `<Time ${NS}/></Time>`, 208],
    ['two roots', `${time(TIME_BODY)}<Time/>`, 208],
    ['trailing text', `${time(TIME_BODY)}x`, 208],
    ['unquoted attribute', `<Time ${NS} a=1/>`, 260],
    ['attribute without =', `<Time ${NS} a/>`, 260],
    ['duplicate attribute', `<Time ${NS} a="1" a="2"/>`, 260],
    ['duplicate xmlns', `<Time ${NS} ${NS}/>`, 260],
    ['no space between attributes', `<Time ${NS} a="1"b="2"/>`, 260],
    ['lt in attribute', `<Time ${NS} a="<"/>`, 260],
    ['unterminated attribute', `<Time ${NS} a="1/>`, 260],
    ['bad slash', `<Time ${NS} /x>`, 260],
    ['eof in tag', `<Time ${NS}`, 260],
    ['bad name', `<1Time ${NS}/>`, 260],
    ['bad attr name', `<Time ${NS} 1a="1"/>`, 260],
    ['bad end tag', `<Time ${NS}></Time x>`, 260],
    ['unterminated comment', `<Time ${NS}><!-- x`, 260],
    ['unterminated pi', '<?xml version="1.0"', 260],
    ['unterminated cdata', `<Time ${NS}><currentTime><![CDATA[1</currentTime></Time>`, 260],
    ['cdata end in text', time(TIME_BODY.replace('100', '1]]>')), 260],
    ['reserved xmlns', `<Time xmlns:xmlns="urn:x"/>`, 260],
    ['empty prefix ns', `<Time ${NS} xmlns:p=""/>`, 260],
    ['undeclared prefix root', '<p:Time/>', 272],
    ['unknown root', `<Nope ${NS}/>`, 264],
    ['unknown csipaus root', '<Nope xmlns="https://csipaus.org/ns"/>', 264],
  ];
  for (const [name, xml, code] of cases) {
    t.throws(() => decodeXml(xml), { code }, name);
  }
  t.throws(() => decodeXml(time(TIME_BODY), { limits: { maxLength: 20 } }), { code: 262 });
  t.throws(() => decodeXml(new TextEncoder().encode(time(TIME_BODY)), { limits: { maxLength: 10 } }), {
    code: 262,
  });
  const deep = `<Notification ${NS}>${'<a>'.repeat(100)}${'</a>'.repeat(100)}</Notification>`;
  t.throws(() => decodeXml(deep), { code: 209 }, 'deep nesting');
  const attrs = Array.from({ length: 100 }, (_, i) => ` a${i}="1"`).join('');
  t.throws(() => decodeXml(`<Time ${NS}${attrs}/>`), { code: 263 }, 'too many attributes');
  t.throws(() => decodeXml(new Uint8Array([0x3c, 0xff, 0xfe])), { code: 207 }, 'invalid UTF-8');
  const billion = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><Time ${NS}>&lol2;</Time>`;
  t.throws(() => decodeXml(billion), { code: 261 });
});

t.test('bytes input is read as UTF-8', async (t) => {
  const doc = decodeXml(
    new TextEncoder().encode(`<SupportedLocale ${NS}><locale>fr-CA é</locale></SupportedLocale>`),
  );
  if (doc.type !== 'SupportedLocale') throw new Error('type');
  t.equal(doc.resource.locale, 'fr-CA é');
  t.ok(doc.raw instanceof Uint8Array);
});

t.test('reader tokens', async (t) => {
  const r = new XmlReader('<a x="1"><b>t</b>  <c/></a>');
  r.prolog();
  r.readStartTag();
  t.equal(r.localName, 'a');
  t.equal(r.attrCount, 1);
  t.equal(r.next(false), XmlToken.Start);
  t.equal(r.qname, 'b');
  t.equal(r.next(true), XmlToken.Text);
  t.equal(r.text, 't');
  t.equal(r.next(true), XmlToken.End);
  t.equal(r.next(true), XmlToken.Text);
  t.equal(r.text, '  ');
  t.equal(r.next(false), XmlToken.Start);
  t.ok(r.selfClosing);
  t.equal(r.path(), 'a.c');
  t.equal(r.next(false), XmlToken.End);
  t.equal(r.next(false), XmlToken.End);
  t.equal(r.depth, 0);
  r.finish();
  t.ok(isXmlWhitespace(' \t\r\n'));
  t.notOk(isXmlWhitespace(' x'));
  const open = new XmlReader('<a>');
  open.prolog();
  open.readStartTag();
  t.throws(() => open.next(false), { code: 260 });
  t.ok(isMeterkitError(new Error('x')) === false);
});

t.test('isSepXml recognises 2030.5 documents', async (t) => {
  t.ok(isSepXml(`\uFEFF  <Time ${NS}/>`));
  t.ok(isSepXml(new TextEncoder().encode('<DERCapability xmlns="http://ieee.org/2030.5"/>')));
  t.ok(isSepXml('<ConnectionPoint xmlns="https://csipaus.org/ns/v1.3"/>'));
  t.notOk(isSepXml('<html xmlns="http://www.w3.org/1999/xhtml"/>'));
  t.notOk(isSepXml('7e a0 07 03 21 93'));
  t.notOk(isSepXml(new Uint8Array([0x7e, 0xa0, 0x07])));
  t.notOk(isSepXml(''));
});
