import { ErrorCode, fromHex, isMeterkitError, stringifyJson, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  absoluteApTitle,
  type C1222Acse,
  C1222ErrorCode,
  C1222KeyStore,
  decodeC1222Acse,
  decodeC1222Message,
  EAXPRIME_EMPTY_MESSAGE_WEAKNESS,
  type Epsem,
  encodeC1222Acse,
  encodeC1222Message,
  relativeApTitle,
} from '../src/index.js';
import { apTitleArb, epsemArb } from './helpers/arbitraries.js';

const KEY = fromHex('6624c7e23034e4036fe5cb3a8b5dab44');
const BASE = '2.16.124.113620.1.22.0';
const keys = new C1222KeyStore([[3, KEY]]);

const acse: C1222Acse = {
  type: 'c1222-acse',
  applicationContext: '2.16.124.113620.1.22',
  calledApTitle: absoluteApTitle('2.16.124.113620.1.22.0.77'),
  callingApTitle: relativeApTitle('.123.4', BASE),
  callingAeQualifier: 4,
  callingApInvocationId: 42,
  callingAuthenticationValue: { type: 'c1222', keyId: 3, iv: fromHex('0a0b0c0d') },
};

const epsem = (mode: 0 | 1 | 2, services: Epsem['services']): Epsem => ({
  type: 'epsem',
  control: {
    recoverySession: false,
    proxyServiceUsed: false,
    securityMode: mode,
    responseControl: 0,
    reserved: true,
  },
  services,
});

t.test('modes 0, 1, 2 round trip; mode 2 hides the services', async (t) => {
  const services = [{ type: 'full-read', tableId: 1 } as const, { type: 'wait', seconds: 9 } as const];
  for (const mode of [0, 1, 2] as const) {
    const bytes = encodeC1222Message({ acse, epsem: epsem(mode, services) }, { keys, baseOid: BASE });
    const m = decodeC1222Message(bytes, { keys, baseOid: BASE });
    t.same(m.epsem?.services, services, `mode ${mode} services`);
    t.equal(m.security.status, mode === 0 ? 'cleartext' : 'authenticated');
    t.equal(m.security.keyId, 3);
    t.equal(m.epsemControl.securityMode, mode);
    const plainHex = '0330000102700' + '9';
    t.equal(
      toHex(m.acse.userInformation!.epsem).includes(plainHex),
      mode !== 2,
      'cleartext visible only below mode 2',
    );
    if (mode !== 0) t.equal(m.security.mac?.length, 4);
    t.equal(
      toHex(encodeC1222Message({ acse: m.acse, epsem: m.epsem! }, { keys, baseOid: BASE })),
      toHex(bytes),
      'decoded message re-encodes byte-exact',
    );
  }
});

