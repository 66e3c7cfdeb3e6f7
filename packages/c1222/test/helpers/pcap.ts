/**
 * Test helper: a minimal classic-pcap writer (LINKTYPE_RAW, IPv4/UDP) so that tshark can dissect
 * what our encoder produces. Not part of the package API.
 */

function ipChecksum(b: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** One UDP datagram. */
export interface UdpDatagram {
  readonly payload: Uint8Array;
  readonly srcPort: number;
  readonly dstPort: number;
}

/** A classic pcap file (microsecond timestamps, LINKTYPE_RAW = 101) holding IPv4/UDP datagrams. */
export function writePcap(datagrams: readonly UdpDatagram[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const gh = new Uint8Array(24);
  const gv = new DataView(gh.buffer);
  gv.setUint32(0, 0xa1b2c3d4, true);
  gv.setUint16(4, 2, true);
  gv.setUint16(6, 4, true);
  gv.setUint32(16, 65535, true);
  gv.setUint32(20, 101, true);
  parts.push(gh);
  datagrams.forEach((d, i) => {
    const len = 20 + 8 + d.payload.length;
    const pkt = new Uint8Array(16 + len);
    const v = new DataView(pkt.buffer);
    v.setUint32(0, 1_700_000_000 + i, true);
    v.setUint32(8, len, true);
    v.setUint32(12, len, true);
    const ip = 16;
    pkt[ip] = 0x45;
    v.setUint16(ip + 2, len);
    v.setUint16(ip + 4, i & 0xffff);
    pkt[ip + 8] = 64;
    pkt[ip + 9] = 17;
    pkt.set([10, 0, 0, 1], ip + 12);
    pkt.set([10, 0, 0, 2], ip + 16);
    v.setUint16(ip + 10, ipChecksum(pkt, ip, ip + 20));
    const udp = ip + 20;
    v.setUint16(udp, d.srcPort);
    v.setUint16(udp + 2, d.dstPort);
    v.setUint16(udp + 4, 8 + d.payload.length);
    pkt.set(d.payload, udp + 8);
    parts.push(pkt);
  });
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
