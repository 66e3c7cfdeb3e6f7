import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isMeterkitError, MeterkitError } from '@meterkit/core';
import t from 'tap';
import { quantityName, scaled, type UomEntry, unitOf } from '../src/demo/c1222.js';
import { dlmsText, energySeries } from '../src/demo/dlms.js';
import type { DemoProbeResult } from '../src/demo/result.js';
import { describeValue } from '../src/demo/sep.js';
import { formatQuantity, renderProbe, runDemoTour } from '../src/demo/tour.js';
import { ExitCode, exitCodeFor } from '../src/exit-codes.js';
import { runCli } from '../src/index.js';
import { colorsFor } from '../src/io.js';
import { captureIo, runMeterkit } from './helpers.js';

const ESC = '\u001b[';

/** The interfaces (descriptions) and per-interface packet counts of a little-endian pcapng file. */
function walkPcapng(bytes: Uint8Array): {
  interfaces: string[];
  packets: number[];
  secrets: { type: number; text: string; before: number }[];
} {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const interfaces: string[] = [];
  const packets: number[] = [];
  const secrets: { type: number; text: string; before: number }[] = [];
  let at = 0;
  while (at + 12 <= bytes.length) {
    const type = v.getUint32(at, true);
    const len = v.getUint32(at + 4, true);
    if (len < 12 || at + len > bytes.length) throw new Error(`bad block at ${at}`);
    if (type === 0x0a0d0d0a) {
      if (v.getUint32(at + 8, true) !== 0x1a2b3c4d) throw new Error('not little-endian pcapng');
    } else if (type === 1) {
      // IDB: linktype(2) reserved(2) snaplen(4), then options
      let o = at + 16;
      let description = '';
      while (o + 4 <= at + len - 4) {
        const code = v.getUint16(o, true);
        const olen = v.getUint16(o + 2, true);
        if (code === 0) break;
        if (code === 3) description = new TextDecoder().decode(bytes.subarray(o + 4, o + 4 + olen));
        o += 4 + ((olen + 3) & ~3);
      }
      interfaces.push(description);
      packets.push(0);
    } else if (type === 6) {
      const id = v.getUint32(at + 8, true);
      packets[id] = (packets[id] ?? 0) + 1;
    } else if (type === 0x0a) {
      // DSB: secrets type, secrets length, secrets; `before` counts the packets written ahead of it
      const text = new TextDecoder().decode(bytes.subarray(at + 16, at + 16 + v.getUint32(at + 12, true)));
      secrets.push({ type: v.getUint32(at + 8, true), text, before: packets.reduce((a, b) => a + b, 0) });
    }
    at += len;
  }
  return { interfaces, packets, secrets };
}

