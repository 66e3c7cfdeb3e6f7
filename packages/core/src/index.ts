/**
 * @meterkit/core — shared plumbing for every meterkit protocol package: bytes, errors, CRC, BER,
 * CMAC, JSON form and pcapng. Pure (no sockets, no files); transports live in
 * `@meterkit/core/transport`.
 */
export * from './ber.js';
export * from './bytes/hex.js';
export * from './bytes/reader.js';
export * from './bytes/writer.js';
export * from './cmac.js';
export * from './crc16.js';
export * from './errors.js';
export * from './json.js';
export * from './pcapng/index.js';
