/**
 * The DLMS/COSEM server side: a sans-IO server session (IEC 62056-5-3 §9.4), the meter simulator
 * with its JSON object tree (IEC 62056-6-2 §4) and live objects, and the transports that serve it
 * (IEC 62056-46 HDLC, IEC 62056-47 wrapper, IEC 62056-21 mode E sign-on).
 */
export * from './access-rights.js';
export * from './association-config.js';
export * from './association-object.js';
export * from './association-sn-object.js';
export * from './clock-object.js';
export * from './cosem-object.js';
export * from './data-json.js';
export * from './default-profile.js';
export * from './disconnect-control-object.js';
export * from './hdlc-server-port.js';
export * from './load-curve.js';
export * from './object-store.js';
export * from './profile.js';
export * from './profile-generic-object.js';
export * from './push-setup-object.js';
export * from './register-object.js';
export * from './security-json.js';
export * from './serve.js';
export * from './server-session.js';
export * from './session-factory.js';
export * from './short-names.js';
export * from './simulator.js';
export * from './wrapper-server-port.js';
