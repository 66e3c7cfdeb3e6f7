/**
 * Object identifiers DLMS/COSEM registers under {joint-iso-ccitt(2) country(16) country-name(756)
 * identified-organization(5) DLMS-UA(8)} (IEC 62056-5-3 §8.3 / DLMS UA 1000-2 §9.4.2.2): the
 * application context names (…1.x) and the authentication mechanism names (…2.x).
 */

/** Application context names (IEC 62056-5-3 §9.4.2.2.2). */
export const ApplicationContextName = {
  /** Logical_Name_Referencing_No_Ciphering. */
  LogicalNameNoCiphering: '2.16.756.5.8.1.1',
  /** Short_Name_Referencing_No_Ciphering. */
  ShortNameNoCiphering: '2.16.756.5.8.1.2',
  /** Logical_Name_Referencing_With_Ciphering. */
  LogicalNameWithCiphering: '2.16.756.5.8.1.3',
  /** Short_Name_Referencing_With_Ciphering. */
  ShortNameWithCiphering: '2.16.756.5.8.1.4',
} as const;

/** What an application context name says: referencing and ciphering. */
export interface ApplicationContextInfo {
  /** Context id, the last arc (1–4). */
  readonly id: number;
  readonly referencing: 'logical-name' | 'short-name';
  readonly ciphering: boolean;
  /** The standard's name, e.g. `Logical_Name_Referencing_No_Ciphering`. */
  readonly name: string;
}

const CONTEXT_PREFIX = '2.16.756.5.8.1.';
const MECHANISM_PREFIX = '2.16.756.5.8.2.';

/** Decodes a DLMS application context name (IEC 62056-5-3 §9.4.2.2.2); undefined for other OIDs. */
export function applicationContextInfo(oid: string): ApplicationContextInfo | undefined {
  if (!oid.startsWith(CONTEXT_PREFIX)) return undefined;
  const id = Number(oid.slice(CONTEXT_PREFIX.length));
  if (!(id >= 1 && id <= 4) || String(id) !== oid.slice(CONTEXT_PREFIX.length)) return undefined;
  const referencing = id % 2 === 1 ? 'logical-name' : 'short-name';
  const ciphering = id >= 3;
  const name = `${referencing === 'logical-name' ? 'Logical' : 'Short'}_Name_Referencing_${ciphering ? 'With' : 'No'}_Ciphering`;
  return { id, referencing, ciphering, name };
}

/** The application context name OID for a referencing and ciphering choice (IEC 62056-5-3 §9.4.2.2.2). */
export function applicationContextNameFor(
  referencing: 'logical-name' | 'short-name',
  ciphering: boolean,
): string {
  return `${CONTEXT_PREFIX}${(referencing === 'logical-name' ? 1 : 2) + (ciphering ? 2 : 0)}`;
}

/** Authentication mechanism names 0–7 (IEC 62056-5-3 §9.4.2.2.3, Table "Authentication mechanism names"). */
export const MechanismName = {
  /** COSEM_lowest_level_security_mechanism_name (no authentication). */
  LowestLevel: '2.16.756.5.8.2.0',
  /** COSEM_low_level_security_mechanism_name (LLS, password). */
  LowLevel: '2.16.756.5.8.2.1',
  /** COSEM_high_level_security_mechanism_name (HLS, manufacturer specific). */
  HighLevel: '2.16.756.5.8.2.2',
  /** COSEM_high_level_security_mechanism_name_using_MD5. */
  HighLevelMd5: '2.16.756.5.8.2.3',
  /** COSEM_high_level_security_mechanism_name_using_SHA-1. */
  HighLevelSha1: '2.16.756.5.8.2.4',
  /** COSEM_high_level_security_mechanism_name_using_GMAC. */
  HighLevelGmac: '2.16.756.5.8.2.5',
  /** COSEM_high_level_security_mechanism_name_using_SHA-256. */
  HighLevelSha256: '2.16.756.5.8.2.6',
  /** COSEM_high_level_security_mechanism_name_using_ECDSA. */
  HighLevelEcdsa: '2.16.756.5.8.2.7',
} as const;

const MECHANISM_NAMES = [
  'lowest-level',
  'low-level',
  'high-level',
  'high-level-md5',
  'high-level-sha1',
  'high-level-gmac',
  'high-level-sha256',
  'high-level-ecdsa',
] as const;

/** Short name of an authentication mechanism. */
export type MechanismKind = (typeof MECHANISM_NAMES)[number];

/** The mechanism id (0–7) and short name of a mechanism name OID; undefined for other OIDs. */
export function mechanismInfo(
  oid: string,
): { readonly id: number; readonly name: MechanismKind } | undefined {
  if (!oid.startsWith(MECHANISM_PREFIX)) return undefined;
  const tail = oid.slice(MECHANISM_PREFIX.length);
  const id = Number(tail);
  if (!(id >= 0 && id <= 7) || String(id) !== tail) return undefined;
  return { id, name: MECHANISM_NAMES[id]! };
}

/** The mechanism name OID of mechanism id 0–7 (IEC 62056-5-3 §9.4.2.2.3). */
export function mechanismNameFor(id: number): string {
  return `${MECHANISM_PREFIX}${id}`;
}
