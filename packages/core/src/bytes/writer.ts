import { ErrorCode, MeterkitError } from '../errors.js';

const TWO_32 = 0x1_0000_0000;

/**
 * A growable byte writer. Capacity doubles as needed (no per-byte allocation); integers are
 * range-checked and a value that does not fit throws `ValueOutOfRange` (206) rather than wrapping.
 *
 * `finish()` returns a copy of exactly the written bytes, so the writer can be `reset()` and reused
 * on a hot path without the result changing under the caller.
 */
export class Writer {
  private buf: Uint8Array;
  /** Made on the first multi-byte write that needs it (most writers never do). */
  private view: DataView | undefined = undefined;
  /** Number of bytes written so far (also the index of the next byte). */
  pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  private dv(): DataView {
    if (this.view === undefined)
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    return this.view;
  }

  /** Number of bytes written. */
  get length(): number {
    return this.pos;
  }

  /** Makes sure `n` more bytes fit. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = undefined;
  }

  private range(v: number, min: number, max: number, what: string): void {
    if (!(v >= min && v <= max) || !Number.isInteger(v)) {
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `${v} does not fit ${what} (${min}..${max})`, {
        offset: this.pos,
      });
    }
  }

  /** Writes one unsigned byte (0–255). */
  u8(v: number): this {
    this.range(v, 0, 0xff, 'u8');
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  /** Writes a signed byte (−128–127). */
  i8(v: number): this {
    this.range(v, -0x80, 0x7f, 'i8');
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  /** Writes an unsigned 16-bit big-endian integer. */
  u16(v: number): this {
    this.range(v, 0, 0xffff, 'u16');
    this.ensure(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  /** Writes an unsigned 16-bit little-endian integer. */
  u16le(v: number): this {
    this.range(v, 0, 0xffff, 'u16');
    this.ensure(2);
    this.buf[this.pos++] = v & 0xff;
    this.buf[this.pos++] = v >>> 8;
    return this;
  }

  /** Writes a signed 16-bit big-endian integer. */
  i16(v: number): this {
    this.range(v, -0x8000, 0x7fff, 'i16');
    return this.u16(v & 0xffff);
  }

  /** Writes a signed 16-bit little-endian integer. */
  i16le(v: number): this {
    this.range(v, -0x8000, 0x7fff, 'i16');
    return this.u16le(v & 0xffff);
  }

  /** Writes an unsigned 24-bit big-endian integer. */
  u24(v: number): this {
    this.range(v, 0, 0xffffff, 'u24');
    this.ensure(3);
    this.buf[this.pos++] = v >>> 16;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  /** Writes an unsigned 32-bit big-endian integer. */
  u32(v: number): this {
    this.range(v, 0, 0xffffffff, 'u32');
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
    return this;
  }

  /** Writes an unsigned 32-bit little-endian integer. */
  u32le(v: number): this {
    this.range(v, 0, 0xffffffff, 'u32');
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v & 0xff;
    b[p + 1] = (v >>> 8) & 0xff;
    b[p + 2] = (v >>> 16) & 0xff;
    b[p + 3] = v >>> 24;
    this.pos = p + 4;
    return this;
  }

  /** Writes a signed 32-bit big-endian integer. */
  i32(v: number): this {
    this.range(v, -0x80000000, 0x7fffffff, 'i32');
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
    return this;
  }

  /** Writes a signed 32-bit little-endian integer. */
  i32le(v: number): this {
    this.range(v, -0x80000000, 0x7fffffff, 'i32');
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v & 0xff;
    b[p + 1] = (v >>> 8) & 0xff;
    b[p + 2] = (v >>> 16) & 0xff;
    b[p + 3] = v >>> 24;
    this.pos = p + 4;
    return this;
  }

  /** Writes an unsigned 64-bit big-endian integer. */
  u64(v: bigint): this {
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) {
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `${v} does not fit u64`, { offset: this.pos });
    }
    this.ensure(8);
    this.dv().setBigUint64(this.pos, v, false);
    this.pos += 8;
    return this;
  }

  /** Writes an unsigned 64-bit little-endian integer. */
  u64le(v: bigint): this {
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) {
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `${v} does not fit u64`, { offset: this.pos });
    }
    this.ensure(8);
    this.dv().setBigUint64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** Writes a signed 64-bit big-endian integer. */
  i64(v: bigint): this {
    if (v < -0x8000_0000_0000_0000n || v > 0x7fff_ffff_ffff_ffffn) {
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `${v} does not fit i64`, { offset: this.pos });
    }
    this.ensure(8);
    this.dv().setBigInt64(this.pos, v, false);
    this.pos += 8;
    return this;
  }

  /** Writes a signed 64-bit little-endian integer. */
  i64le(v: bigint): this {
    if (v < -0x8000_0000_0000_0000n || v > 0x7fff_ffff_ffff_ffffn) {
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `${v} does not fit i64`, { offset: this.pos });
    }
    this.ensure(8);
    this.dv().setBigInt64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** Writes an unsigned big-endian integer in exactly `n` (0–6) bytes. */
  uint(v: number, n: number): this {
    if (n > 6)
      throw new MeterkitError(ErrorCode.InvalidArgument, `uint(_, ${n}): at most 6 bytes fit a number`);
    this.range(v, 0, 2 ** (8 * n) - 1, `${n}-byte unsigned`);
    this.ensure(n);
    for (let i = n - 1; i >= 0; i--) {
      this.buf[this.pos + i] = v % 256;
      v = Math.floor(v / 256);
    }
    this.pos += n;
    return this;
  }

  /** Writes an unsigned 48-bit big-endian integer. */
  u48(v: number): this {
    this.range(v, 0, 0xffff_ffff_ffff, 'u48');
    this.u16(Math.floor(v / TWO_32));
    return this.u32(v % TWO_32);
  }

  /** Writes an IEEE 754 float32, big-endian. */
  f32(v: number): this {
    this.ensure(4);
    this.dv().setFloat32(this.pos, v, false);
    this.pos += 4;
    return this;
  }

  /** Writes an IEEE 754 float64, big-endian. */
  f64(v: number): this {
    this.ensure(8);
    this.dv().setFloat64(this.pos, v, false);
    this.pos += 8;
    return this;
  }

  /** Writes an IEEE 754 float32, little-endian. */
  f32le(v: number): this {
    this.ensure(4);
    this.dv().setFloat32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  /** Writes an IEEE 754 float64, little-endian. */
  f64le(v: number): this {
    this.ensure(8);
    this.dv().setFloat64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** Appends bytes. */
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  /** Appends `n` copies of `value` (default zero). */
  fill(n: number, value = 0): this {
    this.ensure(n);
    this.buf.fill(value, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }

  /**
   * Writes an A-XDR / BER definite length in its shortest form (IEC 62056-6-2 §4.1.5,
   * X.690 §8.1.3.5): one byte below 0x80, else 0x81–0x84 and the big-endian length.
   */
  berLength(n: number): this {
    if (n < 0x80) {
      this.range(n, 0, 0x7f, 'length');
      return this.u8(n);
    }
    if (n <= 0xff) return this.u8(0x81).u8(n);
    if (n <= 0xffff) return this.u8(0x82).u16(n);
    if (n <= 0xffffff) return this.u8(0x83).u24(n);
    this.range(n, 0, 0xffffffff, 'length');
    return this.u8(0x84).u32(n);
  }

  /** Overwrites one byte already written at index `at`. */
  setU8(at: number, v: number): this {
    if (at < 0 || at >= this.pos)
      throw new MeterkitError(ErrorCode.InvalidArgument, `setU8(${at}) outside 0..${this.pos}`);
    this.range(v, 0, 0xff, 'u8');
    this.buf[at] = v;
    return this;
  }

  /** Overwrites a big-endian u16 already written at index `at`. */
  setU16(at: number, v: number): this {
    if (at < 0 || at + 2 > this.pos)
      throw new MeterkitError(ErrorCode.InvalidArgument, `setU16(${at}) outside 0..${this.pos}`);
    this.range(v, 0, 0xffff, 'u16');
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
    return this;
  }

  /** A view (no copy) of the bytes written so far; valid until the next write or `reset()`. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /**
   * Compares the bytes written so far with `other` in place (no view, no copy): -1 when they are
   * equal, else the index of the first octet that differs (the shorter length when one is a
   * prefix of the other).
   */
  mismatch(other: Uint8Array): number {
    const b = this.buf;
    const n = Math.min(this.pos, other.length);
    for (let i = 0; i < n; i++) if (b[i] !== other[i]) return i;
    return this.pos === other.length ? -1 : n;
  }

  /** A copy of exactly the bytes written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** Forgets what was written, keeping the capacity. */
  reset(): this {
    this.pos = 0;
    return this;
  }
}
