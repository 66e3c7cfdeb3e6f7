/**
 * The sending side of the general block transfer mechanism (GBT, IEC 62056-5-3 §9.3.10) as a
 * sans-IO state machine: one long (possibly ciphered) APDU is cut into blocks that fit the peer's
 * max-receive-pdu-size and goes out a window at a time — the streaming bit set on every block of a
 * window but the last, the window size the peer announced in its last GBT honoured (1 until it
 * announced one). The peer's acknowledgement (block-number-ack) moves the window on; an
 * acknowledgement of an earlier block means blocks were lost, and the sender repeats from the block
 * after it, up to a retry limit. When no acknowledgement comes at all (the end of a window was
 * lost), the caller's block timer calls `resend()`.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { GeneralBlockTransfer } from '../apdu/general-block-transfer.js';
import { DlmsErrorCode } from '../errors.js';
import { DlmsClientErrorCode } from './errors.js';

/** Options of `BlockTransferSender`. */
export interface BlockTransferSenderOptions {
  /** Largest block-data per block (the peer's max-receive-pdu-size less the GBT header). */
  readonly blockSize: number;
  /** Window this side announces for the peer's blocks (1–63; default 1). */
  readonly window?: number;
  /** Window assumed for the peer until it announces one (default 1). */
  readonly peerWindow?: number;
  /** Number of the first block (default 1). */
  readonly firstBlockNumber?: number;
  /** block-number-ack of the first block: the peer's last block (default 0, none). */
  readonly blockNumberAck?: number;
  /** Times lost blocks are sent again before `BlockRecoveryFailed` (default 3). */
  readonly maxRetries?: number;
}

/**
 * Largest General-Block-Transfer header before block-data (IEC 62056-5-3 §8): tag, block-control,
 * block-number, block-number-ack and a length of up to 3 octets.
 */
export const GBT_HEADER_SIZE = 9;

/** Sends one APDU with general-block-transfer (IEC 62056-5-3 §9.3.10). See the module comment. */
export class BlockTransferSender {
  private readonly blocks: Uint8Array[] = [];
  private readonly window: number;
  private readonly first: number;
  private readonly maxRetries: number;
  private peerWindow: number;
  private peerBlock: number;
  /** Index of the next block to send. */
  private next = 0;
  /** Index of the first block not acknowledged. */
  private acked = 0;
  private retries = 0;

  constructor(apdu: Uint8Array, options: BlockTransferSenderOptions) {
    const size = options.blockSize;
    if (!Number.isInteger(size) || size < 1)
      throw new MeterkitError(ErrorCode.InvalidArgument, `GBT block size ${size} is not a positive integer`);
    this.window = options.window ?? 1;
    if (!Number.isInteger(this.window) || this.window < 1 || this.window > 63)
      throw new MeterkitError(ErrorCode.InvalidArgument, `GBT window ${this.window} is not 1..63`);
    this.peerWindow = clampWindow(options.peerWindow ?? 1);
    this.first = options.firstBlockNumber ?? 1;
    this.peerBlock = options.blockNumberAck ?? 0;
    this.maxRetries = options.maxRetries ?? 3;
    for (let at = 0; at < apdu.length || this.blocks.length === 0; at += size)
      this.blocks.push(apdu.subarray(at, Math.min(apdu.length, at + size)));
  }

  /** Number of blocks of the transfer. */
  get blockCount(): number {
    return this.blocks.length;
  }

  /** block-number of the last block of the transfer. */
  get lastBlockNumber(): number {
    return this.first + this.blocks.length - 1;
  }

  /** The highest block-number sent so far (before the first: one less than the first). */
  get lastSentBlockNumber(): number {
    return this.first + this.next - 1;
  }

  /** True once the last block went out (the answer, or a request to repeat, comes next). */
  get allSent(): boolean {
    return this.next >= this.blocks.length;
  }

  /** The highest block number the peer used in its acknowledgements. */
  get lastPeerBlockNumber(): number {
    return this.peerBlock;
  }

