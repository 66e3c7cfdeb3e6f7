import { readFileSync } from 'node:fs';
import { ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import t from 'tap';
import {
  type AcseApdu,
  type AcseApduInput,
  type AcseUserInformationInput,
  ApplicationContextName,
  type AuthenticationValue,
  acseDiagnosticName,
  applicationContextInfo,
  applicationContextNameFor,
  associationResultName,
  CONFORMANCE_BITS,
  ConfirmedServiceErrorService,
  conformanceFromNumber,
  conformanceToNumber,
  decodeAcseApdu,
  decodeAcseUserInformation,
  encodeAcseApdu,
  encodeAcseUserInformation,
  encodeConformance,
  MechanismName,
  mechanismInfo,
  mechanismNameFor,
  redactAcseSecrets,
  releaseReasonName,
  serviceErrorValueName,
} from '../src/acse/index.js';
import { DlmsErrorCode } from '../src/errors.js';

interface Vector {
  id: string;
  source: string;
  hex: string;
  expected: Record<string, unknown>;
}
const vectors = (
  JSON.parse(readFileSync(new URL('./vectors/framing/acse.json', import.meta.url), 'utf8')) as {
    entries: Vector[];
  }
).entries;

function code(fn: () => unknown): number | string {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return isMeterkitError(e) ? e.code : `foreign ${String(e)}`;
  }
}

/** JSON-like view: bytes as hex, conformance as 24-bit hex, ciphered user-information by header. */
function view(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(view);
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || k === 'raw') continue;
      if (k === 'proposedConformance' || k === 'negotiatedConformance') {
        out[`${k}Hex`] = conformanceToNumber(v as never)
          .toString(16)
          .padStart(6, '0');
      } else if (k === 'apdu' && (value as { type?: string }).type === 'ciphered') {
        const a = v as {
          tag: number;
          securityControl: object;
          invocationCounter: number;
          ciphertext: Uint8Array;
          authenticationTag?: Uint8Array;
        };
        out['tag'] = a.tag;
        out['securityControl'] = scByte(a.securityControl);
        out['invocationCounter'] = a.invocationCounter;
        out['ciphertext'] = toHex(a.ciphertext);
        if (a.authenticationTag) out['authenticationTag'] = toHex(a.authenticationTag);
      } else out[k] = view(v);
    }
    return out;
  }
  return value;
}

function scByte(sc: object): number {
  const s = sc as {
    suite: number;
    authentication: boolean;
    encryption: boolean;
    broadcastKey: boolean;
    compression: boolean;
  };
  return (
    s.suite |
    (s.authentication ? 0x10 : 0) |
    (s.encryption ? 0x20 : 0) |
    (s.broadcastKey ? 0x40 : 0) |
    (s.compression ? 0x80 : 0)
  );
}

t.test('ACSE vectors: fields, raw view, encode(decode(x)) byte-equal', async (t) => {
  t.ok(vectors.length >= 10);
  for (const v of vectors) {
    const bytes = fromHex(v.hex);
    const apdu = decodeAcseApdu(bytes);
    t.equal(apdu.raw!.buffer, bytes.buffer, `${v.id}: raw view`);
    t.equal(toHex(apdu.raw!), toHex(bytes));
    t.match(view(apdu), v.expected, `${v.id}: fields`);
    t.equal(toHex(encodeAcseApdu(apdu as AcseApduInput)), toHex(bytes), `${v.id}: re-encodes byte-equal`);
  }
});

t.test('ACSE from the real HDLC capture matches the research decode', async (t) => {
  const v = vectors.find((x) => x.id === 'issue-dlmscosem-95-aarq-lls')!;
  const a = decodeAcseApdu(fromHex(v.hex));
  t.equal(a.type, 'aarq');
  if (a.type !== 'aarq') return;
  t.same(applicationContextInfo(a.applicationContextName), {
    id: 1,
    referencing: 'logical-name',
    ciphering: false,
    name: 'Logical_Name_Referencing_No_Ciphering',
  });
  t.same(mechanismInfo(a.mechanismName!), { id: 1, name: 'low-level' });
  t.same(a.userInformation?.type === 'initiate-request' && a.userInformation.proposedConformance, [
    'priority-mgmt-supported',
    'block-transfer-with-get-or-read',
    'multiple-references',
    'get',
    'set',
    'selective-access',
    'action',
  ]);
});

