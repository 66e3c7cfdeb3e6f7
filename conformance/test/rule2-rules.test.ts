import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeC1218Packet } from '@meterkit/c1222';
import { concatBytes, fromHex, toHex } from '@meterkit/core';
import { decodeHdlcFrame, encodeHdlcFrame, hdlcAddress } from '@meterkit/dlms';
import t from 'tap';
import {
  BROKEN_VARIANTS,
  hdlcWithCheckSequences,
  indexOfBytes,
  mutateMessageList,
  writeBrokenVariants,
} from '../src/corpus/mutate.js';
import { Keyring } from '../src/keyring.js';
import {
  ALL_RULES,
  type AnyRule,
  acseElementTags,
  c1218DecodeRule,
  c1222CanonicalRule,
  dlmsApduDecodeRule,
  dlmsPduSizeRule,
  MAX_REASSEMBLED_APDU,
  MessageAnalyser,
  normalValue,
  type RuleOutcome,
  readXmlTree,
  ruleById,
  sepCanonicalRule,
  xmlKey,
} from '../src/rules/index.js';
import type { SessionMessage } from '../src/session/frame-session.js';
import type { SessionDirection, SessionProtocol } from '../src/session/record.js';

type Msg = readonly [SessionDirection, Uint8Array | string];

function messages(protocol: SessionProtocol, list: readonly Msg[]): SessionMessage[] {
  return list.map(([direction, b], i) => ({
    type: 'message',
    frame: i + 1,
    channel: 'test',
    direction,
    timestamp: undefined,
    protocol,
    bytes: typeof b === 'string' ? (protocol === 'ieee2030-5' ? new TextEncoder().encode(b) : fromHex(b)) : b,
    offset: 0,
    reason: undefined,
    gap: undefined,
  }));
}

function run(rule: AnyRule, protocol: SessionProtocol, list: readonly Msg[]) {
  const keys = Keyring.empty();
  const analyser = new MessageAnalyser(keys);
  const state = rule.createState?.();
  const out: (RuleOutcome & { at: number })[] = [];
  for (const m of messages(protocol, list)) {
    const o = rule.check({ analysed: analyser.analyse(m), state, keys });
    if (o !== undefined) out.push({ ...o, at: m.frame });
  }
  return out;
}
const verdicts = (o: readonly RuleOutcome[]) => o.map((x) => x.verdict);
const C = 'client-to-server' as const;
const S = 'server-to-client' as const;

t.test('new rules are registered with a stable id, a statement and a clause', async (t) => {
  for (const id of ['C1218-DECODE', 'C1222-APDU-CANONICAL', 'SEP-XML-CANONICAL']) {
    const r = ruleById(id);
    t.ok(r !== undefined && ALL_RULES.includes(r), id);
    t.ok(r!.statement.length > 20 && r!.clause.length > 5);
  }
});

const packet = (data: string, toggle = false, extra: Partial<Parameters<typeof encodeC1218Packet>[0]> = {}) =>
  encodeC1218Packet({
    type: 'c1218-packet',
    identity: 0,
    control: { multiPacket: false, firstPacket: false, toggle },
    sequenceNumber: 0,
    data: fromHex(data),
    ...extra,
  });

