import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import t from 'tap';
import {
  AesCmac,
  aesCmac,
  aesEncryptBlock,
  cmacSubkeys,
  cmacWithSubkeys,
  dblBigEndian,
  ErrorCode,
  fromHex,
  timingSafeEqualBytes,
  toHex,
} from '../src/index.js';

// RFC 4493 §4 test vectors (AES-128).
const KEY = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
const M = fromHex(
  '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
);
const rfc4493: [number, string][] = [
  [0, 'bb1d6929e95937287fa37d129b756746'],
  [16, '070a16b46b4d4144f79bdd9dd04a287c'],
  [40, 'dfa66747de9ae63030ca32611497c827'],
  [64, '51f0bebf7e3b9d92fc49741779363cfe'],
];

t.test('RFC 4493 subkeys and examples 1-4', (t) => {
  const sk = cmacSubkeys(KEY);
  t.equal(toHex(aesEncryptBlock(KEY, new Uint8Array(16))), '7df76b0c1ab899b33e42f047b91b546f', 'L');
  t.equal(toHex(sk.complete), 'fbeed618357133667c85e08f7236a8de', 'K1');
  t.equal(toHex(sk.incomplete), 'f7ddac306ae266ccf90bc11ee46d513b', 'K2');
  for (const [len, tag] of rfc4493) {
    t.equal(toHex(aesCmac(KEY, M.subarray(0, len))), tag, `Mlen=${len}`);
    t.equal(toHex(new AesCmac(KEY).mac(M.subarray(0, len))), tag, `context Mlen=${len}`);
  }
  t.equal(JSON.stringify(new AesCmac(KEY)), '"[AesCmac]"', 'the key never prints');
  t.end();
});

t.test('key and block length errors', (t) => {
  t.throws(() => aesCmac(new Uint8Array(15), M), { code: ErrorCode.KeyInvalid });
  t.throws(() => aesEncryptBlock(KEY, new Uint8Array(15)), { code: ErrorCode.InvalidArgument });
  t.equal(aesCmac(new Uint8Array(32), M).length, 16, 'AES-256 key accepted');
  t.equal(aesCmac(new Uint8Array(24), M).length, 16, 'AES-192 key accepted');
  t.end();
});

t.test('dbl and constant-time compare', (t) => {
  t.equal(
    toHex(dblBigEndian(fromHex('80000000000000000000000000000000'))),
    '00000000000000000000000000000087',
  );
  t.equal(
    toHex(dblBigEndian(fromHex('00000000000000000000000000000001'))),
    '00000000000000000000000000000002',
  );
  t.ok(timingSafeEqualBytes(fromHex('0102'), fromHex('0102')));
  t.notOk(timingSafeEqualBytes(fromHex('0102'), fromHex('0103')));
  t.notOk(timingSafeEqualBytes(fromHex('0102'), fromHex('01')));
  t.end();
});

/** A block-at-a-time CMAC written straight from SP 800-38B, as an independent oracle. */
function referenceCmac(
  key: Uint8Array,
  msg: Uint8Array,
  iv: Uint8Array,
  k1: Uint8Array,
  k2: Uint8Array,
): string {
  const enc = (b: Uint8Array) => {
    const c = createCipheriv('aes-128-ecb', key, null);
    c.setAutoPadding(false);
    return new Uint8Array(c.update(b));
  };
  const n = Math.max(1, Math.ceil(msg.length / 16));
  let x = Uint8Array.from(iv);
  for (let i = 0; i < n; i++) {
    const block = new Uint8Array(16);
    const part = msg.subarray(i * 16, i * 16 + 16);
    block.set(part);
    if (i === n - 1) {
      const complete = part.length === 16;
      if (!complete) block[part.length] = 0x80;
      const k = complete ? k1 : k2;
      for (let j = 0; j < 16; j++) block[j]! ^= k[j]!;
    }
    for (let j = 0; j < 16; j++) block[j]! ^= x[j]!;
    x = enc(block);
  }
  return toHex(x);
}

t.test('property: the CBC-MAC core equals a block-at-a-time reference, with any IV and subkeys', (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ maxLength: 100 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      (key, msg, iv, k1, k2) =>
        toHex(cmacWithSubkeys(key, msg, { complete: k1, incomplete: k2 }, iv)) ===
        referenceCmac(key, msg, iv, k1, k2),
    ),
    { numRuns: 300 },
  );
  t.end();
});
