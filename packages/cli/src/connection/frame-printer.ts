import { isMeterkitError, toHex, toJsonValue } from '@meterkit/core';
import type { createColors } from 'picocolors';
import '../decode/adapters.js';
import type { ProtocolName } from '../decode/protocol-decoder.js';
import { decoderFor } from '../decode/registry.js';
import { renderTree } from '../output/tree.js';
import type { TransportTap } from './traced-transport.js';

/** Options of `framePrinter`. */
export interface FramePrinterOptions {
  /** Where lines go (standard error). */
  readonly write: (text: string) => void;
  /** 1: hex; 2: hex and the decoded tree. */
  readonly verbosity: number;
  /** Decoder for `-vv`. */
  readonly protocol: ProtocolName;
  /** Keys the decoder may use to show ciphered APDUs in clear (never printed themselves). */
  readonly keys?: ReadonlyMap<string, Uint8Array> | undefined;
  readonly colors: ReturnType<typeof createColors>;
}

/** Hex in rows of 32 bytes, bytes separated by spaces. */
export function hexRows(bytes: Uint8Array, indent: string): string[] {
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += 32) {
    rows.push(indent + toHex(bytes.subarray(i, i + 32)).replace(/(..)(?!$)/g, '$1 '));
  }
  return rows;
}

/**
 * The `-v` / `-vv` tap: prints each chunk as it passes (`>` sent, `<` received) with its length
 * and hex, and with `-vv` every decoded layer below it. A chunk that is not a whole frame (stream
 * transports may split frames) is shown in hex with the decoder's complaint.
 */
export function framePrinter(options: FramePrinterOptions): TransportTap {
  const c = options.colors;
  const print = (arrow: string, bytes: Uint8Array): void => {
    const lines = [`${c.bold(arrow)} ${c.dim(`${bytes.length} bytes`)}`, ...hexRows(bytes, '  ')];
    if (options.verbosity >= 2) {
      try {
        const r = decoderFor(options.protocol).decode(
          { bytes, text: undefined, origin: 'wire' },
          { keys: options.keys ?? new Map(), lenient: true },
        );
        for (const layer of r.layers) {
          lines.push(
            `  ${c.bold(layer.layer)}`,
            ...renderTree(
              toJsonValue(layer.value, { raw: false }),
              { key: c.cyan, value: (s) => s, dim: c.dim },
              4,
            ),
          );
        }
        for (const note of r.notes) lines.push(c.yellow(`  note: ${note}`));
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        lines.push(c.yellow(`  (not decoded: ${e.toOneLine()})`));
      }
    }
    options.write(`${lines.join('\n')}\n`);
  };
  return {
    sent: (bytes) => print('>', bytes),
    received: (bytes) => print('<', bytes),
  };
}
