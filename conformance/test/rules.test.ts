import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc16x25, fromHex, toHex } from '@meterkit/core';
import { encodeHdlcFrame, encodeWrapperPdu, hdlcAddress } from '@meterkit/dlms';
import t from 'tap';
import { Keyring } from '../src/keyring.js';
import {
  ALL_RULES,
  type AnyRule,
  c1218CrcRule,
  c1218ToggleRule,
  c1222DecodeRule,
  c1222MacRule,
  c1222PairingRule,
  captureDiscardedRule,
  captureGapRule,
  dlmsApduCanonicalRule,
  dlmsApduDecodeRule,
  dlmsAssociationFirstRule,
  dlmsHdlcCheckSequenceRule,
  dlmsHdlcSequenceRule,
  dlmsHdlcWindowRule,
  dlmsInvocationCounterRule,
  dlmsInvokeIdRule,
  dlmsLengthRule,
  dlmsPduSizeRule,
  dlmsSecurityTagRule,
  MessageAnalyser,
  type RuleOutcome,
  ruleById,
  sepDecodeRule,
  sepHrefRule,
  sepListPagingRule,
  sepSchemaRule,
} from '../src/rules/index.js';
import type { SessionMessage } from '../src/session/frame-session.js';
import type { SessionDirection, SessionProtocol } from '../src/session/record.js';

const corpus = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus');
/** Hex lines of a corpus capture. */
function corpusHex(path: string): string[] {
  return readFileSync(join(corpus, path), 'utf8')
    .split('\n')
    .filter((l) => /^[<>]/.test(l))
    .map((l) => l.slice(2).split(' ')[0]!);
}
const corpusKeys = (path: string): Keyring => Keyring.parse(readFileSync(join(corpus, path), 'utf8'));

type Msg = readonly [SessionDirection, Uint8Array | string, ('message' | 'discarded' | 'gap')?];

function messages(protocol: SessionProtocol | undefined, list: readonly Msg[]): SessionMessage[] {
  return list.map(([direction, b, type], i) => {
    const bytes =
      typeof b === 'string' ? (protocol === 'ieee2030-5' ? new TextEncoder().encode(b) : fromHex(b)) : b;
    return {
      type: type ?? 'message',
      frame: i + 1,
      channel: 'test',
      direction,
      timestamp: undefined,
      protocol,
      bytes,
      offset: 0,
      reason: type === 'discarded' ? 'test' : undefined,
      gap: type === 'gap' ? { missing: 10, reason: 'lost' } : undefined,
    };
  });
}

/** Runs one rule over messages (frame numbers from 1), with its finish outcomes last. */
function run(
  rule: AnyRule,
  protocol: SessionProtocol | undefined,
  list: readonly Msg[],
  keys = Keyring.empty(),
) {
  const analyser = new MessageAnalyser(keys);
  const state = rule.createState?.();
  const out: (RuleOutcome & { at: number })[] = [];
  for (const m of messages(protocol, list)) {
    const o = rule.check({ analysed: analyser.analyse(m), state, keys });
    if (o !== undefined) out.push({ ...o, at: m.frame });
  }
  for (const o of rule.finish?.(state, keys) ?? []) out.push({ ...o, at: o.frame ?? 0 });
  return out;
}
const verdicts = (o: readonly RuleOutcome[]) => o.map((x) => x.verdict);

const C = 'client-to-server' as const;
const S = 'server-to-client' as const;
const AARQ = '601DA109060760857405080101BE10040E01000000065F1F0400007E1F04B0';
const AARE = '6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F040000501F01F40007';
const GET = 'C001C100080000010000FF0200';
const RES = 'C401C1000600001234';

function iFrame(ns: number, pf: boolean, apdu = GET): Uint8Array {
  return encodeHdlcFrame({
    type: 'i',
    destination: hdlcAddress(1, 16),
    source: hdlcAddress(16),
    sendSequence: ns,
    receiveSequence: 0,
    pollFinal: pf,
    segmented: false,
    information: fromHex(`e6e600${apdu}`),
  });
}

t.test('every rule has a stable id, a statement and a clause, and ids are unique', async (t) => {
  const ids = ALL_RULES.map((r) => r.id);
  t.equal(new Set(ids).size, ids.length);
  for (const r of ALL_RULES) {
    t.match(r.id, /^[A-Z0-9]+(-[A-Z0-9]+)+$/);
    t.ok(r.statement.length > 10 && r.clause.length > 3, r.id);
    t.equal(ruleById(r.id), r);
  }
  t.equal(ruleById('NO-SUCH'), undefined);
});

