import { ErrorCode, LinkType, MeterkitError } from '@meterkit/core';
import type { IpHeader, SerialHeader, TcpHeader, UdpHeader } from './capture-packet.js';
import { decodeIpv4, decodeIpv6, type IpDecode } from './ip-header.js';
import { decodeTcp, decodeUdp } from './transport-header.js';

/**
 * LINKTYPE_ values the conformance reader decodes (draft-ietf-opsawg-pcaplinktype): the writer's
 * table in `@meterkit/core`, under the name the readers have always exported.
 */
export const CaptureLinkType = LinkType;

/** EtherTypes (IEEE 802.3 / IANA) the decoder follows. */
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_VLAN_OLD = 0x9100;
const MAX_VLAN_TAGS = 4;

/** What the link, IP and transport layers of one packet hold. */
export interface LinkDecode {
  readonly ip?: IpHeader;
  readonly tcp?: TcpHeader;
  readonly udp?: UdpHeader;
  readonly serial?: SerialHeader;
  readonly payload?: Uint8Array;
}

const NOTHING: LinkDecode = {};

function truncated(what: string, need: number, have: number, offset: number, path: string): never {
  throw new MeterkitError(ErrorCode.Truncated, `${what} needs ${need} bytes, ${have} left`, { offset, path });
}

function decodeIp(data: Uint8Array, at: number, version: 4 | 6, snapped: boolean, base: number): LinkDecode {
  const ip: IpDecode =
    version === 4 ? decodeIpv4(data, at, snapped, base) : decodeIpv6(data, at, snapped, base);
  if (ip.header.fragment) return { ip: ip.header };
  try {
    if (ip.header.protocol === 6) {
      const tcp = decodeTcp(data, ip, base);
      return { ip: ip.header, tcp: tcp.header, payload: tcp.payload };
    }
    if (ip.header.protocol === 17) {
      const udp = decodeUdp(data, ip, base);
      return { ip: ip.header, udp: udp.header, payload: udp.payload };
    }
  } catch (e) {
    // A snap length that cuts into the transport header is the capture's choice, not corruption.
    if (ip.header.truncated && e instanceof MeterkitError && e.code === ErrorCode.Truncated)
      return { ip: ip.header };
    throw e;
  }
  return { ip: ip.header };
}

function byEtherType(
  etherType: number,
  data: Uint8Array,
  at: number,
  snapped: boolean,
  base: number,
): LinkDecode {
  if (etherType === ETHERTYPE_IPV4) return decodeIp(data, at, 4, snapped, base);
  if (etherType === ETHERTYPE_IPV6) return decodeIp(data, at, 6, snapped, base);
  return NOTHING;
}

function rawIp(data: Uint8Array, snapped: boolean, base: number): LinkDecode {
  if (data.length < 1) truncated('raw IP packet', 1, 0, base, 'ip');
  const version = data[0]! >>> 4;
  if (version === 4) return decodeIp(data, 0, 4, snapped, base);
  if (version === 6) return decodeIp(data, 0, 6, snapped, base);
  throw new MeterkitError(ErrorCode.ValueInvalid, `IP version ${version} in a raw IP packet`, {
    offset: base,
    path: 'ip.version',
  });
}

function ethernet(data: Uint8Array, snapped: boolean, base: number): LinkDecode {
  if (data.length < 14) truncated('Ethernet header', 14, data.length, base, 'ethernet');
  let at = 12;
  let etherType = (data[at]! << 8) | data[at + 1]!;
  at += 2;
  for (
    let tags = 0;
    etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ || etherType === ETHERTYPE_VLAN_OLD;
    tags++
  ) {
    if (tags >= MAX_VLAN_TAGS) {
      throw new MeterkitError(ErrorCode.NestingTooDeep, 'too many VLAN tags', {
        offset: base + at,
        path: 'vlan',
      });
    }
    if (data.length - at < 4) truncated('VLAN tag', 4, data.length - at, base + at, 'vlan');
    etherType = (data[at + 2]! << 8) | data[at + 3]!;
    at += 4;
  }
  return byEtherType(etherType, data, at, snapped, base);
}

function bsdNull(data: Uint8Array, bigEndianOnly: boolean, snapped: boolean, base: number): LinkDecode {
  if (data.length < 4) truncated('loopback header', 4, data.length, base, 'null');
  const be = ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
  const le = ((data[3]! << 24) | (data[2]! << 16) | (data[1]! << 8) | data[0]!) >>> 0;
  // The family is in the capturing host's byte order; families are small, so the order that gives
  // a small number is the right one.
  const family = bigEndianOnly || be <= 0xffff ? be : le;
  if (family === 2) return decodeIp(data, 4, 4, snapped, base);
  if (family === 24 || family === 28 || family === 30) return decodeIp(data, 4, 6, snapped, base);
  return NOTHING;
}

/**
 * Decodes the link-layer header of a packet of `linkType` and what it carries: Ethernet (with
 * 802.1Q/802.1ad VLAN tags), raw IP (101, 12, 14, 228, 229), BSD loopback (0, 108), Linux cooked
 * capture v1 (113) and v2 (276), down to IPv4/IPv6 and TCP/UDP; and meterkit's LINKTYPE_USER0 serial
 * format (one direction byte, then the line bytes). Unknown link types and EtherTypes decode to
 * nothing. Malformed headers throw `MeterkitError` with absolute offsets (`base` = offset of
 * `data[0]` in the file). `snapped` = the capture cut the packet, so short IP packets are expected.
 */
export function decodeLinkLayer(linkType: number, data: Uint8Array, snapped: boolean, base = 0): LinkDecode {
  switch (linkType) {
    case CaptureLinkType.ETHERNET:
      return ethernet(data, snapped, base);
    case CaptureLinkType.RAW:
    case CaptureLinkType.RAW_DLT12:
    case CaptureLinkType.RAW_DLT14:
      return rawIp(data, snapped, base);
    case CaptureLinkType.IPV4:
      return decodeIp(data, 0, 4, snapped, base);
    case CaptureLinkType.IPV6:
      return decodeIp(data, 0, 6, snapped, base);
    case CaptureLinkType.NULL:
      return bsdNull(data, false, snapped, base);
    case CaptureLinkType.LOOP:
      return bsdNull(data, true, snapped, base);
    case CaptureLinkType.LINUX_SLL: {
      if (data.length < 16) truncated('Linux cooked header', 16, data.length, base, 'sll');
      return byEtherType((data[14]! << 8) | data[15]!, data, 16, snapped, base);
    }
    case CaptureLinkType.LINUX_SLL2: {
      if (data.length < 20) truncated('Linux cooked v2 header', 20, data.length, base, 'sll2');
      return byEtherType((data[0]! << 8) | data[1]!, data, 20, snapped, base);
    }
    case CaptureLinkType.USER0: {
      if (data.length < 1) truncated('serial direction byte', 1, 0, base, 'serial.direction');
      const d = data[0]!;
      if (d > 1) {
        throw new MeterkitError(ErrorCode.ValueInvalid, `serial direction byte ${d} is neither 0 nor 1`, {
          offset: base,
          path: 'serial.direction',
        });
      }
      return {
        serial: { direction: d === 0 ? 'client-to-server' : 'server-to-client' },
        payload: data.subarray(1),
      };
    }
    default:
      return NOTHING;
  }
}
