/**
 * Live replay of a DLMS session whose APDUs were segmented on the HDLC link (IEC 62056-46
 * §6.4.4.4.3.4): recorded from the DLMS simulator over HDLC-over-TCP with a 40-octet maximum
 * information field, so the AARQ, the HLS pass 3 request and the answers travel in segments. The
 * replay reassembles each request, re-ciphers it with a fresh invocation counter, segments it
 * again with the maximum the device's UA negotiated (24 and 64 octets here), and reassembles the
 * device's segmented answers before comparing them with the captured ones.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectingSink, ErrorCode, fromHex } from '@meterkit/core';
import {
  DlmsClient,
  decodeHdlcFrame,
  encodeHdlcFrame,
  MeterSimulator,
  SecurityContext,
  type SimulatorProfile,
  serveHdlcTcp,
} from '@meterkit/dlms';
import t from 'tap';
import { RECORDING_PROFILE, SIMULATOR_KEYS } from '../src/corpus/record-dlms.js';
import { Keyring } from '../src/keyring.js';
import { ReplayAdapter } from '../src/replay/adapt.js';
import { connectTarget } from '../src/replay/command.js';
import { DEFAULT_REPLAY_MASKS } from '../src/replay/compare.js';
import { HdlcReplayLink, mergeHdlcSegments } from '../src/replay/hdlc-segments.js';
import { replaySession } from '../src/replay/replay.js';
import { buildReplayScript } from '../src/replay/script.js';
import { frameSession } from '../src/session/frame-session.js';
import { readSession } from '../src/session/read-session.js';

/** f(CtoS) in the answer to HLS pass 3 depends on the server's own counter: volatile. */
const masks = [...DEFAULT_REPLAY_MASKS, 'apdu.singleResponse.returnParameters.data.value'];
const keys = Keyring.parse(
  JSON.stringify({
    dlms: [
      { systemTitle: SIMULATOR_KEYS.clientSystemTitle, ek: SIMULATOR_KEYS.ek, ak: SIMULATOR_KEYS.ak },
      { systemTitle: SIMULATOR_KEYS.serverSystemTitle, ek: SIMULATOR_KEYS.ek, ak: SIMULATOR_KEYS.ak },
    ],
  }),
);

/** The recording profile with a small HDLC maximum information field and real-meter counter checks. */
function profile(maxInfoLength: number): SimulatorProfile {
  return {
    ...RECORDING_PROFILE,
    hdlc: { ...RECORDING_PROFILE.hdlc, maxInfoLength },
    associations: RECORDING_PROFILE.associations.map((a) =>
      a.security === undefined ? a : { ...a, security: { ...a.security, sharedReplayProtection: true } },
    ),
  };
}

async function serve(maxInfoLength: number) {
  // a fixed clock, so the energy registers read the same in the capture and in the replay
  const sim = new MeterSimulator(profile(maxInfoLength), { now: () => Date.UTC(2026, 10, 23, 9, 0, 0) });
  return serveHdlcTcp(sim, { host: '127.0.0.1', port: 0 });
}

/** Segmentation bit S of each HDLC frame of a list. */
const segmented = (frames: readonly Uint8Array[]): number =>
  frames.filter((f) => f[0] === 0x7e && (f[1]! & 0x08) !== 0).length;

