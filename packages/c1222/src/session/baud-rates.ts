/** The baud rate codes of the C12.18 negotiate service (ANSI C12.18-2006 §5.3.2.4.8). */

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
