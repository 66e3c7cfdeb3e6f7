import { isMeterkitError, Reader, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  apduCodec,
  CIPHERED_APDU_NAMES,
  decodeApdu,
  decodeContext,
  encodeApdu,
  labelNotificationBody,
  type PlainXdlmsApdu,
  type XdlmsApdu,
} from '../src/apdu/index.js';
import { formatObis } from '../src/obis/obis.js';
import { jsonForm } from './apdu-helpers.js';
import { cosemDateTime, dlmsData } from './axdr-arbitraries.js';

/** Arbitraries for every xDLMS APDU variant (IEC 62056-5-3 §8). */
const iip = fc.record({
  invokeId: fc.integer({ min: 0, max: 15 }),
  serviceClass: fc.constantFrom('unconfirmed' as const, 'confirmed' as const),
  priority: fc.constantFrom('normal' as const, 'high' as const),
});
const longIip = fc.record({
  invokeId: fc.integer({ min: 0, max: 0xffffff }),
  selfDescriptive: fc.boolean(),
  processingOption: fc.constantFrom('continue-on-error' as const, 'break-on-error' as const),
  serviceClass: fc.constantFrom('unconfirmed' as const, 'confirmed' as const),
  priority: fc.constantFrom('normal' as const, 'high' as const),
});
const obis = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => formatObis(b));
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i8 = fc.integer({ min: -128, max: 127 });
const attr = fc.record({ classId: u16, instanceId: obis, attributeId: i8 });
const method = fc.record({ classId: u16, instanceId: obis, methodId: i8 });
const data = dlmsData;
const sel = fc.option(
  fc.record({ accessSelector: fc.integer({ min: 0, max: 255 }), accessParameters: data }),
  {
    nil: null,
  },
);
const withSel = fc.record({ cosemAttributeDescriptor: attr, accessSelection: sel });
const bytes = fc.uint8Array({ maxLength: 24 });
const block = fc.record({ lastBlock: fc.boolean(), blockNumber: u32, rawData: bytes });
const dar = fc.oneof(
  fc.constantFrom('success', 'hardware-fault', 'read-write-denied', 'object-undefined', 'other-reason'),
  fc.integer({ min: 20, max: 249 }),
);
const ar = fc.oneof(
  fc.constantFrom('success', 'long-action-aborted', 'type-unmatched'),
  fc.integer({ min: 17, max: 249 }),
);
const gdr = fc.oneof(
  fc.record({ type: fc.constant('data' as const), data }),
  fc.record({ type: fc.constant('data-access-result' as const), result: dar }),
);
const optData = fc.record({ result: ar, returnParameters: fc.option(gdr, { nil: null }) });
const list = <T>(a: fc.Arbitrary<T>) => fc.array(a, { maxLength: 3 });
const dt = fc.option(cosemDateTime, { nil: null });
const sc = fc.record({
  suite: fc.integer({ min: 0, max: 15 }),
  authentication: fc.boolean(),
  encryption: fc.boolean(),
  broadcastKey: fc.boolean(),
  compression: fc.boolean(),
});
const tag12 = fc.uint8Array({ minLength: 12, maxLength: 12 });
const content = fc
  .record({ securityControl: sc, invocationCounter: u32, ciphertext: bytes, tag: tag12 })
  .map(({ tag, ...c }) => ({ ...c, authenticationTag: c.securityControl.authentication ? tag : undefined }));
const vas = fc.oneof(
  fc.record({ type: fc.constant('variable-name' as const), variableName: u16 }),
  fc.record({
    type: fc.constant('parameterized-access' as const),
    variableName: u16,
    selector: fc.integer({ min: 0, max: 255 }),
    parameter: data,
  }),
  fc.record({ type: fc.constant('block-number-access' as const), blockNumber: u16 }),
  fc.record({
    type: fc.constant('read-data-block-access' as const),
    lastBlock: fc.boolean(),
    blockNumber: u16,
    rawData: bytes,
  }),
  fc.record({
    type: fc.constant('write-data-block-access' as const),
    lastBlock: fc.boolean(),
    blockNumber: u16,
  }),
);
const reqSpec = fc.oneof(
  fc.record({
    type: fc.constantFrom('access-request-get' as const, 'access-request-set' as const),
    cosemAttributeDescriptor: attr,
  }),
  fc.record({ type: fc.constant('access-request-action' as const), cosemMethodDescriptor: method }),
  fc.record({
    type: fc.constantFrom(
      'access-request-get-with-selection' as const,
      'access-request-set-with-selection' as const,
    ),
    cosemAttributeDescriptor: attr,
    accessSelection: fc.record({ accessSelector: fc.integer({ min: 0, max: 255 }), accessParameters: data }),
  }),
);
const c = <T extends string>(s: T) => fc.constant(s);

