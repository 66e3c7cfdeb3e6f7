import { isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { guruxXmlRecords, parseXmlElements, readGuruxXml } from '../src/input/gurux-xml.js';
import type { SessionRecord } from '../src/session/record.js';

const HDLC_TRACE = `<?xml version="1.0" encoding="utf-8"?>
<!-- translated with the Gurux DLMS translator -->
<Messages>
<HDLC len="1F" >
<TargetAddress Value="1" />
<SourceAddress Value="10" />
<FrameType Value="10" />
<PDU>
<AssociationRequest>
  <ApplicationContextName Value="LN" />
</AssociationRequest>
</PDU>
</HDLC>
<HDLC len="2A" >
<TargetAddress Value="10" />
<SourceAddress Value="1" />
<PDU>
<AssociationResponse>
  <AssociationResult Value="00" />
</AssociationResponse>
</PDU>
</HDLC>
<WRAPPER len="D" >
<TargetAddress Value="1" />
<SourceAddress Value="10" />
<PDU>
<GetRequest><GetRequestNormal><InvokeIdAndPriority Value="C1" /></GetRequestNormal></GetRequest>
</PDU>
</WRAPPER>
<HDLC len="7"><TargetAddress Value="1" /><SourceAddress Value="10" /><FrameType Value="93" /></HDLC>
<EventNotificationRequest><Time Value="00" /></EventNotificationRequest>
</Messages>`;

const RAW_TRACE = `<Messages>
  <Message type="Sent" time="2026-11-23T01:02:03.5Z">7E A0 07 03 21 93 0F 01 7E</Message>
  <Message type="Received"><![CDATA[7ea0070321730f017e]]></Message>
  <Message>00 01</Message>
</Messages>`;

function view(records: readonly SessionRecord[]): unknown[] {
  return records.map((r) => [
    r.frame,
    r.direction,
    r.protocol,
    toHex(r.bytes),
    r.xml?.split('\n')[0] ?? null,
  ]);
}

t.test('HDLC/WRAPPER PDU trees are kept as XML records, translated to bytes where they can be', async (t) => {
  const recs = guruxXmlRecords(HDLC_TRACE);
  t.same(view(recs), [
    [
      1,
      'client-to-server',
      'dlms',
      '7ea0190321107fdae6e600600ba10906076085740508010180907e',
      '<HDLC len="1F" >',
    ],
    [
      2,
      'server-to-client',
      'dlms',
      '7ea01a210310b259e6e700610ca203020100a305a1030201007cd97e',
      '<HDLC len="2A" >',
    ],
    // a GetRequestNormal without its attribute descriptor cannot be translated
    [3, 'client-to-server', 'dlms', '', '<WRAPPER len="D" >'],
    [
      4,
      'client-to-server',
      'dlms',
      '7ea0070321930f017e',
      '<HDLC len="7"><TargetAddress Value="1" /><SourceAddress Value="10" /><FrameType Value="93" /></HDLC>',
    ],
    [
      5,
      'client-to-server',
      'dlms',
      '',
      '<EventNotificationRequest><Time Value="00" /></EventNotificationRequest>',
    ],
  ]);
  t.ok(recs[0]!.xml!.endsWith('</HDLC>'));
  t.equal(
    recs.every((r) => r.channel === 'gurux'),
    true,
  );
  const bare = guruxXmlRecords('<GetResponse><Data/></GetResponse>', { channel: 'g' });
  t.same(view(bare), [[1, 'server-to-client', 'dlms', '', '<GetResponse><Data/></GetResponse>']]);
  t.equal(bare[0]!.channel, 'g');
});

t.test('messages with raw hex give bytes, direction and time', async (t) => {
  const out: SessionRecord[] = [];
  for await (const r of readGuruxXml([
    new TextEncoder().encode(`\uFEFF${RAW_TRACE.slice(0, 40)}`),
    RAW_TRACE.slice(40),
  ])) {
    out.push(r);
  }
  t.same(view(out), [
    [1, 'client-to-server', 'dlms', '7ea0070321930f017e', null],
    [2, 'server-to-client', 'dlms', '7ea0070321730f017e', null],
    [3, 'unknown', 'dlms', '0001', null],
  ]);
  t.equal(out[0]!.timestamp, 1795395723500000000n);
});

t.test('XML parser: entities, attributes, errors with byte offsets', async (t) => {
  const [root] = parseXmlElements(`<a x='1 &amp; 2' y="&#x41;&#66;"><b>&lt;t&gt;</b><!DOCTYPE z></a>`);
  t.same(
    [...root!.attributes],
    [
      ['x', '1 & 2'],
      ['y', 'AB'],
    ],
  );
  t.equal(root!.children[0]!.text, '<t>');
  const bad: Array<[string, number, number]> = [
    ['<a>', 207, 0],
    ['<a></b>', 207, 3],
    ['<a><!-- x', 207, 3],
    ['<a><![CDATA[x', 207, 3],
    ['<?xml x', 207, 0],
    ['<!x', 207, 0],
    ['<a></a', 207, 3],
    ['<1/>', 207, 0],
    ['<a b=1/>', 207, 3],
    ['<a/><b/>', 207, 4],
    ['text', 207, 0],
    ['<![CDATA[x]]>', 207, 0],
    ['', 207, 0],
    ['<a>&bogus;</a>', 207, 3],
    ['<a>&#xFFFFFFF;</a>', 207, 3],
    ['<a>é</a><', 207, 9],
    ['<!DOCTYPE a [<!ENTITY e "x">]><a/>', 207, 0],
    ['<Messages><Message>zz</Message></Messages>', 210, 10],
  ];
  for (const [xml, code, offset] of bad) t.throws(() => guruxXmlRecords(xml), { code, offset }, xml);
  t.throws(() => parseXmlElements('<a>'.repeat(300)), { code: 209 });
  await t.rejects(
    (async () => {
      for await (const _ of readGuruxXml([Uint8Array.of(0x3c, 0xff, 0x3e)])) void _;
    })(),
    { code: 207 },
  );
});

t.test('property: arbitrary text only ever fails with MeterkitError', async (t) => {
  const xmlish = fc
    .array(
      fc.constantFrom(
        '<a>',
        '</a>',
        '<b x="1"/>',
        '<![CDATA[7e]]>',
        '&amp;',
        '<!--c-->',
        'ff',
        '<',
        '>',
        '"',
        '<HDLC>',
        '</HDLC>',
        '<Message type="tx">',
      ),
      { maxLength: 12 },
    )
    .map((p) => p.join(''));
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 60 }), xmlish), (text) => {
      try {
        guruxXmlRecords(text);
        return true;
      } catch (e) {
        return isMeterkitError(e);
      }
    }),
    { numRuns: 500 },
  );
  t.pass('held for 500 runs');
});
