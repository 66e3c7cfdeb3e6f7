import { ErrorCode, MeterkitError } from '@meterkit/core';

/** What a `RecordFramer` needs to know about a file format's records. */
export interface RecordFormat {
  /** Bytes needed at the start of the next record to know its length. */
  headerSize(): number;
  /**
   * The next record's total length (at least `headerSize()`), from its first `headerSize()` bytes.
   * Throws `MeterkitError` for a bad or oversized length: it is checked before anything is buffered.
   */
  recordLength(header: Uint8Array, offset: number): number;
  /** Handles one complete record. `record` is never reused or changed by the framer. */
  onRecord(record: Uint8Array, offset: number): void;
}

const MIN_BUFFER = 4096;

/**
 * Cuts a byte stream pushed in arbitrary chunks into the length-prefixed records of a capture file
 * (pcap records, pcapng blocks). Records lying whole inside a chunk are handed over as views;
 * records spanning chunks are gathered into a buffer that grows with the bytes actually received
 * (never sized from the length field alone), so a lying length costs nothing until bytes arrive.
 */
export class RecordFramer {
  private readonly format: RecordFormat;
  private readonly head = new Uint8Array(64);
  private headFill = 0;
  private target = -1;
  private acc: Uint8Array = new Uint8Array(0);
  private accFill = 0;
  /** Absolute offset of the record being read. */
  private offset = 0;

  constructor(format: RecordFormat) {
    this.format = format;
  }

  /** Bytes received so far. */
  get position(): number {
    return this.offset + (this.target === -1 ? this.headFill : this.accFill);
  }

  /** Feeds the next chunk; complete records go to `onRecord` in order. */
  push(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.target === -1) {
        const hs = this.format.headerSize();
        if (this.headFill === 0 && n - i >= hs) {
          const length = this.format.recordLength(chunk.subarray(i, i + hs), this.offset);
          if (n - i >= length) {
            const at = this.offset;
            this.offset += length;
            this.format.onRecord(chunk.subarray(i, i + length), at);
            i += length;
            continue;
          }
          this.begin(length, chunk.subarray(i, i + hs));
          i += hs;
          continue;
        }
        const take = Math.min(hs - this.headFill, n - i);
        this.head.set(chunk.subarray(i, i + take), this.headFill);
        this.headFill += take;
        i += take;
        if (this.headFill < hs) continue;
        const header = this.head.subarray(0, hs);
        const length = this.format.recordLength(header, this.offset);
        this.headFill = 0;
        this.begin(length, header);
        if (this.accFill === this.target) this.complete();
        continue;
      }
      const take = Math.min(this.target - this.accFill, n - i);
      this.append(chunk.subarray(i, i + take));
      i += take;
      if (this.accFill === this.target) this.complete();
    }
  }

  /** Declares the end of input: throws `Truncated` when it ends inside a record. */
  finish(): void {
    if (this.headFill > 0 || this.target !== -1) {
      const have = this.target === -1 ? this.headFill : this.accFill;
      const want = this.target === -1 ? this.format.headerSize() : this.target;
      throw new MeterkitError(
        ErrorCode.Truncated,
        `capture ends inside a record: ${have} of ${want} bytes present`,
        { offset: this.offset },
      );
    }
  }

  private begin(length: number, header: Uint8Array): void {
    this.target = length;
    this.acc = new Uint8Array(Math.min(length, Math.max(MIN_BUFFER, header.length)));
    this.acc.set(header, 0);
    this.accFill = header.length;
  }

  private append(bytes: Uint8Array): void {
    const need = this.accFill + bytes.length;
    if (need > this.acc.length) {
      let cap = this.acc.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(Math.min(cap, this.target));
      next.set(this.acc.subarray(0, this.accFill));
      this.acc = next;
    }
    this.acc.set(bytes, this.accFill);
    this.accFill = need;
  }

  private complete(): void {
    const record = this.acc.subarray(0, this.accFill);
    const at = this.offset;
    this.offset += this.accFill;
    this.target = -1;
    this.acc = new Uint8Array(0);
    this.accFill = 0;
    this.format.onRecord(record, at);
  }
}
