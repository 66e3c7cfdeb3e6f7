/**
 * Lookups over the generated IEEE 2030.5 schema tables (sep.xsd 2.1.0 + CSIP-AUS): types by name,
 * global elements, derivation and documented enumeration names.
 */
import { COMPLEX_TYPES } from './generated/complex-types.js';
import { ELEMENTS } from './generated/elements.js';
import { ENUMERATIONS } from './generated/enumerations.js';
import { SIMPLE_TYPES } from './generated/simple-types.js';
import type { ComplexTypeMeta, ElementMeta, FieldMeta, NamespaceFamily, SimpleTypeMeta } from './meta.js';

/** The IEEE 2030.5-2018 (and 2023) namespace, sep.xsd 2.1.0 `targetNamespace`. */
export const SEP_NAMESPACE = 'urn:ieee:std:2030.5:ns';
/** The IEEE 2030.5-2013 namespace used by sep.xsd 2.0.x (e.g. the EPRI client). */
export const SEP_NAMESPACE_2013 = 'http://ieee.org/2030.5';
/** CSIP-AUS v1.2 extension namespace (SA TS 5573 / CSIP-AUS v1.2). */
export const CSIPAUS_NAMESPACE_V12 = 'https://csipaus.org/ns';
/** CSIP-AUS v1.3 extension namespace. */
export const CSIPAUS_NAMESPACE_V13 = 'https://csipaus.org/ns/v1.3';
/** XML Schema instance namespace (`xsi:type`). */
export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

/** Which family a namespace URI belongs to: 0 = IEEE 2030.5, 1 = CSIP-AUS, undefined = neither. */
export function namespaceFamily(uri: string): NamespaceFamily | undefined {
  if (uri === SEP_NAMESPACE || uri === SEP_NAMESPACE_2013) return 0;
  if (uri === CSIPAUS_NAMESPACE_V13 || uri === CSIPAUS_NAMESPACE_V12) return 1;
  return undefined;
}

/** The metadata of a complex type (IEEE 2030.5 sep.xsd / CSIP-AUS), or undefined. */
export function complexType(name: string): ComplexTypeMeta | undefined {
  return Object.hasOwn(COMPLEX_TYPES, name) ? COMPLEX_TYPES[name] : undefined;
}

/** The metadata of a named simple type (sep.xsd xs:simpleType), or undefined. */
export function simpleType(name: string): SimpleTypeMeta | undefined {
  return Object.hasOwn(SIMPLE_TYPES, name) ? SIMPLE_TYPES[name] : undefined;
}

/** Names of every complex type in the model. */
export function complexTypeNames(): readonly string[] {
  return Object.keys(COMPLEX_TYPES);
}

const elementIndex = new Map<string, ElementMeta>();
const elementIndexLower = new Map<string, ElementMeta>();
const elementOfType = new Map<string, ElementMeta>();
for (const e of ELEMENTS) {
  elementIndex.set(`${e.ns}:${e.name}`, e);
  elementIndexLower.set(`${e.ns}:${e.name.toLowerCase()}`, e);
  const byType = elementOfType.get(e.type);
  if (byType === undefined || e.name === e.type) elementOfType.set(e.type, e);
}

/** The global element `name` of namespace family `ns` (sep.xsd / CSIP-AUS global element declarations). */
export function globalElement(ns: NamespaceFamily, name: string): ElementMeta | undefined {
  return elementIndex.get(`${ns}:${name}`);
}

/** Like `globalElement`, ignoring case (for lenient decoding). */
export function globalElementIgnoringCase(ns: NamespaceFamily, name: string): ElementMeta | undefined {
  return elementIndexLower.get(`${ns}:${name.toLowerCase()}`);
}

/** The global element used to write a resource of type `typeName` as a document root. */
export function elementForType(typeName: string): ElementMeta | undefined {
  return elementOfType.get(typeName);
}

/** Whether complex type `derived` is `base` or derives from it by extension. */
export function isDerivedFrom(derived: string, base: string): boolean {
  let t = complexType(derived);
  while (t !== undefined) {
    if (t.name === base) return true;
    t = t.base === undefined ? undefined : complexType(t.base);
  }
  return false;
}

/**
 * The documented meaning of a code in a field (sep.xsd xs:documentation code lists such as
 * `EventStatus.currentStatus` or `UomType`), or undefined when the value is not documented.
 */
export function enumerationName(field: FieldMeta, value: number): string | undefined {
  if (field.enumeration === undefined) return undefined;
  return ENUMERATIONS[field.enumeration]?.values[value];
}

/** The field `name` of complex type `typeName`, or undefined. */
export function fieldOf(typeName: string, name: string): FieldMeta | undefined {
  return complexType(typeName)?.fields.find((f) => f.name === name);
}
