/**
 * Refusals over real TLS handshakes (IEEE 2030.5-2018 §6.11): the test server turns away a client
 * presenting a self-signed, expired or not-yet-valid device certificate or offering no CCM-8 suite,
 * our client turns away a server presenting a self-signed or expired certificate, and a client of
 * the right PKI whose LFDI is not registered gets nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { isMeterkitError, MeterkitError } from '@meterkit/core';
import t from 'tap';
import { createSepHttpTransport } from '../src/client/transport.js';
import { lfdiFromCertificate, sfdiFromLfdi } from '../src/ids.js';
import { checkSepCertificate, parseSepCertificate, verifySepChain } from '../src/pki/certificate.js';
import {
  createDevice,
  createSelfSignedDevice,
  createTestPki,
  type IssuedCertificate,
  type TestPki,
} from '../src/pki/test-pki.js';
import { type RunningSepServer, type StartSepServerOptions, startSepServer } from '../src/server/listen.js';
import { SepTestServer } from '../src/server/server.js';
import { certificateRefusal, type SepTlsCredentials, sepTlsClientOptions } from '../src/tls.js';

const pki: TestPki = await createTestPki();
const deviceLfdi = lfdiFromCertificate(pki.device.certificatePem);
const selfSigned = await createSelfSignedDevice();
const expired = await createDevice(pki.mica, { notAfter: new Date(Date.UTC(2025, 0, 1)) });
const notYetValid = await createDevice(pki.mica, { notBefore: new Date(Date.UTC(2099, 0, 1)) });
const unregistered = await createDevice(pki.mica);

/** Credentials of `cert`: its key, the PKI's intermediates when it is issued under the MICA. */
function creds(cert: IssuedCertificate, chain = true): SepTlsCredentials {
  return {
    key: cert.privateKeyPem,
    certificate: cert.certificatePem,
    ...(chain ? { chain: pki.chainPem } : {}),
    serca: pki.serca.certificatePem,
  };
}

async function start(
  serverCert: IssuedCertificate = pki.server,
  options: StartSepServerOptions = {},
  chain = true,
): Promise<{ sep: SepTestServer; running: RunningSepServer }> {
  const sep = new SepTestServer({ endDevices: [{ lfdi: deviceLfdi }], inBandRegistration: false });
  const running = await startSepServer(sep, { ...options, tls: creds(serverCert, chain) });
  return { sep, running };
}

/** GET through the client transport; resolves with the status or the error it rejected with. */
async function get(url: string, client: SepTlsCredentials, path = '/dcap'): Promise<number | unknown> {
  const transport = createSepHttpTransport({ baseUrl: url, tls: client, timeoutMs: 5000 });
  try {
    return (await transport.request('GET', path)).status;
  } catch (e) {
    return e;
  } finally {
    transport.close();
  }
}

/** Waits until the server has recorded `n` refusals (the handshake error arrives asynchronously). */
async function refusalsAfter(running: RunningSepServer, n: number): Promise<RunningSepServer['refusals']> {
  for (let i = 0; i < 300 && running.refusals.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  return running.refusals;
}

t.test('the test server refuses device certificates that do not verify, during the handshake', async (t) => {
  const { sep, running } = await start();
  t.teardown(running.close);
  const cases: [string, SepTlsCredentials, string][] = [
    ['self-signed P-256 device certificate', creds(selfSigned, false), 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['expired device certificate', creds(expired), 'CERT_HAS_EXPIRED'],
    ['device certificate not yet valid', creds(notYetValid), 'CERT_NOT_YET_VALID'],
  ];
  for (const [i, [what, client, reason]] of cases.entries()) {
    const outcome = await get(running.url, client);
    // Node ends the connection without an alert; the client sees it dropped before the handshake ends.
    t.ok(isMeterkitError(outcome, 503), `${what}: the client's request fails (TransportIo)`);
    t.match(
      (outcome as Error).message,
      /before secure TLS connection was established|socket hang up|ECONNRESET/,
    );
    const refusals = await refusalsAfter(running, i + 1);
    t.match(refusals[i], { stage: 'handshake', reason }, `${what}: ${reason}`);
  }
  t.equal(sep.exchanges.length, 0, 'no request reached the resource tree');
  // The registered device still gets through.
  t.equal(await get(running.url, creds(pki.device)), 200);
  t.equal(sep.exchanges.length, 1);
  t.equal(sep.exchanges[0]?.lfdi, deviceLfdi);
});

t.test('the test server refuses a client offering no CCM-8 suite', async (t) => {
  const { running } = await start();
  t.teardown(running.close);
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
    const socket = tls.connect({
      ...sepTlsClientOptions(creds(pki.device)),
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
      host: '127.0.0.1',
      port: running.port,
    });
    socket.on('secureConnect', () => socket.destroy());
    socket.on('error', resolve);
  });
  t.equal(error.code, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'handshake_failure alert');
  t.equal(certificateRefusal(error), undefined, 'not a certificate refusal');
  const refusals = await refusalsAfter(running, 1);
  t.match(refusals[0], { stage: 'handshake', reason: /NO_SHARED_CIPHER/ });
});

