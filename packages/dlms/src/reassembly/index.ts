/** Reassembly of HDLC segments and of block-transfer blocks into whole APDUs. */
export * from './blocks.js';
export * from './hdlc-segments.js';
