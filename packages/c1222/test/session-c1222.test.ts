import { fromHex, isMeterkitError, MeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  absoluteApTitle,
  C1222KeyStore,
  type C1222Request,
  type C1222Response,
  decodeC1222Message,
  relativeApTitle,
} from '../src/index.js';
import { C1222Association, sameApTitle } from '../src/session/c1222-association.js';
import { C1222Responder, errorResponse } from '../src/session/c1222-responder.js';
import { C1222StreamDeframer } from '../src/session/c1222-stream.js';
import { C1222SessionErrorCode } from '../src/session/errors.js';

const KEY = fromHex('6624c7e23034e4036fe5cb3a8b5dab44');
const OTHER = fromHex('000102030405060708090a0b0c0d0e0f');
const CLIENT = absoluteApTitle('2.16.124.113620.1.22.0.7');
const METER = absoluteApTitle('2.16.124.113620.1.22.0.42');

const echoHandler = (req: C1222Request): C1222Response =>
  req.type === 'full-read'
    ? { type: 'read-response', tableData: { data: Uint8Array.of(req.tableId & 0xff, 1, 2) } }
    : errorResponse(0x02);

function pair(mode: 0 | 1 | 2, clientKey = KEY, meterKey = KEY) {
  const association = new C1222Association({
    callingApTitle: CLIENT,
    calledApTitle: METER,
    securityMode: mode,
    keys: new C1222KeyStore([[0, clientKey]]),
  });
  const responder = new C1222Responder({ apTitle: METER, keys: new C1222KeyStore([[0, meterKey]]) });
  return { association, responder };
}

for (const mode of [0, 1, 2] as const) {
  t.test(`mode ${mode}: request and response paired by invocation id`, async (t) => {
    const { association, responder } = pair(mode);
    const a = association.buildRequest([{ type: 'full-read', tableId: 1 }]);
    const b = association.buildRequest([{ type: 'full-read', tableId: 5 }, { type: 'identify' }]);
    t.same(association.outstanding, [a.invocationId, b.invocationId]);
    const req = decodeC1222Message(a.bytes, { keys: new C1222KeyStore([[0, KEY]]) });
    t.equal(req.security.mode, mode);
    t.equal(req.acse.callingApInvocationId, a.invocationId);
    t.equal(req.acse.applicationContext, '2.16.124.113620.1.22');
    if (mode !== 0) t.equal(req.acse.callingAuthenticationValue?.type, 'c1222');
    const rb = responder.handle(b.bytes, echoHandler)!;
    const ra = responder.handle(a.bytes, echoHandler)!;
    const pb = association.acceptResponse(rb);
    const pa = association.acceptResponse(ra);
    t.equal(pa.invocationId, a.invocationId);
    t.same(pa.responses, [
      {
        type: 'read-response',
        tableData: { data: Uint8Array.of(1, 1, 2), checksum: 0xfc, checksumValid: true },
      },
    ]);
    t.equal(pb.responses.length, 2);
    t.equal(pb.responses[1]!.type, 'error-response');
    t.equal(pa.message.security.mode, mode);
    t.equal(pa.message.security.status, mode === 0 ? 'cleartext' : 'authenticated');
    t.same(association.outstanding, []);
    t.throws(() => association.acceptResponse(ra), { code: 401 }, 'a response is accepted once');
  });
}

t.test('wrong key: the meter answers sme, the client raises SecurityMechanismError (444)', async (t) => {
  const { association, responder } = pair(2, OTHER, KEY);
  const rejects: string[] = [];
  const r = new C1222Responder({
    apTitle: METER,
    keys: new C1222KeyStore([[0, KEY]]),
    onReject: (why) => rejects.push(why),
  });
  const a = association.buildRequest([{ type: 'full-read', tableId: 1 }]);
  const resp = r.handle(a.bytes, echoHandler)!;
  t.same(rejects, ['EAX tag does not verify']);
  t.throws(() => association.acceptResponse(resp), { code: C1222SessionErrorCode.SecurityMechanismError });
  // no key for the key id at all
  const noKey = new C1222Responder({ apTitle: METER });
  const a2 = association.buildRequest([{ type: 'identify' }]);
  t.throws(() => association.acceptResponse(noKey.handle(a2.bytes, echoHandler)!), { code: 444 });
  t.ok(responder);
});

t.test(
  'a forged or unauthenticated response to a secured request is AuthenticationFailed (300)',
  async (t) => {
    const { association, responder } = pair(1);
    const a = association.buildRequest([{ type: 'full-read', tableId: 1 }]);
    const resp = Uint8Array.from(responder.handle(a.bytes, echoHandler)!);
    resp[resp.length - 1]! ^= 1;
    t.throws(() => association.acceptResponse(resp), { code: 300 });
    // a cleartext answer to a secured request
    const clear = new C1222Responder({ apTitle: METER, keys: new C1222KeyStore([[0, KEY]]) });
    const b = association.buildRequest([{ type: 'identify' }]);
    const plain = pair(0);
    const forged = plain.responder.handle(plain.association.buildRequest([{ type: 'identify' }]).bytes, () =>
      errorResponse(0x02),
    )!;
    // both associations start at invocation id 1, so this pairs with the secured request
    t.throws(
      () => association.acceptResponse(forged),
      { code: 300 },
      'cleartext answer to a secured request',
    );
    t.ok(clear.handle(b.bytes, echoHandler));
  },
);

