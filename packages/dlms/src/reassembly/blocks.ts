import { ErrorCode, MeterkitError } from '@meterkit/core';

/**
 * One block of a block transfer, as the APDU codec decodes it: general-block-transfer
 * (IEC 62056-5-3 §9.3.10, block-number, last-block and block-data) or the with-datablock services.
 */
export interface TransferBlock {
  /** Block number (GBT numbers from 1). */
  readonly blockNumber: number;
  /** True on the last block. */
  readonly lastBlock: boolean;
  /** The block's data. */
  readonly content: Uint8Array;
}

/**
 * The block of a decoded general-block-transfer APDU (IEC 62056-5-3 §9.3.10: block-control's
 * last-block bit, block-number, block-data), structurally, so any GBT decoding fits.
 */
export function transferBlockOf(gbt: {
  readonly blockControl: { readonly lastBlock: boolean };
  readonly blockNumber: number;
  readonly blockData: Uint8Array;
}): TransferBlock {
  return { blockNumber: gbt.blockNumber, lastBlock: gbt.blockControl.lastBlock, content: gbt.blockData };
}

/** Options of `BlockReassembler`. */
export interface BlockReassemblerOptions {
  /** Number of the first block (default 1, as in general-block-transfer). */
  readonly firstBlockNumber?: number;
  /** Largest APDU accepted (default 1 MiB); a longer one throws `FrameTooLong` (105). */
  readonly maxLength?: number;
}

/**
 * Joins the blocks of a block transfer into the APDU they carry (IEC 62056-5-3 §9.3.10 for
 * general-block-transfer). Blocks must arrive in order: a number already seen throws
 * `ReassemblyFailed` (108, duplicate), a number beyond the next one throws it too (gap), and the
 * reassembler is reset. `push` returns the APDU on the last block.
 */
export class BlockReassembler {
  private readonly firstBlockNumber: number;
  private readonly maxLength: number;
  private parts: Uint8Array[] = [];
  private length = 0;
  private next: number;

  constructor(options: BlockReassemblerOptions = {}) {
    this.firstBlockNumber = options.firstBlockNumber ?? 1;
    this.maxLength = options.maxLength ?? 1 << 20;
    this.next = this.firstBlockNumber;
  }

  /** True while blocks wait for the last one. */
  get inProgress(): boolean {
    return this.parts.length > 0;
  }

  /** The block number expected next. */
  get expectedBlockNumber(): number {
    return this.next;
  }

  /** Forgets a partly reassembled APDU. */
  reset(): void {
    this.parts = [];
    this.length = 0;
    this.next = this.firstBlockNumber;
  }

  /** Adds a block; returns the whole APDU when it is the last one. */
  push(block: TransferBlock): Uint8Array | undefined {
    if (block.blockNumber !== this.next) {
      const expected = this.next;
      this.reset();
      throw new MeterkitError(
        ErrorCode.ReassemblyFailed,
        block.blockNumber < expected
          ? `duplicate block ${block.blockNumber} (expected ${expected})`
          : `gap: block ${block.blockNumber} after ${expected - 1}`,
        { path: 'block-transfer.block-number' },
      );
    }
    if (this.length + block.content.length > this.maxLength) {
      this.reset();
      throw new MeterkitError(ErrorCode.FrameTooLong, `reassembled APDU exceeds ${this.maxLength} octets`, {
        path: 'block-transfer',
      });
    }
    this.parts.push(block.content);
    this.length += block.content.length;
    this.next++;
    if (!block.lastBlock) return undefined;
    const out = new Uint8Array(this.length);
    let p = 0;
    for (const part of this.parts) {
      out.set(part, p);
      p += part.length;
    }
    this.reset();
    return out;
  }
}

/**
 * Joins a complete list of blocks (IEC 62056-5-3 §9.3.10). Throws `ReassemblyFailed` (108) on a
 * duplicate, a gap, blocks after the last one, or a missing last block.
 */
export function reassembleBlocks(
  blocks: readonly TransferBlock[],
  options: BlockReassemblerOptions = {},
): Uint8Array {
  const r = new BlockReassembler(options);
  for (let i = 0; i < blocks.length; i++) {
    const out = r.push(blocks[i]!);
    if (out !== undefined) {
      if (i !== blocks.length - 1) {
        throw new MeterkitError(
          ErrorCode.ReassemblyFailed,
          `${blocks.length - 1 - i} block(s) after the last block`,
          {
            path: 'block-transfer',
          },
        );
      }
      return out;
    }
  }
  throw new MeterkitError(ErrorCode.ReassemblyFailed, 'the last block is missing', {
    path: 'block-transfer',
  });
}
