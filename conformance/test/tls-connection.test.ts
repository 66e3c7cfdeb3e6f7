import { createCipheriv, randomBytes } from 'node:crypto';
import { collectingSink, ErrorCode, isMeterkitError, MeterkitError, PcapngWriter } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { PcapngReader } from '../src/input/pcapng.js';
import type { SessionRecord } from '../src/session/record.js';
import { cipherSuiteName, TLS_CIPHER_SUITES, type TlsCipherSuite } from '../src/tls/cipher-suite.js';
import { TlsConnection } from '../src/tls/connection.js';
import {
  decodeClientHello,
  decodeServerHello,
  MAX_HANDSHAKE_MESSAGE,
  TlsHandshakeReassembler,
} from '../src/tls/handshake.js';
import { SECRETS_TYPE_TLS_KEY_LOG, TlsKeyLog } from '../src/tls/keylog.js';
import { tls12KeyBlock } from '../src/tls/prf.js';
import { TlsRecordReader, type TlsRecordView } from '../src/tls/record-layer.js';
import { TlsRecordDecrypter } from '../src/tls/record-protection.js';
import {
  decryptSessionRecords,
  serializeHttpMessage,
  type TlsProblem,
  TlsSessionDecryptor,
  type TlsSessionDecryptorOptions,
  tlsProblemMessage,
} from '../src/tls/session-decryptor.js';

const CCM_8 = TLS_CIPHER_SUITES.get(0xc0ae)!;
const GCM = TLS_CIPHER_SUITES.get(0xc02b)!;
const CCM = TLS_CIPHER_SUITES.get(0xc0ac)!;

function cat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const u24 = (n: number) => Uint8Array.of(n >> 16, (n >> 8) & 0xff, n & 0xff);
const ascii = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** A TLS record (RFC 5246 §6.2.1). */
function record(type: number, body: Uint8Array, version = 0x0303): Uint8Array {
  return cat(Uint8Array.of(type), u16(version), u16(body.length), body);
}
/** A handshake message (RFC 5246 §7.4). */
function handshake(msgType: number, body: Uint8Array): Uint8Array {
  return cat(Uint8Array.of(msgType), u24(body.length), body);
}
function extensions(list: readonly (readonly [number, Uint8Array])[]): Uint8Array {
  const body = cat(...list.map(([type, data]) => cat(u16(type), u16(data.length), data)));
  return cat(u16(body.length), body);
}
function clientHello(
  random: Uint8Array,
  suites: readonly number[],
  exts = [[23, new Uint8Array(0)]] as const,
) {
  return cat(
    u16(0x0303),
    random,
    Uint8Array.of(0),
    u16(suites.length * 2),
    ...suites.map(u16),
    Uint8Array.of(1, 0),
    extensions(exts),
  );
}
function serverHello(
  random: Uint8Array,
  suite: number,
  exts: readonly (readonly [number, Uint8Array])[] = [[23, new Uint8Array(0)]],
) {
  return cat(
    u16(0x0303),
    random,
    Uint8Array.of(32),
    new Uint8Array(32).fill(7),
    u16(suite),
    Uint8Array.of(0),
    extensions(exts),
  );
}

/** Protects one record the way a TLS 1.2 AEAD sender does (test-side, from node:crypto directly). */
function protect(
  suite: TlsCipherSuite,
  key: Uint8Array,
  salt: Uint8Array,
  seq: bigint,
  type: number,
  plaintext: Uint8Array,
): Uint8Array {
  const explicit = randomBytes(8);
  const nonce = cat(salt, explicit);
  const aad = new Uint8Array(13);
  new DataView(aad.buffer).setBigUint64(0, seq);
  aad.set([type, 3, 3, plaintext.length >> 8, plaintext.length & 0xff], 8);
  let body: Uint8Array;
  if (suite.cipher === 'aes-128-gcm') {
    const c = createCipheriv('aes-128-gcm', key, nonce, { authTagLength: suite.tagLength });
    c.setAAD(aad);
    body = cat(c.update(plaintext), c.final(), c.getAuthTag());
  } else {
    const c = createCipheriv(suite.cipher, key, nonce, { authTagLength: suite.tagLength });
    c.setAAD(aad, { plaintextLength: plaintext.length });
    body = cat(c.update(plaintext), c.final(), c.getAuthTag());
  }
  return record(type, cat(explicit, body));
}

