/** The DLMS/COSEM wrapper of IEC 62056-47 for TCP and UDP. */
export * from './deframer.js';
export * from './wrapper.js';
