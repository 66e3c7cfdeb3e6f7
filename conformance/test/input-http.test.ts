import { isMeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  HttpConversation,
  type HttpEvent,
  type HttpMessage,
  HttpStreamParser,
  httpHeader,
  looksLikeHttp,
  parseHttpMessage,
  readHttpDirectory,
  readHttpDirectoryExchanges,
  readHttpExchanges,
} from '../src/input/http.js';
import type { SessionRecord } from '../src/session/record.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

const XML = '<DeviceCapability xmlns="urn:ieee:std:2030.5:ns" href="/dcap"/>';
const REQUESTS =
  'GET /dcap HTTP/1.1\r\nHost: meter\r\nAccept: application/sep+xml\r\n\r\n' +
  `POST /mup HTTP/1.1\r\nHost: meter\r\nContent-Length: ${XML.length}\r\n\r\n${XML}` +
  'HEAD /tm HTTP/1.1\r\nHost: meter\r\n\r\n' +
  'GET /edev HTTP/1.1\r\n\r\n';
const RESPONSES =
  `HTTP/1.1 200 OK\r\nContent-Type: application/sep+xml\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n${XML.slice(0, 16)}\r\n${(XML.length - 16).toString(16)};ext=1\r\n${XML.slice(16)}\r\n0\r\nX-Trailer: yes\r\n\r\n` +
  'HTTP/1.1 201 Created\r\nLocation: /mup/1\r\nContent-Length: 0\r\n\r\n' +
  'HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n' +
  'HTTP/1.1 204 No Content\r\n\r\n';

function record(
  direction: SessionRecord['direction'],
  bytes: Uint8Array,
  frame: number,
  extra: Partial<SessionRecord> = {},
): SessionRecord {
  return {
    frame,
    channel: 'tcp a > b',
    direction,
    timestamp: BigInt(frame),
    protocol: 'ieee2030-5',
    bytes,
    ...extra,
  };
}

function summary(events: readonly HttpEvent[]): string[] {
  return events.map((e) => {
    if (e.type === 'encrypted') return `encrypted@${e.frame}`;
    if (e.type === 'error') return `error ${e.error.code} ${e.direction}`;
    const q = e.request === undefined ? '-' : `${e.request.method} ${e.request.target}`;
    const s = e.response === undefined ? '-' : `${e.response.status} ${dec(e.response.body).length}`;
    return `${q} => ${s}`;
  });
}

const EXPECTED = [
  `GET /dcap => 200 ${XML.length}`,
  'POST /mup => 201 0',
  'HEAD /tm => 200 0',
  'GET /edev => 204 0',
];

t.test('pipelined exchanges: chunked, Content-Length, HEAD, 204', async (t) => {
  const c = new HttpConversation('tcp a > b');
  const events = [
    ...c.push(record('client-to-server', enc(REQUESTS), 1)),
    ...c.push(record('server-to-client', enc(RESPONSES), 2)),
    ...c.end(3, 3n),
  ];
  t.same(summary(events), EXPECTED);
  const first = events[0] as Extract<HttpEvent, { type: 'exchange' }>;
  t.equal(dec(first.response!.body), XML);
  t.equal(httpHeader(first.response!, 'x-trailer'), 'yes', 'trailer fields are kept');
  t.equal(httpHeader(first.request!, 'ACCEPT'), 'application/sep+xml');
  t.equal(httpHeader(first.request!, 'missing'), undefined);
  t.equal(first.request!.offset, 0);
  t.equal(first.response!.frame, 2);
});

t.test('property: any chunking of either direction gives the same exchanges', async (t) => {
  const cutsArb = fc.array(fc.nat({ max: 2000 }), { maxLength: 12 });
  fc.assert(
    fc.property(cutsArb, cutsArb, fc.boolean(), (qc, sc, lf) => {
      const fix = (s: string): string => (lf ? s.replace(/\r\n/g, '\n') : s);
      const split = (text: string, cuts: number[]): Uint8Array[] => {
        const b = enc(fix(text));
        const points = [...new Set(cuts.map((x) => x % (b.length + 1)))].sort((x, y) => x - y);
        const out: Uint8Array[] = [];
        let last = 0;
        for (const p of [...points, b.length]) {
          out.push(b.subarray(last, p));
          last = p;
        }
        return out;
      };
      const c = new HttpConversation('x');
      const events: HttpEvent[] = [];
      let frame = 0;
      for (const piece of split(REQUESTS, qc))
        events.push(...c.push(record('client-to-server', piece, ++frame)));
      for (const piece of split(RESPONSES, sc))
        events.push(...c.push(record('server-to-client', piece, ++frame)));
      events.push(...c.end(frame, undefined));
      const want = lf ? EXPECTED.map((e) => e.replace(`200 ${XML.length}`, `200 ${XML.length}`)) : EXPECTED;
      return JSON.stringify(summary(events)) === JSON.stringify(want);
    }),
    { numRuns: 300 },
  );
  t.pass('held for 300 runs');
});

