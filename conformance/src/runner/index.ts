/** The conformance runner, the corpus and its expected results. */
export * from './corpus.js';
export * from './heap.js';
export * from './rule-runner.js';
export * from './run.js';
export * from './shard.js';
export * from './workers.js';