t.test('malformed ACSE gives exact codes', async (t) => {
  const h = (s: string) => fromHex(s.replace(/ /g, ''));
  const acn = 'a109060760857405080101';
  t.equal(
    code(() => decodeAcseApdu(h('6400'))),
    ErrorCode.UnexpectedTag,
    'not 60..63',
  );
  t.equal(
    code(() => decodeAcseApdu(h('0400'))),
    ErrorCode.UnexpectedTag,
    'universal',
  );
  t.equal(
    code(() => decodeAcseApdu(h('6000'))),
    ErrorCode.ValueInvalid,
    'AARQ without application-context-name',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`600d ${acn} 8000`))),
    ErrorCode.UnexpectedTag,
    'out of order',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`6016 ${acn} ${acn}`))),
    ErrorCode.UnexpectedTag,
    'repeated',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`600d ${acn} 8d00`))),
    ErrorCode.UnexpectedTag,
    '[13] unknown',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`600d ${acn} 4d00`))),
    ErrorCode.UnexpectedTag,
    'application tag inside',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`600b ${acn} 00`))),
    ErrorCode.TrailingBytes,
    'trailing',
  );
  t.equal(decodeAcseApdu(h(`600b ${acn} 00`), { allowTrailing: true }).type, 'aarq');
  t.equal(
    code(() => decodeAcseApdu(h('600b 8109060760857405080101'))),
    ErrorCode.ValueInvalid,
    'explicit field primitive',
  );
  t.equal(
    code(() => decodeAcseApdu(h('600b a109040760857405080101'))),
    ErrorCode.UnexpectedTag,
    'context name not an OID',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`6011 ${acn} a604 0202 0102`))),
    ErrorCode.UnexpectedTag,
    'AP title not an OCTET STRING',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`6011 ${acn} a404 0402 0102`))),
    ErrorCode.UnexpectedTag,
    'invocation id not an INTEGER',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`600f ${acn} aa02 0100`))),
    ErrorCode.ValueInvalid,
    'requirements constructed',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`6010 ${acn} ac03 8401 00`))),
    ErrorCode.UnexpectedTag,
    'authentication value choice',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`6014 ${acn} ac07 a305 0401 00 0400`))),
    ErrorCode.UnexpectedTag,
    'other without OID',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`6016 ${acn} ac09 a307 0601 28 0400 0400`))),
    ErrorCode.TrailingBytes,
    'other with two values',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`600f ${acn} be02 0400`))),
    ErrorCode.Truncated,
    'empty user-information',
  );
  t.equal(
    code(() => decodeAcseApdu(h(`6010 ${acn} be03 0301 01`))),
    ErrorCode.UnexpectedTag,
    'user-information not OCTET STRING',
  );
  const ir = (s: string) =>
    h(
      `60${(11 + 4 + s.length / 2).toString(16)} ${acn} be${(2 + s.length / 2).toString(16).padStart(2, '0')} 04${(s.length / 2).toString(16).padStart(2, '0')} ${s}`,
    );
  t.equal(
    code(() => decodeAcseApdu(ir('0102'))),
    ErrorCode.ValueInvalid,
    'presence flag 2',
  );
  t.equal(
    code(() => decodeAcseApdu(ir('010000000660 1f04 00007e1f 04b0'.replace(/ /g, '')))),
    ErrorCode.UnexpectedTag,
    'conformance tag',
  );
  t.equal(
    code(() => decodeAcseApdu(ir('01000000065f1f0500007e1f04b0'))),
    ErrorCode.LengthInvalid,
    'conformance length',
  );
  t.equal(
    code(() => decodeAcseApdu(ir('01000000065f1f0401007e1f04b0'))),
    ErrorCode.ValueInvalid,
    'conformance unused bits',
  );
  t.equal(
    code(() => decodeAcseApdu(ir('01000000065f1f0400007e1f04'))),
    ErrorCode.Truncated,
    'cut max pdu size',
  );
  t.equal(
    code(() => decodeAcseApdu(ir('01000000065f1f0400007e1f04b000'))),
    ErrorCode.TrailingBytes,
    'trailing in InitiateRequest',
  );
  t.equal(
    code(() => decodeAcseApdu(ir('0e000601'))),
    ErrorCode.ValueInvalid,
    'ConfirmedServiceError choice 0',
  );
  t.equal(
    code(() => decodeAcseApdu(ir('0e010b01'))),
    ErrorCode.ValueInvalid,
    'ServiceError choice 11',
  );
  t.equal(
    code(() => decodeAcseApdu(ir('21063000'))),
    ErrorCode.LengthOverrun,
    'ciphered initiate, lying length',
  );
  t.equal(
    code(() => decodeAcseApdu(ir('21023000'))),
    DlmsErrorCode.SecurityHeaderInvalid,
    'ciphered initiate without header',
  );
  const aare = (diag: string) => h(`61${(16 + diag.length / 2).toString(16)} ${acn} a203020100 ${diag}`);
  t.equal(
    code(() => decodeAcseApdu(aare('a305a303020100'))),
    ErrorCode.UnexpectedTag,
    'diagnostic choice [3]',
  );
  t.equal(
    code(() => decodeAcseApdu(aare('a305a103020180'))),
    ErrorCode.ValueOutOfRange,
    'negative diagnostic',
  );
  t.equal(
    code(() => decodeAcseApdu(aare(''))),
    ErrorCode.ValueInvalid,
    'AARE without diagnostic',
  );
  t.equal(
    code(() => decodeAcseApdu(h('62 03 8001'))),
    ErrorCode.LengthOverrun,
    'lying length',
  );
  t.equal(
    code(() => decodeAcseApdu(h('62 02 8000'))),
    ErrorCode.ValueInvalid,
    'empty INTEGER',
  );
  t.equal(
    code(() => decodeAcseApdu(h('60 80 0000'))),
    ErrorCode.IndefiniteLength,
    'indefinite length',
  );
});

