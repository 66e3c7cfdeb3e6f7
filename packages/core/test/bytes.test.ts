import fc from 'fast-check';
import t from 'tap';
import { ErrorCode, isMeterkitError, MeterkitError, Reader, Writer } from '../src/index.js';

function code(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof MeterkitError) return e.code;
    throw e;
  }
  return undefined;
}

t.test('Reader integer reads, both endians', (t) => {
  const r = new Reader(Uint8Array.from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xff, 0xfe]));
  t.equal(r.u8(), 0x01);
  t.equal(r.u16(), 0x0203);
  t.equal(r.u8(), 0x04);
  t.equal(r.u16le(), 0x0605);
  t.equal(r.u16(), 0x0708);
  t.equal(r.i16(), -2);
  t.ok(r.atEnd);
  const r2 = new Reader(Uint8Array.from([0xff, 0xff, 0xff, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 1]));
  t.equal(r2.i32(), -2);
  t.equal(r2.u64(), 0x8000_0000_0000_0001n);
  const r3 = new Reader(Uint8Array.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
  t.equal(r3.i64le(), -2n);
  const r4 = new Reader(Uint8Array.from([1, 2, 3, 3, 2, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
  t.equal(r4.u24(), 0x010203);
  t.equal(r4.u24le(), 0x010203);
  t.equal(r4.u48(), 0xffff_ffff_ffff);
  t.end();
});

t.test('Reader floats and uint(n)', (t) => {
  const w = new Writer(4).f32(1.5).f64(-2.25).f32le(3.5).f64le(1e300).uint(0x0102030405, 5);
  const r = new Reader(w.finish());
  t.equal(r.f32(), 1.5);
  t.equal(r.f64(), -2.25);
  t.equal(r.f32le(), 3.5);
  t.equal(r.f64le(), 1e300);
  t.equal(r.uint(5), 0x0102030405);
  t.equal(
    code(() => r.uint(7)),
    ErrorCode.InvalidArgument,
  );
  t.end();
});

t.test('Reader truncation reports the absolute offset and path', (t) => {
  const buf = Uint8Array.from([0, 0, 0, 1, 2]);
  const r = new Reader(buf, 3, 5, 100);
  t.equal(r.offset, 103);
  try {
    r.u32('header.counter');
    t.fail('should throw');
  } catch (e) {
    t.ok(isMeterkitError(e, ErrorCode.Truncated));
    t.equal((e as MeterkitError).offset, 103);
    t.equal((e as MeterkitError).path, 'header.counter');
    t.match((e as MeterkitError).toOneLine(), /^E200 truncated at offset 103 \(header\.counter\)/);
  }
  t.end();
});

t.test('Reader.bytes returns views and rejects lying lengths', (t) => {
  const buf = Uint8Array.from([1, 2, 3, 4]);
  const r = new Reader(buf);
  const v = r.bytes(2);
  t.same([...v], [1, 2]);
  t.equal(v.buffer, buf.buffer, 'a view, not a copy');
  t.equal(
    code(() => r.bytes(3)),
    ErrorCode.LengthOverrun,
  );
  t.equal(
    code(() => r.bytes(-1)),
    ErrorCode.LengthInvalid,
  );
  t.equal(
    code(() => r.sub(9)),
    ErrorCode.LengthOverrun,
  );
  const s = r.sub(2);
  t.equal(s.offset, 2);
  t.equal(s.u16(), 0x0304);
  t.ok(r.atEnd);
  t.equal(
    code(() => new Reader(buf, 3, 2)),
    ErrorCode.InvalidArgument,
  );
  t.end();
});

t.test('BER/A-XDR lengths: short, long, indefinite, too long, lying', (t) => {
  const ok: [number[], number][] = [
    [[0x00], 0],
    [[0x7f], 127],
    [[0x81, 0x80], 128],
    [[0x82, 0x01, 0x00], 256],
    [[0x83, 0x01, 0x00, 0x00], 65536],
    [[0x84, 0x01, 0x00, 0x00, 0x00], 0x1000000],
  ];
  for (const [bytes, n] of ok) {
    t.equal(new Reader(Uint8Array.from(bytes)).berLength(), n, `${bytes} → ${n}`);
    t.same([...new Writer().berLength(n).finish()], bytes, `${n} → ${bytes}`);
  }
  t.equal(
    code(() => new Reader(Uint8Array.from([0x80])).berLength()),
    ErrorCode.IndefiniteLength,
  );
  t.equal(
    code(() => new Reader(Uint8Array.from([0x85, 0, 0, 0, 0, 1])).berLength()),
    ErrorCode.LengthInvalid,
  );
  t.equal(
    code(() => new Reader(Uint8Array.from([0x82, 0x01])).berLength()),
    ErrorCode.Truncated,
  );
  t.equal(
    code(() => new Reader(Uint8Array.from([0x84, 0xff, 0xff, 0xff, 0xff, 1])).berLengthBounded()),
    ErrorCode.LengthOverrun,
  );
  t.equal(new Reader(Uint8Array.from([0x02, 1, 2])).berLengthBounded(), 2);
  t.equal(
    code(() => new Reader(Uint8Array.from([0x02, 1, 2])).berLengthBounded('x', 2)),
    ErrorCode.LengthOverrun,
  );
  t.end();
});

t.test('expectEnd and fail', (t) => {
  const r = new Reader(Uint8Array.from([1, 2]));
  r.u8();
  t.equal(
    code(() => r.expectEnd()),
    ErrorCode.TrailingBytes,
  );
  t.equal(
    code(() => r.fail(ErrorCode.ValueInvalid, 'x')),
    ErrorCode.ValueInvalid,
  );
  t.equal(r.peekU8(), 2);
  t.equal(r.remaining, 1);
  t.same([...r.rest()], [2]);
  t.equal(
    code(() => r.peekU8()),
    ErrorCode.Truncated,
  );
  t.end();
});

t.test('Writer grows, range-checks, patches and resets', (t) => {
  const w = new Writer(1);
  for (let i = 0; i < 1000; i++) w.u8(i & 0xff);
  t.equal(w.length, 1000);
  t.equal(
    code(() => w.u8(256)),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() => w.u16(-1)),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() => w.i8(128)),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() => w.u32(1.5)),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() => w.u64(-1n)),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() => w.i64(1n << 63n)),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() => w.uint(256, 1)),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() => w.setU8(5000, 1)),
    ErrorCode.InvalidArgument,
  );
  w.reset().u16(0).u8(9).setU16(0, 0xabcd).setU8(2, 7);
  t.same([...w.finish()], [0xab, 0xcd, 7]);
  const out = w.finish();
  w.reset().u8(1);
  t.same([...out], [0xab, 0xcd, 7], 'finish() returns a copy');
  t.same(
    [
      ...new Writer()
        .fill(3, 0xaa)
        .bytes(Uint8Array.from([1]))
        .written(),
    ],
    [0xaa, 0xaa, 0xaa, 1],
  );
  t.end();
});

