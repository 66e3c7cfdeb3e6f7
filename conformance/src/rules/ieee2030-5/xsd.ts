import { isMeterkitError } from '@meterkit/core';
import { outcome, pass, type Rule } from '../rule.js';
import { validateXsdSync } from './xsd-sync.js';

function lineOffset(body: string, line: number | undefined): number {
  if (line === undefined || line <= 1) return 0;
  let at = 0;
  for (let l = 1; l < line; l++) {
    const nl = body.indexOf('\n', at);
    if (nl < 0) break;
    at = nl + 1;
  }
  return Buffer.byteLength(body.slice(0, at), 'utf8');
}

/**
 * Every 2030.5 XML body is valid against sep.xsd, checked by libxml2 (xmllint-wasm) with the schema
 * the user gives (`--schema`, or `settings.sepSchema` in the keyring file). sep.xsd is IEEE's and
 * not shipped: without it the verdict is INCONCLUSIVE — the body is one the rule is about (so not
 * INAPPLICABLE), but its validity cannot be determined, as with DLMS-SECURITY-TAG without keys.
 */
export const sepXsdValidRule: Rule = {
  id: 'SEP-XSD-VALID',
  protocol: 'ieee2030-5',
  statement: 'Every XML body validates against the sep.xsd given (W3C XML Schema 1.0, by xmllint).',
  clause: 'IEEE 2030.5-2018 Annex B (sep.xsd), §5.2 (resource representations)',
  scope: 'frame',
  check({ analysed, keys }) {
    const s = analysed.ieee20305;
    // only XML bodies: anything else is SEP-XML-DECODE's to report
    if (s === undefined || !s.body.trimStart().startsWith('<')) return undefined;
    const schema = keys.settings.sepSchema;
    if (schema === undefined || schema.length === 0)
      return outcome(
        'INCONCLUSIVE',
        'no sep.xsd given (--schema, or settings.sepSchema in the keyring): validity not determined',
        s.bodyOffset,
      );
    try {
      const r = validateXsdSync(s.body, schema);
      if (r.valid) return pass(s.bodyOffset);
      const first = r.problems[0];
      return outcome(
        'FAIL',
        `${r.problems.length} XSD problem(s), first${first?.line === undefined ? '' : ` at line ${first.line}`}: ${first?.message ?? 'not valid'}`,
        s.bodyOffset + lineOffset(s.body, first?.line),
      );
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      return outcome('ERROR', e.message, s.bodyOffset);
    }
  },
};
