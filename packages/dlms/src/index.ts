/**
 * @meterkit/dlms — DLMS/COSEM (IEC 62056): A-XDR data, OBIS and units, xDLMS and ACSE APDUs, HDLC
 * (IEC 62056-46) and the TCP/UDP wrapper (IEC 62056-47), segment and block reassembly, security
 * suites 0–2, COSEM interface classes, the HDLC link state machine and IEC 62056-21 optical sign-on.
 */
export * from './acse/index.js';
export * from './apdu/index.js';
export * from './axdr/index.js';
export * from './client/index.js';
export * from './cosem/index.js';
export * from './errors.js';
export * from './hdlc/index.js';
export * from './mbus/index.js';
export * from './obis/index.js';
export * from './optical/index.js';
export * from './reassembly/index.js';
export * from './security/index.js';
export * from './server/index.js';
export * from './session/hdlc-link.js';
export * from './wrapper/index.js';
