/** Benchmarks (see bench/README.md). */
export {};
