/**
 * Gurux XML → bytes, more APDUs: each case encodes an APDU with meterkit's own codec, writes the
 * XML Gurux's translator writes for it (element names of its simple XML output), translates that
 * back, and checks the bytes are equal — exception-response, confirmed-service-error,
 * general-block-transfer, event-notification-request and the short-name read/write services.
 */
import { ErrorCode, fromHex, toHex } from '@meterkit/core';
import { decodeApdu, decodeCosemDateTime, encodeApdu, type XdlmsApdu } from '@meterkit/dlms';
import t, { type Test } from 'tap';
import { guruxPduToBytes, guruxXmlRecords, parseXmlElements } from '../src/input/gurux-xml.js';

const pdu = (xml: string): Uint8Array => guruxPduToBytes(parseXmlElements(xml)[0]!);

/** Our APDU and the XML Gurux writes for it give the same octets, which decode back to the APDU's type. */
function roundTrip(t: Test, apdu: XdlmsApdu, xml: string, what: string): void {
  const ours = encodeApdu(apdu);
  const theirs = pdu(xml);
  t.equal(toHex(theirs), toHex(ours), what);
  t.equal(decodeApdu(theirs).type, apdu.type, `${what}: decodes as ${apdu.type}`);
}

t.test('ExceptionResponse: state and service errors by name, invocation-counter-error', async (t) => {
  roundTrip(
    t,
    {
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'operation-not-possible',
      invocationCounter: null,
    },
    `<ExceptionResponse>
      <StateError Value="ServiceNotAllowed" />
      <ServiceError Value="OperationNotPossible" />
    </ExceptionResponse>`,
    'exception-response',
  );
  roundTrip(
    t,
    {
      type: 'exception-response',
      stateError: 'service-unknown',
      serviceError: 'invocation-counter-error',
      invocationCounter: 0x1234,
    },
    `<ExceptionResponse><StateError Value="ServiceUnknown" /><ServiceError Value="InvocationCounterError" />
      <InvocationCounter Value="00001234" /></ExceptionResponse>`,
    'exception-response with the expected counter',
  );
  t.throws(() => pdu('<ExceptionResponse><StateError Value="ServiceUnknown" /></ExceptionResponse>'), {
    code: ErrorCode.ValueInvalid,
  });
});

t.test('ConfirmedServiceError: service, ServiceError choice and value by name', async (t) => {
  roundTrip(
    t,
    { type: 'confirmed-service-error', service: 5, error: 5, value: 4 },
    `<ConfirmedServiceError><Service Value="05" />
      <ServiceError><Access Value="ObjectUnavailable" /></ServiceError></ConfirmedServiceError>`,
    'read refused: access object-unavailable',
  );
  roundTrip(
    t,
    { type: 'confirmed-service-error', service: 1, error: 6, value: 1 },
    `<ConfirmedServiceError><Service Value="01" />
      <ServiceError><Initiate Value="DlmsVersionTooLow" /></ServiceError></ConfirmedServiceError>`,
    'initiate refused: dlms-version-too-low',
  );
  roundTrip(
    t,
    { type: 'confirmed-service-error', service: 6, error: 3, value: 2 },
    `<ConfirmedServiceError><Service Value="6" />
      <ServiceError><Service Value="ServiceUnsupported" /></ServiceError></ConfirmedServiceError>`,
    'write refused: service-unsupported',
  );
  t.throws(
    () =>
      pdu(
        '<ConfirmedServiceError><Service Value="05" /><ServiceError><Bogus /></ServiceError></ConfirmedServiceError>',
      ),
    { code: ErrorCode.Unsupported },
  );
});

t.test('GeneralBlockTransfer: block control, numbers, block data', async (t) => {
  roundTrip(
    t,
    {
      type: 'general-block-transfer',
      blockControl: { lastBlock: true, streaming: false, window: 1 },
      blockNumber: 2,
      blockNumberAck: 1,
      blockData: fromHex('c401c100090400010203'),
    },
    `<GeneralBlockTransfer>
      <BlockControl Value="81" /><BlockNumber Value="0002" /><BlockNumberAck Value="0001" />
      <BlockData Value="C401C100090400010203" />
    </GeneralBlockTransfer>`,
    'general-block-transfer',
  );
  // a bare General-Block-Transfer in a trace is a PDU of its own (direction unknown), translated
  const records = guruxXmlRecords(`<Messages><GeneralBlockTransfer><BlockControl Value="C4" />
    <BlockNumber Value="0001" /><BlockNumberAck Value="0000" /><BlockData Value="0102" />
    </GeneralBlockTransfer></Messages>`);
  t.equal(records.length, 1);
  t.equal(records[0]?.direction, 'unknown');
  t.equal(toHex(records[0]?.bytes ?? new Uint8Array(0)), 'e0c40001000002' + '0102');
});

