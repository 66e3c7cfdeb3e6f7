import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isMeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { MAX_KEYLOG_LINE, parseKeyLogFile, readKeyLogFile, TlsKeyLog } from '../src/tls/keylog.js';

const dir = mkdtempSync(join(tmpdir(), 'meterkit-tls-keylog-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const random = 'aa'.repeat(32);
const secret = '5e'.repeat(48);

t.test(
  'CLIENT_RANDOM lines give master secrets; TLS 1.3 and other labels are counted and skipped',
  async (t) => {
    const log = new TlsKeyLog();
    const r = log.add(
      [
        '# written by SSLKEYLOGFILE',
        '',
        `CLIENT_RANDOM ${random.toUpperCase()} ${secret}`,
        `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${'01'.repeat(32)} ${'02'.repeat(32)}`,
        `SERVER_TRAFFIC_SECRET_0 ${'01'.repeat(32)} ${'02'.repeat(32)}`,
        `RSA ${'03'.repeat(8)} ${'04'.repeat(48)}`,
        `CLIENT_RANDOM ${random} short`,
        'garbage',
        `CLIENT_RANDOM ${'zz'.repeat(32)} ${secret}`,
        `CLIENT_RANDOM ${'bb'.repeat(32)} ${'11'.repeat(48)}\r`,
        `CLIENT_RANDOM ${'cc'.repeat(32)} ${'22'.repeat(48)} extra`,
        'x'.repeat(MAX_KEYLOG_LINE + 1),
      ].join('\n'),
    );
    t.same(r, { masterSecrets: 2, tls13: 2, otherLabels: 1, malformed: 5 });
    t.equal(log.size, 2);
    t.equal(log.tls13Lines, 2);
    t.equal(log.dropped, 0);
    t.same(
      log.masterSecret(Buffer.from(random, 'hex')),
      Buffer.from(secret, 'hex'),
      'hex is case-insensitive',
    );
    t.same(
      log.masterSecret(Buffer.from('bb'.repeat(32), 'hex')),
      Buffer.from('11'.repeat(48), 'hex'),
      'CRLF line ends',
    );
    t.equal(log.masterSecret(Buffer.from('cc'.repeat(32), 'hex')), undefined);
    t.equal(log.masterSecret(new Uint8Array(31)), undefined, 'a client random is 32 bytes');
    t.notMatch(String(log), /5e5e/, 'toString shows no secret');
    t.notMatch(JSON.stringify(log), /5e5e/, 'nor does JSON');
    t.same(log.toJSON(), { sessions: 2, tls13Lines: 2 });
  },
);

t.test('a key log can stack on a base without changing it', async (t) => {
  const base = new TlsKeyLog();
  base.add(`CLIENT_RANDOM ${random} ${secret}`);
  const own = new TlsKeyLog(base);
  own.addBytes(new TextEncoder().encode(`CLIENT_RANDOM ${'bb'.repeat(32)} ${'11'.repeat(48)}`));
  t.ok(own.masterSecret(Buffer.from(random, 'hex')), 'finds the base');
  t.ok(own.masterSecret(Buffer.from('bb'.repeat(32), 'hex')), 'and its own');
  t.equal(base.masterSecret(Buffer.from('bb'.repeat(32), 'hex')), undefined, 'the base is unchanged');
  t.equal(own.size, 1);
});

t.test('key log files: usable lines required, unreadable files reported without contents', async (t) => {
  t.throws(() => parseKeyLogFile(new TextEncoder().encode('# nothing\n')), { code: ErrorCode.ValueInvalid });
  const tls13Only = parseKeyLogFile(
    new TextEncoder().encode(`CLIENT_TRAFFIC_SECRET_0 ${'01'.repeat(32)} ${'02'.repeat(32)}\n`),
  );
  t.equal(tls13Only.size, 0, 'a TLS 1.3 key log is accepted (its sessions stay encrypted)');
  const path = join(dir, 'keys.log');
  writeFileSync(path, `CLIENT_RANDOM ${random} ${secret}\n`);
  t.equal((await readKeyLogFile(path)).size, 1);
  await t.rejects(readKeyLogFile(join(dir, 'missing.log')), { code: ErrorCode.InputUnreadable });
  writeFileSync(path, `# ${secret}\n`);
  try {
    await readKeyLogFile(path);
    t.fail('no usable line');
  } catch (e) {
    t.ok(isMeterkitError(e, ErrorCode.ValueInvalid));
    t.notMatch((e as Error).message, /5e5e/, 'the message never quotes the file');
  }
});

t.test('valid lines among arbitrary junk are all found, and only they', async (t) => {
  const entry = fc.tuple(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.uint8Array({ minLength: 48, maxLength: 48 }),
  );
  const junk = fc
    .string({ maxLength: 120 })
    .map((s) => s.replace(/[\r\n]/g, ' ').replace(/CLIENT_RANDOM/g, ''));
  fc.assert(
    fc.property(fc.array(fc.oneof(entry, junk), { maxLength: 20 }), (lines) => {
      const log = new TlsKeyLog();
      const text = lines
        .map((l) =>
          typeof l === 'string'
            ? l
            : `CLIENT_RANDOM ${Buffer.from(l[0]).toString('hex')} ${Buffer.from(l[1]).toString('hex')}`,
        )
        .join('\n');
      const r = log.add(text);
      const entries = lines.flatMap((l) => (typeof l === 'string' ? [] : [l]));
      const last = new Map(entries.map(([cr, ms]) => [Buffer.from(cr).toString('hex'), ms]));
      if (r.masterSecrets !== entries.length || log.size !== last.size) return false;
      for (const [cr, ms] of last)
        if (Buffer.compare(log.masterSecret(Buffer.from(cr, 'hex'))!, ms) !== 0) return false;
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('every valid line found');
});
