import { aesCmac, dblBigEndian, ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  C1222KeyStore,
  dblPrime,
  EAXPRIME_MAC_LENGTH,
  EaxPrime,
  eaxPrimeSubkeys,
} from '../src/security/eaxprime.js';
import vectors from './vectors/eaxprime.json' with { type: 'json' };

interface EaxVector {
  id: string;
  source: string;
  kind: string;
  hex: string;
  keys: { key: string };
  expected: {
    cleartext_N: string;
    mac: string;
    ciphertext?: string;
    N_prime?: string;
    L?: string;
    D?: string;
    Q?: string;
  };
}

const all = vectors as EaxVector[];

t.test('vector file shape', async (t) => {
  t.equal(all.filter((v) => v.kind === 'eaxprime-mode2').length, 4, 'four paper vectors');
  for (const v of all) t.ok(v.id && v.source, `${v.id} keeps id and source`);
});

for (const v of all) {
  t.test(v.id, async (t) => {
    const key = fromHex(v.keys.key);
    const e = new EaxPrime(key);
    const n = fromHex(v.expected.cleartext_N);
    const p = fromHex(v.hex);
    const mac = fromHex(v.expected.mac);
    if (v.expected.L !== undefined) {
      const s = eaxPrimeSubkeys(key);
      t.equal(toHex(s.l), v.expected.L, 'L');
      t.equal(toHex(s.d), v.expected.D, 'D');
      t.equal(toHex(s.q), v.expected.Q, 'Q');
    }
    if (v.expected.N_prime !== undefined) t.equal(toHex(e.cleartextTag(n)), v.expected.N_prime, "N'");
    if (v.kind === 'eaxprime-mode1') {
      t.equal(toHex(e.authenticate(n, p)), v.expected.mac, 'mode-1 tag');
      t.doesNotThrow(() => e.verify(n, p, mac), 'verifies');
      const bad = Uint8Array.from(p);
      bad[0]! ^= 1;
      t.throws(() => e.verify(n, bad, mac), { code: ErrorCode.AuthenticationFailed });
      return;
    }
    const sealed = e.encrypt(n, p);
    t.equal(toHex(sealed.ciphertext), v.expected.ciphertext ?? '', 'ciphertext');
    t.equal(toHex(sealed.mac), v.expected.mac, 'tag');
    t.equal(toHex(e.decrypt(n, sealed.ciphertext, mac)), v.hex, 'decrypts back');
    if (v.kind === 'eaxprime-mode2-empty') {
      // The recorded weakness: with an empty message the tag is N' alone.
      t.equal(toHex(sealed.mac), toHex(e.cleartextTag(n).subarray(12)), "empty message: tag = tail of N'");
    }
  });
}

t.test("dbl' differs from the SP 800-38B doubling and matches its definition", async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      const d = dblPrime(b);
      // reverse the bytes, double big-endian, reverse back: the same as dbl'
      const rev = Uint8Array.from(b).reverse();
      const viaBe = Uint8Array.from(dblBigEndian(rev)).reverse();
      // dbl' XORs 0x87 into byte 0; the reversed big-endian form XORs it into byte 0 too
      return toHex(d) === toHex(viaBe);
    }),
    { numRuns: 300 },
  );
  t.throws(() => dblPrime(new Uint8Array(15)), { code: ErrorCode.InvalidArgument });
});

t.test('CMAC core check: core aesCmac still RFC 4493 (the doubling is the only difference)', async (t) => {
  const key = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
  t.equal(toHex(aesCmac(key, new Uint8Array(0))), 'bb1d6929e95937287fa37d129b756746');
});

t.test('properties: round trip, any bit flip fails', async (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 0, maxLength: 60 }),
      fc.uint8Array({ minLength: 0, maxLength: 70 }),
      fc.nat(),
      (key, n, p, flip) => {
        const e = new EaxPrime(key);
        const { ciphertext, mac } = e.encrypt(n, p);
        if (toHex(e.decrypt(n, ciphertext, mac)) !== toHex(p)) return false;
        const all = new Uint8Array(n.length + ciphertext.length + mac.length);
        all.set(n);
        all.set(ciphertext, n.length);
        all.set(mac, n.length + ciphertext.length);
        const bit = flip % (all.length * 8);
        all[bit >> 3]! ^= 1 << (bit & 7);
        const n2 = all.subarray(0, n.length);
        const c2 = all.subarray(n.length, n.length + ciphertext.length);
        const m2 = all.subarray(n.length + ciphertext.length);
        try {
          e.decrypt(n2, c2, m2);
          return false;
        } catch (err) {
          return isMeterkitError(err, ErrorCode.AuthenticationFailed);
        }
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 1, maxLength: 60 }),
      fc.uint8Array({ minLength: 0, maxLength: 40 }),
      (key, n, p) => {
        const e = new EaxPrime(key);
        const mac = e.authenticate(n, p);
        e.verify(n, p, mac);
        const n2 = Uint8Array.from(n);
        n2[0]! ^= 0x80;
        return (
          mac.length === EAXPRIME_MAC_LENGTH &&
          (() => {
            try {
              e.verify(n2, p, mac);
              return false;
            } catch (err) {
              return isMeterkitError(err, ErrorCode.AuthenticationFailed);
            }
          })()
        );
      },
    ),
    { numRuns: 300 },
  );
  t.pass('mode-2 round trips and bit flips, mode-1 bit flips');
});

t.test('keys never print; key store by id', async (t) => {
  const key = fromHex('6624c7e23034e4036fe5cb3a8b5dab44');
  const e = new EaxPrime(key);
  t.equal(JSON.stringify(e), '"[EaxPrime]"');
  t.equal(String(e), '[EaxPrime]');
  const ks = new C1222KeyStore([[2, key]]).set(0, fromHex('01020304050607080102030405060708'));
  t.same(ks.keyIds(), [0, 2]);
  t.ok(ks.has(2));
  t.notOk(ks.has(1));
  t.equal(ks.get(1), undefined);
  t.ok(ks.get(2) instanceof EaxPrime);
  t.notMatch(JSON.stringify(ks), /6624/);
  t.notMatch(String(ks), /6624/);
  t.throws(() => ks.set(256, key), { code: ErrorCode.InvalidArgument });
  t.throws(() => new EaxPrime(new Uint8Array(24)), { code: ErrorCode.KeyInvalid });
  try {
    e.decrypt(new Uint8Array(3), new Uint8Array(5), new Uint8Array(4));
    t.fail('should throw');
  } catch (err) {
    t.ok(isMeterkitError(err, ErrorCode.AuthenticationFailed));
    t.notMatch(String((err as Error).message), /6624/);
  }
});
