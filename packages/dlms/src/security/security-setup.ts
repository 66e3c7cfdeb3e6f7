/**
 * The method data of the Security setup interface class (class_id 64, IEC 62056-6-2 §4.4.7,
 * version 1): typed values and their COSEM data (A-XDR) form, plus the key wrapping that
 * `global_key_transfer` uses.
 *
 * | method | name                          | data                                         |
 * |--------|-------------------------------|----------------------------------------------|
 * | 1      | security_activate             | security_policy (enum)                       |
 * | 2      | global_key_transfer           | array of key_data {key_id enum, key_wrapped} |
 * | 3      | key_agreement                 | array of {key_id enum, key_data}             |
 * | 4      | generate_key_pair             | key_pair (enum)                              |
 * | 5      | generate_certificate_request  | key_pair (enum)                              |
 * | 6      | import_certificate            | certificate (octet-string, DER)              |
 * | 7      | export_certificate            | certificate_identification                   |
 * | 8      | remove_certificate            | certificate_identification                   |
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { DlmsData } from '../axdr/data.js';
import { DlmsErrorCode } from '../errors.js';
import { unwrapKey, wrapKey } from './key-wrap.js';
import { globalKeyName, requireKey, type SecurityContext } from './security-context.js';

/** class_id of Security setup. */
export const SECURITY_SETUP_CLASS_ID = 64;

/** Method ids of Security setup (IEC 62056-6-2 §4.4.7). */
export const SecuritySetupMethod = {
  SecurityActivate: 1,
  GlobalKeyTransfer: 2,
  KeyAgreement: 3,
  GenerateKeyPair: 4,
  GenerateCertificateRequest: 5,
  ImportCertificate: 6,
  ExportCertificate: 7,
  RemoveCertificate: 8,
} as const;

/** key_pair values of generate_key_pair / generate_certificate_request. */
export const KeyPairType = { DigitalSignature: 0, KeyAgreement: 1, Tls: 2 } as const;
/** certificate_entity values. */
export const CertificateEntityValue = { Server: 0, Client: 1, CertificationAuthority: 2, Other: 3 } as const;
/** certificate_type values. */
export const CertificateTypeValue = { DigitalSignature: 0, KeyAgreement: 1, Tls: 2, Other: 3 } as const;

/** One key of global_key_transfer: key_id (0 unicast, 1 broadcast, 2 authentication, 3 master) and the wrapped key. */
export interface KeyTransferEntry {
  readonly keyId: number;
  readonly keyWrapped: Uint8Array;
}

/** One key of key_agreement: key_id (0–2) and key_data (ephemeral public key ‖ signature). */
export interface KeyAgreementEntry {
  readonly keyId: number;
  readonly keyData: Uint8Array;
}

/** certificate_identification (IEC 62056-6-2 §4.4.7): by entity or by serial number. */
export type CertificateIdentification =
  | {
      readonly type: 'by-entity';
      readonly certificateEntity: number;
      readonly certificateType: number;
      readonly systemTitle: Uint8Array;
    }
  | {
      readonly type: 'by-serial';
      readonly serialNumber: Uint8Array;
      readonly issuer: Uint8Array;
    };

/** The typed data of one Security setup method invocation. */
export type SecuritySetupMethodInvocation =
  | { readonly type: 'security-activate'; readonly securityPolicy: number }
  | { readonly type: 'global-key-transfer'; readonly keys: readonly KeyTransferEntry[] }
  | { readonly type: 'key-agreement'; readonly keys: readonly KeyAgreementEntry[] }
  | { readonly type: 'generate-key-pair'; readonly keyPair: number }
  | { readonly type: 'generate-certificate-request'; readonly keyPair: number }
  | { readonly type: 'import-certificate'; readonly certificate: Uint8Array }
  | { readonly type: 'export-certificate'; readonly identification: CertificateIdentification }
  | { readonly type: 'remove-certificate'; readonly identification: CertificateIdentification };

const METHOD_OF: Record<SecuritySetupMethodInvocation['type'], number> = {
  'security-activate': 1,
  'global-key-transfer': 2,
  'key-agreement': 3,
  'generate-key-pair': 4,
  'generate-certificate-request': 5,
  'import-certificate': 6,
  'export-certificate': 7,
  'remove-certificate': 8,
};

/** The method id of an invocation. */
export function securitySetupMethodId(m: SecuritySetupMethodInvocation): number {
  return METHOD_OF[m.type];
}

const enumData = (value: number): DlmsData => ({ type: 'enum', value });
const octets = (value: Uint8Array): DlmsData => ({ type: 'octet-string', value });
const struct = (...value: DlmsData[]): DlmsData => ({ type: 'structure', value });

function identificationToData(id: CertificateIdentification): DlmsData {
  return id.type === 'by-entity'
    ? struct(
        enumData(0),
        struct(enumData(id.certificateEntity), enumData(id.certificateType), octets(id.systemTitle)),
      )
    : struct(enumData(1), struct(octets(id.serialNumber), octets(id.issuer)));
}

/** The COSEM data (method invocation parameters) of a Security setup method (IEC 62056-6-2 §4.4.7). */
export function securitySetupMethodToData(m: SecuritySetupMethodInvocation): DlmsData {
  switch (m.type) {
    case 'security-activate':
      return enumData(m.securityPolicy);
    case 'global-key-transfer':
      return { type: 'array', value: m.keys.map((k) => struct(enumData(k.keyId), octets(k.keyWrapped))) };
    case 'key-agreement':
      return { type: 'array', value: m.keys.map((k) => struct(enumData(k.keyId), octets(k.keyData))) };
    case 'generate-key-pair':
    case 'generate-certificate-request':
      return enumData(m.keyPair);
    case 'import-certificate':
      return octets(m.certificate);
    case 'export-certificate':
    case 'remove-certificate':
      return identificationToData(m.identification);
  }
}