t.test('meterkit demo: three simulators probed over loopback (in-process)', async (t) => {
  const io = captureIo();
  const started = Date.now();
  t.equal(await runCli(['demo'], io), ExitCode.Ok, io.stderr());
  t.ok(Date.now() - started < 15_000, 'fast');
  const out = io.stdout();
  t.equal(io.stderr(), '');
  t.notOk(out.includes(ESC), 'no colour when not a terminal');
  // DLMS: identity, registers with units, the load profile chart
  t.match(out, /== DLMS\/COSEM meter \(IEC 62056\) ok/);
  t.match(out, /HLS-GMAC \(mechanism 5\), security suite 0/);
  t.match(out, /logical device name\s+MKT0000000001/);
  t.match(out, /serial number\s+00000001\n/);
  t.match(out, /system title\s+4d4b540000000001/);
  t.match(out, /Active energy\+ \(QI\+QIV\).*\s[\d.]+ kWh\s+1-0:1\.8\.0\.255/);
  t.match(out, /Reactive energy- \(QIII\+QIV\).*\s[\d.]+ kvarh\s+1-0:4\.8\.0\.255/);
  t.match(out, /load profile 1-0:1\.8\.0\.255 active energy import per 15-minute interval, 9\d intervals/);
  // C12.22
  t.match(out, /== ANSI C12\.22 meter \(C12\.19 tables\) ok/);
  t.match(out, /security mode 2 \(EAX' ciphertext \+ authentication, key 0\)/);
  t.match(out, /manufacturer\s+MKIT\n/);
  t.match(out, /model\s+SIM-1PH\n/);
  t.match(out, /serial number\s+0000000000012345/);
  t.match(out, /standard\s+C12\.22 version 1\.0/);
  t.match(out, /active energy delivered \(Q1\+Q4\)\s+12345\.678 kWh\s+ST23 summation 0/);
  t.match(out, /reactive energy \(Q1\+Q2\)\s+3456\.789 kvarh/);
  t.match(out, /load profile LP set 1 channel 0 .* 96 intervals/);
  // charts: y axis with units, an x axis, points
  const axes = out.match(/^\s+[\d.]+ Wh ┤.*•/gm) ?? [];
  t.ok(axes.length >= 4, 'two charts, top and bottom labels in Wh');
  t.equal((out.match(/└─{40,}/g) ?? []).length, 2, 'two x axes');
  // 2030.5
  t.match(out, /== IEEE 2030\.5 DER server \(CSIP\) ok/);
  t.match(out, /mutual TLS 1\.2 ECDHE-ECDSA-AES128-CCM8/);
  t.match(out, /server LFDI\s+[0-9a-f]{40}\n/);
  t.match(out, /device SFDI\s+\d{2,12}\n/);
  t.match(out, /registration\s+out-of-band, PIN 111115/);
  t.match(out, /0a5e0001\s+primacy 1\s+demo feeder export limit\s+controls 0c7e0001/);
  t.match(out, /opModExpLimW = 1500 W\s+event 0c7e0001/);
  t.match(out, /0c7e0001 status 2 \(event started\) → HTTP 201/);
});

t.test('meterkit demo --json --capture: one JSON document and a pcapng with three interfaces', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-demo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'demo.pcapng');
  const io = captureIo();
  t.equal(await runCli(['demo', '--json', '--capture', file], io), ExitCode.Ok, io.stderr());
  const doc = JSON.parse(io.stdout()) as {
    type: string;
    failed: string[];
    capture: { path: string; packets: number };
    results: (DemoProbeResult & { status: string })[];
  };
  t.equal(doc.type, 'meterkit-demo');
  t.same(doc.failed, []);
  t.same(
    doc.results.map((r) => [r.protocol, r.status]),
    [
      ['dlms', 'ok'],
      ['c1222', 'ok'],
      ['ieee2030-5', 'ok'],
    ],
  );
  const [dlms, c1222, sep] = doc.results as unknown as [DemoProbeResult, DemoProbeResult, DemoProbeResult];
  t.notOk('elapsedMs' in dlms, 'no timings in the JSON');
  t.equal(dlms.identity['logical device name'], 'MKT0000000001');
  t.same(
    dlms.registers.map((r) => [r.source, r.unit]),
    [
      ['1-0:1.8.0.255', 'Wh'],
      ['1-0:2.8.0.255', 'Wh'],
      ['1-0:3.8.0.255', 'varh'],
      ['1-0:4.8.0.255', 'varh'],
    ],
  );
  t.ok((dlms.loadProfile?.values.length ?? 0) >= 90, 'a day of 15-minute intervals');
  t.ok(
    dlms.loadProfile?.values.every((v) => v >= 0),
    'import energy never decreases',
  );
  t.same(
    c1222.registers.map((r) => [r.value, r.unit]),
    [
      [12345678, 'Wh'],
      [23456, 'Wh'],
      [3456789, 'varh'],
    ],
  );
  t.equal(c1222.identity['manufacturer'], 'MKIT');
  t.equal(c1222.loadProfile?.values.length, 96);
  t.same(sep.programs, [
    { mRID: '0a5e0001', description: 'demo feeder export limit', primacy: 1, controls: ['0c7e0001'] },
  ]);
  const limit = sep.activeControls?.find((a) => a.mode === 'opModExpLimW');
  t.match(limit, { value: '1500 W', source: 'event', mRID: '0c7e0001', programMRID: '0a5e0001' });
  t.same(sep.defaultSettings, ['setGradW 27']);

  t.ok(existsSync(file));
  t.equal(doc.capture.path, file);
  const { interfaces, packets, secrets } = walkPcapng(readFileSync(file));
  t.equal(interfaces.length, 3, 'one interface per session');
  t.match(interfaces[0], /DLMS/);
  t.match(interfaces[1], /C12\.22/);
  t.match(interfaces[2], /2030\.5/);
  t.ok(
    packets.every((n) => n > 6),
    `every session has packets beyond the handshakes: ${packets.join(', ')}`,
  );
  t.equal(
    packets.reduce((a, b) => a + b, 0),
    doc.capture.packets,
  );
  t.equal(secrets.length, 1, 'one Decryption Secrets Block: the 2030.5 TLS session keys');
  t.equal(secrets[0]?.type, 0x544c534b, 'a TLS key log (TLSK)');
  t.match(secrets[0]?.text, /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}\n$/, 'NSS key log lines');
  t.equal(
    secrets[0]?.before,
    (packets[0] ?? 0) + (packets[1] ?? 0),
    'written ahead of every packet of the TLS session',
  );
  const tshark = spawnSync('tshark', ['-r', file, '-Y', 'c1222 || http || tls.handshake.type == 1'], {
    encoding: 'utf8',
  });
  if (tshark.error !== undefined) t.comment('tshark not installed: skipped its check');
  else {
    t.equal(tshark.status, 0, tshark.stderr);
    t.match(tshark.stdout, /C12\.22/, 'tshark dissects the C12.22 session');
    t.match(tshark.stdout, /Client Hello/, 'the 2030.5 session is the real TLS handshake');
    t.match(tshark.stdout, /GET \/dcap HTTP\/1\.1/, 'which tshark decrypts with the keys in the file');
    t.match(tshark.stdout, /POST \/rsps\/\S+ HTTP\/1\.1/, 'down to the DER event Response');
  }

  // the capture checks clean: replay decrypts the 2030.5 session with the file's own keys, no rule FAILs
  const reportFile = join(dir, 'report.json');
  const rio = captureIo();
  t.equal(
    await runCli(['replay', file, '--report', reportFile], rio),
    ExitCode.Ok,
    rio.stdout() + rio.stderr(),
  );
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
    summary: { byRule: Record<string, Record<'PASS' | 'FAIL' | 'INCONCLUSIVE' | 'ERROR', number>> };
    findings: { rule: string; verdict: string; message?: string }[];
  };
  t.same(
    report.findings.filter((f) => f.verdict === 'FAIL' || f.verdict === 'ERROR'),
    [],
    'no rule FAILs or ERRORs on the demo capture',
  );
  const href = report.summary.byRule['SEP-HREF-RESOLVE'];
  t.ok((href?.PASS ?? 0) > 0, 'the decrypted 2030.5 links are checked');
  t.ok(
    report.findings
      .filter((f) => f.rule === 'SEP-HREF-RESOLVE' && f.verdict === 'INCONCLUSIVE')
      .every((f) => /client-updated|not fetched/.test(f.message ?? '')),
    'the only open links are client-updated resources not yet written, or unfetched ones',
  );
  t.ok((report.summary.byRule['SEP-XML-SCHEMA']?.PASS ?? 0) > 0, '2030.5 bodies are decoded from TLS');
});