/** A whole synthetic connection: its two byte streams in order, and the key log line for it. */
interface Conversation {
  readonly steps: readonly {
    readonly dir: 'client-to-server' | 'server-to-client';
    readonly bytes: Uint8Array;
  }[];
  readonly keyLogLine: string;
}

function conversation(
  suite: TlsCipherSuite,
  requests: readonly string[],
  responses: readonly string[],
  options: { serverSuite?: number; serverExtensions?: readonly (readonly [number, Uint8Array])[] } = {},
): Conversation {
  const cr = randomBytes(32);
  const sr = randomBytes(32);
  const master = randomBytes(48);
  const keys = tls12KeyBlock(master, cr, sr, suite.keyLength, suite.fixedIvLength);
  let cseq = 0n;
  let sseq = 0n;
  const c = (type: number, p: Uint8Array) =>
    protect(suite, keys.clientWriteKey, keys.clientWriteIv, cseq++, type, p);
  const s = (type: number, p: Uint8Array) =>
    protect(suite, keys.serverWriteKey, keys.serverWriteIv, sseq++, type, p);
  const steps: { dir: 'client-to-server' | 'server-to-client'; bytes: Uint8Array }[] = [
    { dir: 'client-to-server', bytes: record(22, handshake(1, clientHello(cr, [suite.id, 0xc02b]))) },
    {
      dir: 'server-to-client',
      bytes: cat(
        record(
          22,
          cat(
            handshake(2, serverHello(sr, options.serverSuite ?? suite.id, options.serverExtensions)),
            handshake(11, new Uint8Array(600)),
          ),
        ),
        record(22, handshake(14, new Uint8Array(0))),
      ),
    },
    {
      dir: 'client-to-server',
      bytes: cat(
        record(22, handshake(16, new Uint8Array(66))),
        record(20, Uint8Array.of(1)),
        c(22, handshake(20, new Uint8Array(12))),
      ),
    },
    {
      dir: 'server-to-client',
      bytes: cat(record(20, Uint8Array.of(1)), s(22, handshake(20, new Uint8Array(12)))),
    },
  ];
  for (let i = 0; i < Math.max(requests.length, responses.length); i++) {
    const rq = requests[i];
    if (rq !== undefined) {
      // a request split over two records
      const b = ascii(rq);
      steps.push({ dir: 'client-to-server', bytes: cat(c(23, b.subarray(0, 10)), c(23, b.subarray(10))) });
    }
    const rs = responses[i];
    if (rs !== undefined) steps.push({ dir: 'server-to-client', bytes: s(23, ascii(rs)) });
  }
  return {
    steps,
    keyLogLine: `CLIENT_RANDOM ${Buffer.from(cr).toString('hex')} ${Buffer.from(master).toString('hex')}\n`,
  };
}

const CHANNEL = 'tcp 10.0.0.1:50000 > 10.0.0.2:443';

function records(conv: Conversation, protocol: SessionRecord['protocol'] = 'ieee2030-5'): SessionRecord[] {
  return conv.steps.map((s, i) => ({
    frame: i + 1,
    channel: CHANNEL,
    direction: s.dir,
    timestamp: BigInt(i) * 1000n,
    protocol,
    bytes: s.bytes,
    encrypted: true,
  }));
}

function run(
  input: readonly SessionRecord[],
  keyLog: TlsKeyLog,
  options: TlsSessionDecryptorOptions = {},
  finish = true,
): { out: SessionRecord[]; problems: TlsProblem[]; finished: string[] } {
  const out: SessionRecord[] = [];
  const problems: TlsProblem[] = [];
  const finished: string[] = [];
  const d = new TlsSessionDecryptor(
    { record: (r) => out.push(r), finished: (c) => finished.push(c), problem: (p) => problems.push(p) },
    keyLog,
    options,
  );
  for (const r of input) d.push(r);
  if (finish) d.finished(CHANNEL);
  d.end();
  return { out, problems, finished };
}

function keyLogOf(conv: Conversation): TlsKeyLog {
  const log = new TlsKeyLog();
  log.add(conv.keyLogLine);
  return log;
}

