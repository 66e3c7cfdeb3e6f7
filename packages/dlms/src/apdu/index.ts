/** xDLMS APDUs (IEC 62056-5-3 §8): codecs, registry, selective access and body labelling. */
export * from './access.js';
export * from './action.js';
export * from './common.js';
export * from './exception-response.js';
export * from './general-block-transfer.js';
export * from './general-signing.js';
export * from './get.js';
export * from './label.js';
export * from './notification.js';
export * from './registry.js';
export * from './set.js';
export * from './short-name.js';
