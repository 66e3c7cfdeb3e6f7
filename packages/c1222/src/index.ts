/**
 * @meterkit/c1222 — ANSI C12.18 / C12.19 / C12.22 (IEEE 1703) codecs: EAX' security, the C12.22
 * ACSE and EPSEM, PSEM services, and the C12.18 packet layer. Sans-IO and pure.
 */
export * from './acse/ap-title.js';
export * from './acse/apdu.js';
export * from './acse/authentication-value.js';
export * from './acse/cleartext.js';
export * from './acse/user-information.js';
export * from './c1218/c1222-datalink.js';
export * from './c1218/c1222-transparency.js';
export * from './c1218/c1222-transparent-deframer.js';
export * from './c1218/deframer.js';
export * from './c1218/packet.js';
export * from './c1218/segment.js';
export * from './c1218/services.js';
export * from './client/ansi-client.js';
export * from './client/c1218-client.js';
export * from './client/c1222-client.js';
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
export * from './segmentation/apdu-segment.js';
export * from './segmentation/reassembler.js';
export * from './server/ansi-meter.js';
export * from './server/c1218-server.js';
export * from './server/c1222-local-port-server.js';
export * from './server/c1222-server.js';
export * from './server/profile.js';
export * from './session/ascii-field.js';
export * from './session/baud-rates.js';
export * from './session/c1218-link.js';
export * from './session/c1218-link-driver.js';
export * from './session/c1222-association.js';
export * from './session/c1222-local-port.js';
export * from './session/c1222-responder.js';
export * from './session/c1222-stream.js';
export * from './session/errors.js';
export * from './tables/index.js';
