/**
 * The receiving side of the general block transfer mechanism (GBT, IEC 62056-5-3 §9.3.10) as a
 * sans-IO state machine: blocks of one long APDU come in windows (with the streaming bit set on
 * all but the last block of a window); after each window the receiver acknowledges the highest
 * block it holds in order, and after the last block the joined APDU comes out.
 *
 * Lost blocks are recovered as the GBT procedure lays down: a block that leaves a gap is not kept;
 * at the end of the window (or when the caller's block timer runs out, `recover()`) the receiver
 * acknowledges the last block it holds in sequence and the sender sends again from the block after
 * it. Each recovery counts against a retry limit; a block beyond the announced window, a block
 * number that goes backwards past the window, an oversize answer or an empty middle block are
 * typed errors.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { GeneralBlockTransfer } from '../apdu/general-block-transfer.js';
import { DlmsErrorCode } from '../errors.js';
import { DlmsClientErrorCode } from './errors.js';

/** What the receiver wants after a block. */
export type BlockTransferStep =
  /** Send this acknowledgement (a GBT with no data); `recovery` when it asks for lost blocks again. */
  | { readonly type: 'ack'; readonly apdu: GeneralBlockTransfer; readonly recovery: boolean }
  /** More blocks of the current window are on their way. */
  | { readonly type: 'wait' }
  /** The whole APDU, joined from every block. */
  | { readonly type: 'complete'; readonly apdu: Uint8Array };

/** Options of `BlockTransferReceiver`. */
export interface BlockTransferReceiverOptions {
  /** Window this side announces (1–63; default 1): the most blocks the sender may send unacknowledged. */
  readonly window?: number;
  /** Largest joined APDU (default 4 MiB). */
  readonly maxSize?: number;
  /**
   * Block numbers the first block may carry (default `[1]`). A sender that numbers its blocks on
   * from an earlier transfer is accepted by also listing the number after its last one.
   */
  readonly firstBlockNumbers?: readonly number[];
  /** block-number of our first acknowledgement (default 1); later ones count up. */
  readonly ownBlockNumber?: number;
  /** Recoveries of lost blocks before giving up with `BlockRecoveryFailed` (default 3). */
  readonly maxRetries?: number;
}

/** Receives one APDU sent with general-block-transfer (IEC 62056-5-3 §9.3.10). */
export class BlockTransferReceiver {
  private readonly window: number;
  private readonly maxSize: number;
  private readonly maxRetries: number;
  private readonly firstNumbers: readonly number[];
  private parts: Uint8Array[] = [];
  private length = 0;
  /** Number of the next block expected in sequence; undefined before the first block. */
  private expected: number | undefined;
  /** First block number of the current window. */
  private windowStart = 0;
  /** True when a block of the current window went missing. */
  private gap = false;
  private retries = 0;
  private ownBlock: number;
  private highestPeerBlock = 0;

  constructor(options: BlockTransferReceiverOptions = {}) {
    this.window = options.window ?? 1;
    this.maxSize = options.maxSize ?? 4 * 1024 * 1024;
    this.maxRetries = options.maxRetries ?? 3;
    this.firstNumbers = options.firstBlockNumbers ?? [1];
    this.ownBlock = options.ownBlockNumber ?? 1;
    if (!Number.isInteger(this.window) || this.window < 1 || this.window > 63)
      throw new MeterkitError(ErrorCode.InvalidArgument, `GBT window ${this.window} is not 1..63`);
  }

  /** True once the first block arrived and before the last one is joined. */
  get inProgress(): boolean {
    return this.expected !== undefined;
  }

  /** The block number expected next in sequence; undefined before the first block. */
  get expectedBlockNumber(): number | undefined {
    return this.expected;
  }

  /** The highest block number the sender used so far (its acknowledgements included). */
  get lastPeerBlockNumber(): number {
    return this.highestPeerBlock;
  }

  /** The block-number our next acknowledgement will carry. */
  get nextOwnBlockNumber(): number {
    return this.ownBlock;
  }

