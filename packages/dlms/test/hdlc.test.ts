import { readFileSync } from 'node:fs';
import { crc16x25, ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { DlmsErrorCode } from '../src/errors.js';
import {
  checkHdlcAddress,
  decodeHdlcControl,
  decodeHdlcFrame,
  decodeHdlcParameters,
  encodeHdlcControl,
  encodeHdlcFrame,
  encodeHdlcFrmrInfo,
  encodeHdlcParameters,
  type HdlcAddress,
  type HdlcFrame,
  type HdlcFrameInput,
  hdlcAddress,
  hdlcAddressKind,
  hdlcFrameKindOf,
  hdlcNegotiatedValues,
  hdlcParameterName,
  hdlcParameters,
} from '../src/hdlc/index.js';

interface Vector {
  id: string;
  source: string;
  kind: string;
  hex: string;
  expected: Record<string, unknown>;
}
const load = (name: string): Vector[] =>
  (
    JSON.parse(readFileSync(new URL(`./vectors/framing/${name}`, import.meta.url), 'utf8')) as {
      entries: Vector[];
    }
  ).entries;
const real = load('real-frames.json').filter((v) => v.kind.startsWith('hdlc'));
const kinds = load('hdlc-frame-kinds.json');

function code(fn: () => unknown): number | string {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return isMeterkitError(e) ? e.code : `foreign ${String(e)}`;
  }
}

/** Recomputes HCS (when present) and FCS of a frame whose header was edited. */
function refresh(frame: Uint8Array, headerEnd: number): Uint8Array {
  const b = frame.slice();
  const n = b.length;
  if (n - 1 - headerEnd > 2) {
    const hcs = crc16x25(b, 1, headerEnd);
    b[headerEnd] = hcs & 0xff;
    b[headerEnd + 1] = hcs >>> 8;
  }
  const fcs = crc16x25(b, 1, n - 3);
  b[n - 3] = fcs & 0xff;
  b[n - 2] = fcs >>> 8;
  return b;
}

/** A frame from its address/control/information octets: format, length and a correct FCS added. */
function build(bodyHex: string): Uint8Array {
  const body = fromHex(bodyHex);
  const len = body.length + 4;
  const b = new Uint8Array(len + 2);
  b[0] = 0x7e;
  b[1] = 0xa0 | (len >> 8);
  b[2] = len & 0xff;
  b.set(body, 3);
  const fcs = crc16x25(b, 1, len - 1);
  b[len - 1] = fcs & 0xff;
  b[len] = fcs >>> 8;
  b[len + 1] = 0x7e;
  return b;
}

function headerEndOf(f: HdlcFrame): number {
  return 3 + f.destination.size + f.source.size + 1;
}

t.test('real frames: header fields, checks, encode(decode(x)) byte-equal', async (t) => {
  t.ok(real.length >= 20, 'vectors loaded');
  for (const v of real) {
    const bytes = fromHex(v.hex);
    const f = decodeHdlcFrame(bytes);
    const h = v.expected['hdlc'] as Record<string, unknown>;
    t.equal(f.raw!.buffer, bytes.buffer, `${v.id}: raw is a view`);
    t.equal(toHex(f.raw!), toHex(bytes), `${v.id}: raw`);
    t.equal(bytes[1]! >> 4, 0xa, `${v.id}: format type 3 (A)`);
    if (h['segmented'] !== undefined) t.equal(f.segmented, h['segmented'], `${v.id}: segmented`);
    t.equal(f.raw!.length - 2, h['frame_length'], `${v.id}: frame length`);
    t.equal(
      toHex(bytes.subarray(3, 3 + f.destination.size)),
      String(h['dest_address_hex']).toLowerCase(),
      `${v.id}: dest`,
    );
    const s = 3 + f.destination.size;
    t.equal(
      toHex(bytes.subarray(s, s + f.source.size)),
      String(h['src_address_hex']).toLowerCase(),
      `${v.id}: source`,
    );
    const control = Number.parseInt(String(h['control']).slice(0, 2), 16);
    t.equal(
      encodeHdlcControl({
        kind: f.type,
        pollFinal: f.pollFinal,
        sendSequence: f.type === 'i' ? f.sendSequence : 0,
        receiveSequence: 'receiveSequence' in f ? f.receiveSequence : 0,
      }),
      control,
      `${v.id}: control`,
    );
    if ('llc' in h) {
      const llc = h['llc'] === 'E6E700' ? 'response' : h['llc'] === 'E6E600' ? 'command' : undefined;
      t.equal((f as { llc?: string }).llc, llc, `${v.id}: llc`);
    }
    t.equal(toHex(encodeHdlcFrame(f)), toHex(bytes), `${v.id}: re-encodes byte-equal`);
  }
});

