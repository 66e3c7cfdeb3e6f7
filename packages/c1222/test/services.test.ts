import { ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  type C1222Request,
  type C1222Response,
  decodeEpsem,
  decodeEpsemBody,
  decodeEpsemControl,
  decodeRequest,
  decodeResponse,
  type Epsem,
  encodeEpsem,
  encodeEpsemControl,
  encodeRequest,
  encodeResponse,
  isResponseCode,
  ResponseCode,
  responseCodeName,
  tableChecksum,
  tableIdName,
  tableIdParts,
} from '../src/index.js';
import { epsemArb, pairArb, requestArb } from './helpers/arbitraries.js';
import vectors from './vectors/services.json' with { type: 'json' };

const BYTE_FIELDS = new Set([
  'data',
  'user',
  'password',
  'deviceClass',
  'nativeAddress',
  'myDomainPattern',
  'localAddress',
  'identification',
]);

/** JSON model → typed model (hex strings of byte fields → Uint8Array). */
function revive<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value), (k, v) =>
    BYTE_FIELDS.has(k) && typeof v === 'string' ? fromHex(v) : v,
  ) as T;
}

interface ServiceVector {
  id: string;
  source: string;
  hex: string;
  request?: unknown;
  response?: unknown;
  requestHex?: string;
}

for (const v of vectors as ServiceVector[]) {
  t.test(v.id, async (t) => {
    t.ok(v.source, 'has a source');
    const bytes = fromHex(v.hex);
    if (v.request !== undefined) {
      const model = revive<C1222Request>(v.request);
      t.same(decodeRequest(bytes), model, 'decode');
      t.equal(toHex(encodeRequest(model)), v.hex, 'encode');
    } else {
      const model = revive<C1222Response>(v.response);
      const req = v.requestHex === undefined ? undefined : decodeRequest(fromHex(v.requestHex));
      t.same(decodeResponse(bytes, req), model, 'decode against its request');
      t.equal(toHex(encodeResponse(model)), v.hex, 'encode');
    }
  });
}

t.test('response codes by name', async (t) => {
  const names = [
    'ok',
    'err',
    'sns',
    'isc',
    'onp',
    'iar',
    'bsy',
    'dnr',
    'dlk',
    'rno',
    'isss',
    'sme',
    'uat',
    'nett',
    'netr',
    'rqtl',
    'rstl',
    'sgnp',
    'sgerr',
  ];
  names.forEach((n, i) => {
    t.equal(responseCodeName(i), n);
    t.equal(ResponseCode[n as keyof typeof ResponseCode], i);
  });
  t.equal(responseCodeName(0x13), 'code-0x13');
  t.ok(isResponseCode(0x12));
  t.notOk(isResponseCode(0x20));
});

t.test('table ids and checksums', async (t) => {
  t.same(tableIdParts(0x1801), { number: 1, manufacturer: true, pending: true });
  t.equal(tableIdName(1), 'ST1');
  t.equal(tableIdName(0x0840), 'MT64');
  t.equal(tableIdName(0x1007), 'ST7 (pending)');
  t.equal(tableChecksum(fromHex('1a00000200')), 0xe4);
  t.equal(tableChecksum(new TextEncoder().encode('testdata')), 0xa6);
  t.equal(tableChecksum(new Uint8Array(0)), 0);
});

t.test('EPSEM control byte', async (t) => {
  for (const b of [0x80, 0x84, 0x88, 0x9a, 0x00, 0x7f, 0xff]) {
    const c = decodeEpsemControl(b);
    t.equal(encodeEpsemControl(c, (b & 0x10) !== 0), b, `0x${b.toString(16)}`);
  }
  t.same(decodeEpsemControl(0x9a), {
    recoverySession: false,
    proxyServiceUsed: false,
    securityMode: 2,
    responseControl: 2,
    reserved: true,
  });
  t.equal(
    encodeEpsemControl(
      { recoverySession: true, proxyServiceUsed: true, securityMode: 1, responseControl: 1 },
      false,
    ),
    0xe5,
  );
});

