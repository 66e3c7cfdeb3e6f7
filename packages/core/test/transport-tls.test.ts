import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { ErrorCode, isMeterkitError, type MeterkitError } from '@meterkit/core';
import { listenTls, type TlsListenOptions, TlsTransport } from '@meterkit/core/transport';
import t from 'tap';
import { haveOpenssl, makeTestPki, type TestPki } from './helpers/transport-certs.js';
import { readExactly } from './helpers/transport-read.js';

const enc = new TextEncoder();

function der(pem: string): Uint8Array {
  return new Uint8Array(new X509Certificate(pem).raw);
}

if (!haveOpenssl()) {
  t.comment('openssl CLI not installed: TLS tests (which generate P-256 certificates with it) skipped');
  t.pass('skipped: no openssl');
} else {
  const pki: TestPki = makeTestPki();

  /** A server that demands a client certificate from our CA (mutual authentication). */
  const mutual = (extra: Partial<TlsListenOptions['tls']> = {}): TlsListenOptions => ({
    port: 0,
    tls: { key: pki.server.key, cert: pki.server.cert, ca: [pki.ca], requestCert: true, ...extra },
  });

  t.test('mutual authentication with P-256 certificates: bytes, protocol, cipher, peer DER', async (t) => {
    const listener = await listenTls(mutual());
    const port = listener.address().port;
    t.equal(listener.name, `tls-listen://127.0.0.1:${port}`);
    const client = new TlsTransport({
      host: '127.0.0.1',
      port,
      tls: { ca: [pki.ca], cert: pki.client.cert, key: pki.client.key },
    });
    t.equal(client.name, `tls://127.0.0.1:${port}`);
    t.throws(() => client.session(), { code: ErrorCode.InvalidState }, 'no session before open');
    const [server] = await Promise.all([listener.accept({ timeoutMs: 5000 }), client.open()]);

    const c = client.session();
    t.equal(c.protocol, 'TLSv1.3');
    t.match(c.cipher.standardName, /^TLS_/);
    t.equal(c.authorized, true);
    t.equal(c.authorizationError, undefined);
    t.same(c.peerCertificate, der(pki.server.cert), 'server certificate as DER');
    t.same(c.peerCertificateChain[0], der(pki.server.cert));
    t.same(c.peerCertificateChain.at(-1), der(pki.ca), 'chain completed up to the trusted CA');
    t.match(client.describe(), /\(open, local 127\.0\.0\.1:\d+, TLSv1\.3 TLS_/);

    const s = server.session();
    t.equal(s.authorized, true, 'server verified the client certificate');
    t.same(s.peerCertificate, der(pki.client.cert), 'client certificate as DER');

    await client.write(enc.encode('GET /dcap HTTP/1.1\r\n\r\n'));
    const request = await readExactly(server, 22, 5000);
    t.same(request, enc.encode('GET /dcap HTTP/1.1\r\n\r\n'));
    await server.write(enc.encode('HTTP/1.1 200 OK\r\n'));
    t.same(await readExactly(client, 17, 5000), enc.encode('HTTP/1.1 200 OK\r\n'));

    await client.close();
    const err = await server.read({ timeoutMs: 5000 }).catch((e: unknown) => e);
    t.ok(isMeterkitError(err, ErrorCode.TransportClosed), 'server sees the close');
    await listener.close();
  });

  t.test("the caller's TLS 1.2 settings are used as given (IEEE 2030.5 CCM8 suite)", async (t) => {
    const listener = await listenTls(mutual());
    const client = new TlsTransport({
      host: '127.0.0.1',
      port: listener.address().port,
      tls: {
        servername: 'localhost',
        ca: [pki.ca],
        cert: pki.client.cert,
        key: pki.client.key,
        maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-ECDSA-AES128-CCM8',
      },
    });
    const [server] = await Promise.all([listener.accept({ timeoutMs: 5000 }), client.open()]);
    const session = client.session();
    t.equal(session.protocol, 'TLSv1.2');
    t.equal(session.cipher.name, 'ECDHE-ECDSA-AES128-CCM8');
    t.equal(session.cipher.standardName, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8');
    await server.write(Uint8Array.of(1, 2, 3));
    t.same(await readExactly(client, 3, 5000), Uint8Array.of(1, 2, 3));
    await client.close();
    await listener.close();
  });

  t.test('a server the client does not trust is refused: TransportOpenFailed', async (t) => {
    const listener = await listenTls({ port: 0, tls: { key: pki.server.key, cert: pki.server.cert } });
    const serverErrors: MeterkitError[] = [];
    listener.onError((e) => serverErrors.push(e));
    const client = new TlsTransport({
      host: '127.0.0.1',
      port: listener.address().port,
      tls: { ca: [pki.rogueCa] },
    });
    const err = await client.open().catch((e: unknown) => e);
    t.ok(isMeterkitError(err, ErrorCode.TransportOpenFailed));
    t.match((err as MeterkitError).message, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/);
    t.equal(client.state, 'closed');
    await t.rejects(
      listener.accept({ timeoutMs: 100 }),
      { code: ErrorCode.TransportTimeout },
      'nothing accepted',
    );
    await listener.close();
    t.ok(serverErrors.length <= 1, 'the server at most reports the aborted handshake');
  });

  t.test('host name checks are kept; a caller checkServerIdentity is honoured', async (t) => {
    const listener = await listenTls({ port: 0, tls: { key: pki.server.key, cert: pki.server.cert } });
    const port = listener.address().port;
    const wrongName = new TlsTransport({
      host: '127.0.0.1',
      port,
      tls: { ca: [pki.ca], servername: 'meter.example' },
    });
    const err = await wrongName.open().catch((e: unknown) => e);
    t.ok(isMeterkitError(err, ErrorCode.TransportOpenFailed), 'name not in the certificate');
    t.match((err as MeterkitError).message, /ERR_TLS_CERT_ALTNAME_INVALID|meter\.example/);

    const checked: string[] = [];
    const pinned = new TlsTransport({
      host: '127.0.0.1',
      port,
      tls: {
        ca: [pki.ca],
        checkServerIdentity: (host: string, cert: PeerCertificate) => {
          checked.push(`${host} ${cert.subject.CN}`);
          return new Error('pin mismatch');
        },
      },
    });
    const err2 = await pinned.open().catch((e: unknown) => e);
    t.ok(isMeterkitError(err2, ErrorCode.TransportOpenFailed));
    t.match((err2 as MeterkitError).message, /pin mismatch/);
    t.same(checked, ['127.0.0.1 localhost']);
    await listener.close();
  });

  t.test('a client certificate from an untrusted CA is refused (TLS 1.2: at open)', async (t) => {
    const listener = await listenTls(mutual());
    const serverError = new Promise<MeterkitError>((resolve) => listener.onError(resolve));
    const client = new TlsTransport({
      host: '127.0.0.1',
      port: listener.address().port,
      tls: { ca: [pki.ca], cert: pki.rogueClient.cert, key: pki.rogueClient.key, maxVersion: 'TLSv1.2' },
    });
    // Node's server refuses by closing the socket (no alert), so the client sees a reset.
    const err = await client.open().catch((e: unknown) => e);
    t.ok(isMeterkitError(err, ErrorCode.TransportOpenFailed), 'open rejects');
    t.match((err as MeterkitError).message, /ECONNRESET|disconnected/);
    t.equal(client.state, 'closed');
    const se = await serverError;
    t.equal(se.code, ErrorCode.TransportOpenFailed);
    t.match(se.message, /handshake.* failed \(client certificate: UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    await t.rejects(
      listener.accept({ timeoutMs: 100 }),
      { code: ErrorCode.TransportTimeout },
      'never accepted',
    );
    await listener.close();
  });

  t.test('a client certificate from an untrusted CA is refused (TLS 1.3: after open)', async (t) => {
    const listener = await listenTls(mutual());
    const serverError = new Promise<MeterkitError>((resolve) => listener.onError(resolve));
    const client = new TlsTransport({
      host: '127.0.0.1',
      port: listener.address().port,
      tls: { ca: [pki.ca], cert: pki.rogueClient.cert, key: pki.rogueClient.key },
    });
    // In TLS 1.3 the client's handshake ends before the server has checked the client
    // certificate, so open() resolves; the server then closes the connection.
    await client.open();
    t.equal(client.session().protocol, 'TLSv1.3');
    const err = await client.read({ timeoutMs: 5000 }).catch((e: unknown) => e);
    t.ok(isMeterkitError(err, ErrorCode.TransportClosed), 'the refusal arrives as TransportClosed, no hang');
    t.equal(client.closeInfo?.by, 'peer');
    const se = await serverError;
    t.equal(se.code, ErrorCode.TransportOpenFailed);
    t.match(se.message, /client certificate: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    await t.rejects(
      listener.accept({ timeoutMs: 100 }),
      { code: ErrorCode.TransportTimeout },
      'never accepted',
    );
    await client.close();
    await listener.close();
  });

  t.test('a client without a certificate is refused by a mutual-auth server', async (t) => {
    const listener = await listenTls(mutual());
    const client = new TlsTransport({
      host: '127.0.0.1',
      port: listener.address().port,
      tls: { ca: [pki.ca], maxVersion: 'TLSv1.2' },
    });
    await t.rejects(client.open(), { code: ErrorCode.TransportOpenFailed });
    await listener.close();
  });

  t.test('bad options are InvalidArgument', async (t) => {
    t.throws(() => new TlsTransport({ host: '', port: 1 }), { code: ErrorCode.InvalidArgument });
    t.throws(() => new TlsTransport({ host: 'x', port: -1 }), { code: ErrorCode.InvalidArgument });
    await t.rejects(listenTls({ port: 99999, tls: {} }), { code: ErrorCode.InvalidArgument });
  });
}
