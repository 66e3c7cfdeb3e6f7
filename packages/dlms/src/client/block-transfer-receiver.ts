/**
 * The receiving side of the general block transfer mechanism (GBT, IEC 62056-5-3 §9.3.10) as a
 * sans-IO state machine: blocks of one long APDU come in windows (with the streaming bit set on
 * all but the last block of a window); after each window the receiver acknowledges the highest
 * block it holds, and after the last block the joined APDU comes out.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { GeneralBlockTransfer } from '../apdu/general-block-transfer.js';
import { DlmsErrorCode } from '../errors.js';
import { DlmsClientErrorCode } from './errors.js';

/** What the receiver wants after a block. */
export type BlockTransferStep =
  /** Send this acknowledgement (a GBT with no data). */
  | { readonly type: 'ack'; readonly apdu: GeneralBlockTransfer }
  /** More blocks of the current window are on their way. */
  | { readonly type: 'wait' }
  /** The whole APDU, joined from every block. */
  | { readonly type: 'complete'; readonly apdu: Uint8Array };

/** Options of `BlockTransferReceiver`. */
export interface BlockTransferReceiverOptions {
  /** Window this side announces (1–63; default 1). */
  readonly window?: number;
  /** Largest joined APDU (default 4 MiB). */
  readonly maxSize?: number;
}

/** Receives one APDU sent with general-block-transfer (IEC 62056-5-3 §9.3.10). */
export class BlockTransferReceiver {
  private readonly window: number;
  private readonly maxSize: number;
  private parts: Uint8Array[] = [];
  private length = 0;
  private expected = 1;
  private ownBlock = 1;

  constructor(options: BlockTransferReceiverOptions = {}) {
    this.window = options.window ?? 1;
    this.maxSize = options.maxSize ?? 4 * 1024 * 1024;
    if (!Number.isInteger(this.window) || this.window < 1 || this.window > 63)
      throw new MeterkitError(ErrorCode.InvalidArgument, `GBT window ${this.window} is not 1..63`);
  }

  /**
   * Takes one received GBT block. Throws `BlockNumberMismatch` (124) for a block out of order,
   * `ResponseTooLarge` (428) past `maxSize`, `BlockTransferFailed` (425) for an empty middle block.
   */
  receive(gbt: GeneralBlockTransfer): BlockTransferStep {
    if (gbt.blockNumber !== this.expected) {
      throw new MeterkitError(
        DlmsErrorCode.BlockNumberMismatch,
        `general-block-transfer block ${gbt.blockNumber} arrived where block ${this.expected} was expected`,
      );
    }
    if (this.length + gbt.blockData.length > this.maxSize) {
      throw new MeterkitError(
        DlmsClientErrorCode.ResponseTooLarge,
        `the general-block-transfer answer exceeds ${this.maxSize} octets`,
      );
    }
    if (!gbt.blockControl.lastBlock && gbt.blockData.length === 0) {
      throw new MeterkitError(
        DlmsErrorCode.BlockTransferFailed,
        `general-block-transfer block ${gbt.blockNumber} is empty and not the last`,
      );
    }
    this.parts.push(gbt.blockData);
    this.length += gbt.blockData.length;
    this.expected++;
    if (gbt.blockControl.lastBlock) {
      const out = new Uint8Array(this.length);
      let at = 0;
      for (const p of this.parts) {
        out.set(p, at);
        at += p.length;
      }
      this.parts = [];
      return { type: 'complete', apdu: out };
    }
    if (gbt.blockControl.streaming) return { type: 'wait' };
    return {
      type: 'ack',
      apdu: {
        type: 'general-block-transfer',
        blockControl: { lastBlock: true, streaming: false, window: this.window },
        blockNumber: this.ownBlock++,
        blockNumberAck: gbt.blockNumber,
        blockData: new Uint8Array(0),
      },
    };
  }
}
