import { guruxXmlUntranslated } from '../input/gurux-xml.js';
import { outcome, pass, type Rule } from './rule.js';

/**
 * Messages of a Gurux XML trace that hold only a decoded PDU tree are translated back into bytes
 * so the byte rules can run; an element the translation does not know leaves the message without
 * bytes, and this rule says which (INCONCLUSIVE: nothing can be said about that message).
 */
export const captureXmlTranslatedRule: Rule = {
  id: 'CAPTURE-XML-TRANSLATED',
  protocol: 'capture',
  statement: 'Every XML-only message of a trace (Gurux PDU XML) is translated back into its bytes.',
  clause: 'IEC 62056-5-3 §8, §9 (APDU encoding); IEC 62056-46 §6.4; IEC 62056-47 §5 (frames)',
  scope: 'frame',
  check({ analysed }) {
    const m = analysed.message;
    if (m.type !== 'message' || m.xml === undefined || m.protocol !== 'dlms') return undefined;
    if (m.bytes.length > 0) return pass();
    const why = guruxXmlUntranslated(m.xml);
    return outcome(
      'INCONCLUSIVE',
      why === undefined
        ? 'the XML holds no PDU: no bytes to check'
        : `not translated to bytes: ${why.message} (${why.path ?? 'xml'})`,
    );
  },
};