const apdu: fc.Arbitrary<XdlmsApdu> = fc.oneof(
  fc.record({
    type: c('get-request-normal'),
    invokeIdAndPriority: iip,
    cosemAttributeDescriptor: attr,
    accessSelection: sel,
  }),
  fc.record({ type: c('get-request-next'), invokeIdAndPriority: iip, blockNumber: u32 }),
  fc.record({
    type: c('get-request-with-list'),
    invokeIdAndPriority: iip,
    attributeDescriptorList: list(withSel),
  }),
  fc.record({ type: c('get-response-normal'), invokeIdAndPriority: iip, result: gdr }),
  fc.record({
    type: c('get-response-with-datablock'),
    invokeIdAndPriority: iip,
    result: fc.record({
      lastBlock: fc.boolean(),
      blockNumber: u32,
      result: fc.oneof(
        fc.record({ type: c('raw-data'), rawData: bytes }),
        fc.record({ type: c('data-access-result'), result: dar }),
      ),
    }),
  }),
  fc.record({ type: c('get-response-with-list'), invokeIdAndPriority: iip, result: list(gdr) }),
  fc.record({
    type: c('set-request-normal'),
    invokeIdAndPriority: iip,
    cosemAttributeDescriptor: attr,
    accessSelection: sel,
    value: data,
  }),
  fc.record({
    type: c('set-request-with-first-datablock'),
    invokeIdAndPriority: iip,
    cosemAttributeDescriptor: attr,
    accessSelection: sel,
    datablock: block,
  }),
  fc.record({ type: c('set-request-with-datablock'), invokeIdAndPriority: iip, datablock: block }),
  fc.record({
    type: c('set-request-with-list'),
    invokeIdAndPriority: iip,
    attributeDescriptorList: list(withSel),
    valueList: list(data),
  }),
  fc.record({
    type: c('set-request-with-list-and-first-datablock'),
    invokeIdAndPriority: iip,
    attributeDescriptorList: list(withSel),
    datablock: block,
  }),
  fc.record({ type: c('set-response-normal'), invokeIdAndPriority: iip, result: dar }),
  fc.record({ type: c('set-response-datablock'), invokeIdAndPriority: iip, blockNumber: u32 }),
  fc.record({
    type: c('set-response-last-datablock'),
    invokeIdAndPriority: iip,
    result: dar,
    blockNumber: u32,
  }),
  fc.record({
    type: c('set-response-last-datablock-with-list'),
    invokeIdAndPriority: iip,
    result: list(dar),
    blockNumber: u32,
  }),
  fc.record({ type: c('set-response-with-list'), invokeIdAndPriority: iip, result: list(dar) }),
  fc.record({
    type: c('action-request-normal'),
    invokeIdAndPriority: iip,
    cosemMethodDescriptor: method,
    methodInvocationParameters: fc.option(data, { nil: null }),
  }),
  fc.record({ type: c('action-request-next-pblock'), invokeIdAndPriority: iip, blockNumber: u32 }),
  fc.record({
    type: c('action-request-with-list'),
    invokeIdAndPriority: iip,
    cosemMethodDescriptorList: list(method),
    methodInvocationParameters: list(data),
  }),
  fc.record({
    type: c('action-request-with-first-pblock'),
    invokeIdAndPriority: iip,
    cosemMethodDescriptor: method,
    pblock: block,
  }),
  fc.record({
    type: c('action-request-with-list-and-first-pblock'),
    invokeIdAndPriority: iip,
    cosemMethodDescriptorList: list(method),
    pblock: block,
  }),
  fc.record({ type: c('action-request-with-pblock'), invokeIdAndPriority: iip, pblock: block }),
  fc.record({ type: c('action-response-normal'), invokeIdAndPriority: iip, singleResponse: optData }),
  fc.record({ type: c('action-response-with-pblock'), invokeIdAndPriority: iip, pblock: block }),
  fc.record({
    type: c('action-response-with-list'),
    invokeIdAndPriority: iip,
    listOfResponses: list(optData),
  }),
  fc.record({ type: c('action-response-next-pblock'), invokeIdAndPriority: iip, blockNumber: u32 }),
  fc.record({
    type: c('data-notification'),
    longInvokeIdAndPriority: longIip,
    dateTime: dt,
    notificationBody: data,
  }),
  fc.record({
    type: c('event-notification-request'),
    time: dt,
    cosemAttributeDescriptor: attr,
    attributeValue: data,
  }),
  fc.record({
    type: c('exception-response'),
    stateError: fc.constantFrom('service-not-allowed', 'service-unknown'),
    serviceError: fc.constantFrom('operation-not-possible', 'pdu-too-long', 'deciphering-error'),
    invocationCounter: fc.constant(null),
  }),
  fc.record({
    type: c('exception-response'),
    stateError: fc.constantFrom('service-not-allowed', 'service-unknown'),
    serviceError: c('invocation-counter-error'),
    invocationCounter: u32,
  }),
  fc.record({
    type: c('confirmed-service-error'),
    service: fc.integer({ min: 1, max: 19 }),
    error: fc.integer({ min: 0, max: 10 }),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    type: c('access-request'),
    longInvokeIdAndPriority: longIip,
    dateTime: dt,
    accessRequestSpecification: list(reqSpec),
    accessRequestListOfData: list(data),
  }),
  fc.record({
    type: c('access-response'),
    longInvokeIdAndPriority: longIip,
    dateTime: dt,
    accessRequestSpecification: fc.option(list(reqSpec), { nil: null }),
    accessResponseListOfData: list(data),
    accessResponseSpecification: list(
      fc.oneof(
        fc.record({
          type: fc.constantFrom('access-response-get' as const, 'access-response-set' as const),
          result: dar,
        }),
        fc.record({ type: c('access-response-action'), result: ar }),
      ),
    ),
  }),
  fc.record({
    type: c('general-block-transfer'),
    blockControl: fc.record({
      lastBlock: fc.boolean(),
      streaming: fc.boolean(),
      window: fc.integer({ min: 0, max: 63 }),
    }),
    blockNumber: u16,
    blockNumberAck: u16,
    blockData: bytes,
  }),
  fc.record({
    type: c('general-signing'),
    transactionId: bytes,
    originatorSystemTitle: bytes,
    recipientSystemTitle: bytes,
    dateTime: bytes,
    otherInformation: bytes,
    content: bytes,
    signature: bytes,
  }),
  fc.record({ type: c('read-request'), variableAccessSpecification: list(vas) }),
  fc.record({
    type: c('read-response'),
    items: list(
      fc.oneof(
        fc.record({ type: c('data'), data }),
        fc.record({ type: c('data-access-error'), result: dar }),
        fc.record({
          type: c('data-block-result'),
          lastBlock: fc.boolean(),
          blockNumber: u16,
          rawData: bytes,
        }),
        fc.record({ type: c('block-number'), blockNumber: u16 }),
      ),
    ),
  }),
  fc.record({
    type: fc.constantFrom('write-request' as const, 'unconfirmed-write-request' as const),
    variableAccessSpecification: list(vas),
    listOfData: list(data),
  }),
  fc.record({
    type: c('write-response'),
    items: list(
      fc.oneof(
        fc.record({ type: c('success') }),
        fc.record({ type: c('data-access-error'), result: dar }),
        fc.record({ type: c('block-number'), blockNumber: u16 }),
      ),
    ),
  }),
  fc.record({
    type: c('information-report-request'),
    currentTime: fc.option(bytes, { nil: null }),
    variableAccessSpecification: list(vas),
    listOfData: list(data),
  }),
  fc
    .record({
      tag: fc.constantFrom(
        ...Object.keys(CIPHERED_APDU_NAMES)
          .map(Number)
          .filter((x) => x < 0xdb),
      ),
      content,
    })
    .map(({ tag, content }) => ({ type: 'service-specific-ciphering' as const, tag, ...content })),
  fc
    .record({
      type: fc.constantFrom('general-glo-ciphering' as const, 'general-ded-ciphering' as const),
      systemTitle: bytes,
      content,
    })
    .map(({ content, ...x }) => ({ ...x, ...content })),
) as fc.Arbitrary<XdlmsApdu>;

