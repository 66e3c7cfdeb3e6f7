/**
 * Generation of a complete IEEE 2030.5 test PKI (IEEE 2030.5-2018 §6.11: SERCA → MCA → MICA →
 * device certificates, P-256 / ecdsa-with-SHA256, certificate policies, HardwareModuleName,
 * notAfter 99991231235959Z) and of device certificate signing requests, with @peculiar/x509 over
 * node's WebCrypto. For tests, labs and simulators: the keys are generated fresh and returned as PEM.
 */
import { webcrypto } from 'node:crypto';
import { ErrorCode, encodeBerNode, encodeOid, MeterkitError } from '@meterkit/core';
import type * as X509 from '@peculiar/x509';
import { SepCertificatePolicy, X509Oid } from './profile.js';

let x509Loaded: Promise<typeof X509> | undefined;

/**
 * @peculiar/x509 (with reflect-metadata, which it needs), loaded on the first PKI call: importing
 * `@meterkit/ieee2030-5` then costs no certificate-generation code (about 700 KB with its ASN.1
 * schemas), which matters in every conformance worker thread and every CLI start.
 */
function x509Library(): Promise<typeof X509> {
  x509Loaded ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return x509Loaded;
}

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** 9999-12-31T23:59:59Z, written as GeneralizedTime 99991231235959Z. */
const INDEFINITE = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));

/** A generated certificate with its private key. The key is PEM (PKCS #8); keep it out of logs. */
export interface IssuedCertificate {
  /** Certificate, PEM. */
  readonly certificatePem: string;
  /** Certificate, DER. */
  readonly der: Uint8Array;
  /** Private key, PKCS #8 PEM. */
  readonly privateKeyPem: string;
  /** The key pair (for signing further certificates). */
  readonly keys: CryptoKeyPair;
}

/** A generated 2030.5 test PKI. */
export interface TestPki {
  /** Self-signed root (Smart Energy Root CA). */
  readonly serca: IssuedCertificate;
  /** Manufacturer CA, when requested. */
  readonly mca?: IssuedCertificate;
  /** Manufacturer issuing CA. */
  readonly mica: IssuedCertificate;
  /** A device (client) certificate. */
  readonly device: IssuedCertificate;
  /** A server certificate (same profile: empty subject, HardwareModuleName). */
  readonly server: IssuedCertificate;
  /** PEM of the intermediates a peer sends after its own certificate: MICA, then MCA. */
  readonly chainPem: string;
}

/** Options of `createTestPki`. */
export interface TestPkiOptions {
  /** Include an MCA between SERCA and MICA (default true). */
  readonly mca?: boolean;
  /** hwType OID for the HardwareModuleName (default: a private test arc). */
  readonly hwType?: string;
  /** notBefore of every certificate (default 2024-01-01). */
  readonly notBefore?: Date;
}

/** Default hwType OID for generated devices (under the 2030.5 PEN test arc). */
export const TEST_HW_TYPE = '1.3.6.1.4.1.40732.99.1';

