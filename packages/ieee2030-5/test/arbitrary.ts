/**
 * fast-check arbitraries for IEEE 2030.5 resources, derived from the generated schema metadata, so
 * every generated value fits the sep.xsd types, lengths and occurrences.
 */
import fc from 'fast-check';
import { complexType } from '../src/model/lookup.js';
import type { FieldMeta, ValueKind } from '../src/model/meta.js';
import { bigintRange, numberRange } from '../src/xml/values.js';

function isXmlCodePoint(cp: number): boolean {
  return (
    cp === 0x09 ||
    cp === 0x0a ||
    cp === 0x0d ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const xmlChar = fc
  .oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '&', '<', '>', '"', "'", '\r', '\n', '\t', ']]>'),
    },
    { weight: 3, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 0, max: 0x10ffff })
        .filter(isXmlCodePoint)
        .map((c) => String.fromCodePoint(c)),
    },
  )
  .filter((s) => s.length > 0);

function arbString(maxLength: number | undefined): fc.Arbitrary<string> {
  const max = maxLength ?? 64;
  return fc.array(xmlChar, { maxLength: max }).map((parts) => {
    // ']]>' counts as three characters: trim to the code point limit.
    const cps = [...parts.join('')];
    return cps.slice(0, max).join('');
  });
}

const arbUri = fc.stringMatching(/^\/[a-z0-9]{1,8}(\/[a-z0-9]{1,8}){0,3}$/);

function arbValue(kind: ValueKind, maxLength: number | undefined): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'boolean':
      return fc.boolean();
    case 'hex':
      return fc.uint8Array({ maxLength: maxLength ?? 20 }).map((b) => Buffer.from(b).toString('hex'));
    case 'string':
      return arbString(maxLength);
    case 'uri':
      return arbUri;
    case 'u64':
    case 'i64': {
      const r = bigintRange(kind);
      return fc.bigInt({ min: r.min, max: r.max });
    }
    case 'complex':
      throw new Error('complex');
    default: {
      const r = numberRange(kind);
      if (r === undefined) throw new Error(kind);
      return fc.bigInt({ min: BigInt(r.min), max: BigInt(r.max) }).map(Number);
    }
  }
}

const RESOURCE_CHOICES = ['DERControl', 'EndDevice', 'Time', 'DERControlList', 'Reading'] as const;

function arbField(f: FieldMeta, depth: number): fc.Arbitrary<unknown> | undefined {
  if (f.value !== 'complex') return arbValue(f.value, f.maxLength);
  if (depth <= 0 && f.minOccurs === 0) return undefined;
  if (f.type === 'Resource') {
    return fc.oneof(
      ...RESOURCE_CHOICES.map((t) =>
        arbResourceBody(t, depth - 1).map((resource) => ({ type: t, resource })),
      ),
    );
  }
  return arbResourceBody(f.type, depth - 1);
}

/** An arbitrary value of complex type `typeName` (without `type` tag), nested at most `depth` deep. */
export function arbResourceBody(typeName: string, depth = 3): fc.Arbitrary<Record<string, unknown>> {
  const meta = complexType(typeName);
  if (meta === undefined) throw new Error(`unknown type ${typeName}`);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const requiredKeys: string[] = [];
  for (const f of meta.fields) {
    let a = arbField(f, depth);
    if (a === undefined) continue;
    if (f.maxOccurs !== 1) {
      a = fc.array(a, {
        minLength: Math.max(1, f.minOccurs),
        maxLength: Math.min(f.maxOccurs, depth > 1 ? 3 : 1),
      });
    }
    model[f.name] = a;
    if (f.minOccurs > 0) requiredKeys.push(f.name);
  }
  return fc.record(model, { requiredKeys });
}

/** An arbitrary `{ type, resource }` of `typeName`, as `encodeXml` takes it. */
export function arbResource(
  typeName: string,
  depth = 3,
): fc.Arbitrary<{ type: string; resource: Record<string, unknown> }> {
  return arbResourceBody(typeName, depth).map((resource) => ({ type: typeName, resource }));
}
