import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  collectingSink,
  PcapngWriter,
  SerialRecorder,
  TcpStreamRecorder,
  toHex,
  UdpRecorder,
} from '@meterkit/core';
import t from 'tap';
import { JsonlSessionWriter } from '../src/input/jsonl.js';
import { frameStream } from '../src/reassembly/index.js';
import {
  channelId,
  detectInputFormat,
  guessServer,
  readSession,
  reverseDirection,
  type SessionRecord,
} from '../src/session/index.js';

async function collect(path: string, options = {}): Promise<SessionRecord[]> {
  const out: SessionRecord[] = [];
  for await (const r of readSession(path, options)) out.push(r);
  return out;
}

const T0 = 1_795_000_000_000_000_000n;
const AARQ = '000100100001001f601da109060760857405080101be10040e01000000065f1f040000181dffff';
const AARE =
  '0001000100100037612ba109060760857405080101a203020100a305a103020100be10040e0800065f1f040000101d04000007';

function dlmsCapture(): Uint8Array {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink);
  const tcp = new TcpStreamRecorder(w, { maxSegmentSize: 16 });
  tcp.record('client-to-server', Buffer.from(AARQ, 'hex'), T0);
  tcp.record('server-to-client', Buffer.from(AARE, 'hex'), T0 + 1000n);
  tcp.close(T0 + 2000n);
  const udp = new UdpRecorder(w, { server: { address: '10.1.1.1', port: 1153 } });
  udp.record('client-to-server', Buffer.from('600ca1090607607c86f754011600', 'hex'), T0 + 3000n);
  udp.record('server-to-client', Buffer.from('6003a10100', 'hex'), T0 + 4000n);
  const serial = new SerialRecorder(w);
  serial.record('client-to-server', Buffer.from('7ea0070321930f017e', 'hex'), T0 + 5000n);
  serial.record('server-to-client', Buffer.from('06', 'hex'), T0 + 6000n);
  return c.bytes();
}

t.test('pcapng: TCP reassembled and framed, UDP and serial records, in capture order', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'session.pcapng');
  writeFileSync(path, dlmsCapture());
  t.equal(await detectInputFormat(path), 'pcapng');
  const recs = await collect(path);
  const tcp = recs.filter((r) => r.channel.startsWith('tcp'));
  t.equal(tcp[0]!.channel, 'tcp 127.0.0.1:50000 > 127.0.0.1:4059');
  t.ok(tcp.every((r) => r.protocol === 'dlms' && r.gap === undefined));
  const framer = frameStream('dlms');
  const frames = tcp.filter((r) => r.direction === 'client-to-server').flatMap((r) => framer.push(r.bytes));
  t.same(
    frames.map((f) => (f.type === 'frame' ? toHex(f.bytes) : f.reason)),
    [AARQ],
    'the wrapper PDU comes back whole from 16-byte segments',
  );
  t.equal(
    toHex(
      Uint8Array.from(tcp.filter((r) => r.direction === 'server-to-client').flatMap((r) => [...r.bytes])),
    ),
    AARE,
  );
  const udp = recs.filter((r) => r.channel.startsWith('udp'));
  t.same(
    udp.map((r) => [r.channel, r.direction, r.protocol]),
    [
      ['udp 127.0.0.1:50000 > 10.1.1.1:1153', 'client-to-server', 'c1222'],
      ['udp 127.0.0.1:50000 > 10.1.1.1:1153', 'server-to-client', 'c1222'],
    ],
  );
  const serial = recs.filter((r) => r.channel === 'serial');
  t.same(
    serial.map((r) => [r.direction, r.protocol, toHex(r.bytes)]),
    [
      ['client-to-server', 'dlms', '7ea0070321930f017e'],
      ['server-to-client', 'dlms', '06'],
    ],
  );
  for (let i = 1; i < recs.length; i++) t.ok(recs[i]!.frame >= recs[i - 1]!.frame, 'capture order');
  t.equal(recs[0]!.timestamp, T0);
  const forced = await collect(path, { protocol: 'c1218' });
  t.ok(
    forced.every((r) => r.protocol === 'c1218'),
    'the per-file override wins',
  );
});

t.test('TLS over 8443 is marked encrypted', async (t) => {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink);
  const tcp = new TcpStreamRecorder(w, { server: { address: '10.0.0.9', port: 8443 } });
  tcp.record('client-to-server', Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00), T0);
  const dir = t.testdir({});
  const path = join(dir, 'tls.pcapng');
  writeFileSync(path, c.bytes());
  const recs = await collect(path);
  t.same(
    recs.map((r) => [r.protocol, r.encrypted]),
    [['ieee2030-5', true]],
  );
});

