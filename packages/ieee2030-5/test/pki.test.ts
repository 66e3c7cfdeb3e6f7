import { readFileSync } from 'node:fs';
import { isMeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { lfdiFromCertificate, sfdiFromLfdi } from '../src/ids.js';
import {
  assertSepCertificate,
  checkSepCertificate,
  parseSepCertificate,
  type SepCertificate,
  verifySepChain,
} from '../src/pki/certificate.js';
import { NOT_AFTER_INDEFINITE, SepCertificatePolicy, X509Oid } from '../src/pki/profile.js';
import {
  createCa,
  createDevice,
  createDeviceCsr,
  createTestPki,
  hardwareModuleNameSan,
  issueFromCsr,
  TEST_HW_TYPE,
} from '../src/pki/test-pki.js';

const pki = await createTestPki();
const flat = await createTestPki({ mca: false, hwType: '1.2.3.4' });
const p = (pem: string): SepCertificate => parseSepCertificate(pem);
const ids = JSON.parse(readFileSync(new URL('./vectors/ids.json', import.meta.url), 'utf8')) as {
  vectors: { id: string; certificate_pem: string | null; lfdi: string }[];
};

t.test('generated device certificates follow the 2030.5 profile', async (t) => {
  const d = p(pki.device.certificatePem);
  t.equal(d.version, 3);
  t.ok(d.subjectEmpty);
  t.equal(d.notAfter, NOT_AFTER_INDEFINITE);
  t.ok(d.notAfterGeneralized);
  t.equal(d.notBefore, '240101000000Z');
  t.equal(d.signatureAlgorithm, X509Oid.ecdsaWithSha256);
  t.equal(d.publicKeyCurve, X509Oid.prime256v1);
  t.strictSame(d.policies, [SepCertificatePolicy.deviceGeneric, SepCertificatePolicy.test]);
  t.equal(d.hardwareModuleName?.hwType, TEST_HW_TYPE);
  t.equal(d.hardwareModuleName?.hwSerialNum.length, 8);
  t.strictSame(d.keyUsage, {
    digitalSignature: true,
    keyAgreement: true,
    keyCertSign: false,
    cRLSign: false,
  });
  t.equal(d.basicConstraints, undefined);
  t.equal(d.lfdi, lfdiFromCertificate(pki.device.der));
  t.equal(d.sfdi, sfdiFromLfdi(d.lfdi));
  t.strictSame(checkSepCertificate(d), []);
  t.doesNotThrow(() => assertSepCertificate(d));
  t.ok(d.extensions.find((e) => e.oid === X509Oid.subjectAltName)?.critical);
  t.equal(p(flat.device.certificatePem).hardwareModuleName?.hwType, '1.2.3.4');
  for (const ca of [pki.serca, pki.mca, pki.mica]) {
    if (ca === undefined) continue;
    const c = p(ca.certificatePem);
    t.strictSame(checkSepCertificate(c, 'ca'), []);
    t.ok(c.basicConstraints?.ca);
    t.notOk(c.subjectEmpty);
  }
  t.equal(p(pki.mica.certificatePem).basicConstraints?.pathLength, 0);
  t.equal(p(pki.mca?.certificatePem ?? '').basicConstraints?.pathLength, 1);
});

t.test('profile violations are reported', async (t) => {
  const mica = p(pki.mica.certificatePem);
  const asDevice = checkSepCertificate(mica, 'device');
  t.ok(asDevice.includes('subject is not empty'));
  t.ok(asDevice.includes('no HardwareModuleName subjectAltName'));
  t.ok(asDevice.includes('device certificate is a CA'));
  t.ok(asDevice.includes('device certificate may sign certificates'));
  t.throws(() => assertSepCertificate(mica, 'device'), { code: 360 });
  const asCa = checkSepCertificate(p(pki.device.certificatePem), 'ca');
  t.ok(asCa.includes('CA certificate without basicConstraints cA'));
  t.ok(asCa.includes('CA certificate without keyCertSign'));
  for (const v of ids.vectors) {
    if (v.certificate_pem === null) continue;
    const c = p(v.certificate_pem);
    t.equal(c.lfdi, v.lfdi, `${v.id} lfdi`);
    const problems = checkSepCertificate(c);
    t.ok(problems.length > 0, `${v.id} is not a 2030.5 device certificate`);
    t.ok(
      problems.some((x) => x.startsWith('notAfter')),
      `${v.id} notAfter`,
    );
    if (v.id.startsWith('envoy')) {
      t.ok(problems.includes('public key is not an EC P-256 key'));
      t.ok(problems.some((x) => x.startsWith('signature algorithm')));
    }
  }
  const v1 = ids.vectors.find((v) => v.id === 'ode-cert-1');
  if (v1?.certificate_pem) {
    const problems = checkSepCertificate(p(v1.certificate_pem));
    t.ok(problems.includes('no certificatePolicies'));
    t.ok(problems.includes('no keyUsage') || problems.some((x) => x.startsWith('keyUsage')));
  }
});

t.test('chain verification (COMM-004 A-C and G)', async (t) => {
  const chain = [p(pki.device.certificatePem), p(pki.mica.certificatePem), p(pki.mca?.certificatePem ?? '')];
  const serca = p(pki.serca.certificatePem);
  t.doesNotThrow(() => verifySepChain(chain, serca), 'SERCA → MCA → MICA → device');
  t.doesNotThrow(
    () =>
      verifySepChain(
        [p(flat.device.certificatePem), p(flat.mica.certificatePem)],
        p(flat.serca.certificatePem),
      ),
    'SERCA → MICA → device',
  );
  t.throws(
    () => verifySepChain([chain[0] as SepCertificate, chain[2] as SepCertificate], serca),
    { code: 306 },
    'gap',
  );
  t.throws(() => verifySepChain(chain, p(flat.serca.certificatePem)), { code: 306 }, 'other root');
  t.throws(
    () => verifySepChain([p(flat.device.certificatePem), ...chain.slice(1)], serca),
    { code: 306 },
    'wrong MICA',
  );
  t.throws(() => verifySepChain([], serca), { code: 600 });
  t.throws(() => verifySepChain(chain.slice(1), serca), { code: 360 }, 'a CA as leaf');
  t.throws(() => verifySepChain(chain, chain[1] as SepCertificate), { code: 306 }, 'MICA as anchor');
  // A same-named MICA with a different key: names match, the signature does not.
  const impostor = await createTestPki();
  t.throws(
    () =>
      verifySepChain(
        [chain[0] as SepCertificate, p(impostor.mica.certificatePem), chain[2] as SepCertificate],
        serca,
      ),
    { code: 306 },
    'signature mismatch',
  );
  // Path length: a CA below the MICA (pathLen 0) makes the chain too long.
  const sub = await createCa('CN=meterkit test sub-CA', pki.mica);
  const deep = await createDevice(sub);
  t.throws(
    () => verifySepChain([p(deep.certificatePem), p(sub.certificatePem), ...chain.slice(1)], serca),
    { code: 306, message: /path length/ },
    'MICA pathLen 0 exceeded',
  );
  const direct = await createDevice(pki.mica);
  t.doesNotThrow(() => verifySepChain([p(direct.certificatePem), ...chain.slice(1)], serca));
  // COMM-004 G: a self-signed device certificate is rejected.
  t.throws(() => verifySepChain([p(pki.device.certificatePem)], p(pki.device.certificatePem)), { code: 360 });
});

t.test('CSR round trip', async (t) => {
  const serial = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
  const { csrPem, privateKeyPem } = await createDeviceCsr(serial);
  t.match(csrPem, /^-----BEGIN CERTIFICATE REQUEST-----/);
  t.match(privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  const cert = await issueFromCsr(csrPem, pki.mica, { hwSerialNum: serial });
  const c = p(cert.toString('pem'));
  t.strictSame(checkSepCertificate(c), []);
  t.strictSame([...(c.hardwareModuleName?.hwSerialNum ?? [])], [...serial]);
  const body = Buffer.from(csrPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  body[body.length - 1] = (body[body.length - 1] as number) ^ 0x01;
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${body.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  await t.rejects(issueFromCsr(tampered, pki.mica), { code: 305 });
});

t.test('HardwareModuleName SAN encoding', async (t) => {
  const der = hardwareModuleNameSan('1.2.3', new Uint8Array([1, 2]));
  // SEQUENCE { [0] { id-on-hardwareModuleName, [0] { SEQUENCE { OID 1.2.3, OCTET STRING 0102 } } } }
  t.equal(Buffer.from(der).toString('hex'), '3018a01606082b06010505070804a00a300806022a0304020102');
});

t.test('malformed certificates raise only MeterkitError', async (t) => {
  const der = pki.device.der;
  t.throws(() => parseSepCertificate(new Uint8Array([0x30, 0x00])), { code: 306 });
  t.throws(() => parseSepCertificate(new Uint8Array([0x02, 0x01, 0x00])), { code: 306 });
  t.throws(() => parseSepCertificate(new Uint8Array([...der, 0x00])), { code: 306 });
  fc.assert(
    fc.property(fc.nat({ max: der.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, byte) => {
      const copy = new Uint8Array(der);
      copy[at] = byte;
      try {
        parseSepCertificate(copy);
        return true;
      } catch (e) {
        return isMeterkitError(e);
      }
    }),
    { numRuns: 400 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      try {
        parseSepCertificate(b);
        return true;
      } catch (e) {
        return isMeterkitError(e);
      }
    }),
    { numRuns: 300 },
  );
  t.pass('only MeterkitError');
});
