/**
 * Records the corpus's simulator sessions: meterkit's own clients against its own simulators on
 * loopback (DLMS wrapper and HDLC over TCP, C12.22 modes 0 and 2, IEEE 2030.5 plain HTTP), each
 * through the real client's capture path, plus deliberately broken variants made from them. The
 * run is reproducible: the clock (`Date.now`) and the CSPRNG (`crypto.randomBytes`, used for HLS
 * challenges) are replaced by fixed, seeded ones before anything else loads, and the servers listen
 * on fixed loopback ports. Then run `corpus:update` to write expected.json.
 *
 *   node --conditions=meterkit-source --import tsx scripts/record-corpus.ts [--port-base 4059]
 */
import crypto from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// --- determinism first: a fixed clock and a seeded random source (xorshift32) ---
let seed = 0x2026_1123;
function seeded(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    b[i] = seed & 0xff;
  }
  return b;
}
crypto.randomBytes = ((n: number, cb?: (e: Error | null, b: Buffer) => void) => {
  const b = seeded(n);
  if (cb !== undefined) {
    cb(null, b);
    return undefined;
  }
  return b;
}) as typeof crypto.randomBytes;
syncBuiltinESMExports();
let clock = Date.UTC(2026, 10, 23, 9, 0, 0);
Date.now = () => {
  clock += 3;
  return clock;
};

const { recordDlmsSession, SIMULATOR_KEYS, startDlmsSimulator } = await import(
  '../src/corpus/record-dlms.js'
);
const { ansiMeterProfile, recordC1222Session, startAnsiMeter } = await import(
  '../src/corpus/record-c1222.js'
);
const { recordSepSession, startSepScenario } = await import('../src/corpus/record-sep.js');
const { frameSession } = await import('../src/session/frame-session.js');
const { readSession } = await import('../src/session/read-session.js');
const { mutateMessages } = await import('../src/corpus/mutate.js');

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', 'corpus');
const args = process.argv.slice(2);
const portBase = Number(args[args.indexOf('--port-base') + 1] ?? 4059) || 4059;

async function writeCase(
  protocol: string,
  name: string,
  files: Record<string, Uint8Array | string>,
  readme: string,
): Promise<void> {
  const dir = join(root, protocol, name);
  // expected.json stays: corpus:update then shows what changed
  const expected = await readFile(join(dir, 'expected.json')).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  if (expected !== undefined) await writeFile(join(dir, 'expected.json'), expected);
  for (const [f, content] of Object.entries(files)) await writeFile(join(dir, f), content);
  await writeFile(join(dir, 'README.md'), `${readme.trim()}\n`);
  process.stdout.write(`${protocol}/${name}\n`);
}

const tmp = join(root, '..', '.record-tmp');
await mkdir(tmp, { recursive: true });
async function messagesOf(capture: Uint8Array) {
  const file = join(tmp, 'capture.pcapng');
  await writeFile(file, capture);
  const out = [];
  for await (const m of frameSession(readSession(file))) if (m.type === 'message') out.push(m);
  return out;
}

const PROVENANCE = `Provenance: recorded by \`conformance/scripts/record-corpus.ts\` (meterkit's own client
against meterkit's own simulator on loopback, fixed clock and seeded challenges, so a re-run gives
the same bytes).`;

const dlmsKeys = JSON.stringify(
  {
    dlms: [
      { systemTitle: SIMULATOR_KEYS.clientSystemTitle, ek: SIMULATOR_KEYS.ek, ak: SIMULATOR_KEYS.ak },
      { systemTitle: SIMULATOR_KEYS.serverSystemTitle, ek: SIMULATOR_KEYS.ek, ak: SIMULATOR_KEYS.ak },
    ],
  },
  null,
  2,
);
const mech2Keys = JSON.stringify(
  { dlms: [{ systemTitle: SIMULATOR_KEYS.serverSystemTitle, hlsSecret: SIMULATOR_KEYS.hlsSecret }] },
  null,
  2,
);

