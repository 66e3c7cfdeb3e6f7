/** @meterkit/conformance: capture inputs, rules, the runner, live replay, verdicts and reports. */
export * from './detect.js';
export * from './input/index.js';
export * from './keyring.js';
export * from './protocol-for.js';
export * from './reassembly/index.js';
export * from './replay/index.js';
export * from './report/index.js';
export * from './rules/index.js';
export * from './runner/index.js';
export * from './session/index.js';
export * from './tls/index.js';
export * from './verdict.js';
