/**
 * Test plumbing for the DLMS rules: one APDU wrapped as the session layer hands it to the rules.
 */
import type { SessionMessage } from '../../src/session/frame-session.js';

/**
 * The `index`-th DLMS message of a test exchange (frame `index + 1`, channel `test`, no timestamp):
 * `'c'` client-to-server, `'s'` server-to-client.
 */
export function dlmsMessage(index: number, direction: 'c' | 's', bytes: Uint8Array): SessionMessage {
  return {
    type: 'message',
    frame: index + 1,
    channel: 'test',
    direction: direction === 'c' ? 'client-to-server' : 'server-to-client',
    timestamp: undefined,
    protocol: 'dlms',
    bytes,
    offset: 0,
  };
}