  /**
   * Takes one received GBT block. Throws `BlockNumberMismatch` (124) for a block outside the
   * window, `ResponseTooLarge` (428) past `maxSize`, `BlockTransferFailed` (425) for an empty
   * middle block and `BlockRecoveryFailed` (432) when lost blocks stay lost past the retry limit.
   */
  receive(gbt: GeneralBlockTransfer): BlockTransferStep {
    const n = gbt.blockNumber;
    let expected = this.expected;
    if (expected === undefined) {
      // the first block opens the transfer; when the first blocks of the first window were lost,
      // a later block of that window starts it with a gap
      const first = this.firstNumbers.includes(n)
        ? n
        : this.firstNumbers.find((f) => n > f && n < f + this.window);
      if (first === undefined) {
        throw new MeterkitError(
          DlmsErrorCode.BlockNumberMismatch,
          `general-block-transfer block ${n} cannot open a transfer (expected ${this.firstNumbers.join(' or ')})`,
        );
      }
      expected = first;
      this.expected = first;
      this.windowStart = first;
    }
    if (n > this.highestPeerBlock) this.highestPeerBlock = n;
    const endOfWindow = !gbt.blockControl.streaming || gbt.blockControl.lastBlock;
    if (n < expected) {
      if (expected - n > this.window)
        throw new MeterkitError(
          DlmsErrorCode.BlockNumberMismatch,
          `general-block-transfer block ${n} goes back past the window (expected ${expected})`,
        );
      // a block sent again that we already hold (our acknowledgement was late or lost)
      return endOfWindow ? this.recovery(expected - 1) : { type: 'wait' };
    }
    if (n >= this.windowStart + this.window) {
      throw new MeterkitError(
        DlmsErrorCode.BlockNumberMismatch,
        `general-block-transfer block ${n} is beyond the announced window of ${this.window} from block ${this.windowStart}`,
      );
    }
    if (n > expected || this.gap) {
      // a gap: the block is not kept; the sender repeats from the block after our acknowledgement
      this.gap = true;
      return endOfWindow ? this.recovery(expected - 1) : { type: 'wait' };
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
        `general-block-transfer block ${n} is empty and not the last`,
      );
    }
    this.parts.push(gbt.blockData);
    this.length += gbt.blockData.length;
    this.expected = expected + 1;
    if (gbt.blockControl.lastBlock) {
      const out = new Uint8Array(this.length);
      let at = 0;
      for (const p of this.parts) {
        out.set(p, at);
        at += p.length;
      }
      this.parts = [];
      this.expected = undefined;
      return { type: 'complete', apdu: out };
    }
    if (gbt.blockControl.streaming) return { type: 'wait' };
    this.retries = 0;
    this.windowStart = n + 1;
    return { type: 'ack', apdu: this.ack(n), recovery: false };
  }

  /**
   * The caller's block timer ran out in the middle of a transfer (the end of a window was lost):
   * acknowledges the last block held in sequence so that the sender repeats the rest. Counts
   * against the retry limit like any recovery.
   */
  recover(): BlockTransferStep {
    const expected = this.expected ?? this.firstNumbers[0]!;
    return this.recovery(expected - 1);
  }

  private recovery(acked: number): BlockTransferStep {
    this.retries++;
    if (this.retries > this.maxRetries) {
      throw new MeterkitError(
        DlmsClientErrorCode.BlockRecoveryFailed,
        `general-block-transfer block ${acked + 1} is still missing after ${this.maxRetries} requests to send it again`,
      );
    }
    this.gap = false;
    this.windowStart = acked + 1;
    return { type: 'ack', apdu: this.ack(acked), recovery: true };
  }

  private ack(blockNumberAck: number): GeneralBlockTransfer {
    return {
      type: 'general-block-transfer',
      blockControl: { lastBlock: true, streaming: false, window: this.window },
      blockNumber: this.ownBlock++,
      blockNumberAck,
      blockData: new Uint8Array(0),
    };
  }
}
