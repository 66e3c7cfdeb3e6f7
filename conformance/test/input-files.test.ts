import {
  buildTcpPacket,
  collectingSink,
  ErrorCode,
  isMeterkitError,
  PcapngWriter,
  TcpStreamRecorder,
  toHex,
} from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  type CapturePacket,
  CaptureReader,
  detectCaptureFormat,
  PcapngReader,
  PcapReader,
  readCaptureFile,
} from '../src/input/index.js';

// ---- test-side builders, written from draft-ietf-opsawg-pcap / -pcapng, in either byte order ----

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

function u16(v: number, le: boolean): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, le);
  return b;
}

function u32(v: number, le: boolean): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, le);
  return b;
}

function padded(b: Uint8Array): Uint8Array {
  return cat(b, new Uint8Array((4 - (b.length % 4)) % 4));
}

function opt(code: number, value: Uint8Array, le: boolean): Uint8Array {
  return cat(u16(code, le), u16(value.length, le), padded(value));
}

const END = new Uint8Array(4);

function block(
  type: number,
  body: Uint8Array,
  le: boolean,
  length = body.length + 12,
  trailer = length,
): Uint8Array {
  return cat(u32(type, le), u32(length, le), body, u32(trailer, le));
}

function shb(le: boolean, options: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  return block(
    0x0a0d0d0a,
    cat(u32(0x1a2b3c4d, le), u16(major, le), u16(0, le), new Uint8Array(8).fill(0xff), options),
    le,
  );
}

function idb(
  le: boolean,
  linkType: number,
  snapLen = 0,
  options: Uint8Array = new Uint8Array(0),
): Uint8Array {
  return block(1, cat(u16(linkType, le), u16(0, le), u32(snapLen, le), options), le);
}

function epb(
  le: boolean,
  iface: number,
  ticks: bigint,
  data: Uint8Array,
  options = new Uint8Array(0),
  original = data.length,
) {
  return block(
    6,
    cat(
      u32(iface, le),
      u32(Number(ticks >> 32n), le),
      u32(Number(ticks & 0xffffffffn), le),
      u32(data.length, le),
      u32(original, le),
      padded(data),
      options,
    ),
    le,
  );
}

function pcapHeader(le: boolean, nanos: boolean, linkType: number, major = 2): Uint8Array {
  return cat(
    u32(nanos ? 0xa1b23c4d : 0xa1b2c3d4, le),
    u16(major, le),
    u16(4, le),
    u32(0, le),
    u32(0, le),
    u32(65535, le),
    u32(linkType, le),
  );
}

function pcapRecord(
  le: boolean,
  sec: number,
  frac: number,
  data: Uint8Array,
  original = data.length,
): Uint8Array {
  return cat(u32(sec, le), u32(frac, le), u32(data.length, le), u32(original, le), data);
}

function readAll(
  reader: { push(b: Uint8Array): CapturePacket[]; end(): CapturePacket[] },
  file: Uint8Array,
): CapturePacket[] {
  return [...reader.push(file), ...reader.end()];
}

function codeOf(fn: () => unknown): number | string {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return isMeterkitError(e) ? e.code : `not a MeterkitError: ${String(e)}`;
  }
}

const tcpPacket = buildTcpPacket(
  {
    source: Uint8Array.of(127, 0, 0, 1),
    destination: Uint8Array.of(127, 0, 0, 1),
    sourcePort: 50000,
    destinationPort: 4059,
    seq: 1,
    ack: 1,
    flags: 0x18,
    identification: 1,
  },
  Uint8Array.of(0, 1, 0, 1, 0, 1, 0, 0x1f),
);
const utf8 = new TextEncoder();

// ---------------------------------------------------------------------------------------------

