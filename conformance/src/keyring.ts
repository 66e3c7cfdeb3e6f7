import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ErrorCode, fromHex, MeterkitError } from '@meterkit/core';
import { certificatePublicKey, importEcPublicKey, securitySuiteParameters } from '@meterkit/dlms';

/** DLMS keys of one system title (IEC 62056-5-3 §9.2.7: EK, AK, and optionally the HLS secret). */
export interface DlmsKeyEntry {
  /** The system title (8 octets) the keys belong to. */
  readonly systemTitle: Uint8Array;
  /** Global unicast encryption key. */
  readonly ek?: Uint8Array | undefined;
  /** Authentication key. */
  readonly ak?: Uint8Array | undefined;
  /** Global broadcast encryption key. */
  readonly bk?: Uint8Array | undefined;
  /**
   * The HLS secret of this system title's association (IEC 62056-5-3 §9.2.2.2, mechanisms 2, 3, 4
   * and 6). Never printed.
   */
  readonly hlsSecret?: Uint8Array | undefined;
  /**
   * The ECDSA public key of this system title (IEC 62056-5-3 §9.2.6, mechanism 7): from `publicKey`
   * (hex X ‖ Y or 04 ‖ X ‖ Y, P-256 or P-384) or `certificate` (PEM text or hex DER).
   */
  readonly signingPublicKey?: KeyObject | undefined;
  /**
   * The ECDSA private key of this system title (PEM, PKCS#8 or SEC 1), for a replay that must
   * answer an HLS mechanism-7 challenge as this client (IEC 62056-5-3 §9.2.7.4). Never printed.
   */
  readonly signingKey?: KeyObject | undefined;
}

/**
 * Run settings a keyring file may carry next to its keys (`"settings"`): the IEEE 2030.5 schema
 * for SEP-XSD-VALID and the tolerance of SEP-EVENT-RESPONSE.
 */
export interface KeyringSettings {
  /**
   * sep.xsd (first) and the schemas it imports, by path; relative paths in a keyring file are
   * relative to that file (IEEE 2030.5-2018 Annex B).
   */
  readonly sepSchema?: readonly string[] | undefined;
  /** How far (seconds) an event Response may be from the moment it is due (default 5). */
  readonly sepResponseToleranceSeconds?: number | undefined;
}

/** A C12.22 key (IEEE 1703 §5.3.4.13, EAX' key selected by key id), optionally tied to an AP title. */
export interface C1222KeyEntry {
  /** Dotted OID of the AP title the key is used with; absent = any. */
  readonly apTitle?: string | undefined;
  readonly keyId: number;
  readonly key: Uint8Array;
}

/** IEEE 2030.5 identities (§6.3.4 LFDI) with what the harness may know of them. */
export interface Ieee20305KeyEntry {
  /** The LFDI (20 octets, hex in the file). */
  readonly lfdi: string;
  /** SFDI, when given. */
  readonly sfdi?: string | undefined;
}

const REDACTED = '[redacted]';

function signingKey(e: Record<string, unknown>, where: string): KeyObject | undefined {
  if (e.publicKey !== undefined && e.certificate !== undefined)
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `keyring: ${where} has both publicKey and certificate`,
    );
  if (e.publicKey !== undefined) {
    const raw = hexField(e.publicKey, `${where}.publicKey`);
    const n = raw.length - (raw.length % 2);
    // 64 (or 65) octets: P-256 (suite 1); 96 (or 97): P-384 (suite 2)
    const suite = n === 64 ? 1 : n === 96 ? 2 : undefined;
    if (suite === undefined)
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `keyring: ${where}.publicKey must be a P-256 or P-384 point (64/65 or 96/97 octets)`,
      );
    return importEcPublicKey(securitySuiteParameters(suite), raw);
  }
  if (e.certificate !== undefined) {
    if (typeof e.certificate !== 'string')
      throw new MeterkitError(ErrorCode.InvalidArgument, `keyring: ${where}.certificate must be a string`);
    const c = e.certificate.trim();
    return certificatePublicKey(c.startsWith('-----BEGIN') ? c : hexField(c, `${where}.certificate`));
  }
  return undefined;
}

function parseSettings(v: unknown, base: string | undefined): KeyringSettings {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new MeterkitError(ErrorCode.InvalidArgument, 'keyring: "settings" must be an object');
  const o = v as Record<string, unknown>;
  let schema: string[] | undefined;
  if (o.sepSchema !== undefined) {
    const list = Array.isArray(o.sepSchema) ? o.sepSchema : [o.sepSchema];
    if (list.length === 0 || list.some((x) => typeof x !== 'string' || x === ''))
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        'keyring: settings.sepSchema must be a path or a list of paths',
      );
    schema = (list as string[]).map((p) => (base === undefined || isAbsolute(p) ? p : resolve(base, p)));
  }
  const tol = o.sepResponseToleranceSeconds;
  if (tol !== undefined && (typeof tol !== 'number' || !Number.isFinite(tol) || tol < 0))
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      'keyring: settings.sepResponseToleranceSeconds must be a number ≥ 0',
    );
  return { sepSchema: schema, sepResponseToleranceSeconds: tol as number | undefined };
}

