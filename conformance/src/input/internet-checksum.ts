/**
 * The Internet checksum sum (RFC 1071 §1): 16-bit big-endian words added with end-around carry.
 * `checksumSum` returns the folded sum; a header or segment that holds a correct checksum sums to
 * 0xFFFF.
 */
export function checksumSum(sum: number, bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}