t.test('truncation anywhere gives a typed error', async (t) => {
  for (const v of vectors) {
    const bytes = fromHex(v.hex);
    const header = bytes[1]! < 0x80 ? 2 : 2 + (bytes[1]! & 0x7f);
    for (let n = 0; n < bytes.length; n++) {
      const want = n < header ? ErrorCode.Truncated : ErrorCode.LengthOverrun;
      const got = code(() => decodeAcseApdu(bytes.subarray(0, n)));
      if (got !== want) t.fail(`${v.id} cut at ${n}: ${got}`);
    }
  }
  t.pass('every prefix rejected with its exact code');
});

const bytesArb = (max: number) => fc.uint8Array({ minLength: 1, maxLength: max });
const intArb = fc.oneof(
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }).filter((b) => b < -(2n ** 47n) || b >= 2n ** 47n),
);
const bitsArb = fc.oneof(
  fc.constant({ unusedBits: 0, bytes: new Uint8Array(0) }),
  fc.record({ unusedBits: fc.integer({ min: 0, max: 7 }), bytes: bytesArb(3) }),
);
const oidArb = fc
  .tuple(
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 0, max: 39 }),
    fc.array(fc.integer({ min: 0, max: 2 ** 31 }), { maxLength: 6 }),
  )
  .map(([a, b, rest]) => [a, b, ...rest].join('.'));
