/** OBIS codes, patterns, names and units (IEC 62056-6-1, IEC 62056-6-2 §4.3.2). */
export * from './names.js';
export * from './obis.js';
export * from './pattern.js';
export * from './units.js';
