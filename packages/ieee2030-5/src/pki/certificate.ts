/**
 * Parsing and profile checks of IEEE 2030.5 certificates (IEEE 2030.5-2018 §6.11, X.509 per
 * RFC 5280): device certificates and the SERCA → MCA → MICA → device chain.
 *
 * The DER is walked with meterkit's own BER reader so every field the 2030.5 profile constrains
 * (HardwareModuleName otherName, policies, criticality, notAfter encoding) is visible; signatures
 * are verified with node:crypto.
 */
import { createHash, X509Certificate } from 'node:crypto';
import {
  type BerTlv,
  decodeBerTree,
  decodeBitString,
  decodeOid,
  ErrorCode,
  MeterkitError,
  toHex,
} from '@meterkit/core';
import { Ieee20305ErrorCode } from '../errors.js';
import { certificateDer, sfdiFromLfdi } from '../ids.js';
import { NOT_AFTER_INDEFINITE, SEP_POLICY_ARC, X509Oid } from './profile.js';

/** One X.509 extension (RFC 5280 §4.1.2.9). */
export interface CertificateExtension {
  /** extnID. */
  readonly oid: string;
  /** Whether the extension is marked critical. */
  readonly critical: boolean;
  /** extnValue content (DER of the extension's own structure). */
  readonly value: Uint8Array;
}

/** HardwareModuleName (RFC 4108 §5) carried as otherName in subjectAltName. */
export interface HardwareModuleName {
  /** hwType: the manufacturer's OID for the hardware type. */
  readonly hwType: string;
  /** hwSerialNum octets. */
  readonly hwSerialNum: Uint8Array;
}

/** The key usage bits (RFC 5280 §4.2.1.3) the 2030.5 profile looks at. */
export interface KeyUsageBits {
  readonly digitalSignature: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
}

/** A parsed certificate with the fields IEEE 2030.5 §6.11 constrains. */
export interface SepCertificate {
  /** DER encoding (view of the input or of the PEM's decoded bytes). */
  readonly raw: Uint8Array;
  /** X.509 version (3 = v3). */
  readonly version: number;
  /** Serial number, lowercase hex of the INTEGER content. */
  readonly serialNumber: string;
  /** Signature algorithm OID (outer AlgorithmIdentifier). */
  readonly signatureAlgorithm: string;
  /** Issuer Name DER. */
  readonly issuer: Uint8Array;
  /** Subject Name DER. */
  readonly subject: Uint8Array;
  /** Whether the subject is an empty SEQUENCE (2030.5 device certificates). */
  readonly subjectEmpty: boolean;
  /** notBefore as written (UTCTime or GeneralizedTime text). */
  readonly notBefore: string;
  /** notAfter as written. */
  readonly notAfter: string;
  /** Whether notAfter uses GeneralizedTime (required for 99991231235959Z). */
  readonly notAfterGeneralized: boolean;
  /** Public key algorithm OID. */
  readonly publicKeyAlgorithm: string;
  /** Named curve OID for EC keys. */
  readonly publicKeyCurve?: string;
  /** All extensions, in order. */
  readonly extensions: readonly CertificateExtension[];
  /** Key usage, when present. */
  readonly keyUsage?: KeyUsageBits;
  /** Basic constraints, when present. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** Certificate policy OIDs, in order. */
  readonly policies: readonly string[];
  /** HardwareModuleName from subjectAltName, when present. */
  readonly hardwareModuleName?: HardwareModuleName;
  /** LFDI (IEEE 2030.5 §6.3.4) of this certificate. */
  readonly lfdi: string;
  /** SFDI (§6.3.3). */
  readonly sfdi: bigint;
}

function bad(message: string, path: string, offset?: number): never {
  throw new MeterkitError(ErrorCode.CertificateInvalid, message, {
    path,
    ...(offset === undefined ? {} : { offset }),
  });
}

function expect(node: BerTlv | undefined, tagClass: BerTlv['tagClass'], tag: number, path: string): BerTlv {
  if (node === undefined) bad(`missing ${path}`, path);
  if (node.tagClass !== tagClass || node.tag !== tag) bad(`unexpected tag at ${path}`, path, node.offset);
  return node;
}

function kids(node: BerTlv, path: string): readonly BerTlv[] {
  if (node.children === undefined) bad(`${path} is not constructed`, path, node.offset);
  return node.children;
}

function oidOf(node: BerTlv | undefined, path: string): string {
  return decodeOid(expect(node, 'universal', 6, path).value, node?.offset, path);
}