const authArb: fc.Arbitrary<AuthenticationValue> = fc.oneof(
  fc.record({ type: fc.constant('charstring' as const), value: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ type: fc.constant('bitstring' as const), value: bitsArb }),
  fc.record({ type: fc.constant('external' as const), value: fc.constant(fromHex('0603510101')) }),
  fc.record({
    type: fc.constant('other' as const),
    mechanismName: oidArb,
    value: fc.uint8Array({ maxLength: 20 }).map((b) => Uint8Array.of(0x04, b.length, ...b)),
  }),
);
const conformanceArb = fc.integer({ min: 0, max: 0xffffff }).map(conformanceFromNumber);
const userInfoArb: fc.Arbitrary<AcseUserInformationInput> = fc.oneof(
  fc.record({
    type: fc.constant('initiate-request' as const),
    dedicatedKey: fc.option(bytesArb(32), { nil: undefined }),
    responseAllowed: fc.option(fc.boolean(), { nil: undefined }),
    proposedQualityOfService: fc.option(fc.integer({ min: -128, max: 127 }), { nil: undefined }),
    proposedDlmsVersionNumber: fc.integer({ min: 0, max: 255 }),
    proposedConformance: conformanceArb,
    clientMaxReceivePduSize: fc.integer({ min: 0, max: 0xffff }),
  }),
  fc.record({
    type: fc.constant('initiate-response' as const),
    negotiatedQualityOfService: fc.option(fc.integer({ min: -128, max: 127 }), { nil: undefined }),
    negotiatedDlmsVersionNumber: fc.integer({ min: 0, max: 255 }),
    negotiatedConformance: conformanceArb,
    serverMaxReceivePduSize: fc.integer({ min: 0, max: 0xffff }),
    vaaName: fc.integer({ min: 0, max: 0xffff }),
  }),
  fc.record({
    type: fc.constant('confirmed-service-error' as const),
    service: fc.integer({ min: 1, max: 19 }),
    error: fc.integer({ min: 0, max: 10 }),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    type: fc.constant('ciphered' as const),
    apdu: fc.record({
      type: fc.constant('service-specific-ciphering' as const),
      tag: fc.constantFrom(0x21, 0x28, 0x2e, 0x41, 0x48, 0x4e),
      securityControl: fc.record({
        suite: fc.integer({ min: 0, max: 2 }),
        authentication: fc.constant(true),
        encryption: fc.boolean(),
        broadcastKey: fc.boolean(),
        compression: fc.constant(false),
      }),
      invocationCounter: fc.integer({ min: 0, max: 0xffffffff }),
      ciphertext: fc.uint8Array({ maxLength: 40 }),
      authenticationTag: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    }),
  }),
  fc.record({
    type: fc.constant('other' as const),
    content: fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => Uint8Array.of(0x60, ...b)),
  }),
);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const textArb = fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'));

const acseArb: fc.Arbitrary<AcseApduInput> = fc.oneof(
  fc.record({
    type: fc.constant('aarq' as const),
    protocolVersion: opt(bitsArb),
    applicationContextName: fc.oneof(fc.constantFrom(...Object.values(ApplicationContextName)), oidArb),
    calledApTitle: opt(bytesArb(8)),
    calledAeQualifier: opt(bytesArb(200)),
    calledApInvocationId: opt(intArb),
    calledAeInvocationId: opt(intArb),
    callingApTitle: opt(bytesArb(8)),
    callingAeQualifier: opt(bytesArb(300)),
    callingApInvocationId: opt(intArb),
    callingAeInvocationId: opt(intArb),
    senderAcseRequirements: opt(bitsArb),
    mechanismName: opt(fc.oneof(fc.integer({ min: 0, max: 7 }).map(mechanismNameFor), oidArb)),
    callingAuthenticationValue: opt(authArb),
    implementationInformation: opt(textArb),
    userInformation: opt(userInfoArb),
  }),
  fc.record({
    type: fc.constant('aare' as const),
    protocolVersion: opt(bitsArb),
    applicationContextName: oidArb,
    result: fc.integer({ min: 0, max: 2 }),
    resultSourceDiagnostic: fc.record({
      type: fc.constantFrom('acse-service-user' as const, 'acse-service-provider' as const),
      value: fc.integer({ min: 0, max: 2 ** 31 }),
    }),
    respondingApTitle: opt(bytesArb(8)),
    respondingAeQualifier: opt(bytesArb(100)),
    respondingApInvocationId: opt(intArb),
    respondingAeInvocationId: opt(intArb),
    responderAcseRequirements: opt(bitsArb),
    mechanismName: opt(oidArb),
    respondingAuthenticationValue: opt(authArb),
    implementationInformation: opt(textArb),
    userInformation: opt(userInfoArb),
  }),
  fc.record({
    type: fc.constantFrom('rlrq' as const, 'rlre' as const),
    reason: opt(fc.constantFrom(0, 1, 30)),
    userInformation: opt(userInfoArb),
  }),
);