const XML = '<Time xmlns="urn:ieee:std:2030.5:ns"><currentTime>1</currentTime></Time>';
const REQUESTS = ['GET /tm HTTP/1.1\r\nHost: meter\r\n\r\n', 'GET /dcap HTTP/1.1\r\nHost: meter\r\n\r\n'];
const RESPONSES = [
  `HTTP/1.1 200 OK\r\nContent-Type: application/sep+xml\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n${XML.slice(0, 16)}\r\n${(XML.length - 16).toString(16)}\r\n${XML.slice(16)}\r\n0\r\n\r\n`,
  `HTTP/1.1 200 OK\r\nContent-Type: application/sep+xml\r\n\r\n${XML}`,
];

t.test('a TLS 1.2 CCM_8 connection decrypts into whole HTTP messages', async (t) => {
  const conv = conversation(CCM_8, REQUESTS, RESPONSES);
  const { out, problems, finished } = run(records(conv), keyLogOf(conv));
  t.same(problems, []);
  t.same(finished, [CHANNEL], 'the channel end is passed on');
  t.equal(out.length, 4, 'two requests and two responses');
  t.ok(out.every((r) => r.encrypted === undefined && r.protocol === 'ieee2030-5' && r.channel === CHANNEL));
  t.equal(text(out[0]!.bytes), REQUESTS[0], 'a request split over records comes out whole');
  t.equal(out[0]!.frame, 5, 'at the frame that completed it');
  t.equal(out[0]!.direction, 'client-to-server');
  t.equal(
    text(out[1]!.bytes),
    `HTTP/1.1 200 OK\r\nContent-Type: application/sep+xml\r\nTransfer-Encoding: chunked\r\n\r\n${XML.length.toString(16)}\r\n${XML}\r\n0\r\n\r\n`,
    'a chunked body is written as one chunk',
  );
  t.equal(text(out[3]!.bytes), RESPONSES[1], 'a response read to the close ends with the channel');
  t.equal(out[3]!.direction, 'server-to-client');
});

t.test('AES-GCM and 16-byte-tag CCM suites decrypt the same way', async (t) => {
  for (const suite of [GCM, CCM]) {
    const conv = conversation(suite, REQUESTS.slice(0, 1), RESPONSES.slice(1));
    const { out, problems } = run(records(conv), keyLogOf(conv));
    t.same(problems, [], suite.name);
    t.equal(text(out[0]!.bytes), REQUESTS[0], suite.name);
  }
});

t.test('whatever the TCP segmentation, the output is the same', async (t) => {
  const conv = conversation(CCM_8, REQUESTS, RESPONSES);
  const keyLog = keyLogOf(conv);
  const expected = run(records(conv), keyLog).out.map((r) => text(r.bytes));
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }), (sizes) => {
      const split: SessionRecord[] = [];
      let frame = 0;
      for (const r of records(conv)) {
        for (let at = 0, i = 0; at < r.bytes.length; i++) {
          const n = sizes[i % sizes.length]!;
          split.push({ ...r, frame: ++frame, bytes: r.bytes.subarray(at, at + n) });
          at += n;
        }
      }
      const got = run(split, keyLog);
      return (
        got.problems.length === 0 &&
        JSON.stringify(got.out.map((r) => text(r.bytes))) === JSON.stringify(expected)
      );
    }),
    { numRuns: 100 },
  );
  t.pass('same messages for every segmentation');
});

