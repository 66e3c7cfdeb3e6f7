import { fromHex, isMeterkitError, MeterkitError, Reader, Writer } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { AARE_FIELDS } from '../src/acse/aare.js';
import { AARQ_FIELDS } from '../src/acse/aarq.js';
import { decodeAcseApdu, encodeAcseApdu, writeAcseApdu } from '../src/acse/acse-apdu.js';
import { decodeAcseFieldValues, decodeFieldsGeneral } from '../src/acse/fields.js';
import {
  initiateRequestInPlace,
  initiateResponseInPlace,
  readInitiateRequest,
  readInitiateResponse,
} from '../src/acse/initiate.js';
import { RELEASE_FIELDS } from '../src/acse/release.js';
import { decodeApdu, encodeApdu, writeApdu } from '../src/apdu/registry.js';
import { formatObis, parseObis, writeObis } from '../src/obis/obis.js';
import { decodeWrapperPdu } from '../src/wrapper/wrapper.js';

// AARQ (LN, no security) and AARE (accepted) as a meter and a head-end exchange them, and an
// AARQ with LLS (sender-acse-requirements, mechanism-name, calling-authentication-value).
const AARQ = fromHex('601da109060760857405080101be10040e01000000065f1f0400007e1f04b0');
const AARE = fromHex(
  '6129a109060760857405080101a203020100a305a103020100be10040e0800065f1f040000501f01f40007',
);
const AARQ_LLS = fromHex(
  '6036a1090607608574050801018a0207808b0760857405080201ac0a80083132333435363738be10040e01000000065f1f0400001e1d0400',
);
const RLRQ = fromHex('6203800100');
const SAMPLES = [AARQ, AARE, AARQ_LLS, RLRQ];

function specsOf(b: Uint8Array) {
  return b[0] === 0x60 ? AARQ_FIELDS : b[0] === 0x61 ? AARE_FIELDS : RELEASE_FIELDS;
}
function nameOf(b: Uint8Array) {
  return ['aarq', 'aare', 'rlrq', 'rlre'][b[0]! - 0x60]!;
}

/** The outcome of a decode as plain data: the values (views as hex), or the error's fields. */
function outcome(f: () => unknown): unknown {
  try {
    return { ok: JSON.parse(JSON.stringify(f(), (_k, v) => (v instanceof Uint8Array ? [...v] : v))) };
  } catch (e) {
    if (!(e instanceof MeterkitError)) throw e;
    return { code: e.code, offset: e.offset, path: e.path, message: e.message };
  }
}

t.test('ACSE: the in-place field decoder agrees with the general one, values and errors', (t) => {
  for (const b of SAMPLES) {
    const content = b.subarray(2);
    t.same(
      outcome(() => decodeAcseFieldValues(content, 2, specsOf(b), nameOf(b))),
      outcome(() => decodeFieldsGeneral(content, 2, specsOf(b), nameOf(b))),
      toHexShort(b),
    );
  }
  fc.assert(
    fc.property(
      fc.constantFrom(...SAMPLES),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
      fc.nat(8),
      (b, edits, cut) => {
        const m = b.slice(2, Math.max(2, b.length - (cut % 3 === 0 ? cut : 0)));
        for (const [at, v] of edits) if (m.length > 0) m[at % m.length] = v;
        const fast = outcome(() => decodeAcseFieldValues(m, 7, specsOf(b), nameOf(b)));
        const general = outcome(() => decodeFieldsGeneral(m, 7, specsOf(b), nameOf(b)));
        t.same(fast, general);
      },
    ),
    { numRuns: 1500 },
  );
  t.end();
});

function toHexShort(b: Uint8Array): string {
  return [...b.subarray(0, 4)].map((x) => x.toString(16).padStart(2, '0')).join('');
}

t.test('ACSE: key order of decoded APDUs is type, the fields in tag order, raw', (t) => {
  const a = decodeAcseApdu(AARQ);
  t.same(Object.keys(a), ['type', ...AARQ_FIELDS.map((s) => s.key), 'raw']);
  const e = decodeAcseApdu(AARE);
  t.same(Object.keys(e), ['type', ...AARE_FIELDS.map((s) => s.key), 'raw']);
  const r = decodeAcseApdu(RLRQ);
  t.same(Object.keys(r), ['type', ...RELEASE_FIELDS.map((s) => s.key), 'raw']);
  t.end();
});

t.test('ACSE: non-minimal lengths take the general decoder and give the same values', (t) => {
  // application-context-name with its outer length in long form (81 09)
  const long = fromHex('601ea18109060760857405080101be10040e01000000065f1f0400007e1f04b0');
  const a = decodeAcseApdu(long);
  const b = decodeAcseApdu(AARQ);
  t.equal(a.type, 'aarq');
  t.same({ ...a, raw: undefined }, { ...b, raw: undefined });
  t.end();
});

