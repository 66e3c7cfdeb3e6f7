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
export const FXP_BASELINE = 'ieee2030-5: fast-xml-parser bare parse (1 doc/op, ops/s = docs/s)';

// Each operation handles one document, cycling through the examples in order, so ops/s is
// documents/s; bytesPerOp is the mean document size, which makes MB/s exact over whole cycles.
let iParse = 0;
let iDecode = 0;
let iEncode = 0;

/**
 * IEEE 2030.5 XML (`application/sep+xml`): schema-driven decode to typed resources and encode in
 * schema order, both compared with fast-xml-parser's untyped parse of the same documents.
 */
export const cases: readonly BenchCase[] = [
  {
    name: FXP_BASELINE,
    bytesPerOp: bytes / examples.length,
    run: () => Object.keys(parser.parse(examples[iParse++ % examples.length]!) as object).length,
  },
  {
    name: `ieee2030-5: decode + typed mapping (1 doc/op of ${examples.length}, ops/s = docs/s)`,
    bytesPerOp: bytes / examples.length,
    baseline: FXP_BASELINE,
    run: () => decodeXml(examples[iDecode++ % examples.length]!).deviations.length + 1,
  },
  {
    name: `ieee2030-5: encode in schema order (1 doc/op of ${encodable.length}, ops/s = docs/s)`,
    bytesPerOp: encodedBytes / encodable.length,
    baseline: FXP_BASELINE,
    run: () => encodeXml(encodable[iEncode++ % encodable.length]!).length,
  },
];