t.test('C1218-DECODE', async (t) => {
  const readSt1 = 'ee0020000003300001d66e';
  const st1 = 'ee000000002400002045452020413352202020202002000306202020202020202031323334353637382152c9';
  t.same(
    verdicts(
      run(c1218DecodeRule, 'c1218', [
        [C, readSt1],
        [S, '06'],
        [S, st1],
      ]),
    ),
    ['PASS', 'PASS'],
  );
  // the same request twice (a retransmission) is checked once
  t.same(
    verdicts(
      run(c1218DecodeRule, 'c1218', [
        [C, readSt1],
        [C, readSt1],
      ]),
    ),
    ['PASS'],
  );
  // a full-read response whose count is above the octets carried
  const short = run(c1218DecodeRule, 'c1218', [
    [C, readSt1],
    [S, packet('000040010203')],
  ]);
  t.same(verdicts(short), ['PASS', 'FAIL']);
  t.match(short[1]!.message, /response does not decode/);
  t.equal(short[1]!.offset! >= 6, true);
  // an unknown request code
  t.same(verdicts(run(c1218DecodeRule, 'c1218', [[C, packet('fe')]])), ['FAIL']);
  // C12.18 security has no user id
  t.match(run(c1218DecodeRule, 'c1218', [[C, packet(`51${'30'.repeat(22)}`)]])[0]!.message, /user id/);
  // an empty packet
  t.same(verdicts(run(c1218DecodeRule, 'c1218', [[C, packet('')]])), ['FAIL']);
  // a multi-packet response, reassembled before decoding
  // ok, count 26, 26 × 0x41, checksum (two's complement of the data's sum, ANSI C12.19 §7.1.3)
  const resp = `00001a${'41'.repeat(0x1a)}66`;
  const body = fromHex(resp);
  const p1 = encodeC1218Packet({
    type: 'c1218-packet',
    identity: 0,
    control: { multiPacket: true, firstPacket: true, toggle: false },
    sequenceNumber: 1,
    data: body.subarray(0, 10),
  });
  const p2 = encodeC1218Packet({
    type: 'c1218-packet',
    identity: 0,
    control: { multiPacket: true, firstPacket: false, toggle: true },
    sequenceNumber: 0,
    data: body.subarray(10),
  });
  const multi = run(c1218DecodeRule, 'c1218', [
    [C, readSt1],
    [S, p1],
    [S, p2],
  ]);
  t.same(verdicts(multi), ['PASS', 'PASS']);
  t.equal(multi[1]!.at, 3, 'the verdict is on the last packet');
  // a last packet whose first packets are missing
  t.same(verdicts(run(c1218DecodeRule, 'c1218', [[S, p2]])), ['INCONCLUSIVE']);
  // a response in a capture with unknown directions: told apart by its code
  t.same(
    verdicts(
      run(c1218DecodeRule, 'c1218', [
        ['unknown', readSt1],
        ['unknown', st1],
      ]),
    ),
    ['PASS', 'PASS'],
  );
});

const READ_REQ =
  '6036a211060f2b060104018285638e7f85f1c24e00a60a06082b06010401828563a806020413e81421be0d280b8109800731000000000001';

t.test('C1222-APDU-CANONICAL', async (t) => {
  t.same(verdicts(run(c1222CanonicalRule, 'c1222', [[C, READ_REQ]])), ['PASS']);
  t.same(acseElementTags(fromHex(READ_REQ)), [0xa2, 0xa6, 0xa8, 0xbe]);
  // the outer length in long form (81 36): legal BER, named
  const long = `6081${READ_REQ.slice(2)}`;
  const l = run(c1222CanonicalRule, 'c1222', [[C, long]]);
  t.same(verdicts(l), ['INCONCLUSIVE']);
  t.match(l[0]!.message, /^non-minimal-length/);
  t.equal(l[0]!.offset, 1);
  // calling-AP-title before called-AP-title: legal BER, not the standard's order
  const b = fromHex(READ_REQ);
  const a2 = b.subarray(2, 2 + 2 + b[3]!);
  const a6At = 2 + a2.length;
  const a6 = b.subarray(a6At, a6At + 2 + b[a6At + 1]!);
  const swapped = concatBytes(b.subarray(0, 2), a6, a2, b.subarray(a6At + a6.length));
  const o = run(c1222CanonicalRule, 'c1222', [[C, swapped]]);
  t.same(verdicts(o), ['INCONCLUSIVE']);
  t.match(o[0]!.message, /^element-order/);
  // a non-minimal INTEGER (X.690 §8.3.2 forbids it even in BER): FAIL
  const at = indexOfBytes(b, [0xa8, 0x06, 0x02, 0x04]);
  const fat = concatBytes(
    Uint8Array.of(0x60, b[1]! + 1),
    b.subarray(2, at),
    Uint8Array.of(0xa8, 0x07, 0x02, 0x05, 0x00),
    b.subarray(at + 4),
  );
  t.same(verdicts(run(c1222CanonicalRule, 'c1222', [[C, fat]])), ['FAIL']);
  // an EPSEM service length in long form
  const ui = indexOfBytes(b, [0xbe, 0x0d]);
  const epsemLong = concatBytes(
    Uint8Array.of(0x60, b[1]! + 1),
    b.subarray(2, ui),
    fromHex('be0e280c810a808107'),
    b.subarray(ui + 8),
  );
  const e = run(c1222CanonicalRule, 'c1222', [[C, epsemLong]]);
  t.same(verdicts(e), ['INCONCLUSIVE']);
  t.match(e[0]!.message, /non-minimal-length: .* in the EPSEM/);
  // messages that do not decode are left to C1222-DECODE
  t.same(verdicts(run(c1222CanonicalRule, 'c1222', [[C, '6003a10100']])), []);
});

