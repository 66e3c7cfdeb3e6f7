import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import t from 'tap';
import {
  assertValidSfdi,
  certificateDer,
  certificateFingerprint,
  checkDigit,
  deviceIdentity,
  formatLfdi,
  formatSfdi,
  hasValidCheckDigit,
  isValidPin,
  lfdiFromCertificate,
  lfdiFromFingerprint,
  parseLfdi,
  pinFromPayload,
  sfdiFromLfdi,
} from '../src/ids.js';

interface IdVector {
  readonly id: string;
  readonly source: string;
  readonly certificate_pem: string | null;
  readonly sha256_fingerprint: string;
  readonly lfdi: string;
  readonly sfdi_36bit_decimal: number;
  readonly sfdi: string;
  readonly sfdi_grouped?: string;
}

interface CheckDigitVector {
  readonly value: string;
  readonly kind: 'sFDI' | 'pIN';
  readonly payload: string;
  readonly check_digit: string;
  readonly valid: boolean;
}

const file = JSON.parse(readFileSync(new URL('./vectors/ids.json', import.meta.url), 'utf8')) as {
  vectors: IdVector[];
  check_digit_vectors: CheckDigitVector[];
};

t.test('LFDI and SFDI vectors', async (t) => {
  t.ok(file.vectors.length >= 5);
  for (const v of file.vectors) {
    t.equal(lfdiFromFingerprint(v.sha256_fingerprint), v.lfdi, `${v.id} lfdi from fingerprint`);
    t.equal(sfdiFromLfdi(v.lfdi), BigInt(v.sfdi), `${v.id} sfdi`);
    t.equal(sfdiFromLfdi(v.lfdi) / 10n, BigInt(v.sfdi_36bit_decimal), `${v.id} 36-bit prefix`);
    if (v.sfdi_grouped !== undefined) t.equal(formatSfdi(BigInt(v.sfdi)), v.sfdi_grouped, `${v.id} grouped`);
    if (v.certificate_pem !== null) {
      t.equal(certificateFingerprint(v.certificate_pem), v.sha256_fingerprint, `${v.id} fingerprint`);
      t.equal(lfdiFromCertificate(v.certificate_pem), v.lfdi, `${v.id} lfdi from PEM`);
      const der = certificateDer(v.certificate_pem);
      t.equal(lfdiFromCertificate(der), v.lfdi, `${v.id} lfdi from DER`);
      t.strictSame(deviceIdentity(der), { lfdi: v.lfdi, sfdi: BigInt(v.sfdi) });
    }
  }
  t.equal(
    lfdiFromFingerprint(Buffer.from(file.vectors[0]?.sha256_fingerprint ?? '', 'hex')),
    file.vectors[0]?.lfdi,
  );
});

t.test('check-digit vectors (digit sum, not Luhn)', async (t) => {
  for (const v of file.check_digit_vectors) {
    t.equal(hasValidCheckDigit(v.value), v.valid, `${v.value} valid=${v.valid}`);
    if (v.valid) t.equal(String(checkDigit(v.payload)), v.check_digit, `${v.value} check digit`);
    if (v.kind === 'pIN') {
      t.equal(isValidPin(v.value), v.valid);
      t.equal(pinFromPayload(Number(v.payload)), Number(v.value));
    } else if (v.valid) t.equal(assertValidSfdi(v.value), BigInt(v.value));
    else t.throws(() => assertValidSfdi(v.value), { code: 361 });
  }
  // Luhn would give 2 for 16726121139; the 2030.5 digit-sum rule gives 1.
  t.equal(checkDigit('16726121139'), 1);
  t.equal(checkDigit(0), 0);
  t.notOk(hasValidCheckDigit('7'));
  t.notOk(hasValidCheckDigit('12a4'));
  t.notOk(isValidPin('12345'));
  t.notOk(isValidPin(123456));
  t.ok(isValidPin(19));
  t.equal(pinFromPayload(1), 19);
  t.throws(() => pinFromPayload(100000), { code: 600 });
  t.throws(() => pinFromPayload(1.5), { code: 600 });
  t.throws(() => checkDigit('1-2'), { code: 600 });
});

t.test('an 11-digit SFDI is not zero-padded', async (t) => {
  const lfdi = '09b44d6efe0aaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  const sfdi = sfdiFromLfdi(lfdi);
  t.equal(sfdi / 10n, 0x09b44d6efn);
  t.equal(sfdi.toString().length, 11);
  t.ok(hasValidCheckDigit(sfdi));
});

t.test('formatting and parsing', async (t) => {
  const lfdi = '3e4f45ab31edfe5b67e343e5e4562e31984e23e5';
  t.equal(formatLfdi(lfdi), '3E4F-45AB-31ED-FE5B-67E3-43E5-E456-2E31-984E-23E5');
  t.equal(formatLfdi(lfdi, 8, ' '), '3E4F45AB 31EDFE5B 67E343E5 E4562E31 984E23E5');
  t.equal(parseLfdi('3E4F-45AB-31ED-FE5B-67E3-43E5-E456-2E31-984E-23E5'), lfdi);
  t.equal(parseLfdi('3e:4f:45:ab:31:ed:fe:5b:67:e3:43:e5:e4:56:2e:31:98:4e:23:e5'), lfdi);
  t.equal(formatSfdi('41696092058'), '416-960-920-58');
  t.equal(formatSfdi(167261211391n, 4, ' '), '1672 6121 1391');
  t.throws(() => parseLfdi('3e4f'), { code: 207 });
  t.throws(() => formatLfdi('xyz'), { code: 600 });
  t.throws(() => formatLfdi(lfdi, 0), { code: 600 });
  t.throws(() => formatSfdi('12a'), { code: 600 });
  t.throws(() => sfdiFromLfdi('12'), { code: 600 });
  t.throws(() => lfdiFromFingerprint('00'), { code: 600 });
  t.throws(() => certificateDer('not a certificate'), { code: 306 });
  t.throws(() => lfdiFromCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])), { code: 306 });
});

t.test('property: every SFDI derived from an LFDI carries a valid check digit', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (b) => {
      const lfdi = Buffer.from(b).toString('hex');
      const sfdi = sfdiFromLfdi(lfdi);
      return hasValidCheckDigit(sfdi) && sfdi / 10n === BigInt(`0x${lfdi.slice(0, 9)}`);
    }),
    { numRuns: 500 },
  );
  t.pass('SFDI check digits hold');
});
