import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import t from 'tap';
import { detectProtocol } from '../src/decode/detect.js';
import { ExitCode, exitCodeFor } from '../src/exit-codes.js';
import { runCli, VERSION } from '../src/index.js';
import { parseKeys, readDecodeInput } from '../src/input.js';
import { renderTree } from '../src/output/tree.js';
import { captureIo, ROOT, runMeterkit } from './helpers.js';

t.test('--help and --version (in-process)', async (t) => {
  const io = captureIo();
  t.equal(await runCli(['--help'], io), 0);
  t.match(io.stdout(), /meterkit decode <input>/);
  t.match(io.stdout(), /Exit codes: 0 ok, 1 protocol or decode failure, 2 usage, 3 transport/);
  const io2 = captureIo();
  t.equal(await runCli(['decode', '--help'], io2), 0);
  t.match(io2.stdout(), /--protocol/);
  t.match(io2.stdout(), /--key/);
  t.match(io2.stdout(), /Examples:/);
  const io3 = captureIo();
  t.equal(await runCli(['--version'], io3), 0);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as {
    version: string;
  };
  t.equal(io3.stdout().trim(), pkg.version);
  t.equal(VERSION, pkg.version);
});

t.test('usage errors exit 2 with a hint', async (t) => {
  for (const argv of [
    [],
    ['bogus'],
    ['decode'],
    ['decode', '00', '--protocol', 'nope'],
    ['decode', '00', '--nope'],
  ]) {
    const io = captureIo();
    t.equal(await runCli(argv, io), ExitCode.Usage, argv.join(' '));
    t.match(io.stderr(), /^meterkit: .*\nTry 'meterkit --help'\.\n$/);
    t.equal(io.stdout(), '');
  }
});

t.test('decode failures exit 1 with one line: code, offset', async (t) => {
  const io = captureIo();
  t.equal(await runCli(['decode', '7e a0 zz'], io), ExitCode.ProtocolError);
  t.equal(io.stderr(), "meterkit: E210 hex-invalid at offset 6: 'z' is not a hex digit\n");
  const io2 = captureIo();
  t.equal(await runCli(['decode', '55aa'], io2), ExitCode.ProtocolError);
  t.match(io2.stderr(), /^meterkit: E213 unknown-protocol at offset 0: .*--protocol/);
  const io3 = captureIo();
  t.equal(await runCli(['decode', '--debug', '55aa'], io3), ExitCode.ProtocolError);
  t.match(io3.stderr(), /MeterkitError/, '--debug adds the stack');
});

t.test('keys are never echoed, even when malformed', async (t) => {
  const io = captureIo();
  t.equal(
    await runCli(['decode', '--key', 'ek=00112233445566778899aabbccddeefg', '55aa'], io),
    ExitCode.Usage,
  );
  t.equal(io.stderr(), 'meterkit: E600 invalid-argument: --key ek: the value is not valid hex\n');
  t.notMatch(io.stderr(), /0011/);
  t.throws(() => parseKeys(['=00']), { code: ErrorCode.InvalidArgument });
  const keys = parseKeys(['ek=000102', 'c1222:0=ff']);
  t.same([...keys.keys()], ['ek', 'c1222:0']);
});

t.test('input forms: hex argument, @file (hex, bytes, XML), stdin', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'frame.hex'), '7e a0 07\n03 21 93 0f 01 7e\n');
  writeFileSync(
    join(dir, 'frame.bin'),
    Uint8Array.from([0x7e, 0xa0, 0x07, 0x03, 0x21, 0x93, 0x0f, 0x01, 0x7e]),
  );
  writeFileSync(join(dir, 'doc.xml'), '\uFEFF  <Time xmlns="urn:ieee:std:2030.5:ns"/>');
  const io = captureIo({ stdin: new TextEncoder().encode('0x7e 0xa0') });
  const hex = await readDecodeInput(`@${join(dir, 'frame.hex')}`, io);
  const bin = await readDecodeInput(`@${join(dir, 'frame.bin')}`, io);
  t.same([...hex.bytes], [...bin.bytes]);
  t.equal(hex.bytes.length, 9);
  const xml = await readDecodeInput(`@${join(dir, 'doc.xml')}`, io);
  t.match(xml.text, /^<Time/);
  t.same([...(await readDecodeInput('-', io)).bytes], [0x7e, 0xa0]);
  t.same([...(await readDecodeInput('7e:a0', io)).bytes], [0x7e, 0xa0]);
  await t.rejects(readDecodeInput(`@${join(dir, 'missing')}`, io), { code: ErrorCode.InputUnreadable });
  const io2 = captureIo();
  t.equal(await runCli(['decode', `@${join(dir, 'missing')}`], io2), ExitCode.Usage);
  t.match(io2.stderr(), /E602 input-unreadable: cannot read .*missing: ENOENT/);
});