t.test('colour on a terminal only', async (t) => {
  const io = captureIo({ tty: true });
  t.equal(await runCli(['demo'], io), ExitCode.Ok, io.stderr());
  t.ok(io.stdout().includes(ESC), 'coloured on a TTY');
  t.match(io.stdout(), /opModExpLimW/);
});

const fakeResult: DemoProbeResult = {
  protocol: 'c1222',
  title: 'fake meter',
  session: 'nowhere',
  identity: { name: 'x' },
  registers: [{ name: 'energy', source: 'ST23', value: 12, unit: 'Wh' }],
  activeControls: [],
  elapsedMs: 1,
};

t.test('a failing probe: the others still run, then one line and a non-zero exit', async (t) => {
  const io = captureIo();
  const err = await runDemoTour({
    io,
    colors: colorsFor(io, false),
    json: false,
    probes: [
      {
        protocol: 'dlms',
        capturePort: 4059,
        captureDescription: 'x',
        run: () => Promise.reject(new MeterkitError(ErrorCode.TransportOpenFailed, 'cannot listen')),
      },
      { protocol: 'c1222', capturePort: 1153, captureDescription: 'y', run: async () => fakeResult },
    ],
  }).catch((e: unknown) => e);
  t.ok(isMeterkitError(err, ErrorCode.TransportOpenFailed));
  t.equal((err as MeterkitError).message, 'demo: the dlms probe failed: cannot listen');
  t.equal(exitCodeFor(err as MeterkitError), ExitCode.Transport);
  t.match(io.stdout(), /== dlms failed/);
  t.match(io.stdout(), /== fake meter ok/, 'the next probe still ran');

  const io2 = captureIo();
  const err2 = await runDemoTour({
    io: io2,
    colors: colorsFor(io2, true),
    json: true,
    probes: [
      {
        protocol: 'ieee2030-5',
        capturePort: 443,
        captureDescription: 'z',
        run: () => Promise.reject(new Error('boom')),
      },
    ],
  }).catch((e: unknown) => e);
  t.ok(isMeterkitError(err2, ErrorCode.TransportIo), 'other errors become TransportIo');
  t.same(JSON.parse(io2.stdout()), { type: 'meterkit-demo', failed: ['ieee2030-5'], results: [] });
});