t.test('our client refuses a server presenting a self-signed or expired certificate', async (t) => {
  for (const [what, cert, chain, reason] of [
    ['self-signed server certificate', selfSigned, false, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['expired server certificate', expired, true, 'CERT_HAS_EXPIRED'],
    ['server certificate not yet valid', notYetValid, true, 'CERT_NOT_YET_VALID'],
  ] as const) {
    const { sep, running } = await start(cert, {}, chain);
    const outcome = await get(running.url, creds(pki.device));
    await running.close();
    t.ok(isMeterkitError(outcome, 306), `${what}: CertificateInvalid`);
    t.match((outcome as Error).message, new RegExp(`GET /dcap: peer certificate refused \\(${reason}\\)`));
    t.equal(((outcome as Error).cause as { code?: string }).code, reason);
    t.equal(sep.exchanges.length, 0, `${what}: no request was sent`);
  }
});

t.test('a device of the right PKI whose LFDI is not registered gets nothing', async (t) => {
  // With the registered LFDIs as the peer policy the listener answers 403 to everything.
  const strict = await start(pki.server, { peerPolicy: { allowedLfdis: [deviceLfdi] } });
  t.teardown(strict.running.close);
  t.equal(await get(strict.running.url, creds(unregistered)), 403);
  t.equal(await get(strict.running.url, creds(unregistered), '/edev'), 403);
  t.match(strict.running.refusals, [
    { stage: 'authorization', code: 306, reason: /is not allowed/ },
    { stage: 'authorization', code: 306 },
  ]);
  t.equal(strict.sep.exchanges.length, 0);
  t.equal(await get(strict.running.url, creds(pki.device)), 200, 'the registered device is served');
  // Without one the handshake succeeds, but the resource tree shows it nothing of the registered device.
  const open = await start();
  t.teardown(open.running.close);
  const transport = createSepHttpTransport({ baseUrl: open.running.url, tls: creds(unregistered) });
  t.teardown(() => transport.close());
  t.equal((await transport.request('GET', '/dcap')).status, 200);
  const list = await transport.request('GET', '/edev?l=10');
  t.match(new TextDecoder().decode(list.body), /all="0"/);
  t.equal((await transport.request('GET', '/edev/1')).status, 403);
  t.equal((await transport.request('GET', '/edev/1/fsa')).status, 403);
  t.equal(
    (await transport.request('POST', '/edev', endDeviceXml())).status,
    403,
    'in-band registration is off',
  );
  t.equal(open.running.refusals.length, 0);
  t.match(open.sep.exchanges.at(-1), { status: 403, reason: /in-band registration is disabled/ });
});

function endDeviceXml(): string {
  const lfdi = lfdiFromCertificate(unregistered.certificatePem);
  return `<EndDevice xmlns="urn:ieee:std:2030.5:ns"><sFDI>${sfdiFromLfdi(lfdi)}</sFDI><lFDI>${lfdi}</lFDI><changedTime>0</changedTime></EndDevice>`;
}

t.test('certificateRefusal classifies TLS errors', async (t) => {
  const alert = Object.assign(new Error('tlsv1 alert unknown ca'), {
    code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  });
  const byAlert = certificateRefusal(alert, 'GET /dcap');
  t.ok(isMeterkitError(byAlert, 306));
  t.equal(byAlert?.message, 'GET /dcap: the peer refused our certificate (unknown_ca alert)');
  t.equal(byAlert?.cause, alert);
  const expiredAlert = { code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED' };
  t.match(certificateRefusal(expiredAlert)?.message, /certificate_expired alert/);
  t.match(
    certificateRefusal({ code: 'SELF_SIGNED_CERT_IN_CHAIN' })?.message,
    /^TLS: peer certificate refused/,
  );
  t.equal(certificateRefusal({ code: 'ECONNRESET' }), undefined);
  t.equal(
    certificateRefusal({ code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' }),
    undefined,
    'not about certificates',
  );
  t.match(
    certificateRefusal({
      code: 'EPROTO',
      message: 'ssl3_read_bytes:sslv3 alert bad certificate: SSL alert number 42',
    })?.message,
    /bad_certificate alert/,
  );
  t.equal(certificateRefusal({ code: 'EPROTO', message: 'SSL alert number 51' }), undefined, 'decrypt_error');
  t.equal(certificateRefusal({ code: 'EPROTO' }), undefined);
  t.equal(certificateRefusal(new Error('no code')), undefined);
  t.equal(certificateRefusal(null), undefined);
  const identity = new MeterkitError(306, 'peer LFDI 00 is not allowed');
  t.equal(certificateRefusal(identity), identity, 'a MeterkitError of the identity check passes through');
});

t.test('a self-signed device certificate has the device profile but no chain to the SERCA', async (t) => {
  const cert = parseSepCertificate(selfSigned.der);
  t.same(checkSepCertificate(cert, 'device'), [], 'profile as a device');
  t.throws(() => verifySepChain([cert], parseSepCertificate(pki.serca.der)), { code: 306 });
});

const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;

t.test(
  'openssl s_server refuses an expired device certificate with a certificate_expired alert',
  { skip: HAVE_OPENSSL ? false : 'openssl is not installed' },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'meterkit-alert-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'cert.pem'), pki.server.certificatePem);
    writeFileSync(join(dir, 'chain.pem'), pki.chainPem);
    writeFileSync(join(dir, 'key.pem'), pki.server.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'ca.pem'), pki.serca.certificatePem);
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer();
      probe.listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const child = spawn(
      'openssl',
      [
        's_server',
        '-accept',
        `127.0.0.1:${port}`,
        '-tls1_2',
        '-cipher',
        'ECDHE-ECDSA-AES128-CCM8:@SECLEVEL=0',
        '-cert',
        join(dir, 'cert.pem'),
        '-cert_chain',
        join(dir, 'chain.pem'),
        '-key',
        join(dir, 'key.pem'),
        '-CAfile',
        join(dir, 'ca.pem'),
        '-Verify',
        '4',
        '-verify_return_error',
        '-www',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    t.teardown(() => {
      child.kill();
    });
    let log = '';
    child.stdout.on('data', (d: Buffer) => {
      log += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
    });
    for (let i = 0; i < 100 && !log.includes('ACCEPT'); i++) await new Promise((r) => setTimeout(r, 50));
    t.match(log, /ACCEPT/, 'openssl s_server is listening');
    const url = `https://127.0.0.1:${port}`;
    const outcome = await get(url, creds(expired), '/');
    t.ok(isMeterkitError(outcome, 306), 'CertificateInvalid');
    t.match(
      (outcome as Error).message,
      'GET /: the peer refused our certificate (certificate_expired alert)',
    );
    // The valid device certificate is accepted by the same server (the -www status page).
    t.equal(await get(url, creds(pki.device), '/'), 200);
  },
);
