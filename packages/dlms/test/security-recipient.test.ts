/**
 * general-ciphering recipient-system-title check (IEC 62056-5-3 §9.2.7.2.4.3): an APDU addressed
 * to another system title is refused with RecipientSystemTitleMismatch (329) unless the caller
 * allows it.
 */
import { isMeterkitError, type MeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  cipherApdu,
  DlmsSecurityErrorCode,
  decipherApdu,
  decodeCipheredApdu,
  generateEcKeyPair,
  SecurityContext,
  securitySuiteParameters,
} from '../src/security/index.js';

const CLIENT_ST = Uint8Array.of(0x4d, 0x4d, 0x4d, 0, 0, 0, 0, 1);
const SERVER_ST = Uint8Array.of(0x4d, 0x4d, 0x4d, 0, 0, 0xbc, 0x61, 0x4e);
const EK = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const AK = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const PLAIN = Uint8Array.of(0xc0, 0x01, 0xc1, 0x00, 0x03, 0x01, 0x00, 0x01, 0x08, 0x00, 0xff, 0x02, 0x00);
const MISMATCH = DlmsSecurityErrorCode.RecipientSystemTitleMismatch;

function sender(): SecurityContext {
  return new SecurityContext({
    systemTitle: CLIENT_ST,
    globalUnicastEncryptionKey: EK,
    authenticationKey: AK,
  });
}

function receiver(systemTitle: Uint8Array | undefined): SecurityContext {
  return new SecurityContext({
    systemTitle,
    globalUnicastEncryptionKey: EK,
    authenticationKey: AK,
    replay: false,
  });
}

t.test('the error code is in the dlms security sub-range', async (t) => {
  t.equal(MISMATCH, 329);
});

t.test('an APDU addressed to us deciphers', async (t) => {
  const apdu = cipherApdu(sender(), PLAIN, { form: 'general-ciphering', recipientSystemTitle: SERVER_ST });
  const d = decipherApdu(receiver(SERVER_ST), apdu);
  t.same(d.plaintext, PLAIN);
  t.ok(d.tagVerified);
});

t.test('an APDU addressed to someone else is refused with 329', async (t) => {
  const other = Uint8Array.of(0x4d, 0x4d, 0x4d, 0, 0, 0, 0, 9);
  const apdu = cipherApdu(sender(), PLAIN, { form: 'general-ciphering', recipientSystemTitle: other });
  try {
    decipherApdu(receiver(SERVER_ST), apdu);
    t.fail('expected a throw');
  } catch (e) {
    t.ok(isMeterkitError(e, MISMATCH));
    const err = e as MeterkitError;
    t.equal(err.path, 'general-ciphering.recipient-system-title');
    // tag, transaction-id (1 + 8), originator (1 + 8): the recipient's length octet is at 19
    t.equal(err.offset, 19);
    t.equal(apdu[19], 8);
    t.match(err.message, toHex(other));
    t.match(err.message, toHex(SERVER_ST));
  }
  // the caller may accept it (a monitor or gateway deciphering others' traffic)
  t.same(decipherApdu(receiver(SERVER_ST), apdu, { allowRecipientMismatch: true }).plaintext, PLAIN);
  // without an own system title there is nothing to compare against
  t.same(decipherApdu(receiver(undefined), apdu).plaintext, PLAIN);
});

t.test('an empty recipient-system-title does not name us', async (t) => {
  const apdu = cipherApdu(sender(), PLAIN, { form: 'general-ciphering' });
  const env = decodeCipheredApdu(apdu);
  if (env.type !== 'general-ciphering') throw new Error('general-ciphering expected');
  t.equal(env.recipientSystemTitle.length, 0);
  t.throws(() => decipherApdu(receiver(SERVER_ST), apdu), { code: MISMATCH });
  t.same(decipherApdu(receiver(SERVER_ST), apdu, { allowRecipientMismatch: true }).plaintext, PLAIN);
});

t.test('the check comes before key agreement and the replay guard', async (t) => {
  const suite = securitySuiteParameters(1);
  const kaA = generateEcKeyPair(suite);
  const kaB = generateEcKeyPair(suite);
  const ak = new Uint8Array(16).fill(7);
  const s = new SecurityContext({
    suite: 1,
    systemTitle: CLIENT_ST,
    authenticationKey: ak,
    keyAgreementKey: kaA.privateKey,
    peerKeyAgreementKey: kaB.publicKey,
  });
  const other = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const apdu = cipherApdu(s, PLAIN, {
    form: 'general-ciphering',
    keyInfo: 'static-unified-model',
    recipientSystemTitle: other,
  });
  // the receiver has no key agreement key at all: a misaddressed APDU still fails on the address
  const r = new SecurityContext({ suite: 1, systemTitle: SERVER_ST, authenticationKey: ak });
  t.throws(() => decipherApdu(r, apdu), { code: MISMATCH });
  // and nothing was recorded by the replay guard: the right receiver (with its keys) accepts it
  const right = new SecurityContext({
    suite: 1,
    systemTitle: other,
    authenticationKey: ak,
    keyAgreementKey: kaB.privateKey,
    peerKeyAgreementKey: kaA.publicKey,
  });
  t.same(decipherApdu(right, apdu).plaintext, PLAIN);
});

t.test('other forms carry no recipient and are not affected', async (t) => {
  for (const form of ['glo', 'general-glo'] as const) {
    const apdu = cipherApdu(sender(), PLAIN, { form });
    const r = receiver(Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9));
    r.peerSystemTitle = CLIENT_ST;
    t.same(decipherApdu(r, apdu).plaintext, PLAIN, form);
  }
});

t.test('any recipient other than our own system title is refused (property)', async () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 16 }), (recipient) => {
      const apdu = cipherApdu(sender(), PLAIN, {
        form: 'general-ciphering',
        recipientSystemTitle: recipient,
      });
      const same = recipient.length === 8 && recipient.every((b, i) => b === SERVER_ST[i]);
      try {
        const d = decipherApdu(receiver(SERVER_ST), apdu);
        return same && d.plaintext.length === PLAIN.length;
      } catch (e) {
        return !same && isMeterkitError(e, MISMATCH);
      }
    }),
    { numRuns: 300 },
  );
});
