/** @meterkit/c1222 public API (filled in as the codecs land). */
export {};
