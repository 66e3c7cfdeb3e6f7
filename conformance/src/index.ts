/** @meterkit/conformance public API. */
export {};
