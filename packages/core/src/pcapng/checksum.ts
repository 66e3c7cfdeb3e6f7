/**
 * The Internet checksum (RFC 1071 §1): the ones' complement of the ones' complement sum of 16-bit
 * big-endian words, an odd last byte padded with zero. Used by the IPv4 header (RFC 791 §3.1), TCP
 * (RFC 9293 §3.1) and UDP (RFC 768) checksums.
 */

/** Folds carries back in (end-around carry); exact for any sum below 2^53. */
function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * Adds `bytes[start..end)` as big-endian 16-bit words to a running 32-bit sum (not yet folded).
 * Chain calls to sum a pseudo-header and a segment; finish with `finishInternetChecksum`.
 */
export function internetChecksumAdd(sum: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return fold(sum);
}

/** Folds a running sum to 16 bits and complements it: the value to put in the checksum field. */
export function finishInternetChecksum(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/** The Internet checksum of `bytes[start..end)`. Over a header that holds its own checksum, a correct one gives 0. */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return finishInternetChecksum(internetChecksumAdd(0, bytes, start, end));
}
