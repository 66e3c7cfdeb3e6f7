// `meterkit dlms --auth hls|hls-md5|hls-sha1|hls-sha256` (HLS mechanisms 2, 3, 4 and 6, IEC
// 62056-5-3 §9.2.2.2) as subprocesses against `meterkit simulate dlms --profile` with one
// association per mechanism: the right secret reads the register, a wrong one exits 4.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { DEFAULT_SIMULATOR_PROFILE } from '../src/commands/dlms-api.js';
import { hasStack, meterkit, portOf, startSimulator } from './subprocess-helpers.js';

// Many Node subprocesses: allow for a loaded machine (each start compiles the sources through tsx).
t.setTimeout(600_000);

const SECRET = '6d6b2d686c732d7365637265742d3031';
const WRONG = '6d6b2d686c732d7365637265742d3030';

/** Client SAP, `--auth` name and mechanism id of each association the profile adds. */
const MECHANISMS = [
  { sap: 40, auth: 'hls', mechanism: 2 },
  { sap: 41, auth: 'hls-md5', mechanism: 3 },
  { sap: 42, auth: 'hls-sha1', mechanism: 4 },
  { sap: 43, auth: 'hls-sha256', mechanism: 6 },
] as const;

const dir = mkdtempSync(join(tmpdir(), 'meterkit-hls-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const profilePath = join(dir, 'hls-meter.json');
writeFileSync(
  profilePath,
  JSON.stringify({
    ...DEFAULT_SIMULATOR_PROFILE,
    name: 'hls meter',
    associations: [
      ...DEFAULT_SIMULATOR_PROFILE.associations,
      ...MECHANISMS.map((m) => ({
        clientSap: m.sap,
        name: m.auth,
        mechanism: m.mechanism,
        secret: SECRET,
        defaultAccess: 'read-only',
      })),
    ],
  }),
);

const sim = await startSimulator(
  ['simulate', 'dlms', '--tcp', '127.0.0.1:0', '--profile', profilePath],
  /SAP 43 hls-sha256/,
);
const TCP = `127.0.0.1:${portOf(sim.stdout(), 'tcp')}`;
t.teardown(() => sim.stop());

for (const m of MECHANISMS) {
  t.test(`--auth ${m.auth} (mechanism ${m.mechanism})`, async (t) => {
    const args = ['dlms', 'get', '--tcp', TCP, '--client-sap', String(m.sap), '--auth', m.auth];
    const [ok, fromEnv, wrong, missing] = await Promise.all([
      meterkit([...args, '--key', `hls=${SECRET}`, '--json', '1-0:1.8.0.255']),
      meterkit([...args, '1-0:2.8.0.255'], { env: { METERKIT_KEY_HLS: SECRET } }),
      meterkit([...args, '--key', `hls=${WRONG}`, '1-0:1.8.0.255']),
      meterkit([...args, '1-0:1.8.0.255']),
    ]);
    t.equal(ok.status, 0, ok.stderr);
    t.match(JSON.parse(ok.stdout), { obis: '1-0:1.8.0.255', classId: 3, unit: 'Wh', scaled: Number });
    t.equal(fromEnv.status, 0, fromEnv.stderr);
    t.match(fromEnv.stdout, /1-0:2\.8\.0\.255 .* Wh\n$/);
    t.equal(wrong.status, 4, wrong.stderr);
    t.match(
      wrong.stderr,
      /^meterkit: E324 hls-authentication-failed: the server refused our HLS response \(read-write-denied\): check the HLS secret or keys and the client address\n$/,
    );
    t.equal(missing.status, 4, missing.stderr);
    t.match(missing.stderr, new RegExp(`--auth ${m.auth}`), 'names what needs the secret');
    for (const r of [ok, fromEnv, wrong, missing]) {
      t.notOk(hasStack(r.stderr), 'no stack trace');
      t.notMatch(r.stdout + r.stderr, new RegExp(`${SECRET}|${WRONG}`), 'the secret is never printed');
    }
  });
}

t.test('hls-sha256 sends --system-title as the calling-AP-title: another title still verifies', async (t) => {
  const r = await meterkit([
    'dlms',
    'get',
    '--tcp',
    TCP,
    '--client-sap',
    '43',
    '--auth',
    'hls-sha256',
    '--system-title',
    '4d4b540000000042',
    '--key',
    `hls=${SECRET}`,
    '1-0:1.8.0.255',
  ]);
  t.equal(r.status, 0, r.stderr);
  const bad = await meterkit([
    'dlms',
    'get',
    '--tcp',
    TCP,
    '--client-sap',
    '43',
    '--auth',
    'hls-sha256',
    '--system-title',
    '4d4b54',
    '--key',
    `hls=${SECRET}`,
    '1-0:1.8.0.255',
  ]);
  t.equal(bad.status, 2);
  t.equal(bad.stderr, 'meterkit: E600 invalid-argument: --system-title must be 8 octets (16 hex digits)\n');
});
