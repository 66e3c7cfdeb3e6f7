import { ErrorCode, fromHex, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { legacyDesCbcDecrypt, legacyDesCbcEncrypt } from '../src/index.js';
import vectors from './vectors/c1222.json' with { type: 'json' };

interface Vector {
  id: string;
  source: string;
  kind: string;
  hex: string;
  keys: { des_key?: string; des_ede_key?: string; iv?: string } | null;
  expected: { ciphertext?: string };
}

const legacy = (vectors as Vector[]).filter((v) => v.kind === 'legacy-2006-des-cbc');

t.test('2006-draft DES/3DES-CBC vectors, both directions', async (t) => {
  t.equal(legacy.length, 2);
  for (const v of legacy) {
    const key = fromHex(v.keys!.des_key ?? v.keys!.des_ede_key!);
    const iv = fromHex(v.keys!.iv!);
    t.equal(toHex(legacyDesCbcEncrypt(key, iv, fromHex(v.hex))), v.expected.ciphertext, `${v.id} encrypts`);
    t.equal(toHex(legacyDesCbcDecrypt(key, iv, fromHex(v.expected.ciphertext!))), v.hex, `${v.id} decrypts`);
  }
});

t.test('key, IV and block checks; 2-key 3DES round trip', async (t) => {
  t.throws(() => legacyDesCbcEncrypt(new Uint8Array(7), new Uint8Array(8), new Uint8Array(8)), {
    code: ErrorCode.KeyInvalid,
  });
  t.throws(() => legacyDesCbcEncrypt(new Uint8Array(8), new Uint8Array(7), new Uint8Array(8)), {
    code: ErrorCode.InvalidArgument,
  });
  t.throws(() => legacyDesCbcDecrypt(new Uint8Array(8), new Uint8Array(8), new Uint8Array(9)), {
    code: ErrorCode.InvalidArgument,
  });
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.integer({ min: 0, max: 8 }).chain((n) => fc.uint8Array({ minLength: n * 8, maxLength: n * 8 })),
      (key, iv, p) => toHex(legacyDesCbcDecrypt(key, iv, legacyDesCbcEncrypt(key, iv, p))) === toHex(p),
    ),
    { numRuns: 200 },
  );
  t.pass('ok');
});