t.test('capture rules', async (t) => {
  t.same(verdicts(run(captureDiscardedRule, 'dlms', [[C, '0102', 'discarded']])), ['FAIL']);
  t.same(verdicts(run(captureDiscardedRule, 'dlms', [[C, GET]])), []);
  t.same(verdicts(run(captureGapRule, 'dlms', [[C, '', 'gap']])), ['INCONCLUSIVE']);
  t.same(verdicts(run(captureGapRule, 'dlms', [[C, GET]])), []);
});

t.test('DLMS framing rules', async (t) => {
  const [snrm, aarq] = corpusHex('dlms/broken-bad-fcs/capture.hex');
  const good = iFrame(0, true);
  t.same(
    verdicts(
      run(dlmsHdlcCheckSequenceRule, 'dlms', [
        [C, snrm!],
        [C, good],
      ]),
    ),
    ['PASS', 'PASS'],
  );
  const bad = run(dlmsHdlcCheckSequenceRule, 'dlms', [[C, aarq!]]);
  t.same(verdicts(bad), ['FAIL']);
  t.equal(bad[0]!.at, 1);
  const badHcs = good.slice();
  badHcs[8] = badHcs[8]! ^ 1;
  t.same(verdicts(run(dlmsHdlcCheckSequenceRule, 'dlms', [[C, badHcs]])), ['FAIL']);

  const w = encodeWrapperPdu({ sourceWPort: 16, destinationWPort: 1, payload: fromHex(GET) });
  t.same(
    verdicts(
      run(dlmsLengthRule, 'dlms', [
        [C, w],
        [C, good],
      ]),
    ),
    ['PASS', 'PASS'],
  );
  const lying = w.slice();
  lying[7] = lying[7]! + 4;
  t.same(verdicts(run(dlmsLengthRule, 'dlms', [[C, lying]])), ['FAIL']);
  const shortFrame = fromHex(
    `7ea0${(good.length - 1).toString(16).padStart(2, '0')}${toHex(good.subarray(3))}`,
  );
  t.same(verdicts(run(dlmsLengthRule, 'dlms', [[C, shortFrame]])), ['FAIL']);

  t.same(
    verdicts(
      run(dlmsHdlcSequenceRule, 'dlms', [
        [C, iFrame(0, true)],
        [C, iFrame(1, true)],
        [C, iFrame(2, true)],
      ]),
    ),
    ['PASS', 'PASS', 'PASS'],
  );
  const seq = run(dlmsHdlcSequenceRule, 'dlms', [
    [C, iFrame(0, true)],
    [C, iFrame(1, true)],
    [C, iFrame(3, true)],
  ]);
  t.same(verdicts(seq), ['PASS', 'PASS', 'FAIL']);
  t.equal(seq[2]!.at, 3);
  t.same(
    verdicts(
      run(dlmsHdlcSequenceRule, 'dlms', [
        [C, iFrame(0, true)],
        [C, iFrame(0, true)],
      ]),
    ),
    ['PASS', 'INCONCLUSIVE'],
  );
  t.same(
    verdicts(
      run(dlmsHdlcSequenceRule, 'dlms', [
        [C, iFrame(5, true)],
        [C, snrm!],
        [C, iFrame(0, true)],
      ]),
    ),
    ['PASS', 'PASS'],
  );

  t.same(
    verdicts(
      run(dlmsHdlcWindowRule, 'dlms', [
        [C, iFrame(0, true)],
        [C, iFrame(1, true)],
      ]),
    ),
    ['PASS', 'PASS'],
  );
  t.same(
    verdicts(
      run(dlmsHdlcWindowRule, 'dlms', [
        [C, iFrame(0, false)],
        [C, iFrame(1, true)],
      ]),
    ),
    ['PASS', 'FAIL'],
  );
});

