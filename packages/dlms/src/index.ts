/** @meterkit/dlms public API (filled in as the codecs land). */
export {};
