/**
 * Builds the conformance corpus (`conformance/corpus/<protocol>/<case>/`) from the shared vectors
 * and from hand-made sessions: each case gets its capture (hex log, pcapng or saved HTTP exchanges),
 * a README with provenance, and optionally `keyring.json` (only keys published with the vectors)
 * and `options.json`. `expected.json` is written only by the explicit update script.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  collectingSink,
  crc16x25,
  fromHex,
  PcapngWriter,
  TcpStreamRecorder,
  toHex,
  UdpRecorder,
} from '@meterkit/core';
import { encodeHdlcFrame, encodeWrapperPdu, hdlcAddress } from '@meterkit/dlms';

interface Vector {
  readonly id: string;
  readonly source: string;
  readonly kind: string;
  readonly hex?: string;
  readonly keys?: Record<string, string> | null;
  readonly notes?: string;
  readonly xml?: string;
  readonly resource?: string;
  readonly commit?: string;
}

/** A case to write. */
export interface CorpusCaseFiles {
  readonly protocol: string;
  readonly name: string;
  /** File name → content. */
  readonly files: Readonly<Record<string, Uint8Array | string>>;
  readonly readme: string;
}

const T0 = 1_795_424_400_000_000_000n;
const MS = 1_000_000n;

function readme(title: string, lines: readonly string[]): string {
  return `# ${title}\n\n${lines.join('\n')}\n`;
}

/** Direction marker of a real DLMS frame by its kind (meters push; handshakes by frame type). */
function dlmsDirection(kind: string): '>' | '<' {
  return /snrm|aarq|request/.test(kind) ? '>' : '<';
}

async function loadJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

function wrapper(apduHex: string, toServer: boolean): Uint8Array {
  return encodeWrapperPdu({
    sourceWPort: toServer ? 0x10 : 0x01,
    destinationWPort: toServer ? 0x01 : 0x10,
    payload: fromHex(apduHex),
  });
}

const AARQ = '601DA109060760857405080101BE10040E01000000065F1F0400007E1F04B0';
const AARE = '6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F040000501F01F40007';
const GET_REQ = 'C001C100080000010000FF0200';
const GET_RES = 'C401C1000600001234';
const RLRQ = '6200';
/** AARQ of the Green Book HLS-GMAC example: mechanism 5, CtoS "K56iVagY", client system title 4D4D4D0000000001. */
const HLS_AARQ =
  '603ea109060760857405080101a60a04084d4d4d00000000018b0760857405080205ac0a80084b35366956616759be10040e01000000065f1f0400007e1f04b0';
/** AARE of that example: StoC "P6wRJ21F", server system title 4D4D4D0000BC614E. */
const HLS_AARE =
  '614aa109060760857405080101a203020100a305a103020100a40a04084d4d4d0000bc614e890760857405080205aa0a8008503677524a323146be10040e0800065f1f040000501f01f40007';
const RLRE = '6300';

/** A clean wrapper session over TCP as pcapng: AARQ, AARE, GET, response, release. */
function wrapperSession(exchanges: readonly (readonly [string, boolean])[]): Uint8Array {
  const sink = collectingSink();
  const writer = new PcapngWriter(sink.sink, { comment: 'meterkit conformance corpus' });
  const tcp = new TcpStreamRecorder(writer);
  let t = T0;
  for (const [hex, toServer] of exchanges) {
    t += 20n * MS;
    tcp.record(toServer ? 'client-to-server' : 'server-to-client', wrapper(hex, toServer), t);
  }
  tcp.close(t + MS);
  return sink.bytes();
}

function hdlcHexLog(frames: readonly (readonly [Uint8Array, boolean])[]): string {
  return `${frames.map(([f, toServer]) => `${toServer ? '>' : '<'} ${toHex(f)}`).join('\n')}\n`;
}