t.test('EPSEM envelope: several services, ED_CLASS, end marker, long lengths', async (t) => {
  const two = decodeEpsem(fromHex('80033000010120'));
  t.same(two.services, [{ type: 'full-read', tableId: 1 }, { type: 'identify' }]);
  t.equal(toHex(encodeEpsem(two)), '80033000010120');
  const ed = decodeEpsem(fromHex('9054454d500120'));
  t.equal(toHex(ed.edClass!), '54454d50');
  t.equal(toHex(encodeEpsem(ed)), '9054454d500120');
  const end = decodeEpsem(fromHex('80012000'));
  t.equal(end.endMarker, true);
  t.equal(toHex(encodeEpsem(end)), '80012000');
  t.throws(
    () => decodeEpsem(fromHex('8001200001')),
    { code: ErrorCode.TrailingBytes },
    'data after the end marker',
  );
  const big: Epsem = {
    type: 'epsem',
    control: {
      recoverySession: false,
      proxyServiceUsed: false,
      securityMode: 0,
      responseControl: 0,
      reserved: true,
    },
    services: [{ type: 'full-write', tableId: 64, tableData: { data: new Uint8Array(300).fill(7) } }],
  };
  const enc = encodeEpsem(big);
  t.equal(toHex(enc.subarray(0, 4)), '80820132', 'two-byte BER service length');
  t.match(decodeEpsem(enc).services[0], {
    type: 'full-write',
    tableId: 64,
    tableData: { checksumValid: true },
  });
  const pairedReqs = decodeEpsem(fromHex('80033000010120')).services as C1222Request[];
  const responses = decodeEpsem(fromHex('8007000003010203fa050000010000'), {
    requests: pairedReqs,
  });
  t.same(
    responses.services.map((s) => s.type),
    ['read-response', 'identify-response'],
    'i-th response decoded against i-th request',
  );
  const body = decodeEpsemBody(0x9a, fromHex('54454d500b40000700051a00000200e4'));
  t.match(body, {
    control: { securityMode: 2, responseControl: 2 },
    services: [{ type: 'full-write', tableId: 7 }],
  });
});

t.test('malformed services raise typed errors', async (t) => {
  const bad: [string, number, string][] = [
    ['', ErrorCode.Truncated, 'empty'],
    ['99', ErrorCode.Unsupported, 'unknown request'],
    ['6c', ErrorCode.Unsupported, 'negotiate with 12 rates'],
    ['3000', ErrorCode.Truncated, 'short table id'],
    ['2000', ErrorCode.TrailingBytes, 'trailing'],
    ['3100010002', ErrorCode.Truncated, 'partial read without count'],
    ['40000700101a', ErrorCode.LengthOverrun, 'lying count'],
    ['51303030', ErrorCode.LengthOverrun, 'short password'],
    ['5303aa', ErrorCode.LengthOverrun, 'authenticate length'],
    ['2720c04545202080010506032b0601850a000001015180', ErrorCode.LengthInvalid, 'native address length'],
    ['2720c04545202080010506032b0601080a000001015180', ErrorCode.LengthOverrun, 'native address overrun'],
    ['24020105', ErrorCode.UnexpectedTag, 'AP title tag'],
  ];
  for (const [hex, code, what] of bad) t.throws(() => decodeRequest(fromHex(hex)), { code }, what);
  const ident = { type: 'identify' } as const;
  t.throws(
    () => decodeResponse(fromHex('20')),
    { code: ErrorCode.UnexpectedTag },
    'request code as response',
  );
  t.throws(
    () => decodeResponse(fromHex('0003010009'), ident),
    { code: ErrorCode.Unsupported },
    'unknown feature',
  );
  t.throws(
    () => decodeResponse(fromHex('00030100070000'), ident),
    { code: ErrorCode.LengthInvalid },
    'empty identity',
  );
  t.throws(() => decodeResponse(fromHex('00030100'), ident), { code: ErrorCode.Truncated }, 'no end of list');
  t.throws(() => decodeResponse(fromHex('0f0000'), undefined), { code: ErrorCode.Truncated }, 'rqtl size');
  t.throws(() => decodeResponse(fromHex('000005'), { type: 'full-read', tableId: 1 }), {
    code: ErrorCode.LengthOverrun,
  });
  t.throws(() => decodeEpsem(fromHex('9054')), { code: ErrorCode.LengthOverrun }, 'ED_CLASS cut');
  t.throws(() => decodeEpsem(fromHex('800520')), { code: ErrorCode.LengthOverrun }, 'service length');
  t.throws(() => decodeEpsem(fromHex('')), { code: ErrorCode.Truncated });
  try {
    decodeEpsem(fromHex('80033000'), {}, 100);
    t.fail('must throw');
  } catch (e) {
    t.ok(isMeterkitError(e, ErrorCode.LengthOverrun));
    if (isMeterkitError(e)) t.equal(e.offset, 101, 'absolute offset');
  }
  try {
    decodeEpsem(fromHex('8003300001' + '0130'), {}, 10);
    t.fail('must throw');
  } catch (e) {
    t.ok(isMeterkitError(e, ErrorCode.Truncated));
    if (isMeterkitError(e)) t.equal(e.offset, 17, 'offset inside the second service');
  }
});

