/**
 * Certificate validation of suites 1 and 2 (IEC 62056-5-3 §9.2.6): chains built with the openssl
 * CLI in a temp dir (root CA → intermediate CA → end-entity certificates), then path building,
 * signatures, validity periods, key usage, curves, and the use of certified keys by
 * general-signing, HLS mechanism 7 and key agreement.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import t from 'tap';
import {
  type CertificateEntry,
  certificateKeyUsage,
  certifiedPeerKey,
  cipherApdu,
  clientHlsResponse,
  DlmsSecurityErrorCode,
  decipherApdu,
  exportEcPublicKey,
  generateChallenge,
  type HlsExchange,
  SecurityContext,
  type SecuritySuiteId,
  securitySuiteParameters,
  signApdu,
  validateCertificateChain,
  verifyClientHlsResponse,
  verifyGeneralSigning,
} from '../src/security/index.js';

const dir = mkdtempSync(join(tmpdir(), 'meterkit-certs-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
};
const file = (name: string): string => join(dir, name);

const CLIENT_ST = Uint8Array.of(0x4d, 0x4d, 0x4d, 0, 0, 0, 0, 1);
const SERVER_ST = Uint8Array.of(0x4d, 0x4d, 0x4d, 0, 0, 0xbc, 0x61, 0x4e);
const DAY = 24 * 3600 * 1000;

interface Issued {
  readonly cert: X509Certificate;
  readonly key: KeyObject;
  readonly name: string;
}

/** Writes an openssl extension file and returns its name. */
function extensions(name: string, lines: readonly string[]): string {
  writeFileSync(file(`${name}.ext`), `${lines.join('\n')}\n`);
  return `${name}.ext`;
}

function load(name: string): Issued {
  return {
    cert: new X509Certificate(readFileSync(file(`${name}.pem`))),
    key: createPrivateKey(readFileSync(file(`${name}.key`))),
    name,
  };
}

/** A self-signed CA on `curve`. */
function root(name: string, curve: string, subject = `/CN=${name}`): Issued {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    `ec_paramgen_curve:${curve}`,
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '30',
    '-subj',
    subject,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  return load(name);
}

/** A certificate on `curve` issued by `issuer` with the extension lines given. */
function issue(name: string, curve: string, issuer: Issued, ext: readonly string[], days = 10): Issued {
  openssl('ecparam', '-name', curve, '-genkey', '-noout', '-out', `${name}.key`);
  openssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${issuer.name}.pem`,
    '-CAkey',
    `${issuer.name}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    String(days),
    '-extfile',
    extensions(name, ext),
  );
  return load(name);
}

const CA_EXT = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign'];
const SIGN_EXT = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature'];
const KA_EXT = ['basicConstraints=CA:FALSE', 'keyUsage=critical,keyAgreement'];

function pki(suiteId: 1 | 2) {
  const curve = suiteId === 1 ? 'prime256v1' : 'secp384r1';
  const p = `s${suiteId}-`;
  const ca = root(`${p}root`, curve);
  const sub = issue(`${p}sub`, curve, ca, CA_EXT, 20);
  return {
    curve,
    ca,
    sub,
    clientSign: issue(`${p}client-sign`, curve, sub, SIGN_EXT),
    serverSign: issue(`${p}server-sign`, curve, sub, SIGN_EXT),
    clientKa: issue(`${p}client-ka`, curve, sub, KA_EXT),
    serverKa: issue(`${p}server-ka`, curve, sub, KA_EXT),
    noUsage: issue(`${p}no-usage`, curve, sub, ['basicConstraints=CA:FALSE']),
    // issued by an end-entity certificate, which is no CA
    underLeaf: issue(`${p}under-leaf`, curve, load(`${p}client-sign`), SIGN_EXT),
    // an impostor root with the same name but another key, and a certificate it signs
    impostor: issue(`${p}impostor-leaf`, curve, root(`${p}impostor`, curve, `/CN=${p}root`), SIGN_EXT),
    otherCurve: issue(
      `${p}other-curve`,
      suiteId === 1 ? 'secp384r1' : 'prime256v1',
      root(`${p}other-root`, suiteId === 1 ? 'secp384r1' : 'prime256v1'),
      SIGN_EXT,
    ),
  };
}

function code(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof MeterkitError ? e.code : -1;
  }
}

