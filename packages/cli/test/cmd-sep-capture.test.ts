import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectingSink, PcapngWriter, TcpStreamRecorder } from '@meterkit/core';
import t, { type Test } from 'tap';
import { recordConnection } from '../src/connection/wire-capture.js';
import { ExitCode } from '../src/exit-codes.js';
import { runCli } from '../src/index.js';
import { captureIo } from './helpers.js';
import {
  runCliCaptured as run,
  sepClientTlsArgs,
  sepServerTlsArgs,
  serveSep as serve,
} from './sep-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'meterkit-sep-capture-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const pki = join(dir, 'pki');

interface Block {
  readonly type: number;
  readonly body: Uint8Array;
}

/** The blocks of a little-endian pcapng file (test-side oracle). */
function blocksOf(file: Uint8Array): Block[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Block[] = [];
  for (let at = 0; at + 12 <= file.length; ) {
    const len = v.getUint32(at + 4, true);
    out.push({ type: v.getUint32(at, true), body: file.subarray(at, at + len) });
    at += len;
  }
  return out;
}

/** Text of a Decryption Secrets Block. */
function secretsOf(b: Block): { type: number; text: string } {
  const v = new DataView(b.body.buffer, b.body.byteOffset, b.body.byteLength);
  return {
    type: v.getUint32(8, true),
    text: new TextDecoder().decode(b.body.subarray(16, 16 + v.getUint32(12, true))),
  };
}

/** Runs tshark, or says why it cannot (CI installs it). */
function tshark(t: Test, args: string[]): string | undefined {
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  if (r.error !== undefined) {
    t.comment('tshark is not installed here: skipped the Wireshark check (CI installs it)');
    return undefined;
  }
  t.equal(r.status, 0, r.stderr);
  return r.stdout;
}

t.before(async () => {
  const r = await run(['sep', 'pki', 'init', pki]);
  if (r.code !== 0) throw new Error(r.err);
});

t.test('sep walk --capture over mutual TLS: TLS records, keys in a DSB, tshark decrypts', async (t) => {
  const server = await serve(sepServerTlsArgs(pki, 30));
  const tls = sepClientTlsArgs(pki);
  const file = join(dir, 'walk.pcapng');
  const walk = await run(['sep', 'walk', '--capture', file, '-v', ...tls, `${server.url}/dcap`]);
  t.equal(walk.code, 0, walk.err);
  t.match(walk.out, /^\/dcap +DeviceCapability +200$/m, 'the walk still prints its tree');
  t.match(walk.err, /^> GET \/dcap HTTP\/1\.1$/m, '-v prints the request line');
  t.match(walk.err, /^> accept: application\/sep\+xml$/m, 'and its header fields');
  t.match(walk.err, /^< HTTP\/1\.1 200 OK$/m, 'and the status line of the answer');
  t.match(walk.err, /^< content-type: application\/sep\+xml$/m);
  t.notMatch(walk.err, /<DeviceCapability/, '-v does not print bodies');

  const bytes = readFileSync(file);
  const blocks = blocksOf(bytes);
  const dsbs = blocks.filter((b) => b.type === 0x0a);
  t.equal(dsbs.length, 1, 'one Decryption Secrets Block for the one TLS session');
  const dsb = secretsOf(dsbs[0]!);
  t.equal(dsb.type, 0x544c534b, 'secrets type TLSK');
  const m = /^CLIENT_RANDOM ([0-9a-f]{64}) ([0-9a-f]{96})\n$/.exec(dsb.text);
  t.ok(m, `an NSS key log line for the TLS 1.2 session: ${dsb.text.slice(0, 14)}…`);
  const firstPacket = blocks.findIndex((b) => b.type === 6);
  t.ok(blocks.indexOf(dsbs[0]!) < firstPacket, 'the keys come before the first packet');
  const masterSecret = m?.[2] ?? 'missing';
  t.equal(
    bytes.toString('latin1').split(masterSecret).length - 1,
    1,
    'the master secret is in the DSB and nowhere else in the file',
  );
  for (const text of [walk.out, walk.err]) t.notOk(text.includes(masterSecret), 'and never printed');
  t.notOk(bytes.includes(Buffer.from('GET /dcap')), 'the HTTP is encrypted on the wire');

  const shown = tshark(t, ['-r', file, '-Y', 'http || tls.handshake.type == 1']);
  if (shown !== undefined) {
    t.match(shown, /Client Hello/, 'the capture holds the real TLS handshake');
    t.match(shown, /GET \/dcap HTTP\/1\.1/, 'tshark decrypts it with the keys in the file');
    t.match(shown, /GET \/tm HTTP\/1\.1/);
    t.match(shown, /HTTP\/1\.1 200 OK/);
  }

  const getFile = join(dir, 'get.pcapng');
  const get = await run(['sep', 'get', '-vv', '--capture', getFile, ...tls, `${server.url}/tm`]);
  t.equal(get.code, 0, get.err);
  t.match(get.err, /^> GET \/tm HTTP\/1\.1$/m);
  t.match(get.err, /^ {2}body: \d+ bytes$/m, '-vv prints the body size');
  t.match(get.err, /^ {4}element: Time$/m, 'and the body decoded by the 2030.5 codec');
  t.match(get.err, /^ {4}currentTime: \d+$/m);
  const getShown = tshark(t, ['-r', getFile, '-Y', 'http']);
  if (getShown !== undefined) t.match(getShown, /GET \/tm HTTP\/1\.1/);

  const postFile = join(dir, 'post.pcapng');
  const put = await run([
    'sep',
    'put',
    '-vv',
    '--capture',
    postFile,
    ...tls,
    '--data',
    '<Time xmlns="urn:ieee:std:2030.5:ns"/>',
    `${server.url}/tm`,
  ]);
  t.equal(put.code, ExitCode.ProtocolError, 'the 405 still fails');
  t.match(put.err, /^> PUT \/tm HTTP\/1\.1$/m);
  t.match(put.err, /^> content-type: application\/sep\+xml$/m);
  t.match(put.err, /^< HTTP\/1\.1 405 /m);
  const putShown = tshark(t, ['-r', postFile, '-Y', 'http']);
  if (putShown !== undefined) t.match(putShown, /PUT \/tm HTTP\/1\.1/, 'the capture is complete on failure');

  process.emit('SIGTERM', 'SIGTERM');
  t.equal(await server.done, 0);
});

