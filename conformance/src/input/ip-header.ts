import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { IpHeader } from './capture-packet.js';
import { checksumSum } from './internet-checksum.js';

/** An IP header plus where its upper-layer data lies in the packet. */
export interface IpDecode {
  readonly header: IpHeader;
  /** Index in the packet of the upper-layer header. */
  readonly transportStart: number;
  /** Index one past the IP packet's last captured byte (link padding excluded). */
  readonly end: number;
  /** Sum of the pseudo-header (RFC 9293 §3.1 / RFC 8200 §8.1) without the upper-layer length. */
  readonly pseudoSum: number;
}

const MAX_EXTENSION_HEADERS = 16;

function fail(code: number, message: string, offset: number, path: string): never {
  throw new MeterkitError(code, message, { offset, path });
}

/** Recently formatted IPv4 addresses by value: a capture repeats a few addresses millions of times. */
const ipv4Texts = new Map<number, string>();
const IPV4_TEXTS_KEPT = 4096;

/** Formats 4 bytes as a dotted quad (RFC 791 §3.2). */
export function formatIpv4(b: Uint8Array, at: number): string {
  const value = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  let text = ipv4Texts.get(value);
  if (text === undefined) {
    if (ipv4Texts.size >= IPV4_TEXTS_KEPT) ipv4Texts.clear();
    text = `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
    ipv4Texts.set(value, text);
  }
  return text;
}

/** Formats 16 bytes as IPv6 text in the RFC 5952 §4 canonical form (longest zero run as `::`, lowercase). */
export function formatIpv6(b: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[at + 2 * i]! << 8) | b[at + 2 * i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/**
 * Decodes the IPv4 header (RFC 791 §3.1) at `data[at..]`. `snapped` says the capture cut the packet,
 * so a Total Length beyond the captured bytes is expected rather than a lying length. `base` is the
 * absolute offset of `data[0]`, for errors.
 */
export function decodeIpv4(data: Uint8Array, at: number, snapped: boolean, base: number): IpDecode {
  const avail = data.length - at;
  if (avail < 20) fail(ErrorCode.Truncated, `IPv4 header needs 20 bytes, ${avail} left`, base + at, 'ipv4');
  const version = data[at]! >>> 4;
  if (version !== 4)
    fail(ErrorCode.ValueInvalid, `IP version ${version} in an IPv4 header`, base + at, 'ipv4.version');
  const headerLength = (data[at]! & 0x0f) * 4;
  if (headerLength < 20) {
    fail(ErrorCode.LengthInvalid, `IPv4 header length ${headerLength} below 20`, base + at, 'ipv4.ihl');
  }
  if (headerLength > avail) {
    fail(
      ErrorCode.Truncated,
      `IPv4 header length ${headerLength} exceeds ${avail} bytes`,
      base + at,
      'ipv4.ihl',
    );
  }
  const totalLength = (data[at + 2]! << 8) | data[at + 3]!;
  if (totalLength < headerLength) {
    fail(
      ErrorCode.LengthInvalid,
      `IPv4 total length ${totalLength} below header length ${headerLength}`,
      base + at + 2,
      'ipv4.total-length',
    );
  }
  let truncated = false;
  let end = at + totalLength;
  if (totalLength > avail) {
    if (!snapped) {
      fail(
        ErrorCode.LengthOverrun,
        `IPv4 total length ${totalLength} exceeds the ${avail} bytes captured`,
        base + at + 2,
        'ipv4.total-length',
      );
    }
    truncated = true;
    end = data.length;
  }
  const flagsFragment = (data[at + 6]! << 8) | data[at + 7]!;
  const fragment = (flagsFragment & 0x2000) !== 0 || (flagsFragment & 0x1fff) !== 0;
  let pseudoSum = checksumSum(0, data, at + 12, at + 20);
  pseudoSum += data[at + 9]!;
  return {
    header: {
      version: 4,
      source: formatIpv4(data, at + 12),
      destination: formatIpv4(data, at + 16),
      protocol: data[at + 9]!,
      ttl: data[at + 8]!,
      headerLength,
      totalLength,
      identification: (data[at + 4]! << 8) | data[at + 5]!,
      fragment,
      truncated,
      checksumOk: checksumSum(0, data, at, at + headerLength) === 0xffff,
    },
    transportStart: at + headerLength,
    end,
    pseudoSum,
  };
}

/**
 * Decodes the IPv6 header (RFC 8200 §3) at `data[at..]` and walks the extension headers (§4:
 * Hop-by-Hop 0, Routing 43, Fragment 44, Destination Options 60, Authentication 51) to the upper
 * layer. A fragment stops the walk.
 */
export function decodeIpv6(data: Uint8Array, at: number, snapped: boolean, base: number): IpDecode {
  const avail = data.length - at;
  if (avail < 40) fail(ErrorCode.Truncated, `IPv6 header needs 40 bytes, ${avail} left`, base + at, 'ipv6');
  const version = data[at]! >>> 4;
  if (version !== 6)
    fail(ErrorCode.ValueInvalid, `IP version ${version} in an IPv6 header`, base + at, 'ipv6.version');
  const payloadLength = (data[at + 4]! << 8) | data[at + 5]!;
  let end = at + 40 + payloadLength;
  let truncated = false;
  if (end > data.length) {
    if (!snapped) {
      fail(
        ErrorCode.LengthOverrun,
        `IPv6 payload length ${payloadLength} exceeds the ${avail - 40} bytes captured`,
        base + at + 4,
        'ipv6.payload-length',
      );
    }
    truncated = true;
    end = data.length;
  }
  let next = data[at + 6]!;
  let pos = at + 40;
  let fragment = false;
  for (let count = 0; ; count++) {
    if (next !== 0 && next !== 43 && next !== 44 && next !== 60 && next !== 51) break;
    if (count >= MAX_EXTENSION_HEADERS) {
      fail(ErrorCode.NestingTooDeep, 'too many IPv6 extension headers', base + pos, 'ipv6.extension');
    }
    if (end - pos < 8)
      fail(ErrorCode.Truncated, 'IPv6 extension header cut short', base + pos, 'ipv6.extension');
    const following = data[pos]!;
    let length: number;
    if (next === 44) {
      length = 8;
      const offsetFlags = (data[pos + 2]! << 8) | data[pos + 3]!;
      if (offsetFlags !== 0) fragment = true; // fragment offset or M flag
    } else if (next === 51) {
      length = (data[pos + 1]! + 2) * 4;
    } else {
      length = (data[pos + 1]! + 1) * 8;
    }
    if (length > end - pos) {
      fail(
        ErrorCode.LengthOverrun,
        `IPv6 extension header of ${length} bytes exceeds the ${end - pos} left`,
        base + pos + 1,
        'ipv6.extension',
      );
    }
    pos += length;
    next = following;
    if (fragment) break;
  }
  let pseudoSum = checksumSum(0, data, at + 8, at + 40);
  pseudoSum += next;
  return {
    header: {
      version: 6,
      source: formatIpv6(data, at + 8),
      destination: formatIpv6(data, at + 24),
      protocol: next,
      ttl: data[at + 7]!,
      headerLength: pos - at,
      totalLength: 40 + payloadLength,
      identification: 0,
      fragment,
      truncated,
      checksumOk: true,
    },
    transportStart: pos,
    end,
    pseudoSum,
  };
}