t.test('body to the close, unanswered requests, truncation, gaps, errors', async (t) => {
  const c = new HttpConversation('ch');
  const e1 = [
    ...c.push(record('client-to-server', enc('GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n'), 1)),
    ...c.push(record('server-to-client', enc('HTTP/1.0 200 OK\r\n\r\nall the rest'), 2)),
    ...c.end(3, undefined),
  ];
  t.same(summary(e1), ['GET /a => 200 12', 'GET /b => -']);

  const d = new HttpConversation('ch');
  const e2 = [
    ...d.push(record('client-to-server', enc('POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc'), 1)),
    ...d.end(2, undefined),
  ];
  t.same(summary(e2), ['error 200 client-to-server']);

  const g = new HttpConversation('ch');
  const e3 = [
    ...g.push(record('client-to-server', enc('POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc'), 1)),
    ...g.push(record('client-to-server', new Uint8Array(0), 2, { gap: { missing: 50, reason: 'lost' } })),
    ...g.push(record('client-to-server', enc('tail of something\r\nGET /after HTTP/1.1\r\n\r\n'), 3)),
    ...g.end(4, undefined),
  ];
  t.same(summary(e3), ['GET /after => -'], 'resynchronised on the next request line');

  const bad = new HttpConversation('ch');
  const e4 = [
    ...bad.push(record('client-to-server', enc('NOT HTTP\r\n\r\nGET /ok HTTP/1.1\r\n\r\n'), 1)),
    ...bad.push(record('server-to-client', enc('HTTP/1.1 abc\r\n\r\n'), 2)),
    ...bad.push(record('unknown', enc('ignored'), 3)),
    ...bad.end(4, undefined),
  ];
  t.same(summary(e4), ['error 207 client-to-server', 'error 207 server-to-client', 'GET /ok => -']);

  const errors: Array<[string, 'request' | 'response']> = [
    ['GET / HTTP/1.1\r\nbad header\r\n\r\n', 'request'],
    ['GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n', 'request'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'response'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab', 'response'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\rb', 'response'],
  ];
  for (const [text, kind] of errors)
    t.throws(() => new HttpStreamParser(kind).push(enc(text), 1, undefined), { code: 207 }, text);
  const small = new HttpStreamParser('request', { maxHeaderBytes: 10, maxBodyBytes: 4 });
  t.throws(() => small.push(enc('GET /aaaaaaaaaaaaaaaa'), 1, undefined), { code: 207 });
  t.throws(
    () =>
      new HttpStreamParser('request', { maxBodyBytes: 4 }).push(
        enc('PUT / HTTP/1.1\r\nContent-Length: 5\r\n\r\n'),
        1,
        undefined,
      ),
    { code: 207 },
  );
  t.throws(
    () =>
      new HttpStreamParser('response', { maxBodyBytes: 4 }).push(
        enc('HTTP/1.1 200 OK\r\n\r\n12345'),
        1,
        undefined,
      ),
    { code: 207 },
  );
  t.throws(
    () =>
      new HttpStreamParser('response').push(
        enc(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1'.repeat(1100)}`),
        1,
        undefined,
      ),
    { code: 207 },
  );
  const partial = new HttpStreamParser('request');
  partial.push(enc('GET / HT'), 1, undefined);
  t.throws(() => partial.end(2, undefined), { code: 200 });
});

t.test('TLS streams are reported as encrypted', async (t) => {
  const c = new HttpConversation('tls');
  const events = [
    ...c.push(record('client-to-server', Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5), 7)),
    ...c.push(record('server-to-client', Uint8Array.of(0x16, 0x03, 0x03), 8)),
    ...c.end(9, undefined),
  ];
  t.same(summary(events), ['encrypted@7']);
  const flagged = new HttpConversation('tls');
  t.same(summary(flagged.push(record('server-to-client', enc('HTTP'), 1, { encrypted: true }))), [
    'encrypted@1',
  ]);
});

