/**
 * ACSE of DLMS/COSEM (IEC 62056-5-3 §8.2 / DLMS UA 1000-2 §9.4.2): AARQ, AARE, RLRQ, RLRE in BER,
 * with the xDLMS initiate APDUs of their user-information in A-XDR.
 */
export * from './aare.js';
export * from './aarq.js';
export * from './acse-apdu.js';
export * from './authentication-value.js';
export * from './confirmed-service-error.js';
export * from './conformance.js';
export type { AcseDiagnostic } from './fields.js';
export * from './initiate.js';
export * from './names.js';
export * from './redact.js';
export * from './release.js';
export * from './user-information.js';
