import fc from 'fast-check';
import t from 'tap';
import { crc16x25, crc16x25Check, crc16x25Update, fromHex } from '../src/index.js';

t.test('CRC-16/X-25 check value', (t) => {
  t.equal(crc16x25(new TextEncoder().encode('123456789')), 0x906e);
  t.equal(crc16x25(new Uint8Array(0)), 0x0000);
  t.end();
});

// Real HDLC frames from ../shared/vectors/dlms/real-frames.json (ids and sources kept): HCS and FCS
// are CRC-16/X-25 sent low byte first. Format A0xx → 2-byte format field; addresses end at the
// first byte with bit 0 set.
const frames: { id: string; source: string; hex: string }[] = [
  {
    id: 'ams-kaifa-gh180-1',
    source: 'UtilitechAS/amsreader-firmware:test/payloads/kaifa/gh180-1.hex',
    hex: '7ea027010201105a87e6e7000f40000000090c07e60102070e2512ff80000002010600001015f5ff7e',
  },
  {
    id: 'issue-guruxc-1-ua-params',
    source: 'Gurux/GuruxDLMS.c issue #1 (UA quoted by reporter)',
    hex: '7ea0210502217380bc8180140502010006020100070400000001080400000001696d7e',
  },
  {
    id: 'issue-dlmscosem-62-snrm-echo',
    source: 'u9n/dlms-cosem issue #62 (debug log)',
    hex: '7ea0082003279373857e',
  },
  {
    id: 'issue-dlmscosem-95-frmr',
    source: 'u9n/dlms-cosem issue #95 (debug log, received data)',
    hex: '7ea00f0300022c29971b60540010743f7e',
  },
];

function hcsEnd(b: Uint8Array): number {
  let i = 3; // after flag + format
  while (!(b[i]! & 1)) i++; // destination address
  i++;
  while (!(b[i]! & 1)) i++; // source address
  return i + 2; // control, then HCS starts
}

t.test('real HDLC frames carry valid HCS/FCS (low byte first)', (t) => {
  for (const f of frames) {
    const b = fromHex(f.hex);
    // HCS covers format..control and sits in the next two bytes
    const at = hcsEnd(b);
    const hcs = crc16x25(b, 1, at);
    if (b.length - 2 > at + 2) {
      t.equal(b[at]! | (b[at + 1]! << 8), hcs, `${f.id} HCS`);
      t.ok(crc16x25Check(b, 1, at + 2), `${f.id} HCS residue`);
    }
    t.ok(crc16x25Check(b, 1, b.length - 1), `${f.id} FCS residue`);
  }
  t.end();
});

t.test('property: incremental CRC equals one-shot; appending the CRC gives the residue', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (b, cut) => {
      const k = b.length === 0 ? 0 : cut % (b.length + 1);
      const state = crc16x25Update(crc16x25Update(0xffff, b, 0, k), b, k);
      const crc = crc16x25(b);
      if ((~state & 0xffff) !== crc) return false;
      const framed = new Uint8Array(b.length + 2);
      framed.set(b);
      framed[b.length] = crc & 0xff;
      framed[b.length + 1] = crc >> 8;
      return crc16x25Check(framed);
    }),
    { numRuns: 500 },
  );
  t.end();
});
