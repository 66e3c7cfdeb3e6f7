/**
 * Live replay adaptation against the simulated ANSI meter over C12.22/TCP (IEEE 1703 §5.3.4):
 * a mode-2 session recorded through the real client is replayed against a meter that refuses a
 * repeated IV and invocation id. As captured, every request is refused; with fresh IVs and
 * calling-AP-invocation-ids, EAX'-sealed again with the keyring's key, the replay passes. Fresh
 * values without the key cannot be sealed, and the meter then refuses them too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeC1222Message } from '@meterkit/c1222';
import { fromHex, toHex } from '@meterkit/core';
import t from 'tap';
import { ansiMeterProfile, recordC1222Session, startAnsiMeter } from '../src/corpus/record-c1222.js';
import { Keyring } from '../src/keyring.js';
import { ReplayAdapter } from '../src/replay/adapt.js';
import { connectTarget } from '../src/replay/command.js';
import { replaySession } from '../src/replay/replay.js';
import { buildReplayScript } from '../src/replay/script.js';
import { frameSession } from '../src/session/frame-session.js';
import { readSession } from '../src/session/read-session.js';

const dir = mkdtempSync(join(tmpdir(), 'replay-c1222-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const keys = Keyring.parse(JSON.stringify({ c1222: [{ keyId: 0, key: ansiMeterProfile().keys!['0'] }] }));

for (const mode of [1, 2] as const) {
  t.test(`mode ${mode}: fresh IVs and invocation ids, re-sealed, make the replay pass`, async (t) => {
    const meter = await startAnsiMeter({ refuseReplays: true });
    t.teardown(() => meter.close());
    const file = join(dir, `mode${mode}.pcapng`);
    writeFileSync(file, await recordC1222Session({ port: meter.port, mode }));
    const steps = await buildReplayScript(frameSession(readSession(file)));
    t.equal(steps.length, 5);
    const replay = async (adapter: ReplayAdapter) => {
      const transport = await connectTarget(`tcp://127.0.0.1:${meter.port}`);
      try {
        return await replaySession(steps, { transport, keys, adapter, timeoutMs: 700 });
      } finally {
        await transport.close();
      }
    };
    const raw = await replay(new ReplayAdapter({ keys, c1222: false }));
    t.not(raw.verdict, 'PASS', 'as captured: every IV was used before, the meter refuses');

    let counter = 0x01000000;
    const iv = () => fromHex((counter++).toString(16).padStart(8, '0'));
    const adapter = new ReplayAdapter({ keys, c1222InvocationId: 500, c1222Iv: iv });
    const adapted = await replay(adapter);
    t.equal(
      adapted.verdict,
      'PASS',
      adapted.steps
        .map((s) => `${s.frame}: ${s.verdict} ${s.message ?? ''} ${s.differences.join('; ')}`)
        .join('\n'),
    );
    t.same(adapted.adaptations.c1222, { invocationIds: 5, resealed: 5, skipped: 0 });
    const sent = decodeC1222Message(fromHex(adapted.steps[0]!.sent), {});
    t.equal(
      Number(sent.acse.callingApInvocationId),
      500,
      'the first request carries the fresh invocation id',
    );
    t.equal(
      toHex((sent.acse.callingAuthenticationValue as { iv: Uint8Array }).iv),
      '01000000',
      'and a fresh IV',
    );

    const keyless = await replay(new ReplayAdapter({ c1222InvocationId: 900 }));
    t.not(keyless.verdict, 'PASS', 'without the key nothing can be re-sealed');
    t.match(keyless.adaptations.problems.join('\n'), /no key for a mode|does not verify/);
  });
}

t.test('mode 0: only the invocation ids change, and the meter answers them', async (t) => {
  const meter = await startAnsiMeter();
  t.teardown(() => meter.close());
  const file = join(dir, 'mode0.pcapng');
  writeFileSync(file, await recordC1222Session({ port: meter.port, mode: 0 }));
  const steps = await buildReplayScript(frameSession(readSession(file)));
  const transport = await connectTarget(`tcp://127.0.0.1:${meter.port}`);
  const r = await replaySession(steps, { transport, adapter: new ReplayAdapter({ c1222InvocationId: 7 }) });
  await transport.close();
  t.equal(r.verdict, 'PASS');
  t.same(r.adaptations.c1222, { invocationIds: 5, resealed: 0, skipped: 0 });
});