t.test('without the session key, or for TLS 1.3 or another suite, records pass on encrypted', async (t) => {
  const conv = conversation(CCM_8, REQUESTS, RESPONSES);
  const input = records(conv);
  const other = new TlsKeyLog();
  other.add(`CLIENT_RANDOM ${'ab'.repeat(32)} ${'cd'.repeat(48)}`);
  for (const log of [new TlsKeyLog(), other]) {
    const { out, problems } = run(input, log);
    t.same(out, input, 'the records pass on unchanged, still encrypted');
    t.same(problems, []);
  }
  const tls13 = conversation(CCM_8, REQUESTS, RESPONSES, { serverExtensions: [[43, Uint8Array.of(3, 4)]] });
  const c13 = new TlsConnection(keyLogOf(tls13), {
    applicationData: () => t.fail('no data'),
    problem: () => t.fail('no problem'),
  });
  for (const s of tls13.steps) c13.push(s.dir, s.bytes);
  t.match(c13.decision, { state: 'encrypted', reason: /TLS 1\.3/ });
  t.same(
    run(records(tls13), keyLogOf(tls13)).out,
    records(tls13).map((r) => r),
    'a TLS 1.3 session stays encrypted',
  );
  const c30 = conversation(CCM_8, REQUESTS, RESPONSES, { serverSuite: 0xc030 });
  const conn = new TlsConnection(keyLogOf(c30), {
    applicationData: () => undefined,
    problem: () => undefined,
  });
  for (const s of c30.steps) conn.push(s.dir, s.bytes);
  t.match(conn.decision, { state: 'encrypted', reason: /0xc030 is not decrypted/ });
  t.equal(cipherSuiteName(0xc0ae), 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8');
  const ok = conversation(CCM_8, [], []);
  const good = new TlsConnection(keyLogOf(ok), {
    applicationData: () => undefined,
    problem: () => undefined,
  });
  for (const s of ok.steps) good.push(s.dir, s.bytes);
  t.match(good.decision, { state: 'decrypt', extendedMasterSecret: true });
  t.equal(good.clientHello?.cipherSuites[0], 0xc0ae);
  t.equal(good.serverHello?.cipherSuite, 0xc0ae);
  const noHello = new TlsConnection(new TlsKeyLog(), {
    applicationData: () => undefined,
    problem: () => undefined,
  });
  noHello.push('server-to-client', ok.steps[1]!.bytes);
  t.match(noHello.decision, { state: 'encrypted', reason: /ClientHello is not in the capture/ });
  const withData = conversation(CCM_8, REQUESTS, RESPONSES);
  for (const late of [withData.steps[4]!, withData.steps[3]!]) {
    const midway = new TlsConnection(keyLogOf(withData), {
      applicationData: () => undefined,
      problem: () => undefined,
    });
    midway.push(late.dir, late.bytes);
    t.match(
      midway.decision,
      { state: 'encrypted', reason: /handshake is not in the capture/ },
      'a capture started late',
    );
  }
});

t.test('a record that does not authenticate is a problem; later records still decrypt', async (t) => {
  const conv = conversation(CCM_8, REQUESTS, RESPONSES);
  const input = records(conv);
  const i = input.findIndex((r, n) => n > 3 && r.direction === 'server-to-client');
  const bad = Uint8Array.from(input[i]!.bytes);
  bad[bad.length - 1]! ^= 0x80;
  input[i] = { ...input[i]!, bytes: bad };
  const { out, problems } = run(input, keyLogOf(conv));
  t.equal(problems.length, 1);
  t.ok(isMeterkitError(problems[0]!.error, ErrorCode.AuthenticationFailed));
  t.match(
    problems[0]!.reason,
    /^TLS: TLS record 1 \(TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8\) does not authenticate/,
  );
  t.same(problems[0]!.bytes, bad, 'the problem carries the record');
  t.equal(problems[0]!.frame, input[i]!.frame);
  const m = tlsProblemMessage(problems[0]!);
  t.equal(m.type, 'discarded');
  t.equal(m.reason, problems[0]!.reason);
  t.equal(
    out.filter((r) => r.direction === 'server-to-client').length,
    1,
    'the other response still decrypts',
  );
  t.equal(out.filter((r) => r.direction === 'client-to-server').length, 2);
});

t.test('gaps, alerts, malformed HTTP and non-HTTP protocols', async (t) => {
  const conv = conversation(CCM_8, ['NOT HTTP AT ALL\r\n\r\n'], []);
  const input = records(conv);
  const gapped: SessionRecord[] = [
    ...input,
    { ...input[1]!, frame: 99, bytes: new Uint8Array(0), gap: { missing: 10, reason: 'lost' } },
    { ...input[1]!, frame: 100, bytes: Uint8Array.of(0x17, 3, 3, 0, 1, 0) },
  ];
  const { out, problems } = run(gapped, keyLogOf(conv));
  t.ok(
    problems.some((p) => /^HTTP: bad request line/.test(p.reason)),
    'a malformed request is a problem',
  );
  t.ok(
    problems.some((p) => isMeterkitError(p.error, ErrorCode.Truncated) && p.frame === 99),
    'a gap breaks the records',
  );
  t.ok(
    out.some((r) => r.gap?.missing === 10 && r.encrypted === undefined),
    'the gap passes on',
  );
  t.equal(problems.length, 2, 'bytes after the gap are not read');

  const dlms = run(records(conv, 'dlms'), keyLogOf(conv));
  t.same(
    dlms.out.map((r) => text(r.bytes)),
    ['NOT HTTP A', 'T ALL\r\n\r\n'],
    'other protocols get one plaintext record per TLS record',
  );

  // a fatal alert from the server (encrypted, after its ChangeCipherSpec)
  const cr = randomBytes(32);
  const sr = randomBytes(32);
  const master = randomBytes(48);
  const keys = tls12KeyBlock(master, cr, sr, 16, 4);
  const log = new TlsKeyLog();
  log.add(`CLIENT_RANDOM ${Buffer.from(cr).toString('hex')} ${Buffer.from(master).toString('hex')}`);
  const seen: string[] = [];
  const conn = new TlsConnection(log, {
    applicationData: () => undefined,
    problem: (_d, e) => seen.push(e.message),
  });
  conn.push('client-to-server', record(22, handshake(1, clientHello(cr, [0xc0ae]))));
  conn.push('server-to-client', record(22, handshake(2, serverHello(sr, 0xc0ae))));
  conn.push(
    'server-to-client',
    cat(
      record(20, Uint8Array.of(1)),
      protect(CCM_8, keys.serverWriteKey, keys.serverWriteIv, 0n, 21, Uint8Array.of(1, 0)),
      protect(CCM_8, keys.serverWriteKey, keys.serverWriteIv, 1n, 21, Uint8Array.of(2, 40)),
      record(23, new Uint8Array(10)),
    ),
  );
  t.same(seen[0], 'fatal TLS alert 40 (RFC 5246 §7.2)', 'close_notify is quiet, a fatal alert is reported');
  t.match(seen[1], /shorter than nonce and tag/);
  conn.push('client-to-server', record(23, new Uint8Array(4)));
  t.match(seen[2], /application data before ChangeCipherSpec/);
  conn.push('client-to-server', Uint8Array.of(0x99, 0, 0, 0, 0));
  t.equal(seen.length, 3, 'the client direction failed quietly after its first problem');
});

t.test('limits: held bytes, channel count, unknown directions, plain records', async (t) => {
  const conv = conversation(CCM_8, REQUESTS, RESPONSES);
  const input = records(conv);
  t.same(
    run(input, keyLogOf(conv), { maxHeldBytes: 10 }).out,
    input,
    'too much handshake: the channel stays encrypted',
  );
  t.same(run(input, keyLogOf(conv), { maxChannels: 0 }).out, input, 'too many channels: passed on');
  const unknown = input.map((r) => ({ ...r, direction: 'unknown' as const }));
  t.same(run(unknown, keyLogOf(conv)).out, unknown);
  const plain: SessionRecord = {
    frame: 1,
    channel: 'x',
    direction: 'client-to-server',
    timestamp: undefined,
    bytes: ascii('hi'),
  };
  t.same(run([plain], new TlsKeyLog()).out, [plain], 'records not marked encrypted pass straight through');
  const held = run(input.slice(0, 1), keyLogOf(conv), {}, false);
  t.same(held.out, input.slice(0, 1), 'a channel still in its handshake at the end passes on what it held');
  const garbage: SessionRecord = { ...input[0]!, bytes: Uint8Array.of(0x16, 3, 3, 0xff, 0xff) };
  t.same(run([garbage], new TlsKeyLog()).out, [garbage], 'an unreadable stream stays encrypted');

  const got: SessionRecord[] = [];
  for await (const r of decryptSessionRecords(input, keyLogOf(conv))) got.push(r);
  t.equal(got.length, 4, 'the async form gives the same messages');
});

t.test('serializeHttpMessage writes start line, fields and body', async (t) => {
  const m = {
    kind: 'response' as const,
    status: 204,
    reason: 'No Content',
    version: 'HTTP/1.1',
    headers: [['Transfer-Encoding', 'chunked']] as const,
    body: new Uint8Array(0),
    offset: 0,
    frame: 1,
    timestamp: undefined,
  };
  t.equal(
    text(serializeHttpMessage(m)),
    'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  );
});

t.test('record reader: boundaries across pushes, bad headers, gaps', async (t) => {
  const stream = cat(
    record(22, new Uint8Array(3).fill(1)),
    record(23, new Uint8Array(300).fill(2)),
    record(21, Uint8Array.of(1, 0)),
  );
  for (let cut = 0; cut <= stream.length; cut += 7) {
    const r = new TlsRecordReader();
    const seen: TlsRecordView[] = [];
    const each = (v: TlsRecordView) => seen.push({ ...v, fragment: v.fragment.slice() });
    r.push(stream.subarray(0, cut), each);
    r.push(stream.subarray(cut), each);
    if (seen.map((v) => `${v.type}:${v.fragment.length}@${v.offset}`).join() !== '22:3@0,23:300@8,21:2@313') {
      t.fail(`cut at ${cut}`);
    }
  }
  const r = new TlsRecordReader();
  r.push(record(22, new Uint8Array(2)).subarray(0, 4), () => undefined);
  t.equal(r.buffered, 4);
  t.equal(r.position, 4);
  t.throws(() => new TlsRecordReader().push(Uint8Array.of(0x47, 0x45, 0x54, 0x20, 0x2f), () => undefined), {
    code: ErrorCode.ValueInvalid,
  });
  const long = new TlsRecordReader();
  t.throws(() => long.push(Uint8Array.of(23, 3, 3, 0xff, 0xff), () => undefined), {
    code: ErrorCode.FrameTooLong,
  });
  t.ok(long.failed);
  t.throws(
    () => long.push(new Uint8Array(1), () => undefined),
    { code: ErrorCode.FrameTooLong },
    'stays failed',
  );
  const gap = new TlsRecordReader();
  gap.gap(5);
  t.throws(() => gap.push(new Uint8Array(1), () => undefined), { code: ErrorCode.Truncated });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        new TlsRecordReader().push(bytes, () => undefined);
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
      }
      return true;
    }),
    { numRuns: 500 },
  );
});