t.test('readHttpExchanges groups channels and skips other protocols', async (t) => {
  const recs: SessionRecord[] = [
    record('client-to-server', enc('GET /a HTTP/1.1\r\n\r\n'), 1, { channel: 'one' }),
    record('client-to-server', enc('GET /b HTTP/1.1\r\n\r\n'), 2, { channel: 'two' }),
    record('server-to-client', enc('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB'), 3, { channel: 'two' }),
    record('client-to-server', enc('7e'), 4, { channel: 'dlms', protocol: 'dlms' }),
  ];
  const out: HttpEvent[] = [];
  for await (const e of readHttpExchanges(recs)) out.push(e);
  t.same(summary(out), ['GET /b => 200 1', 'GET /a => -']);
  const all: HttpEvent[] = [];
  for await (const e of readHttpExchanges(recs, { allChannels: true })) all.push(e);
  t.equal(all.filter((e) => e.type === 'error').length, 1, 'the DLMS bytes are not HTTP');
  t.ok(looksLikeHttp(enc('HTTP/1.1 200 OK')));
  t.notOk(looksLikeHttp(enc('<xml')));
});

t.test('a directory of saved request/response files', async (t) => {
  const dir = t.testdir({
    '001-request.http': 'GET /dcap HTTP/1.1\r\nHost: m\r\n\r\n',
    '001-response.http': `HTTP/1.1 200 OK\r\nContent-Type: application/sep+xml\r\n\r\n${XML}`,
    '2-request.http': `PUT /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi`,
    '003-response.http': 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n',
    '004-request.http': 'garbage',
    '005-request.http': 'GET /last HTTP/1.1\r\n\r\n',
    'notes.txt': 'ignored',
  });
  const recs: SessionRecord[] = [];
  for await (const r of readHttpDirectory(dir)) recs.push(r);
  t.same(
    recs.map((r) => [r.frame, r.direction, r.comment]),
    [
      [1, 'client-to-server', '001-request.http'],
      [2, 'server-to-client', '001-response.http'],
      [3, 'client-to-server', '2-request.http'],
      [4, 'server-to-client', '003-response.http'],
      [5, 'client-to-server', '004-request.http'],
      [6, 'client-to-server', '005-request.http'],
    ],
  );
  const events: HttpEvent[] = [];
  for await (const e of readHttpDirectoryExchanges(dir)) events.push(e);
  t.same(summary(events), [
    `GET /dcap => 200 ${XML.length}`,
    'PUT /x => -',
    '- => 404 0',
    'error 200 client-to-server',
    'GET /last => -',
  ]);
  await t.rejects(
    (async () => {
      for await (const _ of readHttpDirectory(`${dir}/missing`)) void _;
    })(),
    { code: 602 },
  );
  const m: HttpMessage = parseHttpMessage(enc('HTTP/1.1 200 OK\r\n\r\nbody'), 'response');
  t.equal(dec(m.body), 'body');
  t.throws(() => parseHttpMessage(new Uint8Array(0), 'request'), { code: 200 });
  t.throws(() => parseHttpMessage(enc('GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n'), 'request'), {
    code: 208,
  });
});

t.test('property: arbitrary bytes only ever fail with MeterkitError', async (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.uint8Array({ maxLength: 40 }),
          fc.string({ maxLength: 40 }).map(enc),
          fc.constantFrom(
            enc('HTTP/1.1 200 OK\r\n'),
            enc('GET / HTTP/1.1\r\n'),
            enc('\r\n'),
            enc('Transfer-Encoding: chunked\r\n'),
            enc('Content-Length: 3\r\n'),
          ),
        ),
        { maxLength: 10 },
      ),
      (pieces) => {
        for (const kind of ['request', 'response'] as const) {
          const p = new HttpStreamParser(kind);
          try {
            for (const piece of pieces) p.push(piece, 1, undefined);
            p.end(1, undefined);
          } catch (e) {
            if (!isMeterkitError(e)) return false;
          }
        }
        return true;
      },
    ),
    { numRuns: 400 },
  );
  t.pass('held for 400 runs');
});
