import { bytesEqual, isMeterkitError, MeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { type DlmsData, decodeData, encodeData, type IntegerDataType } from '../src/axdr/data.js';
import { type DataVisitor, scanData } from '../src/axdr/scan.js';
import { dlmsData } from './axdr-arbitraries.js';

/** Rebuilds the `DlmsData` tree from the visitor calls (the inverse of what scanData reports). */
class TreeBuilder implements DataVisitor {
  private readonly stack: { type: 'array' | 'structure'; items: DlmsData[] }[] = [];
  result: DlmsData | undefined;

  private put(d: DlmsData): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) this.result = d;
    else top.items.push(d);
  }

  begin(type: 'array' | 'structure', _count: number): void {
    this.stack.push({ type, items: [] });
  }

  end(type: 'array' | 'structure'): void {
    const top = this.stack.pop()!;
    if (top.type !== type) throw new Error('unbalanced begin/end');
    this.put({ type, value: top.items });
  }

  integer(type: IntegerDataType, value: number): void {
    this.put({ type, value });
  }

  octets(buf: Uint8Array, start: number, end: number): void {
    this.put({ type: 'octet-string', value: buf.subarray(start, end) });
  }

  other(value: DlmsData): void {
    this.put(value);
  }
}

function scanTree(bytes: Uint8Array, base = 0): DlmsData | undefined {
  const b = new TreeBuilder();
  scanData(bytes, b, base);
  return b.result;
}

t.test('property: the tree rebuilt from scanData equals decodeData', (t) => {
  fc.assert(
    fc.property(dlmsData, (d) => {
      const bytes = encodeData(d);
      const scanned = scanTree(bytes);
      t.same(scanned, decodeData(bytes));
      return bytesEqual(encodeData(scanned!), bytes);
    }),
    { numRuns: 300 },
  );
  t.end();
});

t.test('begin reports the element count before the elements', (t) => {
  const seen: string[] = [];
  scanData(Uint8Array.of(0x01, 0x02, 0x02, 0x01, 0x11, 0x07, 0x09, 0x01, 0xaa), {
    begin: (type, count) => seen.push(`${type}(${count})`),
    end: (type) => seen.push(`/${type}`),
    integer: (type, value) => seen.push(`${type}=${value}`),
    octets: (buf, start, end) => seen.push(`octets@${start}..${end}=${buf[start]}`),
    other: (v) => seen.push(v.type),
  });
  t.same(seen, ['array(2)', 'structure(1)', 'unsigned=7', '/structure', 'octets@8..9=170', '/array']);
  t.end();
});

t.test('property: on any bytes scanData and decodeData fail alike (code, offset) or agree', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      let expected: DlmsData | MeterkitError;
      try {
        expected = decodeData(bytes, 50);
      } catch (e) {
        if (!isMeterkitError(e)) return false;
        expected = e;
      }
      try {
        const got = scanTree(bytes, 50);
        if (expected instanceof MeterkitError) return false;
        t.same(got, expected);
        return true;
      } catch (e) {
        return (
          expected instanceof MeterkitError &&
          isMeterkitError(e) &&
          e.code === expected.code &&
          e.offset === expected.offset
        );
      }
    }),
    { numRuns: 1000 },
  );
  t.end();
});