t.test('real frames: SNRM, UA parameters, FRMR, 4-octet address', async (t) => {
  const by = (id: string): HdlcFrame => decodeHdlcFrame(fromHex(real.find((v) => v.id === id)!.hex));
  const ua = by('issue-guruxc-1-ua-params');
  t.equal(ua.type, 'ua');
  const uaExp = real.find((v) => v.id === 'issue-guruxc-1-ua-params')!.expected['ua_parameters'] as Record<
    string,
    number
  >;
  const values = hdlcNegotiatedValues(ua.type === 'ua' ? ua.parameters : undefined);
  t.equal(values.maxInfoFieldLengthTransmit, uaExp['max_info_field_length_transmit']);
  t.equal(values.maxInfoFieldLengthReceive, uaExp['max_info_field_length_receive']);
  t.equal(values.windowSizeTransmit, uaExp['window_size_transmit']);
  t.equal(values.windowSizeReceive, uaExp['window_size_receive']);
  t.same(ua.destination, { upper: 2, size: 1 });
  t.same(ua.source, { upper: 1, lower: 16, size: 2 });
  const snrm = by('issue-dlmscosem-62-snrm-echo');
  t.equal(snrm.type, 'snrm');
  t.equal(snrm.type === 'snrm' && snrm.parameters, undefined, 'SNRM without information field');
  t.same(snrm.destination, { upper: 16, lower: 1, size: 2 });
  t.same(snrm.source, { upper: 19, size: 1 });
  const aarq = by('issue-dlmscosem-95-aarq-lls');
  t.same(aarq.destination, { upper: 1, lower: 2836, size: 4 });
  t.match(aarq, { type: 'i', sendSequence: 2, receiveSequence: 2, pollFinal: true, llc: 'command' });
  t.equal(aarq.information[0], 0x60, 'AARQ after the LLC header');
  const frmr = by('issue-dlmscosem-95-frmr');
  t.equal(frmr.type, 'frmr');
  if (frmr.type === 'frmr') {
    t.match(frmr.frmr, {
      rejectedControl: 0x54,
      sendState: 0,
      receiveState: 0,
      invalidSendSequence: true,
      invalidControl: false,
    });
    t.equal(toHex(encodeHdlcFrmrInfo(frmr.frmr!)), '540010');
  }
  const e450 = by('ams-landis-gyr-gh740-2');
  t.same(e450.destination, { upper: 0x67, lower: 0x7f, size: 2 });
  t.equal(hdlcAddressKind(0x7f), 'all-station');
});

t.test('table-driven frames: every kind, address form and parameter encoding', async (t) => {
  for (const v of kinds) {
    const bytes = fromHex(v.hex);
    const f = decodeHdlcFrame(bytes);
    const exp = v.expected as Record<string, unknown> & { information?: string };
    const got: Record<string, unknown> = { ...f, information: toHex(f.information) };
    for (const [k, want] of Object.entries(exp)) {
      if (k === 'information') t.equal(got[k], want, `${v.id}: information`);
      else t.same(got[k], want, `${v.id}: ${k}`);
    }
    t.equal(f.segmented, exp['segmented'] === true, `${v.id}: segmented`);
    t.equal(toHex(encodeHdlcFrame(f)), toHex(bytes), `${v.id}: encode(decode(x))`);
    // built from the expected fields alone
    const input = {
      ...exp,
      segmented: exp['segmented'] === true,
      information: exp.information === undefined ? undefined : fromHex(exp.information),
    } as unknown as HdlcFrameInput;
    t.equal(toHex(encodeHdlcFrame(input)), toHex(bytes), `${v.id}: encode(expected)`);
  }
  t.ok(new Set(kinds.map((v) => v.kind)).size === 9, 'all nine kinds covered');
});