t.test('DLMS decoding and canonical form', async (t) => {
  t.same(
    verdicts(
      run(dlmsApduDecodeRule, 'dlms', [
        [C, GET],
        [S, RES],
      ]),
    ),
    ['PASS', 'PASS'],
  );
  const bad = run(dlmsApduDecodeRule, 'dlms', [[C, GET.slice(0, 16)]]);
  t.same(verdicts(bad), ['FAIL']);
  t.match(bad[0]!.message, /need \d+ bytes/);
  t.same(
    verdicts(
      run(dlmsApduCanonicalRule, 'dlms', [
        [C, GET],
        [C, AARQ],
        [S, AARE],
      ]),
    ),
    ['PASS', 'PASS', 'PASS'],
  );
  // a BER long-form length where the short form fits: legal, named
  const longForm = `6081${AARQ.slice(2)}`;
  const nm = run(dlmsApduCanonicalRule, 'dlms', [[C, longForm]]);
  t.same(verdicts(nm), ['INCONCLUSIVE']);
  t.match(nm[0]!.message, /non-minimal-length/);
  // A-XDR boolean 0x02 (true, but not the canonical 0x01)
  const bool = run(dlmsApduCanonicalRule, 'dlms', [[S, 'C401C1000302']]);
  t.same(verdicts(bool), ['FAIL']);
  t.match(bool[0]!.message, /differs at APDU octet 5/);
});

t.test('DLMS session rules', async (t) => {
  t.same(
    verdicts(
      run(dlmsAssociationFirstRule, 'dlms', [
        [C, AARQ],
        [S, AARE],
        [C, GET],
        [S, RES],
      ]),
    ),
    ['PASS'],
  );
  t.same(
    verdicts(
      run(dlmsAssociationFirstRule, 'dlms', [
        [C, AARQ],
        [C, GET],
      ]),
    ),
    ['FAIL'],
  );
  t.same(verdicts(run(dlmsAssociationFirstRule, 'dlms', [[C, GET]])), ['INCONCLUSIVE']);
  const rejected = AARE.replace('A203020100', 'A203020101');
  t.same(
    verdicts(
      run(dlmsAssociationFirstRule, 'dlms', [
        [C, AARQ],
        [S, rejected],
        [C, GET],
      ]),
    ),
    ['FAIL'],
  );

  t.same(
    verdicts(
      run(dlmsInvokeIdRule, 'dlms', [
        [C, GET],
        [S, RES],
      ]),
    ),
    ['PASS'],
  );
  const wrong = run(dlmsInvokeIdRule, 'dlms', [
    [C, GET],
    [S, 'C401C2000600001234'],
  ]);
  t.same(verdicts(wrong), ['FAIL']);
  t.match(wrong[0]!.message, /invoke-id 2/);
  t.same(verdicts(run(dlmsInvokeIdRule, 'dlms', [[S, RES]])), ['INCONCLUSIVE']);

  // AARE says the server takes 500 octets (0x01F4)
  const big = `C101C100010000600100FF0200098202${'58'}${'00'.repeat(600)}`;
  t.same(
    verdicts(
      run(dlmsPduSizeRule, 'dlms', [
        [C, AARQ],
        [S, AARE],
        [C, GET],
        [S, RES],
      ]),
    ),
    ['PASS', 'PASS'],
  );
  const over = run(dlmsPduSizeRule, 'dlms', [
    [C, AARQ],
    [S, AARE],
    [C, big],
  ]);
  t.same(verdicts(over), ['FAIL']);
  t.match(over[0]!.message, /accepts 500/);
});

t.test('DLMS security rules with the Green Book keys', async (t) => {
  const [gb] = corpusHex('dlms/gb-glo-get-request-auth-enc/capture.hex');
  const keys = corpusKeys('dlms/gb-glo-get-request-auth-enc/keyring.json');
  t.same(verdicts(run(dlmsSecurityTagRule, 'dlms', [[C, gb!]], keys)), ['PASS']);
  const flipped = fromHex(gb!);
  flipped[10] = flipped[10]! ^ 1;
  t.same(verdicts(run(dlmsSecurityTagRule, 'dlms', [[C, flipped]], keys)), ['FAIL']);
  t.same(verdicts(run(dlmsSecurityTagRule, 'dlms', [[C, gb!]])), ['INCONCLUSIVE']);
  t.same(verdicts(run(dlmsSecurityTagRule, 'dlms', [[C, GET]], keys)), []);
  const [other] = corpusHex('dlms/gb-glo-get-request-enc-only/capture.hex');
  t.same(verdicts(run(dlmsInvocationCounterRule, 'dlms', [[C, gb!]])), ['PASS']);
  const replay = run(dlmsInvocationCounterRule, 'dlms', [
    [C, gb!],
    [C, other!],
    [C, gb!],
  ]);
  t.equal(replay.at(-1)!.verdict, 'FAIL');
  t.match(replay.at(-1)!.message, /used twice|below/);
});

