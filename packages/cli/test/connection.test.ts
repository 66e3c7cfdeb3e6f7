import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { ErrorCode, isMeterkitError, LinkType } from '@meterkit/core';
import { SerialTransport } from '@meterkit/core/transport';
import { OpticalDevice } from '@meterkit/dlms';
import { createTestPki } from '@meterkit/ieee2030-5';
import { createColors } from 'picocolors';
import t from 'tap';
import { parseHostPort } from '../src/connection/endpoint.js';
import { openConnection, transportHint } from '../src/connection/open.js';
import { type ConnectionDefaults, connectionSettings, describeEndpoint } from '../src/connection/options.js';
import { meterProfile, parseKeyring } from '../src/credentials/keyring.js';
import { capturePackets, startPtyPair } from './connection-helpers.js';

const DLMS: ConnectionDefaults = { port: 4059, baud: 9600, transports: ['serial', 'tcp', 'udp'] };
const SNRM = Uint8Array.from(Buffer.from('7ea0070321930f017e', 'hex'));
const plain = createColors(false);

function tmp(t: { teardown: (f: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-conn-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.on('data', (d) => s.write(d)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return { server, port: typeof a === 'object' && a !== null ? a.port : 0 };
}

t.test('host:port parsing', (t) => {
  t.same(parseHostPort('127.0.0.1:4059', 'tcp'), { host: '127.0.0.1', port: 4059 });
  t.same(parseHostPort('meter.local', 'tcp', 4059), { host: 'meter.local', port: 4059 });
  t.same(parseHostPort('[::1]:1153', 'udp'), { host: '::1', port: 1153 });
  t.same(parseHostPort('[::1]', 'udp', 7), { host: '::1', port: 7 });
  t.same(parseHostPort('fe80::1', 'udp', 7), { host: 'fe80::1', port: 7 });
  t.throws(() => parseHostPort('meter', 'tcp'), {
    code: ErrorCode.InvalidArgument,
    message: /--tcp meter: the port is missing \(expected host:port/,
  });
  t.throws(() => parseHostPort(':4059', 'tcp'), { message: /the host is missing/ });
  t.throws(() => parseHostPort('h:x', 'tcp'), { message: /not a number/ });
  t.throws(() => parseHostPort('h:70000', 'tcp'), { message: /larger than 65535/ });
  t.end();
});

t.test('connection settings from options and a profile', (t) => {
  const s = connectionSettings({ tcp: '10.0.0.5' }, DLMS);
  t.same(s.endpoint, { kind: 'tcp', host: '10.0.0.5', port: 4059, tls: undefined });
  t.equal(s.timeoutMs, 5000);
  t.equal(s.retries, 2);
  t.equal(s.verbosity, 0);
  t.equal(describeEndpoint(s.endpoint), 'tcp://10.0.0.5:4059');
  const serial = connectionSettings(
    { serial: '/dev/ttyUSB0', parity: 'even', 'data-bits': 7, rts: false, verbose: 2 },
    DLMS,
  );
  t.same(serial.endpoint, {
    kind: 'serial',
    path: '/dev/ttyUSB0',
    baudRate: 9600,
    parity: 'even',
    dataBits: 7,
    stopBits: 1,
    rts: false,
    dtr: undefined,
    optical: false,
  });
  t.equal(describeEndpoint(serial.endpoint), 'serial:///dev/ttyUSB0 9600 7E1');
  t.equal(serial.verbosity, 2);
  const udp = connectionSettings({ udp: '[::1]:4059', timeout: 300, retries: 0 }, DLMS);
  t.equal(describeEndpoint(udp.endpoint), 'udp://[::1]:4059');
  t.equal(udp.timeoutMs, 300);
  const profile = meterProfile(
    parseKeyring('{"meters":{"m":{"tcp":"192.0.2.1:4060","timeout":1000,"retries":1}}}', 'k.json'),
    'm',
  );
  const fromProfile = connectionSettings({}, DLMS, profile);
  t.equal(describeEndpoint(fromProfile.endpoint), 'tcp://192.0.2.1:4060');
  t.equal(fromProfile.timeoutMs, 1000);
  const overridden = connectionSettings({ tcp: '127.0.0.1:1', timeout: 50 }, DLMS, profile);
  t.equal(describeEndpoint(overridden.endpoint), 'tcp://127.0.0.1:1', 'options beat the profile');
  t.equal(overridden.timeoutMs, 50);

  const bad: [object, RegExp, ConnectionDefaults?][] = [
    [{}, /say where the meter is: --serial, --tcp, --udp \(or --meter NAME/],
    [{ tcp: 'h:1', udp: 'h:2' }, /give only one of --tcp, --udp/],
    [{ tcp: 'h:1', timeout: 0 }, /--timeout must be more than 0/],
    [{ tcp: 'h:1', retries: -1 }, /--retries must be an integer/],
    [{ serial: '/dev/x', baud: 0 }, /--baud must be a positive integer/],
    [{ serial: '/dev/x', parity: 'mark' }, /--parity must be none, even or odd/],
    [{ serial: '/dev/x', 'data-bits': 6 }, /--data-bits must be 7 or 8/],
    [{ serial: '/dev/x', 'stop-bits': 3 }, /--stop-bits must be 1 or 2/],
    [{ tcp: 'h:1', optical: true }, /--optical needs --serial/],
    [{ udp: 'h:1', tls: true }, /--tls works over --tcp only/],
    [{ tcp: 'h:1', ca: 'ca.pem' }, /need --tls/],
    [{ tcp: 'h:1', tls: true, cert: 'c.pem' }, /--cert and --key-file go together/],
    [
      { tcp: 'h:1', tls: true, ca: '/nonexistent/ca.pem' },
      /--ca \/nonexistent\/ca.pem: cannot read it: ENOENT/,
    ],
    [
      { serial: '/dev/x' },
      /does not work over --serial; use --tcp/,
      { port: 1, baud: 1, transports: ['tcp'] },
    ],
    [{ udp: 'h:1' }, /does not work over --udp/, { port: 1, baud: 1, transports: ['tcp'] }],
  ];
  for (const [args, re, defaults] of bad) {
    t.throws(() => connectionSettings(args, defaults ?? DLMS), { message: re }, JSON.stringify(args));
  }
  const badProfile = meterProfile(
    parseKeyring('{"meters":{"m":{"tcp":5,"baud":"x","rts":"yes"}}}', 'k.json'),
    'm',
  );
  t.throws(() => connectionSettings({}, DLMS, badProfile), { message: /--tcp must be text/ });
  const badBaud = meterProfile(parseKeyring('{"meters":{"m":{"baud":"x"}}}', 'k.json'), 'm');
  t.throws(() => connectionSettings({ serial: '/dev/x' }, DLMS, badBaud), {
    message: /--baud must be a number/,
  });
  const badRts = meterProfile(
    parseKeyring('{"meters":{"m":{"serial":"/dev/x","rts":"yes"}}}', 'k.json'),
    'm',
  );
  t.throws(() => connectionSettings({}, DLMS, badRts), { message: /--rts must be true or false/ });
  t.end();
});

t.test(
  'TCP: bytes flow, -vv prints hex and the decoded frame, --capture records both directions',
  async (t) => {
    const { server, port } = await echoServer();
    t.teardown(() => server.close());
    const dir = tmp(t);
    const capture = join(dir, 's.pcapng');
    let log = '';
    const settings = connectionSettings(
      { tcp: `127.0.0.1:${port}`, capture, verbose: 2, timeout: 2000 },
      DLMS,
    );
    const conn = await openConnection(settings, {
      protocol: 'dlms',
      log: (s) => {
        log += s;
      },
      colors: plain,
      decodeKeys: new Map([['ek', new Uint8Array(16)]]),
    });
    await conn.transport.write(SNRM);
    const echoed = await conn.transport.read();
    t.same([...echoed], [...SNRM]);
    await conn.close();
    await conn.close();
    t.match(log, /^> 9 bytes\n {2}7e a0 07 03 21 93 0f 01 7e\n {2}hdlc/m);
    t.match(log, /^< 9 bytes\n/m);
    t.notMatch(log, /00000000000000000000000000000000/, 'keys are not printed');
    const packets = await capturePackets(capture);
    const data = packets.filter((p) => (p.payload?.length ?? 0) > 0);
    t.equal(data.length, 2);
    t.equal(data[0]?.tcp?.destinationPort, port, 'client to meter');
    t.equal(data[1]?.tcp?.sourcePort, port, 'meter to client');
    t.same([...(data[1]?.payload ?? [])], [...SNRM]);
    t.ok(packets.length >= 8, 'handshake and FIN exchange around the data');
    t.equal(readFileSync(capture).includes(Buffer.alloc(16)), false);
  },
);

t.test('TCP: a dead port is a transport error with a hint; retries are bounded', async (t) => {
  const { server, port } = await echoServer();
  await new Promise<void>((r) => server.close(() => r()));
  const settings = connectionSettings({ tcp: `127.0.0.1:${port}`, retries: 1, timeout: 1000 }, DLMS);
  const started = Date.now();
  try {
    await openConnection(settings, { protocol: 'dlms', log: () => {}, colors: plain });
    t.fail('opened a dead port');
  } catch (e) {
    t.ok(isMeterkitError(e, ErrorCode.TransportOpenFailed));
    t.match(
      (e as Error).message,
      /ECONNREFUSED.*nothing is listening at tcp:\/\/127\.0\.0\.1:\d+: check the address and port, or start a simulator/,
    );
  }
  t.ok(Date.now() - started < 3000);
});

t.test('transport hints', (t) => {
  const serial = connectionSettings({ serial: '/dev/ttyNOPE' }, DLMS).endpoint;
  const err = (code: number, message: string, causeCode?: string) => {
    const e = Object.assign(new Error(message), { code });
    const c = causeCode === undefined ? undefined : Object.assign(new Error(causeCode), { code: causeCode });
    return Object.assign(e, { cause: c }) as unknown as import('@meterkit/core').MeterkitError;
  };
  t.match(transportHint(serial, err(502, 'x', 'ENOENT')), /no serial port \/dev\/ttyNOPE/);
  t.match(transportHint(serial, err(502, 'Permission denied')), /dialout/);
  t.match(transportHint(serial, err(502, 'Resource temporarily unavailable Cannot lock port')), /in use/);
  t.match(transportHint(serial, err(502, 'x')), /check the probe/);
  const tcp = connectionSettings({ tcp: 'meter.invalid:1' }, DLMS).endpoint;
  t.match(transportHint(tcp, err(502, 'x', 'ENOTFOUND')), /cannot resolve meter.invalid/);
  t.match(transportHint(tcp, err(502, 'x', 'EHOSTUNREACH')), /no route/);
  t.match(transportHint(tcp, err(500, 'x')), /raise --timeout/);
  t.match(transportHint(tcp, err(502, 'x')), /reachable/);
  t.end();
});

t.test('UDP: datagrams both ways, captured as UDP', async (t) => {
  const sock = createSocket('udp4');
  sock.on('message', (m, r) => sock.send(m, r.port, r.address));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  t.teardown(() => sock.close());
  const dir = tmp(t);
  const capture = join(dir, 'u.pcapng');
  const settings = connectionSettings({ udp: `127.0.0.1:${sock.address().port}`, capture, verbose: 1 }, DLMS);
  let log = '';
  const conn = await openConnection(settings, { protocol: 'dlms', log: (s) => (log += s), colors: plain });
  const wrapper = Uint8Array.from(Buffer.from('0001001000010005c001c10001', 'hex'));
  await conn.transport.write(wrapper);
  t.same([...(await conn.transport.read())], [...wrapper]);
  await conn.close();
  t.match(log, /> 13 bytes\n {2}00 01 00 10/);
  t.notMatch(log, /wrapper/, '-v prints hex only');
  const packets = await capturePackets(capture);
  t.equal(packets.length, 2);
  t.ok(packets.every((p) => p.udp !== undefined));
});

t.test('TLS: an untrusted server fails with a hint; --ca or --insecure connect', async (t) => {
  const pki = await createTestPki({ mca: false });
  const dir = tmp(t);
  writeFileSync(join(dir, 'ca.pem'), pki.serca.certificatePem);
  writeFileSync(join(dir, 'dev.pem'), pki.device.certificatePem + pki.chainPem);
  writeFileSync(join(dir, 'dev.key'), pki.device.privateKeyPem);
  const server = createTlsServer(
    { cert: pki.server.certificatePem + pki.chainPem, key: pki.server.privateKeyPem },
    (s) => s.on('data', (d) => s.write(d)),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const opts = { protocol: 'ieee2030-5' as const, log: () => {}, colors: plain };
  await t.rejects(
    openConnection(connectionSettings({ tcp: `127.0.0.1:${port}`, tls: true, retries: 3 }, DLMS), opts),
    { code: ErrorCode.TransportOpenFailed, message: /check --ca/ },
  );
  let log = '';
  const insecure = await openConnection(
    connectionSettings({ tcp: `127.0.0.1:${port}`, tls: true, insecure: true }, DLMS),
    {
      ...opts,
      log: (s) => (log += s),
    },
  );
  await insecure.transport.write(SNRM);
  t.equal((await insecure.transport.read()).length, 9);
  await insecure.close();
  t.match(log, /warning: --insecure/);
  // trusted by the CA, with a client certificate; the test certificates name no host, so skip the name check
  const trusted = connectionSettings(
    {
      tcp: `127.0.0.1:${port}`,
      tls: true,
      ca: join(dir, 'ca.pem'),
      cert: join(dir, 'dev.pem'),
      'key-file': join(dir, 'dev.key'),
    },
    DLMS,
  );
  t.equal(describeEndpoint(trusted.endpoint), `tls://127.0.0.1:${port}`);
  t.match((trusted.endpoint as { tls: { ca: string } }).tls.ca, /BEGIN CERTIFICATE/);
});

t.test('serial over a socat pty: bytes, capture, and the IEC 62056-21 mode E sign-on', async (t) => {
  const pty = await startPtyPair();
  t.teardown(() => pty.cleanup());
  const dir = tmp(t);
  const capture = join(dir, 'serial.pcapng');
  const meter = new SerialTransport({ path: pty.b, baudRate: 300, dataBits: 7, parity: 'even', lock: false });
  await meter.open();
  t.teardown(() => meter.close());
  const device = new OpticalDevice({ manufacturer: 'MKT', identification: 'SIM', maxBaud: 9600 });
  const drive = (async () => {
    for (;;) {
      let action = device.nextAction();
      while (action !== undefined) {
        if (action.type === 'write') await meter.write(action.bytes);
        else if (action.type === 'wait') await new Promise((r) => setTimeout(r, 10));
        else if (action.type === 'set-line')
          await meter.setFormat({
            baudRate: action.line.baudRate,
            dataBits: action.line.dataBits,
            parity: action.line.parity,
          });
        action = device.nextAction();
      }
      if (device.state === 'binary' || device.state === 'done') return;
      device.receive(await meter.read({ timeoutMs: 5000 }));
    }
  })();
  const settings = connectionSettings({ serial: pty.a, optical: true, capture, timeout: 2000 }, DLMS);
  const conn = await openConnection(settings, {
    protocol: 'dlms',
    log: () => {},
    colors: plain,
    opticalSignOn: true,
  });
  await drive;
  t.equal(conn.optical?.identification.manufacturer, 'MKT');
  t.equal(conn.optical?.baudRate, 9600);
  await conn.transport.write(SNRM);
  t.same([...(await meter.read({ timeoutMs: 2000 }))].slice(0, 1), [0x7e]);
  await meter.write(SNRM);
  let got = new Uint8Array(0);
  while (got.length < 9) got = Buffer.concat([got, await conn.transport.read({ timeoutMs: 2000 })]);
  await conn.close();
  const packets = await capturePackets(capture);
  t.ok(packets.every((p) => p.linkType === LinkType.USER0));
  t.ok(
    packets.some((p) => p.serial?.direction === 'client-to-server'),
    'host to device recorded',
  );
  t.ok(
    packets.some((p) => p.serial?.direction === 'server-to-client'),
    'device to host recorded',
  );
});

t.test('serial: a missing port is a transport error with a hint', async (t) => {
  const settings = connectionSettings({ serial: '/dev/ttyMETERKIT_NONE', retries: 0 }, DLMS);
  await t.rejects(openConnection(settings, { protocol: 'dlms', log: () => {}, colors: plain }), {
    code: ErrorCode.TransportOpenFailed,
    message: /no serial port \/dev\/ttyMETERKIT_NONE/,
  });
});