t.test('an unwritable --capture is a one-line error', async (t) => {
  const io = captureIo();
  const code = await runCli(['demo', '--capture', '/nonexistent-dir/x/demo.pcapng'], io);
  t.equal(code, exitCodeFor(new MeterkitError(ErrorCode.InputUnreadable, '')));
  t.not(code, ExitCode.Ok);
  t.match(
    io.stderr(),
    /^meterkit: E602 .*--capture \/nonexistent-dir\/x\/demo\.pcapng: cannot create it: ENOENT\n$/,
  );
});

t.test('rendering helpers', async (t) => {
  t.equal(formatQuantity(12345678, 'Wh'), '12345.678 kWh');
  t.equal(formatQuantity(9999, 'Wh'), '9999 Wh');
  t.equal(formatQuantity(1.5, ''), '1.5');
  t.equal(formatQuantity(0.12345, 'V'), '0.123 V');
  const io = captureIo();
  const lines = renderProbe(
    {
      ...fakeResult,
      activeControls: [
        { mode: 'opModConnect', value: 'on', source: 'default', mRID: 'aa', programMRID: 'bb' },
      ],
      loadProfile: { label: 'flat', unit: 'Wh', from: 'a', to: 'b', intervalMinutes: 15, values: [5, 5, 5] },
    },
    colorsFor(io, false),
  );
  t.ok(lines.includes('    opModConnect = on  default of program bb'));
  t.ok(
    lines.some((l) => /┤•••/.test(l)),
    'a flat series still charts',
  );
  const none = renderProbe(fakeResult, colorsFor(io, false));
  t.ok(none.includes('    (none)'), 'no active control says so');
});