t.test('responder refusals: security mode, AP title, response control', async (t) => {
  const strict = new C1222Responder({
    apTitle: METER,
    keys: new C1222KeyStore([[0, KEY]]),
    minimumSecurityMode: 1,
  });
  const { association } = pair(0);
  const a = association.buildRequest([{ type: 'full-read', tableId: 1 }]);
  const r = association.acceptResponse(strict.handle(a.bytes, echoHandler)!);
  t.match(r.responses[0], { type: 'error-response', name: 'isc' });

  const other = new C1222Association({ callingApTitle: CLIENT, calledApTitle: absoluteApTitle('1.2.3.4') });
  const b = other.buildRequest([{ type: 'identify' }]);
  const rb = other.acceptResponse(new C1222Responder({ apTitle: METER }).handle(b.bytes, echoHandler)!);
  t.match(rb.responses[0], { type: 'error-response', name: 'uat' });

  for (const [rc, expectAnswer] of [
    [1, false],
    [2, false],
  ] as const) {
    const assoc = new C1222Association({ callingApTitle: CLIENT, calledApTitle: METER, responseControl: rc });
    const m = assoc.buildRequest([{ type: 'full-read', tableId: 1 }]);
    t.equal(new C1222Responder({ apTitle: METER }).handle(m.bytes, echoHandler) !== undefined, expectAnswer);
  }
  const onEx = new C1222Association({ callingApTitle: CLIENT, calledApTitle: METER, responseControl: 1 });
  const m = onEx.buildRequest([{ type: 'identify' }]);
  t.ok(new C1222Responder({ apTitle: METER }).handle(m.bytes, echoHandler), 'on exception: error answered');
  t.throws(() => new C1222Association({ callingApTitle: CLIENT, calledApTitle: METER, securityMode: 2 }), {
    code: 302,
  });
  t.equal(new C1222Responder({ apTitle: METER }).handle(Uint8Array.of(1, 2, 3), echoHandler), undefined);
});

t.test('responses addressed elsewhere are UnexpectedResponse (401)', async (t) => {
  const { association } = pair(0);
  const a = association.buildRequest([{ type: 'identify' }]);
  const impostor = new C1222Association({ callingApTitle: absoluteApTitle('1.2.3'), calledApTitle: METER });
  const responder = new C1222Responder({ apTitle: METER });
  // a response built for the impostor carries its AP title as called AP title
  const x = impostor.buildRequest([{ type: 'identify' }]);
  const resp = responder.handle(x.bytes, echoHandler)!;
  if (x.invocationId === a.invocationId) t.throws(() => association.acceptResponse(resp), { code: 401 });
  t.ok(sameApTitle(relativeApTitle('.42'), METER, '2.16.124.113620.1.22.0'));
  t.notOk(sameApTitle(relativeApTitle('.42'), METER));
  t.notOk(sameApTitle(undefined, METER));
});

t.test('stream deframer cuts APDUs by their BER length', async (t) => {
  const { association } = pair(0);
  const msgs = [0, 1, 2].map((i) => association.buildRequest([{ type: 'full-read', tableId: i }]).bytes);
  const big = new Uint8Array(300);
  big[0] = 0x60;
  big[1] = 0x82;
  big[2] = 0x01;
  big[3] = 0x28;
  const stream = Buffer.concat([...msgs.map((m) => Buffer.from(m)), Buffer.from(big)]);
  const d = new C1222StreamDeframer();
  const out: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i += 7) out.push(...d.push(stream.subarray(i, i + 7)));
  t.same(out.slice(0, 3), msgs);
  t.equal(out[3]!.length, 300);
  t.equal(d.pending, 0);
  const bad = new C1222StreamDeframer({ maxApduLength: 100 });
  t.throws(() => bad.push(Uint8Array.of(0x60, 0x81, 0xff)), { code: 445 });
  t.throws(() => bad.push(Uint8Array.of(0x60)), { code: 445 }, 'stays failed');
  t.throws(() => new C1222StreamDeframer().push(Uint8Array.of(0x61)), { code: 445, offset: 0 });
  t.throws(() => new C1222StreamDeframer().push(Uint8Array.of(0x60, 0x85)), { code: 445 });
});

t.test('arbitrary bytes into the C12.22 sessions only raise MeterkitError', async (t) => {
  const { association, responder } = pair(2);
  association.buildRequest([{ type: 'identify' }]);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      responder.handle(bytes, echoHandler);
      try {
        association.acceptResponse(bytes);
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
      }
      try {
        new C1222StreamDeframer().push(bytes);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  // mutations of a valid response
  const a = association.buildRequest([{ type: 'full-read', tableId: 1 }]);
  const valid = responder.handle(a.bytes, echoHandler)!;
  fc.assert(
    fc.property(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
      const m = Uint8Array.from(valid);
      m[at]! ^= x;
      try {
        association.acceptResponse(m);
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('only MeterkitError');
});