/** DER of a subjectAltName holding one HardwareModuleName otherName (RFC 4108 §5). */
export function hardwareModuleNameSan(hwType: string, hwSerialNum: Uint8Array): Uint8Array {
  return encodeBerNode({
    tagClass: 'universal',
    constructed: true,
    tag: 16,
    children: [
      {
        tagClass: 'context',
        constructed: true,
        tag: 0,
        children: [
          { tagClass: 'universal', constructed: false, tag: 6, value: encodeOid(X509Oid.hardwareModuleName) },
          {
            tagClass: 'context',
            constructed: true,
            tag: 0,
            children: [
              {
                tagClass: 'universal',
                constructed: true,
                tag: 16,
                children: [
                  { tagClass: 'universal', constructed: false, tag: 6, value: encodeOid(hwType) },
                  { tagClass: 'universal', constructed: false, tag: 4, value: hwSerialNum },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
}

async function pemKey(keys: CryptoKeyPair): Promise<string> {
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const b64 = Buffer.from(pkcs8)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function issued(cert: X509.X509Certificate, keys: CryptoKeyPair): Promise<IssuedCertificate> {
  return {
    certificatePem: `${cert.toString('pem').trimEnd()}\n`,
    der: new Uint8Array(cert.rawData),
    privateKeyPem: await pemKey(keys),
    keys,
  };
}

function serialHex(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(12));
  b[0] = (b[0] as number) & 0x7f;
  return Buffer.from(b).toString('hex');
}

/**
 * Generates a 2030.5 CA certificate (IEEE 2030.5 §6.11.2: SERCA when `issuer` is undefined, else
 * an MCA or MICA): P-256, critical basicConstraints cA with `pathLength`, critical keyUsage
 * keyCertSign + cRLSign, notAfter 99991231235959Z.
 */
export async function createCa(
  name: string,
  issuer?: IssuedCertificate,
  pathLength?: number,
  notBefore: Date = new Date(Date.UTC(2024, 0, 1)),
): Promise<IssuedCertificate> {
  const x509 = await x509Library();
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex(),
    subject: name,
    issuer: issuer === undefined ? name : new x509.X509Certificate(issuer.certificatePem).subject,
    notBefore,
    notAfter: INDEFINITE,
    signingAlgorithm: SIGN,
    publicKey: keys.publicKey,
    signingKey: issuer?.keys.privateKey ?? keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, pathLength, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.CertificatePolicyExtension(
        [SepCertificatePolicy.deviceGeneric, SepCertificatePolicy.test],
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return issued(cert, keys);
}

/** Options of `issueDeviceCertificate`. */
export interface DeviceCertificateOptions {
  /** hwType OID (default `TEST_HW_TYPE`). */
  readonly hwType?: string;
  /** hwSerialNum octets (default 8 random octets). */
  readonly hwSerialNum?: Uint8Array;
  /** Certificate policies (default device-generic + test). */
  readonly policies?: readonly string[];
  /** notBefore (default 2024-01-01). */
  readonly notBefore?: Date;
  /**
   * notAfter (default 99991231235959Z, the 2030.5 "no expiry" value). Another value makes
   * certificates that peers must refuse once expired, for refusal tests.
   */
  readonly notAfter?: Date;
}

/**
 * The device-profile extensions of IEEE 2030.5 §6.11.8: critical keyUsage (digitalSignature,
 * keyAgreement), critical certificatePolicies and the critical HardwareModuleName SAN (RFC 4108),
 * with a random 8-byte hwSerialNum unless `options` gives one.
 */
function deviceProfileExtensions(x509: typeof X509, options: DeviceCertificateOptions): X509.Extension[] {
  const serial = options.hwSerialNum ?? webcrypto.getRandomValues(new Uint8Array(8));
  return [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    new x509.CertificatePolicyExtension(
      [...(options.policies ?? [SepCertificatePolicy.deviceGeneric, SepCertificatePolicy.test])],
      true,
    ),
    new x509.Extension(
      X509Oid.subjectAltName,
      true,
      hardwareModuleNameSan(options.hwType ?? TEST_HW_TYPE, serial),
    ),
  ];
}

/**
 * Issues a 2030.5 device certificate (IEEE 2030.5 §6.11.8) for `publicKey`, signed by `issuer`
 * (a MICA): empty subject, critical HardwareModuleName SAN, critical policies, critical keyUsage
 * digitalSignature + keyAgreement, notAfter 99991231235959Z.
 */
export async function issueDeviceCertificate(
  publicKey: CryptoKey,
  issuer: IssuedCertificate,
  options: DeviceCertificateOptions = {},
): Promise<X509.X509Certificate> {
  const x509 = await x509Library();
  const issuerCert = new x509.X509Certificate(issuer.certificatePem);
  return x509.X509CertificateGenerator.create({
    serialNumber: serialHex(),
    subject: '',
    issuer: issuerCert.subject,
    notBefore: options.notBefore ?? new Date(Date.UTC(2024, 0, 1)),
    notAfter: options.notAfter ?? INDEFINITE,
    signingAlgorithm: SIGN,
    publicKey,
    signingKey: issuer.keys.privateKey,
    extensions: [
      ...deviceProfileExtensions(x509, options),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    ],
  });
}

/**
 * Creates a PKCS #10 request for a 2030.5 device (IEEE 2030.5 §6.11.8: P-256 key, SHA-256,
 * empty subject, HardwareModuleName and keyUsage requested as extensions). Returns the request PEM
 * and the new key pair.
 */
export async function createDeviceCsr(
  hwSerialNum: Uint8Array,
  hwType: string = TEST_HW_TYPE,
): Promise<{ readonly csrPem: string; readonly keys: CryptoKeyPair; readonly privateKeyPem: string }> {
  const x509 = await x509Library();
  const keys = await newKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: '',
    keys,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      new x509.Extension(X509Oid.subjectAltName, true, hardwareModuleNameSan(hwType, hwSerialNum)),
    ],
  });
  return { csrPem: csr.toString('pem'), keys, privateKeyPem: await pemKey(keys) };
}

/** Issues a device certificate from a PKCS #10 request PEM (signature checked first). */
export async function issueFromCsr(
  csrPem: string,
  issuer: IssuedCertificate,
  options: DeviceCertificateOptions = {},
): Promise<X509.X509Certificate> {
  const x509 = await x509Library();
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await csr.verify()))
    throw new MeterkitError(ErrorCode.SignatureInvalid, 'CSR signature does not verify');
  return issueDeviceCertificate(await csr.publicKey.export(EC, ['verify']), issuer, options);
}

/** Generates a key pair and a 2030.5 device certificate for it, issued by `issuer` (a MICA). */
export async function createDevice(
  issuer: IssuedCertificate,
  options: DeviceCertificateOptions = {},
): Promise<IssuedCertificate> {
  const keys = await newKeys();
  return issued(await issueDeviceCertificate(keys.publicKey, issuer, options), keys);
}

/**
 * Generates a self-signed certificate that otherwise has the 2030.5 device profile (IEEE 2030.5
 * §6.11.8: P-256, critical keyUsage, policies and HardwareModuleName SAN). No SERCA leads to it,
 * so every 2030.5 peer must refuse it: for refusal tests and labs.
 */
export async function createSelfSignedDevice(
  options: DeviceCertificateOptions = {},
): Promise<IssuedCertificate> {
  const x509 = await x509Library();
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialHex(),
    name: '',
    keys,
    notBefore: options.notBefore ?? new Date(Date.UTC(2024, 0, 1)),
    notAfter: options.notAfter ?? INDEFINITE,
    signingAlgorithm: SIGN,
    extensions: deviceProfileExtensions(x509, options),
  });
  return issued(cert, keys);
}

/** Generates SERCA → (MCA →) MICA and a device and a server certificate under the MICA. */
export async function createTestPki(options: TestPkiOptions = {}): Promise<TestPki> {
  const notBefore = options.notBefore ?? new Date(Date.UTC(2024, 0, 1));
  const serca = await createCa('CN=meterkit test SERCA', undefined, undefined, notBefore);
  const mca = options.mca === false ? undefined : await createCa('CN=meterkit test MCA', serca, 1, notBefore);
  const mica = await createCa('CN=meterkit test MICA', mca ?? serca, 0, notBefore);
  const leafOptions = {
    notBefore,
    ...(options.hwType === undefined ? {} : { hwType: options.hwType }),
  };
  const leaf = () => createDevice(mica, leafOptions);
  const device = await leaf();
  const server = await leaf();
  const chainPem = mica.certificatePem + (mca?.certificatePem ?? '');
  return { serca, ...(mca === undefined ? {} : { mca }), mica, device, server, chainPem };
}