t.test('property: generated APDUs round-trip exactly', async (t) => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(apdu, (a) => {
      const b = encodeApdu(a);
      const back = decodeApdu(b);
      seen.add(back.type);
      const {
        plainTag: _p,
        kind: _k,
        informationFields: _i,
        ...rest
      } = back as unknown as Record<string, unknown>;
      t.same(jsonForm(rest), jsonForm(a));
      return toHex(encodeApdu(back)) === toHex(b) && toHex(back.raw) === toHex(b);
    }),
    { numRuns: 1000 },
  );
  t.ok(seen.size >= 40, `${seen.size} APDU types generated`);
});

t.test('property: truncating a generated APDU gives a typed error within the input', async () => {
  fc.assert(
    fc.property(apdu, fc.nat(), (a, n) => {
      const b = encodeApdu(a);
      const cut = n % b.length;
      try {
        decodeApdu(b.subarray(0, cut));
        return false;
      } catch (e) {
        return (
          isMeterkitError(e) && [200, 201, 227].includes(e.code) && e.offset !== undefined && e.offset <= cut
        );
      }
    }),
    { numRuns: 500 },
  );
});

const TAGS: number[] = [];
for (let tag = 0; tag < 256; tag++) if (apduCodec(tag) !== undefined) TAGS.push(tag);

