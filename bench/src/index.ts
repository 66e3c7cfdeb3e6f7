/** Benchmarks (see bench/README.md): the case type, registry, runner and report. */
export * from './case.js';
export * from './cli.js';
export * from './data.js';
export * from './isolate.js';
export * from './registry.js';
export * from './report.js';
export * from './runner.js';