function hexField(v: unknown, where: string, size?: number): Uint8Array {
  if (typeof v !== 'string')
    throw new MeterkitError(ErrorCode.InvalidArgument, `keyring: ${where} must be a hex string`);
  let b: Uint8Array;
  try {
    b = fromHex(v);
  } catch {
    // never echo the value: it may be a key
    throw new MeterkitError(ErrorCode.InvalidArgument, `keyring: ${where} is not valid hex`);
  }
  if (size !== undefined && b.length !== size)
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `keyring: ${where} must be ${size} octets, not ${b.length}`,
    );
  return b;
}

function privateKeyField(v: unknown, where: string): KeyObject {
  if (typeof v !== 'string')
    throw new MeterkitError(ErrorCode.InvalidArgument, `keyring: ${where} must be a PEM private key`);
  try {
    const k = createPrivateKey(v);
    if (k.asymmetricKeyType !== 'ec') throw new Error('not an EC key');
    return k;
  } catch {
    // never echo the value: it is a private key
    throw new MeterkitError(ErrorCode.InvalidArgument, `keyring: ${where} is not a PEM EC private key`);
  }
}

function hlsSecretField(v: unknown, where: string): Uint8Array {
  const b = hexField(v, where);
  if (b.length === 0 || b.length > 64)
    throw new MeterkitError(ErrorCode.InvalidArgument, `keyring: ${where} must be 1..64 octets`);
  return b;
}

function optionalKey(o: Record<string, unknown>, name: string, where: string): Uint8Array | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  const b = hexField(v, `${where}.${name}`);
  if (b.length !== 16 && b.length !== 32)
    throw new MeterkitError(ErrorCode.InvalidArgument, `keyring: ${where}.${name} must be 16 or 32 octets`);
  return b;
}

function list(o: Record<string, unknown>, name: string): Record<string, unknown>[] {
  const v = o[name];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((e) => typeof e !== 'object' || e === null || Array.isArray(e)))
    throw new MeterkitError(ErrorCode.InvalidArgument, `keyring: "${name}" must be an array of objects`);
  return v as Record<string, unknown>[];
}

function keyHex(b: Uint8Array): string {
  let s = '';
  for (const v of b) s += v.toString(16).padStart(2, '0');
  return s;
}

/**
 * The keys a conformance run may use, by identity: DLMS by system title (IEC 62056-5-3 §4.3.4),
 * C12.22 by AP title and key id (IEEE 1703 §5.3.4.13), IEEE 2030.5 by LFDI (§6.3.4). Keys never
 * appear in `toString`, `toJSON` or errors: only the identities and which keys are present.
 */
export class Keyring {
  readonly #dlms: DlmsKeyEntry[];
  readonly #c1222: C1222KeyEntry[];
  readonly #sep: Ieee20305KeyEntry[];
  /** Run settings (schema paths, tolerances); not secret. */
  readonly settings: KeyringSettings;

  constructor(
    parts: {
      readonly dlms?: readonly DlmsKeyEntry[];
      readonly c1222?: readonly C1222KeyEntry[];
      readonly ieee20305?: readonly Ieee20305KeyEntry[];
      readonly settings?: KeyringSettings;
    } = {},
  ) {
    this.#dlms = [...(parts.dlms ?? [])];
    this.#c1222 = [...(parts.c1222 ?? [])];
    this.#sep = [...(parts.ieee20305 ?? [])];
    this.settings = { ...(parts.settings ?? {}) };
  }