const dir = mkdtempSync(join(tmpdir(), 'replay-hdlc-seg-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('segmented HDLC session: reassembled, re-ciphered and segmented again for the device', async (t) => {
  const recorder = await serve(40);
  const sink = collectingSink();
  const client = await DlmsClient.connect({
    connection: {
      type: 'hdlc-tcp',
      host: '127.0.0.1',
      port: recorder.port,
      clientAddress: 1,
      logicalAddress: 1,
      physicalAddress: 17,
      hdlcCapabilities: { maxInfoFieldLengthTransmit: 40, maxInfoFieldLengthReceive: 40 },
    },
    authentication: { mechanism: 5 },
    security: {
      context: new SecurityContext({
        suite: 0,
        systemTitle: fromHex(SIMULATOR_KEYS.clientSystemTitle),
        globalUnicastEncryptionKey: fromHex(SIMULATOR_KEYS.ek),
        authenticationKey: fromHex(SIMULATOR_KEYS.ak),
        invocationCounters: { 'global-unicast-encryption-key': 1 },
      }),
    },
    capture: sink.sink,
    timeoutMs: 5000,
  });
  try {
    await client.get('1-0:1.8.0.255', { classId: 3 });
    await client.get('1-0:2.8.0.255', { classId: 3 });
    await client.get('0-0:1.0.0.255', { classId: 8, attribute: 2 });
    await client.release();
  } finally {
    await client.close();
    await recorder.close();
  }
  const file = join(dir, 'segmented.pcapng');
  writeFileSync(file, sink.bytes());
  const steps = await buildReplayScript(frameSession(readSession(file)));
  const requests = steps.map((s) => s.request);
  const answers = steps.flatMap((s) => s.answers);
  t.ok(segmented(requests) > 0, 'the capture has segmented requests');
  t.ok(segmented(answers) > 0, 'the capture has segmented answers');

  // reassembly of the script: no segment left, fewer steps, each whole APDU in one I frame
  const merged = mergeHdlcSegments(steps);
  t.equal(segmented(merged.map((s) => s.request)), 0, 'requests reassembled');
  t.equal(segmented(merged.flatMap((s) => s.answers)), 0, 'answers reassembled');
  t.ok(merged.length < steps.length, 'segment and RR steps absorbed');
  const aarq = merged.find((s) => {
    const f = decodeHdlcFrame(s.request);
    return f.type === 'i' && f.information[0] === 0x60;
  });
  t.ok(aarq !== undefined && decodeHdlcFrame(aarq.request).information.length > 40, 'the whole AARQ');

  for (const max of [24, 64]) {
    const device = await serve(max);
    // a device that negotiates a smaller field than the capture's 40 answers the SNRM with its own
    // values: a real difference, masked here so the rest of the session is compared
    const withUa = max < 40 ? [...masks, 'frame.parameters.*.value'] : masks;
    const replay = async (adapter: ReplayAdapter, m = withUa) => {
      const transport = await connectTarget(`tcp://127.0.0.1:${device.port}`);
      try {
        return await replaySession(steps, { transport, keys, adapter, masks: m, timeoutMs: 1500 });
      } finally {
        await transport.close();
      }
    };
    try {
      const stale = await replay(new ReplayAdapter({ keys, reCipher: false, hls: false }));
      t.not(stale.verdict, 'PASS', `max ${max}: as captured the meter refuses the replayed counters`);
      const r = await replay(new ReplayAdapter({ keys, invocationCounter: 100 + max * 10 }));
      t.equal(
        r.verdict,
        'PASS',
        `max ${max}: ${r.steps
          .filter((s) => s.verdict !== 'PASS')
          .map((s) => `${s.frame}: ${s.message ?? ''} ${s.differences.join('; ')}`)
          .join('\n')}`,
      );
      if (max < 40) {
        const unmasked = await replay(new ReplayAdapter({ keys, invocationCounter: 2000 }), masks);
        const failed = unmasked.steps.filter((s) => s.verdict !== 'PASS');
        t.equal(failed.length, 1, 'without the mask only the UA differs');
        t.match(failed[0]?.differences.join('; '), /frame\.parameters\.0\.value: expected 40, got 24/);
      }
      t.ok((r.adaptations.dlms.reciphered ?? 0) >= 3, `max ${max}: AARQ and requests re-ciphered`);
      t.equal(r.adaptations.dlms.hlsResponses, 1, `max ${max}: f(StoC) for the new challenge`);
      t.ok((r.adaptations.dlms.segmentedRequests ?? 0) > 0, `max ${max}: requests sent in segments`);
      t.ok((r.adaptations.dlms.segmentedAnswers ?? 0) > 0, `max ${max}: answers received in segments`);
      // every segment the replay sent fits the device's maximum information field
      for (const s of r.steps) {
        const bytes = Buffer.from(s.sent, 'hex');
        let at = 0;
        while (at < bytes.length) {
          const len = ((bytes[at + 1]! & 0x07) << 8) | bytes[at + 2]!;
          const f = decodeHdlcFrame(new Uint8Array(bytes.subarray(at, at + len + 2)), { llc: false });
          t.ok(f.information.length <= max, `segment within ${max} octets`);
          at += len + 2;
        }
      }
    } finally {
      await device.close();
    }
  }
});

const A = { destination: { upper: 1, lower: 17, size: 4 }, source: { upper: 16, size: 1 } } as const;
const iFrame = (n: number, info: Uint8Array, segmented: boolean): Uint8Array =>
  encodeHdlcFrame({ type: 'i', ...A, sendSequence: n, receiveSequence: 0, information: info, segmented });

t.test('mergeHdlcSegments: other protocols untouched, a chain too long for one frame kept', async (t) => {
  const other = [
    { frame: 1, protocol: 'c1222' as const, request: Uint8Array.of(1), answers: [Uint8Array.of(2)] },
  ];
  t.same(mergeHdlcSegments(other), other);
  const big = new Uint8Array(1000).fill(0xaa);
  const steps = [0, 1, 2].map((n) => ({
    frame: n + 1,
    protocol: 'dlms' as const,
    request: iFrame(n, big, n < 2),
    answers: [],
  }));
  const merged = mergeHdlcSegments(steps);
  t.equal(merged.length, 3, 'three segments of 1000 octets do not fit one frame: sent as captured');
  t.equal(segmented(merged.map((s) => s.request)), 2);
});

t.test('HdlcReplayLink: a segment answered by something else than RR, an answer cut short', async (t) => {
  const link = new HdlcReplayLink();
  const sent: Uint8Array[] = [];
  const write = async (b: Uint8Array) => {
    sent.push(b);
  };
  const dm = encodeHdlcFrame({ type: 'dm', destination: A.source, source: A.destination, pollFinal: true });
  // 200 octets with the default 128-octet maximum: two segments, the first answered with DM
  await t.rejects(
    link.send(iFrame(0, new Uint8Array(200), false), write, async () => dm),
    { code: ErrorCode.ValueInvalid },
  );
  t.equal(sent.length, 1, 'stopped after the first segment');
  t.equal(link.counts.segmentedRequests, 1);
  // a segmented answer whose next segment never comes (the device sends DM): handed on as received
  const first = encodeHdlcFrame({
    type: 'i',
    destination: A.source,
    source: A.destination,
    sendSequence: 0,
    receiveSequence: 1,
    information: Uint8Array.of(0xe6, 0xe7, 0x00, 0xc4, 0x01),
    segmented: true,
  });
  const reads = [first, dm];
  const got = await link.receive(async () => reads.shift()!, write);
  t.equal(got.length, 2, 'the segment and the DM');
  t.equal(decodeHdlcFrame(sent[sent.length - 1]!).type, 'rr', 'the next segment was asked for with RR');
  // an RR the capture sent on its own is renumbered with the link's N(R)
  const rr = encodeHdlcFrame({ type: 'rr', ...A, pollFinal: true, receiveSequence: 5 });
  const out = await link.send(rr, write, async () => dm);
  const f = decodeHdlcFrame(out);
  t.equal(f.type === 'rr' ? f.receiveSequence : -1, 1);
});
