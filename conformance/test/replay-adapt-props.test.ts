/**
 * Properties of the replay adapters and the HTTP answer framer: arbitrary captured bytes are sent
 * (adapted or as they were) without an exception, lengths of DLMS messages never change, and the
 * framer cuts any split of a response stream into the same messages.
 */
import fc from 'fast-check';
import t from 'tap';
import { Keyring } from '../src/keyring.js';
import { ReplayAdapter } from '../src/replay/adapt.js';
import { HttpResponseFramer } from '../src/replay/http-framer.js';

const keys = Keyring.parse(
  JSON.stringify({
    dlms: [
      {
        systemTitle: '4d4b540000000042',
        ek: '000102030405060708090a0b0c0d0e0f',
        ak: 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf',
      },
    ],
    c1222: [{ keyId: 0, key: '6624c7e23034e4036fe5cb3a8b5dab44' }],
  }),
);

const prefixed = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc
    .uint8Array({ maxLength: 200 })
    .map((b) => Uint8Array.of(0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, b.length, ...b)),
  fc
    .uint8Array({ maxLength: 200 })
    .map((b) => Uint8Array.of(0x7e, 0xa0, b.length + 7, 0x03, 0x21, 0x10, 0, 0, ...b, 0, 0, 0x7e)),
  fc
    .tuple(fc.constantFrom(0x60, 0xc3, 0xc8, 0xcb, 0xdb, 0xd0, 0xdc), fc.uint8Array({ maxLength: 120 }))
    .map(([tag, b]) => Uint8Array.of(tag, ...b)),
);

t.test('DLMS adaptation: any bytes, same length back, never an exception', async (t) => {
  fc.assert(
    fc.property(fc.array(prefixed, { maxLength: 6 }), (messages) => {
      const a = new ReplayAdapter({ keys, invokeIdShift: 3 });
      a.prepare(
        messages.map((request, i) => ({ frame: i + 1, protocol: 'dlms' as const, request, answers: [] })),
      );
      for (const m of messages) {
        const out = a.adapt('dlms', m);
        if (out.length !== m.length) return false;
        a.observe('dlms', [m], [m]);
      }
      return true;
    }),
    { numRuns: 400 },
  );
  t.pass('the property held for 400 runs');
});

t.test('C12.22 and HTTP adaptation: any bytes are sent, never an exception', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 200 }), (b, s) => {
      const a = new ReplayAdapter({ keys });
      a.adapt('c1222', Uint8Array.of(0x60, b.length & 0x7f, ...b));
      const text = new TextEncoder().encode(`GET ${s} HTTP/1.1\r\nHost: x\r\n\r\n<a href="${s}"/>`);
      a.observe(
        'ieee2030-5',
        [text],
        [new TextEncoder().encode(`HTTP/1.1 201 Created\r\nLocation: /x/${s}\r\n\r\n`)],
      );
      a.adapt('ieee2030-5', text);
      a.expected('ieee2030-5', text);
      return a.adapt('other', b).length === b.length;
    }),
    { numRuns: 300 },
  );
  t.pass('the property held for 300 runs');
});

t.test('HTTP framer: any split of a response stream gives the same responses', async (t) => {
  const responses = [
    'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc',
    'HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1;x=y\r\nc\r\n0\r\nT: v\r\n\r\n',
    'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n',
  ];
  const all = new TextEncoder().encode(responses.join(''));
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 12 }), (cuts) => {
      const f = new HttpResponseFramer();
      const at = [0, ...cuts.sort((x, y) => x - y), all.length];
      const out: string[] = [];
      for (let i = 1; i < at.length; i++)
        for (const m of f.push(all.subarray(at[i - 1], at[i]))) out.push(new TextDecoder().decode(m.bytes));
      return JSON.stringify(out) === JSON.stringify(responses);
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
      new HttpResponseFramer().push(b);
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('both properties held');
});
