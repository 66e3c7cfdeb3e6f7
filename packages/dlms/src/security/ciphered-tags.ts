/**
 * The tags of the ciphered xDLMS APDUs (IEC 62056-5-3 §8.2 ASN.1, COSEMpdu CHOICE) and the mapping
 * between each plain xDLMS APDU and its service-specific glo- (global key) and ded- (dedicated
 * key) ciphered form.
 */

/** Tags of the ciphered APDUs (IEC 62056-5-3 §8.2). */
export const CipheredApduTag = {
  GloInitiateRequest: 0x21,
  GloReadRequest: 0x25,
  GloWriteRequest: 0x26,
  GloInitiateResponse: 0x28,
  GloReadResponse: 0x2c,
  GloWriteResponse: 0x2d,
  GloConfirmedServiceError: 0x2e,
  GloUnconfirmedWriteRequest: 0x36,
  GloInformationReportRequest: 0x38,
  DedInitiateRequest: 0x41,
  DedReadRequest: 0x45,
  DedWriteRequest: 0x46,
  DedInitiateResponse: 0x48,
  DedReadResponse: 0x4c,
  DedWriteResponse: 0x4d,
  DedConfirmedServiceError: 0x4e,
  DedUnconfirmedWriteRequest: 0x56,
  DedInformationReportRequest: 0x58,
  GloGetRequest: 0xc8,
  GloSetRequest: 0xc9,
  GloEventNotificationRequest: 0xca,
  GloActionRequest: 0xcb,
  GloGetResponse: 0xcc,
  GloSetResponse: 0xcd,
  GloActionResponse: 0xcf,
  DedGetRequest: 0xd0,
  DedSetRequest: 0xd1,
  DedEventNotificationRequest: 0xd2,
  DedActionRequest: 0xd3,
  DedGetResponse: 0xd4,
  DedSetResponse: 0xd5,
  DedActionResponse: 0xd7,
  GeneralGloCiphering: 0xdb,
  GeneralDedCiphering: 0xdc,
  GeneralCiphering: 0xdd,
  GeneralSigning: 0xdf,
} as const;

/**
 * Tags of the plain xDLMS APDUs that have service-specific ciphered forms (IEC 62056-5-3 §8.2):
 * the glo- tag is the plain tag + 32 (SN and initiate APDUs) or + 8 (LN APDUs); the ded- tag is
 * + 64 or + 16.
 */
export const PlainApduTag = {
  InitiateRequest: 0x01,
  ReadRequest: 0x05,
  WriteRequest: 0x06,
  InitiateResponse: 0x08,
  ReadResponse: 0x0c,
  WriteResponse: 0x0d,
  ConfirmedServiceError: 0x0e,
  UnconfirmedWriteRequest: 0x16,
  InformationReportRequest: 0x18,
  GetRequest: 0xc0,
  SetRequest: 0xc1,
  EventNotificationRequest: 0xc2,
  ActionRequest: 0xc3,
  GetResponse: 0xc4,
  SetResponse: 0xc5,
  ActionResponse: 0xc7,
} as const;

/** Which key a service-specific ciphered APDU uses: glo- (global) or ded- (dedicated). */
export type ServiceSpecificKind = 'glo' | 'ded';

const PLAIN_TO_GLO = new Int16Array(256).fill(-1);
const PLAIN_TO_DED = new Int16Array(256).fill(-1);
/** For a service-specific ciphered tag: plain tag; -1 otherwise. */
const CIPHERED_TO_PLAIN = new Int16Array(256).fill(-1);
/** For a service-specific ciphered tag: 1 glo, 2 ded, 0 otherwise. */
const CIPHERED_KIND = new Uint8Array(256);

for (const plain of Object.values(PlainApduTag)) {
  const ln = plain >= 0xc0;
  const glo = plain + (ln ? 8 : 32);
  const ded = plain + (ln ? 16 : 64);
  PLAIN_TO_GLO[plain] = glo;
  PLAIN_TO_DED[plain] = ded;
  CIPHERED_TO_PLAIN[glo] = plain;
  CIPHERED_TO_PLAIN[ded] = plain;
  CIPHERED_KIND[glo] = 1;
  CIPHERED_KIND[ded] = 2;
}

/** The glo- or ded- tag for a plain xDLMS tag (IEC 62056-5-3 §8.2), or undefined if it has none. */
export function serviceSpecificTagFor(plainTag: number, kind: ServiceSpecificKind): number | undefined {
  if (!(plainTag >= 0 && plainTag < 256)) return undefined;
  const t = kind === 'glo' ? PLAIN_TO_GLO[plainTag]! : PLAIN_TO_DED[plainTag]!;
  return t < 0 ? undefined : t;
}

/** The plain xDLMS tag and key kind behind a glo-/ded- tag, or undefined for any other tag. */
export function plainTagFor(
  cipheredTag: number,
): { readonly plainTag: number; readonly kind: ServiceSpecificKind } | undefined {
  if (!(cipheredTag >= 0 && cipheredTag < 256)) return undefined;
  const k = CIPHERED_KIND[cipheredTag]!;
  if (k === 0) return undefined;
  return { plainTag: CIPHERED_TO_PLAIN[cipheredTag]!, kind: k === 1 ? 'glo' : 'ded' };
}

/** True for the tag of any ciphered APDU form (service-specific, general-glo/ded, general-ciphering). */
export function isCipheredApduTag(tag: number): boolean {
  return (
    (tag >= 0 && tag < 256 && CIPHERED_KIND[tag] !== 0) ||
    tag === CipheredApduTag.GeneralGloCiphering ||
    tag === CipheredApduTag.GeneralDedCiphering ||
    tag === CipheredApduTag.GeneralCiphering
  );
}
