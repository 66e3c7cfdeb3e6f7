import { MeterkitError } from '@meterkit/core';
import type { CapturePacket } from './capture-packet.js';
import { decodeLinkLayer, type LinkDecode } from './link-layer.js';

/** The record-level fields of a packet, before its headers are decoded. */
export interface PacketRecord {
  readonly frameNumber: number;
  readonly timestamp: bigint;
  readonly interfaceId: number;
  readonly linkType: number;
  readonly originalLength: number;
  readonly data: Uint8Array;
  /** Offset of the record or block in the file. */
  readonly fileOffset: number;
  /** Offset of `data[0]` in the file. */
  readonly dataOffset: number;
  readonly comments: readonly string[];
  readonly direction?: 'inbound' | 'outbound';
}

/**
 * Completes a packet record with its decoded headers. A malformed header does not stop the capture:
 * it becomes `linkError`, and the packet keeps its bytes.
 */
export function decodePacket(record: PacketRecord): CapturePacket {
  const { dataOffset, ...fields } = record;
  let link: LinkDecode;
  try {
    link = decodeLinkLayer(
      record.linkType,
      record.data,
      record.originalLength > record.data.length,
      dataOffset,
    );
  } catch (e) {
    if (e instanceof MeterkitError) return { ...fields, linkError: e };
    throw e;
  }
  return { ...fields, ...link };
}
