/**
 * The growable receive buffer shared by the streaming deframers of the serial datalink (ANSI
 * C12.18-2006 §5.3, IEEE 1703 §6) and the C12.22 APDU stream cutter: received bytes are appended
 * behind those still held, doubling the capacity when they do not fit.
 */

/**
 * Writes `bytes` at index `len` of `buf` and returns the buffer that now holds them: `buf` itself
 * when it has room, otherwise a new one of doubled capacity with the first `len` bytes copied over.
 * The caller adds `bytes.length` to its own length.
 */
export function appendToReceiveBuffer(
  buf: Uint8Array<ArrayBuffer>,
  len: number,
  bytes: Uint8Array,
): Uint8Array<ArrayBuffer> {
  let out = buf;
  if (len + bytes.length > buf.length) {
    let cap = buf.length * 2;
    while (cap < len + bytes.length) cap *= 2;
    out = new Uint8Array(cap);
    out.set(buf.subarray(0, len));
  }
  out.set(bytes, len);
  return out;
}
