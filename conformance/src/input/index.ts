/** Capture inputs of the conformance harness: pcap and pcapng streaming readers and the link-layer decoder. */
export * from './capture-file.js';
export * from './capture-packet.js';
export * from './capture-reader.js';
export * from './decode-packet.js';
export * from './gurux-xml.js';
export * from './hexlog.js';
export * from './http.js';
export * from './internet-checksum.js';
export * from './ip-header.js';
export * from './jsonl.js';
export * from './link-layer.js';
export * from './pcap.js';
export * from './pcapng.js';
export * from './record-framer.js';
export * from './transport-header.js';