function tree(bytes: Uint8Array, path: string): BerTlv[] {
  try {
    return decodeBerTree(bytes, { maxDepth: 16 });
  } catch (e) {
    throw new MeterkitError(ErrorCode.CertificateInvalid, `${path} is not valid DER`, { path, cause: e });
  }
}

const latin1 = new TextDecoder('latin1');

/** Parses a certificate (PEM or DER) and extracts the fields of the IEEE 2030.5 §6.11 profile. */
export function parseSepCertificate(certificate: string | Uint8Array): SepCertificate {
  const raw = typeof certificate === 'string' ? certificateDer(certificate) : certificate;
  const top = tree(raw, 'certificate');
  if (top.length !== 1) bad('trailing data after the certificate', 'certificate');
  const cert = kids(expect(top[0], 'universal', 16, 'certificate'), 'certificate');
  const tbs = kids(expect(cert[0], 'universal', 16, 'tbsCertificate'), 'tbsCertificate');
  const signatureAlgorithm = oidOf(
    kids(expect(cert[1], 'universal', 16, 'signatureAlgorithm'), 'signatureAlgorithm')[0],
    'signatureAlgorithm.algorithm',
  );
  expect(cert[2], 'universal', 3, 'signatureValue');
  let i = 0;
  let version = 1;
  if (tbs[0]?.tagClass === 'context' && tbs[0].tag === 0) {
    const v = expect(kids(tbs[0], 'version')[0], 'universal', 2, 'version');
    version = (v.value[0] ?? 0) + 1;
    i = 1;
  }
  const serial = expect(tbs[i++], 'universal', 2, 'serialNumber');
  expect(tbs[i++], 'universal', 16, 'signature');
  const issuer = expect(tbs[i++], 'universal', 16, 'issuer');
  const validity = kids(expect(tbs[i++], 'universal', 16, 'validity'), 'validity');
  const subject = expect(tbs[i++], 'universal', 16, 'subject');
  const spki = kids(expect(tbs[i++], 'universal', 16, 'subjectPublicKeyInfo'), 'subjectPublicKeyInfo');
  const alg = kids(
    expect(spki[0], 'universal', 16, 'subjectPublicKeyInfo.algorithm'),
    'subjectPublicKeyInfo.algorithm',
  );
  const publicKeyAlgorithm = oidOf(alg[0], 'subjectPublicKeyInfo.algorithm.algorithm');
  const publicKeyCurve =
    alg[1]?.tag === 6 && alg[1].tagClass === 'universal'
      ? oidOf(alg[1], 'subjectPublicKeyInfo.algorithm.parameters')
      : undefined;
  const time = (n: BerTlv | undefined, path: string): { text: string; generalized: boolean } => {
    if (n === undefined || n.tagClass !== 'universal' || (n.tag !== 23 && n.tag !== 24))
      bad(`bad ${path}`, path, n?.offset);
    return { text: latin1.decode(n.value), generalized: n.tag === 24 };
  };
  const notBefore = time(validity[0], 'validity.notBefore');
  const notAfter = time(validity[1], 'validity.notAfter');
  const extensions: CertificateExtension[] = [];
  for (; i < tbs.length; i++) {
    const n = tbs[i] as BerTlv;
    if (n.tagClass !== 'context' || n.tag !== 3) continue;
    const list = kids(expect(kids(n, 'extensions')[0], 'universal', 16, 'extensions'), 'extensions');
    for (const e of list) {
      const parts = kids(expect(e, 'universal', 16, 'extension'), 'extension');
      const oid = oidOf(parts[0], 'extension.extnID');
      let critical = false;
      let k = 1;
      if (parts[1]?.tagClass === 'universal' && parts[1].tag === 1) {
        critical = (parts[1].value[0] ?? 0) !== 0;
        k = 2;
      }
      extensions.push({ oid, critical, value: expect(parts[k], 'universal', 4, `extension ${oid}`).value });
    }
  }
  const ext = (oid: string) => extensions.find((e) => e.oid === oid);
  let keyUsage: KeyUsageBits | undefined;
  const ku = ext(X509Oid.keyUsage);
  if (ku !== undefined) {
    const bits = decodeBitString(expect(tree(ku.value, 'keyUsage')[0], 'universal', 3, 'keyUsage').value);
    const b0 = bits.bytes[0] ?? 0;
    keyUsage = {
      digitalSignature: (b0 & 0x80) !== 0,
      keyAgreement: (b0 & 0x08) !== 0,
      keyCertSign: (b0 & 0x04) !== 0,
      cRLSign: (b0 & 0x02) !== 0,
    };
  }
  let basicConstraints: SepCertificate['basicConstraints'];
  const bc = ext(X509Oid.basicConstraints);
  if (bc !== undefined) {
    const seq = kids(
      expect(tree(bc.value, 'basicConstraints')[0], 'universal', 16, 'basicConstraints'),
      'basicConstraints',
    );
    let ca = false;
    let pathLength: number | undefined;
    for (const n of seq) {
      if (n.tagClass === 'universal' && n.tag === 1) ca = (n.value[0] ?? 0) !== 0;
      else if (n.tagClass === 'universal' && n.tag === 2 && n.value.length <= 4) {
        pathLength = n.value.reduce((a, b) => a * 256 + b, 0);
      }
    }
    basicConstraints = pathLength === undefined ? { ca } : { ca, pathLength };
  }
  const policies: string[] = [];
  const cp = ext(X509Oid.certificatePolicies);
  if (cp !== undefined) {
    for (const p of kids(
      expect(tree(cp.value, 'certificatePolicies')[0], 'universal', 16, 'certificatePolicies'),
      'certificatePolicies',
    )) {
      policies.push(
        oidOf(
          kids(expect(p, 'universal', 16, 'policyInformation'), 'policyInformation')[0],
          'policyIdentifier',
        ),
      );
    }
  }
  let hardwareModuleName: HardwareModuleName | undefined;
  const san = ext(X509Oid.subjectAltName);
  if (san !== undefined) {
    for (const g of kids(
      expect(tree(san.value, 'subjectAltName')[0], 'universal', 16, 'subjectAltName'),
      'subjectAltName',
    )) {
      if (g.tagClass !== 'context' || g.tag !== 0 || !g.constructed) continue;
      const on = kids(g, 'otherName');
      if (oidOf(on[0], 'otherName.type-id') !== X509Oid.hardwareModuleName) continue;
      const wrapped = expect(on[1], 'context', 0, 'otherName.value');
      const hmn = kids(
        expect(kids(wrapped, 'otherName.value')[0], 'universal', 16, 'hardwareModuleName'),
        'hardwareModuleName',
      );
      hardwareModuleName = {
        hwType: oidOf(hmn[0], 'hardwareModuleName.hwType'),
        hwSerialNum: expect(hmn[1], 'universal', 4, 'hardwareModuleName.hwSerialNum').value,
      };
    }
  }
  const lfdi = createHash('sha256').update(raw).digest('hex').slice(0, 40);
  return {
    raw,
    version,
    serialNumber: toHex(serial.value),
    signatureAlgorithm,
    issuer: issuer.raw,
    subject: subject.raw,
    subjectEmpty: subject.value.length === 0,
    notBefore: notBefore.text,
    notAfter: notAfter.text,
    notAfterGeneralized: notAfter.generalized,
    publicKeyAlgorithm,
    ...(publicKeyCurve === undefined ? {} : { publicKeyCurve }),
    extensions,
    ...(keyUsage === undefined ? {} : { keyUsage }),
    ...(basicConstraints === undefined ? {} : { basicConstraints }),
    policies,
    ...(hardwareModuleName === undefined ? {} : { hardwareModuleName }),
    lfdi,
    sfdi: sfdiFromLfdi(lfdi),
  };
}

