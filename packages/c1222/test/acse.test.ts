import { isDeepStrictEqual } from 'node:util';
import { ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  absoluteApTitle,
  apTitleAbsoluteOid,
  apTitleToString,
  type C1222Acse,
  C1222ErrorCode,
  C1222KeyStore,
  CallingAeQualifier,
  type CallingAuthenticationValue,
  decodeC1222Acse,
  decodeC1222Message,
  encodeC1222Acse,
  encodeC1222Message,
  relativeApTitle,
} from '../src/index.js';
import { apTitleArb } from './helpers/arbitraries.js';

const BASE = '2.16.124.113620.1.22.0';

t.test('AP title helpers', async (t) => {
  t.same(absoluteApTitle('1.3.6.1'), { form: 'absolute', oid: '1.3.6.1' });
  t.same(relativeApTitle('123.4'), { form: 'relative', relative: '.123.4' });
  t.same(relativeApTitle('.123.4', BASE), { form: 'relative', relative: '.123.4', oid: `${BASE}.123.4` });
  t.equal(apTitleToString(relativeApTitle('.5')), '.5', 'relative shown with a leading dot without base');
  t.equal(apTitleToString(relativeApTitle('.5', BASE)), `${BASE}.5`);
  t.equal(apTitleToString(absoluteApTitle('1.3.6.1')), '1.3.6.1');
  t.equal(apTitleAbsoluteOid(relativeApTitle('.5'), '1.2'), '1.2.5');
  t.equal(apTitleAbsoluteOid(relativeApTitle('.5', BASE)), `${BASE}.5`);
  t.throws(() => apTitleAbsoluteOid(relativeApTitle('.5')), { code: C1222ErrorCode.ApTitleBaseMissing });
  t.throws(() => absoluteApTitle('1'), { code: ErrorCode.InvalidArgument });
  t.throws(() => relativeApTitle('x'), { code: ErrorCode.InvalidArgument });
  const rel = decodeC1222Acse(fromHex('6006a2048002 7b04'.replace(' ', '')), { baseOid: BASE });
  t.same(
    rel.calledApTitle,
    { form: 'relative', relative: '.123.4', oid: `${BASE}.123.4` },
    'relative 80 expanded',
  );
  const uni = decodeC1222Acse(fromHex('6006a2040d027b04'));
  t.same(
    uni.calledApTitle,
    { form: 'relative', relative: '.123.4', universalTag: true },
    'universal RELATIVE-OID 0D',
  );
  t.equal(toHex(encodeC1222Acse(uni)), '6006a2040d027b04');
});

t.test('every element, incl. A3, A5, A9 and 8B', async (t) => {
  const acse: C1222Acse = {
    type: 'c1222-acse',
    applicationContext: '2.16.124.113620.1.22',
    calledApTitle: absoluteApTitle('1.3.6.1.4.1.33507'),
    calledAeQualifier: 1,
    calledApInvocationId: 0x7fffffff,
    calledAeInvocationId: -5,
    callingApTitle: relativeApTitle('.9'),
    callingAeQualifier: CallingAeQualifier.urgent | CallingAeQualifier.test,
    callingApInvocationId: 2n ** 60n,
    callingAeInvocationId: 128,
    mechanismName: '2.16.124.113620.1.22.2.1',
    callingAuthenticationValue: { type: 'c1222', keyId: 7, iv: fromHex('00000001') },
  };
  const bytes = encodeC1222Acse(acse);
  t.equal(toHex(bytes.subarray(0, 2)), `60${bytes[1]!.toString(16)}`);
  const back = decodeC1222Acse(bytes);
  const { raw, ...rest } = back;
  t.equal(raw, bytes);
  t.same(rest, acse);
  t.equal(toHex(encodeC1222Acse(back)), toHex(bytes));
  // element order on the wire follows the tag numbers
  const tags: number[] = [];
  let p = 2;
  while (p < bytes.length) {
    tags.push(bytes[p]!);
    p += 2 + bytes[p + 1]!;
  }
  t.same(tags, [0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0x8b, 0xac]);
  // decoding accepts any order
  const swapped = fromHex('600aa803020101a203800105');
  t.same(decodeC1222Acse(swapped).calledApTitle, { form: 'relative', relative: '.5' });
});