function bad(path: string, what: string): never {
  throw new MeterkitError(DlmsErrorCode.AttributeValueInvalid, `Security setup ${path}: expected ${what}`, {
    path,
  });
}

function asEnum(d: DlmsData | undefined, path: string): number {
  if (d?.type !== 'enum') return bad(path, 'enum');
  return d.value;
}

function asOctets(d: DlmsData | undefined, path: string): Uint8Array {
  if (d?.type !== 'octet-string') return bad(path, 'octet-string');
  return d.value;
}

function asStructure(d: DlmsData | undefined, n: number, path: string): readonly DlmsData[] {
  if (d?.type !== 'structure' || d.value.length !== n) return bad(path, `structure of ${n} elements`);
  return d.value;
}

function asArray(d: DlmsData | undefined, path: string): readonly DlmsData[] {
  if (d?.type !== 'array') return bad(path, 'array');
  return d.value;
}

function identificationFromData(d: DlmsData, path: string): CertificateIdentification {
  const [kind, options] = asStructure(d, 2, path);
  const t = asEnum(kind, `${path}.certificate_identification_type`);
  if (t === 0) {
    const [e, ty, st] = asStructure(options, 3, `${path}.certificate_identification_by_entity`);
    return {
      type: 'by-entity',
      certificateEntity: asEnum(e, `${path}.certificate_entity`),
      certificateType: asEnum(ty, `${path}.certificate_type`),
      systemTitle: asOctets(st, `${path}.system_title`),
    };
  }
  if (t === 1) {
    const [sn, issuer] = asStructure(options, 2, `${path}.certificate_identification_by_serial`);
    return {
      type: 'by-serial',
      serialNumber: asOctets(sn, `${path}.serial_number`),
      issuer: asOctets(issuer, `${path}.issuer`),
    };
  }
  return bad(`${path}.certificate_identification_type`, 'enum 0 (by entity) or 1 (by serial)');
}

/**
 * The typed invocation of Security setup method `methodId` from its COSEM data. Throws
 * `AttributeValueInvalid` (228) when the data does not have the method's structure and
 * `ValueInvalid` (207) for an unknown method id.
 */
export function securitySetupMethodFromData(methodId: number, data: DlmsData): SecuritySetupMethodInvocation {
  switch (methodId) {
    case 1:
      return { type: 'security-activate', securityPolicy: asEnum(data, 'security_activate') };
    case 2:
      return {
        type: 'global-key-transfer',
        keys: asArray(data, 'global_key_transfer').map((e, i) => {
          const [id, wrapped] = asStructure(e, 2, `global_key_transfer[${i}]`);
          return {
            keyId: asEnum(id, `global_key_transfer[${i}].key_id`),
            keyWrapped: asOctets(wrapped, `global_key_transfer[${i}].key_wrapped`),
          };
        }),
      };
    case 3:
      return {
        type: 'key-agreement',
        keys: asArray(data, 'key_agreement').map((e, i) => {
          const [id, kd] = asStructure(e, 2, `key_agreement[${i}]`);
          return {
            keyId: asEnum(id, `key_agreement[${i}].key_id`),
            keyData: asOctets(kd, `key_agreement[${i}].key_data`),
          };
        }),
      };
    case 4:
      return { type: 'generate-key-pair', keyPair: asEnum(data, 'generate_key_pair') };
    case 5:
      return { type: 'generate-certificate-request', keyPair: asEnum(data, 'generate_certificate_request') };
    case 6:
      return { type: 'import-certificate', certificate: asOctets(data, 'import_certificate') };
    case 7:
      return {
        type: 'export-certificate',
        identification: identificationFromData(data, 'export_certificate'),
      };
    case 8:
      return {
        type: 'remove-certificate',
        identification: identificationFromData(data, 'remove_certificate'),
      };
    default:
      throw new MeterkitError(ErrorCode.ValueInvalid, `Security setup has no method ${methodId}`);
  }
}

/**
 * Wraps keys for global_key_transfer under the master key (KEK) (IEC 62056-6-2 §4.4.7,
 * RFC 3394). `keys` maps each key_id (0–3) to the new key.
 */
export function wrapGlobalKeys(
  masterKey: Uint8Array,
  keys: readonly { readonly keyId: number; readonly key: Uint8Array }[],
): KeyTransferEntry[] {
  return keys.map(({ keyId, key }) => {
    globalKeyName(keyId);
    return { keyId, keyWrapped: wrapKey(masterKey, key) };
  });
}

/**
 * Unwraps the keys of a global_key_transfer with the context's master key and installs them in the
 * context (the receiving server's side). All keys are unwrapped before any is installed, so a bad
 * entry changes nothing. Throws `AuthenticationFailed` (300) when an unwrap check fails.
 */
export function applyGlobalKeyTransfer(ctx: SecurityContext, entries: readonly KeyTransferEntry[]): void {
  const kek = requireKey(ctx, 'master-key').raw;
  const unwrapped = entries.map((e) => ({ name: globalKeyName(e.keyId), key: unwrapKey(kek, e.keyWrapped) }));
  for (const u of unwrapped) ctx.setKey(u.name, u.key);
  if (unwrapped.length > 0) ctx.replay?.reset();
}