t.test('pcap: both byte orders, µs and ns magic', async (t) => {
  for (const le of [true, false]) {
    for (const nanos of [false, true]) {
      const file = cat(
        pcapHeader(le, nanos, 101),
        pcapRecord(le, 1_700_000_000, 123, tcpPacket),
        pcapRecord(le, 5, 7, tcpPacket.subarray(0, 30), 48),
      );
      const r = new PcapReader();
      const packets = readAll(r, file);
      t.match(r.interface, {
        id: 0,
        linkType: 101,
        snapLen: 65535,
        timestampResolution: { base: 10, exponent: nanos ? 9 : 6 },
      });
      t.equal(packets.length, 2);
      t.equal(packets[0]!.timestamp, 1_700_000_000_000_000_000n + (nanos ? 123n : 123_000n));
      t.match(packets[0], {
        frameNumber: 1,
        interfaceId: 0,
        linkType: 101,
        originalLength: 48,
        fileOffset: 24,
        comments: [],
      });
      t.match(packets[0], { tcp: { destinationPort: 4059, checksumOk: true } });
      t.equal(toHex(packets[0]!.payload!), '000100010001001f');
      t.match(packets[1], { frameNumber: 2, originalLength: 48, ip: { truncated: true } });
      t.equal(detectCaptureFormat(file), 'pcap');
    }
  }
});

t.test(
  'pcapng: big-endian section, SPB, obsolete PB, skipped blocks, tsresol, tsoffset, second section',
  async (t) => {
    const be = false;
    const file = cat(
      shb(be, cat(opt(4, utf8.encode('other app'), be), END)),
      idb(
        be,
        147,
        0,
        cat(opt(9, Uint8Array.of(0x80 | 10), be), opt(14, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 2]), be), END),
      ),
      block(4, new Uint8Array(8), be), // name resolution block: skipped
      block(0x0a, new Uint8Array(16), be), // decryption secrets: skipped
      block(0x40000bad, new Uint8Array(4), be), // custom: skipped
      epb(be, 0, 3072n, Uint8Array.of(1, 9, 9)),
      block(3, cat(u32(3, be), padded(Uint8Array.of(0, 5, 6))), be), // SPB
      block(
        2,
        cat(
          u16(0, be),
          u16(0, be),
          u32(0, be),
          u32(2000, be),
          u32(2, be),
          u32(2, be),
          padded(Uint8Array.of(0, 1)),
          opt(1, utf8.encode('pb'), be),
          END,
        ),
        be,
      ),
      shb(true),
      idb(true, 101, 0, cat(opt(9, Uint8Array.of(3), true), opt(2, utf8.encode('x'), true), END)),
      idb(true, 1, 0, cat(opt(9, Uint8Array.of(12), true), END)),
      epb(true, 0, 5n, tcpPacket),
      epb(true, 1, 7_000n, new Uint8Array(0)),
    );
    t.equal(detectCaptureFormat(file), 'pcapng');
    const r = new PcapngReader();
    const packets = readAll(r, file);
    t.equal(packets.length, 5);
    t.equal(
      packets[0]!.timestamp,
      2_000_000_000n + 3_000_000_000n,
      '3072 ticks of 2^-10 s = 3 s, plus 2 s offset',
    );
    t.match(packets[0], { serial: { direction: 'server-to-client' }, linkType: 147 });
    t.equal(toHex(packets[1]!.data), '000506', 'SPB data');
    t.match(packets[1], {
      frameNumber: 2,
      timestamp: 0n,
      originalLength: 3,
      serial: { direction: 'client-to-server' },
    });
    t.match(packets[2], {
      frameNumber: 3,
      comments: ['pb'],
      timestamp: (2000n * 1_000_000_000n) / 1024n + 2_000_000_000n,
    });
    t.match(packets[3], {
      frameNumber: 4,
      interfaceId: 0,
      linkType: 101,
      timestamp: 5_000_000n,
      tcp: { sourcePort: 50000 },
    });
    t.match(packets[4], { frameNumber: 5, interfaceId: 1, linkType: 1, timestamp: 7n });
    t.match(r.section, { index: 1, littleEndian: true });
    t.equal(r.interfaces.length, 2, 'the second section has its own interfaces');
    t.equal(r.interfaces[0]!.name, 'x');
  },
);