t.test('every text format through readSession', async (t) => {
  let jsonl = '';
  const jw = new JsonlSessionWriter((l) => (jsonl += l));
  jw.write({ channel: 'c', direction: 'client-to-server', timestamp: T0, bytes: Uint8Array.of(1, 2) });
  const dir = t.testdir({
    'log.hex': '# capture\n> 7ea0070321930f017e\n< 7ea0070321730f017e\n',
    'log.txt': '2026-11-23T00:00:00Z TX 0102\n',
    'session.jsonl': jsonl,
    'named.jsonl': '\n\n',
    'trace.xml': '<Messages><Message type="tx">7e7e</Message></Messages>',
    'trace.gx': '  <GetRequest/>',
    http: {
      '1-request.http': 'GET / HTTP/1.1\r\n\r\n',
      '1-response.http': 'HTTP/1.1 204 No Content\r\n\r\n',
    },
  });
  t.equal(await detectInputFormat(join(dir, 'log.hex')), 'hexlog');
  t.equal(await detectInputFormat(join(dir, 'session.jsonl')), 'jsonl');
  t.equal(await detectInputFormat(join(dir, 'named.jsonl')), 'jsonl');
  t.equal(await detectInputFormat(join(dir, 'trace.xml')), 'gurux-xml');
  t.equal(await detectInputFormat(join(dir, 'trace.gx')), 'gurux-xml');
  t.equal(await detectInputFormat(join(dir, 'http')), 'http-directory');
  await t.rejects(detectInputFormat(join(dir, 'nope')), { code: 602 });

  const hex = await collect(join(dir, 'log.hex'), { channel: 'optical' });
  t.same(
    hex.map((r) => [r.frame, r.channel, r.direction, r.protocol]),
    [
      [2, 'optical', 'client-to-server', 'dlms'],
      [3, 'optical', 'server-to-client', 'dlms'],
    ],
  );
  const txt = await collect(join(dir, 'log.txt'), { role: 'server', protocol: 'c1218' });
  t.same(
    [txt[0]!.direction, txt[0]!.protocol, txt[0]!.timestamp],
    ['server-to-client', 'c1218', 1795392000000000000n],
  );
  const js = await collect(join(dir, 'session.jsonl'));
  t.same([js[0]!.channel, js[0]!.timestamp, toHex(js[0]!.bytes)], ['c', T0, '0102']);
  t.same(await collect(join(dir, 'session.jsonl'), { protocol: 'dlms' }).then((r) => r[0]!.protocol), 'dlms');
  const xml = await collect(join(dir, 'trace.xml'), { channel: 'gx', protocol: 'dlms' });
  t.same([xml[0]!.channel, xml[0]!.direction, toHex(xml[0]!.bytes)], ['gx', 'client-to-server', '7e7e']);
  const gx = await collect(join(dir, 'trace.gx'));
  t.equal(gx[0]!.xml, '<GetRequest/>');
  const http = await collect(join(dir, 'http'), { protocol: 'ieee2030-5' });
  t.same(
    http.map((r) => r.direction),
    ['client-to-server', 'server-to-client'],
  );
  const forced = await collect(join(dir, 'log.hex'), { format: 'jsonl' }).catch((e: unknown) => e);
  t.match(forced, { code: 207 }, 'an explicit format is obeyed');
  await t.rejects(collect(join(dir, 'log.hex'), { format: 'bogus' }), { code: 600 });
  await t.rejects(collect(join(dir, 'missing.hex'), { format: 'hexlog' }), { code: 602 });
});

t.test('channel helpers', async (t) => {
  const a = { address: '10.0.0.2', port: 4059 };
  const b = { address: '10.0.0.1', port: 50000 };
  t.equal(channelId('tcp', b, a, true), 'tcp 10.0.0.1:50000 > 10.0.0.2:4059');
  t.equal(
    channelId('tcp', a, b, false),
    channelId('tcp', b, a, false),
    'unknown roles: one id for both directions',
  );
  t.equal(
    channelId('udp', { address: 'fe80::1', port: 1 }, { address: 'fe80::1', port: 2 }, false),
    'udp [fe80::1]:1 > [fe80::1]:2',
  );
  t.equal(guessServer(a, b), 'a');
  t.equal(guessServer({ address: 'x', port: 80 }, { address: 'y', port: 3000 }, new Set()), 'a');
  t.equal(guessServer({ address: 'x', port: 5000 }, { address: 'y', port: 3000 }, new Set()), 'b');
  t.equal(guessServer({ address: 'x', port: 5000 }, { address: 'y', port: 5000 }), undefined);
  t.equal(reverseDirection('client-to-server'), 'server-to-client');
  t.equal(reverseDirection('server-to-client'), 'client-to-server');
  t.equal(reverseDirection('unknown'), 'unknown');
});
