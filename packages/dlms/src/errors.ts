import { registerErrorCodes } from '@meterkit/core';

/**
 * Error codes specific to DLMS/COSEM (IEC 62056), in the dlms sub-range of each band
 * (x20–x39): framing 120–139, decoding 220–239, security 320–339, session 420–439, usage 620–639.
 *
 * Generic conditions use the core codes (`ErrorCode.Truncated`, `LengthOverrun`, `UnexpectedTag`,
 * `ValueInvalid`, ...); these codes name what only DLMS has. A code, once published, keeps its
 * number and meaning: new codes are appended, never renumbered.
 * IEC 62056-5-3 §8 and IEC 62056-6-2 §4 (the DLMS layers they name).
 */
export const DlmsErrorCode = {
  // 1xx framing (IEC 62056-46 HDLC, IEC 62056-47 wrapper)
  /** The HDLC SNRM/UA/FRMR information field (parameter negotiation, ISO/IEC 13239 §5.5.3.2) is malformed. */
  HdlcParameterInvalid: 120,
  /** The LLC header (E6 E6 00 / E6 E7 00, IEC 62056-46 §6.2) is missing or wrong. */
  LlcHeaderInvalid: 121,
  /** The wrapper header version is not 0x0001 (IEC 62056-47 §5.2). */
  WrapperVersionInvalid: 122,
  /** An HDLC send/receive sequence number is not the expected one (IEC 62056-46 §6.4.3). */
  HdlcSequenceError: 123,
  /** A general-block-transfer block number or ack is not the expected one (IEC 62056-5-3 §9.3.10). */
  BlockNumberMismatch: 124,

  // 2xx decoding (xDLMS, A-XDR, COSEM data)
  /** An A-XDR data type tag is not defined by IEC 62056-6-2 §4.1.5 (Data CHOICE). */
  DataTypeUnknown: 220,
  /** The first byte is not the tag of any xDLMS or ACSE APDU (IEC 62056-5-3 §8). */
  ApduTagUnknown: 221,
  /** A CHOICE selector inside an APDU (e.g. the get-request variant) is not defined. */
  ChoiceUnknown: 222,
  /** An OBIS code (IEC 62056-6-1 §4) is malformed: wrong length, bad group value or bad text form. */
  ObisInvalid: 223,
  /** A date, time or date-time (IEC 62056-6-2 §4.1.6.1) has a field out of its range. */
  DateTimeInvalid: 224,
  /** A compact-array's contents do not match its type description (IEC 62056-6-2 §4.1.5). */
  CompactArrayMismatch: 225,
  /** An enumerated value (data-access-result, action-result, unit, ...) is outside its definition. */
  EnumValueUnknown: 226,
  /** A ciphered APDU's security header is inconsistent (e.g. length shorter than its header). */
  SecurityHeaderInvalid: 227,
  /** A COSEM attribute value does not have the structure its interface class requires. */
  AttributeValueInvalid: 228,

  // 3xx security (IEC 62056-5-3 §9.2)
  /** The security control byte (IEC 62056-5-3 §9.2.7.2.3) uses reserved bits or an unknown suite. */
  SecurityControlInvalid: 320,
  /** The security suite is not supported by this implementation. */
  SecuritySuiteUnsupported: 321,
  /** A system title has the wrong length (8 octets, IEC 62056-5-3 §9.2.4.1). */
  SystemTitleInvalid: 322,
  /** The authentication tag is absent where the security policy requires it. */
  AuthenticationTagMissing: 323,
  /** The HLS challenge/response exchange failed (IEC 62056-5-3 §9.2.2.2). */
  HlsAuthenticationFailed: 324,
  /** The key-info / key agreement of general-ciphering cannot be processed (§9.2.7.2.4). */
  KeyAgreementFailed: 325,

  // 4xx session / protocol
  /** The peer answered with a confirmed-service-error (IEC 62056-5-3 §8.3). */
  ConfirmedServiceError: 420,
  /** The peer answered with an exception-response (IEC 62056-5-3 §8.3). */
  ExceptionResponse: 421,
  /** A data-access-result other than success (IEC 62056-5-3 §8.3). */
  DataAccessFailed: 422,
  /** An action-result other than success (IEC 62056-5-3 §8.3). */
  ActionFailed: 423,
  /** The association was rejected by the AARE (IEC 62056-5-3 §9.4.2). */
  AssociationRejected: 424,
  /** A block transfer (get/set/action with-block or GBT) was aborted or inconsistent. */
  BlockTransferFailed: 425,

  // 6xx usage
  /** A date-time with not-specified fields was converted where every field is needed. */
  DateTimeNotSpecified: 620,
  /** An OBIS pattern string (wildcards, ranges) is malformed. */
  ObisPatternInvalid: 621,
} as const;

/** Any DLMS error code value. IEC 62056-5-3 §8 and IEC 62056-6-2 §4 (the DLMS layers they name). */
export type DlmsErrorCodeValue = (typeof DlmsErrorCode)[keyof typeof DlmsErrorCode];

registerErrorCodes(DlmsErrorCode);