t.test('record protection: sequence numbers, tags, lengths', async (t) => {
  const key = randomBytes(16);
  const salt = randomBytes(4);
  const d = new TlsRecordDecrypter(CCM_8, key, salt);
  const r0 = protect(CCM_8, key, salt, 0n, 23, ascii('hello'));
  const r1 = protect(CCM_8, key, salt, 1n, 23, ascii('world'));
  const ok = d.decrypt(23, 0x0303, r0.subarray(5));
  t.same(ok, { ok: true, seq: 0n, plaintext: ascii('hello') });
  const again = d.decrypt(23, 0x0303, r0.subarray(5));
  t.equal(again.ok, false, 'a replayed record fails (its sequence number is part of the data)');
  t.equal(d.sequenceNumber, 2n);
  const wrongType = new TlsRecordDecrypter(CCM_8, key, salt).decrypt(22, 0x0303, r0.subarray(5));
  t.equal(wrongType.ok, false, 'the content type is authenticated');
  const d2 = new TlsRecordDecrypter(CCM_8, key, salt);
  d2.decrypt(23, 0x0303, r0.subarray(5));
  t.same(d2.decrypt(23, 0x0303, r1.subarray(5)), { ok: true, seq: 1n, plaintext: ascii('world') });
  const short = d2.decrypt(23, 0x0303, new Uint8Array(15), 40);
  t.ok(!short.ok && isMeterkitError(short.error, ErrorCode.Truncated) && short.error.offset === 40);
  t.throws(() => new TlsRecordDecrypter(CCM_8, new Uint8Array(15), salt), { code: ErrorCode.KeyInvalid });
  t.notMatch(String(d), new RegExp(Buffer.from(key).toString('hex')), 'toString hides the key');
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 100 }),
      (fragment) => new TlsRecordDecrypter(GCM, key, salt).decrypt(23, 0x0303, fragment).ok === false,
    ),
    { numRuns: 300 },
  );
});

