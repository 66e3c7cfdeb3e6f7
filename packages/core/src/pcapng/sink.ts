/**
 * Where a `PcapngWriter` sends its blocks: called once per block with bytes the callee may keep
 * (the writer never reuses or changes them afterwards).
 */
export type ByteSink = (bytes: Uint8Array) => void;

/** A sink that keeps every block in memory; `bytes()` returns the whole file so far. For tests and small captures. */
export interface CollectingSink {
  /** Pass this to `new PcapngWriter(...)`. */
  readonly sink: ByteSink;
  /** Every byte written so far, as one array (a fresh copy). */
  bytes(): Uint8Array;
  /** Number of bytes written so far. */
  readonly length: number;
}

/** Makes a sink that collects the blocks in memory. */
export function collectingSink(): CollectingSink {
  const parts: Uint8Array[] = [];
  let length = 0;
  return {
    sink: (bytes) => {
      parts.push(bytes);
      length += bytes.length;
    },
    bytes: () => {
      const out = new Uint8Array(length);
      let at = 0;
      for (const part of parts) {
        out.set(part, at);
        at += part.length;
      }
      return out;
    },
    get length() {
      return length;
    },
  };
}

/** The part of a Node `Writable` (or any stream) that `writableSink` needs. */
export interface WritableLike {
  write(chunk: Uint8Array): unknown;
}

/**
 * A sink that writes each block to a stream (e.g. `fs.createWriteStream(path)`). Backpressure is the
 * caller's business: captures are small next to what a disk accepts.
 */
export function writableSink(stream: WritableLike): ByteSink {
  return (bytes) => {
    stream.write(bytes);
  };
}