t.test('naming helpers: C12.19 quantities, DLMS text, DER control values', async (t) => {
  const uom = (idCode: number, q: string, multiplier = 0): UomEntry => ({
    idCode,
    multiplier,
    q1Accountability: q.includes('1'),
    q2Accountability: q.includes('2'),
    q3Accountability: q.includes('3'),
    q4Accountability: q.includes('4'),
  });
  t.equal(quantityName(uom(0, '14')), 'active energy delivered (Q1+Q4)');
  t.equal(quantityName(uom(0, '23')), 'active energy received (Q2+Q3)');
  t.equal(quantityName(uom(1, '12')), 'reactive energy (Q1+Q2)');
  t.equal(quantityName(uom(2, '1234')), 'apparent energy (Q1+Q2+Q3+Q4)');
  t.equal(quantityName(uom(9, '')), 'quantity energy ()');
  t.equal(quantityName(undefined), 'summation');
  t.equal(scaled(12n, uom(0, '1', 1)), 1200, 'MULTIPLIER 1 is 10^2');
  t.equal(scaled(12n, uom(0, '1', 2)), 12000, 'MULTIPLIER 2 is 10^3');
  t.equal(scaled(5, uom(0, '1', 6)), 0.005, 'MULTIPLIER 6 is 10^-3');
  t.equal(scaled(5, uom(0, '1', 99)), 5, 'reserved multipliers leave the value');
  t.equal(scaled(7, undefined), 7);
  t.equal(unitOf(uom(1, '12')), 'varh');
  t.equal(unitOf(uom(7, '1')), '', 'no unit for quantities the demo does not name');
  t.equal(unitOf(undefined), '');
  t.equal(dlmsText({ type: 'octet-string', value: new TextEncoder().encode('MKT01') }), 'MKT01');
  t.equal(dlmsText({ type: 'octet-string', value: Uint8Array.of(1, 0xff) }), '01ff');
  t.equal(dlmsText({ type: 'double-long-unsigned', value: 42 }), '42');
  t.equal(describeValue('opModExpLimW', { multiplier: 3, value: 2 }), '2000 W');
  t.equal(describeValue('opModFixedVar', { multiplier: 0, value: -5 }), '-5 var');
  t.equal(describeValue('opModFreqDroop', { multiplier: 0, value: 50 }), '50');
  t.equal(describeValue('opModFixedPFInjectW', { displacement: 95, multiplier: -2 }), 'PF 0.95');
  t.equal(describeValue('opModConnect', false), 'off');
  t.equal(describeValue('opModEnergize', true), 'on');
  t.equal(describeValue('opModTargetW', 7n), '7');
  t.equal(describeValue('opModVoltVar', { curveLink: { href: '/dc/1' } }), '{"curveLink":{"href":"/dc/1"}}');
});

t.test('DLMS energy series from profile rows', async (t) => {
  const clock = { logicalName: '0-0:1.0.0.255', classId: 8, attributeIndex: 2, dataIndex: 0 };
  const energy = { logicalName: '1-0:1.8.0.255', classId: 3, attributeIndex: 2, dataIndex: 0 };
  const row = (time: string, scaledValue: number | undefined) => ({
    cells: [
      { column: clock, data: { type: 'null-data' as const, value: null }, time },
      {
        column: energy,
        data: { type: 'double-long-unsigned' as const, value: 0 },
        ...(scaledValue === undefined ? {} : { scaled: scaledValue, unit: 'Wh' }),
      },
    ],
  });
  const s = energySeries([
    row('2026-11-22T00:00:00.00Z', 1000),
    row('2026-11-22T00:15:00.00Z', 1100.5),
    row('2026-11-22T00:30:00.00Z', undefined),
    row('2026-11-22T00:45:00.00Z', 1300),
  ]);
  t.same(s, {
    label: '1-0:1.8.0.255 active energy import per 15-minute interval',
    unit: 'Wh',
    from: '2026-11-22 00:15',
    to: '2026-11-22 00:45',
    intervalMinutes: 15,
    values: [100.5, 199.5],
  });
  t.equal(energySeries([]), undefined, 'no rows');
  t.equal(energySeries([row('a', 1), row('b', undefined)]), undefined, 'one value');
  t.equal(
    energySeries([{ cells: [row('a', 1).cells[0]!] }, { cells: [row('b', 2).cells[0]!] }]),
    undefined,
    'no 1.8.0 column',
  );
});

t.test('meterkit demo --captures: the decode tour of real captures', async (t) => {
  const io = captureIo();
  t.equal(await runCli(['demo', '--captures'], io), ExitCode.Ok, io.stderr());
  t.match(io.stdout(), /decoding \d+ real captures/);
});

t.test('meterkit demo as a subprocess (npm run demo)', async (t) => {
  const r = runMeterkit(['demo']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /logical device name\s+MKT0000000001/);
  t.match(r.stdout, /model\s+SIM-1PH/);
  t.match(r.stdout, /opModExpLimW = 1500 W\s+event 0c7e0001/);
  t.equal((r.stdout.match(/└─{40,}/g) ?? []).length, 2);
});
