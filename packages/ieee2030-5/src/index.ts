/** @meterkit/ieee2030-5 public API (filled in as the codecs land). */
export {};
