export * from './cipher-suite.js';
export * from './connection.js';
export * from './handshake.js';
export * from './keylog.js';
export * from './prf.js';
export * from './record-layer.js';
export * from './record-protection.js';
export * from './session-decryptor.js';
