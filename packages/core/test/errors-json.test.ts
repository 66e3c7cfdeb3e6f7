import t from 'tap';
import {
  codeName,
  ErrorCode,
  fail,
  isMeterkitError,
  MeterkitError,
  registerErrorCodes,
  stringifyJson,
  toJsonValue,
  tryResult,
} from '../src/index.js';

t.test('codes are unique and named', (t) => {
  const values = Object.values(ErrorCode);
  t.equal(new Set(values).size, values.length, 'no two names share a number');
  for (const v of values) t.ok(v >= 100 && v < 700, `${v} is in a band`);
  t.equal(codeName(201), 'length-overrun');
  t.equal(codeName(999), 'code-999');
  registerErrorCodes({ ExampleThing: 699 });
  t.equal(codeName(699), 'example-thing');
  registerErrorCodes({ ExampleThing: 699 });
  t.throws(() => registerErrorCodes({ OtherThing: 699 }), /registered twice/);
  t.end();
});

t.test('MeterkitError carries code, offset, path, cause; one-line and JSON forms', (t) => {
  const cause = new Error('inner');
  const e = new MeterkitError(ErrorCode.LengthOverrun, 'length 9 exceeds 2', {
    offset: 4,
    path: 'aare.x',
    cause,
  });
  t.equal(e.code, 201);
  t.equal(e.codeName, 'length-overrun');
  t.equal(e.cause, cause);
  t.equal(e.toOneLine(), 'E201 length-overrun at offset 4 (aare.x): length 9 exceeds 2');
  t.same(e.toJSON(), {
    code: 201,
    name: 'length-overrun',
    message: 'length 9 exceeds 2',
    offset: 4,
    path: 'aare.x',
  });
  t.equal(new MeterkitError(600, 'x').toOneLine(), 'E600 invalid-argument: x');
  t.ok(isMeterkitError(e));
  t.ok(isMeterkitError(e, 201));
  t.notOk(isMeterkitError(e, 200));
  t.notOk(isMeterkitError(new Error('x')));
  t.throws(() => fail(ErrorCode.ValueInvalid, 'bad'), { code: 207 });
  t.end();
});

t.test('tryResult returns MeterkitErrors and rethrows bugs', (t) => {
  t.same(
    tryResult(() => 3),
    { ok: true, value: 3 },
  );
  const r = tryResult(() => fail(ErrorCode.Truncated, 'short'));
  t.equal(r.ok, false);
  if (!r.ok) t.equal(r.error.code, 200);
  t.throws(() => tryResult(() => JSON.parse('{')), SyntaxError);
  t.end();
});

t.test('JSON form: bytes, bigint, dates, maps, key order, raw, circular', (t) => {
  const v = {
    z: 1,
    type: 'get-response-normal',
    raw: Uint8Array.from([0xc4, 0x01]),
    big: 12345678901234567890n,
    a: [Uint8Array.from([0xff]), undefined, Number.NaN, -0],
    when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    m: new Map<string, unknown>([['k', 1n]]),
    skip: undefined,
    err: new MeterkitError(200, 'short', { offset: 1 }),
  };
  t.equal(
    JSON.stringify(toJsonValue(v)),
    '{"type":"get-response-normal","a":["ff",null,"NaN",0],"big":"12345678901234567890","err":{"code":200,"name":"truncated","message":"short","offset":1},"m":{"k":"1"},"raw":"c401","when":"2024-01-02T03:04:05.000Z","z":1}',
  );
  t.notMatch(stringifyJson(v, 0, { raw: false }), /"raw"/);
  const c: { self?: unknown } = {};
  c.self = c;
  t.same(toJsonValue(c), { self: '[circular]' });
  t.equal(toJsonValue(undefined), null);
  t.equal(stringifyJson({ b: 1, a: 2 }, 0, { firstKeys: ['b'] }), '{"b":1,"a":2}');
  t.end();
});
