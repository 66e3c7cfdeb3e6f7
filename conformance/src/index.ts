/** @meterkit/conformance: capture inputs, verdicts and reports. */
export * from './detect.js';
export * from './input/index.js';
export * from './reassembly/index.js';
export * from './report/index.js';
export * from './session/index.js';
export * from './verdict.js';