for (const suiteId of [1, 2] as const) {
  const suite = securitySuiteParameters(suiteId);
  const k = pki(suiteId);
  const anchors = [k.ca.cert];
  const intermediates = [k.sub.cert];

  t.test(`suite ${suiteId}: a chain to the trusted root validates`, async (t) => {
    const path = validateCertificateChain(suite, k.clientSign.cert, {
      trustAnchors: anchors,
      intermediates,
      purpose: 'digital-signature',
    });
    t.same(
      path.map((c) => c.subject),
      [k.clientSign.cert.subject, k.sub.cert.subject, k.ca.cert.subject],
    );
    // a trusted intermediate is enough on its own
    t.equal(
      validateCertificateChain(suite, k.clientKa.cert, {
        trustAnchors: [k.sub.cert],
        purpose: 'key-agreement',
      }).length,
      2,
    );
    // a directly trusted (pinned) certificate is its own path
    t.equal(
      validateCertificateChain(suite, k.clientSign.cert, { trustAnchors: [k.clientSign.cert] }).length,
      1,
    );
    // no KeyUsage extension: any purpose
    for (const purpose of ['digital-signature', 'key-agreement'] as const)
      t.equal(
        validateCertificateChain(suite, k.noUsage.cert, { trustAnchors: anchors, intermediates, purpose })
          .length,
        3,
      );
  });

  t.test(`suite ${suiteId}: chain failures have their own codes`, async (t) => {
    const E = DlmsSecurityErrorCode;
    // the intermediate is missing: no path
    t.equal(
      code(() => validateCertificateChain(suite, k.clientSign.cert, { trustAnchors: anchors })),
      E.CertificateChainInvalid,
    );
    // same issuer name, other key: the signature does not verify
    t.equal(
      code(() => validateCertificateChain(suite, k.impostor.cert, { trustAnchors: anchors, intermediates })),
      E.CertificateChainInvalid,
    );
    // an end-entity certificate as issuer
    t.equal(
      code(() =>
        validateCertificateChain(suite, k.underLeaf.cert, {
          trustAnchors: anchors,
          intermediates: [...intermediates, k.clientSign.cert],
        }),
      ),
      E.CertificateUsageInvalid,
    );
    // the wrong key usage for the purpose
    t.equal(
      code(() =>
        validateCertificateChain(suite, k.clientKa.cert, {
          trustAnchors: anchors,
          intermediates,
          purpose: 'digital-signature',
        }),
      ),
      E.CertificateUsageInvalid,
    );
    t.equal(
      code(() =>
        validateCertificateChain(suite, k.clientSign.cert, {
          trustAnchors: anchors,
          intermediates,
          purpose: 'key-agreement',
        }),
      ),
      E.CertificateUsageInvalid,
    );
    // the other suite's curve
    t.equal(
      code(() => validateCertificateChain(suite, k.otherCurve.cert, { trustAnchors: [k.otherCurve.cert] })),
      E.CertificateCurveMismatch,
    );
    t.equal(
      code(() =>
        validateCertificateChain(securitySuiteParameters(0), k.clientSign.cert, { trustAnchors: anchors }),
      ),
      E.CertificateCurveMismatch,
    );
    // validity: the leaf is valid 10 days, the intermediate 20, the root 30
    const now = Date.now();
    const at = (d: number) => ({ trustAnchors: anchors, intermediates, at: new Date(now + d * DAY) });
    t.equal(
      code(() => validateCertificateChain(suite, k.clientSign.cert, at(-2))),
      E.CertificateNotValidAtTime,
    );
    t.equal(
      code(() => validateCertificateChain(suite, k.clientSign.cert, at(12))),
      E.CertificateNotValidAtTime,
    );
    t.equal(validateCertificateChain(suite, k.clientSign.cert, at(9)).length, 3);
    // the intermediate expires first among the issuers: a CA certificate itself checked at day 25
    t.equal(
      code(() => validateCertificateChain(suite, k.sub.cert, at(25))),
      E.CertificateNotValidAtTime,
    );
    // a path longer than allowed
    t.equal(
      code(() =>
        validateCertificateChain(suite, k.clientSign.cert, {
          trustAnchors: anchors,
          intermediates,
          maxPathLength: 2,
        }),
      ),
      E.CertificateChainInvalid,
    );
    // the codes are in the dlms security sub-range
    t.same(
      [
        E.CertificateChainInvalid,
        E.CertificateNotValidAtTime,
        E.CertificateUsageInvalid,
        E.CertificateCurveMismatch,
      ],
      [330, 331, 332, 333],
    );
  });

  t.test(`suite ${suiteId}: KeyUsage bits`, async (t) => {
    t.same([...(certificateKeyUsage(k.clientSign.cert) ?? [])], [0], 'digitalSignature');
    t.same([...(certificateKeyUsage(k.clientKa.cert) ?? [])], [4], 'keyAgreement');
    t.same([...(certificateKeyUsage(k.ca.cert) ?? [])].sort(), [5, 6], 'keyCertSign, cRLSign');
    t.equal(certificateKeyUsage(k.noUsage.cert), undefined);
  });

  /** Context entries: the CA chain plus the given end-entity certificates. */
  const entries = (
    ...ee: [Issued, CertificateEntry['use'], Uint8Array | undefined][]
  ): CertificateEntry[] => [
    { entity: 'certification-authority', use: 'other', certificate: k.ca.cert },
    { entity: 'certification-authority', use: 'other', certificate: k.sub.cert },
    ...ee.map(([i, use, systemTitle]) => ({
      entity: 'other' as const,
      use,
      systemTitle,
      certificate: i.cert,
    })),
  ];

  t.test(`suite ${suiteId}: general-signing takes the signer's key from its certificate`, async (t) => {
    const signer = new SecurityContext({
      suite: suiteId,
      systemTitle: CLIENT_ST,
      signingKey: k.clientSign.key,
    });
    const signed = signApdu(signer, Uint8Array.of(0xc0, 1, 0xc1));
    const verifier = new SecurityContext({
      suite: suiteId,
      systemTitle: SERVER_ST,
      certificates: entries(
        [k.serverSign, 'digital-signature', SERVER_ST],
        [k.clientSign, 'digital-signature', CLIENT_ST],
      ),
    });
    t.same(verifyGeneralSigning(verifier, signed).content, Uint8Array.of(0xc0, 1, 0xc1));
    // expired at the validation time
    verifier.certificateValidationTime = new Date(Date.now() + 11 * DAY);
    t.equal(
      code(() => verifyGeneralSigning(verifier, signed)),
      DlmsSecurityErrorCode.CertificateNotValidAtTime,
    );
    verifier.certificateValidationTime = undefined;
    // only our own certificate and one for another system title: nothing for the signer
    const noCert = new SecurityContext({
      suite: suiteId,
      systemTitle: CLIENT_ST,
      certificates: entries([k.serverSign, 'digital-signature', SERVER_ST]),
    });
    t.equal(
      code(() => verifyGeneralSigning(noCert, signed)),
      ErrorCode.KeyMissing,
    );
    // a certificate whose chain is not trusted is refused, not used
    const untrusted = new SecurityContext({
      suite: suiteId,
      certificates: [
        {
          entity: 'client',
          use: 'digital-signature',
          systemTitle: CLIENT_ST,
          certificate: k.clientSign.cert,
        },
      ],
    });
    t.equal(
      code(() => verifyGeneralSigning(untrusted, signed)),
      DlmsSecurityErrorCode.CertificateChainInvalid,
    );
    // a certified key of the wrong signer does not verify the signature
    const wrong = new SecurityContext({
      suite: suiteId,
      certificates: entries([k.serverSign, 'digital-signature', undefined]),
    });
    t.equal(
      code(() => verifyGeneralSigning(wrong, signed)),
      ErrorCode.SignatureInvalid,
    );
    // an explicitly set key still takes precedence over certificates
    const pinned = new SecurityContext({
      suite: suiteId,
      peerSigningKey: k.clientSign.cert.publicKey,
      certificates: entries([k.serverSign, 'digital-signature', CLIENT_ST]),
    });
    t.same(verifyGeneralSigning(pinned, signed).content, Uint8Array.of(0xc0, 1, 0xc1));
  });

  t.test(`suite ${suiteId}: HLS mechanism 7 with a certified client key`, async (t) => {
    const client = new SecurityContext({
      suite: suiteId,
      systemTitle: CLIENT_ST,
      peerSystemTitle: SERVER_ST,
      signingKey: k.clientSign.key,
    });
    const server = new SecurityContext({
      suite: suiteId,
      systemTitle: SERVER_ST,
      peerSystemTitle: CLIENT_ST,
      certificates: entries([k.clientSign, 'digital-signature', CLIENT_ST]),
    });
    const ex: HlsExchange = {
      mechanism: 7,
      clientToServerChallenge: generateChallenge(32),
      serverToClientChallenge: generateChallenge(32),
    };
    const f = clientHlsResponse(ex, { context: client });
    verifyClientHlsResponse(ex, { context: server }, f);
    t.pass('the certified key verifies f(StoC)');
    // a key agreement certificate does not serve for signatures
    const kaOnly = new SecurityContext({
      suite: suiteId,
      systemTitle: SERVER_ST,
      peerSystemTitle: CLIENT_ST,
      certificates: entries([k.clientKa, 'digital-signature', CLIENT_ST]),
    });
    t.equal(
      code(() => verifyClientHlsResponse(ex, { context: kaOnly }, f)),
      DlmsSecurityErrorCode.CertificateUsageInvalid,
    );
  });

  t.test(`suite ${suiteId}: key agreement with certified static keys`, async (t) => {
    const ak = new Uint8Array(suite.keyLength).fill(9);
    const sender = new SecurityContext({
      suite: suiteId,
      systemTitle: CLIENT_ST,
      peerSystemTitle: SERVER_ST,
      authenticationKey: ak,
      signingKey: k.clientSign.key,
      keyAgreementKey: k.clientKa.key,
      certificates: entries([k.serverKa, 'key-agreement', SERVER_ST]),
    });
    const receiver = new SecurityContext({
      suite: suiteId,
      systemTitle: SERVER_ST,
      authenticationKey: ak,
      keyAgreementKey: k.serverKa.key,
      certificates: entries(
        [k.clientKa, 'key-agreement', CLIENT_ST],
        [k.clientSign, 'digital-signature', CLIENT_ST],
      ),
    });
    const pt = Uint8Array.of(0xc4, 1, 0xc1, 0, 9, 2, 0x12, 0x34);
    const sum = cipherApdu(sender, pt, { form: 'general-ciphering', keyInfo: 'static-unified-model' });
    t.same(decipherApdu(receiver, sum).plaintext, pt, 'C(0e,2s)');
    const opdh = cipherApdu(sender, pt, { form: 'general-ciphering', keyInfo: 'one-pass-diffie-hellman' });
    t.same(
      decipherApdu(receiver, opdh).plaintext,
      pt,
      'C(1e,1s), ephemeral key signature checked with the certified key',
    );
    // the receiver's certified signing key must match the signer of the ephemeral key
    const otherSigner = new SecurityContext({
      suite: suiteId,
      systemTitle: SERVER_ST,
      authenticationKey: ak,
      keyAgreementKey: k.serverKa.key,
      certificates: entries([k.serverSign, 'digital-signature', CLIENT_ST]),
      replay: false,
    });
    t.equal(
      code(() => decipherApdu(otherSigner, opdh)),
      ErrorCode.SignatureInvalid,
    );
    // a key agreement key from a certificate that does not allow key agreement is refused
    const badUsage = new SecurityContext({
      suite: suiteId,
      systemTitle: CLIENT_ST,
      peerSystemTitle: SERVER_ST,
      authenticationKey: ak,
      keyAgreementKey: k.clientKa.key,
      certificates: entries([k.serverSign, 'key-agreement', SERVER_ST]),
    });
    t.equal(
      code(() => cipherApdu(badUsage, pt, { form: 'general-ciphering', keyInfo: 'static-unified-model' })),
      DlmsSecurityErrorCode.CertificateUsageInvalid,
    );
    t.equal(
      code(() => cipherApdu(badUsage, pt, { form: 'general-ciphering', keyInfo: 'one-pass-diffie-hellman' })),
      DlmsSecurityErrorCode.CertificateUsageInvalid,
    );
    // certifiedPeerKey: the key of the certificate, undefined without candidates
    const key = certifiedPeerKey(receiver, 'key-agreement', CLIENT_ST);
    t.ok(key !== undefined);
    t.same(exportEcPublicKey(suite, key!), exportEcPublicKey(suite, k.clientKa.cert.publicKey));
    t.equal(certifiedPeerKey(receiver, 'key-agreement', SERVER_ST), undefined);
  });
}

t.test('a self-signed CA is trusted only when it is an anchor', async (t) => {
  const s1 = securitySuiteParameters(1 as SecuritySuiteId);
  const k = root('lone', 'prime256v1');
  t.equal(validateCertificateChain(s1, k.cert, { trustAnchors: [k.cert] }).length, 1);
  t.equal(
    code(() => validateCertificateChain(s1, k.cert, { trustAnchors: [] })),
    DlmsSecurityErrorCode.CertificateChainInvalid,
  );
});