t.test('without the key: mode 1 readable but unverified, mode 2 stays encrypted', async (t) => {
  const m1 = encodeC1222Message({ acse, epsem: epsem(1, [{ type: 'identify' }]) }, { keys, baseOid: BASE });
  const m2 = encodeC1222Message({ acse, epsem: epsem(2, [{ type: 'identify' }]) }, { keys, baseOid: BASE });
  const d1 = decodeC1222Message(m1);
  t.equal(d1.security.status, 'no-key');
  t.same(d1.epsem?.services, [{ type: 'identify' }]);
  const d2 = decodeC1222Message(m2);
  t.equal(d2.security.status, 'no-key');
  t.equal(d2.epsem, undefined);
  t.equal(d2.ciphertext?.length, 2);
  t.throws(() => decodeC1222Message(m2, { requireAuthentication: true }), { code: ErrorCode.KeyMissing });
  const m0 = encodeC1222Message({ acse, epsem: epsem(0, [{ type: 'identify' }]) });
  t.throws(() => decodeC1222Message(m0, { requireAuthentication: true }), {
    code: ErrorCode.AuthenticationFailed,
  });
  t.throws(() => decodeC1222Message(m2, { keys, baseOid: BASE }).epsem && decodeC1222Message(m2, { keys }), {
    code: C1222ErrorCode.ApTitleBaseMissing,
  });
  t.throws(() => encodeC1222Message({ acse, epsem: epsem(2, [{ type: 'identify' }]) }), {
    code: ErrorCode.KeyMissing,
  });
  const noIv: C1222Acse = { ...acse, callingAuthenticationValue: { type: 'c1222', keyId: 3 } };
  t.throws(() => encodeC1222Message({ acse: noIv, epsem: epsem(1, [{ type: 'identify' }]) }, { keys }), {
    code: ErrorCode.EncodeFailed,
  });
  const withNoIv = encodeC1222Acse({
    ...decodeC1222Acse(m1),
    callingAuthenticationValue: { type: 'c1222', keyId: 3 },
  });
  t.throws(() => decodeC1222Message(withNoIv, { keys, baseOid: BASE }), { code: ErrorCode.ValueInvalid });
  t.equal(decodeC1222Message(withNoIv).security.status, 'no-key');
  t.throws(() => encodeC1222Message({ acse, epsem: epsem(3 as 0, [{ type: 'identify' }]) }, { keys }), {
    code: ErrorCode.EncodeFailed,
  });
  const mode3 = Uint8Array.from(m0);
  mode3[mode3.length - 3]! |= 0x0c;
  t.throws(() => decodeC1222Message(mode3), { code: ErrorCode.Unsupported });
  const short = fromHex('6009be0728058103880102');
  t.throws(() => decodeC1222Message(short), { code: ErrorCode.Truncated }, 'shorter than the MAC');
});

t.test("empty EPSEM in mode 2 is flagged (EAX' empty-message weakness)", async (t) => {
  const bytes = encodeC1222Message({ acse, epsem: epsem(2, []) }, { keys, baseOid: BASE });
  const m = decodeC1222Message(bytes, { keys, baseOid: BASE });
  t.equal(m.security.status, 'authenticated');
  t.same(m.security.weaknesses, [EAXPRIME_EMPTY_MESSAGE_WEAKNESS]);
  t.same(m.epsem?.services, []);
  const noKey = decodeC1222Message(bytes);
  t.same(noKey.security.weaknesses, [EAXPRIME_EMPTY_MESSAGE_WEAKNESS]);
});

t.test('property: secured messages round trip in every mode', async (t) => {
  fc.assert(
    fc.property(
      epsemArb(),
      apTitleArb,
      apTitleArb,
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      (e, called, calling, iv) => {
        const a: C1222Acse = {
          type: 'c1222-acse',
          calledApTitle: called,
          callingApTitle: calling,
          callingApInvocationId: 7,
          callingAuthenticationValue: { type: 'c1222', keyId: 3, iv },
        };
        const bytes = encodeC1222Message({ acse: a, epsem: e }, { keys, baseOid: BASE });
        const m = decodeC1222Message(bytes, { keys, baseOid: BASE });
        const again = encodeC1222Message({ acse: m.acse, epsem: m.epsem! }, { keys, baseOid: BASE });
        return toHex(again) === toHex(bytes) && m.epsem!.services.length === e.services.length;
      },
    ),
    { numRuns: 300 },
  );
  t.pass('round trips');
});

t.test('property: any single bit flip in a secured APDU is rejected', async (t) => {
  const samples = [1, 2].map((mode) =>
    encodeC1222Message(
      {
        acse,
        epsem: epsem(mode as 1 | 2, [
          { type: 'full-write', tableId: 7, tableData: { data: fromHex('1a00000200') } },
          { type: 'partial-read-offset', tableId: 64, offset: 0x123456, octetCount: 100 },
        ]),
      },
      { keys, baseOid: BASE },
    ),
  );
  // exhaustively: every bit of both messages
  let macFailures = 0;
  for (const sample of samples) {
    const ui = decodeC1222Acse(sample).userInformation!.epsem;
    const uiStart = ui.byteOffset - sample.byteOffset;
    for (let bit = 0; bit < sample.length * 8; bit++) {
      const bad = Uint8Array.from(sample);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      try {
        decodeC1222Message(bad, { keys, baseOid: BASE, requireAuthentication: true });
        t.fail(`bit ${bit} accepted`);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        if (bit >> 3 >= uiStart) {
          if (e.code !== ErrorCode.AuthenticationFailed && e.code !== ErrorCode.Unsupported)
            t.fail(`EPSEM bit ${bit}: code ${e.code}`);
        }
        if (e.code === ErrorCode.AuthenticationFailed) macFailures++;
      }
    }
  }
  t.ok(macFailures > 500, `${macFailures} flips caught by the MAC`);
});