t.test('malformed frames give exact codes', async (t) => {
  const good = fromHex(kinds.find((v) => v.id === 'i-get-command')!.hex);
  const f = decodeHdlcFrame(good);
  const he = headerEndOf(f);
  const mutate = (fn: (b: Uint8Array) => void): Uint8Array => {
    const b = good.slice();
    fn(b);
    return b;
  };
  t.equal(
    code(() => decodeHdlcFrame(mutate((b) => (b[he] = b[he]! ^ 1)))),
    ErrorCode.HeaderCheckFailed,
    'bad HCS',
  );
  t.equal(
    code(() => decodeHdlcFrame(mutate((b) => (b[b.length - 2] = b[b.length - 2]! ^ 0x80)))),
    ErrorCode.FrameCheckFailed,
    'bad FCS',
  );
  t.equal(
    code(() => decodeHdlcFrame(mutate((b) => (b[he + 4] = b[he + 4]! ^ 0x10)))),
    ErrorCode.FrameCheckFailed,
    'bad information',
  );
  t.equal(
    code(() => decodeHdlcFrame(mutate((b) => (b[2] = b[2]! + 1)))),
    ErrorCode.FrameLengthMismatch,
    'bad length',
  );
  t.equal(
    code(() => decodeHdlcFrame(mutate((b) => (b[1] = 0xb0 | (b[1]! & 0x0f))))),
    ErrorCode.FrameFormatInvalid,
    'format type',
  );
  t.equal(
    code(() => decodeHdlcFrame(mutate((b) => (b[0] = 0x7d)))),
    ErrorCode.FrameFormatInvalid,
    'opening flag',
  );
  t.equal(
    code(() => decodeHdlcFrame(mutate((b) => (b[b.length - 1] = 0)))),
    ErrorCode.FrameFormatInvalid,
    'closing flag',
  );
  // 3-octet destination address: clear the extension bit of the second octet, make the third final
  t.equal(
    code(() => decodeHdlcFrame(build('000205' + '03' + '93'))),
    ErrorCode.FrameAddressInvalid,
    '3-octet address',
  );
  t.equal(
    code(() => decodeHdlcFrame(build('00020406' + '03' + '93'))),
    ErrorCode.FrameAddressInvalid,
    'no final octet',
  );
  t.equal(
    code(() => decodeHdlcFrame(build('03' + '000204' + '93'))),
    ErrorCode.FrameAddressInvalid,
    'source without final octet',
  );
  const rej = fromHex(kinds.find((v) => v.id === 'rr-nr1')!.hex);
  rej[6] = 0x39; // REJ is not in IEC 62056-46
  t.equal(
    code(() => decodeHdlcFrame(refresh(rej, 7))),
    ErrorCode.FrameControlInvalid,
    'REJ control',
  );
  const snrm = fromHex(kinds.find((v) => v.id === 'snrm-params-1byte')!.hex);
  const sf = decodeHdlcFrame(snrm);
  const sh = headerEndOf(sf);
  const badFormat = snrm.slice();
  badFormat[sh + 2] = 0x82;
  t.equal(
    code(() => decodeHdlcFrame(refresh(badFormat, sh))),
    DlmsErrorCode.HdlcParameterInvalid,
    'parameter format id',
  );
  const badGroup = snrm.slice();
  badGroup[sh + 3] = 0x81;
  t.equal(
    code(() => decodeHdlcFrame(refresh(badGroup, sh))),
    DlmsErrorCode.HdlcParameterInvalid,
    'parameter group id',
  );
  const badLen = snrm.slice();
  badLen[sh + 4] = 0x20;
  t.equal(
    code(() => decodeHdlcFrame(refresh(badLen, sh))),
    ErrorCode.LengthOverrun,
    'parameter group length',
  );
  const shortGroup = snrm.slice();
  shortGroup[sh + 4] = 0x05;
  t.equal(
    code(() => decodeHdlcFrame(refresh(shortGroup, sh))),
    ErrorCode.TrailingBytes,
    'parameter group shorter',
  );
  const zeroParam = snrm.slice();
  zeroParam[sh + 6] = 0x00;
  t.equal(
    code(() => decodeHdlcFrame(refresh(zeroParam, sh))),
    DlmsErrorCode.HdlcParameterInvalid,
    'parameter length 0',
  );
  const longParam = snrm.slice();
  longParam[sh + 6] = 0x09;
  t.equal(
    code(() => decodeHdlcFrame(refresh(longParam, sh))),
    DlmsErrorCode.HdlcParameterInvalid,
    'parameter length 9',
  );
  // 3 or 4 octets after the header cannot hold HCS + information + FCS
  t.equal(
    code(() => decodeHdlcFrame(build('030393' + '00'))),
    ErrorCode.FrameFormatInvalid,
    'rest of 3 octets',
  );
  t.equal(
    code(() => decodeHdlcFrame(build('030393' + '0000'))),
    ErrorCode.FrameFormatInvalid,
    'rest of 4 octets',
  );
  t.equal(
    code(() => decodeHdlcFrame(fromHex('7ea0050203937e'))),
    ErrorCode.FrameTooShort,
    'length below 7',
  );
});