  /** The same keys with settings replaced where `settings` gives a value (e.g. a `--schema` option). */
  withSettings(settings: KeyringSettings): Keyring {
    const merged: KeyringSettings = {
      sepSchema: settings.sepSchema ?? this.settings.sepSchema,
      sepResponseToleranceSeconds:
        settings.sepResponseToleranceSeconds ?? this.settings.sepResponseToleranceSeconds,
    };
    return new Keyring({ dlms: this.#dlms, c1222: this.#c1222, ieee20305: this.#sep, settings: merged });
  }

  /** An empty keyring. */
  static empty(): Keyring {
    return new Keyring();
  }

  /**
   * Parses a keyring document: `{ "dlms": [{ "systemTitle", "ek", "ak", "bk" }], "c1222": [{ "apTitle",
   * "keyId", "key" }], "ieee2030-5": [{ "lfdi", "sfdi" }] }`, hex for bytes. DLMS entries may add
   * `hlsSecret` (hex) and `publicKey` (hex) or `certificate` (PEM or hex DER); `"settings"` holds
   * `sepSchema` and `sepResponseToleranceSeconds` (relative paths resolved against `baseDir`).
   */
  static parse(text: string, baseDir?: string): Keyring {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new MeterkitError(ErrorCode.InvalidArgument, 'keyring: not a JSON document');
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      throw new MeterkitError(ErrorCode.InvalidArgument, 'keyring: the document must be a JSON object');
    const o = doc as Record<string, unknown>;
    const dlms = list(o, 'dlms').map((e, i): DlmsKeyEntry => {
      const where = `dlms[${i}]`;
      return {
        systemTitle: hexField(e.systemTitle, `${where}.systemTitle`, 8),
        ek: optionalKey(e, 'ek', where),
        ak: optionalKey(e, 'ak', where),
        bk: optionalKey(e, 'bk', where),
        hlsSecret: e.hlsSecret === undefined ? undefined : hlsSecretField(e.hlsSecret, `${where}.hlsSecret`),
        signingPublicKey: signingKey(e, where),
        signingKey:
          e.signingKey === undefined ? undefined : privateKeyField(e.signingKey, `${where}.signingKey`),
      };
    });
    const c1222 = list(o, 'c1222').map((e, i): C1222KeyEntry => {
      const where = `c1222[${i}]`;
      const keyId = e.keyId ?? 0;
      if (typeof keyId !== 'number' || !Number.isInteger(keyId) || keyId < 0 || keyId > 255)
        throw new MeterkitError(ErrorCode.InvalidArgument, `keyring: ${where}.keyId must be 0..255`);
      if (e.apTitle !== undefined && (typeof e.apTitle !== 'string' || !/^\.?\d+(\.\d+)*$/.test(e.apTitle)))
        throw new MeterkitError(ErrorCode.InvalidArgument, `keyring: ${where}.apTitle must be a dotted OID`);
      return { apTitle: e.apTitle as string | undefined, keyId, key: hexField(e.key, `${where}.key`, 16) };
    });
    const sep = list(o, 'ieee2030-5').map((e, i): Ieee20305KeyEntry => {
      const where = `ieee2030-5[${i}]`;
      hexField(e.lfdi, `${where}.lfdi`, 20);
      return {
        lfdi: String(e.lfdi).toLowerCase(),
        sfdi: e.sfdi === undefined ? undefined : String(e.sfdi),
      };
    });
    return new Keyring({ dlms, c1222, ieee20305: sep, settings: parseSettings(o.settings, baseDir) });
  }

  /** Reads and parses a keyring file. */
  static async load(path: string): Promise<Keyring> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new MeterkitError(ErrorCode.InputUnreadable, `cannot read keyring ${path}`, { cause: e });
    }
    return Keyring.parse(text, dirname(path));
  }

  /** DLMS keys of a system title, if any. */
  dlmsKeys(systemTitle: Uint8Array): DlmsKeyEntry | undefined {
    const want = keyHex(systemTitle);
    return this.#dlms.find((e) => keyHex(e.systemTitle) === want);
  }

  /** The DLMS entry when the keyring holds exactly one (for APDUs that do not name their sender). */
  onlyDlmsEntry(): DlmsKeyEntry | undefined {
    return this.#dlms.length === 1 ? this.#dlms[0] : undefined;
  }

  /** The DLMS entry with an HLS secret when exactly one has one (for associations that name no system title). */
  onlyHlsSecretEntry(): DlmsKeyEntry | undefined {
    const withSecret = this.#dlms.filter((e) => e.hlsSecret !== undefined);
    return withSecret.length === 1 ? withSecret[0] : undefined;
  }

  /** True when at least one DLMS entry exists. */
  get hasDlmsKeys(): boolean {
    return this.#dlms.length > 0;
  }

  /** C12.22 keys usable with any of `apTitles` (entries without an AP title match every message). */
  c1222Keys(apTitles: readonly (string | undefined)[]): readonly C1222KeyEntry[] {
    return this.#c1222.filter((e) => e.apTitle === undefined || apTitles.includes(e.apTitle));
  }

  /** True when at least one C12.22 key exists. */
  get hasC1222Keys(): boolean {
    return this.#c1222.length > 0;
  }

  /** The 2030.5 identity with this LFDI (hex, any case). */
  ieee20305Identity(lfdi: string): Ieee20305KeyEntry | undefined {
    const want = lfdi.toLowerCase();
    return this.#sep.find((e) => e.lfdi === want);
  }

  /** Identities and which keys are present, never the keys. */
  toJSON(): Record<string, unknown> {
    return {
      dlms: this.#dlms.map((e) => ({
        systemTitle: keyHex(e.systemTitle),
        ek: e.ek === undefined ? undefined : REDACTED,
        ak: e.ak === undefined ? undefined : REDACTED,
        bk: e.bk === undefined ? undefined : REDACTED,
        hlsSecret: e.hlsSecret === undefined ? undefined : REDACTED,
        signingPublicKey: e.signingPublicKey === undefined ? undefined : 'present',
        signingKey: e.signingKey === undefined ? undefined : REDACTED,
      })),
      c1222: this.#c1222.map((e) => ({ apTitle: e.apTitle, keyId: e.keyId, key: REDACTED })),
      'ieee2030-5': this.#sep.map((e) => ({ lfdi: e.lfdi })),
    };
  }

  toString(): string {
    return `Keyring(${this.#dlms.length} DLMS, ${this.#c1222.length} C12.22, ${this.#sep.length} IEEE 2030.5)`;
  }
}
