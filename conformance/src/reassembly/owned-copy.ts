/**
 * Copies of framed messages that share memory with nothing written later. Small messages are
 * copied into a shared slab (one `ArrayBuffer` per 256 KiB, not one per message: allocating an
 * `ArrayBuffer` costs more than copying a short message) and handed out as views; nothing is ever
 * written over a view handed out. A slab lives as long as any message cut into it is referenced,
 * so code that keeps a message for long (a session rule's AARQ) keeps its own copy.
 *
 * Used by the framer on the reading thread and by a rule worker unpacking a batch (each thread has
 * its own slab), so a kept message never holds on to a whole read chunk or batch.
 */

/** Size of a slab. */
const SLAB_SIZE = 256 * 1024;
/** Messages longer than this get a buffer of their own, so a slab is never mostly one message. */
const SLAB_MAX_MESSAGE = 8 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabFill = 0;

/**
 * A copy of `b[s..e)` that shares memory with nothing written later: a view into the current slab
 * (a new slab is started when it is full), or its own buffer for a long message.
 */
export function ownedCopy(b: Uint8Array, s: number, e: number): Uint8Array {
  const n = e - s;
  if (n > SLAB_MAX_MESSAGE) return b.slice(s, e);
  if (slabFill + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabFill = 0;
  }
  const at = slabFill;
  slabFill += n;
  // a short copy by hand: TypedArray#set and the subarray it needs cost more at this size
  if (n <= 64) for (let i = 0; i < n; i++) slab[at + i] = b[s + i]!;
  else slab.set(b.subarray(s, e), at);
  return slab.subarray(at, at + n);
}