// --- DLMS ---
for (const framing of ['wrapper', 'hdlc'] as const) {
  const sim = await startDlmsSimulator({ framing, port: framing === 'wrapper' ? portBase : portBase + 1 });
  try {
    const mgmt = await recordDlmsSession({ framing, port: sim.port, client: 'management' });
    await writeCase(
      'dlms',
      `sim-${framing}-hls-gmac`,
      { 'capture.pcapng': mgmt, 'keyring.json': `${dlmsKeys}\n` },
      `# Simulator session: ${framing === 'wrapper' ? 'wrapper over TCP (IEC 62056-47)' : 'HDLC over TCP (IEC 62056-46)'}, HLS-GMAC, suite 0

The management client (SAP 1) associates with HLS-GMAC (mechanism 5) and a ciphered
application context (security suite 0), reads 1-0:1.8.0, 1-0:2.8.0 and the clock with glo-
APDUs, and releases. With the published simulator test keys (\`keyring.json\`, never real keys)
every tag, counter and HLS response verifies: a clean run.

${PROVENANCE}`,
    );
    if (framing === 'hdlc') {
      const pub = await recordDlmsSession({ framing, port: sim.port, client: 'public' });
      await writeCase(
        'dlms',
        'sim-hdlc-public',
        { 'capture.pcapng': pub },
        `# Simulator session: HDLC over TCP, public client

SNRM/UA, the public client (SAP 16, no authentication) associates, reads the energy registers and
the clock, releases, DISC/UA: a clean run for HDLC framing, sequence numbers and the session rules.

${PROVENANCE}`,
      );
    } else {
      const pub = await recordDlmsSession({ framing, port: sim.port, client: 'public', profile: true });
      await writeCase(
        'dlms',
        'sim-wrapper-public-blocks',
        { 'capture.pcapng': pub },
        `# Simulator session: wrapper over TCP, public client, load profile in blocks

The public client (SAP 16, no authentication, client-max-receive-pdu-size 512) reads registers, the
clock and 96 entries of the load profile 1-0:99.1.0.255, which the simulator answers with
get-response-with-datablock blocks 1, 2, 3 … acknowledged by get-request-next: a clean run for the
block-numbering rule (IEC 62056-5-3 §9.3.5).

${PROVENANCE}`,
      );
      const msgs = await messagesOf(pub);
      // the second get-response-with-datablock says block 3 where 2 is due
      let seen = 0;
      const broken = mutateMessages(msgs, (m) => {
        const b = m.bytes;
        if (m.direction !== 'server-to-client' || b[8] !== 0xc4 || b[9] !== 0x02) return undefined;
        seen++;
        if (seen !== 2) return undefined;
        const c = b.slice();
        c[15] = c[15]! + 1;
        return c;
      });
      await writeCase(
        'dlms',
        'broken-block-number',
        { 'capture.hex': broken, 'options.json': '{ "protocol": "dlms" }\n' },
        `# Broken: a skipped block number (get-response-with-datablock)

The session of \`sim-wrapper-public-blocks\`; the second get-response-with-datablock then had its block-number raised by one (2 → 3),
so DLMS-SESSION-BLOCK-NUMBER fails there (IEC 62056-5-3 §9.3.5) and the client's next
get-request-next acknowledges a block the server never sent by that number.

${PROVENANCE} The capture is written as a hex log with the recorded times.`,
      );
      const m2 = await recordDlmsSession({ framing, port: sim.port, client: 'hls-aes' });
      await writeCase(
        'dlms',
        'sim-wrapper-hls-mechanism-2',
        { 'capture.pcapng': m2, 'keyring.json': `${mech2Keys}\n` },
        `# Simulator session: HLS mechanism 2 (AES-ECB of the challenge)

A client of the simulator's \`hls-aes\` association (SAP 2, HLS mechanism 2 with a test secret)
associates, answers the server's challenge, reads and releases. The keyring's \`hlsSecret\` (a test
secret, never a real one) lets DLMS-SECURITY-HLS verify f(StoC) and f(CtoS): a clean run.

${PROVENANCE}`,
      );
      const bad = mutateMessages(await messagesOf(m2), (m) => {
        const b = m.bytes;
        // the client's reply_to_HLS_authentication: change the last octet of f(StoC)
        if (m.direction !== 'client-to-server' || b[8] !== 0xc3 || b[12] !== 0x0f) return undefined;
        const c = b.slice();
        c[c.length - 1] = c[c.length - 1]! ^ 0x5a;
        return c;
      });
      await writeCase(
        'dlms',
        'broken-hls-mechanism-2',
        { 'capture.hex': bad, 'keyring.json': `${mech2Keys}\n`, 'options.json': '{ "protocol": "dlms" }\n' },
        `# Broken: a wrong HLS mechanism-2 response

The mechanism-2 session of \`sim-wrapper-hls-mechanism-2\` with the last octet of the client's
f(StoC) changed: DLMS-SECURITY-HLS fails on the client's pass-3 response (IEC 62056-5-3 §9.2.2.2).
The server's answer is left as recorded.

${PROVENANCE} The capture is written as a hex log with the recorded times.`,
      );
    }
  } finally {
    await sim.close();
  }
}

