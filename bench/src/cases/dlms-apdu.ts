// The lead exports the APDU API from '@meterkit/dlms'; until then the cases import the source of
// the referenced dlms project directly (tsc maps this onto its declarations).
import { Writer } from '@meterkit/core';
import type { DataVisitor, DlmsData, IntegerDataType } from '@meterkit/dlms';
import {
  type DecodedApdu,
  decodeApdu,
  decodeData,
  decodeHdlcFrame,
  encodeApdu,
  type GetResponseNormal,
  scanData,
  writeData,
} from '@meterkit/dlms';
import type { BenchCase } from '../case.js';
import { realHdlcFrames, totalBytes } from '../data.js';
import { CRC_BASELINE } from './crc16.js';

/**
 * xDLMS APDU codec (IEC 62056-5-3 §8, A-XDR per IEC 62056-6-2 §4.1.5): a ~1 KB get-response
 * carrying a profile generic buffer, decoded and encoded; the real-meter push frames decoded
 * through HDLC (IEC 62056-46) and the APDU codec (the DLMS budget: ratio <= 3 against the bare
 * CRC-16 pass); their data-notification APDUs alone; and the notification bodies alone, decoded
 * to a tree (`decodeData`) and scanned with a visitor (`scanData`, no tree).
 */

/** A profile generic buffer (IEC 62056-6-2 §4.3.6): rows of { date-time, status, 4 energy registers }. */
function profileBuffer(rows: number): DlmsData {
  const value: DlmsData[] = [];
  for (let i = 0; i < rows; i++) {
    value.push({
      type: 'structure',
      value: [
        {
          type: 'octet-string',
          value: Uint8Array.of(0x07, 0xe9, 1, 1 + (i % 28), 3, i % 24, (i * 15) % 60, 0, 0xff, 0x80, 0, 0),
        },
        { type: 'unsigned', value: i & 7 },
        { type: 'double-long-unsigned', value: 100000 + i * 17 },
        { type: 'double-long-unsigned', value: 200000 + i * 3 },
        { type: 'double-long-unsigned', value: 3000 + i },
        { type: 'double-long-unsigned', value: 4000 + i * 2 },
      ],
    });
  }
  return { type: 'array', value };
}

const response: GetResponseNormal = {
  type: 'get-response-normal',
  invokeIdAndPriority: { invokeId: 1, serviceClass: 'confirmed', priority: 'high' },
  result: { type: 'data', data: profileBuffer(25) },
};
const encoded = encodeApdu(response);
const writer = new Writer(2048);

/** Counts the values of a decoded tree, so the decode cannot be dropped as dead code. */
function count(d: DlmsData): number {
  if (d.type === 'array' || d.type === 'structure') {
    let n = 1;
    for (const x of d.value) n += count(x);
    return n;
  }
  return 1;
}

/** The APDUs of the real data-notification frames (HDLC header, LLC and FCS stripped at load). */
function pushApdus(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of realHdlcFrames()) {
    const b = f.bytes;
    let p = 3;
    while (p < b.length && (b[p]! & 1) === 0) p++;
    p++;
    while (p < b.length && (b[p]! & 1) === 0) p++;
    p += 4; // last source address octet, control, HCS
    if (b[p] === 0xe6) p += 3;
    if (b[p] !== 0x0f) continue;
    const apdu = b.subarray(p, b.length - 3);
    try {
      decodeApdu(apdu);
      out.push(apdu);
    } catch {
      // frames that need a leniency option (Kaifa) are left out of the strict case
    }
  }
  return out;
}

const pushes = pushApdus();

/** Lenient options the real pushes need (Kaifa's tagged date-time). */
const LENIENT = { taggedNotificationDateTime: true } as const;

