/** @meterkit/cli public API (filled in as the codecs land). */
export {};