const NS = 'urn:ieee:std:2030.5:ns';
const TIME = `<Time xmlns="${NS}" href="/tm"><currentTime>1700000000</currentTime><dstEndTime>0</dstEndTime><dstOffset>0</dstOffset><dstStartTime>0</dstStartTime><quality>7</quality><tzOffset>0</tzOffset></Time>`;
const http = (body: string) =>
  `HTTP/1.1 200 OK\r\nContent-Type: application/sep+xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

t.test('SEP-XML-CANONICAL', async (t) => {
  const one = (body: string) => run(sepCanonicalRule, 'ieee2030-5', [[S, http(body)]]);
  t.same(one(TIME), [{ verdict: 'PASS', offset: one(TIME)[0]!.offset, at: 1 }]);
  const pretty = one(`<?xml version="1.0"?>\n${TIME.replace(/></g, '>\n  <')}`);
  t.same(verdicts(pretty), ['PASS']);
  t.match(pretty[0]!.message, /^formatting/);
  const prefixed = one(
    TIME.replace(/<(\/?)([A-Za-z])/g, '<$1s:$2').replace(`xmlns="${NS}"`, `xmlns:s="${NS}"`),
  );
  t.same(verdicts(prefixed), ['PASS']);
  t.match(prefixed[0]!.message, /^namespace-prefix/);
  const order = one(
    TIME.replace('<quality>7</quality><tzOffset>0</tzOffset>', '<tzOffset>0</tzOffset><quality>7</quality>'),
  );
  t.same(verdicts(order), ['INCONCLUSIVE']);
  t.match(order[0]!.message, /^element-order/);
  const lexical = one(TIME.replace('<quality>7</quality>', '<quality>07</quality>'));
  t.same(verdicts(lexical), ['INCONCLUSIVE']);
  t.match(lexical[0]!.message, /^value-lexical-form/);
  // an element the schema does not know is dropped by a lenient decode: content lost
  const lost = one(TIME.replace('<tzOffset>0</tzOffset>', '<tzOffset>0</tzOffset><extra>1</extra>'));
  t.same(verdicts(lost), ['FAIL']);
  t.match(lost[0]!.message, /content lost/);
  // bodies that do not decode are left to SEP-XML-DECODE
  t.same(one('<Time'), []);
});

t.test('XML information-set reader', async (t) => {
  const a = readXmlTree(`<a xmlns="u" x="1"><!-- c --><b>&lt;&#x41;&#66;</b><![CDATA[z]]><c/></a>`)!;
  t.equal(a.name, '{u}a');
  t.equal(a.children[0]!.text, '<AB');
  t.equal(a.text, 'z');
  t.equal(readXmlTree('<a><b></a>'), undefined);
  t.equal(readXmlTree('<a/><b/>'), undefined);
  t.equal(readXmlTree('<a'), undefined);
  t.equal(readXmlTree(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`), undefined, 'depth is bounded');
  t.equal(normalValue('007'), '7');
  t.equal(normalValue('true'), '1');
  t.equal(normalValue('AbC'), 'abc');
  t.not(xmlKey(readXmlTree('<a><b/><c/></a>')!), xmlKey(readXmlTree('<a><c/><b/></a>')!));
  t.equal(
    xmlKey(readXmlTree('<a><b/><c/></a>')!, { unordered: true }),
    xmlKey(readXmlTree('<a><c/><b/></a>')!, { unordered: true }),
  );
});

/** A get-response-normal carrying an octet-string of `n` octets (IEC 62056-5-3 §9.3.4). */
function bigGetResponse(n: number): Uint8Array {
  const data = new Uint8Array(n).map((_, i) => i & 0xff);
  return concatBytes(fromHex('c401c100'), Uint8Array.of(0x09, 0x82, n >> 8, n & 0xff), data);
}

function segments(apdu: Uint8Array, size: number, firstNs = 0): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < apdu.length; at += size, i++) {
    const last = at + size >= apdu.length;
    out.push(
      encodeHdlcFrame({
        type: 'i',
        destination: hdlcAddress(16),
        source: hdlcAddress(1, 16),
        sendSequence: (firstNs + i) & 7,
        receiveSequence: 1,
        pollFinal: last,
        segmented: !last,
        ...(i === 0 ? { llc: 'response' as const } : {}),
        information: apdu.subarray(at, at + size),
      }),
    );
  }
  return out;
}

t.test('segmented HDLC APDUs are reassembled for the APDU rules', async (t) => {
  const apdu = bigGetResponse(300);
  // the second segment starts with E6 E7 00 by chance: data, not an LLC header
  apdu[128] = 0xe6;
  apdu[129] = 0xe7;
  apdu[130] = 0x00;
  const frames = segments(apdu, 128);
  t.equal(frames.length, 3);
  const analyser = new MessageAnalyser(Keyring.empty());
  const layers = messages(
    'dlms',
    frames.map((f) => [S, f] as const),
  ).map((m) => analyser.analyse(m).dlms!);
  t.same(
    layers.map((d) => d.segmented),
    [true, true, false],
  );
  t.equal(layers[2]!.reassembled, 3);
  t.equal(toHex(layers[2]!.apduBytes!), toHex(apdu));
  t.equal(layers[2]!.apdu?.type, 'get-response-normal');
  const decode = run(
    dlmsApduDecodeRule,
    'dlms',
    frames.map((f) => [S, f] as const),
  );
  t.same(verdicts(decode), ['PASS']);
  t.equal(decode[0]!.at, 3);
  // a retransmitted segment is not added twice
  const again = run(dlmsApduDecodeRule, 'dlms', [
    [S, frames[0]!],
    [S, frames[0]!],
    [S, frames[1]!],
    [S, frames[2]!],
  ]);
  t.same(verdicts(again), ['PASS']);
  // the PDU size rule sees the whole APDU (AARQ with client-max-receive-pdu-size 256)
  const aarqFrame = hdlcWithCheckSequences(
    fromHex('7ea02c02232110af9fe6e600601da109060760857405080101be10040e01000000065f1f040060fedf010000007e'),
  );
  t.equal(decodeHdlcFrame(aarqFrame).type, 'i');
  const size = run(dlmsPduSizeRule, 'dlms', [
    [C, aarqFrame],
    [
      S,
      '7ea0382102233034e7e6e7006129a109060760857405080101a203020100a305a103020100be10040e0800065f1f0400201e9d04000007364f7e',
    ],
    ...frames.map((f) => [S, f] as const),
  ]);
  t.same(verdicts(size), ['FAIL']);
  t.match(size[0]!.message, /APDU of 308 octets, the receiver accepts 256/);
  t.ok(MAX_REASSEMBLED_APDU >= 0xffff);
});

t.test('an overlong segmented APDU is dropped, not buffered without bound', async (t) => {
  const frames = segments(new Uint8Array(MAX_REASSEMBLED_APDU + 600).fill(0x11), 2000);
  const analyser = new MessageAnalyser(Keyring.empty());
  const layers = messages(
    'dlms',
    frames.map((f) => [S, f] as const),
  ).map((m) => analyser.analyse(m).dlms!);
  t.ok(layers.some((d) => d.hdlcError?.message.includes('not reassembled')));
  t.equal(layers.at(-1)!.apdu, undefined);
});

t.test('corpus mutation helpers', async (t) => {
  const ua = fromHex('7ea019210223737efc81800c05018006018007010108010105137e');
  t.equal(toHex(hdlcWithCheckSequences(ua)), toHex(ua), 'recomputing leaves a good frame as it is');
  const broken = ua.slice();
  broken[broken.length - 2] = broken[broken.length - 2]! ^ 0xff;
  t.equal(toHex(hdlcWithCheckSequences(broken)), toHex(ua));
  const ms = messages('dlms', [
    [C, '00'],
    [S, '01'],
    [C, '02'],
  ]);
  const text = mutateMessageList(ms, (m, i) =>
    i === 0 ? null : i === 1 ? [m.bytes, fromHex('ff')] : undefined,
  );
  t.same(text.trim().split('\n').slice(1), ['S->C 01', 'S->C ff', 'C->S 02']);
  t.equal(indexOfBytes(fromHex('0102030405'), [3, 4]), 2);
  t.equal(indexOfBytes(fromHex('0102'), [3]), -1);
  t.equal(new Set(BROKEN_VARIANTS.map((v) => v.name)).size, BROKEN_VARIANTS.length);
});

t.test(
  'the committed broken variants are exactly what BROKEN_VARIANTS makes from the recordings',
  async (t) => {
    const root = join(import.meta.dirname, '..', 'corpus');
    const tmp = mkdtempSync(join(tmpdir(), 'broken-variants-'));
    t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
    for (const v of BROKEN_VARIANTS)
      cpSync(join(root, v.protocol, v.from), join(tmp, v.protocol, v.from), { recursive: true });
    const written = await writeBrokenVariants(tmp);
    t.equal(written.length, BROKEN_VARIANTS.length);
    for (const v of BROKEN_VARIANTS) {
      const made = join(tmp, v.protocol, v.name);
      const files = readdirSync(made, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
      t.ok(files.length >= 2, v.name);
      for (const f of files) {
        const rel = join(f.parentPath, f.name).slice(made.length + 1);
        t.equal(
          readFileSync(join(made, rel), 'utf8'),
          readFileSync(join(root, v.protocol, v.name, rel), 'utf8'),
          `${v.name}/${rel}`,
        );
      }
    }
  },
);
