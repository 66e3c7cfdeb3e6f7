import { bytesEqual } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { frameStream } from '../src/reassembly/index.js';

/** A DLMS wrapper datagram (IEC 62056-47 §5) carrying `payload`. */
function wrapper(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  out.set([0x00, 0x01, 0x00, 0x10, 0x00, 0x01, payload.length >> 8, payload.length & 0xff]);
  out.set(payload, 8);
  return out;
}

t.test('framed messages share slabs but never each other’s octets', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 12_000 }), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 4096 }),
        (payloads, chunk) => {
          const datagrams = payloads.map(wrapper);
          const stream = new Uint8Array(datagrams.reduce((n, d) => n + d.length, 0));
          let at = 0;
          for (const d of datagrams) {
            stream.set(d, at);
            at += d.length;
          }
          const f = frameStream('dlms-wrapper');
          const got: Uint8Array[] = [];
          // one reused input buffer, overwritten after each push, as the capture reader does
          const reused = new Uint8Array(chunk);
          for (let s = 0; s < stream.length; s += chunk) {
            const piece = stream.subarray(s, Math.min(s + chunk, stream.length));
            reused.set(piece);
            for (const fr of f.push(reused.subarray(0, piece.length)))
              if (fr.type === 'frame') got.push(fr.bytes);
            reused.fill(0xaa);
          }
          if (got.length !== datagrams.length) return false;
          return got.every((g, i) => bytesEqual(g, datagrams[i]!));
        },
      ),
      { numRuns: 200 },
    ),
  );
});

t.test(
  'more messages than one slab holds come out whole, small ones as views of a shared buffer',
  async (t) => {
    const f = frameStream('dlms-wrapper');
    const one = wrapper(new Uint8Array(100).fill(7));
    const got: Uint8Array[] = [];
    for (let i = 0; i < 4000; i++) {
      const copy = one.slice();
      copy[9] = i & 0xff;
      for (const fr of f.push(copy)) if (fr.type === 'frame') got.push(fr.bytes);
    }
    t.equal(got.length, 4000);
    t.ok(got.every((g, i) => g.length === one.length && g[9] === (i & 0xff) && g[10] === 7));
    t.equal(got[0]!.buffer, got[1]!.buffer, 'consecutive small messages share a buffer');
    t.ok(new Set(got.map((g) => g.buffer)).size > 1, 'a full slab is replaced, not overwritten');
    const big = wrapper(new Uint8Array(9000).fill(3));
    const [fr] = f.push(big);
    t.equal(fr?.bytes.byteLength, big.length);
    t.equal(fr?.bytes.buffer.byteLength, big.length, 'a long message has a buffer of its own');
  },
);
