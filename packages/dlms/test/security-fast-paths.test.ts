/**
 * The ciphering hot paths (IEC 62056-5-3 §9.2.7.2.4) agree with the general ones: the
 * general-glo/ded envelope fast path, ciphering straight into the output APDU, and the shared
 * output slab.
 */
import { ErrorCode, isMeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { allocateApduOutput } from '../src/security/apdu-output.js';
import {
  cipherApdu,
  decipherApdu,
  decodeCipheredApdu,
  decodeSecurityControl,
  encodeCipheredApdu,
  gcmEncrypt,
  gcmEncryptInto,
  gcmKeystreamXor,
  gcmKeystreamXorInto,
  importGcmKey,
  initializationVector,
  SecurityContext,
} from '../src/security/index.js';

const ST = Uint8Array.of(0x4d, 0x4d, 0x4d, 0, 0, 0xbc, 0x61, 0x4e);
const EK = Uint8Array.from({ length: 16 }, (_, i) => i);
const AK = Uint8Array.from({ length: 16 }, (_, i) => 0xd0 + i);

/** Re-encodes general-glo/ded `apdu` with its ciphered-content length in `octets` long-form octets. */
function withLongLength(apdu: Uint8Array, octets: number): Uint8Array {
  const stLen = apdu[1]!;
  let p = 2 + stLen;
  const first = apdu[p]!;
  const lenOctets = first < 0x80 ? 1 : 1 + (first & 0x7f);
  let len = 0;
  if (first < 0x80) len = first;
  else for (let i = 1; i < lenOctets; i++) len = len * 256 + apdu[p + i]!;
  const head = apdu.subarray(0, p);
  p += lenOctets;
  const lenBytes = [0x80 | octets];
  for (let i = octets - 1; i >= 0; i--) lenBytes.push(Math.floor(len / 256 ** i) & 0xff);
  return Uint8Array.of(...head, ...lenBytes, ...apdu.subarray(p));
}

const contentArb = fc.record({
  glo: fc.boolean(),
  systemTitle: fc.uint8Array({ maxLength: 10 }),
  sc: fc.integer({ min: 0, max: 255 }),
  ic: fc.integer({ min: 0, max: 0xffffffff }),
  info: fc.uint8Array({ maxLength: 300 }),
  tag: fc.uint8Array({ minLength: 12, maxLength: 12 }),
});

t.test('the general-glo/ded fast path decodes what the checked path decodes', async () => {
  fc.assert(
    fc.property(contentArb, fc.integer({ min: 1, max: 4 }), (c, octets) => {
      const sc = decodeSecurityControl(c.sc);
      const apdu = encodeCipheredApdu({
        type: c.glo ? 'general-glo-ciphering' : 'general-ded-ciphering',
        systemTitle: c.systemTitle,
        securityControl: sc,
        invocationCounter: c.ic,
        ciphertext: c.info,
        authenticationTag: sc.authentication ? c.tag : undefined,
      });
      const fast = decodeCipheredApdu(apdu);
      // long forms of 3 or 4 octets take the checked path; all must give the same fields
      const slow = decodeCipheredApdu(withLongLength(apdu, octets));
      const { raw: _a, ...f } = fast;
      const { raw: _b, ...s } = slow;
      return JSON.stringify(f, (_k, v) => (v instanceof Uint8Array ? [...v] : v)) ===
        JSON.stringify(s, (_k, v) => (v instanceof Uint8Array ? [...v] : v))
        ? fast.raw === apdu
        : false;
    }),
    { numRuns: 300 },
  );
});

t.test('malformed general-glo-ciphering still raises the precise error', async (t) => {
  const apdu = cipherApdu(
    new SecurityContext({ systemTitle: ST, globalUnicastEncryptionKey: EK, authenticationKey: AK }),
    Uint8Array.of(0x0f, 0, 0, 0, 1, 0, 0),
    { form: 'general-glo', invocationCounter: 1 },
  );
  t.throws(() => decodeCipheredApdu(apdu.subarray(0, apdu.length - 1)), { code: ErrorCode.LengthOverrun });
  t.throws(() => decodeCipheredApdu(Uint8Array.of(...apdu, 0)), { code: ErrorCode.TrailingBytes });
  t.throws(() => decodeCipheredApdu(Uint8Array.of(0xdb)), { code: ErrorCode.Truncated });
  t.throws(() => decodeCipheredApdu(Uint8Array.of(0xdb, 8, ...ST)), { code: ErrorCode.Truncated });
  t.throws(() => decodeCipheredApdu(Uint8Array.of(0xdb, 0, 0x81)), { code: ErrorCode.Truncated });
  t.throws(() => decodeCipheredApdu(Uint8Array.of(0xdb, 0, 0x82, 0)), { code: ErrorCode.Truncated });
  t.throws(() => decodeCipheredApdu(Uint8Array.of(0xdb, 0, 0x80)), { code: ErrorCode.IndefiniteLength });
  // SC.A with fewer than 12 octets after the header
  t.throws(() => decodeCipheredApdu(Uint8Array.of(0xdb, 0, 6, 0x30, 0, 0, 0, 1, 9)), { code: 227 });
  t.throws(() => decodeCipheredApdu(Uint8Array.of(0xdb, 0, 4, 0x30, 0, 0, 0)), { code: 227 });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (tail) => {
      try {
        decodeCipheredApdu(Uint8Array.of(0xdb, ...tail));
        return true;
      } catch (e) {
        return isMeterkitError(e);
      }
    }),
    { numRuns: 500 },
  );
});