t.test('SPB is cut to the snap length; CaptureReader reports format and interfaces', async (t) => {
  const file = cat(
    shb(true),
    idb(true, 147, 2),
    block(3, cat(u32(5, true), padded(Uint8Array.of(1, 2, 3, 4, 5))), true),
  );
  const r = new CaptureReader();
  t.equal(r.format, undefined);
  t.same(r.interfaces, []);
  const packets = readAll(r, file);
  t.equal(r.format, 'pcapng');
  t.equal(r.interfaces.length, 1);
  t.equal(toHex(packets[0]!.data), '0102');
  t.equal(packets[0]!.originalLength, 5);
  const p = new CaptureReader();
  readAll(p, cat(pcapHeader(true, false, 1), pcapRecord(true, 0, 0, new Uint8Array(14))));
  t.equal(p.format, 'pcap');
  t.equal(p.interfaces[0]!.linkType, 1);
  t.equal(detectCaptureFormat(Uint8Array.of(1, 2)), undefined);
});

t.test('malformed pcapng: exact codes', async (t) => {
  const le = true;
  const good = cat(shb(le), idb(le, 101), epb(le, 0, 1n, tcpPacket));
  const cases: Array<[string, Uint8Array, number]> = [
    ['empty', new Uint8Array(0), ErrorCode.Truncated],
    ['too short to detect', Uint8Array.of(0x0a, 0x0d), ErrorCode.Truncated],
    ['neither format', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), ErrorCode.UnknownProtocol],
    [
      'bad byte-order magic',
      cat(u32(0x0a0d0d0a, le), u32(28, le), u32(0x11223344, le), new Uint8Array(16)),
      ErrorCode.FrameFormatInvalid,
    ],
    ['major version 2', shb(le, new Uint8Array(0), 2), ErrorCode.Unsupported],
    [
      'SHB length 24',
      cat(u32(0x0a0d0d0a, le), u32(24, le), u32(0x1a2b3c4d, le), new Uint8Array(12)),
      ErrorCode.LengthInvalid,
    ],
    ['length not multiple of 4', cat(shb(le), block(1, new Uint8Array(9), le, 21)), ErrorCode.LengthInvalid],
    ['block length below 12', cat(shb(le), u32(5, le), u32(8, le), u32(8, le)), ErrorCode.LengthInvalid],
    ['IDB length 16', cat(shb(le), block(1, new Uint8Array(4), le)), ErrorCode.LengthInvalid],
    ['EPB length 28', cat(shb(le), idb(le, 1), block(6, new Uint8Array(16), le)), ErrorCode.LengthInvalid],
    ['SPB length 12', cat(shb(le), idb(le, 1), block(3, new Uint8Array(0), le)), ErrorCode.LengthInvalid],
    [
      'huge block length',
      cat(shb(le), u32(6, le), u32(0xfffffff0, le), new Uint8Array(64)),
      ErrorCode.FrameTooLong,
    ],
    [
      'trailer mismatch',
      cat(shb(le), block(1, new Uint8Array(8), le, 20, 24)),
      ErrorCode.FrameLengthMismatch,
    ],
    [
      'SHB trailer mismatch',
      shb(le).map((b, i, a) => (i === a.length - 4 ? 0x30 : b)),
      ErrorCode.FrameLengthMismatch,
    ],
    [
      'captured length lies',
      cat(
        shb(le),
        idb(le, 101),
        epb(le, 0, 1n, new Uint8Array(4)).map((b, i) => (i === 20 ? 0x40 : b)),
      ),
      ErrorCode.LengthOverrun,
    ],
    ['undefined interface', cat(shb(le), idb(le, 101), epb(le, 3, 1n, tcpPacket)), ErrorCode.ValueInvalid],
    [
      'SPB without interface',
      cat(shb(le), block(3, cat(u32(0, le), new Uint8Array(0)), le)),
      ErrorCode.ValueInvalid,
    ],
    [
      'option overruns block',
      cat(shb(le), idb(le, 101, 0, cat(u16(2, le), u16(200, le), new Uint8Array(4)))),
      ErrorCode.LengthOverrun,
    ],
    ['file cut mid-block', good.subarray(0, good.length - 3), ErrorCode.Truncated],
    ['file cut mid-header', good.subarray(0, good.length - tcpPacket.length - 30), ErrorCode.Truncated],
    ['EPB before any SHB', epb(le, 0, 1n, tcpPacket), ErrorCode.UnknownProtocol],
    ['pcap: version 3', pcapHeader(le, false, 1, 3), ErrorCode.Unsupported],
    [
      'pcap: huge record',
      cat(pcapHeader(le, false, 1), u32(0, le), u32(0, le), u32(0x7fffffff, le), u32(1, le)),
      ErrorCode.FrameTooLong,
    ],
    [
      'pcap: cut record',
      cat(pcapHeader(le, false, 1), pcapRecord(le, 0, 0, new Uint8Array(10))).subarray(0, 40),
      ErrorCode.Truncated,
    ],
    ['pcap: cut file header', pcapHeader(le, false, 1).subarray(0, 20), ErrorCode.Truncated],
  ];
  for (const [name, file, code] of cases) {
    t.equal(
      codeOf(() => readAll(new CaptureReader(), file)),
      code,
      name,
    );
    // the same, one byte at a time
    t.equal(
      codeOf(() => {
        const r = new CaptureReader();
        for (let i = 0; i < file.length; i++) r.push(file.subarray(i, i + 1));
        r.end();
      }),
      code,
      `${name} (bytewise)`,
    );
  }
  t.equal(
    codeOf(() => readAll(new PcapngReader(), new Uint8Array(0))),
    ErrorCode.Truncated,
    'PcapngReader empty',
  );
  t.equal(
    codeOf(() => readAll(new PcapReader(), new Uint8Array(0))),
    ErrorCode.Truncated,
    'PcapReader empty',
  );
  t.equal(
    codeOf(() => readAll(new PcapReader(), new Uint8Array(24))),
    ErrorCode.UnknownProtocol,
    'PcapReader bad magic',
  );
  t.equal(
    codeOf(() => readAll(new PcapngReader(), epb(le, 0, 1n, tcpPacket))),
    ErrorCode.UnknownProtocol,
  );
  t.equal(readAll(new CaptureReader(), good).length, 1, 'the uncorrupted file reads');
});

