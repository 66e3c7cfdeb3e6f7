/**
 * The baud rate codes of the C12.18 negotiate service (ANSI C12.18-2006 §5.3.2.4.8), which the
 * C12.22 local-port datalink (IEEE 1703 §6) uses unchanged.
 */

/** C12.18 baud rate codes (§5.3.2.4.8) → bits per second. */
export const C1218_BAUD_RATES: Readonly<Record<number, number>> = {
  1: 300,
  2: 600,
  3: 1200,
  4: 2400,
  5: 4800,
  6: 9600,
  7: 14400,
  8: 19200,
  9: 28800,
  10: 57600,
  11: 38400,
  12: 115200,
  13: 128000,
  14: 256000,
};

/**
 * The device's answer to a negotiate request (C12.18 §5.3.2.4.8, IEEE 1703 §6): of the codes the
 * client offers, the one with the highest bit rate that the device also supports; `fallback` when
 * none is both offered and supported (0 keeps the current rate in C12.18).
 */
export function fastestBaudRate(
  offered: readonly number[],
  supported: readonly number[],
  fallback: number,
): number {
  let baudRate = fallback;
  for (const b of offered)
    if (supported.includes(b) && (C1218_BAUD_RATES[b] ?? 0) > (C1218_BAUD_RATES[baudRate] ?? 0)) baudRate = b;
  return baudRate;
}