  /** The first window of blocks. */
  start(): GeneralBlockTransfer[] {
    return this.sendWindow();
  }

  /**
   * Takes a GBT from the peer while sending: its block-number-ack moves the window on (or asks for
   * lost blocks again) and its window becomes ours to honour. Returns the blocks to send next
   * (none once every block went out and was acknowledged). Throws `BlockNumberMismatch` (124) for an
   * acknowledgement of a block never sent or one going backwards, `BlockRecoveryFailed` (432) past
   * the retry limit.
   */
  acknowledge(gbt: GeneralBlockTransfer): GeneralBlockTransfer[] {
    const ack = gbt.blockNumberAck - this.first + 1;
    if (ack < this.acked || ack > this.next) {
      throw new MeterkitError(
        DlmsErrorCode.BlockNumberMismatch,
        `the peer acknowledged general-block-transfer block ${gbt.blockNumberAck}; blocks ${this.first + this.acked}..${this.lastSentBlockNumber} were outstanding`,
      );
    }
    if (gbt.blockNumber > this.peerBlock) this.peerBlock = gbt.blockNumber;
    this.peerWindow = clampWindow(gbt.blockControl.window);
    this.acked = ack;
    if (ack < this.next) {
      // blocks after the acknowledged one were lost: send them again
      this.retries++;
      if (this.retries > this.maxRetries) {
        throw new MeterkitError(
          DlmsClientErrorCode.BlockRecoveryFailed,
          `the peer still misses general-block-transfer block ${gbt.blockNumberAck + 1} after ${this.maxRetries} repetitions`,
        );
      }
      this.next = ack;
    } else this.retries = 0;
    if (this.next >= this.blocks.length) return [];
    return this.sendWindow();
  }

  /**
   * The caller's block timer ran out while waiting for the peer's acknowledgement (the end of a
   * window, or the last block, was lost on the way): sends the unacknowledged blocks of the
   * window again, from the first block not acknowledged, the last one without the streaming bit
   * so that the peer answers. Counts against the retry limit (`BlockRecoveryFailed`, 432).
   */
  resend(): GeneralBlockTransfer[] {
    this.retries++;
    if (this.retries > this.maxRetries) {
      throw new MeterkitError(
        DlmsClientErrorCode.BlockRecoveryFailed,
        `no acknowledgement of general-block-transfer block ${this.first + Math.min(this.acked, this.blocks.length - 1)} after ${this.maxRetries} repetitions`,
      );
    }
    this.next = Math.min(this.acked, this.blocks.length - 1);
    return this.sendWindow();
  }

  /**
   * Checks the acknowledgement carried by the first block of the peer's answer: it must cover the
   * last block (else the answer came before the request was complete). Throws
   * `BlockNumberMismatch` (124).
   */
  checkAnswer(gbt: GeneralBlockTransfer): void {
    if (gbt.blockNumberAck !== this.lastBlockNumber && gbt.blockNumberAck !== 0) {
      throw new MeterkitError(
        DlmsErrorCode.BlockNumberMismatch,
        `the answer acknowledges general-block-transfer block ${gbt.blockNumberAck}, the request ended with block ${this.lastBlockNumber}`,
      );
    }
  }

  private sendWindow(): GeneralBlockTransfer[] {
    const out: GeneralBlockTransfer[] = [];
    const end = Math.min(this.blocks.length, this.next + this.peerWindow);
    for (let i = this.next; i < end; i++) {
      const last = i === this.blocks.length - 1;
      out.push({
        type: 'general-block-transfer',
        blockControl: { lastBlock: last, streaming: !last && i < end - 1, window: this.window },
        blockNumber: this.first + i,
        blockNumberAck: this.peerBlock,
        blockData: this.blocks[i]!,
      });
    }
    this.next = end;
    return out;
  }
}

function clampWindow(w: number): number {
  return Math.max(1, Math.min(63, w));
}
