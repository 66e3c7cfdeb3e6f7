import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceIdentity } from '@meterkit/ieee2030-5';
import t from 'tap';
import { hrefsOf } from '../src/commands/sep-http.js';
import { ExitCode } from '../src/exit-codes.js';
import { runCli } from '../src/index.js';
import { captureIo } from './helpers.js';
import {
  runCliCaptured as run,
  sepClientTlsArgs,
  sepServerTlsArgs,
  serveSep as serve,
} from './sep-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'meterkit-sep-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const pki = join(dir, 'pki');

t.test('pki init writes a complete PKI, keys private', async (t) => {
  const r = await run(['sep', 'pki', 'init', pki]);
  t.equal(r.code, 0, r.err);
  for (const f of ['serca', 'mca', 'mica', 'device', 'server']) {
    t.match(readFileSync(join(pki, `${f}.pem`), 'utf8'), /BEGIN CERTIFICATE/);
    t.equal(statSync(join(pki, `${f}.key`)).mode & 0o777, 0o600, `${f}.key is 0600`);
  }
  t.match(r.out, /device\.pem +device certificate +[0-9a-f]{40} +\d+/);
  const again = await run(['sep', 'pki', 'init', pki]);
  t.equal(again.code, ExitCode.Usage);
  t.match(again.err, /already exist\(s\): pass --force/);
  const json = await run([
    'sep',
    'pki',
    'init',
    '--no-mca',
    '--json',
    '--hw-type',
    '1.3.6.1.4.1.40732.99.2',
    join(dir, 'pki2'),
  ]);
  const doc = JSON.parse(json.out) as { files: { path: string }[] };
  t.notOk(
    doc.files.some((f) => f.path.endsWith('mca.pem')),
    '--no-mca',
  );
  t.equal((await run(['sep', 'pki', 'init', '--hw-type', 'x', join(dir, 'pki3')])).code, ExitCode.Usage);
});

