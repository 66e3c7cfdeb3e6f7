/**
 * Error codes of @meterkit/ieee2030-5, in its sub-ranges of the meterkit bands (2xx decoding:
 * 260–279, 3xx security: 360–379). Generic conditions use core's `ErrorCode` (NestingTooDeep,
 * ValueOutOfRange, ValueInvalid, EncodeFailed, CertificateInvalid, ...).
 */
import { registerErrorCodes } from '@meterkit/core';

/** Stable codes for IEEE 2030.5 XML decoding (W3C XML 1.0 well-formedness, sep.xsd validity) and identity. */
export const Ieee20305ErrorCode = {
  /** The text is not well-formed XML (XML 1.0 §2): bad tag, unclosed element, bad entity... */
  XmlMalformed: 260,
  /** A DOCTYPE or entity declaration: refused, since 2030.5 documents never carry one (XXE, billion laughs). */
  XmlDtdForbidden: 261,
  /** The document is longer than the configured limit. */
  XmlDocumentTooLarge: 262,
  /** An element carries more attributes than the configured limit. */
  XmlTooManyAttributes: 263,
  /** The root element is not a global element of sep.xsd or the CSIP-AUS schemas. */
  UnknownResource: 264,
  /** Child elements are not in schema sequence order (IEEE 2030.5 sep.xsd xs:sequence). */
  ElementOrder: 265,
  /** An element name matches a schema name only when case is ignored (e.g. `LFDI` for `lFDI`). */
  ElementNameCase: 266,
  /** An element the schema does not allow at this place. */
  UnknownElement: 267,
  /** An element or root is in a namespace other than IEEE 2030.5 (2018 or 2013) / CSIP-AUS (v1.2 or v1.3). */
  NamespaceMismatch: 268,
  /** A required element or attribute (minOccurs 1 / use="required") is missing. */
  MissingRequired: 269,
  /** An element occurs more often than its maxOccurs. */
  TooManyOccurrences: 270,
  /** An attribute the schema does not define for this type. */
  UnknownAttribute: 271,
  /** A namespace prefix is used without a declaration in scope (Namespaces in XML §5). */
  UndeclaredPrefix: 272,
  /** `xsi:type` names an unknown type, or one not derived from the declared type. */
  XsiTypeInvalid: 273,
  /** Non-whitespace character data inside an element with element-only content. */
  UnexpectedText: 274,
  /** xmllint reported the document invalid against the given schemas. */
  SchemaValidationFailed: 275,
  /** A certificate does not follow the IEEE 2030.5 §6.11 device certificate profile. */
  CertificateProfileInvalid: 360,
  /** A check digit (SFDI, PIN; IEEE 2030.5 §6.3.3) does not match. */
  CheckDigitInvalid: 361,
} as const;

registerErrorCodes(Ieee20305ErrorCode);