t.test('a failed reader stays failed', async (t) => {
  const r = new PcapngReader();
  const bad = cat(shb(true), block(1, new Uint8Array(8), true, 20, 24));
  t.throws(() => r.push(bad), { code: ErrorCode.FrameLengthMismatch });
  t.throws(() => r.push(new Uint8Array(4)), { code: ErrorCode.FrameLengthMismatch });
  t.throws(() => r.end(), { code: ErrorCode.FrameLengthMismatch });
  const c = new CaptureReader();
  t.throws(() => c.push(Uint8Array.of(1, 2, 3, 4, 5)), { code: ErrorCode.UnknownProtocol });
  t.throws(() => c.push(Uint8Array.of(0x0a)), { code: ErrorCode.UnknownProtocol });
  t.throws(() => c.end(), { code: ErrorCode.UnknownProtocol });
  const p = new PcapReader();
  t.throws(() => p.push(new Uint8Array(24)), { code: ErrorCode.UnknownProtocol });
  t.throws(() => p.end(), { code: ErrorCode.UnknownProtocol });
});

t.test('a lying length allocates nothing large and the limit is configurable', async (t) => {
  const before = process.memoryUsage().arrayBuffers;
  const r = new PcapngReader();
  r.push(cat(shb(true), u32(6, true), u32(60 * 1024 * 1024, true), new Uint8Array(100)));
  const grown = process.memoryUsage().arrayBuffers - before;
  t.ok(grown < 8 * 1024 * 1024, `buffered ${grown} bytes for a 60 MiB claim`);
  t.throws(() => r.end(), { code: ErrorCode.Truncated });
  const small = new CaptureReader({ maxRecordLength: 64 });
  t.throws(() => small.push(cat(shb(true), idb(true, 101), epb(true, 0, 1n, tcpPacket))), {
    code: ErrorCode.FrameTooLong,
  });
  const smallPcap = new PcapReader({ maxRecordLength: 32 });
  t.throws(
    () => smallPcap.push(cat(pcapHeader(true, false, 1), pcapRecord(true, 0, 0, new Uint8Array(17)))),
    {
      code: ErrorCode.FrameTooLong,
    },
  );
});

