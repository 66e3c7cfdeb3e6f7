/**
 * Gurux XML → bytes: the PDU trees of a Gurux translator trace are encoded back into APDUs and
 * frames, which then decode with meterkit's own codecs, and the byte rules run on them.
 */
import { ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import { decodeApdu, decodeHdlcFrame, decodeWrapperPdu } from '@meterkit/dlms';
import t from 'tap';
import {
  guruxFrameToBytes,
  guruxPduToBytes,
  guruxXmlRecords,
  guruxXmlUntranslated,
  parseXmlElements,
} from '../src/input/gurux-xml.js';
import { Keyring } from '../src/keyring.js';
import { captureXmlTranslatedRule, dlmsApduDecodeRule, MessageAnalyser } from '../src/rules/index.js';

const pdu = (xml: string): Uint8Array => guruxPduToBytes(parseXmlElements(xml)[0]!);
const hex = (xml: string): string => toHex(pdu(xml));

const AARQ = `<AssociationRequest>
  <ApplicationContextName Value="LN" />
  <CallingAPTitle Value="4D4D4D0000BC614E" />
  <SenderACSERequirements Value="1" />
  <MechanismName Value="Low" />
  <CallingAuthentication Value="3132333435363738" />
  <InitiateRequest>
    <ProposedDlmsVersionNumber Value="06" />
    <ProposedConformance>
      <ConformanceBit Name="BlockTransferWithGetOrRead" />
      <ConformanceBit Name="Get" />
      <ConformanceBit Name="Set" />
      <ConformanceBit Name="SelectiveAccess" />
      <ConformanceBit Name="Action" />
    </ProposedConformance>
    <ProposedMaxPduSize Value="FFFF" />
  </InitiateRequest>
</AssociationRequest>`;

const AARE = `<AssociationResponse>
  <ApplicationContextName Value="LN" />
  <AssociationResult Value="00" />
  <ResultSourceDiagnostic><ACSEServiceUser Value="00" /></ResultSourceDiagnostic>
  <InitiateResponse>
    <NegotiatedDlmsVersionNumber Value="06" />
    <NegotiatedConformance>
      <ConformanceBit Name="Get" />
      <ConformanceBit Name="Action" />
    </NegotiatedConformance>
    <NegotiatedMaxPduSize Value="0400" />
    <VaaName Value="0007" />
  </InitiateResponse>
</AssociationResponse>`;

t.test('ACSE APDUs: AARQ with LLS and InitiateRequest, AARE, RLRQ/RLRE', async (t) => {
  t.equal(
    hex(AARQ),
    '6042a1090607608574050801' +
      '01a60a04084d4d4d0000bc614e8a0207808b0760857405080201ac0a80083132333435363738be10040e01000000065f1f040000101dffff',
  );
  const aarq = decodeApdu(pdu(AARQ));
  t.equal(aarq.type, 'aarq');
  const aare = decodeApdu(pdu(AARE));
  t.equal(aare.type, 'aare');
  t.equal(
    hex(AARE),
    '6129a109060760857405080101a203020100a305a103020100be10040e0800065f1f040000001104000007',
  );
  t.equal(hex('<ReleaseRequest><Reason Value="00" /></ReleaseRequest>'), '6203800100');
  t.equal(decodeApdu(pdu('<ReleaseResponse><Reason Value="0" /></ReleaseResponse>')).type, 'rlre');
  // a rejected association, diagnostic by name
  const rejected = pdu(`<AssociationResponse><ApplicationContextName Value="LN" />
    <AssociationResult Value="01" /><ResultSourceDiagnostic><ACSEServiceUser Value="AuthenticationFailure" /></ResultSourceDiagnostic>
    </AssociationResponse>`);
  t.equal(toHex(rejected), '6117a109060760857405080101a203020101a305a10302010d');
  t.equal(decodeApdu(rejected).type, 'aare');
});

t.test(
  'xDLMS services: get, set, action (normal, with-list, with-datablock), data-notification',
  async (t) => {
    const cases: [string, string][] = [
      [
        `<GetRequest><GetRequestNormal><InvokeIdAndPriority Value="C1" /><AttributeDescriptor>
        <ClassId Value="0008" /><InstanceId Value="0000010000FF" /><AttributeId Value="02" />
      </AttributeDescriptor></GetRequestNormal></GetRequest>`,
        'c001c100080000010000ff0200',
      ],
      [
        `<GetRequest><GetRequestNormal><InvokeIdAndPriority Value="129" /><AttributeDescriptor>
        <ClassId Value="7" /><InstanceId Value="1.0.99.1.0.255" /><AttributeId Value="2" /></AttributeDescriptor>
        <AccessSelection><AccessSelector Value="2" /><AccessParameters><Structure Qty="03">
          <UInt32 Value="00000001" /><UInt32 Value="00000005" /><UInt16 Value="0000" />
        </Structure></AccessParameters></AccessSelection></GetRequestNormal></GetRequest>`,
        'c001810007010063010 0ff020102020306000000010600000005120000'.replace(/ /g, ''),
      ],
      [
        `<GetRequest><GetRequestForNextDataBlock><InvokeIdAndPriority Value="C1" /><BlockNumber Value="00000001" /></GetRequestForNextDataBlock></GetRequest>`,
        'c002c100000001',
      ],
      [
        `<GetRequest><GetRequestWithList><InvokeIdAndPriority Value="C1" /><AttributeDescriptorList Qty="2">
        <_AttributeDescriptorWithSelection><AttributeDescriptor><ClassId Value="0003" /><InstanceId Value="0100010800FF" /><AttributeId Value="02" /></AttributeDescriptor></_AttributeDescriptorWithSelection>
        <_AttributeDescriptorWithSelection><AttributeDescriptor><ClassId Value="0003" /><InstanceId Value="0100020800FF" /><AttributeId Value="02" /></AttributeDescriptor></_AttributeDescriptorWithSelection>
      </AttributeDescriptorList></GetRequestWithList></GetRequest>`,
        'c003c102000301000108 00ff0200000301000208 00ff0200'.replace(/ /g, ''),
      ],
      [
        `<GetResponse><GetResponseNormal><InvokeIdAndPriority Value="C1" /><Result><Data>
        <Structure Qty="02"><Int16 Value="-3" /><Enum Value="1E" /></Structure></Data></Result></GetResponseNormal></GetResponse>`,
        'c401c1000202 10fffd 161e'.replace(/ /g, ''),
      ],
      [
        `<GetResponse><GetResponseNormal><InvokeIdAndPriority Value="C1" /><Result><DataAccessError Value="ReadWriteDenied" /></Result></GetResponseNormal></GetResponse>`,
        'c401c10103',
      ],
      [
        `<GetResponse><GetResponsewithDataBlock><InvokeIdAndPriority Value="C1" /><Result>
        <LastBlock Value="00" /><BlockNumber Value="00000001" /><Result><RawData Value="0102030405" /></Result>
      </Result></GetResponsewithDataBlock></GetResponse>`,
        'c402c1000000000100050102030405',
      ],
      [
        `<GetResponse><GetResponseWithList><InvokeIdAndPriority Value="C1" /><Result Qty="2">
        <Data><UInt32 Value="00001234" /></Data><DataAccessError Value="UndefinedObject" /></Result></GetResponseWithList></GetResponse>`,
        'c403c10200060000123401 04'.replace(/ /g, ''),
      ],
      [
        `<SetRequest><SetRequestNormal><InvokeIdAndPriority Value="C1" /><AttributeDescriptor>
        <ClassId Value="0001" /><InstanceId Value="0000600100FF" /><AttributeId Value="02" /></AttributeDescriptor>
        <Value><OctetString Value="414243" /></Value></SetRequestNormal></SetRequest>`,
        'c101c100010000600100ff02000903414243',
      ],
      [
        `<SetResponse><SetResponseNormal><InvokeIdAndPriority Value="C1" /><Result Value="Success" /></SetResponseNormal></SetResponse>`,
        'c501c100',
      ],
      [
        `<ActionRequest><ActionRequestNormal><InvokeIdAndPriority Value="C1" /><MethodDescriptor>
        <ClassId Value="000F" /><InstanceId Value="0000280000FF" /><MethodId Value="01" /></MethodDescriptor>
        <MethodInvocationParameters><OctetString Value="00112233" /></MethodInvocationParameters></ActionRequestNormal></ActionRequest>`,
        'c301c1000f0000280000ff01010904 00112233'.replace(/ /g, ''),
      ],
      [
        `<ActionResponse><ActionResponseNormal><InvokeIdAndPriority Value="C1" /><Result Value="Success" />
        <ReturnParameters><Data><OctetString Value="AABB" /></Data></ReturnParameters></ActionResponseNormal></ActionResponse>`,
        'c701c10001000902aabb',
      ],
      [
        `<ActionResponse><ActionResponseNormal><InvokeIdAndPriority Value="C1" /><Result Value="00" /></ActionResponseNormal></ActionResponse>`,
        'c701c10000',
      ],
      [
        `<DataNotification><LongInvokeIdAndPriority Value="00000001" /><DateTime Value="" />
        <NotificationBody><DataValue><Structure Qty="02"><String Value="AB" /><Boolean Value="true" /></Structure></DataValue></NotificationBody></DataNotification>`,
        '0f0000000100020 20a024142 0301'.replace(/ /g, ''),
      ],
    ];
    for (const [xml, want] of cases) {
      const b = pdu(xml);
      t.equal(toHex(b), want, xml.slice(0, 60));
      t.doesNotThrow(() => decodeApdu(b), `${xml.slice(0, 40)} decodes`);
    }
  },
);

t.test('Data types', async (t) => {
  const data = (inner: string) =>
    toHex(
      pdu(
        `<GetResponse><GetResponseNormal><InvokeIdAndPriority Value="C1" /><Result><Data>${inner}</Data></Result></GetResponseNormal></GetResponse>`,
      ),
    ).slice(8);
  t.equal(data('<None />'), '00');
  t.equal(data('<Array Qty="01"><UInt8 Value="07" /></Array>'), '01011107');
  t.equal(data('<BitString Value="1010000011" />'), '040aa0c0');
  t.equal(data('<Int32 Value="-1" />'), '05ffffffff');
  t.equal(data('<Int64 Value="0000000000000010" />'), '140000000000000010');
  t.equal(data('<UInt64 Value="18446744073709551615" />'), '15ffffffffffffffff');
  t.equal(data('<Float32 Value="1.5" />'), '173fc00000');
  t.equal(data('<Float64 Value="3FF0000000000000" />'), '183ff0000000000000');
  t.equal(data('<DateTime Value="07EA0B17010A0000 00FFC400" />'), '1907ea0b17010a000000ffc400');
  t.equal(data('<Date Value="07EA0B1701" />'), '1a07ea0b1701');
  t.equal(data('<Time Value="0A000000" />'), '1b0a000000');
  t.equal(data('<StringUTF8 Value="é" />'), '0c02c3a9');
  t.equal(data('<Bcd Value="12" />'), '0d12');
  t.equal(data('<Delta-UInt16 Value="0010" />'), '200010');
  t.throws(() => data('<Decimal Value="1" />'), { code: 212 });
  t.throws(() => data('<CompactArray />'), { code: ErrorCode.ValueInvalid });
  t.throws(() => data('<UInt8 Value="1FF" />'), { code: ErrorCode.ValueInvalid });
  t.throws(() => data('<OctetString Value="XYZ" />'), { code: ErrorCode.ValueInvalid });
  t.throws(() => data('<BitString Value="12" />'), { code: ErrorCode.ValueInvalid });
  t.throws(() => data('<Float32 Value="abc" />'), { code: ErrorCode.ValueInvalid });
  t.throws(() => data('<Date Value="07EA" />'), { code: ErrorCode.ValueInvalid });
});

t.test('ciphered APDUs are carried as raw octets', async (t) => {
  const content = '3000000001aabbccddeeff00112233445566778899';
  t.equal(hex(`<glo_GetRequest Value="${content}" />`), `c8${(content.length / 2).toString(16)}${content}`);
  const withLength = `15${content}`;
  t.equal(
    hex(`<glo_GetResponse Value="${withLength}" />`),
    `cc${withLength}`,
    'a length already there is kept',
  );
  t.equal(
    hex(
      `<GeneralGloCiphering><SystemTitle Value="4D4D4D0000BC614E" /><CipheredService Value="${content}" /></GeneralGloCiphering>`,
    ),
    `db084d4d4d0000bc614e15${content}`,
  );
  const aarq = pdu(
    `<AssociationRequest><ApplicationContextName Value="LN_WITH_CIPHERING" /><glo_InitiateRequest Value="${content}" /></AssociationRequest>`,
  );
  const d = decodeApdu(aarq);
  t.equal(d.type, 'aarq');
});

t.test('frames: HDLC I-frame with LLC, SNRM/UA with parameters, wrapper', async (t) => {
  const records = guruxXmlRecords(`<Messages>
<HDLC><TargetAddress Value="1" /><SourceAddress Value="10" /><FrameType Value="93" /></HDLC>
<HDLC><TargetAddress Value="10" /><SourceAddress Value="1" /><FrameType Value="73" />
  <MaxInfoTX Value="80" /><MaxInfoRX Value="80" /><WindowSizeTX Value="00000001" /><WindowSizeRX Value="00000001" /></HDLC>
<HDLC><TargetAddress Value="1" /><SourceAddress Value="10" /><FrameType Value="10" /><PDU>${AARQ}</PDU></HDLC>
<HDLC><TargetAddress Value="10" /><SourceAddress Value="1" /><FrameType Value="30" /><PDU>${AARE}</PDU></HDLC>
<WRAPPER><TargetAddress Value="1" /><SourceAddress Value="10" /><PDU><ReleaseRequest><Reason Value="00" /></ReleaseRequest></PDU></WRAPPER>
<HDLC><TargetAddress Value="1" /><SourceAddress Value="10" /><FrameType Value="53" /></HDLC>
</Messages>`);
  t.same(
    records.map((r) => r.direction),
    [
      'client-to-server',
      'server-to-client',
      'client-to-server',
      'server-to-client',
      'client-to-server',
      'client-to-server',
    ],
  );
  t.equal(
    toHex(records[0]!.bytes),
    '7ea0070321930f017e',
    'the SNRM Gurux translates from 7EA00703219 30F017E',
  );
  const ua = decodeHdlcFrame(records[1]!.bytes);
  t.equal(ua.type, 'ua');
  t.match(toHex(records[1]!.bytes), /818012050180060180070400000001080400000001/);
  const i = decodeHdlcFrame(records[2]!.bytes);
  t.equal(i.type, 'i');
  t.equal(toHex((i as { information: Uint8Array }).information), hex(AARQ));
  t.equal(decodeHdlcFrame(records[3]!.bytes).type, 'i');
  t.equal(toHex(records[3]!.bytes).slice(16, 22), 'e6e700', 'the response LLC');
  const wrapper = decodeWrapperPdu(records[4]!.bytes);
  t.same([wrapper.sourceWPort, wrapper.destinationWPort], [0x10, 1]);
  t.equal(decodeHdlcFrame(records[5]!.bytes).type, 'disc');
  t.ok(records.every((r) => r.xml !== undefined));
  // a 4-octet server address (upper 1, lower 0x11)
  const [four] = parseXmlElements(
    '<HDLC><TargetAddress Value="4011" /><SourceAddress Value="10" /><FrameType Value="93" /></HDLC>',
  );
  t.equal(toHex(guruxFrameToBytes(four!, 'client-to-server')).slice(6, 14), '00020023');
  t.equal(decodeHdlcFrame(guruxFrameToBytes(four!, 'client-to-server')).type, 'snrm');
  t.throws(
    () => guruxFrameToBytes(parseXmlElements('<HDLC><FrameType Value="93" /></HDLC>')[0]!, 'unknown'),
    { code: ErrorCode.ValueInvalid },
  );
  t.throws(
    () =>
      guruxFrameToBytes(
        parseXmlElements('<WRAPPER><TargetAddress Value="1" /><SourceAddress Value="10" /></WRAPPER>')[0]!,
        'unknown',
      ),
    { code: ErrorCode.ValueInvalid },
  );
  t.throws(
    () =>
      guruxFrameToBytes(
        parseXmlElements('<HDLC><TargetAddress Value="1" /><SourceAddress Value="10" /></HDLC>')[0]!,
        'unknown',
      ),
    { code: ErrorCode.ValueInvalid },
  );
});

t.test('an unknown element gives empty bytes and an INCONCLUSIVE naming it', async (t) => {
  const records = guruxXmlRecords(`<Messages>
<GetRequest><GetRequestNormal><InvokeIdAndPriority Value="C1" /><AttributeDescriptor>
  <ClassId Value="0008" /><InstanceId Value="0000010000FF" /><AttributeId Value="02" /></AttributeDescriptor></GetRequestNormal></GetRequest>
<InformationReportRequest><CurrentTime Value="00" /></InformationReportRequest>
<GetResponse><GetResponseNormal><InvokeIdAndPriority Value="C1" /><Result><Data><Decimal Value="1" /></Data></Result></GetResponseNormal></GetResponse>
</Messages>`);
  t.same(
    records.map((r) => r.bytes.length > 0),
    [true, false, false],
  );
  const why = guruxXmlUntranslated(records[1]!.xml!);
  t.ok(why !== undefined && isMeterkitError(why, 212));
  t.match(why!.message, /<InformationReportRequest>/);
  t.match(guruxXmlUntranslated(records[2]!.xml!)!.path, /^xml\.GetResponse\.Decimal$/);
  t.equal(guruxXmlUntranslated(records[0]!.xml!), undefined);

  const keys = Keyring.empty();
  const analyser = new MessageAnalyser(keys);
  const verdicts = records.map((r) => {
    const analysed = analyser.analyse({ ...r, type: 'message', offset: 0, protocol: 'dlms' });
    return [
      captureXmlTranslatedRule.check({ analysed, state: undefined, keys }),
      dlmsApduDecodeRule.check({ analysed, state: undefined, keys }),
    ];
  });
  t.same(
    verdicts.map(([x]) => x?.verdict),
    ['PASS', 'INCONCLUSIVE', 'INCONCLUSIVE'],
  );
  t.match(verdicts[1]![0]!.message, /not translated to bytes: Gurux XML element <InformationReportRequest>/);
  t.equal(verdicts[0]![1]?.verdict, 'PASS', 'the byte rules run on the translated APDU');
  // records that are not XML are left alone
  const raw = analyser.analyse({
    type: 'message',
    frame: 9,
    channel: 'g',
    direction: 'unknown',
    timestamp: undefined,
    protocol: 'dlms',
    bytes: fromHex('c001c100080000010000ff0200'),
    offset: 0,
  });
  t.equal(captureXmlTranslatedRule.check({ analysed: raw, state: undefined, keys }), undefined);
});

t.test('malformed values are ValueInvalid, never a crash', async (t) => {
  const bad = [
    '<GetRequest><GetRequestNormal><InvokeIdAndPriority Value="C1" /></GetRequestNormal></GetRequest>',
    '<GetRequest><GetRequestNormal><InvokeIdAndPriority Value="zz" /></GetRequestNormal></GetRequest>',
    '<GetRequest><GetRequestNormal><InvokeIdAndPriority Value="C1" /><AttributeDescriptor><ClassId Value="0008" /><InstanceId Value="00" /><AttributeId Value="02" /></AttributeDescriptor></GetRequestNormal></GetRequest>',
    '<GetRequest />',
    '<GetResponse><GetResponseNormal><InvokeIdAndPriority Value="C1" /><Result /></GetResponseNormal></GetResponse>',
    '<AssociationRequest><InitiateRequest><ProposedConformance><ConformanceBit Name="Nope" /></ProposedConformance></InitiateRequest></AssociationRequest>',
    '<SetRequest><SetRequestNormal><InvokeIdAndPriority Value="C1" /><AttributeDescriptor><ClassId Value="1" /><InstanceId Value="0000600100FF" /><AttributeId Value="2" /></AttributeDescriptor></SetRequestNormal></SetRequest>',
  ];
  for (const xml of bad) {
    try {
      pdu(xml);
      t.fail(xml);
    } catch (e) {
      t.ok(isMeterkitError(e) && (e.code === ErrorCode.ValueInvalid || e.code === 212), xml.slice(0, 50));
    }
  }
  t.throws(() => pdu('<Foo />'), { code: 212 });
  t.throws(() => pdu('<AssociationRequest><Bogus /></AssociationRequest>'), { code: 212 });
  t.throws(() => pdu('<AssociationResponse><Bogus /></AssociationResponse>'), { code: 212 });
  const deep = `${'<Structure Qty="1">'.repeat(80)}<None />${'</Structure>'.repeat(80)}`;
  t.throws(
    () =>
      pdu(
        `<GetResponse><GetResponseNormal><InvokeIdAndPriority Value="C1" /><Result><Data>${deep}</Data></Result></GetResponseNormal></GetResponse>`,
      ),
    { code: ErrorCode.ValueInvalid },
  );
});

t.test('more service forms: set/action with-list and datablocks, set-response forms', async (t) => {
  const AD = (ln: string) =>
    `<AttributeDescriptor><ClassId Value="0003" /><InstanceId Value="${ln}" /><AttributeId Value="02" /></AttributeDescriptor>`;
  const cases: [string, string][] = [
    [
      `<SetRequest><SetRequestWithList><InvokeIdAndPriority Value="C1" /><AttributeDescriptorList Qty="1">
        <_AttributeDescriptorWithSelection>${AD('0100010800FF')}</_AttributeDescriptorWithSelection></AttributeDescriptorList>
        <ValueList Qty="1"><Value><UInt8 Value="05" /></Value></ValueList></SetRequestWithList></SetRequest>`,
      'c104c1010003010001 0800ff0200 01 1105'.replace(/ /g, ''),
    ],
    [
      `<SetRequest><SetRequestFirstDataBlock><InvokeIdAndPriority Value="C1" />${AD('0100010800FF')}
        <DataBlock><LastBlock Value="00" /><BlockNumber Value="00000001" /><RawData Value="0102" /></DataBlock></SetRequestFirstDataBlock></SetRequest>`,
      'c102c10003010001 0800ff0200 00 00000001 02 0102'.replace(/ /g, ''),
    ],
    [
      `<SetRequest><SetRequestWithDataBlock><InvokeIdAndPriority Value="C1" />
        <DataBlock><LastBlock Value="01" /><BlockNumber Value="00000002" /><RawData Value="03" /></DataBlock></SetRequestWithDataBlock></SetRequest>`,
      'c103c1010000000201 03'.replace(/ /g, ''),
    ],
    [
      `<SetResponse><SetResponseDataBlock><InvokeIdAndPriority Value="C1" /><BlockNumber Value="00000001" /></SetResponseDataBlock></SetResponse>`,
      'c502c100000001',
    ],
    [
      `<SetResponse><SetResponseWithLastDataBlock><InvokeIdAndPriority Value="C1" /><Result Value="Success" /><BlockNumber Value="00000002" /></SetResponseWithLastDataBlock></SetResponse>`,
      'c503c10000000002',
    ],
    [
      `<SetResponse><SetResponseWithList><InvokeIdAndPriority Value="C1" /><Result Qty="2"><_DataAccessResult Value="Success" /><_DataAccessResult Value="TemporaryFailure" /></Result></SetResponseWithList></SetResponse>`,
      'c505c1020002',
    ],
    [
      `<ActionRequest><ActionRequestWithList><InvokeIdAndPriority Value="C1" /><MethodDescriptorList Qty="1">
        <MethodDescriptor><ClassId Value="0046" /><InstanceId Value="0000600300FF" /><MethodId Value="01" /></MethodDescriptor></MethodDescriptorList>
        <MethodInvocationParameters Qty="1"><Int8 Value="00" /></MethodInvocationParameters></ActionRequestWithList></ActionRequest>`,
      'c303c1010046 0000600300ff 01 01 0f00'.replace(/ /g, ''),
    ],
    [
      `<ActionRequest><ActionRequestNormal><InvokeIdAndPriority Value="C1" /><MethodDescriptor><ClassId Value="0046" /><InstanceId Value="0000600300FF" /><MethodId Value="01" /></MethodDescriptor></ActionRequestNormal></ActionRequest>`,
      'c301c100460000600300ff0100',
    ],
    [
      `<ActionResponse><ActionResponseWithList><InvokeIdAndPriority Value="C1" /><Result Qty="1"><_Result><Result Value="ReadWriteDenied" /></_Result></Result></ActionResponseWithList></ActionResponse>`,
      'c703c1010300',
    ],
    [
      `<ActionResponse><ActionResponseNormal><InvokeIdAndPriority Value="C1" /><Result Value="Success" /><ReturnParameters><DataAccessError Value="OtherReason" /></ReturnParameters></ActionResponseNormal></ActionResponse>`,
      'c701c1000101fa',
    ],
    [
      `<GetResponse><GetResponsewithDataBlock><InvokeIdAndPriority Value="C1" /><Result><LastBlock Value="01" /><BlockNumber Value="00000002" /><Result><DataAccessError Value="DataBlockUnavailable" /></Result></Result></GetResponsewithDataBlock></GetResponse>`,
      'c402c101000000020 10e'.replace(/ /g, ''),
    ],
    [
      `<GeneralDedCiphering><CipheredService Value="30000000010203" /></GeneralDedCiphering>`,
      'dc000730000000010203',
    ],
  ];
  for (const [xml, want] of cases) t.equal(hex(xml), want, xml.slice(0, 50));
  for (const [xml] of cases.slice(0, 10)) t.doesNotThrow(() => decodeApdu(pdu(xml)), xml.slice(0, 50));
  for (const unknown of [
    '<GetRequest><GetRequestSomething /></GetRequest>',
    '<GetResponse><GetResponseSomething /></GetResponse>',
    '<SetRequest><SetRequestSomething /></SetRequest>',
    '<SetResponse><SetResponseSomething /></SetResponse>',
    '<ActionRequest><ActionRequestForNextPBlock /></ActionRequest>',
    '<ActionResponse><ActionResponseWithPBlock /></ActionResponse>',
  ])
    t.throws(() => pdu(unknown), { code: ErrorCode.Unsupported }, unknown);
  t.throws(() => pdu('<GeneralGloCiphering><SystemTitle Value="00" /></GeneralGloCiphering>'), {
    code: ErrorCode.ValueInvalid,
  });
  t.throws(() => pdu('<DataNotification><LongInvokeIdAndPriority Value="00000001" /></DataNotification>'), {
    code: ErrorCode.ValueInvalid,
  });
  // AARE with a responding AP title, mechanism, authentication and a ciphered InitiateResponse
  const aare =
    pdu(`<AssociationResponse><ApplicationContextName Value="LN_WITH_CIPHERING" /><AssociationResult Value="0" />
    <ResultSourceDiagnostic><ACSEServiceProvider Value="0" /></ResultSourceDiagnostic>
    <RespondingAPTitle Value="4D4D4D0000000001" /><ResponderACSERequirement Value="1" /><MechanismName Value="HighGMAC" />
    <RespondingAuthentication Value="0102030405060708" /><glo_InitiateResponse Value="300000000100112233" /></AssociationResponse>`);
  t.equal(toHex(aare).slice(0, 4), '614b');
  t.ok(
    toHex(aare).endsWith(
      'a305a203020100a40a04084d4d4d000000000188020780890760857405080205aa0a80080102030405060708be0d040b2809300000000100112233',
    ),
  );
  const userInfo = pdu(
    '<AssociationRequest><ApplicationContextName Value="2" /><UserInformation Value="0102" /><CallingAuthentication Value="pass" /></AssociationRequest>',
  );
  t.equal(toHex(userInfo), '6019a109060760857405080102ac06800470617373be0404020102');
});
