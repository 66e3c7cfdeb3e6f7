/**
 * Live replay adaptation against the DLMS simulator on loopback (IEC 62056-5-3): a management
 * session (HLS-GMAC, suite 0 ciphering) recorded through the real client is replayed against a
 * simulator that checks invocation counters across associations, as a real meter does. The replay
 * passes only because the client APDUs are re-ciphered with fresh invocation counters and f(StoC)
 * is computed for the simulator's new challenge; without either it fails. Also HLS mechanism 2.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { recordDlmsSession, SIMULATOR_KEYS, startDlmsSimulator } from '../src/corpus/record-dlms.js';
import { Keyring } from '../src/keyring.js';
import { ReplayAdapter } from '../src/replay/adapt.js';
import { connectTarget, replayCommandMain } from '../src/replay/command.js';
import { DEFAULT_REPLAY_MASKS } from '../src/replay/compare.js';
import { replaySession } from '../src/replay/replay.js';
import { buildReplayScript } from '../src/replay/script.js';
import { frameSession } from '../src/session/frame-session.js';
import { readSession } from '../src/session/read-session.js';

/** f(CtoS) in the answer to HLS pass 3 depends on the server's own counter: volatile. */
const masks = [...DEFAULT_REPLAY_MASKS, 'apdu.singleResponse.returnParameters.data.value'];

