import type { Reader, Writer } from '@meterkit/core';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { type DecodeContext, readOctetString, writeOctetString } from './common.js';

/** Tag of General-Block-Transfer (IEC 62056-5-3 §8, [224]). */
export const GENERAL_BLOCK_TRANSFER_TAG = 0xe0;

/** Block-Control of General-Block-Transfer (IEC 62056-5-3 §9.3.10, one octet). */
export interface BlockControl {
  /** Bit 7: this is the last block. */
  readonly lastBlock: boolean;
  /** Bit 6: streaming (more blocks follow without waiting for an ack). */
  readonly streaming: boolean;
  /** Bits 0–5: window size. */
  readonly window: number;
}

/** General-Block-Transfer (IEC 62056-5-3 §8, §9.3.10). */
export interface GeneralBlockTransfer {
  readonly type: 'general-block-transfer';
  readonly blockControl: BlockControl;
  /** block-number, Unsigned16. */
  readonly blockNumber: number;
  /** block-number-ack, Unsigned16. */
  readonly blockNumberAck: number;
  /** block-data: a fragment of the APDU being transferred. */
  readonly blockData: Uint8Array;
}

/** Decodes a General-Block-Transfer after its tag (IEC 62056-5-3 §8). */
export function readGeneralBlockTransfer(r: Reader, _ctx: DecodeContext): GeneralBlockTransfer {
  const bc = r.u8('general-block-transfer.block-control');
  const blockNumber = r.u16('general-block-transfer.block-number');
  const blockNumberAck = r.u16('general-block-transfer.block-number-ack');
  return {
    type: 'general-block-transfer',
    blockControl: { lastBlock: (bc & 0x80) !== 0, streaming: (bc & 0x40) !== 0, window: bc & 0x3f },
    blockNumber,
    blockNumberAck,
    blockData: readOctetString(r, 'general-block-transfer.block-data'),
  };
}

/** Encodes a General-Block-Transfer with its tag (IEC 62056-5-3 §8). */
export function writeGeneralBlockTransfer(w: Writer, a: GeneralBlockTransfer): void {
  const c = a.blockControl;
  if (!Number.isInteger(c.window) || c.window < 0 || c.window > 63) {
    throw new MeterkitError(ErrorCode.ValueOutOfRange, `window ${c.window} is outside 0..63`, {
      path: 'general-block-transfer.block-control.window',
    });
  }
  w.u8(GENERAL_BLOCK_TRANSFER_TAG)
    .u8((c.lastBlock ? 0x80 : 0) | (c.streaming ? 0x40 : 0) | c.window)
    .u16(a.blockNumber)
    .u16(a.blockNumberAck);
  writeOctetString(w, a.blockData);
}