t.test('DLMS HLS-GMAC responses (Green Book example)', async (t) => {
  const keys = corpusKeys('dlms/hls-gmac-association/keyring.json');
  const aarq =
    '603ea109060760857405080101a60a04084d4d4d00000000018b0760857405080205ac0a80084b35366956616759be10040e01000000065f1f0400007e1f04b0';
  const aare =
    '614aa109060760857405080101a203020100a305a103020100a40a04084d4d4d0000bc614e890760857405080205aa0a8008503677524a323146be10040e0800065f1f040000501f01f40007';
  const req = 'c301c1000f0000280000ff0101091110000000011a52fe7dd3e72748973c1e28';
  const res = 'c701c100010009111001234567fe1466afb3dbcd4f9389e2b7';
  const bad = `${res.slice(0, -2)}b6`;
  const { dlmsHlsRule } = await import('../src/rules/dlms/hls.js');
  t.same(
    verdicts(
      run(
        dlmsHlsRule,
        'dlms',
        [
          [C, aarq],
          [S, aare],
          [C, req],
          [S, res],
        ],
        keys,
      ),
    ),
    ['PASS', 'PASS'],
  );
  t.same(
    verdicts(
      run(
        dlmsHlsRule,
        'dlms',
        [
          [C, aarq],
          [S, aare],
          [C, req],
          [S, bad],
        ],
        keys,
      ),
    ),
    ['PASS', 'FAIL'],
  );
  const badReq = `${req.slice(0, -2)}29`;
  t.same(
    verdicts(
      run(
        dlmsHlsRule,
        'dlms',
        [
          [C, aarq],
          [S, aare],
          [C, badReq],
        ],
        keys,
      ),
    ),
    ['FAIL'],
  );
  t.same(
    verdicts(
      run(dlmsHlsRule, 'dlms', [
        [C, aarq],
        [S, aare],
        [C, req],
      ]),
    ),
    ['INCONCLUSIVE'],
  );
  t.same(verdicts(run(dlmsHlsRule, 'dlms', [[C, req]], keys)), ['INCONCLUSIVE']);
  const mech2 = aarq.replace('8b0760857405080205', '8b0760857405080202');
  t.match(
    run(
      dlmsHlsRule,
      'dlms',
      [
        [C, mech2],
        [S, aare],
        [C, req],
      ],
      keys,
    )[0]!.message,
    /mechanism 2/,
  );
  t.same(verdicts(run(dlmsHlsRule, 'dlms', [[C, GET]], keys)), []);
});

function c1218Packet(ctrl: number, data: string): string {
  const d = fromHex(data);
  const p = new Uint8Array(8 + d.length);
  p.set([0xee, 0, ctrl, 0, 0, d.length]);
  p.set(d, 6);
  const crc = crc16x25(p, 0, 6 + d.length);
  p[6 + d.length] = crc & 0xff;
  p[7 + d.length] = crc >> 8;
  return toHex(p);
}

t.test('C12.18 rules', async (t) => {
  const a = c1218Packet(0x00, '20');
  const b = c1218Packet(0x20, '61');
  t.same(
    verdicts(
      run(c1218CrcRule, 'c1218', [
        [C, a],
        [C, '06'],
      ]),
    ),
    ['PASS'],
  );
  const badCrc = `${a.slice(0, -2)}00`;
  t.same(verdicts(run(c1218CrcRule, 'c1218', [[C, badCrc]])), ['FAIL']);
  t.same(verdicts(run(c1218CrcRule, 'c1218', [[C, 'ee00']])), ['FAIL']);
  t.same(
    verdicts(
      run(c1218ToggleRule, 'c1218', [
        [C, a],
        [C, b],
        [C, b],
      ]),
    ),
    ['PASS', 'PASS', 'PASS'],
  );
  t.same(
    verdicts(
      run(c1218ToggleRule, 'c1218', [
        [C, a],
        [C, c1218Packet(0x00, '61')],
      ]),
    ),
    ['PASS', 'FAIL'],
  );
});

