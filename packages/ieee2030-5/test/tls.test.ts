import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import t from 'tap';
import { lfdiFromCertificate } from '../src/ids.js';
import { createDevice, createTestPki, type TestPki } from '../src/pki/test-pki.js';
import {
  authorizeTlsPeer,
  checkPeerCertificate,
  peerLfdi,
  type SepTlsCredentials,
  sepTlsClientOptions,
  sepTlsServerOptions,
} from '../src/tls.js';

const pki: TestPki = await createTestPki();
const other: TestPki = await createTestPki({ mca: false });

const serverCreds: SepTlsCredentials = {
  key: pki.server.privateKeyPem,
  certificate: pki.server.certificatePem,
  chain: pki.chainPem,
  serca: pki.serca.certificatePem,
};
const clientCreds: SepTlsCredentials = {
  key: pki.device.privateKeyPem,
  certificate: pki.device.certificatePem,
  chain: pki.chainPem,
  serca: [pki.serca.certificatePem],
};

interface ServerSide {
  readonly port: number;
  readonly clientErrors: () => number;
  readonly close: () => Promise<void>;
}

async function startServer(): Promise<ServerSide> {
  let clientErrors = 0;
  const server = tls.createServer(sepTlsServerOptions(serverCreds), (socket) => {
    try {
      const cert = authorizeTlsPeer(socket, {
        allowedLfdis: [lfdiFromCertificate(pki.device.certificatePem)],
      });
      socket.end(`hello ${cert.lfdi}\n`);
    } catch {
      socket.destroy();
    }
  });
  server.on('tlsClientError', () => {
    clientErrors++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    clientErrors: () => clientErrors,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function connect(
  port: number,
  options: tls.ConnectionOptions,
): Promise<{ socket: tls.TLSSocket; data: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...options, port, host: '127.0.0.1' });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      data += d;
    });
    socket.on('end', () => resolve({ socket, data }));
    socket.on('error', reject);
  });
}

t.test(
  'our client and our server agree on TLS 1.2 ECDHE-ECDSA-AES128-CCM8 with LFDI identities',
  async (t) => {
    const server = await startServer();
    t.teardown(server.close);
    const serverLfdi = lfdiFromCertificate(pki.server.certificatePem);
    const { socket, data } = await connect(
      server.port,
      sepTlsClientOptions(clientCreds, { allowedLfdis: [serverLfdi] }),
    );
    t.equal(socket.getProtocol(), 'TLSv1.2');
    t.equal(socket.getCipher().name, 'ECDHE-ECDSA-AES128-CCM8');
    t.equal(peerLfdi(socket), serverLfdi);
    t.equal(data, `hello ${lfdiFromCertificate(pki.device.certificatePem)}\n`);
  },
);

t.test('refusals', async (t) => {
  const server = await startServer();
  t.teardown(server.close);
  // A client offering only a non-CCM-8 suite cannot complete the handshake.
  await t.rejects(
    connect(server.port, { ...sepTlsClientOptions(clientCreds), ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }),
    'non-CCM-8 client refused',
  );
  t.equal(server.clientErrors(), 1, 'the server saw no shared cipher');
  // A client whose chain does not lead to our SERCA is refused.
  const foreign: SepTlsCredentials = {
    key: other.device.privateKeyPem,
    certificate: other.device.certificatePem,
    chain: other.chainPem,
    serca: pki.serca.certificatePem,
  };
  const refused = await connect(server.port, sepTlsClientOptions(foreign)).catch((e: unknown) => e);
  t.ok(refused instanceof Error || (refused as { data: string }).data === '', 'foreign chain refused');
  t.equal(server.clientErrors(), 2, 'the server aborted that handshake');
  // The server's LFDI is not the one the client expects.
  await t.rejects(
    connect(server.port, sepTlsClientOptions(clientCreds, { allowedLfdis: ['00'.repeat(20)] })),
    { code: 306 },
    'unexpected server LFDI',
  );
  // A client of the right PKI but not on the server's allow list gets no data.
  const second = await createTestPkiDevice();
  const res = await connect(server.port, sepTlsClientOptions(second)).catch((e: unknown) => e);
  t.ok(res instanceof Error || (res as { data: string }).data === '', 'unlisted LFDI gets nothing');
});

async function createTestPkiDevice(): Promise<SepTlsCredentials> {
  const device = await createDevice(pki.mica);
  return {
    key: device.privateKeyPem,
    certificate: device.certificatePem,
    chain: pki.chainPem,
    serca: pki.serca.certificatePem,
  };
}

t.test('authorizeTlsPeer refuses an unverified peer even when the server lets it through', async (t) => {
  // Only to exercise the after-handshake check: sepTlsServerOptions itself never disables verification.
  const results: string[] = [];
  const server = tls.createServer(
    { ...sepTlsServerOptions(serverCreds), rejectUnauthorized: false },
    (socket) => {
      try {
        authorizeTlsPeer(socket);
        results.push('authorized');
      } catch (e) {
        results.push(String((e as { code?: number }).code));
      }
      socket.end();
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  const foreign: SepTlsCredentials = {
    key: other.device.privateKeyPem,
    certificate: other.device.certificatePem,
    chain: other.chainPem,
    serca: pki.serca.certificatePem,
  };
  await connect(port, sepTlsClientOptions(foreign)).catch(() => undefined);
  const { cert: _c, key: _k, ...noCert } = sepTlsClientOptions(clientCreds);
  await connect(port, noCert).catch(() => undefined);
  t.strictSame(results, ['306', '306']);
});

t.test('peer certificate checks', async (t) => {
  t.throws(() => checkPeerCertificate(pki.mica.der), { code: 360 }, 'a CA is not a device');
  t.equal(
    checkPeerCertificate(pki.device.der, { checkProfile: false }).lfdi,
    lfdiFromCertificate(pki.device.der),
  );
  t.throws(() => checkPeerCertificate(pki.device.der, { allowedLfdis: ['11'.repeat(20)] }), { code: 306 });
});

const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;

t.test(
  'openssl s_client -cipher ECDHE-ECDSA-AES128-CCM8 interoperates',
  { skip: HAVE_OPENSSL ? false : 'openssl is not installed' },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'meterkit-tls-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'cert.pem'), pki.device.certificatePem);
    writeFileSync(join(dir, 'chain.pem'), pki.chainPem);
    writeFileSync(join(dir, 'key.pem'), pki.device.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'ca.pem'), pki.serca.certificatePem);
    const server = await startServer();
    t.teardown(server.close);
    const out = await new Promise<{ code: number | null; text: string } | undefined>((resolve) => {
      const child = spawn(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${server.port}`,
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
          '-verify_return_error',
          '-ign_eof',
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        text += d.toString();
      });
      child.on('error', () => resolve(undefined));
      child.on('close', (code) => resolve({ code, text }));
      child.stdin.end();
    });
    if (out === undefined) throw new Error('openssl could not be started');
    t.match(out.text, /Cipher is ECDHE-ECDSA-AES128-CCM8/);
    t.match(out.text, /Protocol\s*: TLSv1\.2/);
    t.match(out.text, new RegExp(`hello ${lfdiFromCertificate(pki.device.certificatePem)}`));
  },
);
