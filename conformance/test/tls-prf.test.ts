import { spawnSync } from 'node:child_process';
import { fromHex, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { MAX_PRF_OUTPUT, pSha256, tls12KeyBlock, tls12Prf } from '../src/tls/prf.js';

/**
 * The TLS 1.2 PRF (SHA-256) vector posted to the IETF TLS list (msg03416) and confirmed on the
 * OASIS PKCS#11 list: secret, seed, label "test label", 100 bytes of output.
 */
const PUBLISHED = {
  secret: '9bbe436ba940f017b17652849a71db35',
  seed: 'a0ba9f936cda311827a6f796ffd5198c',
  label: 'test label',
  output:
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
};

t.test('PRF SHA-256 matches the published TLS 1.2 test vector', async (t) => {
  const out = tls12Prf(fromHex(PUBLISHED.secret), PUBLISHED.label, fromHex(PUBLISHED.seed), 100);
  t.equal(toHex(out), PUBLISHED.output);
  t.equal(
    toHex(tls12Prf(fromHex(PUBLISHED.secret), PUBLISHED.label, fromHex(PUBLISHED.seed), 17)),
    PUBLISHED.output.slice(0, 34),
    'a prefix for a shorter output',
  );
  t.equal(tls12Prf(fromHex(PUBLISHED.secret), 'x', new Uint8Array(0), 0).length, 0);
  t.throws(() => pSha256(new Uint8Array(1), new Uint8Array(1), MAX_PRF_OUTPUT + 1), RangeError);
  t.throws(() => pSha256(new Uint8Array(1), new Uint8Array(1), -1), RangeError);
});

/** OpenSSL's TLS1-PRF KDF as an independent oracle, or undefined when `openssl kdf` is missing. */
function opensslPrf(secret: Uint8Array, label: string, seed: Uint8Array, length: number): string | undefined {
  const r = spawnSync(
    'openssl',
    [
      'kdf',
      '-keylen',
      String(length),
      '-kdfopt',
      'digest:SHA256',
      '-kdfopt',
      `hexsecret:${toHex(secret)}`,
      '-kdfopt',
      `hexseed:${toHex(new TextEncoder().encode(label))}${toHex(seed)}`,
      'TLS1-PRF',
    ],
    { encoding: 'utf8' },
  );
  if (r.error !== undefined || r.status !== 0) return undefined;
  return r.stdout.trim().replaceAll(':', '').toLowerCase();
}

t.test('PRF agrees with OpenSSL TLS1-PRF on random inputs', async (t) => {
  if (opensslPrf(new Uint8Array(1), 'a', new Uint8Array(1), 1) === undefined) {
    t.comment('openssl kdf is not available: skipped');
    return;
  }
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 80 }),
      fc.stringMatching(/^[a-z ]{1,20}$/),
      fc.uint8Array({ minLength: 1, maxLength: 80 }),
      fc.integer({ min: 1, max: 200 }),
      (secret, label, seed, length) =>
        toHex(tls12Prf(secret, label, seed, length)) === opensslPrf(secret, label, seed, length),
    ),
    { numRuns: 25 },
  );
});

t.test('key expansion cuts the key block in the order of RFC 5246 §6.3', async (t) => {
  const master = Uint8Array.from({ length: 48 }, (_, i) => i);
  const clientRandom = Uint8Array.from({ length: 32 }, (_, i) => 0xc0 + (i & 0xf));
  const serverRandom = Uint8Array.from({ length: 32 }, (_, i) => 0x50 + (i & 0xf));
  const seed = new Uint8Array(64);
  seed.set(serverRandom);
  seed.set(clientRandom, 32);
  const block = tls12Prf(master, 'key expansion', seed, 40);
  const keys = tls12KeyBlock(master, clientRandom, serverRandom, 16, 4);
  t.same(keys.clientWriteKey, block.subarray(0, 16));
  t.same(keys.serverWriteKey, block.subarray(16, 32));
  t.same(keys.clientWriteIv, block.subarray(32, 36));
  t.same(keys.serverWriteIv, block.subarray(36, 40));
  const swapped = tls12KeyBlock(master, serverRandom, clientRandom, 16, 4);
  t.not(toHex(swapped.clientWriteKey), toHex(keys.clientWriteKey), 'the seed order matters');
});
