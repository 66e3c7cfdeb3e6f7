/** Live replay of captured sessions against a device under test, and the `meterkit replay` command. */
export * from './adapt.js';
export * from './adapt-c1222.js';
export * from './adapt-dlms.js';
export * from './adapt-http.js';
export * from './command.js';
export * from './compare.js';
export * from './hdlc-segments.js';
export * from './http-framer.js';
export * from './replay.js';
export * from './script.js';