// --- C12.22 ---
{
  const meter = await startAnsiMeter({ port: portBase + 2 });
  try {
    let n = 0x0a000000;
    const iv = () => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n++ & 0xff);
    const key = ansiMeterProfile().keys?.['0'] ?? '';
    const c1222Keys = `${JSON.stringify({ c1222: [{ keyId: 0, key }] }, null, 2)}\n`;
    for (const mode of [0, 2] as const) {
      const cap = await recordC1222Session({
        port: meter.port,
        mode,
        iv,
        firstInvocationId: 100 + mode * 100,
      });
      await writeCase(
        'c1222',
        `sim-mode${mode}`,
        { 'capture.pcapng': cap, ...(mode === 2 ? { 'keyring.json': c1222Keys } : {}) },
        `# Simulator session: C12.22 over TCP, security mode ${mode}

The C12.22 client against the simulated ANSI meter: identification, full read of table 1,
partial read of table 23, two reads in one message, logoff. ${
          mode === 2
            ? "Mode 2: every EPSEM is EAX'-encrypted and authenticated with key 0 of the simulator profile (a published test key in `keyring.json`)."
            : 'Mode 0: cleartext.'
        } A clean run.

${PROVENANCE}`,
      );
      if (mode === 2) {
        let first = true;
        const bad = mutateMessages(await messagesOf(cap), (m) => {
          if (m.direction !== 'client-to-server' || !first) return undefined;
          first = false;
          const c = m.bytes.slice();
          c[c.length - 6] = c[c.length - 6]! ^ 0x01;
          return c;
        });
        await writeCase(
          'c1222',
          'broken-mode2-mac',
          { 'capture.hex': bad, 'keyring.json': c1222Keys, 'options.json': '{ "protocol": "c1222" }\n' },
          `# Broken: a mode-2 request whose ciphertext was changed

The mode-2 session of \`sim-mode2\` with one ciphertext bit of the first request flipped: its EAX'
MAC no longer verifies (C1222-EAX-MAC and C1222-DECODE fail there, IEEE 1703 §5.3.5, Annex I).
The meter's answer is left as recorded.

${PROVENANCE} The capture is written as a hex log with the recorded times.`,
        );
      }
    }
  } finally {
    await meter.close();
  }
}

// --- IEEE 2030.5 ---
{
  const clean = await startSepScenario();
  const cap = await recordSepSession(clean);
  await clean.close();
  await writeCase(
    'ieee2030-5',
    'sim-der-event-responses',
    { 'capture.pcapng': cap },
    `# Simulator session: 2030.5 DER client, plain HTTP, one curtailment event

The DER client against the test server (plain HTTP on loopback, through a recording proxy that
names the client in \`x-sep-lfdi\`): discovery, time, in-band registration, program poll, then
ticks at the event's start and end. It POSTs Event Received, Started and Completed Responses when
due (SEP-EVENT-RESPONSE passes). Capture times are the scenario's virtual clock (2025-06-15).

${PROVENANCE}`,
  );
  const late = await startSepScenario();
  const lateCap = await recordSepSession(late, { lateStartSeconds: 20 });
  await late.close();
  await writeCase(
    'ieee2030-5',
    'broken-late-event-response',
    { 'capture.pcapng': lateCap },
    `# Broken: Event Started sent 20 s late

The session of \`sim-der-event-responses\`, but the client wakes 20 s after the event's start, so
its Event Started Response is 15 s beyond the 5 s tolerance: SEP-EVENT-RESPONSE fails
(IEEE 2030.5-2018 §12.1.3).

${PROVENANCE}`,
  );
}

await rm(tmp, { recursive: true, force: true });
