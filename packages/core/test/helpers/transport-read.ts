import { concatBytes } from '@meterkit/core';
import type { Transport } from '@meterkit/core/transport';

/** Reads chunks until exactly `n` bytes arrived (fails the read with its error otherwise). */
export async function readExactly(transport: Transport, n: number, timeoutMs: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const chunk = await transport.read({ timeoutMs });
    chunks.push(chunk);
    have += chunk.length;
  }
  return concatBytes(...chunks);
}
