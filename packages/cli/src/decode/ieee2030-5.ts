import { decodeXml } from '@meterkit/ieee2030-5';
import type { DecodeInput } from '../input.js';
import type { DecodeContext, DecodeResult, ProtocolDecoder } from './protocol-decoder.js';

/**
 * `meterkit decode` for IEEE 2030.5 XML: the document (root element, schema type, namespaces) and
 * the typed resource; lenient deviations become notes, `--strict` rejects them.
 */
export const ieee20305Decoder: ProtocolDecoder = {
  protocol: 'ieee2030-5',
  decode(input: DecodeInput, context: DecodeContext): DecodeResult {
    const doc = decodeXml(input.text ?? input.bytes, { strict: !context.lenient });
    const { element, sepNamespace, csipausNamespace, deviations } = doc;
    return {
      protocol: 'ieee2030-5',
      layers: [
        {
          layer: 'document',
          value: { type: 'xml', element, namespace: sepNamespace, csipaus: csipausNamespace },
        },
        { layer: 'resource', value: { type: doc.type, ...(doc.resource as object) } },
      ],
      notes: deviations.map((d) => `tolerated ${d.name} at ${d.path} (offset ${d.offset}): ${d.message}`),
    };
  },
};
