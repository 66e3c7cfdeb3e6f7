/**
 * The LLC header IEC 62056-46 §6.2 (ISO/IEC 8802-2) puts before each APDU carried in I and UI
 * frames: destination LSAP 0xE6, source LSAP 0xE6 (command, client → server) or 0xE7 (response,
 * server → client), and the LLC quality octet 0x00.
 */
export type HdlcLlc = 'command' | 'response';

/** The command LLC header, E6 E6 00 (IEC 62056-46 §6.2). */
export const LLC_COMMAND: Uint8Array = Uint8Array.of(0xe6, 0xe6, 0x00);
/** The response LLC header, E6 E7 00 (IEC 62056-46 §6.2). */
export const LLC_RESPONSE: Uint8Array = Uint8Array.of(0xe6, 0xe7, 0x00);

/** Which LLC header (if any) starts `buf[at..end)` (IEC 62056-46 §6.2). */
export function detectLlc(buf: Uint8Array, at: number, end: number): HdlcLlc | undefined {
  if (end - at < 3 || buf[at] !== 0xe6 || buf[at + 2] !== 0x00) return undefined;
  const s = buf[at + 1];
  return s === 0xe6 ? 'command' : s === 0xe7 ? 'response' : undefined;
}

/** The three octets of an LLC header (IEC 62056-46 §6.2). */
export function llcBytes(llc: HdlcLlc): Uint8Array {
  return llc === 'command' ? LLC_COMMAND : LLC_RESPONSE;
}