t.test('lfdi: one, many, JSON, CSV, stdin; bad files', async (t) => {
  const device = readFileSync(join(pki, 'device.pem'), 'utf8');
  const id = deviceIdentity(device);
  const one = await run(['sep', 'lfdi', join(pki, 'device.pem')]);
  t.equal(one.out, `LFDI: ${id.lfdi}\nSFDI: ${id.sfdi}\n`);
  const der = join(dir, 'device.der');
  writeFileSync(der, Buffer.from(device.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
  const json = await run(['sep', 'lfdi', '--json', join(pki, 'device.pem'), der]);
  const lines = json.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { lfdi: string; sfdi: string });
  t.same(
    lines.map((l) => l.lfdi),
    [id.lfdi, id.lfdi],
    'PEM and DER agree',
  );
  t.equal(lines[0]?.sfdi, id.sfdi.toString());
  const many = await run(['sep', 'lfdi', join(pki, 'device.pem'), join(pki, 'server.pem')]);
  t.match(many.out, /^FILE +LFDI +SFDI\n/);
  const csv = await run(['sep', 'lfdi', '--csv', join(pki, 'device.pem')]);
  t.equal(csv.out, `file,lfdi,sfdi\r\n${join(pki, 'device.pem')},${id.lfdi},${id.sfdi}\r\n`);
  const stdin = await run(['sep', 'lfdi', '-'], new TextEncoder().encode(device));
  t.match(stdin.out, new RegExp(id.lfdi));
  const key = await run(['sep', 'lfdi', join(pki, 'device.key')]);
  t.equal(key.code, ExitCode.Usage);
  t.match(key.err, /is not an X\.509 certificate .*private key/);
  const missing = await run(['sep', 'lfdi', join(dir, 'missing.pem')]);
  t.equal(missing.code, ExitCode.Usage);
  t.match(missing.err, /cannot read .*ENOENT/);
  const both = await run(['sep', 'lfdi', '--json', '--csv', join(pki, 'device.pem')]);
  t.match(both.err, /--json and --csv exclude each other/);
});

t.test('pki csr and issue (new key, from a CSR, mismatched issuer key)', async (t) => {
  const csr = await run(['sep', 'pki', 'csr', '--hw-serial', '00112233', join(dir, 'dev')]);
  t.equal(csr.code, 0, csr.err);
  t.match(readFileSync(join(dir, 'dev.csr'), 'utf8'), /BEGIN CERTIFICATE REQUEST/);
  const fromCsr = await run([
    'sep',
    'pki',
    'issue',
    '--dir',
    pki,
    '--csr',
    join(dir, 'dev.csr'),
    '--json',
    join(dir, 'dev'),
  ]);
  t.equal(fromCsr.code, 0, fromCsr.err);
  const issued = JSON.parse(fromCsr.out) as { lfdi: string };
  t.equal(deviceIdentity(readFileSync(join(dir, 'dev.pem'), 'utf8')).lfdi, issued.lfdi);
  const fresh = await run([
    'sep',
    'pki',
    'issue',
    '--issuer',
    join(pki, 'mica.pem'),
    '--issuer-key',
    join(pki, 'mica.key'),
    join(dir, 'fresh'),
  ]);
  t.equal(fresh.code, 0, fresh.err);
  t.match(readFileSync(join(dir, 'fresh.key'), 'utf8'), /BEGIN PRIVATE KEY/);
  const wrong = await run([
    'sep',
    'pki',
    'issue',
    '--issuer',
    join(pki, 'mica.pem'),
    '--issuer-key',
    join(pki, 'serca.key'),
    join(dir, 'x'),
  ]);
  t.equal(wrong.code, ExitCode.Security);
  t.match(wrong.err, /does not belong to --issuer/);
  const leaf = await run([
    'sep',
    'pki',
    'issue',
    '--issuer',
    join(pki, 'device.pem'),
    '--issuer-key',
    join(pki, 'device.key'),
    join(dir, 'y'),
  ]);
  t.match(leaf.err, /is not a CA certificate/);
  const nobody = await run(['sep', 'pki', 'issue', join(dir, 'z')]);
  t.match(nobody.err, /say who issues: --dir DIR/);
  const unreadable = await run(['sep', 'pki', 'issue', '--dir', join(dir, 'nope'), join(dir, 'z')]);
  t.equal(unreadable.code, ExitCode.Usage);
  t.match(unreadable.err, /cannot read it: ENOENT/);
  const badSerial = await run(['sep', 'pki', 'csr', '--hw-serial', 'xyz', join(dir, 'q')]);
  t.match(badSerial.err, /--hw-serial must be hex/);
});

t.test('serve over mutual TLS; walk, get, put, post, delete', async (t) => {
  const server = await serve(sepServerTlsArgs(pki, 20));
  const tls = sepClientTlsArgs(pki);
  const walk = await run(['sep', 'walk', ...tls, `${server.url}/dcap`]);
  t.equal(walk.code, 0, walk.err);
  t.match(walk.out, /^\/dcap +DeviceCapability +200$/m);
  t.match(walk.out, /^ {2}\/tm +Time +200$/m);
  const walkJson = await run(['sep', 'walk', '--json', '--max', '2', ...tls, `${server.url}/dcap`]);
  t.equal(walkJson.out.trim().split('\n').length, 2);
  const tm = await run(['sep', 'get', ...tls, `${server.url}/tm`]);
  t.match(tm.out, /^HTTP 200 Time\n {2}currentTime: \d+/);
  const xml = await run(['sep', 'get', '--xml', ...tls, `${server.url}/tm`]);
  t.match(xml.out, /^<\?xml|^<Time/);
  // in-band registration: POST an EndDevice for this device
  const lfdi = deviceIdentity(readFileSync(join(pki, 'device.pem'), 'utf8'));
  const edev = join(dir, 'edev.xml');
  writeFileSync(
    edev,
    `<EndDevice xmlns="urn:ieee:std:2030.5:ns"><sFDI>${lfdi.sfdi}</sFDI><lFDI>${lfdi.lfdi}</lFDI><changedTime>0</changedTime></EndDevice>`,
  );
  const post = await run(['sep', 'post', '--json', ...tls, '--data', `@${edev}`, `${server.url}/edev`]);
  t.equal(post.code, 0, post.err);
  const posted = JSON.parse(post.out) as { status: number; location: string };
  t.equal(posted.status, 201);
  t.match(posted.location, /\/edev\/\d+/);
  const del = await run([
    'sep',
    'delete',
    ...tls,
    `${server.url}${new URL(posted.location, server.url).pathname}`,
  ]);
  t.equal(del.code, 0, del.err);
  const put = await run([
    'sep',
    'put',
    ...tls,
    '--data',
    '<Time xmlns="urn:ieee:std:2030.5:ns"/>',
    `${server.url}/tm`,
  ]);
  t.equal(put.code, ExitCode.ProtocolError);
  t.match(put.err, /HTTP 405 \(the resource does not allow this method\)/);
  const notXml = await run(['sep', 'put', ...tls, '--data', 'hello', `${server.url}/tm`]);
  t.match(notXml.err, /--data must be an XML document/);
  const noCreds = await run(['sep', 'get', `${server.url}/dcap`]);
  t.equal(noCreds.code, ExitCode.Usage);
  const foreign = join(dir, 'foreign');
  await run(['sep', 'pki', 'init', foreign]);
  const untrusted = await run([
    'sep',
    'get',
    '--cert',
    join(foreign, 'device.pem'),
    '--key-file',
    join(foreign, 'device.key'),
    '--ca',
    join(foreign, 'serca.pem'),
    `${server.url}/dcap`,
  ]);
  t.equal(untrusted.code, ExitCode.Transport);
  t.match(untrusted.err, /check --ca \(the SERCA\)/);
  process.emit('SIGTERM', 'SIGTERM');
  t.equal(await server.done, 0);
  t.match(server.err(), /stopped \(SIGTERM\)/);
});

t.test('simulate sep over plain HTTP; errors', async (t) => {
  const io = captureIo();
  const done = runCli(['simulate', 'sep', '--tcp', '127.0.0.1:0', '--duration', '0.5'], io);
  while (!/at http/.test(io.stdout())) await new Promise((r) => setTimeout(r, 20));
  const url = /at (http:\/\/[^/\s]+)\/dcap/.exec(io.stdout())?.[1] as string;
  const dcap = await run(['sep', 'get', '--json', `${url}/dcap`]);
  t.equal((JSON.parse(dcap.out) as { type: string }).type, 'DeviceCapability');
  const missing = await run(['sep', 'get', `${url}/nope`]);
  t.equal(missing.code, ExitCode.ProtocolError);
  t.match(missing.err, /HTTP 404 \(meterkit sep walk lists the resources\)/);
  t.equal(await done, 0);
  const dead = await run(['sep', 'get', `${url}/dcap`]);
  t.equal(dead.code, ExitCode.Transport);
  t.match(dead.err, /is the server running/);
  t.match((await run(['sep', 'get', 'not a url'])).err, /is not a URL/);
  t.match((await run(['sep', 'get', 'ftp://x/dcap'])).err, /only https:\/\/ and http:\/\//);
  const noKey = await run(['sep', 'serve', '--tls', '--cert', join(pki, 'server.pem')]);
  t.match(noKey.err, /--tls needs --key-file/);
  const badConfig = join(dir, 'bad.json');
  writeFileSync(badConfig, '[');
  t.match((await run(['sep', 'serve', '--config', badConfig])).err, /is not valid JSON/);
  t.same(hrefsOf({ a: { href: '/x' }, list: [{ href: '/y', b: [{ href: '/z' }] }], href: 5 }), [
    '/x',
    '/y',
    '/z',
  ]);
});