t.test('calling-authentication-value forms', async (t) => {
  const forms: [CallingAuthenticationValue, string][] = [
    [{ type: 'c1222', keyId: 2, iv: fromHex('48e99388') }, 'ac0fa20da00ba109800102810448e99388'],
    [{ type: 'c1222', iv: fromHex('01020304') }, 'ac0ca20aa008a106810401020304'],
    [{ type: 'c1222' }, 'ac06a204a002a100'],
    [
      {
        type: 'c1222',
        indirectReference: 0,
        keyId: 1,
        iv: fromHex('01020304'),
        elements: [{ tag: 2, constructed: false, value: fromHex('aa') }],
      },
      'ac15a213020100a00ea10c8001018104010203048201aa',
    ],
    [{ type: 'c1221', kind: 'identification', value: fromHex('0102') }, 'ac0aa208a006a00480020102'],
    [{ type: 'c1221', kind: 'request', value: fromHex('03') }, 'ac09a207a005a003810103'],
    [
      { type: 'c1221', kind: 'response', value: fromHex('04'), indirectReference: 1 },
      'ac0ca20a020101a005a003820104',
    ],
    [{ type: 'octet-aligned', value: fromHex('cafe') }, 'ac06a2048102cafe'],
    [
      { type: 'octet-aligned', value: fromHex('cafe'), indirectReference: 2 },
      'ac09a207020102 8102cafe'.replace(' ', ''),
    ],
  ];
  for (const [cav, hex] of forms) {
    const acse: C1222Acse = { type: 'c1222-acse', callingAuthenticationValue: cav };
    const bytes = encodeC1222Acse(acse);
    t.equal(toHex(bytes.subarray(2)), hex, `${cav.type} encodes`);
    t.same(decodeC1222Acse(bytes).callingAuthenticationValue, cav, `${cav.type} decodes`);
  }
  const bad: [string, number, string][] = [
    ['ac02a100', ErrorCode.UnexpectedTag, 'not A2'],
    ['ac04a2028200', ErrorCode.UnexpectedTag, 'encoding not A0/81'],
    ['ac06a204a002a200', ErrorCode.UnexpectedTag, 'single-asn1 not A1/A0'],
    ['ac07a205a003a1010a', ErrorCode.Truncated, 'element cut'],
    ['ac09a207a005a10380020102', ErrorCode.LengthOverrun, 'element overrun'],
    ['ac0aa208a006a10480020102', ErrorCode.ValueInvalid, 'two-byte key id'],
    ['ac09a207a005a1030a0101', ErrorCode.UnexpectedTag, 'universal element'],
    ['ac09a207a005a003830101', ErrorCode.UnexpectedTag, 'C12.21 tag 83'],
    ['ac08a206a004a0020000', ErrorCode.UnexpectedTag, 'C12.21 universal'],
    ['ac04a2020200', ErrorCode.ValueInvalid, 'empty indirect reference'],
  ];
  for (const [hex, code, what] of bad) {
    const b = fromHex(hex);
    const apdu = Uint8Array.of(0x60, b.length, ...b);
    t.throws(() => decodeC1222Acse(apdu), { code }, what);
  }
  t.throws(
    () => encodeC1222Acse({ type: 'c1222-acse', callingAuthenticationValue: { type: 'c1222', keyId: 300 } }),
    {
      code: ErrorCode.EncodeFailed,
    },
  );
});

t.test('user-information with an indirect reference', async (t) => {
  const keys = new C1222KeyStore([[0, fromHex('102030405060708090a0b0c0d0e0f000')]]);
  for (const mode of [0, 1, 2] as const) {
    const bytes = encodeC1222Message(
      {
        acse: {
          type: 'c1222-acse',
          calledApTitle: absoluteApTitle('1.3.6.1'),
          callingApInvocationId: 1,
          callingAuthenticationValue: { type: 'c1222', iv: fromHex('00000000') },
        },
        epsem: {
          type: 'epsem',
          control: {
            recoverySession: false,
            proxyServiceUsed: false,
            securityMode: mode,
            responseControl: 0,
          },
          services: [{ type: 'identify' }],
        },
        userInformationIndirectReference: 3,
      },
      { keys },
    );
    const m = decodeC1222Message(bytes, { keys });
    t.equal(m.acse.userInformation?.indirectReference, 3, `mode ${mode}`);
    t.same(m.epsem?.services, [{ type: 'identify' }]);
    t.equal(toHex(encodeC1222Acse(m.acse)), toHex(bytes), 'ACSE re-encodes');
  }
  const bad: [string, number, string][] = [
    ['be03290100', ErrorCode.UnexpectedTag, 'not EXTERNAL'],
    ['be0428028200', ErrorCode.UnexpectedTag, 'not octet-aligned'],
    ['be062804810180ff', ErrorCode.TrailingBytes, 'trailing in EXTERNAL'],
  ];
  for (const [hex, code, what] of bad) {
    const b = fromHex(hex);
    t.throws(() => decodeC1222Acse(Uint8Array.of(0x60, b.length, ...b)), { code }, what);
  }
});

t.test('property: random ACSE models round trip', async (t) => {
  const int = fc.oneof(
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).filter((b) => b < -(2n ** 53n) || b > 2n ** 53n),
  );
  fc.assert(
    fc.property(
      fc.record(
        {
          calledApTitle: apTitleArb,
          callingApTitle: apTitleArb,
          calledApInvocationId: int,
          callingApInvocationId: int,
          callingAeQualifier: fc.integer({ min: 0, max: 255 }),
          calledAeQualifier: int,
          calledAeInvocationId: int,
          callingAeInvocationId: int,
          epsem: fc.uint8Array({ minLength: 1, maxLength: 300 }),
        },
        { requiredKeys: [] },
      ),
      ({ epsem, ...fields }) => {
        const acse: C1222Acse = {
          type: 'c1222-acse',
          ...fields,
          ...(epsem === undefined ? {} : { userInformation: { epsem } }),
        };
        const bytes = encodeC1222Acse(acse);
        const { raw: _raw, ...back } = decodeC1222Acse(bytes);
        return isDeepStrictEqual(back, acse);
      },
    ),
    { numRuns: 500 },
  );
  t.pass('ok');
});

t.test('property: arbitrary ACSE bodies only raise MeterkitError', async (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.constantFrom(0xa1, 0xa2, 0xa3, 0xa4, 0xa6, 0xa8, 0x8b, 0xac, 0xbe),
          fc.uint8Array({ maxLength: 20 }),
        ),
        { maxLength: 5 },
      ),
      (els) => {
        const parts: number[] = [];
        for (const [tag, v] of els) parts.push(tag, v.length, ...v);
        try {
          decodeC1222Acse(Uint8Array.of(0x60, parts.length, ...parts));
        } catch (e) {
          if (!isMeterkitError(e)) throw e;
        }
        return true;
      },
    ),
    { numRuns: 1000 },
  );
  t.pass('ok');
});