/** Strips what decoding adds (raw, derived fields) so a decoded APDU compares with its input. */
function comparable(x: unknown): unknown {
  return JSON.parse(
    JSON.stringify(x, (k, v) => {
      if (k === 'raw' || k === 'plainTag' || k === 'kind') return undefined;
      if (v instanceof Uint8Array) return toHex(v);
      if (typeof v === 'bigint') return `${v}n`;
      return v;
    }),
  );
}

t.test('property: our encoding equals asn1js re-encoding of it (oracle)', async (t) => {
  fc.assert(
    fc.property(acseArb, (apdu) => {
      const bytes = encodeAcseApdu(apdu);
      const parsed = asn1js.fromBER(bytes);
      t.equal(parsed.offset, bytes.length, 'asn1js parses the whole APDU');
      const again = new Uint8Array(parsed.result.toBER(false));
      t.equal(toHex(again), toHex(bytes));
    }),
    { numRuns: 300 },
  );
});

t.test('property: decode(encode(x)) equals x', async (t) => {
  fc.assert(
    fc.property(acseArb, (apdu) => {
      const bytes = encodeAcseApdu(apdu);
      const back: AcseApdu = decodeAcseApdu(bytes);
      t.same(comparable(back), comparable(apdu));
      t.equal(toHex(encodeAcseApdu(back as AcseApduInput)), toHex(bytes));
    }),
    { numRuns: 400 },
  );
});