t.test('ciphering into a buffer equals ciphering into new arrays', async () => {
  fc.assert(
    fc.property(
      fc.constantFrom(16, 32),
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.integer({ min: 0, max: 7 }),
      (keyLength, plaintext, aad, at) => {
        const key = importGcmKey(new Uint8Array(keyLength).fill(5));
        const iv = initializationVector(ST, plaintext.length);
        const { ciphertext, tag } = gcmEncrypt(key, iv, plaintext, aad);
        const out = new Uint8Array(at + plaintext.length + 12);
        const end = gcmEncryptInto(key, iv, plaintext, out, at, aad);
        const ks = new Uint8Array(at + plaintext.length);
        const ksEnd = gcmKeystreamXorInto(key, iv, plaintext, ks, at);
        return (
          end === out.length &&
          ksEnd === ks.length &&
          out.subarray(at, at + plaintext.length).every((b, i) => b === ciphertext[i]) &&
          out.subarray(at + plaintext.length).every((b, i) => b === tag[i]) &&
          ks.subarray(at).every((b, i) => b === gcmKeystreamXor(key, iv, plaintext)[i])
        );
      },
    ),
    { numRuns: 200 },
  );
});

t.test('ciphered APDUs from the shared slab stay independent', async (t) => {
  const sender = new SecurityContext({
    systemTitle: ST,
    globalUnicastEncryptionKey: EK,
    authenticationKey: AK,
  });
  const receiver = new SecurityContext({
    peerSystemTitle: ST,
    globalUnicastEncryptionKey: EK,
    authenticationKey: AK,
    replay: false,
  });
  const kept: { apdu: Uint8Array; copy: Uint8Array; plaintext: Uint8Array }[] = [];
  // enough APDUs of varied sizes to fill several slabs
  for (let i = 0; i < 400; i++) {
    const n = 8 + ((i * 97) % 1500);
    const plaintext = new Uint8Array(n).fill(i & 0xff);
    plaintext[0] = 0x0f;
    const apdu = cipherApdu(sender, plaintext, {
      form: i % 2 === 0 ? 'general-glo' : 'general-ciphering',
      recipientSystemTitle: undefined,
    });
    kept.push({ apdu, copy: Uint8Array.from(apdu), plaintext });
  }
  let intact = 0;
  for (const k of kept) {
    if (
      k.apdu.every((b, i) => b === k.copy[i]) &&
      decipherApdu(receiver, k.apdu, { allowRecipientMismatch: true }).plaintext.every(
        (b, i) => b === k.plaintext[i],
      )
    )
      intact++;
  }
  t.equal(intact, kept.length, 'no APDU was overwritten by a later one');
  // views are 8-octet aligned within their slab
  t.ok(kept.every((k) => k.apdu.byteOffset % 8 === 0));
  // large APDUs get a buffer of their own
  const big = cipherApdu(sender, new Uint8Array(5000).fill(0x0f), { form: 'general-glo' });
  t.equal(big.byteOffset, 0);
  t.equal(big.buffer.byteLength, big.length);
});

t.test('a detached slab is replaced', async (t) => {
  const a = allocateApduOutput(100);
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, [a.buffer as ArrayBuffer]);
  port1.close();
  port2.close();
  t.equal(a.length, 0, 'the first view is detached');
  const b = allocateApduOutput(100);
  t.equal(b.length, 100);
  b.fill(1);
  t.ok(b.every((x) => x === 1));
  t.equal(allocateApduOutput(0).length, 0);
});