const dir = mkdtempSync(join(tmpdir(), 'replay-dlms-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const rawKeys = {
  dlms: [
    { systemTitle: SIMULATOR_KEYS.clientSystemTitle, ek: SIMULATOR_KEYS.ek, ak: SIMULATOR_KEYS.ak },
    { systemTitle: SIMULATOR_KEYS.serverSystemTitle, ek: SIMULATOR_KEYS.ek, ak: SIMULATOR_KEYS.ak },
  ],
};
const keys = Keyring.parse(JSON.stringify(rawKeys));

for (const framing of ['wrapper', 'hdlc'] as const) {
  t.test(
    `HLS-GMAC + suite 0 over ${framing}: re-ciphering and the HLS answer make the replay pass`,
    async (t) => {
      const sim = await startDlmsSimulator({ framing, realMeterCounters: true });
      t.teardown(() => sim.close());
      const file = join(dir, `${framing}.pcapng`);
      writeFileSync(
        file,
        await recordDlmsSession({ framing, port: sim.port, client: 'management', clock: false }),
      );
      const steps = await buildReplayScript(frameSession(readSession(file)));
      t.ok(steps.length >= 5, 'association, HLS pass 3, reads, release');
      const replay = async (adapter: ReplayAdapter) => {
        const transport = await connectTarget(`tcp://127.0.0.1:${sim.port}`);
        try {
          return await replaySession(steps, { transport, keys, adapter, masks, timeoutMs: 1500 });
        } finally {
          await transport.close();
        }
      };

      const raw = await replay(new ReplayAdapter({ keys, reCipher: false, hls: false }));
      // each replay below starts its counters well beyond the previous one's
      t.not(raw.verdict, 'PASS', 'as captured: the meter refuses the replayed counters / stale f(StoC)');

      const noHls = await replay(new ReplayAdapter({ keys, hls: false, invocationCounter: 100 }));
      t.not(
        noHls.verdict,
        'PASS',
        'fresh counters alone: f(StoC) answers the captured challenge, not the new one',
      );

      const adapted = await replay(new ReplayAdapter({ keys, invocationCounter: 200 }));
      t.equal(
        adapted.verdict,
        'PASS',
        adapted.steps
          .filter((s) => s.verdict !== 'PASS')
          .map((s) => `${s.frame}: ${s.message ?? ''} ${s.differences.join('; ')}`)
          .join('\n'),
      );
      t.equal(adapted.adaptations.dlms.hlsResponses, 1, 'f(StoC) computed for the new challenge');
      t.ok((adapted.adaptations.dlms.reciphered ?? 0) >= 4, 'AARQ, pass 3 and the requests re-ciphered');
      t.same(adapted.adaptations.problems, []);
      const stale = await replay(new ReplayAdapter({ keys, invocationCounter: 200 }));
      t.not(stale.verdict, 'PASS', 'counters the meter has seen are refused again');
    },
  );
}

for (const form of ['ded', 'general-glo', 'general-ded'] as const) {
  t.test(
    `${form} ciphering: re-ciphered with fresh counters (the dedicated key from the AARQ)`,
    async (t) => {
      const sim = await startDlmsSimulator({ framing: 'wrapper', realMeterCounters: true });
      t.teardown(() => sim.close());
      const file = join(dir, `${form}.pcapng`);
      writeFileSync(
        file,
        await recordDlmsSession({
          framing: 'wrapper',
          port: sim.port,
          client: 'management',
          clock: false,
          form,
        }),
      );
      const steps = await buildReplayScript(frameSession(readSession(file)));
      const replay = async (adapter: ReplayAdapter) => {
        const transport = await connectTarget(`tcp://127.0.0.1:${sim.port}`);
        try {
          return await replaySession(steps, { transport, keys, adapter, masks, timeoutMs: 1500 });
        } finally {
          await transport.close();
        }
      };
      t.not((await replay(new ReplayAdapter({ keys, reCipher: false, hls: false }))).verdict, 'PASS');
      const ok = await replay(new ReplayAdapter({ keys, invocationCounter: 500 }));
      t.equal(
        ok.verdict,
        'PASS',
        ok.steps
          .map((s) => `${s.frame}: ${s.verdict} ${s.message ?? ''} ${s.differences.join('; ')}`)
          .join('\n'),
      );
      t.same(ok.adaptations.problems, []);
    },
  );
}

t.test('HLS mechanism 2: the AES-ECB answer to the new challenge', async (t) => {
  const sim = await startDlmsSimulator({ framing: 'wrapper' });
  t.teardown(() => sim.close());
  const file = join(dir, 'm2.pcapng');
  writeFileSync(
    file,
    await recordDlmsSession({ framing: 'wrapper', port: sim.port, client: 'hls-aes', clock: false }),
  );
  const steps = await buildReplayScript(frameSession(readSession(file)));
  const m2keys = Keyring.parse(
    JSON.stringify({
      dlms: [{ systemTitle: SIMULATOR_KEYS.serverSystemTitle, hlsSecret: SIMULATOR_KEYS.hlsSecret }],
    }),
  );
  const replay = async (adapter: ReplayAdapter) => {
    const transport = await connectTarget(`tcp://127.0.0.1:${sim.port}`);
    try {
      return await replaySession(steps, { transport, keys: m2keys, adapter, masks, timeoutMs: 1500 });
    } finally {
      await transport.close();
    }
  };
  t.not((await replay(new ReplayAdapter({ keys: m2keys, hls: false }))).verdict, 'PASS');
  const ok = await replay(new ReplayAdapter({ keys: m2keys }));
  t.equal(
    ok.verdict,
    'PASS',
    ok.steps.map((s) => `${s.frame}: ${s.verdict} ${s.message ?? ''} ${s.differences.join('; ')}`).join('\n'),
  );
  t.equal(ok.adaptations.dlms.hlsResponses, 1);
  const none = await replay(new ReplayAdapter());
  t.match(none.adaptations.problems.join('\n'), /no keys for HLS mechanism 2/);
});

t.test(
  'meterkit replay with a keyring file adapts by default; the adapter reports what it cannot do',
  async (t) => {
    const sim = await startDlmsSimulator({ framing: 'hdlc', realMeterCounters: true });
    t.teardown(() => sim.close());
    const file = join(dir, 'cmd.pcapng');
    writeFileSync(
      file,
      await recordDlmsSession({ framing: 'hdlc', port: sim.port, client: 'management', clock: false }),
    );
    const keyFile = join(dir, 'keys.json');
    writeFileSync(keyFile, JSON.stringify(rawKeys));
    const out: string[] = [];
    const io = { stdout: (x: string) => out.push(x), stderr: (x: string) => out.push(x) };
    const code = await replayCommandMain(
      {
        captures: [file],
        against: `tcp://127.0.0.1:${sim.port}`,
        keys: keyFile,
        masks: [masks.at(-1)!],
        timeoutMs: 1500,
      },
      io,
    );
    t.equal(code, 0, out.join(''));
    t.match(out.join(''), /adapted: .*reciphered \d+.*hlsResponses 1/);
    t.notMatch(out.join(''), new RegExp(SIMULATOR_KEYS.ek), 'no key in the output');
    const again = await replayCommandMain(
      {
        captures: [file],
        against: `tcp://127.0.0.1:${sim.port}`,
        keys: keyFile,
        noAdapt: true,
        timeoutMs: 700,
      },
      io,
    );
    t.equal(again, 1, 'sent as captured, the meter refuses the counters it has seen');
    const later = await replayCommandMain(
      {
        captures: [file],
        against: `tcp://127.0.0.1:${sim.port}`,
        keys: keyFile,
        invocationCounter: 5000,
        masks: [masks.at(-1)!],
        timeoutMs: 1500,
      },
      io,
    );
    t.equal(later, 0, 'adapted again with counters beyond those the meter has seen');

    const steps = await buildReplayScript(frameSession(readSession(file)));
    const keyless = new ReplayAdapter();
    for (const s of steps) keyless.adapt('dlms', s.request);
    t.match(keyless.summary().problems.join('\n'), /no EK for the client system title/);
    t.ok(keyless.summary().dlms.skipped! > 0);
  },
);

t.test('HLS mechanism 7 (ECDSA, suite 1): f(StoC) signed with the client key from the keyring', async (t) => {
  const client = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const server = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = (k: typeof client.privateKey, type: 'pkcs8' | 'spki') =>
    k.export({ format: 'pem', type }).toString();
  const sim = await startDlmsSimulator({
    framing: 'wrapper',
    ecdsa: {
      serverSigningKeyPem: pem(server.privateKey, 'pkcs8'),
      clientPublicKeyPem: pem(client.publicKey, 'spki'),
    },
  });
  t.teardown(() => sim.close());
  const file = join(dir, 'm7.pcapng');
  writeFileSync(
    file,
    await recordDlmsSession({
      framing: 'wrapper',
      port: sim.port,
      client: 'hls-ecdsa',
      clock: false,
      ecdsa: { clientSigningKey: client.privateKey, serverPublicKey: server.publicKey },
    }),
  );
  const steps = await buildReplayScript(frameSession(readSession(file)));
  const m7keys = Keyring.parse(
    JSON.stringify({
      dlms: [
        {
          systemTitle: SIMULATOR_KEYS.clientSystemTitle,
          ek: SIMULATOR_KEYS.ek,
          ak: SIMULATOR_KEYS.ak,
          signingKey: pem(client.privateKey, 'pkcs8'),
        },
        { systemTitle: SIMULATOR_KEYS.serverSystemTitle, ek: SIMULATOR_KEYS.ek, ak: SIMULATOR_KEYS.ak },
      ],
    }),
  );
  t.notMatch(JSON.stringify(m7keys), /PRIVATE/, 'the private key never prints');
  const replay = async (adapter: ReplayAdapter) => {
    const transport = await connectTarget(`tcp://127.0.0.1:${sim.port}`);
    try {
      return await replaySession(steps, { transport, keys: m7keys, adapter, masks, timeoutMs: 1500 });
    } finally {
      await transport.close();
    }
  };
  t.not((await replay(new ReplayAdapter({ keys: m7keys, hls: false }))).verdict, 'PASS');
  const ok = await replay(new ReplayAdapter({ keys: m7keys }));
  t.equal(
    ok.verdict,
    'PASS',
    ok.steps.map((s) => `${s.frame}: ${s.verdict} ${s.message ?? ''} ${s.differences.join('; ')}`).join('\n'),
  );
  t.equal(ok.adaptations.dlms.hlsResponses, 1, ok.adaptations.problems.join('; '));
  const without = await replay(new ReplayAdapter({ keys, invocationCounter: 50 }));
  t.not(without.verdict, 'PASS');
  t.match(without.adaptations.problems.join('\n'), /mechanism 7 needs the client's signingKey/);
  t.throws(() => Keyring.parse('{"dlms":[{"systemTitle":"4d4b540000000042","signingKey":"nope"}]}'), {
    code: 600,
  });
});
