/**
 * A 2030.5 resource in the loose form the HTTP layer moves around: its sep.xsd type name and its
 * fields (IEEE 2030.5-2018 §5.4 representations). The XML codec checks the fields when encoding.
 */
import type { AnyResource } from '../model/generated/types.js';

/** A resource with its sep.xsd type name. */
export interface SepDocument {
  readonly type: string;
  readonly resource: Readonly<Record<string, unknown>>;
}

/** Views a loose document as the codec's typed union (the type name is checked by `encodeXml`). */
export function asAnyResource(doc: SepDocument): AnyResource {
  return doc as unknown as AnyResource;
}