t.test('EventNotificationRequest: time, attribute descriptor, value', async (t) => {
  const time = '07ea0b17010900000000ff8000';
  roundTrip(
    t,
    {
      type: 'event-notification-request',
      time: decodeCosemDateTime(fromHex(time).subarray(0, 12)),
      cosemAttributeDescriptor: { classId: 1, instanceId: '0-0:96.11.0.255', attributeId: 2 },
      attributeValue: { type: 'long-unsigned', value: 42 },
    },
    `<EventNotificationRequest>
      <Time><DateTime Value="${time.slice(0, 24).toUpperCase()}" /></Time>
      <AttributeDescriptor><ClassId Value="0001" /><InstanceId Value="0000600B00FF" /><AttributeId Value="02" /></AttributeDescriptor>
      <AttributeValue><UInt16 Value="002A" /></AttributeValue>
    </EventNotificationRequest>`,
    'event-notification with time',
  );
  roundTrip(
    t,
    {
      type: 'event-notification-request',
      time: null,
      cosemAttributeDescriptor: { classId: 3, instanceId: '1-0:1.8.0.255', attributeId: 2 },
      attributeValue: { type: 'double-long-unsigned', value: 7 },
    },
    `<EventNotificationRequest>
      <AttributeDescriptor><ClassId Value="0003" /><InstanceId Value="0100010800FF" /><AttributeId Value="02" /></AttributeDescriptor>
      <AttributeValue><UInt32 Value="00000007" /></AttributeValue>
    </EventNotificationRequest>`,
    'event-notification without time',
  );
});

t.test('short-name services: ReadRequest, ReadResponse, WriteRequest, WriteResponse', async (t) => {
  roundTrip(
    t,
    {
      type: 'read-request',
      variableAccessSpecification: [
        { type: 'variable-name', variableName: 0xfa00 },
        {
          type: 'parameterized-access',
          variableName: 0x2000,
          selector: 1,
          parameter: { type: 'unsigned', value: 3 },
        },
        { type: 'block-number-access', blockNumber: 2 },
      ],
    },
    `<ReadRequest Qty="03">
      <VariableName Value="FA00" />
      <ParameterisedAccess><VariableName Value="2000" /><Selector Value="01" /><Parameter><UInt8 Value="03" /></Parameter></ParameterisedAccess>
      <BlockNumberAccess><BlockNumber Value="0002" /></BlockNumberAccess>
    </ReadRequest>`,
    'read-request',
  );
  roundTrip(
    t,
    {
      type: 'read-response',
      items: [
        { type: 'data', data: { type: 'double-long-unsigned', value: 12345 } },
        { type: 'data-access-error', result: 'object-undefined' },
        { type: 'data-block-result', lastBlock: true, blockNumber: 1, rawData: fromHex('0102') },
        { type: 'block-number', blockNumber: 4 },
      ],
    },
    `<ReadResponse Qty="04">
      <Data><UInt32 Value="00003039" /></Data>
      <DataAccessError Value="UndefinedObject" />
      <DataBlockResult><LastBlock Value="01" /><BlockNumber Value="0001" /><RawData Value="0102" /></DataBlockResult>
      <BlockNumber Value="0004" />
    </ReadResponse>`,
    'read-response',
  );
  roundTrip(
    t,
    {
      type: 'write-request',
      variableAccessSpecification: [{ type: 'variable-name', variableName: 0x2008 }],
      listOfData: [{ type: 'octet-string', value: fromHex('07ea0b17') }],
    },
    `<WriteRequest>
      <ListOfVariableAccessSpecification Qty="01"><VariableName Value="2008" /></ListOfVariableAccessSpecification>
      <ListOfData Qty="01"><OctetString Value="07EA0B17" /></ListOfData>
    </WriteRequest>`,
    'write-request',
  );
  roundTrip(
    t,
    {
      type: 'write-response',
      items: [{ type: 'success' }, { type: 'data-access-error', result: 'read-write-denied' }],
    },
    `<WriteResponse Qty="02"><Success /><DataAccessError Value="ReadWriteDenied" /></WriteResponse>`,
    'write-response',
  );
  t.throws(() => pdu('<ReadRequest><Bogus /></ReadRequest>'), { code: ErrorCode.Unsupported });
  t.throws(() => pdu('<ReadResponse><Bogus /></ReadResponse>'), { code: ErrorCode.Unsupported });
  t.throws(() => pdu('<WriteResponse><Bogus /></WriteResponse>'), { code: ErrorCode.Unsupported });
  t.throws(() => pdu('<ReadRequest><ParameterisedAccess /></ReadRequest>'), { code: ErrorCode.ValueInvalid });
});

/** Our APDU decoded from octets and encoded again (canonical), and Gurux's XML for it, give the same octets. */
function sameAsOurs(t: Test, hex: string, xml: string, what: string): void {
  const ours = encodeApdu(decodeApdu(fromHex(hex)));
  t.equal(toHex(ours), hex, `${what}: canonical`);
  t.equal(toHex(pdu(xml)), hex, what);
}

