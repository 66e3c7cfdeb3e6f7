/**
 * @meterkit/ieee2030-5: IEEE 2030.5 (Smart Energy Profile 2) and CSIP-AUS: the resource model
 * generated from sep.xsd, a schema-driven XML codec, schema validation through xmllint-wasm,
 * LFDI/SFDI/PIN identities, the §6.11 certificate profile and the TLS 1.2 CCM-8 options.
 */

export * from './client/client.js';
export * from './client/der-sim.js';
export * from './client/der-state.js';
export * from './client/listener.js';
export * from './client/loopback.js';
export * from './client/telemetry.js';
export * from './client/transport.js';
export * from './errors.js';
export * from './http/document.js';
export * from './http/media.js';
export * from './http/paging.js';
export * from './http/status.js';
export * from './ids.js';
export * from './model/generated/complex-types.js';
export * from './model/generated/elements.js';
export * from './model/generated/enumerations.js';
export * from './model/generated/schema-info.js';
export * from './model/generated/simple-types.js';
export type * from './model/generated/types.js';
export * from './model/lookup.js';
export type * from './model/meta.js';
export * from './pki/certificate.js';
export * from './pki/profile.js';
export * from './pki/test-pki.js';
export * from './scheduler/index.js';
export * from './server/admin.js';
export * from './server/condition.js';
export type * from './server/config.js';
export type * from './server/exchange.js';
export * from './server/json.js';
export * from './server/listen.js';
export * from './server/server.js';
export * from './server/store.js';
export * from './server/subscriptions.js';
export * from './tls.js';
export * from './xml/codec.js';
export * from './xml/detect.js';
export * from './xml/deviation.js';
export { DEFAULT_XML_LIMITS, type XmlLimits } from './xml/reader.js';
export * from './xml/validate.js';
