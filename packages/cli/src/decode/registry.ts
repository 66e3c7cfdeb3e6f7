import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { ProtocolDecoder, ProtocolName } from './protocol-decoder.js';

/**
 * The decoders `meterkit decode` dispatches to, one per protocol package. A protocol whose package
 * has not landed its codec yet has no entry, and decode says so plainly.
 */
const decoders = new Map<ProtocolName, ProtocolDecoder>();

/** Adds (or replaces) the decoder of a protocol. */
export function registerDecoder(decoder: ProtocolDecoder): void {
  decoders.set(decoder.protocol, decoder);
}

/** The decoder for `protocol`, or a `NotImplemented` (601) error saying the protocol cannot be decoded yet. */
export function decoderFor(protocol: ProtocolName): ProtocolDecoder {
  const d = decoders.get(protocol);
  if (d === undefined) {
    throw new MeterkitError(
      ErrorCode.NotImplemented,
      `meterkit cannot decode ${protocol} yet: its codec has not landed`,
    );
  }
  return d;
}

/** The protocols that have a decoder. */
export function availableProtocols(): ProtocolName[] {
  return [...decoders.keys()];
}
