import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { TcpHeader, UdpHeader } from './capture-packet.js';
import { checksumSum } from './internet-checksum.js';
import type { IpDecode } from './ip-header.js';

/** A transport header and its payload view. */
export interface TransportDecode<H> {
  readonly header: H;
  readonly payload: Uint8Array;
}

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function upperSum(ip: IpDecode, data: Uint8Array, start: number, end: number): number {
  return checksumSum(ip.pseudoSum + (end - start), data, start, end);
}

/** Decodes the TCP header (RFC 9293 §3.1) that `ip` carries, verifying its checksum when captured whole. */
export function decodeTcp(data: Uint8Array, ip: IpDecode, base: number): TransportDecode<TcpHeader> {
  const at = ip.transportStart;
  const avail = ip.end - at;
  if (avail < 20) {
    throw new MeterkitError(ErrorCode.Truncated, `TCP header needs 20 bytes, ${avail} left`, {
      offset: base + at,
      path: 'tcp',
    });
  }
  const headerLength = (data[at + 12]! >>> 4) * 4;
  if (headerLength < 20) {
    throw new MeterkitError(ErrorCode.LengthInvalid, `TCP data offset ${headerLength} below 20`, {
      offset: base + at + 12,
      path: 'tcp.data-offset',
    });
  }
  if (headerLength > avail) {
    throw new MeterkitError(ErrorCode.Truncated, `TCP header length ${headerLength} exceeds ${avail} bytes`, {
      offset: base + at + 12,
      path: 'tcp.data-offset',
    });
  }
  const checksum = u16(data, at + 16);
  return {
    header: {
      sourcePort: u16(data, at),
      destinationPort: u16(data, at + 2),
      seq: u32(data, at + 4),
      ack: u32(data, at + 8),
      flags: data[at + 13]!,
      window: u16(data, at + 14),
      headerLength,
      checksum,
      checksumOk: ip.header.truncated ? undefined : upperSum(ip, data, at, ip.end) === 0xffff,
    },
    payload: data.subarray(at + headerLength, ip.end),
  };
}

/** Decodes the UDP header (RFC 768) that `ip` carries, verifying its checksum when captured whole and present. */
export function decodeUdp(data: Uint8Array, ip: IpDecode, base: number): TransportDecode<UdpHeader> {
  const at = ip.transportStart;
  const avail = ip.end - at;
  if (avail < 8) {
    throw new MeterkitError(ErrorCode.Truncated, `UDP header needs 8 bytes, ${avail} left`, {
      offset: base + at,
      path: 'udp',
    });
  }
  const length = u16(data, at + 4);
  if (length < 8) {
    throw new MeterkitError(ErrorCode.LengthInvalid, `UDP length ${length} below 8`, {
      offset: base + at + 4,
      path: 'udp.length',
    });
  }
  if (length > avail && !ip.header.truncated) {
    throw new MeterkitError(ErrorCode.LengthOverrun, `UDP length ${length} exceeds the ${avail} bytes left`, {
      offset: base + at + 4,
      path: 'udp.length',
    });
  }
  const end = Math.min(at + length, ip.end);
  const checksum = u16(data, at + 6);
  const whole = !ip.header.truncated && at + length <= ip.end;
  const absent = checksum === 0 && ip.header.version === 4;
  return {
    header: {
      sourcePort: u16(data, at),
      destinationPort: u16(data, at + 2),
      length,
      checksum,
      checksumOk: whole && !absent ? upperSum(ip, data, at, at + length) === 0xffff : undefined,
    },
    payload: data.subarray(at + 8, end),
  };
}