/** Roles of certificates in a 2030.5 chain (IEEE 2030.5 §6.11.2). */
export type SepCertificateRole = 'device' | 'ca';

/**
 * Checks a parsed certificate against the IEEE 2030.5 §6.11 profile and returns the problems
 * found (empty = conforms). Devices: P-256, ecdsa-with-SHA256, empty subject, critical
 * subjectAltName with HardwareModuleName, critical certificatePolicies with a 2030.5 device policy,
 * critical keyUsage digitalSignature + keyAgreement, no CA flag, notAfter 99991231235959Z
 * (GeneralizedTime). CAs: P-256, ecdsa-with-SHA256, basicConstraints cA, keyCertSign, notAfter 9999.
 */
export function checkSepCertificate(cert: SepCertificate, role: SepCertificateRole = 'device'): string[] {
  const problems: string[] = [];
  if (cert.version !== 3) problems.push(`version ${cert.version}, expected v3`);
  if (cert.signatureAlgorithm !== X509Oid.ecdsaWithSha256)
    problems.push(`signature algorithm ${cert.signatureAlgorithm} is not ecdsa-with-SHA256`);
  if (cert.publicKeyAlgorithm !== X509Oid.ecPublicKey || cert.publicKeyCurve !== X509Oid.prime256v1) {
    problems.push('public key is not an EC P-256 key');
  }
  if (cert.notAfter !== NOT_AFTER_INDEFINITE || !cert.notAfterGeneralized) {
    problems.push(`notAfter ${cert.notAfter} is not the GeneralizedTime ${NOT_AFTER_INDEFINITE}`);
  }
  const ext = (oid: string) => cert.extensions.find((e) => e.oid === oid);
  if (role === 'device') {
    if (!cert.subjectEmpty) problems.push('subject is not empty');
    const san = ext(X509Oid.subjectAltName);
    if (san === undefined || cert.hardwareModuleName === undefined)
      problems.push('no HardwareModuleName subjectAltName');
    else if (!san.critical) problems.push('subjectAltName is not critical');
    const cp = ext(X509Oid.certificatePolicies);
    if (cp === undefined) problems.push('no certificatePolicies');
    else {
      if (!cp.critical) problems.push('certificatePolicies is not critical');
      if (!cert.policies.some((p) => p.startsWith(`${SEP_POLICY_ARC}1.`)))
        problems.push('no IEEE 2030.5 device policy (1.3.6.1.4.1.40732.1.x)');
    }
    const ku = ext(X509Oid.keyUsage);
    if (ku === undefined || cert.keyUsage === undefined) problems.push('no keyUsage');
    else {
      if (!ku.critical) problems.push('keyUsage is not critical');
      if (!cert.keyUsage.digitalSignature || !cert.keyUsage.keyAgreement)
        problems.push('keyUsage lacks digitalSignature and keyAgreement');
      if (cert.keyUsage.keyCertSign) problems.push('device certificate may sign certificates');
    }
    if (cert.basicConstraints?.ca === true) problems.push('device certificate is a CA');
  } else {
    if (cert.basicConstraints?.ca !== true) problems.push('CA certificate without basicConstraints cA');
    if (cert.keyUsage?.keyCertSign !== true) problems.push('CA certificate without keyCertSign');
  }
  return problems;
}