t.test('property: arbitrary bytes only raise MeterkitError', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
      const input = b.length > 0 && b[0]! % 2 === 0 ? Uint8Array.of(0x60, b.length, ...b) : b;
      try {
        decodeC1222Message(input, { keys, baseOid: BASE });
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
      }
      return true;
    }),
    { numRuns: 1000 },
  );
  t.pass('no foreign exceptions');
});

t.test('property: truncating a valid APDU gives a typed error', async (t) => {
  const bytes = encodeC1222Message(
    { acse, epsem: epsem(2, [{ type: 'full-read', tableId: 1 }]) },
    { keys, baseOid: BASE },
  );
  for (let n = 0; n < bytes.length; n++) {
    try {
      decodeC1222Message(bytes.subarray(0, n), { keys, baseOid: BASE });
      t.fail(`prefix ${n} accepted`);
    } catch (e) {
      t.ok(
        isMeterkitError(e, ErrorCode.Truncated) || isMeterkitError(e, ErrorCode.LengthOverrun),
        `prefix ${n}: ${isMeterkitError(e) ? e.code : e}`,
      );
    }
  }
});

t.test('JSON form: dotted AP titles, hex bytes, no key material', async (t) => {
  const bytes = encodeC1222Message(
    { acse, epsem: epsem(2, [{ type: 'full-read', tableId: 1 }]) },
    { keys, baseOid: BASE },
  );
  const m = decodeC1222Message(bytes, { keys, baseOid: BASE });
  const json = stringifyJson(m);
  const parsed = JSON.parse(json) as {
    acse: { callingApTitle: { oid: string; relative: string } };
    security: { iv: string };
  };
  t.equal(parsed.acse.callingApTitle.oid, `${BASE}.123.4`);
  t.equal(parsed.acse.callingApTitle.relative, '.123.4');
  t.equal(parsed.security.iv, '0a0b0c0d');
  t.notMatch(json, /6624c7e2/, 'the key never appears');
  t.notMatch(JSON.stringify(keys), /6624c7e2/);
});

t.test('property: mutated valid messages only raise MeterkitError', async (t) => {
  const samples = ([0, 1, 2] as const).map((mode) =>
    encodeC1222Message(
      {
        acse: { ...acse, calledApInvocationId: 9, callingAeInvocationId: 3 },
        epsem: {
          ...epsem(mode, [
            { type: 'identify' },
            { type: 'full-write', tableId: 7, tableData: { data: fromHex('1a00000200') } },
          ]),
          edClass: fromHex('54454d50'),
        },
      },
      { keys, baseOid: BASE },
    ),
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...samples),
      fc.array(
        fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
      (sample, edits) => {
        const b = [...sample];
        for (const [pos, value, op] of edits) {
          const p = pos % (b.length + 1);
          if (op === 'set' && p < b.length) b[p] = value;
          else if (op === 'insert') b.splice(p, 0, value);
          else if (op === 'delete' && p < b.length) b.splice(p, 1);
        }
        for (const opts of [{ keys, baseOid: BASE }, {}, { keys }]) {
          try {
            decodeC1222Message(Uint8Array.from(b), opts);
          } catch (e) {
            if (!isMeterkitError(e)) throw e;
          }
        }
        return true;
      },
    ),
    { numRuns: 1000 },
  );
  t.pass('ok');
});
