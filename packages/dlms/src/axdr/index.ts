/** A-XDR COSEM data (IEC 62056-6-2 §4.1.5) and date/time formats (§4.1.6.1). */
export * from './data.js';
export * from './date-time.js';
export * from './scan.js';
