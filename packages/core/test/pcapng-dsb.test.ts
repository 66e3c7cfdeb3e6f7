import fc from 'fast-check';
import t from 'tap';
import { ErrorCode, isMeterkitError } from '../src/errors.js';
import {
  collectingSink,
  DecryptionSecretsType,
  encodeDecryptionSecretsBlock,
  LinkType,
  PcapngBlockType,
  PcapngWriter,
} from '../src/pcapng/index.js';
import { blocks } from './pcapng-blocks.js';

function u32(block: Uint8Array, at: number): number {
  return new DataView(block.buffer, block.byteOffset, block.byteLength).getUint32(at, true);
}

t.test('secrets type codes are the ASCII tags of draft-ietf-opsawg-pcapng §4.7', async (t) => {
  const ascii = (n: number): string =>
    String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  t.equal(ascii(DecryptionSecretsType.TlsKeyLog), 'TLSK');
  t.equal(ascii(DecryptionSecretsType.WireGuardKeyLog), 'WGKL');
  t.equal(ascii(DecryptionSecretsType.ZigbeeNwkKey), 'ZNWK');
  t.equal(ascii(DecryptionSecretsType.ZigbeeApsKey), 'ZAPK');
  t.equal(PcapngBlockType.DecryptionSecrets, 0x0a);
});

t.test('exact Decryption Secrets Block layout', async (t) => {
  const line = 'CLIENT_RANDOM 00 11\n'; // 20 bytes: no padding
  const block = encodeDecryptionSecretsBlock(DecryptionSecretsType.TlsKeyLog, new TextEncoder().encode(line));
  t.equal(block.length, 40);
  t.equal(u32(block, 0), 0x0a, 'block type');
  t.equal(u32(block, 4), 40, 'leading total length');
  t.equal(u32(block, 8), 0x544c534b, 'secrets type TLSK');
  t.equal(u32(block, 12), 20, 'secrets length');
  t.equal(new TextDecoder().decode(block.subarray(16, 36)), line);
  t.equal(u32(block, 36), 40, 'trailing total length');

  const odd = encodeDecryptionSecretsBlock(7, Uint8Array.of(1, 2, 3, 4, 5));
  t.equal(odd.length, 28, 'five secret bytes padded to eight');
  t.equal(u32(odd, 12), 5, 'the length is the unpadded one');
  t.same([...odd.subarray(16, 24)], [1, 2, 3, 4, 5, 0, 0, 0]);
  t.equal(u32(odd, 24), 28);
});

t.test('the writer puts the block where it is called, between packets', async (t) => {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink);
  const iface = w.addInterface({ linkType: LinkType.RAW });
  w.writePacket(iface, 1_000n, Uint8Array.of(0x45));
  w.writeDecryptionSecrets('CLIENT_RANDOM aa bb\n');
  w.writeDecryptionSecrets('');
  w.writeDecryptionSecrets(Uint8Array.of(9, 9), DecryptionSecretsType.WireGuardKeyLog);
  w.writePacket(iface, 2_000n, Uint8Array.of(0x45));
  const types = blocks(c.bytes()).map((b) => u32(b, 0));
  t.same(types, [0x0a0d0d0a, 1, 6, 0x0a, 0x0a, 6], 'an empty key log writes nothing');
  const dsb = blocks(c.bytes())[3]!;
  t.equal(u32(dsb, 8), DecryptionSecretsType.TlsKeyLog, 'TLS key log is the default type');
  t.equal(w.packetCount, 2, 'secrets are not packets');
  t.equal(u32(blocks(c.bytes())[4]!, 8), DecryptionSecretsType.WireGuardKeyLog);
});

t.test('a secrets type beyond 32 bits is refused', async (t) => {
  for (const bad of [-1, 2 ** 32, 1.5]) {
    t.throws(() => encodeDecryptionSecretsBlock(bad, Uint8Array.of(1)), { code: ErrorCode.InvalidArgument });
  }
});

t.test('property: any secrets give one well-formed block that holds them', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 0xffffffff }), (secrets, type) => {
      let block: Uint8Array;
      try {
        block = encodeDecryptionSecretsBlock(type, secrets);
      } catch (e) {
        return isMeterkitError(e);
      }
      const length = u32(block, 4);
      return (
        length === block.length &&
        length % 4 === 0 &&
        u32(block, length - 4) === length &&
        u32(block, 8) === type &&
        u32(block, 12) === secrets.length &&
        block.subarray(16, 16 + secrets.length).every((b, i) => b === secrets[i]) &&
        block.subarray(16 + secrets.length, length - 4).every((b) => b === 0)
      );
    }),
    { numRuns: 300 },
  );
  t.pass('300 runs');
});
