/**
 * Splits a little-endian pcapng byte string into blocks by their Block Total Length
 * (pcapng §3.1 general block structure): the test-side oracle of the pcapng tests.
 */
export function blocks(file: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  for (let at = 0; at < file.length; ) {
    const length = view.getUint32(at + 4, true);
    out.push(file.subarray(at, at + length));
    at += length;
  }
  return out;
}