t.test('sep get --capture over plain HTTP; a dead server', async (t) => {
  const io = captureIo();
  const done = runCli(['simulate', 'sep', '--tcp', '127.0.0.1:0', '--duration', '3'], io);
  while (!/at http/.test(io.stdout())) await new Promise((r) => setTimeout(r, 20));
  const url = /at (http:\/\/[^/\s]+)\/dcap/.exec(io.stdout())?.[1] as string;
  const file = join(dir, 'plain.pcapng');
  const get = await run(['sep', 'get', '--capture', file, '-vv', `${url}/dcap`]);
  t.equal(get.code, 0, get.err);
  t.match(get.err, /element: DeviceCapability/);
  const blocks = blocksOf(readFileSync(file));
  t.equal(blocks.filter((b) => b.type === 0x0a).length, 0, 'no TLS, no secrets block');
  t.ok(readFileSync(file).includes(Buffer.from('GET /dcap HTTP/1.1')), 'the HTTP bytes as sent');
  t.ok(readFileSync(file).includes(Buffer.from('<DeviceCapability')), 'and as received');
  const shown = tshark(t, ['-r', file, '-Y', 'http']);
  if (shown !== undefined) t.match(shown, /GET \/dcap HTTP\/1\.1/);
  t.equal(await done, 0);
  const dead = await run(['sep', 'get', '--capture', join(dir, 'dead.pcapng'), '-v', `${url}/dcap`]);
  t.equal(dead.code, ExitCode.Transport);
  t.match(dead.err, /is the server running/);
  t.equal(
    blocksOf(readFileSync(join(dir, 'dead.pcapng'))).filter((b) => b.type === 6).length,
    0,
    'a refused connection records no packets it never sent',
  );
  const unwritable = await run(['sep', 'get', '--capture', join(dir, 'no/such/dir.pcapng'), `${url}/dcap`]);
  t.match(unwritable.err, /--capture .*: cannot create it: ENOENT/);
});

t.test('recordConnection: TLS records held until the handshake, keys first', async (t) => {
  const sink = collectingSink();
  const writer = new PcapngWriter(sink.sink);
  const rec = recordConnection(writer, new TcpStreamRecorder(writer), true);
  rec.sent(Uint8Array.of(0x16, 3, 1));
  rec.received(Uint8Array.of(0x16, 3, 3));
  rec.keylog(new TextEncoder().encode('CLIENT_RANDOM aa bb'));
  t.equal(writer.packetCount, 0, 'nothing written during the handshake');
  rec.handshakeDone();
  const after = blocksOf(sink.bytes()).map((b) => b.type);
  t.same(after, [0x0a0d0d0a, 1, 0x0a, 6, 6, 6, 6, 6], 'SHB, IDB, DSB, then SYN/SYN-ACK/ACK and the records');
  t.equal(secretsOf(blocksOf(sink.bytes())[2]!).text, 'CLIENT_RANDOM aa bb\n', 'lines end with a newline');
  rec.keylog(new TextEncoder().encode('CLIENT_TRAFFIC_SECRET_1 cc dd\n'));
  t.equal(blocksOf(sink.bytes()).at(-1)?.type, 0x0a, 'a later key goes out at once');
  rec.sent(new Uint8Array(0));
  rec.closed();
  rec.sent(Uint8Array.of(1));
  rec.close();
  t.equal(writer.packetCount, 8, 'FIN exchange once; nothing after the close');

  const early = collectingSink();
  const w2 = new PcapngWriter(early.sink);
  const failed = recordConnection(w2, new TcpStreamRecorder(w2), true);
  failed.sent(Uint8Array.of(0x16, 3, 1));
  failed.closed();
  t.equal(w2.packetCount, 7, 'a handshake that never finished is still written on close');
  failed.keylog(Uint8Array.of(0x41));
  t.equal(blocksOf(early.bytes()).filter((b) => b.type === 0x0a).length, 0, 'no keys, no block');

  const refused = collectingSink();
  const w3 = new PcapngWriter(refused.sink);
  const nothing = recordConnection(w3, new TcpStreamRecorder(w3), false);
  nothing.sent(new Uint8Array(0));
  nothing.closed();
  t.equal(w3.packetCount, 0, 'a connection that carried nothing leaves no trace');
});
