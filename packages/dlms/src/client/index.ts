/**
 * The DLMS/COSEM client (IEC 62056-5-3 §9): the sans-IO application association and service
 * transactions, the transport glue (wrapper, HDLC, IEC 62056-21 mode E) and `DlmsClient`.
 */
export * from './apdu-channel.js';
export * from './association.js';
export * from './block-transfer-receiver.js';
export * from './block-transfer-sender.js';
export * from './dlms-client.js';
export * from './errors.js';
export * from './hdlc-channel.js';
export * from './optical-sign-on.js';
export * from './services.js';