t.test('truncation anywhere gives a typed error', async (t) => {
  for (const v of [...real, ...kinds]) {
    const bytes = fromHex(v.hex);
    for (let n = 0; n < bytes.length; n++) {
      const want = n < 3 ? ErrorCode.FrameTooShort : ErrorCode.FrameLengthMismatch;
      const got = code(() => decodeHdlcFrame(bytes.subarray(0, n)));
      if (got !== want) t.fail(`${v.id} cut at ${n}: ${got}`);
    }
  }
  t.pass('all prefixes rejected with exact codes');
});

t.test('parameter field decode/encode', async (t) => {
  t.same(
    hdlcParameters({
      maxInfoFieldLengthTransmit: 0x80,
      maxInfoFieldLengthReceive: 0x400,
      windowSizeReceive: 0x10000,
      windowSizeTransmit: 0x1000000,
    }),
    [
      { id: 5, value: 0x80, size: 1 },
      { id: 6, value: 0x400, size: 2 },
      { id: 7, value: 0x1000000, size: 4 },
      { id: 8, value: 0x10000, size: 3 },
    ],
  );
  t.same(hdlcNegotiatedValues(undefined), {
    maxInfoFieldLengthTransmit: 128,
    maxInfoFieldLengthReceive: 128,
    windowSizeTransmit: 1,
    windowSizeReceive: 1,
  });
  t.same(hdlcNegotiatedValues([{ id: 0x99, value: 3, size: 1 }]).windowSizeReceive, 1, 'unknown ids ignored');
  t.equal(hdlcParameterName(5), 'max-info-field-length-transmit');
  t.equal(hdlcParameterName(8), 'window-size-receive');
  t.equal(hdlcParameterName(9), undefined);
  t.equal(toHex(encodeHdlcParameters([])), '818000');
  t.same(decodeHdlcParameters(fromHex('818000')), []);
  t.equal(
    code(() => decodeHdlcParameters(fromHex('8180'))),
    DlmsErrorCode.HdlcParameterInvalid,
  );
  t.equal(
    code(() => decodeHdlcParameters(fromHex('81800105'))),
    DlmsErrorCode.HdlcParameterInvalid,
    'cut header',
  );
  t.equal(
    code(() => decodeHdlcParameters(fromHex('8180030502ff'))),
    ErrorCode.LengthOverrun,
    'value past group',
  );
  t.equal(
    code(() => encodeHdlcParameters([{ id: 5, value: 256, size: 1 }])),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() =>
      encodeHdlcParameters(Array.from({ length: 50 }, () => ({ id: 5, value: 1, size: 4 as const }))),
    ),
    DlmsErrorCode.HdlcParameterInvalid,
  );
  fc.assert(
    fc.property(
      fc.array(
        fc
          .record({
            id: fc.integer({ min: 0, max: 255 }),
            size: fc.constantFrom(1, 2, 3, 4) as fc.Arbitrary<1 | 2 | 3 | 4>,
          })
          .chain((p) =>
            fc.record({
              id: fc.constant(p.id),
              size: fc.constant(p.size),
              value: fc.integer({ min: 0, max: 2 ** (8 * p.size) - 1 }),
            }),
          ),
        { maxLength: 10 },
      ),
      (params) => {
        t.same(decodeHdlcParameters(encodeHdlcParameters(params)), params);
      },
    ),
    { numRuns: 300 },
  );
});