t.test('hello decoding: fields, extensions, malformed input', async (t) => {
  const random = randomBytes(32);
  const ch = decodeClientHello(clientHello(random, [0xc0ae, 0xc02b]));
  t.same(ch.random, random);
  t.same(ch.cipherSuites, [0xc0ae, 0xc02b]);
  t.same(
    ch.extensions.map((e) => e.type),
    [23],
  );
  const sh = decodeServerHello(serverHello(random, 0xc0ae, [[43, Uint8Array.of(3, 3)]]));
  t.equal(sh.cipherSuite, 0xc0ae);
  t.equal(sh.sessionId.length, 32);
  const bare = decodeServerHello(serverHello(random, 0xc0ae).subarray(0, 2 + 32 + 33 + 3));
  t.same(bare.extensions, [], 'extensions are optional');
  const longSid = serverHello(random, 0xc0ae);
  longSid[34] = 33;
  t.throws(() => decodeServerHello(longSid), { code: ErrorCode.LengthInvalid });
  const odd = clientHello(random, [0xc0ae]);
  odd[36] = 3;
  t.throws(() => decodeClientHello(odd), { code: ErrorCode.LengthInvalid });
  try {
    decodeClientHello(new Uint8Array(10), 100);
    t.fail('a short hello fails');
  } catch (e) {
    t.ok(isMeterkitError(e) && (e.offset ?? 0) >= 100, 'at its stream offset');
  }
  const re = new TlsHandshakeReassembler();
  const two = cat(handshake(1, new Uint8Array(5)), handshake(2, new Uint8Array(3)));
  t.same(re.push(two.subarray(0, 6)), []);
  t.same(
    re.push(two.subarray(6)).map((m) => [m.msgType, m.body.length, m.offset]),
    [
      [1, 5, 4],
      [2, 3, 13],
    ],
  );
  t.throws(() => new TlsHandshakeReassembler().push(cat(Uint8Array.of(11), u24(MAX_HANDSHAKE_MESSAGE + 1))), {
    code: ErrorCode.FrameTooLong,
  });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      for (const decode of [decodeClientHello, decodeServerHello]) {
        try {
          decode(bytes);
        } catch (e) {
          if (!(e instanceof MeterkitError)) throw e;
        }
      }
      return true;
    }),
    { numRuns: 500 },
  );
});