t.test('a record spanning many chunks grows its buffer as bytes arrive', async (t) => {
  const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
  const file = cat(shb(true), idb(true, 147), epb(true, 0, 9n, big));
  const r = new PcapngReader();
  const out: CapturePacket[] = [];
  for (let i = 0; i < file.length; i += 777) out.push(...r.push(file.subarray(i, i + 777)));
  out.push(...r.end());
  t.equal(out.length, 1);
  t.equal(toHex(out[0]!.data), toHex(big));
});

t.test('readCaptureFile streams from disk; unreadable files fail cleanly', async (t) => {
  const dir = t.testdir({});
  const c = collectingSink();
  const tcp = new TcpStreamRecorder(new PcapngWriter(c.sink));
  tcp.record('client-to-server', Uint8Array.of(1, 2, 3), 1n);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${dir}/a.pcapng`, c.bytes());
  const packets: CapturePacket[] = [];
  for await (const p of readCaptureFile(`${dir}/a.pcapng`)) packets.push(p);
  t.equal(packets.length, 4);
  t.equal(toHex(packets[3]!.payload!), '010203');
  await t.rejects(
    (async () => {
      for await (const _ of readCaptureFile(`${dir}/missing.pcapng`)) t.fail('no packets');
    })(),
    { code: ErrorCode.InputUnreadable },
  );
});

t.test('property: arbitrary bytes only ever raise MeterkitError', async (t) => {
  const prefixes = [
    new Uint8Array(0),
    shb(true),
    cat(shb(false), idb(false, 1)),
    pcapHeader(true, true, 1),
    pcapHeader(false, false, 276),
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...prefixes),
      fc.uint8Array({ maxLength: 400 }),
      fc.nat({ max: 50 }),
      (prefix, tail, cut) => {
        const file = cat(prefix, tail);
        try {
          const r = new CaptureReader({ maxRecordLength: 4096 });
          r.push(file.subarray(0, cut));
          r.push(file.subarray(cut));
          r.end();
        } catch (e) {
          if (!isMeterkitError(e)) throw e;
        }
        return true;
      },
    ),
    { numRuns: 1000 },
  );
  t.pass('1000 random inputs');
});

t.test('property: corrupting a valid capture only ever raises MeterkitError', async (t) => {
  const c = collectingSink();
  const w = new PcapngWriter(c.sink);
  const tcp = new TcpStreamRecorder(w);
  tcp.record('client-to-server', Uint8Array.of(1, 2, 3, 4), 1n, { comment: 'hello' });
  tcp.record('server-to-client', Uint8Array.of(5, 6), 2n);
  tcp.close(3n);
  const valid = c.bytes();
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 6,
      }),
      (edits) => {
        const file = valid.slice();
        for (const [at, v] of edits) file[at] = v;
        try {
          for (const p of readAll(new CaptureReader(), file)) {
            if (p.linkError !== undefined && !isMeterkitError(p.linkError)) return false;
          }
        } catch (e) {
          if (!isMeterkitError(e)) throw e;
        }
        return true;
      },
    ),
    { numRuns: 1000 },
  );
  t.pass('1000 corrupted captures');
});