t.test('property: arbitrary bytes into every decoder raise only MeterkitError', async (t) => {
  t.ok(TAGS.length >= 50, `${TAGS.length} tags registered`);
  const options = [
    {},
    { taggedNotificationDateTime: true, allowTrailingBytes: true, allowReservedInvokeIdBits: true },
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...TAGS),
      fc.uint8Array({ maxLength: 80 }),
      fc.constantFrom(...options),
      (tag, rest, opts) => {
        const b = new Uint8Array(rest.length + 1);
        b[0] = tag;
        b.set(rest, 1);
        try {
          const a = decodeApdu(b, opts);
          // Whatever decodes re-encodes without throwing anything but a MeterkitError.
          encodeApdu(a as PlainXdlmsApdu);
          if (a.type === 'data-notification')
            labelNotificationBody(a.notificationBody, { allowMissingObis: true });
        } catch (e) {
          if (!isMeterkitError(e)) throw e;
        }
      },
    ),
    { numRuns: 3000 },
  );
  // Also the codecs directly, at a non-zero base.
  for (const tag of TAGS) {
    const codec = apduCodec(tag)!;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (rest) => {
        const b = new Uint8Array(rest.length + 1);
        b[0] = tag;
        b.set(rest, 1);
        const r = new Reader(b, 1, b.length, 1000);
        try {
          codec.read(r, decodeContext());
        } catch (e) {
          if (!isMeterkitError(e)) throw e;
          if (e.offset !== undefined && (e.offset < 1000 || e.offset > 1000 + b.length)) throw e;
        }
      }),
      { numRuns: 60 },
    );
  }
});

t.test('lying lengths are refused before allocating', async (t) => {
  const cases = [
    'C401C1000184FFFFFFFF',
    'C403C184FFFFFFFF',
    '0F00000001000184FFFFFFFF',
    '0C84FFFFFFFF',
    'E0000000000084FFFFFFFF',
  ];
  for (const hex of cases) {
    const b = Uint8Array.from(hex.match(/../g)!.map((x) => Number.parseInt(x, 16)));
    try {
      decodeApdu(b);
      t.fail(hex);
    } catch (e) {
      t.ok(isMeterkitError(e, 201), `${hex}: length overrun`);
    }
  }
});
