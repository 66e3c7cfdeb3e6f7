import {
  buildTcpPacket,
  collectingSink,
  LinkType,
  PcapngWriter,
  parseIpv4Address,
  TcpFlag,
  TcpStreamRecorder,
  toHex,
} from '@meterkit/core';
import t from 'tap';
import { readHttpExchanges } from '../src/input/http.js';
import { CaptureReader } from '../src/input/index.js';
import {
  captureSession,
  frameSession,
  type SessionMessage,
  type SessionRecord,
} from '../src/session/index.js';

const T0 = 1_795_000_000_000_000_000n;
const WRAP = (apdu: string): string =>
  `00010010000100${(apdu.length / 2).toString(16).padStart(2, '0')}${apdu}`;
const A = WRAP('c001c100080000010000ff0200');
const B = WRAP('c001c200080000010000ff0200');
const C = WRAP('c001c300080000010000ff0200');

function capture(segments: Array<{ off: number; hex: string }>, total: number): Uint8Array {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink);
  const iface = w.addInterface({ linkType: LinkType.RAW });
  const src = parseIpv4Address('10.0.0.1');
  const dst = parseIpv4Address('10.0.0.2');
  const put = (seq: number, flags: number, hex: string, i: number): void =>
    w.writePacket(
      iface,
      T0 + BigInt(i),
      buildTcpPacket(
        {
          source: src,
          destination: dst,
          sourcePort: 50123,
          destinationPort: 4059,
          seq,
          ack: 0,
          flags,
          identification: i,
        },
        Buffer.from(hex, 'hex'),
      ),
    );
  put(100, TcpFlag.SYN, '', 0);
  segments.forEach((s, i) => {
    put(101 + s.off, TcpFlag.ACK | TcpFlag.PSH, s.hex, i + 1);
  });
  put(101 + total, TcpFlag.FIN | TcpFlag.ACK, '', 99);
  return c.bytes();
}

async function messagesOf(
  records: AsyncIterable<SessionRecord> | Iterable<SessionRecord>,
  options = {},
): Promise<SessionMessage[]> {
  const out: SessionMessage[] = [];
  for await (const m of frameSession(records, options)) out.push(m);
  return out;
}

function show(ms: readonly SessionMessage[]): string[] {
  return ms.map((m) =>
    m.type === 'gap'
      ? `gap ${m.gap?.missing}`
      : m.type === 'discarded'
        ? `discarded ${m.bytes.length} (${m.reason})`
        : `${m.offset}:${toHex(m.bytes)}`,
  );
}

t.test('a lost segment: the cut message is discarded, the gap reported, framing resumes', async (t) => {
  const stream = A + B + C;
  const n = A.length / 2;
  // B's middle is lost: bytes [n+4, n+10)
  const file = capture(
    [
      { off: 0, hex: stream.slice(0, (n + 4) * 2) },
      { off: n + 10, hex: stream.slice((n + 10) * 2) },
    ],
    stream.length / 2,
  );
  const r = new CaptureReader();
  const recs: SessionRecord[] = [];
  for await (const rec of captureSession([...r.push(file), ...r.end()])) recs.push(rec);
  const ms = await messagesOf(recs);
  t.same(show(ms), [
    `0:${A}`,
    'discarded 4 (message cut by a capture gap)',
    'gap 6',
    'discarded 4 (no wrapper header (version 0x0001))',
    'discarded 2 (wrapper with an empty APDU)',
    'discarded 5 (no wrapper header (version 0x0001))',
    `${2 * n}:${C}`,
  ]);
  t.equal(ms[0]!.protocol, 'dlms');
  t.equal(ms[0]!.direction, 'client-to-server');
});

t.test('message channels pass through; stream leftovers are discarded at the end', async (t) => {
  const base = { timestamp: undefined, direction: 'client-to-server' as const };
  const recs: SessionRecord[] = [
    { ...base, frame: 1, channel: 'udp a > b', protocol: 'c1222', bytes: Uint8Array.of(0x60, 0) },
    { ...base, frame: 2, channel: 'hexlog', protocol: 'dlms', bytes: Uint8Array.of(0x7e) },
    { ...base, frame: 3, channel: 'gurux', protocol: 'dlms', bytes: new Uint8Array(0), xml: '<GetRequest/>' },
    { ...base, frame: 4, channel: 'hexlog', bytes: new Uint8Array(0), gap: { missing: 3, reason: 'lost' } },
    { ...base, frame: 5, channel: 'serial', protocol: 'dlms', bytes: Uint8Array.of(0x7e, 0xa0, 0x07, 0x03) },
    {
      ...base,
      frame: 6,
      channel: 'tcp x > y',
      protocol: 'ieee2030-5',
      bytes: Uint8Array.of(0x16, 3),
      encrypted: true,
    },
    { ...base, frame: 7, channel: 'tcp x > y', protocol: undefined, bytes: Uint8Array.of(1) },
  ];
  const ms = await messagesOf(recs);
  t.same(show(ms), [
    '0:6000',
    '0:7e',
    '0:',
    'gap 3',
    '0:1603',
    '0:01',
    'discarded 4 (stream ended inside a message)',
  ]);
  t.equal(ms[2]!.xml, '<GetRequest/>');
  t.equal(ms[6]!.frame, 5);
  const custom = await messagesOf(recs.slice(0, 1), {
    isStream: () => true,
    framing: { c1222: 'c1222' },
    maxFrameLength: 1,
  });
  t.same(show(custom), [
    'discarded 1 (ACSE APDU length 0 above the limit)',
    'discarded 1 (no ACSE APDU tag 0x60)',
  ]);
  t.ok(custom.every((m) => m.type === 'discarded'));
});

t.test('2030.5 HTTP/1.1 from a plaintext capture', async (t) => {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink);
  const tcp = new TcpStreamRecorder(w, { server: { address: '10.0.0.5', port: 8080 }, maxSegmentSize: 20 });
  const enc = (s: string) => new TextEncoder().encode(s);
  tcp.record('client-to-server', enc('GET /dcap HTTP/1.1\r\nHost: m\r\n\r\n'), T0);
  tcp.record(
    'server-to-client',
    enc(
      'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n<dcap href/>'.replace(
        '<dcap href/>',
        '<DCap x="1"'.padEnd(11, '/'),
      ),
    ),
    T0 + 1n,
  );
  tcp.close(T0 + 2n);
  const r = new CaptureReader();
  const file = c.bytes();
  const events = [];
  for await (const e of readHttpExchanges(captureSession([...r.push(file), ...r.end()]))) events.push(e);
  t.equal(events.length, 1);
  const e = events[0]!;
  t.equal(e.type, 'exchange');
  if (e.type === 'exchange') {
    t.equal(e.request?.target, '/dcap');
    t.equal(e.response?.status, 200);
    t.equal(new TextDecoder().decode(e.response!.body), '<DCap x="1"');
  }
});
