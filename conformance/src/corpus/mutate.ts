import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crc16x25, toHex } from '@meterkit/core';
import { frameSession, type SessionMessage } from '../session/frame-session.js';
import { readSession } from '../session/read-session.js';

/**
 * Writes framed messages as a hex log (one frame per line: ISO time, `C->S`/`S->C`, hex), each
 * message replaced by what `change` returns for it (undefined keeps it). The corpus's broken
 * variants are made this way from recorded clean sessions, so the change is the only difference.
 */
export function mutateMessages(
  messages: readonly SessionMessage[],
  change: (m: SessionMessage) => Uint8Array | undefined,
): string {
  const lines = ['# meterkit corpus: a recorded session with one deliberate change (see README.md)'];
  for (const m of messages) {
    if (m.type !== 'message') continue;
    const bytes = change(m) ?? m.bytes;
    const time =
      m.timestamp === undefined ? '' : `${new Date(Number(m.timestamp / 1_000_000n)).toISOString()} `;
    const dir = m.direction === 'server-to-client' ? 'S->C' : 'C->S';
    lines.push(`${time}${dir} ${toHex(bytes)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Like `mutateMessages`, but `change` may also drop a message (`null`) or put several in its place
 * (an array); `undefined` keeps it. Frame numbers then shift, which the README of a case says.
 */
export function mutateMessageList(
  messages: readonly SessionMessage[],
  change: (m: SessionMessage, index: number) => Uint8Array | readonly Uint8Array[] | null | undefined,
): string {
  const out: SessionMessage[] = [];
  let i = 0;
  for (const m of messages) {
    if (m.type !== 'message') continue;
    const c = change(m, i++);
    if (c === null) continue;
    if (c === undefined) out.push(m);
    else for (const bytes of c instanceof Uint8Array ? [c] : c) out.push({ ...m, bytes });
  }
  return mutateMessages(out, () => undefined);
}

/** End of an HDLC address field starting at `at` (its last octet has bit 0 set, IEC 62056-46 §6.4.2.3). */
function hdlcAddressEnd(frame: Uint8Array, at: number): number {
  let p = at;
  while (p < frame.length && p - at < 4 && (frame[p]! & 1) === 0) p++;
  return p + 1;
}

/**
 * Recomputes an HDLC frame's HCS (when it has an information field) and FCS over the octets as
 * they are (IEC 62056-46 §6.4.2.6, CRC-16/X-25 low octet first), so a deliberate change to a
 * header field is the only fault left in the frame.
 */
export function hdlcWithCheckSequences(frame: Uint8Array): Uint8Array {
  const f = frame.slice();
  const control = hdlcAddressEnd(f, hdlcAddressEnd(f, 3));
  const end = f.length - 1; // closing flag
  if (end - (control + 1) > 2) {
    const hcs = crc16x25(f, 1, control + 1);
    f[control + 1] = hcs & 0xff;
    f[control + 2] = hcs >>> 8;
  }
  const fcs = crc16x25(f, 1, end - 2);
  f[end - 2] = fcs & 0xff;
  f[end - 1] = fcs >>> 8;
  return f;
}

/**
 * Writes framed HTTP messages as an HTTP directory (`http/NNN-request.http`, `NNN-response.http`,
 * RFC 9112 messages as sent), each replaced by what `change` returns for it (undefined keeps it).
 */
export function mutateHttpExchanges(
  messages: readonly SessionMessage[],
  change: (m: SessionMessage, text: string) => string | undefined,
): Record<string, string> {
  const files: Record<string, string> = {};
  const utf8 = new TextDecoder();
  let n = 0;
  for (const m of messages) {
    if (m.type !== 'message') continue;
    const text = utf8.decode(m.bytes);
    const isRequest = m.direction !== 'server-to-client';
    if (isRequest) n++;
    const name = `http/${String(n).padStart(3, '0')}-${isRequest ? 'request' : 'response'}.http`;
    files[name] = change(m, text) ?? text;
  }
  return files;
}

/** Finds `needle` in `hay` from `from`; -1 when absent. */
export function indexOfBytes(hay: Uint8Array, needle: readonly number[], from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** One deliberately broken corpus case made from a recorded one (see `brokenVariants`). */
export interface BrokenVariant {
  readonly protocol: string;
  readonly name: string;
  /** The recorded case it is made from (`corpus/<protocol>/<from>/`). */
  readonly from: string;
  /** What the README says. */
  readonly readme: string;
  /** Builds the case's files from the recorded case's framed messages. */
  build(messages: readonly SessionMessage[]): Record<string, string>;
}

const HEX_OPTIONS = (protocol: string) => `{ "protocol": "${protocol}" }\n`;

/**
 * The corpus's broken variants of recorded sessions, one deliberate change each, so that every
 * framing, session, decoding and link rule fails somewhere in the corpus. Each change is named in
 * its README; `conformance/corpus/` holds their output and `corpus:update` their expected.json.
 */
export const BROKEN_VARIANTS: readonly BrokenVariant[] = [
  {
    protocol: 'dlms',
    name: 'broken-frame-length',
    from: 'sim-hdlc-public',
    readme: `# Broken: an HDLC frame whose length field is one too long

The session of \`sim-hdlc-public\` (HDLC over TCP); the server's AARE I-frame (frame 4) then had its
frame length (format field, 11 bits) raised by one, with HCS and FCS recomputed over the changed
header so that the length is the only fault: DLMS-FRAME-LENGTH fails there (IEC 62056-46 §6.4.2.2).`,
    build(messages) {
      return {
        'capture.hex': mutateMessages(messages, (m) => {
          const b = m.bytes;
          if (m.direction !== 'server-to-client' || indexOfBytes(b, [0xe6, 0xe7, 0x00, 0x61]) < 0)
            return undefined;
          const c = b.slice();
          const len = (((c[1]! & 0x07) << 8) | c[2]!) + 1;
          c[1] = (c[1]! & 0xf8) | (len >> 8);
          c[2] = len & 0xff;
          return hdlcWithCheckSequences(c);
        }),
        'options.json': HEX_OPTIONS('dlms'),
      };
    },
  },
  {
    protocol: 'dlms',
    name: 'broken-hdlc-window',
    from: 'sim-hdlc-public',
    readme: `# Broken: two client I-frames in one turn with window size 1

The session of \`sim-hdlc-public\`; the client's first get-request I-frame (frame 5) then had its poll
bit cleared (HCS and FCS recomputed), so the client's next I-frame is the second of one turn while
the UA negotiated window size 1: DLMS-HDLC-WINDOW fails there (IEC 62056-46 §6.4.4.4.3.2).`,
    build(messages) {
      let done = false;
      return {
        'capture.hex': mutateMessages(messages, (m) => {
          const b = m.bytes;
          if (done || m.direction !== 'client-to-server' || indexOfBytes(b, [0xe6, 0xe6, 0x00, 0xc0]) < 0)
            return undefined;
          done = true;
          const c = b.slice();
          const control = hdlcAddressEnd(c, hdlcAddressEnd(c, 3));
          c[control] = c[control]! & ~0x10;
          return hdlcWithCheckSequences(c);
        }),
        'options.json': HEX_OPTIONS('dlms'),
      };
    },
  },
  {
    protocol: 'dlms',
    name: 'broken-pdu-size',
    from: 'sim-wrapper-public-blocks',
    readme: `# Broken: responses longer than the client's max-receive-pdu-size

The session of \`sim-wrapper-public-blocks\`; the AARQ's InitiateRequest then had its
client-max-receive-pdu-size lowered from 512 to 64 octets, and the server's get-responses (sized for
512) now exceed it: DLMS-SESSION-PDU-SIZE fails on them (IEC 62056-5-3 §9.1.4.1).`,
    build(messages) {
      return {
        'capture.hex': mutateMessages(messages, (m) => {
          const b = m.bytes;
          const at = indexOfBytes(b, [0x5f, 0x1f, 0x04, 0x00]);
          if (m.direction !== 'client-to-server' || b[8] !== 0x60 || at < 0) return undefined;
          const c = b.slice();
          c[at + 7] = 0x00;
          c[at + 8] = 0x40;
          return c;
        }),
        'options.json': HEX_OPTIONS('dlms'),
      };
    },
  },
  {
    protocol: 'c1222',
    name: 'broken-epsem-service',
    from: 'sim-mode0',
    readme: `# Broken: an EPSEM request with an unknown service code

The mode-0 session of \`sim-mode0\`; the first request's EPSEM service code (the octet after the
EPSEM control byte and the service length) then became 0xFE, which no PSEM service has:
C1222-DECODE fails there (IEEE 1703-2012 §5.3.3; ANSI C12.19 PSEM request codes).`,
    build(messages) {
      let done = false;
      return {
        'capture.hex': mutateMessages(messages, (m) => {
          if (done || m.direction !== 'client-to-server') return undefined;
          const b = m.bytes;
          const at = indexOfBytes(b, [0xbe]);
          const oct = indexOfBytes(b, [0x81], at);
          if (at < 0 || oct < 0) return undefined;
          done = true;
          const c = b.slice();
          c[oct + 4] = 0xfe; // 81 len control service-length code
          return c;
        }),
        'options.json': HEX_OPTIONS('c1222'),
      };
    },
  },
  {
    protocol: 'c1222',
    name: 'broken-pairing',
    from: 'sim-mode0',
    readme: `# Broken: a response addressed to an invocation id that was never sent

The mode-0 session of \`sim-mode0\`; the second response's called-AP-invocation-id (element A4) then
was raised by 16, so it answers no request of the capture: C1222-PAIRING fails there
(IEEE 1703-2012 §5.3.4.5).`,
    build(messages) {
      let seen = 0;
      return {
        'capture.hex': mutateMessages(messages, (m) => {
          if (m.direction !== 'server-to-client') return undefined;
          const b = m.bytes;
          const at = indexOfBytes(b, [0xa4, 0x03, 0x02, 0x01]);
          if (at < 0 || ++seen !== 2) return undefined;
          const c = b.slice();
          c[at + 4] = (c[at + 4]! + 16) & 0x7f;
          return c;
        }),
        'options.json': HEX_OPTIONS('c1222'),
      };
    },
  },
  {
    protocol: 'ieee2030-5',
    name: 'broken-truncated-xml',
    from: 'sim-der-event-responses',
    readme: `# Broken: a response body cut short

The session of \`sim-der-event-responses\` written as an HTTP directory; the DeviceCapability
response body (exchange 1) then lost its closing tag, so it is not well-formed XML:
SEP-XML-DECODE fails there (IEEE 2030.5-2018 §B, W3C XML 1.0 §2.1).`,
    build(messages) {
      return mutateHttpExchanges(messages, (m, text) => {
        if (m.direction !== 'server-to-client' || !text.includes('</DeviceCapability>')) return undefined;
        return text.replace('</DeviceCapability>', '');
      });
    },
  },
  {
    protocol: 'ieee2030-5',
    name: 'broken-href-404',
    from: 'sim-der-event-responses',
    readme: `# Broken: a linked resource answered 404

The session of \`sim-der-event-responses\` written as an HTTP directory; the server's answer to
GET /tm (named by the DeviceCapability's TimeLink) then became \`404 Not Found\` with no body:
SEP-HREF-RESOLVE fails for that link (IEEE 2030.5-2018 §5.2.3, §8.3).`,
    build(messages) {
      let pending = false;
      return mutateHttpExchanges(messages, (m, text) => {
        if (m.direction !== 'server-to-client') {
          pending = /^GET \/tm[ ?]/.test(text);
          return undefined;
        }
        if (!pending) return undefined;
        pending = false;
        return 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
      });
    },
  },
];

/**
 * Writes every `BROKEN_VARIANTS` case under `root` (`corpus/`): reads the recorded case it is
 * made from, builds the files and a README with the provenance. `expected.json` is left to
 * `corpus:update`. Returns the cases written.
 */
export async function writeBrokenVariants(root: string): Promise<string[]> {
  const written: string[] = [];
  for (const v of BROKEN_VARIANTS) {
    const src = join(root, v.protocol, v.from);
    const capture = (await readdir(src)).find((f) => f.startsWith('capture'));
    if (capture === undefined) continue;
    const messages: SessionMessage[] = [];
    for await (const m of frameSession(readSession(join(src, capture))))
      if (m.type === 'message') messages.push(m);
    const dir = join(root, v.protocol, v.name);
    const files = v.build(messages);
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), content);
    }
    await writeFile(
      join(dir, 'README.md'),
      `${v.readme}\n\nProvenance: made from \`corpus/${v.protocol}/${v.from}\` (recorded by \`conformance/scripts/record-corpus.ts\`) by \`BROKEN_VARIANTS\` in \`conformance/src/corpus/mutate.ts\`; the change above is the only difference.\n`,
    );
    written.push(`${v.protocol}/${v.name}`);
  }
  return written;
}
