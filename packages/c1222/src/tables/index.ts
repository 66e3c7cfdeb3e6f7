/**
 * ANSI C12.19-2008 tables (§7 data types, §9 standard tables and procedures): the ST0-driven
 * context, per-table decoders and encoders, the table engine, the table store and its file form,
 * and the default simulated meter.
 */
export * from './codec.js';
export * from './context.js';
export * from './defaults.js';
export * from './element-index.js';
export * from './gen-config.js';
export * from './identification.js';
export * from './load-profile.js';
export * from './logs.js';
export * from './mode-status.js';
export * from './procedures.js';
export * from './registers.js';
export * from './registry.js';
export * from './sources.js';
export * from './store.js';
export * from './time-tou.js';