/** The real frames whose information field is an APDU that decodes (pushes, ciphered pushes, GBT blocks). */
const apduFrames = realHdlcFrames()
  .map((f) => f.bytes)
  .filter((b) => {
    try {
      const info = decodeHdlcFrame(b).information;
      return info.length > 0 && decodeApdu(info, LENIENT) !== undefined;
    } catch {
      return false;
    }
  });
const apduFrameBytes = totalBytes(apduFrames.map((bytes) => ({ bytes })));
const pushBytes = totalBytes(pushes.map((bytes) => ({ bytes })));

/**
 * The notification-body of each strict push (after tag, long-invoke-id-and-priority and the
 * date-time octet string): the data-value alone, for the tree decode and the visitor scan.
 */
const bodies = pushes.map((p) => p.subarray(p[5] === 0 ? 6 : 18));
const bodyBytes = totalBytes(bodies.map((bytes) => ({ bytes })));

/** A visitor that folds every value into a number, so the scan cannot be dropped as dead code. */
class FoldingVisitor implements DataVisitor {
  acc = 0;
  begin(_type: 'array' | 'structure', count: number): void {
    this.acc = (this.acc + count) | 0;
  }
  end(_type: 'array' | 'structure'): void {
    this.acc = (this.acc + 1) | 0;
  }
  integer(_type: IntegerDataType, value: number): void {
    this.acc = (this.acc + value) | 0;
  }
  octets(buf: Uint8Array, start: number, end: number): void {
    this.acc = (this.acc + end - start + (end > start ? buf[start]! : 0)) | 0;
  }
  other(_value: DlmsData): void {
    this.acc = (this.acc + 1) | 0;
  }
}
const folding = new FoldingVisitor();
for (const b of bodies) scanData(b, folding); // every body scans (fails at load otherwise)

export const cases: readonly BenchCase[] = [
  {
    name: `dlms-apdu: decode get-response with profile buffer (${encoded.length} B)`,
    bytesPerOp: encoded.length,
    run: () => {
      const a = decodeApdu(encoded) as DecodedApdu & GetResponseNormal;
      return a.result.type === 'data' ? count(a.result.data) : 0;
    },
  },
  {
    name: `dlms-apdu: encode get-response with profile buffer (${encoded.length} B)`,
    bytesPerOp: encoded.length,
    run: () => {
      writer.reset();
      writer.u8(0xc4).u8(1).u8(0xc1).u8(0);
      writeData(writer, (response.result as { data: DlmsData }).data);
      return writer.pos;
    },
  },
  {
    name: `dlms-apdu: encodeApdu get-response with profile buffer (${encoded.length} B)`,
    bytesPerOp: encoded.length,
    run: () => encodeApdu(response).length,
  },
  {
    name: `dlms-apdu: decode real push frames, HDLC + APDU (${apduFrames.length} frames)`,
    bytesPerOp: apduFrameBytes,
    baseline: CRC_BASELINE,
    run: () => {
      let n = 0;
      for (const b of apduFrames) n += decodeApdu(decodeHdlcFrame(b).information, LENIENT).raw.length;
      return n;
    },
  },
  {
    name: `dlms-apdu: decode real data-notification APDUs (${pushes.length} pushes)`,
    bytesPerOp: pushBytes,
    baseline: CRC_BASELINE,
    run: () => {
      let n = 0;
      for (const p of pushes) n += decodeApdu(p).raw.length;
      return n;
    },
  },
  {
    name: `dlms-apdu: decodeData of the real push bodies (${bodies.length} pushes)`,
    bytesPerOp: bodyBytes,
    baseline: CRC_BASELINE,
    run: () => {
      let n = 0;
      for (const b of bodies) n += count(decodeData(b));
      return n;
    },
  },
  {
    name: `dlms-apdu: scanData (visitor) of the real push bodies (${bodies.length} pushes)`,
    bytesPerOp: bodyBytes,
    baseline: CRC_BASELINE,
    run: () => {
      folding.acc = 0;
      for (const b of bodies) scanData(b, folding);
      return folding.acc;
    },
  },
];
