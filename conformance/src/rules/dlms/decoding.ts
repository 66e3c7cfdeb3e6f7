import { isMeterkitError, Writer } from '@meterkit/core';
import { writeApdu, type XdlmsApdu } from '@meterkit/dlms';
import { outcome, pass, type Rule } from '../rule.js';

/** Every APDU carried (whole, not a segment) decodes as an xDLMS or ACSE APDU. */
export const dlmsApduDecodeRule: Rule = {
  id: 'DLMS-APDU-DECODE',
  protocol: 'dlms',
  statement: 'Every APDU decodes as an xDLMS or ACSE APDU with nothing left over.',
  clause: 'IEC 62056-5-3 §8 (xDLMS APDUs, A-XDR); IEC 62056-5-3 §7 (ACSE APDUs, BER)',
  scope: 'frame',
  check({ analysed }) {
    const d = analysed.dlms;
    if (d === undefined || d.segmented || d.apduBytes === undefined) return undefined;
    if (d.apduError !== undefined)
      return outcome(
        'FAIL',
        `${d.apduError.message} (${d.apduError.path ?? 'apdu'})`,
        d.apduOffset + (d.apduError.offset ?? 0),
      );
    if (d.deciphered !== undefined && d.inner === undefined)
      return outcome('FAIL', 'the deciphered content is not an xDLMS APDU', d.apduOffset);
    return pass(d.apduOffset);
  },
};

/**
 * Scratch writer of the re-encoding: reset for each APDU and compared in place (`mismatch`), so a
 * frame costs no encoder buffer and no copy. One per thread; `check` is never re-entered.
 */
const scratch = new Writer(4096);

/**
 * Re-encoding a decoded APDU gives the same octets. A difference is named: a BER length in a longer
 * form than needed (`non-minimal-length`, legal in BER, INCONCLUSIVE), anything else FAIL.
 */
export const dlmsApduCanonicalRule: Rule = {
  id: 'DLMS-APDU-CANONICAL',
  protocol: 'dlms',
  statement: 'Every APDU is in canonical form: decoding and re-encoding it gives the same octets.',
  clause: 'IEC 62056-5-3 §8 (A-XDR, IEC 61334-6); ITU-T X.690 §8.1.3 (BER length forms)',
  scope: 'frame',
  check({ analysed }) {
    const d = analysed.dlms;
    if (d === undefined || d.apdu === undefined || d.apduBytes === undefined) return undefined;
    const w = scratch.reset();
    try {
      writeApdu(w, d.apdu as XdlmsApdu);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      return outcome('ERROR', `the decoded APDU does not re-encode: ${e.message}`, d.apduOffset);
    }
    const at = w.mismatch(d.apduBytes);
    if (at < 0) return pass(d.apduOffset);
    const orig = d.apduBytes[at];
    if (orig !== undefined && orig >= 0x81 && orig <= 0x84 && w.length < d.apduBytes.length)
      return outcome(
        'INCONCLUSIVE',
        'non-minimal-length: a length in a longer form than needed (legal)',
        d.apduOffset + at,
      );
    return outcome('FAIL', `re-encoding differs at APDU octet ${at}`, d.apduOffset + at);
  },
};
