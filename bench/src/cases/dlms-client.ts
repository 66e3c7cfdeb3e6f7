// The client is exported from '@meterkit/dlms' once the lead adds `export * from './client/index.js'`
// to its index; until then this case imports the client's source directly.
import type { DecodedApdu, DlmsData } from '@meterkit/dlms';
import {
  BlockTransferReceiver,
  decodeApdu,
  encodeApdu,
  encodeData,
  ServiceTransaction,
} from '@meterkit/dlms';
import type { BenchCase } from '../case.js';

/**
 * DLMS client service path (IEC 62056-5-3 §9.3): a profile read answered with
 * get-response-with-datablock (block transfer, 40 blocks of 512 octets) and the same answer as
 * general-block-transfer (§9.3.10) windows, reassembled by the sans-IO client transactions.
 */

function profile(rows: number): DlmsData {
  const value: DlmsData[] = [];
  for (let i = 0; i < rows; i++)
    value.push({
      type: 'structure',
      value: [
        { type: 'octet-string', value: Uint8Array.of(0x07, 0xea, 1, 1, 4, i % 24, 0, 0, 0xff, 0x80, 0, 0) },
        { type: 'unsigned', value: i & 7 },
        { type: 'double-long-unsigned', value: 100000 + i },
        { type: 'double-long-unsigned', value: 200000 + i },
      ],
    });
  return { type: 'array', value };
}

const raw = encodeData(profile(700));
const BLOCK = 512;
const iip = { invokeId: 1, serviceClass: 'confirmed', priority: 'high' } as const;
const blocks: DecodedApdu[] = [];
for (let at = 0, n = 1; at < raw.length; at += BLOCK, n++)
  blocks.push(
    decodeApdu(
      encodeApdu({
        type: 'get-response-with-datablock',
        invokeIdAndPriority: iip,
        result: {
          lastBlock: at + BLOCK >= raw.length,
          blockNumber: n,
          result: { type: 'raw-data', rawData: raw.subarray(at, at + BLOCK) },
        },
      }),
    ),
  );
const whole = encodeApdu({
  type: 'get-response-normal',
  invokeIdAndPriority: iip,
  result: { type: 'data', data: profile(700) },
});
const gbt: {
  type: 'general-block-transfer';
  blockControl: { lastBlock: boolean; streaming: boolean; window: number };
  blockNumber: number;
  blockNumberAck: number;
  blockData: Uint8Array;
}[] = [];
for (let at = 0, n = 1; at < whole.length; at += BLOCK, n++)
  gbt.push({
    type: 'general-block-transfer',
    blockControl: { lastBlock: at + BLOCK >= whole.length, streaming: n % 4 !== 0, window: 4 },
    blockNumber: n,
    blockNumberAck: 0,
    blockData: whole.subarray(at, at + BLOCK),
  });

export const cases: readonly BenchCase[] = [
  {
    name: `dlms-client: get with ${blocks.length} datablocks (${raw.length} B)`,
    bytesPerOp: raw.length,
    run: () => {
      const tx = new ServiceTransaction(
        { type: 'get', items: [{ classId: 7, instanceId: '1-0:99.1.0.255', attributeId: 2 }] },
        { invokeId: 1 },
      );
      tx.start();
      let steps = 0;
      for (const b of blocks) if (tx.receive(b).type === 'send') steps++;
      return steps;
    },
  },
  {
    name: `dlms-client: general-block-transfer window 4, ${gbt.length} blocks + decode (${whole.length} B)`,
    bytesPerOp: whole.length,
    run: () => {
      const r = new BlockTransferReceiver({ window: 4 });
      let out: Uint8Array | undefined;
      for (const b of gbt) {
        const s = r.receive(b);
        if (s.type === 'complete') out = s.apdu;
      }
      return out === undefined ? 0 : decodeApdu(out).raw.length;
    },
  },
];
