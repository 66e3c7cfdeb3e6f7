// `--capture FILE.jsonl`: openCapture writes meterkit's JSONL session format (conformance's
// JsonlSessionWriter) and the conformance reader gets the same chunks back, in order and direction.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonlSession, type SessionRecord } from '@meterkit/conformance';
import { ErrorCode } from '@meterkit/core';
import t from 'tap';
import { isJsonlCapturePath, openCapture } from '../src/connection/capture.js';

const dir = mkdtempSync(join(tmpdir(), 'meterkit-capture-jsonl-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function records(path: string): Promise<SessionRecord[]> {
  const out: SessionRecord[] = [];
  for await (const r of readJsonlSession([readFileSync(path)])) out.push(r);
  return out;
}

t.test('the file name picks the format', (t) => {
  t.ok(isJsonlCapturePath('out.jsonl'));
  t.ok(isJsonlCapturePath('/tmp/OUT.JSONL'));
  t.notOk(isJsonlCapturePath('out.pcapng'));
  t.notOk(isJsonlCapturePath('out.jsonl.pcapng'));
  t.notOk(isJsonlCapturePath('jsonl'));
  t.end();
});

t.test('a serial session round-trips through the conformance reader', async (t) => {
  const path = join(dir, 'serial.jsonl');
  const capture = openCapture(
    path,
    {
      kind: 'serial',
      path: '/dev/ttyUSB0',
      baudRate: 9600,
      parity: 'none',
      dataBits: 8,
      stopBits: 1,
      optical: true,
    },
    'meterkit c1218 session',
    'c1218',
  );
  capture.sent(Uint8Array.of(0xee, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x13, 0x10));
  capture.received(Uint8Array.of(0x06));
  t.equal(capture.packets, 2);
  capture.close();
  capture.close();
  capture.sent(Uint8Array.of(1)); // after close: dropped
  t.equal(statSync(path).mode & 0o777, 0o600, 'created mode 0600');
  const got = await records(path);
  t.same(
    got.map((r) => [r.direction, r.channel, r.protocol, Buffer.from(r.bytes).toString('hex')]),
    [
      ['client-to-server', 'serial:///dev/ttyUSB0 9600 8N1', 'c1218', 'ee0000000001201310'],
      ['server-to-client', 'serial:///dev/ttyUSB0 9600 8N1', 'c1218', '06'],
    ],
  );
  const now = BigInt(Date.now()) * 1_000_000n;
  for (const r of got) {
    t.type(r.timestamp, 'bigint');
    t.ok(r.timestamp !== undefined && now - r.timestamp < 60_000_000_000n, 'a time of this run');
  }
  t.notMatch(readFileSync(path, 'utf8'), /comment/, 'no comments');
});

t.test('UDP, IPv6 endpoint names; an unwritable path', async (t) => {
  const path = join(dir, 'udp.jsonl');
  const capture = openCapture(path, { kind: 'udp', host: '::1', port: 1153 }, 'x', 'c1222');
  capture.sent(Uint8Array.of(0x60, 0x00));
  capture.close();
  const [r] = await records(path);
  t.equal(r?.channel, 'udp://[::1]:1153');
  t.equal(r?.protocol, 'c1222');
  t.throws(() => openCapture(join(dir, 'missing', 'x.jsonl'), { kind: 'udp', host: '::1', port: 1 }, 'x'), {
    code: ErrorCode.InputUnreadable,
    message: /--capture .*x\.jsonl: cannot create it: ENOENT/,
  });
});
