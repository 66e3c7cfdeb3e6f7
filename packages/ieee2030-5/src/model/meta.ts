/**
 * Shapes of the schema metadata that `scripts/generate-model.ts` derives from sep.xsd (IEEE 2030.5-2018
 * Annex, schema version 2.1.0) and the CSIP-AUS extension schemas. The generated tables under
 * `model/generated/` use these types; the XML codec is driven entirely by them.
 */

/**
 * How a simple value is written on the wire and held in memory (IEEE 2030.5 §B primitive types):
 * `u8`…`i48` are JS numbers, `u64`/`i64` (UInt64, Int64, TimeType) are bigint, `hex` is a lowercase
 * hex string (xs:hexBinary), `string`/`uri` are strings, `boolean` is boolean and `complex` is an
 * object described by a `ComplexTypeMeta`.
 */
export type ValueKind =
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u40'
  | 'u48'
  | 'u64'
  | 'i8'
  | 'i16'
  | 'i32'
  | 'i48'
  | 'i64'
  | 'boolean'
  | 'hex'
  | 'string'
  | 'uri'
  | 'complex';

/** Namespace family of a schema component: 0 = IEEE 2030.5 (`sep`), 1 = CSIP-AUS (`csipaus`). */
export type NamespaceFamily = 0 | 1;

/** One element or attribute of a complex type, in schema sequence order (IEEE 2030.5 sep.xsd). */
export interface FieldMeta {
  /** Local name as written in XML, also the property name in the typed model. */
  readonly name: string;
  /** `element` (child element) or `attribute`. */
  readonly kind: 'element' | 'attribute';
  /** Namespace family the element is qualified with (attributes are unqualified). */
  readonly ns: NamespaceFamily;
  /** Declared schema type (`UInt32`, `HexBinary160`, `DERControlBase`, `xs:anyURI`, ...). */
  readonly type: string;
  /** How the value is represented. */
  readonly value: ValueKind;
  /** Maximum length: octets for `hex`, characters for `string`. */
  readonly maxLength?: number;
  /** minOccurs for elements; 1 for `use="required"` attributes, else 0. */
  readonly minOccurs: number;
  /** maxOccurs for elements (`Infinity` for unbounded); 1 for attributes. */
  readonly maxOccurs: number;
  /** Schema default value (lexical form), if any. */
  readonly default?: string;
  /** Key into `ENUMERATIONS` when the schema documents the values of this field. */
  readonly enumeration?: string;
  /** The complex type whose own sequence declares this field (before flattening). */
  readonly declaredIn: string;
  /**
   * For fields a CSIP-AUS schema adds to a 2030.5 type by xs:redefine: the minOccurs the CSIP-AUS
   * profile demands (`minOccurs` itself is 0, since plain 2030.5 documents omit them).
   */
  readonly csipausMinOccurs?: number;
}

/** A complex type of sep.xsd or the CSIP-AUS schemas, with its base chain flattened. */
export interface ComplexTypeMeta {
  /** Type name. */
  readonly name: string;
  /** Namespace family the type is defined in. */
  readonly ns: NamespaceFamily;
  /** Extension base, when the type derives from another complex type. */
  readonly base?: string;
  /** For simpleContent types (enumerated UInt8 codes, TimeType, mRIDType...): the value kind. */
  readonly simpleContent?: ValueKind;
  /** Maximum length of a simpleContent `hex`/`string` value. */
  readonly maxLength?: number;
  /** Attributes then elements are not separated: this is schema order, base type first. */
  readonly fields: readonly FieldMeta[];
}

/** A named simple type (xs:simpleType) with its facets. */
export interface SimpleTypeMeta {
  /** Type name. */
  readonly name: string;
  /** The XML Schema built-in or sep.xsd type it restricts. */
  readonly base: string;
  /** Resolved value kind. */
  readonly value: ValueKind;
  /** maxLength facet (octets for hexBinary, characters for strings). */
  readonly maxLength?: number;
  /** minInclusive facet (lexical). */
  readonly minInclusive?: string;
  /** maxInclusive facet (lexical). */
  readonly maxInclusive?: string;
}

/** A global element declaration: what a document root (or an `ref`) may be. */
export interface ElementMeta {
  /** Element local name. */
  readonly name: string;
  /** Namespace family. */
  readonly ns: NamespaceFamily;
  /** Its type. */
  readonly type: string;
}

/** Values documented for an enumerated field or type (from xs:documentation, "N = meaning"). */
export interface EnumerationMeta {
  /** `values` for code lists, `bits` for bit positions of a hexBinary flag field. */
  readonly kind: 'values' | 'bits';
  /** Code (or bit position) → short meaning. */
  readonly values: Readonly<Record<number, string>>;
}
