import { readFileSync } from 'node:fs';
import { isMeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import type { AnyDocumentResource } from '../src/model/generated/types.js';
import { decodeXml, encodeXml } from '../src/xml/codec.js';
import { validateXml } from '../src/xml/validate.js';
import { arbResource } from './arbitrary.js';
import { SKIP_WITHOUT_SCHEMAS, schemaPathsFor } from './schema-paths.js';

const IMPORTANT = [
  'DERControl',
  'EndDevice',
  'MirrorUsagePoint',
  'DeviceCapability',
  'DERSettings',
  'DERCapability',
  'DefaultDERControl',
  'Notification',
  'FunctionSetAssignments',
  'MirrorMeterReading',
] as const;

t.test('generated resources round-trip through XML', async (t) => {
  for (const typeName of IMPORTANT) {
    fc.assert(
      fc.property(arbResource(typeName), fc.boolean(), (doc, v12) => {
        const options = v12 ? { csipausNamespace: 'https://csipaus.org/ns' } : {};
        const xml = encodeXml(doc as unknown as AnyDocumentResource, options);
        const back = decodeXml(xml, { strict: true });
        t.strictSame(back.deviations, []);
        return back.type === typeName && isDeepEqual(back.resource, doc.resource);
      }),
      { numRuns: 150 },
    );
    t.pass(`${typeName} round-trips`);
  }
});

function isDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || typeof a !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => isDeepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

t.test('generated resources validate against sep.xsd', { skip: SKIP_WITHOUT_SCHEMAS }, async (t) => {
  const docs: string[] = [];
  for (const typeName of IMPORTANT) {
    for (const doc of fc.sample(arbResource(typeName, 2), { numRuns: 8, seed: 42 })) {
      const xml = encodeXml(doc as unknown as AnyDocumentResource);
      // Plain sep.xsd has no CSIP-AUS elements; those documents go to the CSIP-AUS schema set,
      // which additionally requires doeModesSupported in DERCapability.
      if (!xml.includes('csipaus')) docs.push(xml);
    }
  }
  t.ok(docs.length > 20);
  const r = await validateXml(docs, { schemaPaths: schemaPathsFor(false) });
  t.strictSame(
    r.problems.slice(0, 5).map((p) => `${p.message} in ${docs[p.document ?? 0]?.slice(0, 300)}`),
    [],
  );
});

t.test('arbitrary text only ever raises MeterkitError', async (t) => {
  const examples = (
    JSON.parse(readFileSync(new URL('./vectors/xml-examples.json', import.meta.url), 'utf8')) as {
      xml: string;
    }[]
  ).map((v) => v.xml);
  const check = (text: string, strict: boolean): boolean => {
    try {
      decodeXml(text, { strict });
      return true;
    } catch (e) {
      return isMeterkitError(e);
    }
  };
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), fc.boolean(), (s, strict) => check(s, strict)),
    { numRuns: 500 },
  );
  const markup = fc
    .array(
      fc.constantFrom(
        '<',
        '>',
        '/',
        '=',
        '"',
        "'",
        '&',
        ';',
        '#',
        'x',
        'amp',
        '<![CDATA[',
        ']]>',
        '<!--',
        '-->',
        '<?',
        '?>',
        ' ',
        'Time',
        'xmlns="urn:ieee:std:2030.5:ns"',
        'a:',
        ':',
      ),
      { maxLength: 40 },
    )
    .map((p) => p.join(''));
  fc.assert(
    fc.property(markup, fc.boolean(), (s, strict) => check(s, strict)),
    { numRuns: 500 },
  );
  // Mutations of real documents: delete, duplicate or replace a slice.
  fc.assert(
    fc.property(
      fc.constantFrom(...examples),
      fc.nat(),
      fc.nat({ max: 20 }),
      fc.string({ maxLength: 8 }),
      fc.boolean(),
      (doc, at, len, insert, strict) => {
        const i = at % (doc.length + 1);
        return check(doc.slice(0, i) + insert + doc.slice(i + len), strict);
      },
    ),
    { numRuns: 1000 },
  );
  t.pass('only MeterkitError');
});

t.test('arbitrary bytes only ever raise MeterkitError', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      try {
        decodeXml(b);
        return true;
      } catch (e) {
        return isMeterkitError(e);
      }
    }),
    { numRuns: 300 },
  );
  t.pass('only MeterkitError');
});
