import { readFile } from 'node:fs/promises';
import { ErrorCode, fromHex, MeterkitError } from '@meterkit/core';

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

  constructor(
    parts: {
      readonly dlms?: readonly DlmsKeyEntry[];
      readonly c1222?: readonly C1222KeyEntry[];
      readonly ieee20305?: readonly Ieee20305KeyEntry[];
    } = {},
  ) {
    this.#dlms = [...(parts.dlms ?? [])];
    this.#c1222 = [...(parts.c1222 ?? [])];
    this.#sep = [...(parts.ieee20305 ?? [])];
  }

  /** An empty keyring. */
  static empty(): Keyring {
    return new Keyring();
  }

  /**
   * Parses a keyring document: `{ "dlms": [{ "systemTitle", "ek", "ak", "bk" }], "c1222": [{ "apTitle",
   * "keyId", "key" }], "ieee2030-5": [{ "lfdi", "sfdi" }] }`, hex for bytes.
   */
  static parse(text: string): Keyring {
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
    return new Keyring({ dlms, c1222, ieee20305: sep });
  }

  /** Reads and parses a keyring file. */
  static async load(path: string): Promise<Keyring> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new MeterkitError(ErrorCode.InputUnreadable, `cannot read keyring ${path}`, { cause: e });
    }
    return Keyring.parse(text);
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
      })),
      c1222: this.#c1222.map((e) => ({ apTitle: e.apTitle, keyId: e.keyId, key: REDACTED })),
      'ieee2030-5': this.#sep.map((e) => ({ lfdi: e.lfdi })),
    };
  }

  toString(): string {
    return `Keyring(${this.#dlms.length} DLMS, ${this.#c1222.length} C12.22, ${this.#sep.length} IEEE 2030.5)`;
  }
}
