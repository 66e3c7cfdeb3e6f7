/** @meterkit/conformance: capture inputs, verdicts and reports. */
export * from './input/index.js';
export * from './report/index.js';
export * from './verdict.js';
