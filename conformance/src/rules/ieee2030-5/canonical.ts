import { isMeterkitError } from '@meterkit/core';
import { encodeXml } from '@meterkit/ieee2030-5';
import { outcome, pass, type Rule } from '../rule.js';
import { firstXmlDifference, readXmlTree, xmlKey } from './xml-tree.js';

/**
 * Re-encoding a decoded 2030.5 document (elements in sep.xsd sequence order, the 2030.5 namespace
 * as default namespace) gives the same document. Differences are named: the same information set
 * written differently (`formatting`: whitespace, XML declaration, quoting, empty-element form;
 * `namespace-prefix`) is a PASS with the diagnostic; children in another order than the schema's
 * (`element-order`) or values in another lexical form (`value-lexical-form`: leading zeros,
 * `true`/`1`, hex case) are INCONCLUSIVE; anything else means the decoder lost or changed content
 * (FAIL, with the path of the first difference).
 */
export const sepCanonicalRule: Rule = {
  id: 'SEP-XML-CANONICAL',
  protocol: 'ieee2030-5',
  statement:
    'Every 2030.5 document re-encodes in schema order to the same information set, with no content lost.',
  clause: 'IEEE 2030.5-2018 Annex B (sep.xsd sequence order), §5.2; W3C XML Namespaces 1.0 §6',
  scope: 'frame',
  check({ analysed }) {
    const s = analysed.ieee20305;
    const doc = s?.document;
    if (s === undefined || doc === undefined) return undefined;
    let again: string;
    try {
      again = encodeXml(doc, {
        element: doc.element,
        sepNamespace: doc.sepNamespace,
        csipausNamespace: doc.csipausNamespace,
      });
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      // a document off the schema (SEP-XML-SCHEMA says where) has no canonical form
      return outcome(
        doc.deviations.length > 0 ? 'INCONCLUSIVE' : 'FAIL',
        `the decoded document does not re-encode: ${e.message}`,
        s.bodyOffset,
      );
    }
    const body = s.body.replace(/^\uFEFF/, '');
    if (body === again) return pass(s.bodyOffset);
    const a = readXmlTree(body);
    const b = readXmlTree(again);
    if (a === undefined || b === undefined)
      return outcome('ERROR', 'the document could not be read back as XML', s.bodyOffset);
    if (xmlKey(a) === xmlKey(b)) {
      const kind =
        xmlKey(a, { prefixes: true }) === xmlKey(b, { prefixes: true }) ? 'formatting' : 'namespace-prefix';
      return {
        verdict: 'PASS',
        message: `${kind}: the same information set written differently (legal)`,
        offset: s.bodyOffset,
      };
    }
    const names: string[] = [];
    if (xmlKey(a, { unordered: true }) === xmlKey(b, { unordered: true })) names.push('element-order');
    else if (xmlKey(a, { normalValues: true }) === xmlKey(b, { normalValues: true }))
      names.push('value-lexical-form');
    else if (
      xmlKey(a, { normalValues: true, unordered: true }) ===
      xmlKey(b, { normalValues: true, unordered: true })
    )
      names.push('element-order', 'value-lexical-form');
    if (names.length > 0)
      return outcome(
        'INCONCLUSIVE',
        `${names.join(', ')}: the same content in a non-canonical form, first at ${firstXmlDifference(a, b)}`,
        s.bodyOffset,
      );
    return outcome(
      'FAIL',
      `content lost or changed by decoding: re-encoding differs at ${firstXmlDifference(a, b)}`,
      s.bodyOffset,
    );
  },
};
