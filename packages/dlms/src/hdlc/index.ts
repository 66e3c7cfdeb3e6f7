/** HDLC framing of IEC 62056-46: addresses, control field, frames, parameters, FRMR, LLC, deframer. */
export * from './address.js';
export * from './control.js';
export * from './deframer.js';
export * from './frame.js';
export * from './frmr.js';
export * from './llc.js';
export * from './parameters.js';