t.test('property: every integer width round-trips through Writer and Reader', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xff }),
      fc.integer({ min: -0x80, max: 0x7f }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: -0x8000, max: 0x7fff }),
      fc.integer({ min: 0, max: 0xffffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (u8, i8, u16, i16, u24, u32, i32, u64, i64, len) => {
        const w = new Writer(8);
        w.u8(u8)
          .i8(i8)
          .u16(u16)
          .u16le(u16)
          .i16(i16)
          .i16le(i16)
          .u24(u24)
          .u32(u32)
          .u32le(u32)
          .i32(i32)
          .i32le(i32);
        w.u64(u64).u64le(u64).i64(i64).i64le(i64).berLength(len);
        const r = new Reader(w.finish());
        return (
          r.u8() === u8 &&
          r.i8() === i8 &&
          r.u16() === u16 &&
          r.u16le() === u16 &&
          r.i16() === i16 &&
          r.i16le() === i16 &&
          r.u24() === u24 &&
          r.u32() === u32 &&
          r.u32le() === u32 &&
          r.i32() === i32 &&
          r.i32le() === i32 &&
          r.u64() === u64 &&
          r.u64le() === u64 &&
          r.i64() === i64 &&
          r.i64le() === i64 &&
          r.berLength() === len &&
          r.atEnd
        );
      },
    ),
    { numRuns: 500 },
  );
  t.end();
});

t.test('property: reading arbitrary bytes only throws MeterkitError', (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 12 }),
      fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 8 }),
      (bytes, ops) => {
        const r = new Reader(bytes);
        try {
          for (const op of ops) {
            switch (op) {
              case 0:
                r.u8();
                break;
              case 1:
                r.u16();
                break;
              case 2:
                r.u32le();
                break;
              case 3:
                r.u64();
                break;
              case 4:
                r.berLength();
                break;
              case 5:
                r.berLengthBounded();
                break;
              case 6:
                r.bytes(r.peekU8());
                break;
              case 7:
                r.f64();
                break;
              case 8:
                r.sub(r.u8());
                break;
              default:
                r.expectEnd();
            }
          }
        } catch (e) {
          if (!(e instanceof MeterkitError)) throw e;
          if (e.offset === undefined || e.offset < 0 || e.offset > bytes.length)
            throw new Error(`bad offset ${e.offset}`);
        }
      },
    ),
    { numRuns: 1000 },
  );
  t.end();
});
