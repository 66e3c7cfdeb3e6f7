/**
 * Output buffers of ciphered APDUs (IEC 62056-5-3 §9.2.7.2.4): each ciphered APDU is a view into
 * a shared slab rather than its own `ArrayBuffer`, because allocating a fresh `ArrayBuffer` per
 * message costs more than ciphering a short APDU.
 *
 * A slab only ever holds ciphered APDUs this module handed out, i.e. octets meant for the wire
 * (ciphertext, tags, headers, and the plaintext of authentication-only APDUs, which is sent in
 * clear anyway), never keys or deciphered plaintext. Each APDU is a `Uint8Array` whose
 * `byteOffset` may be non-zero, like any decoded `raw` view. Transferring or detaching its
 * `buffer` (e.g. `postMessage` with a transfer list) is not supported: copy the APDU first.
 */

/** Slab size: big enough for many typical APDUs, small enough that a retained APDU pins little. */
const SLAB_SIZE = 32 * 1024;
/** APDUs larger than this get their own buffer. */
const MAX_SLAB_APDU = 4 * 1024;

let slab = new ArrayBuffer(SLAB_SIZE);
let used = 0;

/**
 * A `Uint8Array` of `length` octets for one ciphered APDU (IEC 62056-5-3 §9.2.7.2.4), which the
 * caller writes completely:
 * a view of the shared slab up to 4 KiB, an own buffer above. A detached slab (its length is then
 * 0) is simply replaced.
 */
export function allocateApduOutput(length: number): Uint8Array {
  if (length > MAX_SLAB_APDU) return new Uint8Array(length);
  if (used + length > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_SIZE);
    used = 0;
  }
  const out = new Uint8Array(slab, used, length);
  // keep every view 8-octet aligned
  used = (used + length + 7) & ~7;
  return out;
}
