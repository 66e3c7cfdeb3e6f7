/** Live replay of captured sessions against a device under test, and the `meterkit replay` command. */
export * from './adapt.js';
export * from './command.js';
export * from './compare.js';
export * from './replay.js';
export * from './script.js';
