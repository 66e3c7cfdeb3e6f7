import { ErrorCode, MeterkitError } from '../errors.js';

const TWO_32 = 0x1_0000_0000;

/**
 * A bounds-checked, offset-tracking reader over a `Uint8Array`.
 *
 * Every read checks that the bytes exist and throws `MeterkitError` (`Truncated`, code 200) with the
 * absolute offset and the field path otherwise. `bytes()` returns subarray views, never copies, so
 * decoded PDUs can keep their raw bytes cheaply; the views share memory with the input.
 *
 * Offsets are absolute: a reader made with `sub()` reports offsets in the coordinates of the
 * original input, so error offsets point into what the user passed in.
 */
export class Reader {
  /** The underlying bytes (the whole buffer this reader reads from). */
  readonly buf: Uint8Array;
  /** Index in `buf` of the next byte to read. */
  pos: number;
  /** Index in `buf` one past the last readable byte. */
  readonly end: number;
  /** Added to `pos` to give the absolute offset reported in errors. */
  readonly base: number;
  private view: DataView | undefined;

  /**
   * @param buf bytes to read
   * @param start first readable index in `buf` (default 0)
   * @param end one past the last readable index (default `buf.length`)
   * @param base absolute offset of `buf[0]` in the user's input (default 0)
   */
  constructor(buf: Uint8Array, start = 0, end = buf.length, base = 0) {
    if (start < 0 || end > buf.length || start > end) {
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `reader window ${start}..${end} outside 0..${buf.length}`,
      );
    }
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.base = base;
  }

  /** The absolute offset of the next byte (what errors report). */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** True when nothing is left. */
  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  private dv(): DataView {
    if (this.view === undefined)
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.view;
  }

  /** Throws `Truncated` unless `n` more bytes exist. */
  need(n: number, path?: string): void {
    if (this.end - this.pos < n) this.truncated(n, path);
  }

  private truncated(n: number, path: string | undefined): never {
    throw new MeterkitError(
      ErrorCode.Truncated,
      `need ${n} byte${n === 1 ? '' : 's'}, ${this.end - this.pos} left`,
      { offset: this.base + this.pos, path },
    );
  }

  /** Throws a `MeterkitError` at the current offset (or `at`, an index in `buf`). */
  fail(code: number, message: string, path?: string, at: number = this.pos): never {
    throw new MeterkitError(code, message, { offset: this.base + at, path });
  }

  /** Reads one unsigned byte. */
  u8(path?: string): number {
    if (this.pos >= this.end) this.truncated(1, path);
    return this.buf[this.pos++]!;
  }

  /** Returns the next byte without consuming it. */
  peekU8(path?: string): number {
    if (this.pos >= this.end) this.truncated(1, path);
    return this.buf[this.pos]!;
  }

  /** Reads a signed byte. */
  i8(path?: string): number {
    return (this.u8(path) << 24) >> 24;
  }

  /** Reads an unsigned 16-bit big-endian integer. */
  u16(path?: string): number {
    if (this.end - this.pos < 2) this.truncated(2, path);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  /** Reads an unsigned 16-bit little-endian integer. */
  u16le(path?: string): number {
    if (this.end - this.pos < 2) this.truncated(2, path);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return b[p]! | (b[p + 1]! << 8);
  }

  /** Reads a signed 16-bit big-endian integer. */
  i16(path?: string): number {
    return (this.u16(path) << 16) >> 16;
  }

  /** Reads a signed 16-bit little-endian integer. */
  i16le(path?: string): number {
    return (this.u16le(path) << 16) >> 16;
  }

  /** Reads an unsigned 24-bit big-endian integer. */
  u24(path?: string): number {
    if (this.end - this.pos < 3) this.truncated(3, path);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  /** Reads an unsigned 24-bit little-endian integer. */
  u24le(path?: string): number {
    if (this.end - this.pos < 3) this.truncated(3, path);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 3;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
  }

  /** Reads an unsigned 32-bit big-endian integer. */
  u32(path?: string): number {
    if (this.end - this.pos < 4) this.truncated(4, path);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** Reads an unsigned 32-bit little-endian integer. */
  u32le(path?: string): number {
    if (this.end - this.pos < 4) this.truncated(4, path);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** Reads a signed 32-bit big-endian integer. */
  i32(path?: string): number {
    return this.u32(path) | 0;
  }

  /** Reads a signed 32-bit little-endian integer. */
  i32le(path?: string): number {
    return this.u32le(path) | 0;
  }

  /** Reads an unsigned 64-bit big-endian integer as a bigint. */
  u64(path?: string): bigint {
    const hi = this.u32(path);
    const lo = this.u32(path);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Reads an unsigned 64-bit little-endian integer as a bigint. */
  u64le(path?: string): bigint {
    const lo = this.u32le(path);
    const hi = this.u32le(path);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Reads a signed 64-bit big-endian integer as a bigint. */
  i64(path?: string): bigint {
    return BigInt.asIntN(64, this.u64(path));
  }

  /** Reads a signed 64-bit little-endian integer as a bigint. */
  i64le(path?: string): bigint {
    return BigInt.asIntN(64, this.u64le(path));
  }

  /** Reads an unsigned 48-bit big-endian integer as a number (exact). */
  u48(path?: string): number {
    const hi = this.u16(path);
    return hi * TWO_32 + this.u32(path);
  }

  /** Reads an unsigned big-endian integer of `n` (0–6) bytes as a number. */
  uint(n: number, path?: string): number {
    if (n > 6) throw new MeterkitError(ErrorCode.InvalidArgument, `uint(${n}): at most 6 bytes fit a number`);
    this.need(n, path);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.buf[this.pos++]!;
    return v;
  }

  /** Reads an IEEE 754 float32, big-endian. */
  f32(path?: string): number {
    this.need(4, path);
    const v = this.dv().getFloat32(this.pos, false);
    this.pos += 4;
    return v;
  }

  /** Reads an IEEE 754 float64, big-endian. */
  f64(path?: string): number {
    this.need(8, path);
    const v = this.dv().getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }

  /** Reads an IEEE 754 float32, little-endian. */
  f32le(path?: string): number {
    this.need(4, path);
    const v = this.dv().getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads an IEEE 754 float64, little-endian. */
  f64le(path?: string): number {
    this.need(8, path);
    const v = this.dv().getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Returns a view (no copy) of the next `n` bytes and consumes them. */
  bytes(n: number, path?: string): Uint8Array {
    if (n < 0 || this.end - this.pos < n) {
      if (n < 0) this.fail(ErrorCode.LengthInvalid, `negative length ${n}`, path);
      throw new MeterkitError(
        ErrorCode.LengthOverrun,
        `length ${n} exceeds the ${this.end - this.pos} bytes left`,
        {
          offset: this.base + this.pos,
          path,
        },
      );
    }
    const p = this.pos;
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }

  /** Returns a view of everything left and consumes it. */
  rest(): Uint8Array {
    const p = this.pos;
    this.pos = this.end;
    return this.buf.subarray(p, this.end);
  }

  /** Skips `n` bytes (bounds-checked). */
  skip(n: number, path?: string): void {
    this.bytes(n, path);
  }

  /**
   * Returns a reader over the next `n` bytes and consumes them here. The sub-reader reports
   * absolute offsets. Throws `LengthOverrun` when `n` exceeds what remains.
   */
  sub(n: number, path?: string): Reader {
    if (n < 0 || this.end - this.pos < n) {
      throw new MeterkitError(
        ErrorCode.LengthOverrun,
        `length ${n} exceeds the ${this.end - this.pos} bytes left`,
        {
          offset: this.base + this.pos,
          path,
        },
      );
    }
    const r = new Reader(this.buf, this.pos, this.pos + n, this.base);
    this.pos += n;
    return r;
  }

  /**
   * Reads an A-XDR / BER definite length (IEC 62056-6-2 §4.1.5, X.690 §8.1.3): one byte below
   * 0x80, or 0x81–0x84 followed by 1–4 big-endian bytes. `0x80` (indefinite) gives
   * `IndefiniteLength`; 0x85 and above give `LengthInvalid`. The length is *not* checked against
   * the bytes left: use `berLengthBounded` for that.
   */
  berLength(path?: string): number {
    const first = this.u8(path);
    if (first < 0x80) return first;
    if (first === 0x80)
      this.fail(ErrorCode.IndefiniteLength, 'indefinite length not allowed', path, this.pos - 1);
    const n = first & 0x7f;
    if (n > 4) this.fail(ErrorCode.LengthInvalid, `length of ${n} octets is more than 4`, path, this.pos - 1);
    this.need(n, path);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.buf[this.pos++]!;
    return v;
  }

  /**
   * Reads a length (as `berLength()`) and checks that at least `length × unit` bytes remain, so a
   * lying length can never drive a large allocation or a long loop. `unit` is the smallest
   * possible encoded size of one element (1 for bytes; e.g. 1 for a tagged A-XDR element).
   */
  berLengthBounded(path?: string, unit = 1): number {
    const at = this.pos;
    const n = this.berLength(path);
    if (n * unit > this.end - this.pos) {
      this.fail(
        ErrorCode.LengthOverrun,
        `length ${n} exceeds the ${this.end - this.pos} bytes left`,
        path,
        at,
      );
    }
    return n;
  }

  /** Throws `TrailingBytes` unless the reader is at its end. */
  expectEnd(path?: string): void {
    if (this.pos < this.end) {
      this.fail(ErrorCode.TrailingBytes, `${this.end - this.pos} unexpected trailing byte(s)`, path);
    }
  }
}
