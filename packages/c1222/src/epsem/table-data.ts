/**
 * `<table-data>` of the PSEM read and write services (ANSI C12.18-2006 §5.3.2.4.3/§5.3.2.4.4,
 * IEEE 1703-2012 §5.3.2.4.2–3): `<count:2> <data:count> <cksum:1>`, where cksum is the two's
 * complement of the 8-bit sum of the data bytes.
 */
import { MeterkitError, type Reader, type Writer } from '@meterkit/core';
import { C1222ErrorCode } from '../errors.js';

/** Table data with its checksum. */
export interface TableData {
  readonly data: Uint8Array;
  /** Checksum as on the wire; when encoding, omitted means "compute it". */
  readonly checksum?: number;
  /** Set by the decoder: whether `checksum` matches `data`. */
  readonly checksumValid?: boolean;
}

/** The C12.19 table-data checksum: two's complement of the 8-bit sum of `data`. */
export function tableChecksum(data: Uint8Array, start = 0, end = data.length): number {
  // four running sums: about 1.5× faster than one over a kilobyte of table data
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = start;
  for (const end4 = end - 3; i < end4; i += 4) {
    s0 += data[i]!;
    s1 += data[i + 1]!;
    s2 += data[i + 2]!;
    s3 += data[i + 3]!;
  }
  for (; i < end; i++) s0 += data[i]!;
  return -(s0 + s1 + s2 + s3) & 0xff;
}

/** Options of table-data decoding. */
export interface TableDataOptions {
  /** Throw `TableChecksumFailed` (240) on a bad checksum instead of reporting `checksumValid: false`. */
  readonly strictChecksum?: boolean;
}

/** Reads `<count> <data> <cksum>` (the count bounded by the bytes left). */
export function readTableData(r: Reader, path: string, options: TableDataOptions = {}): TableData {
  const count = r.u16(`${path}.count`);
  const data = r.bytes(count, `${path}.data`);
  const at = r.pos;
  const checksum = r.u8(`${path}.checksum`);
  const checksumValid = checksum === tableChecksum(data);
  if (!checksumValid && options.strictChecksum === true) {
    throw new MeterkitError(C1222ErrorCode.TableChecksumFailed, 'table data checksum does not match', {
      offset: r.base + at,
      path: `${path}.checksum`,
    });
  }
  return { data, checksum, checksumValid };
}

/** Writes `<count> <data> <cksum>`, computing the checksum unless one is given. */
export function writeTableData(w: Writer, td: TableData): void {
  w.u16(td.data.length);
  w.bytes(td.data);
  w.u8(td.checksum ?? tableChecksum(td.data));
}