t.test('addresses and control field', async (t) => {
  t.same(hdlcAddress(16), { upper: 16, size: 1 });
  t.same(hdlcAddress(1, 17), { upper: 1, lower: 17, size: 2 });
  t.same(hdlcAddress(1, 2836), { upper: 1, lower: 2836, size: 4 });
  t.same(hdlcAddress(1, 1, 4), { upper: 1, lower: 1, size: 4 });
  t.same(hdlcAddress(1, undefined, 2), { upper: 1, lower: 0, size: 2 });
  t.equal(
    code(() => hdlcAddress(0x80)),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() => hdlcAddress(1, 0x4000)),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() => checkHdlcAddress({ upper: 1, lower: 1, size: 1 })),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() => checkHdlcAddress({ upper: 1, size: 3 } as unknown as HdlcAddress)),
    ErrorCode.ValueOutOfRange,
  );
  t.same(
    [0, 1, 5, 0x10, 0x7e, 0x7f].map((v) => hdlcAddressKind(v)),
    ['no-station', 'management', 'reserved', 'station', 'calling', 'all-station'],
  );
  t.same(
    [0x3ffe, 0x3fff, 0x7f].map((v) => hdlcAddressKind(v, 14)),
    ['calling', 'all-station', 'station'],
  );
  for (let b = 0; b < 256; b++) {
    const kind = hdlcFrameKindOf(b);
    if (kind === undefined) {
      if (code(() => decodeHdlcControl(b)) !== ErrorCode.FrameControlInvalid) t.fail(`0x${b.toString(16)}`);
    } else if (encodeHdlcControl(decodeHdlcControl(b)) !== b)
      t.fail(`control 0x${b.toString(16)} does not round-trip`);
  }
  t.equal(
    code(() => encodeHdlcControl({ kind: 'i', pollFinal: false, sendSequence: 8, receiveSequence: 0 })),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(hdlcFrameKindOf(0x09), undefined, 'REJ');
  t.equal(hdlcFrameKindOf(0x0d), undefined, 'SREJ');
});

const addressArb: fc.Arbitrary<HdlcAddress> = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }).map((upper) => ({ upper, size: 1 as const })),
  fc.record({
    upper: fc.integer({ min: 0, max: 0x7f }),
    lower: fc.integer({ min: 0, max: 0x7f }),
    size: fc.constant(2 as const),
  }),
  fc.record({
    upper: fc.integer({ min: 0, max: 0x3fff }),
    lower: fc.integer({ min: 0, max: 0x3fff }),
    size: fc.constant(4 as const),
  }),
);
const seq = fc.integer({ min: 0, max: 7 });
const noLlcInfo = fc
  .uint8Array({ maxLength: 300 })
  .filter((b) => !(b[0] === 0xe6 && (b[1] === 0xe6 || b[1] === 0xe7) && b[2] === 0));
const llcArb = fc.constantFrom(undefined, 'command' as const, 'response' as const);

/** Frames as the decoder returns them (without raw). */
export const frameArb: fc.Arbitrary<HdlcFrameInput> = fc
  .record({
    destination: addressArb,
    source: addressArb,
    pollFinal: fc.boolean(),
    segmented: fc.boolean(),
    kind: fc.constantFrom('i', 'rr', 'rnr', 'snrm', 'disc', 'ua', 'dm', 'frmr', 'ui'),
    ns: seq,
    nr: seq,
    llc: llcArb,
    info: noLlcInfo,
    params: fc.option(
      fc.array(
        fc.record({
          id: fc.integer({ min: 0, max: 255 }),
          value: fc.integer({ min: 0, max: 255 }),
          size: fc.constant(1 as const),
        }),
        { maxLength: 4 },
      ),
      { nil: undefined },
    ),
    frmr: fc.option(
      fc.record({
        rejectedControl: fc.integer({ min: 0, max: 255 }),
        sendState: seq,
        rejectedResponse: fc.boolean(),
        receiveState: seq,
        invalidControl: fc.boolean(),
        informationNotPermitted: fc.boolean(),
        informationTooLong: fc.boolean(),
        invalidReceiveSequence: fc.boolean(),
        invalidSendSequence: fc.boolean(),
      }),
      { nil: undefined },
    ),
  })
  .map((r): HdlcFrameInput => {
    const common = {
      destination: r.destination,
      source: r.source,
      pollFinal: r.pollFinal,
      segmented: r.segmented,
    };
    switch (r.kind) {
      case 'i':
        return {
          type: 'i',
          ...common,
          sendSequence: r.ns,
          receiveSequence: r.nr,
          llc: r.info.length === 0 ? undefined : r.llc,
          information: r.info,
        };
      case 'ui':
        return { type: 'ui', ...common, llc: r.info.length === 0 ? undefined : r.llc, information: r.info };
      case 'rr':
      case 'rnr':
        return { type: r.kind, ...common, receiveSequence: r.nr, information: new Uint8Array(0) };
      case 'snrm':
      case 'ua':
        return {
          type: r.kind,
          ...common,
          parameters: r.params,
          information: r.params === undefined ? new Uint8Array(0) : encodeHdlcParameters(r.params),
        };
      case 'frmr':
        return {
          type: 'frmr',
          ...common,
          frmr: r.frmr,
          information: r.frmr === undefined ? new Uint8Array(0) : encodeHdlcFrmrInfo(r.frmr),
        };
      default:
        return { type: r.kind as 'disc' | 'dm', ...common, information: r.info.subarray(0, 4) };
    }
  });

