/**
 * Per-type lookup tables for the XML codec, built once per IEEE 2030.5 complex type (sep.xsd
 * flattened field order) on first use.
 */
import { complexType } from '../model/lookup.js';
import type { ComplexTypeMeta, FieldMeta } from '../model/meta.js';

/** Field indexes of one complex type, keyed for fast decoding and encoding. */
export interface TypePlan {
  /** The type. */
  readonly meta: ComplexTypeMeta;
  /** Element local name → index in `meta.fields`. */
  readonly elements: ReadonlyMap<string, number>;
  /** Lower-cased element local name → index (lenient case-insensitive match). */
  readonly elementsLower: ReadonlyMap<string, number>;
  /** Attribute name → index. */
  readonly attributes: ReadonlyMap<string, number>;
  /** Field name → field (elements and attributes). */
  readonly byName: ReadonlyMap<string, FieldMeta>;
  /** Indexes of required fields (minOccurs ≥ 1 / use="required"). */
  readonly required: readonly number[];
}

const plans = new Map<string, TypePlan>();

/** The plan of complex type `name`, or undefined if the model has no such type. */
export function typePlan(name: string): TypePlan | undefined {
  const cached = plans.get(name);
  if (cached !== undefined) return cached;
  const meta = complexType(name);
  if (meta === undefined) return undefined;
  const elements = new Map<string, number>();
  const elementsLower = new Map<string, number>();
  const attributes = new Map<string, number>();
  const byName = new Map<string, FieldMeta>();
  const required: number[] = [];
  meta.fields.forEach((f, i) => {
    byName.set(f.name, f);
    if (f.kind === 'attribute') attributes.set(f.name, i);
    else {
      elements.set(f.name, i);
      elementsLower.set(f.name.toLowerCase(), i);
    }
    if (f.minOccurs > 0) required.push(i);
  });
  const plan: TypePlan = { meta, elements, elementsLower, attributes, byName, required };
  plans.set(name, plan);
  return plan;
}
