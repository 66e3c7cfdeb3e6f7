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
  const packet: { -readonly [K in keyof CapturePacket]: CapturePacket[K] } = {
    frameNumber: record.frameNumber,
    timestamp: record.timestamp,
    interfaceId: record.interfaceId,
    linkType: record.linkType,
    originalLength: record.originalLength,
    data: record.data,
    fileOffset: record.fileOffset,
    comments: record.comments,
  };
  if (record.direction !== undefined) packet.direction = record.direction;
  let link: LinkDecode;
  try {
    link = decodeLinkLayer(
      record.linkType,
      record.data,
      record.originalLength > record.data.length,
      record.dataOffset,
    );
  } catch (e) {
    if (e instanceof MeterkitError) {
      packet.linkError = e;
      return packet;
    }
    throw e;
  }
  if (link.ip !== undefined) packet.ip = link.ip;
  if (link.tcp !== undefined) packet.tcp = link.tcp;
  if (link.udp !== undefined) packet.udp = link.udp;
  if (link.serial !== undefined) packet.serial = link.serial;
  if (link.payload !== undefined) packet.payload = link.payload;
  return packet;
}
