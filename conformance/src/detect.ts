import { crc16x25Check } from '@meterkit/core';
import type { SessionProtocol } from './session/record.js';

/** How a protocol was recognised. */
export type DetectionSource = 'override' | 'port' | 'content' | 'port+content';

/** A recognised protocol with a confidence between 0 and 1 and the evidence for it. */
export interface ProtocolDetection {
  readonly protocol: SessionProtocol;
  readonly confidence: number;
  readonly by: DetectionSource;
  readonly reason: string;
}

/** What `detectProtocol` looks at. */
export interface DetectionInput {
  /** Transport ports of the channel (either side). */
  readonly ports?: readonly number[];
  /** The first bytes of the channel or file. */
  readonly bytes?: Uint8Array;
  /** A protocol the user named for this file: always wins. */
  readonly override?: SessionProtocol | undefined;
}

/**
 * Registered ports: 4059 DLMS/COSEM wrapper (IEC 62056-47 §5, IANA "dlms-cosem"), 1153 ANSI C12.22
 * (IANA "c1222-acse", RFC 6142 §2), 443 and 8443 IEEE 2030.5 over HTTPS (IEEE 2030.5 §5.2.2).
 */
export const PROTOCOL_PORTS: ReadonlyMap<number, SessionProtocol> = new Map<number, SessionProtocol>([
  [4059, 'dlms'],
  [1153, 'c1222'],
  [443, 'ieee2030-5'],
  [8443, 'ieee2030-5'],
]);

/** Recognises a protocol from a registered port (`PROTOCOL_PORTS`). */
export function detectByPort(ports: readonly number[]): ProtocolDetection | undefined {
  for (const port of ports) {
    const protocol = PROTOCOL_PORTS.get(port);
    if (protocol !== undefined) return { protocol, confidence: 0.6, by: 'port', reason: `port ${port}` };
  }
  return undefined;
}

/** DLMS application-context-name prefix `joint-iso-ccitt(2) country(16) country-name(756) identified-organization(5) DLMS-UA(8) application-context(1)`. */
const DLMS_CONTEXT = Uint8Array.of(0x60, 0x85, 0x74, 0x05, 0x08, 0x01);
/** C12.22 application context `2.16.124.113620.1.22` (ANSI C12.22 §9.3.2.1) as content octets. */
const C1222_CONTEXT = Uint8Array.of(0x60, 0x7c, 0x86, 0xf7, 0x54, 0x01, 0x16);
const SEP_NAMESPACE = 'urn:ieee:std:2030.5:ns';
const HTTP_STARTS = ['GET ', 'POST ', 'PUT ', 'DELETE ', 'HEAD ', 'HTTP/1.'];

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function berLengthFits(b: Uint8Array): boolean {
  if (b.length < 2) return false;
  const first = b[1]!;
  if (first < 0x80) return 2 + first === b.length;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || b.length < 2 + n) return false;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + b[2 + i]!;
  return 2 + n + length === b.length;
}

function ascii(b: Uint8Array, n: number): string {
  let s = '';
  for (let i = 0; i < Math.min(n, b.length); i++) s += String.fromCharCode(b[i]!);
  return s;
}

function found(protocol: SessionProtocol, confidence: number, reason: string): ProtocolDetection {
  return { protocol, confidence, by: 'content', reason };
}

/**
 * Recognises a protocol from a message's first bytes: HDLC flags and frame format type 3
 * (IEC 62056-46 §6.4), the wrapper header (IEC 62056-47 §7.3.3.2), an ACSE AARQ/AARE tag 0x60
 * with the DLMS or C12.22 application context, a C12.18 packet (0xEE, length, CRC), the LLC
 * header of DLMS over HDLC, a 2030.5 XML namespace or an HTTP start line, a TLS record header.
 * A complete, self-consistent message scores higher than a matching first byte.
 */
export function detectByContent(b: Uint8Array): ProtocolDetection | undefined {
  if (b.length === 0) return undefined;
  const first = b[0]!;
  if (first === 0x7e && b.length >= 3 && (b[1]! & 0xf0) === 0xa0) {
    const whole = (((b[1]! & 0x07) << 8) | b[2]!) + 2 === b.length && b[b.length - 1] === 0x7e;
    return found(
      'dlms',
      whole ? 0.9 : 0.6,
      whole ? 'HDLC frame (flags, type 3 length)' : 'HDLC flag and format',
    );
  }
  if (first === 0x00 && b.length >= 8 && b[1] === 0x01) {
    const whole = ((b[6]! << 8) | b[7]!) === b.length - 8;
    return found(
      'dlms',
      whole ? 0.9 : 0.4,
      whole ? 'wrapper header with matching length' : 'wrapper version 0x0001',
    );
  }
  if (first === 0x60) {
    if (contains(b, C1222_CONTEXT))
      return found('c1222', 0.95, 'ACSE APDU with the C12.22 application context');
    if (contains(b, DLMS_CONTEXT)) return found('dlms', 0.9, 'ACSE APDU with a DLMS application context');
    if (berLengthFits(b)) return found('c1222', 0.6, 'ACSE APDU tag 0x60 with a matching length');
  }
  if (first === 0xee && b.length >= 8) {
    const length = (b[4]! << 8) | b[5]!;
    if (length + 8 === b.length) {
      return crc16x25Check(b)
        ? found('c1218', 0.95, 'C12.18 packet with a matching length and CRC')
        : found('c1218', 0.7, 'C12.18 packet with a matching length');
    }
  }
  if (first === 0xe6 && b.length >= 3 && (b[1] === 0xe6 || b[1] === 0xe7) && b[2] === 0x00) {
    return found('dlms', 0.5, 'IEC 62056-46 LLC header');
  }
  if (first === 0x16 && b.length >= 3 && b[1] === 0x03 && b[2]! <= 0x04) {
    return found('ieee2030-5', 0.3, 'TLS handshake record');
  }
  const head = ascii(b, 512);
  if (head.includes(SEP_NAMESPACE)) return found('ieee2030-5', 0.95, `XML namespace ${SEP_NAMESPACE}`);
  if (HTTP_STARTS.some((s) => head.startsWith(s))) return found('ieee2030-5', 0.5, 'HTTP/1.1 start line');
  return undefined;
}

/**
 * Detects the protocol of a channel or file: a per-file override wins; otherwise the port and the
 * content are both consulted, agreeing evidence raising the confidence and strong content
 * (≥ 0.8) beating a port.
 */
export function detectProtocol(input: DetectionInput): ProtocolDetection | undefined {
  if (input.override !== undefined) {
    return { protocol: input.override, confidence: 1, by: 'override', reason: 'set for this input' };
  }
  const byPort = input.ports === undefined ? undefined : detectByPort(input.ports);
  const byContent = input.bytes === undefined ? undefined : detectByContent(input.bytes);
  if (byPort === undefined) return byContent;
  if (byContent === undefined) return byPort;
  if (byPort.protocol === byContent.protocol) {
    return {
      protocol: byPort.protocol,
      confidence: Math.min(1, Math.max(byContent.confidence, byPort.confidence) + 0.1),
      by: 'port+content',
      reason: `${byPort.reason}, ${byContent.reason}`,
    };
  }
  return byContent.confidence >= 0.8 ? byContent : byPort;
}