t.test('property: decode(encode(x)) equals x, encode(decode(y)) equals y', async (t) => {
  fc.assert(
    fc.property(frameArb, (frame) => {
      const bytes = encodeHdlcFrame(frame);
      const back = decodeHdlcFrame(bytes);
      const { raw, ...rest } = back;
      t.equal(toHex(raw!), toHex(bytes));
      const norm = (f: object): unknown =>
        JSON.parse(JSON.stringify(f, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v)));
      t.same(norm(rest), norm(frame));
      t.equal(toHex(encodeHdlcFrame(back)), toHex(bytes));
    }),
    { numRuns: 500 },
  );
});

t.test('property: arbitrary bytes only raise MeterkitError', async (t) => {
  const framed = fc
    .tuple(fc.integer({ min: 0, max: 0x0f }), fc.uint8Array({ maxLength: 60 }))
    .map(([hi, body]) => {
      const b = new Uint8Array(body.length + 4);
      b[0] = 0x7e;
      b[1] = 0xa0 | (hi & 0x08);
      b[2] = body.length + 2;
      b.set(body, 3);
      b[b.length - 1] = 0x7e;
      return b;
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), framed), (bytes) => {
      try {
        decodeHdlcFrame(bytes);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
      }
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

t.test('encode errors', async (t) => {
  const base = { destination: hdlcAddress(1), source: hdlcAddress(1) };
  t.equal(
    code(() => encodeHdlcFrame({ type: 'ui', ...base, information: new Uint8Array(2100) })),
    ErrorCode.FrameTooLong,
  );
  t.equal(
    code(() => encodeHdlcFrame({ type: 'rr', ...base, receiveSequence: 9 })),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() =>
      encodeHdlcFrame({ type: 'disc', destination: { upper: 200, size: 1 }, source: hdlcAddress(1) }),
    ),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() =>
      encodeHdlcFrmrInfo({
        rejectedControl: 300,
        sendState: 0,
        rejectedResponse: false,
        receiveState: 0,
        invalidControl: false,
        informationNotPermitted: false,
        informationTooLong: false,
        invalidReceiveSequence: false,
        invalidSendSequence: false,
      }),
    ),
    ErrorCode.ValueOutOfRange,
  );
  t.equal(
    code(() =>
      encodeHdlcFrmrInfo({
        rejectedControl: 3,
        sendState: 8,
        rejectedResponse: false,
        receiveState: 0,
        invalidControl: false,
        informationNotPermitted: false,
        informationTooLong: false,
        invalidReceiveSequence: false,
        invalidSendSequence: false,
      }),
    ),
    ErrorCode.ValueOutOfRange,
  );
  const frmr = decodeHdlcFrame(encodeHdlcFrame({ type: 'frmr', ...base, information: fromHex('00010080') }));
  t.equal(frmr.type === 'frmr' && frmr.frmr, undefined, 'non-standard FRMR info kept as bytes');
  const reserved = decodeHdlcFrame(
    encodeHdlcFrame({ type: 'frmr', ...base, information: fromHex('000120') }),
  );
  t.equal(reserved.type === 'frmr' && reserved.frmr, undefined, 'reserved bits kept as bytes');
  const noLlc = decodeHdlcFrame(
    encodeHdlcFrame({ type: 'ui', ...base, llc: 'command', information: fromHex('c0') }),
    { llc: false },
  );
  t.equal(noLlc.type === 'ui' && noLlc.llc, undefined);
  t.equal(toHex(noLlc.information), 'e6e600c0', 'llc: false keeps the LLC octets as information');
  t.equal(
    code(() => decodeHdlcFrame(fromHex('7e'), { base: 10 })),
    ErrorCode.FrameTooShort,
  );
});
