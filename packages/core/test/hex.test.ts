import fc from 'fast-check';
import t from 'tap';
import {
  bytesEqual,
  concatBytes,
  ErrorCode,
  fromHex,
  hexDump,
  isHex,
  MeterkitError,
  toHex,
} from '../src/index.js';

const ok: [string, number[]][] = [
  ['', []],
  ['7e', [0x7e]],
  ['7E A0 1E', [0x7e, 0xa0, 0x1e]],
  ['7e:a0:1e', [0x7e, 0xa0, 0x1e]],
  ['0x7ea01e', [0x7e, 0xa0, 0x1e]],
  ['0x7e 0xA0 0x1e', [0x7e, 0xa0, 0x1e]],
  ['7e-a0_1e,\n\t00\r\n', [0x7e, 0xa0, 0x1e, 0x00]],
  ['00 0x01', [0x00, 0x01]],
];

t.test('fromHex accepts what people paste', (t) => {
  for (const [text, bytes] of ok) t.same([...fromHex(text)], bytes, JSON.stringify(text));
  t.end();
});

const bad: [string, number][] = [
  ['7', 0],
  ['7e a', 3],
  ['7g', 1],
  ['zz', 0],
  ['7e é', 3],
  ['0x', -1],
];

t.test('fromHex rejects malformed hex with the character offset', (t) => {
  for (const [text, offset] of bad) {
    if (offset < 0) {
      t.same([...fromHex(text)], [], 'bare 0x prefix is empty');
      continue;
    }
    t.throws(() => fromHex(text), { code: ErrorCode.HexInvalid, offset }, JSON.stringify(text));
  }
  t.notOk(isHex('xyz'));
  t.notOk(isHex(''));
  t.ok(isHex('00'));
  t.end();
});

t.test('toHex, separators, hexDump, helpers', (t) => {
  t.equal(toHex(Uint8Array.from([0, 1, 0xab, 0xff])), '0001abff');
  t.equal(toHex(Uint8Array.from([0, 1]), ' '), '00 01');
  t.equal(toHex(new Uint8Array(0), ':'), '');
  t.equal(hexDump(Uint8Array.from([0x41, 0x42, 0x00])), `000000  ${'41 42 00'.padEnd(47)}  AB.`);
  t.ok(bytesEqual(concatBytes(Uint8Array.from([1]), Uint8Array.from([2, 3])), Uint8Array.from([1, 2, 3])));
  t.notOk(bytesEqual(Uint8Array.from([1]), Uint8Array.from([2])));
  t.notOk(bytesEqual(Uint8Array.from([1]), Uint8Array.from([1, 2])));
  t.end();
});

t.test('property: fromHex(toHex(b, sep)) === b; arbitrary text only throws MeterkitError', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom('', ' ', ':', '\n'), (b, sep) =>
      bytesEqual(fromHex(toHex(b, sep)), b),
    ),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (s) => {
      try {
        fromHex(s);
      } catch (e) {
        if (!(e instanceof MeterkitError) || e.code !== ErrorCode.HexInvalid) throw e;
      }
    }),
    { numRuns: 1000 },
  );
  t.end();
});