t.test('action p-block forms: next-pblock request, response with a pblock', async (t) => {
  sameAsOurs(
    t,
    'c302c100000002',
    `<ActionRequest><ActionRequestForNextDataBlock><InvokeIdAndPriority Value="C1" />
      <BlockNumber Value="00000002" /></ActionRequestForNextDataBlock></ActionRequest>`,
    'action-request-next-pblock',
  );
  sameAsOurs(
    t,
    'c702c1010000000103010203',
    `<ActionResponse><ActionResponseWithFirstBlock><InvokeIdAndPriority Value="C1" />
      <LastBlock Value="01" /><BlockNumber Value="00000001" /><RawData Value="010203" />
      </ActionResponseWithFirstBlock></ActionResponse>`,
    'action-response-with-pblock',
  );
});

t.test('Access request and response (get and action, list of data, results)', async (t) => {
  sameAsOurs(
    t,
    'd900000001000201000301000108' + '00ff0203000900000a0064ff0102001105',
    `<AccessRequest>
      <LongInvokeIdAndPriority Value="00000001" />
      <DateTime Value="" />
      <AccessRequestBody>
        <AccessRequestSpecification Qty="02">
          <_AccessRequestSpecification><AccessRequestGet><AttributeDescriptor>
            <ClassId Value="0003" /><InstanceId Value="0100010800FF" /><AttributeId Value="02" />
          </AttributeDescriptor></AccessRequestGet></_AccessRequestSpecification>
          <AccessRequestAction><MethodDescriptor>
            <ClassId Value="0009" /><InstanceId Value="00000A0064FF" /><MethodId Value="01" />
          </MethodDescriptor></AccessRequestAction>
        </AccessRequestSpecification>
        <AccessRequestListOfData Qty="02"><Data><None /></Data><Data><UInt8 Value="05" /></Data></AccessRequestListOfData>
      </AccessRequestBody>
    </AccessRequest>`,
    'access-request',
  );
  sameAsOurs(
    t,
    'da0000000100000206000030390002010003' + '00',
    `<AccessResponse>
      <LongInvokeIdAndPriority Value="00000001" />
      <DateTime Value="" />
      <AccessResponseBody>
        <AccessResponseListOfData Qty="02"><UInt32 Value="00003039" /><None /></AccessResponseListOfData>
        <AccessResponseSpecification Qty="02">
          <_AccessResponseSpecification><AccessResponseGet><Result Value="Success" /></AccessResponseGet></_AccessResponseSpecification>
          <AccessResponseAction><Result Value="Success" /></AccessResponseAction>
        </AccessResponseSpecification>
      </AccessResponseBody>
    </AccessResponse>`,
    'access-response',
  );
  t.throws(
    () =>
      pdu(`<AccessRequest><LongInvokeIdAndPriority Value="00000001" /><AccessRequestBody>
        <AccessRequestSpecification><AccessResponseGet /></AccessRequestSpecification></AccessRequestBody></AccessRequest>`),
    { code: ErrorCode.Unsupported },
  );
});

t.test('CompactArray: one element type or a structure, contents as hex or as rows', async (t) => {
  sameAsOurs(
    t,
    'c401c100131206000100020003',
    `<GetResponse><GetResponseNormal><InvokeIdAndPriority Value="C1" /><Result><Data>
      <CompactArray><ContentsDescription><UInt16 /></ContentsDescription>
      <ArrayContents Value="000100020003" /></CompactArray></Data></Result></GetResponseNormal></GetResponse>`,
    'compact-array of long-unsigned, hex contents',
  );
  sameAsOurs(
    t,
    'c401c1001302021211' + '06000105000206',
    `<GetResponse><GetResponseNormal><InvokeIdAndPriority Value="C1" /><Result><Data>
      <CompactArray><ContentsDescription><UInt16 /><UInt8 /></ContentsDescription>
      <ArrayContents>
        1;5;
        2;6;
      </ArrayContents></CompactArray></Data></Result></GetResponseNormal></GetResponse>`,
    'compact-array of structures, rows',
  );
  t.throws(
    () =>
      pdu(`<GetResponse><GetResponseNormal><InvokeIdAndPriority Value="C1" /><Result><Data><CompactArray>
        <ContentsDescription><UInt16 /></ContentsDescription><ArrayContents>1;2</ArrayContents>
        </CompactArray></Data></Result></GetResponseNormal></GetResponse>`),
    { code: ErrorCode.ValueInvalid },
  );
  t.throws(
    () =>
      pdu(`<GetResponse><GetResponseNormal><InvokeIdAndPriority Value="C1" /><Result><Data><CompactArray>
        <ContentsDescription><UInt16 /></ContentsDescription><ArrayContents>abc</ArrayContents>
        </CompactArray></Data></Result></GetResponseNormal></GetResponse>`),
    { code: ErrorCode.ValueInvalid },
  );
});

t.test('an EventNotificationRequest without its attribute descriptor is not translated', async (t) => {
  t.throws(() => pdu('<EventNotificationRequest><Time Value="00" /></EventNotificationRequest>'), {
    code: ErrorCode.Unsupported,
  });
});