/** Throws `CertificateProfileInvalid` (360) with the first problem unless the certificate conforms. */
export function assertSepCertificate(cert: SepCertificate, role: SepCertificateRole = 'device'): void {
  const problems = checkSepCertificate(cert, role);
  if (problems.length > 0) {
    throw new MeterkitError(Ieee20305ErrorCode.CertificateProfileInvalid, problems.join('; '), {
      path: role,
    });
  }
}

function x509(c: SepCertificate): X509Certificate {
  return new X509Certificate(Buffer.from(c.raw.buffer, c.raw.byteOffset, c.raw.byteLength));
}

/**
 * Verifies a 2030.5 chain (IEEE 2030.5 §6.11.2): `chain` is leaf first (device, then MICA, then
 * MCA if any), ending with a certificate issued by `serca` (the trust anchor). Checks issuer/subject
 * names and each signature with node:crypto, the CA profile of every issuer, path-length limits,
 * and the device profile of the leaf. Throws `CertificateInvalid` (306) or
 * `CertificateProfileInvalid` (360).
 */
export function verifySepChain(chain: readonly SepCertificate[], serca: SepCertificate): void {
  if (chain.length === 0) throw new MeterkitError(ErrorCode.InvalidArgument, 'empty certificate chain');
  const leaf = chain[0] as SepCertificate;
  assertSepCertificate(leaf, 'device');
  assertSepCertificate(serca, 'ca');
  const path = [...chain, serca];
  for (let k = 0; k < path.length - 1; k++) {
    const child = path[k] as SepCertificate;
    const issuer = path[k + 1] as SepCertificate;
    if (k > 0) assertSepCertificate(child, 'ca');
    if (toHex(child.issuer) !== toHex(issuer.subject)) {
      throw new MeterkitError(
        ErrorCode.CertificateInvalid,
        `certificate ${k} is not issued by the next one`,
        { path: `chain[${k}]` },
      );
    }
    if (!x509(child).verify(x509(issuer).publicKey)) {
      throw new MeterkitError(ErrorCode.CertificateInvalid, `certificate ${k} signature does not verify`, {
        path: `chain[${k}]`,
      });
    }
    const limit = issuer.basicConstraints?.pathLength;
    // CAs between issuer and leaf: k (intermediates below this issuer, the leaf excluded).
    if (limit !== undefined && k > limit) {
      throw new MeterkitError(ErrorCode.CertificateInvalid, `path length of certificate ${k + 1} exceeded`, {
        path: `chain[${k + 1}]`,
      });
    }
  }
  if (!x509(serca).verify(x509(serca).publicKey)) {
    throw new MeterkitError(ErrorCode.CertificateInvalid, 'SERCA is not self-signed', { path: 'serca' });
  }
}