function c1218Packet(ctrl: number, data: Uint8Array): Uint8Array {
  const p = new Uint8Array(6 + data.length + 2);
  p.set([0xee, 0x00, ctrl, 0x00, data.length >> 8, data.length & 0xff]);
  p.set(data, 6);
  const crc = crc16x25(p, 0, 6 + data.length);
  p[6 + data.length] = crc & 0xff;
  p[7 + data.length] = crc >> 8;
  return p;
}

function httpExchange(n: number, path: string, xml: string, status = '200 OK'): Record<string, string> {
  const num = String(n).padStart(3, '0');
  const body = Buffer.from(xml, 'utf8');
  return {
    [`http/${num}-request.http`]: `GET ${path} HTTP/1.1\r\nHost: meter\r\nAccept: application/sep+xml\r\n\r\n`,
    [`http/${num}-response.http`]: `HTTP/1.1 ${status}\r\nContent-Type: application/sep+xml\r\nContent-Length: ${body.length}\r\n\r\n${xml}`,
  };
}

/** Every case, built from the vectors directory (`shared/vectors`). */
export async function buildCorpusCases(vectors: string): Promise<CorpusCaseFiles[]> {
  const cases: CorpusCaseFiles[] = [];
  const real = await loadJson<{ entries: Vector[] }>(join(vectors, 'dlms/real-frames.json'));
  for (const v of real.entries) {
    if (v.hex === undefined) continue;
    const udp = v.kind.startsWith('udp-');
    const files: Record<string, Uint8Array | string> = {};
    if (udp) {
      const sink = collectingSink();
      const w = new PcapngWriter(sink.sink);
      new UdpRecorder(w).record('server-to-client', fromHex(v.hex), T0);
      files['capture.pcapng'] = sink.bytes();
    } else {
      files['capture.hex'] = `# ${v.id}\n${dlmsDirection(v.kind)} ${v.hex}\n`;
      files['options.json'] = '{ "protocol": "dlms" }\n';
    }
    if (v.keys !== null && v.keys !== undefined) files['keyring.json'] = dlmsKeyring(v.keys);
    cases.push({
      protocol: 'dlms',
      name: v.id,
      files,
      readme: readme(v.id, [
        `A real DLMS frame (${v.kind}) from \`shared/vectors/dlms/real-frames.json\`, id \`${v.id}\`.`,
        '',
        `Source: ${v.source}`,
        '',
        v.notes ?? '',
        udp ? '\nWritten as one UDP datagram (server to client) with the core pcapng writer.' : '',
        v.keys ? '\nThe keys in `keyring.json` are the ones published with the frame.' : '',
      ]),
    });
  }
  // the UDP pushes of one meter as one session: invocation counters must increase
  const udpPushes = real.entries.filter((v) => v.id.startsWith('dlmscosem-udp-gen-glo-'));
  if (udpPushes.length > 1) {
    const build = (order: readonly Vector[]): Uint8Array => {
      const sink = collectingSink();
      const w = new PcapngWriter(sink.sink);
      const udp = new UdpRecorder(w);
      for (const [i, v] of order.entries())
        udp.record('server-to-client', fromHex(v.hex!), T0 + BigInt(i) * 1000n * MS);
      return sink.bytes();
    };
    const keys = dlmsKeyring(udpPushes[0]!.keys!);
    cases.push({
      protocol: 'dlms',
      name: 'udp-push-session',
      files: { 'capture.pcapng': build(udpPushes), 'keyring.json': keys },
      readme: readme('udp-push-session', [
        `The ${udpPushes.length} UDP general-glo-ciphering pushes \`${udpPushes.map((v) => v.id).join('`, `')}\``,
        'from `shared/vectors/dlms/real-frames.json`, in order, as one pcapng session (core pcapng writer).',
        '',
        `Source: ${udpPushes[0]!.source}`,
      ]),
    });
    const replayed = [...udpPushes, udpPushes[1]!];
    cases.push({
      protocol: 'dlms',
      name: 'broken-replayed-counter',
      files: { 'capture.pcapng': build(replayed), 'keyring.json': keys },
      readme: readme('broken-replayed-counter', [
        'Deliberately broken: the UDP push session of `udp-push-session` with its second push sent again',
        'at the end, so an invocation counter repeats (DLMS-SECURITY-IC must FAIL on the last frame).',
      ]),
    });
  }
  const gb = await loadJson<{ entries: Vector[] }>(join(vectors, 'dlms/greenbook.json'));
  for (const v of gb.entries) {
    if (v.kind !== 'ciphered-apdu' && v.kind !== 'apdu') continue;
    if (v.hex === undefined) continue;
    const files: Record<string, Uint8Array | string> = {
      'capture.hex': `# ${v.id}\n${/response/.test(v.id) ? '<' : '>'} ${v.hex}\n`,
      'options.json': '{ "protocol": "dlms" }\n',
    };
    if (v.keys?.system_title !== undefined) files['keyring.json'] = dlmsKeyring(v.keys);
    cases.push({
      protocol: 'dlms',
      name: v.id,
      files,
      readme: readme(v.id, [
        `A ${v.kind} from \`shared/vectors/dlms/greenbook.json\`, id \`${v.id}\`.`,
        '',
        `Source: ${v.source}`,
        '',
        v.notes ?? '',
        files['keyring.json'] === undefined
          ? ''
          : '\nThe keys in `keyring.json` are the published example keys.',
      ]),
    });
    if (v.id === 'gb-glo-get-request-auth-enc') {
      const bad = fromHex(v.hex);
      bad[10] = bad[10]! ^ 0x01;
      cases.push({
        protocol: 'dlms',
        name: 'broken-wrong-tag',
        files: { ...files, 'capture.hex': `# ${v.id} with one ciphertext bit flipped\n> ${toHex(bad)}\n` },
        readme: readme('broken-wrong-tag', [
          `Deliberately broken: \`${v.id}\` (DLMS UA Green Book example) with bit 0 of octet 10 flipped,`,
          'so the GCM tag no longer verifies (DLMS-SECURITY-TAG must FAIL).',
        ]),
      });
    }
  }
  // hand-made wrapper sessions over TCP
  const clean: [string, boolean][] = [
    [AARQ, true],
    [AARE, false],
    [GET_REQ, true],
    [GET_RES, false],
    [RLRQ, true],
    [RLRE, false],
  ];
  cases.push({
    protocol: 'dlms',
    name: 'wrapper-clean-session',
    files: { 'capture.pcapng': wrapperSession(clean) },
    readme: readme('wrapper-clean-session', [
      'A clean DLMS wrapper session over TCP (port 4059), made here with the core pcapng writer:',
      'AARQ (LN, no security), AARE accepted, GET clock time, its response, RLRQ, RLRE.',
      'The APDUs are the ones of the @meterkit/dlms test vectors.',
    ]),
  });
  cases.push({
    protocol: 'dlms',
    name: 'broken-missing-aare',
    files: { 'capture.pcapng': wrapperSession([clean[0]!, clean[2]!, clean[3]!]) },
    readme: readme('broken-missing-aare', [
      'Deliberately broken: the clean wrapper session without the AARE: the GET is requested before',
      'any AARE (DLMS-SESSION-AARQ-FIRST must FAIL).',
    ]),
  });
  cases.push({
    protocol: 'dlms',
    name: 'broken-invoke-id',
    files: {
      'capture.pcapng': wrapperSession([clean[0]!, clean[1]!, clean[2]!, ['C401C2000600001234', false]]),
    },
    readme: readme('broken-invoke-id', [
      'Deliberately broken: the GET response carries invoke-id 2 while the request used 1',
      '(DLMS-SESSION-INVOKE-ID must FAIL).',
    ]),
  });
  // HLS-GMAC (mechanism 5) association with the Green Book challenges, responses and keys
  const gbKeys = gb.entries.find((v) => v.id === 'gb-hls5-gmac-client-fStoC');
  const fCtoS = gb.entries.find((v) => v.id === 'gb-hls5-gmac-server-fCtoS');
  if (gbKeys?.hex !== undefined && fCtoS?.hex !== undefined) {
    const hls = (serverResponse: string): [string, boolean][] => [
      [HLS_AARQ, true],
      [HLS_AARE, false],
      [`C301C1000F0000280000FF01010911${gbKeys.hex}`, true],
      [`C701C10001000911${serverResponse}`, false],
    ];
    const keyring = dlmsKeyring({ ...gbKeys.keys!, system_title: '4D4D4D0000BC614E' });
    const sources = [`Sources: ${gbKeys.source}; ${fCtoS.source}`];
    cases.push({
      protocol: 'dlms',
      name: 'hls-gmac-association',
      files: { 'capture.pcapng': wrapperSession(hls(fCtoS.hex)), 'keyring.json': keyring },
      readme: readme('hls-gmac-association', [
        'An HLS-GMAC (mechanism 5) association over the wrapper, made here around the DLMS UA Green Book',
        `example \`${gbKeys.id}\` / \`${fCtoS.id}\`: AARQ with CtoS "K56iVagY" and client system title`,
        '4D4D4D0000000001, AARE with StoC "P6wRJ21F" and server system title 4D4D4D0000BC614E, then',
        'reply_to_HLS_authentication with f(StoC) and the response with f(CtoS). Keys: the published example keys.',
        '',
        ...sources,
      ]),
    });
    const wrong = `${fCtoS.hex.slice(0, -2)}${((Number.parseInt(fCtoS.hex.slice(-2), 16) ^ 1) & 0xff).toString(16).padStart(2, '0')}`;
    cases.push({
      protocol: 'dlms',
      name: 'broken-hls-response',
      files: { 'capture.pcapng': wrapperSession(hls(wrong)), 'keyring.json': keyring },
      readme: readme('broken-hls-response', [
        'Deliberately broken: `hls-gmac-association` with the last octet of the server f(CtoS) changed',
        '(DLMS-SECURITY-HLS must FAIL on the action-response).',
        '',
        ...sources,
      ]),
    });
  }
  // HDLC: a real SNRM, then the AARQ I-frame, with a corrupted FCS variant
  const snrm = real.entries.find((v) => v.id === 'issue-dlmscosem-62-snrm-echo');
  const aarq = real.entries.find((v) => v.id === 'issue-dlmscosem-95-aarq-lls');
  if (snrm?.hex !== undefined && aarq?.hex !== undefined) {
    const badFcs = fromHex(aarq.hex);
    badFcs[badFcs.length - 2] = badFcs[badFcs.length - 2]! ^ 0xff;
    cases.push({
      protocol: 'dlms',
      name: 'broken-bad-fcs',
      files: {
        'capture.hex': hdlcHexLog([
          [fromHex(snrm.hex), true],
          [badFcs, true],
        ]),
        'options.json': '{ "protocol": "dlms" }\n',
      },
      readme: readme('broken-bad-fcs', [
        `Deliberately broken: the real SNRM \`${snrm.id}\` and the real AARQ I-frame \`${aarq.id}\``,
        'from `shared/vectors/dlms/real-frames.json`, with the first FCS octet of the AARQ inverted',
        '(DLMS-HDLC-FCS must FAIL on frame 2).',
        '',
        `Sources: ${snrm.source}; ${aarq.source}`,
      ]),
    });
    const seqFrames: [Uint8Array, boolean][] = [0, 1, 3].map((ns) => [
      encodeHdlcFrame({
        type: 'i',
        destination: hdlcAddress(1, 16),
        source: hdlcAddress(16),
        sendSequence: ns,
        receiveSequence: 0,
        pollFinal: true,
        segmented: false,
        information: fromHex(`e6e600${GET_REQ}`),
      }),
      true,
    ]);
    cases.push({
      protocol: 'dlms',
      name: 'broken-hdlc-sequence',
      files: { 'capture.hex': hdlcHexLog(seqFrames), 'options.json': '{ "protocol": "dlms" }\n' },
      readme: readme('broken-hdlc-sequence', [
        'Deliberately broken: three client I-frames made here with N(S) 0, 1, 3: the third skips 2',
        '(DLMS-HDLC-SEQUENCE must FAIL on frame 3).',
      ]),
    });
  }
  // C12.22 and C12.18
  const c1222 = await loadJson<Vector[]>(join(vectors, 'c1222/c1222.json'));
  const apdus = c1222.filter((v) => v.hex !== undefined && v.kind.startsWith('c1222-apdu'));
  const icsnpp = apdus.filter((v) => v.id.startsWith('c1222-icsnpp-'));
  cases.push({
    protocol: 'c1222',
    name: 'icsnpp-session',
    files: {
      'capture.hex': `${icsnpp.map((v) => `${v.id.endsWith('-resp') ? '<' : '>'} ${v.hex}  # ${v.id}`).join('\n')}\n`,
      'options.json': '{ "protocol": "c1222" }\n',
    },
    readme: readme('icsnpp-session', [
      `The ${icsnpp.length} cleartext C12.22 APDUs \`${icsnpp.map((v) => v.id).join('`, `')}\` of`,
      '`shared/vectors/c1222/c1222.json`, in capture order, as one hex log session (requests and their responses).',
      '',
      'Sources:',
      '',
      ...icsnpp.map((v) => `- \`${v.id}\`: ${v.source}`),
    ]),
  });
  for (const v of apdus) {
    if (v.hex === undefined) continue;
    const files: Record<string, Uint8Array | string> = {
      'capture.hex': `# ${v.id}\n${/resp|response/.test(v.id) ? '<' : '>'} ${v.hex}\n`,
      'options.json': '{ "protocol": "c1222" }\n',
    };
    if (v.keys?.key !== undefined)
      files['keyring.json'] =
        `${JSON.stringify({ c1222: [{ keyId: Number.parseInt(v.keys.key_id ?? '0', 16), key: v.keys.key }] }, null, 2)}\n`;
    cases.push({
      protocol: 'c1222',
      name: v.id,
      files,
      readme: readme(v.id, [
        `A ${v.kind} from \`shared/vectors/c1222/c1222.json\`, id \`${v.id}\`.`,
        '',
        `Source: ${v.source}`,
        '',
        v.notes ?? '',
      ]),
    });
  }
  const c1218 = await loadJson<Vector[]>(join(vectors, 'c1222/c1218.json'));
  for (const v of c1218) {
    if (v.hex === undefined || !v.kind.startsWith('c1218-')) continue;
    cases.push({
      protocol: 'c1218',
      name: v.id,
      files: {
        'capture.hex': `# ${v.id}\n${v.id.endsWith('-resp') ? '<' : '>'} ${v.hex}\n`,
        'options.json': '{ "protocol": "c1218" }\n',
      },
      readme: readme(v.id, [
        `A ${v.kind} from \`shared/vectors/c1222/c1218.json\`, id \`${v.id}\`.`,
        '',
        `Source: ${v.source}`,
        '',
        v.notes ?? '',
      ]),
    });
  }
  const ident = fromHex('20');
  const p1 = c1218Packet(0x00, ident);
  const p2 = c1218Packet(0x00, fromHex('30'));
  const p2bad = p2.slice();
  p2bad[p2bad.length - 1] = p2bad[p2bad.length - 1]! ^ 0x5a;
  cases.push({
    protocol: 'c1218',
    name: 'broken-toggle-and-crc',
    files: {
      'capture.hex': `> ${toHex(p1)}\n> ${toHex(p2)}\n> ${toHex(p2bad)}\n`,
      'options.json': '{ "protocol": "c1218" }\n',
    },
    readme: readme('broken-toggle-and-crc', [
      'Deliberately broken, made here: an identification request, then a different request (negotiate)',
      'with the same toggle bit (C1218-TOGGLE must FAIL on frame 2), then that packet with a bad CRC',
      '(C1218-CRC must FAIL on frame 3).',
    ]),
  });
  // IEEE 2030.5
  const xml = await loadJson<Vector[]>(join(vectors, 'ieee2030-5/xml-examples.json'));
  const good = xml.filter((v) => v.xml !== undefined && /<\w/.test(v.xml.replace(/<!--[\s\S]*?-->/g, '')));
  const files: Record<string, string> = {};
  good.forEach((v, i) => {
    const href =
      /href="([^"]+)"/.exec(v.xml!.replace(/<!--[\s\S]*?-->/g, ''))?.[1] ?? `/${v.resource ?? 'r'}/${i}`;
    Object.assign(files, httpExchange(i + 1, href, v.xml!));
  });
  cases.push({
    protocol: 'ieee2030-5',
    name: 'xml-examples',
    files,
    readme: readme('xml-examples', [
      `The ${good.length} IEEE 2030.5 XML documents of \`shared/vectors/ieee2030-5/xml-examples.json\`, each saved`,
      'as the response to a GET of its own href (saved HTTP exchanges made here).',
      '',
      'Sources:',
      '',
      ...good.map((v) => `- \`${v.id}\`: ${v.source}${v.commit === undefined ? '' : ` @ ${v.commit}`}`),
    ]),
  });
  const list =
    '<EndDeviceList xmlns="urn:ieee:std:2030.5:ns" href="/edev" all="1" results="1"><EndDevice href="/edev/0"><sFDI>16726121139</sFDI><changedTime>1700000000</changedTime></EndDevice></EndDeviceList>';
  const outOfOrder =
    '<EndDeviceList xmlns="urn:ieee:std:2030.5:ns" href="/edev" all="1" results="2"><EndDevice href="/edev/0"><changedTime>1700000000</changedTime><sFDI>16726121139</sFDI></EndDevice></EndDeviceList>';
  cases.push({
    protocol: 'ieee2030-5',
    name: 'broken-out-of-order-xml',
    files: { ...httpExchange(1, '/edev', list), ...httpExchange(2, '/edev?l=5', outOfOrder) },
    readme: readme('broken-out-of-order-xml', [
      'Made here. A correct EndDeviceList, then a broken one: sFDI after changedTime (schema order)',
      'and results 2 above all 1 with one item (SEP-XML-SCHEMA and SEP-LIST-PAGING must FAIL on frame 4).',
    ]),
  });
  return cases;
}

function dlmsKeyring(keys: Record<string, string>): string {
  const st = keys.system_title ?? keys.systemTitle;
  const ek = keys.encryption_key_EK ?? keys.ek ?? keys.encryption_key ?? keys.key;
  const ak = keys.authentication_key_AK ?? keys.ak ?? keys.authentication_key;
  const entry: Record<string, string> = {};
  const first = (v: string): string => v.split(' ')[0]!;
  if (st !== undefined) entry.systemTitle = first(st);
  if (ek !== undefined) entry.ek = first(ek);
  if (ak !== undefined) entry.ak = first(ak);
  return `${JSON.stringify({ dlms: [entry] }, null, 2)}\n`;
}

/** Writes the cases under `root` (replacing each case's capture files, keeping nothing stale). */
export async function writeCorpusCases(root: string, cases: readonly CorpusCaseFiles[]): Promise<void> {
  for (const c of cases) {
    const dir = join(root, c.protocol, c.name);
    await rm(join(dir, 'http'), { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (const [name, content] of Object.entries(c.files)) {
      const path = join(dir, name);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, content);
    }
    await writeFile(join(dir, 'README.md'), c.readme.replace(/\n{3,}/g, '\n\n'));
  }
}