t.test('the pcapng reader hands Decryption Secrets Blocks on', async (t) => {
  const sink = collectingSink();
  const w = new PcapngWriter(sink.sink);
  w.writeDecryptionSecrets(`CLIENT_RANDOM ${'aa'.repeat(32)} ${'bb'.repeat(48)}\n`);
  w.writeDecryptionSecrets(Uint8Array.of(1, 2, 3), 0x57474b4c);
  const file = sink.bytes();
  const got: [number, string][] = [];
  const reader = new PcapngReader({
    onDecryptionSecrets: (type, data) => got.push([type, Buffer.from(data).toString('hex')]),
  });
  reader.push(file);
  reader.end();
  t.equal(got.length, 2);
  t.equal(got[0]![0], SECRETS_TYPE_TLS_KEY_LOG);
  t.equal(Buffer.from(got[0]![1], 'hex').toString(), `CLIENT_RANDOM ${'aa'.repeat(32)} ${'bb'.repeat(48)}\n`);
  t.same(got[1], [0x57474b4c, '010203']);
  new PcapngReader().push(file); // no handler: skipped

  const shb = file.subarray(0, new DataView(file.buffer, file.byteOffset).getUint32(4, true));
  const dsb = (length: number, secrets: number) => {
    const b = new Uint8Array(length);
    const v = new DataView(b.buffer);
    v.setUint32(0, 10, true);
    v.setUint32(4, length, true);
    if (length >= 16) v.setUint32(12, secrets, true);
    v.setUint32(length - 4, length, true);
    return b;
  };
  const handler = { onDecryptionSecrets: () => undefined };
  t.throws(() => new PcapngReader(handler).push(cat(shb, dsb(24, 9))), { code: ErrorCode.LengthOverrun });
  t.throws(() => new PcapngReader(handler).push(cat(shb, dsb(16, 0))), { code: ErrorCode.LengthInvalid });
});
