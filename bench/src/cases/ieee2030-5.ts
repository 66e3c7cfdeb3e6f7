import { readFileSync } from 'node:fs';
import { type AnyDocumentResource, decodeXml, encodeXml } from '@meterkit/ieee2030-5';
import { XMLParser } from 'fast-xml-parser';
import type { BenchCase } from '../case.js';

/** The 33 public IEEE 2030.5 / CSIP-AUS example documents of the package's test vectors. */
const examples = (
  JSON.parse(
    readFileSync(
      new URL('../../../packages/ieee2030-5/test/vectors/xml-examples.json', import.meta.url),
      'utf8',
    ),
  ) as { id: string; xml: string }[]
).map((v) => v.xml);
const bytes = examples.reduce((n, x) => n + Buffer.byteLength(x, 'utf8'), 0);

/** Decoded forms (for the encoder), without the decode metadata. */
const decoded: AnyDocumentResource[] = examples.map((x) => {
  const d = decodeXml(x);
  return { type: d.type, resource: d.resource } as AnyDocumentResource;
});
const encodable = decoded.filter((d) => {
  try {
    encodeXml(d);
    return true;
  } catch {
    return false;
  }
});
const encodedBytes = encodable.reduce((n, d) => n + Buffer.byteLength(encodeXml(d), 'utf8'), 0);

const parser = new XMLParser({ ignoreAttributes: false });

/** Baseline: fast-xml-parser's bare parse (attributes kept, no typing or schema mapping). */
export const FXP_BASELINE = 'ieee2030-5: fast-xml-parser bare parse (33 docs/op)';

/**
 * IEEE 2030.5 XML (`application/sep+xml`): schema-driven decode to typed resources and encode in
 * schema order, both compared with fast-xml-parser's untyped parse of the same documents.
 */
export const cases: readonly BenchCase[] = [
  {
    name: FXP_BASELINE,
    bytesPerOp: bytes,
    run: () => {
      let n = 0;
      for (const x of examples) n += Object.keys(parser.parse(x) as object).length;
      return n;
    },
  },
  {
    name: 'ieee2030-5: decode + typed mapping (33 docs/op)',
    bytesPerOp: bytes,
    baseline: FXP_BASELINE,
    run: () => {
      let n = 0;
      for (const x of examples) n += decodeXml(x).deviations.length + 1;
      return n;
    },
  },
  {
    name: `ieee2030-5: encode in schema order (${encodable.length} docs/op)`,
    bytesPerOp: encodedBytes,
    baseline: FXP_BASELINE,
    run: () => {
      let n = 0;
      for (const d of encodable) n += encodeXml(d).length;
      return n;
    },
  },
];
