/**
 * @meterkit/core/transport — byte transports behind one interface: TCP and TLS (client and
 * listener), UDP (client and bound endpoint), serial (`serialport` 13) and an in-memory pair.
 * Everything here does I/O; the codecs and sessions in the other packages never import it.
 */
export * from './endpoint-name.js';
export * from './memory.js';
export * from './serial.js';
export * from './socket-listener.js';
export * from './socket-transport.js';
export * from './tcp.js';
export * from './tcp-listener.js';
export * from './tls.js';
export * from './tls-listener.js';
export * from './tls-session-info.js';
export * from './transport.js';
export * from './transport-base.js';
export * from './udp.js';
export * from './udp-endpoint.js';
export { MAX_UDP_PAYLOAD } from './udp-socket.js';