t.test('protocol detection per the decode contract', (t) => {
  const d = (hex: string) =>
    detectProtocol({
      bytes: Uint8Array.from(Buffer.from(hex.replace(/ /g, ''), 'hex')),
      text: undefined,
      origin: 'x',
    });
  t.equal(d('7ea0070321930f017e'), 'dlms', 'HDLC');
  t.equal(d('0001000100010046db08'), 'dlms', 'wrapper');
  t.equal(d('e6e7000f40000000'), 'dlms', 'LLC + APDU');
  t.equal(d('6036a1090607608574050801018a0207'), 'dlms', 'DLMS AARQ');
  t.equal(d('6029a1090607607c86f75401'), 'c1222', 'C12.22 ACSE');
  t.equal(d('ee0000000001200000'), 'c1218', 'C12.18 packet');
  t.equal(d('c001c100010000600100ff0200'), 'dlms', 'get-request');
  t.equal(d('db0849534b'), 'dlms', 'general-glo-ciphering');
  t.equal(d('55aa'), undefined);
  t.equal(d(''), undefined);
  t.equal(detectProtocol({ bytes: new Uint8Array(0), text: '<Time/>', origin: 'x' }), 'ieee2030-5');
  t.end();
});

t.test('exit codes by error band', (t) => {
  t.equal(exitCodeFor(new MeterkitError(300, 'x')), ExitCode.Security);
  t.equal(exitCodeFor(new MeterkitError(500, 'x')), ExitCode.Transport);
  t.equal(exitCodeFor(new MeterkitError(600, 'x')), ExitCode.Usage);
  t.equal(exitCodeFor(new MeterkitError(601, 'x')), ExitCode.ProtocolError);
  t.equal(exitCodeFor(new MeterkitError(201, 'x')), ExitCode.ProtocolError);
  t.equal(exitCodeFor(new Error('x')), ExitCode.ProtocolError);
  t.end();
});

t.test('tree renderer', (t) => {
  const lines = renderTree({
    type: 'x',
    frame: { type: 'i', ns: 1 },
    items: [1, { a: 'b' }, []],
    empty: [],
    nested: { k: null },
  });
  t.same(lines, [
    'type: x',
    'frame: i',
    '  ns: 1',
    'items:',
    '  - 1',
    '  - a: b',
    '  - (empty)',
    'empty: []',
    'nested:',
    '  k: null',
  ]);
  t.same(renderTree('v'), ['v']);
  t.end();
});

t.test('colour only on a TTY and never with NO_COLOR', async (t) => {
  const tty = captureIo({ tty: true });
  await runCli(['decode', '55aa'], tty);
  t.ok(tty.stderr().includes('\u001b['), 'colour on a TTY');
  const noColor = captureIo({ tty: true, env: { NO_COLOR: '1' } });
  await runCli(['decode', '55aa'], noColor);
  t.notOk(noColor.stderr().includes('\u001b['), 'NO_COLOR wins');
});

t.test('subprocess: from source', (t) => {
  const help = runMeterkit(['--help']);
  t.equal(help.status, 0);
  t.match(help.stdout, /meterkit decode <input>/);
  const dec = runMeterkit(['decode', '--help']);
  t.equal(dec.status, 0);
  t.match(dec.stdout, /--protocol/);
  const bad = runMeterkit(['decode', '-'], { input: 'not hex at all' });
  t.equal(bad.status, 1);
  t.match(bad.stderr, /^meterkit: E210 /);
  t.notMatch(bad.stderr, /at .*\.ts:/, 'no stack trace without --debug');
  t.end();
});

t.test('subprocess: the built package', (t) => {
  if (!existsSync(join(ROOT, 'packages/cli/dist/main.js'))) {
    t.comment('packages/cli/dist is missing: run `npm run build` (npm test does) to exercise the built CLI');
    t.pass('built CLI not present');
    t.end();
    return;
  }
  const help = runMeterkit(['--help'], { built: true });
  t.equal(help.status, 0);
  t.match(help.stdout, /meterkit decode <input>/);
  const dec = runMeterkit(['decode', '--help'], { built: true });
  t.equal(dec.status, 0);
  t.match(dec.stdout, /--key/);
  t.end();
});
