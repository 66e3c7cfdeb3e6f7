import { readFileSync } from 'node:fs';
import t from 'tap';
import { runCli } from '../src/index.js';
import { captureIo } from './helpers.js';

interface Entry {
  readonly id: string;
  readonly kind: string;
  readonly hex: string;
  readonly keys: Record<string, string>;
  readonly obis: (string | null)[] | null;
}

const { entries } = JSON.parse(
  readFileSync(new URL('./vectors/dlms-real-frames.json', import.meta.url), 'utf8'),
) as {
  entries: Entry[];
};

interface Output {
  protocol: string;
  layers: { layer: string; value: unknown }[];
  notes: string[];
}

async function decode(args: string[]): Promise<{ code: number; out: Output | undefined; err: string }> {
  const io = captureIo();
  const code = await runCli(['decode', '--json', ...args], io);
  return { code, out: code === 0 ? (JSON.parse(io.stdout()) as Output) : undefined, err: io.stderr() };
}

t.test(
  'every real frame in the vectors decodes (issue: meterkit decode prints every real frame)',
  async (t) => {
    for (const e of entries) {
      const keyArgs = Object.entries(e.keys).flatMap(([k, v]) => ['--key', `${k}=${v}`]);
      const r = await decode([...keyArgs, e.hex]);
      t.equal(r.code, 0, `${e.id} (${e.kind}) ${r.err}`);
      if (r.out === undefined) continue;
      t.equal(r.out.protocol, 'dlms', e.id);
      const layers = r.out.layers.map((l) => l.layer);
      if (e.kind.startsWith('hdlc-frame'))
        t.equal(layers[0], 'hdlc-frame', `${e.id} starts with its HDLC frame`);
      if (e.kind.startsWith('udp-wrapper')) t.equal(layers[0], 'wrapper', `${e.id} starts with its wrapper`);
      if (e.kind.startsWith('mbus')) t.equal(layers[0], 'mbus-frame', `${e.id} starts with its M-Bus frame`);
      if (Object.keys(e.keys).length > 0) {
        const sec = r.out.layers.find((l) => l.layer === 'security')?.value as
          | { tagVerified?: boolean }
          | undefined;
        t.ok(sec, `${e.id} deciphered with its published key`);
      }
      const values = r.out.layers.find((l) => l.layer === 'values')?.value as
        | { obis: string | null }[]
        | undefined;
      if (e.id === 'ams-landis-gyr-gh934-1') {
        // this push starts with its own push_object_list: the values are named by it, so compare with
        // amsreader's golden decode rather than the research's flat walk
        const byObis = new Map(
          (values ?? []).map((v) => [v.obis, v as { obis: string; value: { value: unknown } }]),
        );
        t.equal(byObis.get('1-0:1.7.0.255')?.value.value, 331, 'active import power 331 W');
        t.equal(byObis.get('1-1:1.8.0.255')?.value.value, 4912257, 'active import energy 4912.257 kWh');
        t.equal(byObis.get('1-0:31.7.0.255')?.value.value, 49, 'L1 current 0.49 A');
      } else if (e.obis !== null && values !== undefined) {
        t.same(
          values.map((v) => v.obis).filter((o) => o !== null),
          e.obis.filter((o) => o !== null),
          `${e.id}: the OBIS codes found by the research decode, in order`,
        );
      }
    }
  },
);

t.test('without keys a ciphered push shows its security header and says it could not decrypt', async (t) => {
  const glo = entries.find((e) => e.id === 'dlmscosem-udp-gen-glo-01')!;
  const r = await decode([glo.hex]);
  t.equal(r.code, 0);
  const apdu = r.out?.layers.find((l) => l.layer === 'apdu')?.value as {
    type: string;
    invocationCounter: number;
    systemTitle: string;
  };
  t.equal(apdu.type, 'general-glo-ciphering');
  t.equal(apdu.invocationCounter, 485);
  t.equal(apdu.systemTitle, '2f19229199164103');
  t.match(r.out?.notes.join('\n'), /could not decrypt: no encryption key given/);
  const wrongKey = await decode([
    '--key',
    'ek=00112233445566778899aabbccddeeff',
    '--key',
    'ak=00112233445566778899aabbccddeeff',
    glo.hex,
  ]);
  t.equal(wrongKey.code, 0);
  t.match(wrongKey.out?.notes.join('\n'), /could not decrypt: E300 authentication-failed/);
  t.notMatch(JSON.stringify(wrongKey.out), /00112233445566778899aabbccddeeff/, 'the key is not echoed');
  const onlyEk = await decode(['--key', `ek=${glo.keys['ek']}`, glo.hex]);
  const sec = onlyEk.out?.layers.find((l) => l.layer === 'security')?.value as { tagVerified: boolean };
  t.equal(sec.tagVerified, false);
  t.match(onlyEk.out?.notes.join('\n'), /not verified/);
});

t.test('--strict refuses what lenient decoding tolerates', async (t) => {
  const kaifa = entries.find((e) => e.id === 'ams-kaifa-gh180-1')!;
  const lenient = await decode([kaifa.hex]);
  t.equal(lenient.code, 0);
  t.match(lenient.out?.notes.join('\n'), /tagged octet-string/);
  const strict = await decode(['--strict', kaifa.hex]);
  t.equal(strict.code, 1);
  t.match(strict.err, /^meterkit: E2\d\d /);
});

t.test('the LLS password of an AARQ is never printed', async (t) => {
  const aarq = entries.find((e) => e.id === 'issue-dlmscosem-95-aarq-lls')!;
  const r = await decode([aarq.hex]);
  t.equal(r.code, 0);
  t.ok(r.out?.layers.some((l) => l.layer === 'acse'));
  const io = captureIo();
  await runCli(['decode', aarq.hex], io);
  const hex = aarq.hex;
  const pw = hex.slice(hex.indexOf('ac') + 8, hex.indexOf('ac') + 24);
  t.notOk(io.stdout().includes(pw) && pw.length > 0 && !/^0+$/.test(pw), 'password octets do not appear');
});
