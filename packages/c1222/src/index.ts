/**
 * @meterkit/c1222 — ANSI C12.18 / C12.19 / C12.22 (IEEE 1703) codecs: EAX' security, the C12.22
 * ACSE and EPSEM, PSEM services, and the C12.18 packet layer. Sans-IO and pure.
 */
export * from './acse/ap-title.js';
export * from './acse/apdu.js';
export * from './acse/authentication-value.js';
export * from './acse/cleartext.js';
export * from './acse/user-information.js';
export * from './c1218/deframer.js';
export * from './c1218/packet.js';
export * from './c1218/segment.js';
export * from './c1218/services.js';
export * from './epsem/codes.js';
export * from './epsem/control.js';
export * from './epsem/epsem.js';
export * from './epsem/request.js';
export * from './epsem/response.js';
export * from './epsem/table-data.js';
export * from './errors.js';
export * from './message.js';
export * from './security/eaxprime.js';
export * from './security/legacy-des.js';
export * from './tables/index.js';
