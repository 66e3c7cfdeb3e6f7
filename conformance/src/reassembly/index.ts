/** TCP stream reassembly and message framing of reassembled streams. */
export * from './frame-stream.js';
export * from './tcp.js';
export * from './tcp-direction.js';