t.test('property: arbitrary and mutated bytes only raise MeterkitError', async (t) => {
  const seeds = vectors.map((v) => fromHex(v.hex));
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 0, max: 255 }))
    .map(([b, at, v]) => {
      const c = b.slice();
      c[at % c.length] = v;
      return c;
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 60 }), mutated), (bytes) => {
      try {
        decodeAcseApdu(bytes);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
      }
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

t.test('redactAcseSecrets empties passwords, challenges and dedicated keys', async (t) => {
  for (const v of vectors) {
    const apdu = decodeAcseApdu(fromHex(v.hex));
    const red = redactAcseSecrets(apdu);
    t.equal(red.raw, undefined, `${v.id}: raw dropped`);
    const text = JSON.stringify(view(red));
    for (const secret of [
      '3132333435363738',
      '4b353669566167',
      '50367752',
      '00112233445566778899aabbccddeeff',
      'a5f0',
      '00010203040506070809',
    ]) {
      if (text.includes(secret)) t.fail(`${v.id}: ${secret} still present`);
    }
    t.equal(red.type, apdu.type);
    if (red.type === 'aarq' && apdu.type === 'aarq')
      t.equal(red.mechanismName, apdu.mechanismName, 'the rest is kept');
  }
  const rlrq = redactAcseSecrets(decodeAcseApdu(fromHex('6203800100')));
  t.same(view(rlrq), { type: 'rlrq', reason: 0 });
});

t.test('names, conformance and encode errors', async (t) => {
  t.equal(applicationContextNameFor('short-name', true), ApplicationContextName.ShortNameWithCiphering);
  t.equal(applicationContextNameFor('logical-name', false), '2.16.756.5.8.1.1');
  t.same(applicationContextInfo('2.16.756.5.8.1.4'), {
    id: 4,
    referencing: 'short-name',
    ciphering: true,
    name: 'Short_Name_Referencing_With_Ciphering',
  });
  t.equal(applicationContextInfo('2.16.756.5.8.1.5'), undefined);
  t.equal(applicationContextInfo('2.16.756.5.8.1.01'), undefined);
  t.equal(applicationContextInfo('1.2.3'), undefined);
  t.same(mechanismInfo(MechanismName.HighLevelEcdsa), { id: 7, name: 'high-level-ecdsa' });
  t.same(mechanismInfo(MechanismName.LowestLevel), { id: 0, name: 'lowest-level' });
  t.equal(mechanismInfo('2.16.756.5.8.2.8'), undefined);
  t.equal(mechanismInfo('2.16.756.5.8.1.1'), undefined);
  t.equal(CONFORMANCE_BITS.length, 24);
  t.same(conformanceFromNumber(0x007e1f), [
    'priority-mgmt-supported',
    'attribute0-supported-with-get',
    'block-transfer-with-get-or-read',
    'block-transfer-with-set-or-write',
    'block-transfer-with-action',
    'multiple-references',
    'get',
    'set',
    'selective-access',
    'event-notification',
    'action',
  ]);
  t.same(conformanceFromNumber(0xe00000), ['reserved-zero', 'general-protection', 'general-block-transfer']);
  t.equal(conformanceToNumber(['delta-value-encoding', 'data-notification', 'access']), 0x0200c0);
  t.equal(toHex(encodeConformance(['action'])), '5f1f0400000001');
  t.equal(
    code(() => conformanceToNumber(['bogus' as never])),
    ErrorCode.ValueInvalid,
  );
  t.equal(acseDiagnosticName({ type: 'acse-service-user', value: 13 }), 'authentication-failure');
  t.equal(acseDiagnosticName({ type: 'acse-service-provider', value: 2 }), 'no-common-acse-version');
  t.equal(acseDiagnosticName({ type: 'acse-service-provider', value: 9 }), undefined);
  t.same([0, 1, 2, 3, 5n].map(associationResultName), [
    'accepted',
    'rejected-permanent',
    'rejected-transient',
    undefined,
    undefined,
  ]);
  t.same(
    [0, 1, 30, 2].map((r) => releaseReasonName('rlrq', r)),
    ['normal', 'urgent', 'user-defined', undefined],
  );
  t.equal(releaseReasonName('rlre', 1), 'not-finished');
  t.equal(ConfirmedServiceErrorService[1], 'initiate-error');
  t.equal(serviceErrorValueName(6, 3), 'pdu-size-too-short');
  t.equal(serviceErrorValueName(8, 0), undefined);
  t.equal(decodeAcseUserInformation(fromHex('c001')).type, 'other');
  t.equal(
    toHex(encodeAcseUserInformation({ type: 'confirmed-service-error', service: 1, error: 6, value: 2 })),
    '0e010602',
  );
  const aarq = {
    type: 'aarq',
    applicationContextName: ApplicationContextName.LogicalNameNoCiphering,
  } as const;
  t.equal(
    code(() => encodeAcseApdu({ type: 'aarq' } as unknown as AcseApduInput)),
    ErrorCode.EncodeFailed,
    'mandatory missing',
  );
  t.equal(
    code(() => encodeAcseApdu({ ...aarq, implementationInformation: 'Ω' })),
    ErrorCode.EncodeFailed,
    'GraphicString',
  );
  t.equal(
    code(() => encodeAcseApdu({ ...aarq, callingApInvocationId: 1.5 })),
    ErrorCode.EncodeFailed,
    'non-integer',
  );
  t.equal(
    code(() => encodeAcseApdu({ ...aarq, userInformation: { type: 'other', content: new Uint8Array(0) } })),
    ErrorCode.EncodeFailed,
    'empty user-information',
  );
  t.equal(
    code(() =>
      encodeAcseApdu({
        type: 'aare',
        applicationContextName: '1.2',
        result: 0,
        resultSourceDiagnostic: { type: 'x' as never, value: 0 },
      }),
    ),
    ErrorCode.EncodeFailed,
    'diagnostic source',
  );
  t.equal(
    code(() =>
      encodeAcseUserInformation({ type: 'confirmed-service-error', service: 256, error: 0, value: 0 }),
    ),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(toHex(encodeAcseApdu({ type: 'rlre' })), '6300');
});