t.test('encoder rejects impossible models', async (t) => {
  const fails: [C1222Request | C1222Response, string][] = [
    [{ type: 'partial-read-index', tableId: 1, index: [], elementCount: 1 }, 'no index'],
    [
      {
        type: 'partial-write-index',
        tableId: 1,
        index: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        tableData: { data: new Uint8Array(1) },
      },
      '10 indices',
    ],
    [{ type: 'negotiate', packetSize: 1, numberOfPackets: 1, baudRates: new Array(12).fill(1) }, '12 rates'],
    [{ type: 'logon', userId: 1, user: new Uint8Array(9) }, 'short user'],
    [{ type: 'security', password: new Uint8Array(21) }, 'long password'],
    [
      {
        type: 'registration',
        nodeType: 0,
        connectionType: 0,
        deviceClass: new Uint8Array(4),
        apTitle: { form: 'relative', relative: '.1' },
        electronicSerialNumber: { form: 'relative', relative: '.2' },
        nativeAddress: new Uint8Array(0),
        registrationPeriod: 0,
        myDomainPattern: new Uint8Array(1),
      },
      'pattern without flag',
    ],
    [{ type: 'error-response', code: 0, name: 'ok', data: new Uint8Array(0) }, 'ok as error'],
  ];
  for (const [m, what] of fails) {
    t.throws(
      () =>
        'code' in m || m.type.endsWith('-response')
          ? encodeResponse(m as C1222Response)
          : encodeRequest(m as C1222Request),
      { code: ErrorCode.EncodeFailed },
      what,
    );
  }
  t.throws(
    () =>
      encodeEpsem({
        type: 'epsem',
        control: { recoverySession: false, proxyServiceUsed: false, securityMode: 0, responseControl: 0 },
        edClass: new Uint8Array(3),
        services: [],
      }),
    {
      code: ErrorCode.EncodeFailed,
    },
  );
});

t.test('property: requests round trip', async (t) => {
  fc.assert(
    fc.property(requestArb, (req) => {
      const bytes = encodeRequest(req);
      const back = decodeRequest(bytes);
      return (
        toHex(encodeRequest(back)) === toHex(bytes) &&
        JSON.stringify(normal(back)) === JSON.stringify(normal(req))
      );
    }),
    { numRuns: 1000 },
  );
  t.pass('ok');
});

t.test('property: responses round trip against their requests', async (t) => {
  fc.assert(
    fc.property(pairArb, ({ request, response }) => {
      const bytes = encodeResponse(response);
      const back = decodeResponse(bytes, request);
      return JSON.stringify(normal(back)) === JSON.stringify(normal(response));
    }),
    { numRuns: 1000 },
  );
  t.pass('ok');
});

t.test('property: EPSEM round trips', async (t) => {
  fc.assert(
    fc.property(epsemArb(), (e) => {
      const bytes = encodeEpsem(e);
      return toHex(encodeEpsem(decodeEpsem(bytes))) === toHex(bytes);
    }),
    { numRuns: 500 },
  );
  t.pass('ok');
});

t.test('property: arbitrary bytes only raise MeterkitError', async (t) => {
  const reqs: C1222Request[] = [
    { type: 'identify' },
    { type: 'full-read', tableId: 1 },
    { type: 'logon', userId: 1, user: new Uint8Array(10) },
    { type: 'negotiate', packetSize: 1, numberOfPackets: 1, baudRates: [] },
    {
      type: 'registration',
      nodeType: 0,
      connectionType: 0,
      deviceClass: new Uint8Array(4),
      apTitle: { form: 'relative', relative: '.1' },
      electronicSerialNumber: { form: 'relative', relative: '.1' },
      nativeAddress: new Uint8Array(0),
      registrationPeriod: 0,
    },
    { type: 'resolve', apTitle: { form: 'relative', relative: '.1' } },
    { type: 'trace', apTitle: { form: 'relative', relative: '.1' } },
    { type: 'authenticate', data: new Uint8Array(0) },
  ];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: reqs.length - 1 }), (b, i) => {
      for (const f of [
        () => decodeRequest(b),
        () => decodeResponse(b, reqs[i]),
        () => decodeEpsem(b, { requests: reqs }),
      ]) {
        try {
          f();
        } catch (e) {
          if (!isMeterkitError(e)) throw e;
        }
      }
      return true;
    }),
    { numRuns: 1000 },
  );
  t.pass('ok');
});

/** Canonical JSON-able form (bytes → hex) for structural comparison. */
function normal(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v)));
}