t.test('ACSE: writeAcseApdu writes what encodeAcseApdu returns, into a used writer', (t) => {
  for (const b of SAMPLES) {
    const apdu = decodeAcseApdu(b);
    const w = new Writer(16);
    w.u8(0xaa);
    writeAcseApdu(w, apdu as Parameters<typeof writeAcseApdu>[1]);
    t.same([...w.written().subarray(1)], [...encodeAcseApdu(apdu as Parameters<typeof encodeAcseApdu>[0])]);
    t.same([...w.written().subarray(1)], [...b], 'canonical sample re-encodes exactly');
  }
  // a long user-information field (> 127 octets) moves the content for a two-octet length
  const big = { type: 'other' as const, content: new Uint8Array(300).fill(7) };
  const aarq = { type: 'aarq' as const, applicationContextName: '2.16.756.5.8.1.1', userInformation: big };
  const bytes = encodeAcseApdu(aarq);
  const back = decodeAcseApdu(bytes);
  t.equal(back.type, 'aarq');
  t.same(
    [...(back as { userInformation: { content: Uint8Array } }).userInformation.content],
    [...big.content],
  );
  t.equal(bytes[1], 0x82, 'outer length in long form');
  t.throws(() => encodeAcseApdu({ type: 'aare', applicationContextName: '2.16.756.5.8.1.1' } as never), {
    code: 211,
  });
  t.end();
});

t.test('initiate: in-place readers agree with the Reader-based ones', (t) => {
  const req = fromHex('01000000065f1f0400007e1f04b0');
  const res = fromHex('0800065f1f040000501f01f40007');
  const viaReader = (b: Uint8Array) => {
    const r = new Reader(b, 1, b.length);
    return b[0] === 1 ? readInitiateRequest(r, b) : readInitiateResponse(r, b);
  };
  t.same(initiateRequestInPlace(req), viaReader(req));
  t.same(initiateResponseInPlace(res), viaReader(res));
  fc.assert(
    fc.property(
      fc.constantFrom(
        req,
        res,
        fromHex('0101100102030405060708090a0b0c0d0e0f1001ff01fb065f1f0400007e1f04b0'),
      ),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 2 }),
      fc.nat(3),
      (b, edits, cut) => {
        const m = b.slice(0, b.length - cut);
        for (const [at, v] of edits) if (m.length > 1) m[1 + (at % (m.length - 1))] = v;
        const fast = m[0] === 1 ? initiateRequestInPlace(m) : initiateResponseInPlace(m);
        if (fast !== undefined)
          t.same(
            outcome(() => fast),
            outcome(() => viaReader(m)),
          );
      },
    ),
    { numRuns: 1000 },
  );
  t.end();
});

t.test('OBIS: writeObis and parseObis fast path agree with the general forms', (t) => {
  const w = new Writer(8);
  writeObis(w, '1-0:1.8.0.255');
  writeObis(w, ' 1-0:1.8.0*255 ');
  writeObis(w, fromHex('0000010000ff'));
  t.same([...w.written()], [1, 0, 1, 8, 0, 255, 1, 0, 1, 8, 0, 255, 0, 0, 1, 0, 0, 255]);
  t.throws(() => writeObis(new Writer(8), '1-0:1.8.0.256'), { code: 223 });
  t.throws(() => writeObis(new Writer(8), '1-0:1.8.0.'), { code: 223 });
  t.throws(() => writeObis(new Writer(8), '1-0:1.8.0.0255'), { code: 223 });
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (b) => {
      const text = formatObis(b);
      t.equal(text, `${b[0]}-${b[1]}:${b[2]}.${b[3]}.${b[4]}.${b[5]}`);
      t.same([...parseObis(text)], [...b]);
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(
      fc.stringMatching(/^[0-9]{0,4}[-:.*]?[0-9]{0,4}[-:.]?[0-9]{0,3}\.?[0-9]{0,3}\.[0-9]{0,3}\.[0-9]{1,4}$/),
      (s) => {
        const a = outcome(() => [...parseObis(s)]);
        const w2 = new Writer(8);
        const b = outcome(() => {
          writeObis(w2, s);
          return [...w2.written()];
        });
        t.same(a, b);
      },
    ),
    { numRuns: 500 },
  );
  t.end();
});

t.test('APDU: raw of a whole input and writeApdu into a reused writer', (t) => {
  const get = fromHex('c001c1000301000108 00ff0200'.replace(/ /g, ''));
  const apdu = decodeApdu(get);
  t.equal(apdu.raw, get, 'the whole input is its own raw');
  const w = new Writer(4);
  for (const b of [get, AARQ, AARE]) {
    w.reset();
    writeApdu(w, decodeApdu(b));
    t.equal(w.mismatch(b), -1);
    t.same([...encodeApdu(decodeApdu(b))], [...b]);
  }
  // the decoded invoke-id-and-priority is shared and frozen
  const a2 = decodeApdu(get) as { invokeIdAndPriority: object };
  t.equal((apdu as unknown as { invokeIdAndPriority: object }).invokeIdAndPriority, a2.invokeIdAndPriority);
  t.ok(Object.isFrozen(a2.invokeIdAndPriority));
  t.end();
});

t.test('wrapper: a datagram is its own raw, payload a view after the header', (t) => {
  const b = fromHex('0001001000010003c00100');
  const p = decodeWrapperPdu(b);
  t.equal(p.raw, b);
  t.equal(p.payload.byteOffset, b.byteOffset + 8);
  t.same([...p.payload], [0xc0, 0x01, 0x00]);
  t.ok(
    isMeterkitError(
      catchOf(() => decodeWrapperPdu(fromHex('0001001000010004c00100'))),
      103,
    ),
  );
  t.end();
});

function catchOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}