t.test('C12.22 rules', async (t) => {
  const [req, resp] = corpusHex('c1222/icsnpp-session/capture.hex');
  t.same(
    verdicts(
      run(c1222DecodeRule, 'c1222', [
        [C, req!],
        [S, resp!],
      ]),
    ),
    ['PASS', 'PASS'],
  );
  t.same(verdicts(run(c1222DecodeRule, 'c1222', [[C, '6003a10100']])), ['FAIL']);
  const [eax] = corpusHex('c1222/c1222-from-eaxprime-vector-1/capture.hex');
  const keys = corpusKeys('c1222/c1222-from-eaxprime-vector-1/keyring.json');
  t.same(verdicts(run(c1222MacRule, 'c1222', [[C, eax!]], keys)), ['PASS']);
  t.same(verdicts(run(c1222MacRule, 'c1222', [[C, eax!]])), ['INCONCLUSIVE']);
  const wrong = Keyring.parse(JSON.stringify({ c1222: [{ keyId: 2, key: '00'.repeat(16) }] }));
  t.same(verdicts(run(c1222MacRule, 'c1222', [[C, eax!]], wrong)), ['FAIL']);
  t.same(verdicts(run(c1222MacRule, 'c1222', [[C, req!]], keys)), []);
  t.same(
    verdicts(
      run(c1222PairingRule, 'c1222', [
        [C, req!],
        [S, resp!],
      ]),
    ),
    ['PASS'],
  );
  // the response with another invocation id answers nothing open
  t.ok(resp!.includes('a806020413e81421'));
  const stray = resp!.replace('a806020413e81421', 'a806020413e81422');
  t.same(
    verdicts(
      run(c1222PairingRule, 'c1222', [
        [C, req!],
        [S, stray],
      ]),
    ),
    ['FAIL'],
  );
  t.same(verdicts(run(c1222PairingRule, 'c1222', [[S, resp!]])), ['INCONCLUSIVE']);
});

const NS = 'xmlns="urn:ieee:std:2030.5:ns"';
const ED =
  '<EndDevice href="/edev/0"><sFDI>16726121139</sFDI><changedTime>1700000000</changedTime></EndDevice>';
const list = (results: number, all: number, body = ED) =>
  `<EndDeviceList ${NS} href="/edev" all="${all}" results="${results}">${body}</EndDeviceList>`;
const http = (status: string, xml: string) =>
  `HTTP/1.1 ${status}\r\nContent-Type: application/sep+xml\r\nContent-Length: ${xml.length}\r\n\r\n${xml}`;
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: m\r\n\r\n`;

t.test('IEEE 2030.5 rules', async (t) => {
  t.same(
    verdicts(
      run(sepDecodeRule, 'ieee2030-5', [
        [C, get('/edev')],
        [S, http('200 OK', list(1, 1))],
      ]),
    ),
    ['PASS'],
  );
  t.same(verdicts(run(sepDecodeRule, 'ieee2030-5', [[S, http('200 OK', '<EndDeviceList')]])), ['FAIL']);
  t.same(verdicts(run(sepSchemaRule, 'ieee2030-5', [[S, list(1, 1)]])), ['PASS']);
  const swapped =
    '<EndDevice href="/edev/0"><changedTime>1700000000</changedTime><sFDI>16726121139</sFDI></EndDevice>';
  const bad = run(sepSchemaRule, 'ieee2030-5', [[S, list(1, 1, swapped)]]);
  t.same(verdicts(bad), ['FAIL']);
  t.match(bad[0]!.message, /order/);
  t.same(verdicts(run(sepListPagingRule, 'ieee2030-5', [[S, list(1, 3)]])), ['PASS']);
  t.same(verdicts(run(sepListPagingRule, 'ieee2030-5', [[S, list(2, 3)]])), ['FAIL']);
  t.same(verdicts(run(sepListPagingRule, 'ieee2030-5', [[S, list(4, 3, `${ED}${ED}${ED}${ED}`)]])), ['FAIL']);
  const dcap = `<DeviceCapability ${NS} href="/dcap"><EndDeviceListLink href="/edev" all="1"/></DeviceCapability>`;
  const ok = run(sepHrefRule, 'ieee2030-5', [
    [C, get('/dcap')],
    [S, http('200 OK', dcap)],
    [C, get('/edev')],
    [S, http('200 OK', list(1, 1))],
  ]);
  t.same(verdicts(ok), ['PASS']);
  const missing = run(sepHrefRule, 'ieee2030-5', [
    [C, get('/dcap')],
    [S, http('200 OK', dcap)],
    [C, get('/edev')],
    [S, http('404 Not Found', '')],
  ]);
  t.same(verdicts(missing), ['FAIL']);
  t.equal(missing[0]!.at, 2);
  t.same(verdicts(run(sepHrefRule, 'ieee2030-5', [[S, http('200 OK', dcap)]])), ['INCONCLUSIVE']);
});
