import { readFileSync } from 'node:fs';
import { fromHex } from '@meterkit/core';

/** A frame copied into `bench/data/` with its vector id and source. */
export interface BenchFrame {
  readonly id: string;
  readonly source: string;
  readonly bytes: Uint8Array;
}

/** The real-meter HDLC frames of `bench/data/real-frames.json` (see its `about` for provenance). */
export function realHdlcFrames(): readonly BenchFrame[] {
  const text = readFileSync(new URL('../data/real-frames.json', import.meta.url), 'utf8');
  const json = JSON.parse(text) as { entries: Array<{ id: string; source: string; hex: string }> };
  return json.entries.map((e) => ({ id: e.id, source: e.source, bytes: fromHex(e.hex) }));
}

/** Total length of `frames`. */
export function totalBytes(frames: readonly { readonly bytes: Uint8Array }[]): number {
  return frames.reduce((n, f) => n + f.bytes.length, 0);
}
